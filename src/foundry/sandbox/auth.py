"""Bearer-secret middleware and the terminal's HMAC token.

`BearerAuth` is pure ASGI: every HTTP request except `/health` must carry
`Authorization: Bearer <SANDBOX_API_SECRET>`, compared in constant time; the terminal
WebSocket is checked by its token instead. Terminal tokens are the reference's
`<epochMs>:<hex HMAC-SHA256(secret, "<sandboxId>:<epochMs>")>`, valid five minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from foundry.sandbox import knobs
from foundry.sandbox.errors import Unauthorized

OPEN_PATHS = frozenset({"/health"})


class BearerAuth:
    """Rejects HTTP requests without the worker's secret (WebSockets check their token)."""

    def __init__(self, app: ASGIApp, secret: str | None) -> None:
        self.app = app
        self.secret = (secret or "").encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        header = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value
        scheme, _, token = header.partition(b" ")
        if (
            not self.secret
            or scheme.lower() != b"bearer"
            or not hmac.compare_digest(token.strip(), self.secret)
        ):
            body = orjson.dumps(
                {
                    "ok": False,
                    "error": Unauthorized(
                        "missing or invalid Authorization: Bearer <SANDBOX_API_SECRET>"
                    ).to_json(),
                }
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"www-authenticate", b"Bearer"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def mint_terminal_token(secret: str, sandbox_id: str, now_ms: int | None = None) -> str:
    """A terminal token for `sandbox_id` (what the backend's getConnectionInfo returns)."""
    ts = int(time.time() * 1000) if now_ms is None else now_ms
    mac = hmac.new(secret.encode(), f"{sandbox_id}:{ts}".encode(), hashlib.sha256).hexdigest()
    return f"{ts}:{mac}"


def verify_terminal_token(secret: str | None, sandbox_id: str, token: str) -> None:
    """Raise `Unauthorized` unless `token` was minted for `sandbox_id` in the last 5 minutes."""
    ts_text, _, mac = token.partition(":")
    if not secret or not ts_text.isdigit() or not mac:
        raise Unauthorized("invalid terminal token")
    age_ms = time.time() * 1000 - int(ts_text)
    if age_ms > knobs.TERMINAL_TOKEN_TTL_S * 1000 or age_ms < -30_000:
        raise Unauthorized("terminal token expired")
    expected = mint_terminal_token(secret, sandbox_id, int(ts_text)).partition(":")[2]
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        raise Unauthorized("invalid terminal token")
