"""Request parsing, JSON answers and server-sent events for the agent routes."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import anyio
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from foundry.agent import knobs
from foundry.agent.errors import AgentError, BadRequest, PayloadTooLarge
from foundry.agent.providers.base import Progress

ModelT = TypeVar("ModelT", bound=BaseModel)
log = logging.getLogger("foundry.agent")

_MISSING_TYPES = frozenset({"missing", "string_too_short", "too_short"})


async def parse_body(
    request: Request,
    model: type[ModelT],
    *,
    missing_code: str,
    invalid_code: str = "INVALID_REQUEST",
    missing_codes: dict[str, str] | None = None,
) -> ModelT:
    """The JSON body as `model`; 400 `missing_code` for a missing field, else `invalid_code`."""
    body = await request.body()
    if len(body) > knobs.MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body is larger than {knobs.MAX_BODY_BYTES} bytes.")
    try:
        data = json.loads(body or b"{}")
    except json.JSONDecodeError as error:
        raise BadRequest(f"The body is not valid JSON: {error}.", code=invalid_code) from None
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.", code=invalid_code)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
            for e in error.errors()[:20]
        ]
        first = error.errors()[0]
        if first["type"] in _MISSING_TYPES:
            top = str(first["loc"][0]) if first["loc"] else ""
            code = (missing_codes or {}).get(top, missing_code)
            message = f"Missing required field {problems[0]['field']!r}."
        else:
            code = invalid_code
            message = f"Malformed field {problems[0]['field']!r}: {problems[0]['problem']}."
        raise BadRequest(message, code=code, details={"errors": problems}) from None


def json_response(model: BaseModel, status: int = 200) -> Response:
    """A JSON answer from a response model."""
    return Response(model.model_dump_json(), status_code=status, media_type="application/json")


def error_response(error: AgentError) -> JSONResponse:
    """The error envelope with the error's status."""
    return JSONResponse(error.envelope(), status_code=error.http_status)


def guarded(
    endpoint: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """`endpoint` answering its `AgentError`s, and anything unexpected, in the error envelope."""

    async def wrapper(request: Request) -> Response:
        try:
            return await endpoint(request)
        except AgentError as error:
            return error_response(error)
        except Exception:
            log.exception("unexpected error on %s", request.url.path)
            return error_response(AgentError("An unexpected error occurred; see the service log."))

    return wrapper


def wants_event_stream(request: Request) -> bool:
    """Whether the caller asked for server-sent events."""
    return "text/event-stream" in request.headers.get("accept", "")


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def event_stream(run: Callable[[Progress], Awaitable[BaseModel]]) -> StreamingResponse:
    """Stream `progress`/`partial` events while `run` works, then `result` (or `error`)."""
    send, receive = anyio.create_memory_object_stream[bytes](max_buffer_size=256)

    async def progress(name: str, data: dict[str, Any]) -> None:
        await send.send(_event(name, data))

    async def worker() -> None:
        async with send:
            try:
                result = await run(progress)
            except AgentError as error:
                await send.send(_event("error", error.envelope()))
            except Exception:
                log.exception("unexpected error while streaming")
                internal = AgentError("An unexpected error occurred; see the service log.")
                await send.send(_event("error", internal.envelope()))
            else:
                await send.send(_event("result", result.model_dump(mode="json")))

    async def body() -> AsyncIterator[bytes]:
        async with anyio.create_task_group() as group:
            group.start_soon(worker)
            async with receive:
                async for chunk in receive:
                    yield chunk

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )
