"""Pure ASGI middleware of the agent service: access/audit logging and bearer authentication."""

from __future__ import annotations

import hmac
import json
import logging
import time
import uuid
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foundry.agent.errors import Unauthorized

log = logging.getLogger("foundry.agent")

# Paths that answer without a bearer token (liveness probes).
PUBLIC_PATHS = frozenset({"/health"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class AccessLogMiddleware:
    """Logs a request line and an audit line per call and puts the org id into request state.

    Only the method, path, org, status and duration are logged: never headers or bodies, so no
    secret and no document content reaches the log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        org_id = _header(scope, b"x-org-id") or "unknown"
        request_id = uuid.uuid4().hex[:16]
        state = scope.setdefault("state", {})
        state["org_id"] = org_id
        state["request_id"] = request_id
        method, path = scope["method"], scope["path"]
        log.info("[%s] %s %s", datetime.now(UTC).isoformat(timespec="milliseconds"), method, path)
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log.info(
                "[audit] org=%s method=%s path=%s status=%d duration=%.1fms request=%s",
                org_id,
                method,
                path,
                status,
                (time.perf_counter() - started) * 1000,
                request_id,
            )


class BearerAuthMiddleware:
    """Requires `Authorization: Bearer <secret>` when a secret is set (constant-time compare)."""

    def __init__(self, app: ASGIApp, secret: str | None) -> None:
        self.app = app
        self.secret = secret.encode() if secret else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.secret is None or scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        header = _header(scope, b"authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.secret):
            await self.app(scope, receive, send)
            return
        error = Unauthorized("Missing or invalid bearer token.")
        body = json.dumps(error.envelope()).encode()
        await send(
            {
                "type": "http.response.start",
                "status": error.http_status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b"Bearer"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
