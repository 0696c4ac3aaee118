"""The HTTP surface: `/api/query|mutation|action` for non-reactive callers, and HTTP actions.

Each endpoint parses the body, verifies the bearer token, calls the deployment once, and shapes
the answer as `{"status": "success", "value": …}` or `{"status": "error", "errorMessage": …}`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from foundry.engine.auth import AuthError, UserIdentity
from foundry.engine.deployment import Deployment, new_request_id
from foundry.engine.errors import EngineError, ServerError
from foundry.engine.execution import Outcome
from foundry.engine.functions import HttpRoute

Verify = Callable[[str], Awaitable[UserIdentity]]
MAX_BODY_BYTES = 16 * 1024 * 1024


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def _error(status: int, message: str, data: Any = None) -> Response:
    return _json(status, {"status": "error", "errorMessage": message, "errorData": data})


async def identity_from(request: Request, verify: Verify) -> UserIdentity | None:
    """The identity in the request's bearer token; AuthError when the token is bad."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("InvalidToken", "the Authorization header must be 'Bearer <token>'")
    return await verify(token.strip())


def function_endpoint(
    deployment: Deployment, verify: Verify, kind: str
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint for `POST /api/<kind>`."""

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _error(413, f"request body is larger than {MAX_BODY_BYTES} bytes")
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _error(
                400, 'request body must be JSON: {"path": "module:function", "args": {…}}'
            )
        if not isinstance(payload, dict) or not isinstance(payload.get("path"), str):
            return _error(400, "request body needs a string 'path' like \"module:function\"")
        try:
            identity = await identity_from(request, verify)
        except AuthError as error:
            return _error(401, error.message, {"code": error.code})
        path, args = payload["path"], payload.get("args", {})
        ts: int | None = None
        try:
            if kind == "query":
                run = await deployment.run_query(path, args, identity)
                outcome, ts = run.outcome, run.ts
            elif kind == "mutation":
                outcome, ts = await deployment.run_mutation(path, args, identity)
            else:
                outcome = await deployment.run_action(path, args, identity)
        except EngineError as error:
            outcome = Outcome(None, error, ())
        return _outcome_response(outcome, ts)

    return endpoint


def _outcome_response(outcome: Outcome, ts: int | None) -> Response:
    if outcome.error is not None:
        error = outcome.error
        return _json(
            error.http_status,
            {
                "status": "error",
                "errorMessage": error.message,
                "errorData": error.data,
                "logLines": list(outcome.log_lines),
            },
        )
    body: dict[str, Any] = {
        "status": "success",
        "value": orjson.Fragment(outcome.value_json or b"null"),
        "logLines": list(outcome.log_lines),
    }
    if ts is not None:
        body["ts"] = ts
    return _json(200, body)


def http_action_endpoint(
    deployment: Deployment, verify: Verify, route: HttpRoute
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap an HTTP action so it receives an action context."""
    from foundry.engine.context import FunctionLog

    async def endpoint(request: Request) -> Response:
        request_id = new_request_id()
        try:
            identity = await identity_from(request, verify)
        except AuthError:
            identity = None  # webhooks authenticate themselves; a bad bearer is just anonymous
        flog = FunctionLog(f"http {route.method} {route.path}", request_id)
        ctx = deployment.action_ctx(identity, flog)
        try:
            response: Response = await route.handler(ctx, request)
            return response
        except EngineError as error:
            return _error(error.http_status, error.message, error.data)
        except Exception:
            import logging

            logging.getLogger("foundry.http").exception("%s [%s] failed", route.path, request_id)
            server_error = ServerError(request_id)
            return _error(500, server_error.message, server_error.data)

    return endpoint
