"""The sandbox worker's HTTP routes: parse, call one manager function, answer in the envelope.

Success is `{ok: true, data}`; failure `{ok: false, error: {code, message, details?}}` with the
reference's codes. Logs stream as server-sent events (see `logstream.py`), the terminal is a
WebSocket (see `terminal.py`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from foundry.sandbox import knobs
from foundry.sandbox.errors import BadRequest, InternalError, SandboxError
from foundry.sandbox.manager import Manager
from foundry.sandbox.schemas import CreateSandbox, Execute, Finalize, Message, WriteFile

log = logging.getLogger("foundry.sandbox.api")
M = TypeVar("M", bound=BaseModel)
Handler = Callable[[Request], Awaitable[Response]]


def ok(data: Any, status: int = 200) -> Response:
    """The success envelope."""
    return Response(orjson.dumps({"ok": True, "data": data}), status, media_type="application/json")


def failure(error: SandboxError) -> Response:
    """The failure envelope."""
    return Response(
        orjson.dumps({"ok": False, "error": error.to_json()}),
        error.http_status,
        media_type="application/json",
    )


def enveloped(handler: Handler) -> Handler:
    """Turn errors raised by a route into the failure envelope."""

    async def route(request: Request) -> Response:
        try:
            return await handler(request)
        except SandboxError as error:
            return failure(error)
        except Exception:
            request_id = uuid.uuid4().hex[:12]
            log.exception("request %s failed", request_id)
            return failure(
                InternalError("internal error; see the worker log", {"requestId": request_id})
            )

    return route


async def body(request: Request, model: type[M]) -> M:
    """The request body parsed into `model`, or BAD_REQUEST naming the fields."""
    raw = await request.body()
    if len(raw) > knobs.REQUEST_MAX_BYTES:
        raise BadRequest(f"request body larger than {knobs.REQUEST_MAX_BYTES} bytes")
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as error:
        details = [
            {"field": ".".join(map(str, e["loc"])), "message": e["msg"]}
            for e in error.errors(include_url=False)
        ]
        raise BadRequest(f"invalid {model.__name__} body", details) from None


def manager(request: Request) -> Manager:
    """The worker's session manager."""
    m: Manager = request.app.state.manager
    return m


def sid(request: Request) -> str:
    """The sandbox id in the path."""
    return str(request.path_params["id"])


@enveloped
async def create(request: Request) -> Response:
    """POST /sandbox/create: 202, provisioning in the background."""
    req = await body(request, CreateSandbox)
    return ok(await manager(request).create(req), 202)


@enveloped
async def execute(request: Request) -> Response:
    """POST /sandbox/:id/execute: 202, the run continues in the background."""
    req = await body(request, Execute)
    return ok(await manager(request).execute(sid(request), req), 202)


@enveloped
async def fs_list(request: Request) -> Response:
    """GET /sandbox/:id/fs/list?path="""
    path = request.query_params.get("path", "")
    return ok(await manager(request).fs_list(sid(request), path))


@enveloped
async def fs_read(request: Request) -> Response:
    """GET /sandbox/:id/fs/read?path="""
    path = request.query_params.get("path") or ""
    return ok(await manager(request).fs_read(sid(request), path))


@enveloped
async def fs_write(request: Request) -> Response:
    """POST /sandbox/:id/fs/write {path, content}."""
    req = await body(request, WriteFile)
    return ok(await manager(request).fs_write(sid(request), req.path, req.content))


@enveloped
async def message(request: Request) -> Response:
    """POST /sandbox/:id/message {content}: 409 unless a run is executing."""
    req = await body(request, Message)
    return ok(await manager(request).message(sid(request), req.content))


@enveloped
async def stop(request: Request) -> Response:
    """POST /sandbox/:id/stop: finalize (final commit, push) and complete."""
    req = await body(request, Finalize)
    return ok(await manager(request).stop(sid(request), req))


@enveloped
async def sleep(request: Request) -> Response:
    """POST /sandbox/:id/sleep: free the runtime, keep the workspace."""
    return ok(await manager(request).sleep(sid(request)))


@enveloped
async def wake(request: Request) -> Response:
    """POST /sandbox/:id/wake: restore the runtime."""
    return ok(await manager(request).wake(sid(request)))


@enveloped
async def diff(request: Request) -> Response:
    """GET /sandbox/:id/diff: changed files and per-file diffs."""
    return ok(await manager(request).diff(sid(request)))


@enveloped
async def status(request: Request) -> Response:
    """GET /sandbox/:id: the session's record (no secrets)."""
    return ok(manager(request).get(sid(request)).public())


@enveloped
async def delete(request: Request) -> Response:
    """DELETE /sandbox/:id."""
    return ok(await manager(request).delete(sid(request)))


@enveloped
async def fleet(request: Request) -> Response:
    """GET /sandboxes: every live session."""
    return ok({"sandboxes": manager(request).fleet()})
