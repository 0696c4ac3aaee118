"""Signed-in browser sessions: a signed cookie naming the session, tokens kept by the process.

The cookie (HttpOnly, SameSite=Lax, signed with the instance secret) carries the session id, the
refresh token and a CSRF token. The process keeps the current access token per session and
refreshes it once for everyone who needs it, so tabs and page loads never race a rotating
refresh token. After a restart of the web process the cookie's refresh token starts over.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from foundry.web.backend import AuthFailed, BackendAuth

COOKIE = "foundry_session"
REFRESH_MARGIN_S = 60


@dataclass
class WebSession:
    """One browser's sign-in, shared by all of its tabs."""

    session_id: str
    refresh_token: str
    csrf: str
    access_token: str = ""
    expires_at: float = 0.0
    user: dict[str, Any] = field(default_factory=dict)
    org_id: str | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class SessionStore:
    """Sessions of this web process, keyed by the id in the cookie."""

    def __init__(self, secret: str, auth: BackendAuth) -> None:
        self._serializer = URLSafeSerializer(secret, salt="foundry-web-session")
        self._sessions: dict[str, WebSession] = {}
        self.auth = auth

    def cookie_value(self, session: WebSession) -> str:
        """What the session cookie holds."""
        return self._serializer.dumps([session.session_id, session.refresh_token, session.csrf])

    def start(self, tokens: dict[str, Any]) -> WebSession:
        """A new session from a successful sign-in answer of the backend."""
        session = WebSession(
            secrets.token_urlsafe(16), tokens["refreshToken"], secrets.token_urlsafe(24)
        )
        self._absorb(session, tokens)
        self._sessions[session.session_id] = session
        return session

    def from_cookie(self, raw: str | None) -> WebSession | None:
        """The session a cookie names (restored from its refresh token after a restart)."""
        if not raw:
            return None
        try:
            session_id, refresh_token, csrf = self._serializer.loads(raw)
        except (BadSignature, ValueError, TypeError):
            return None
        session = self._sessions.get(session_id)
        if session is None:
            session = WebSession(session_id, refresh_token, csrf)
            self._sessions[session_id] = session
        return session

    def end(self, session: WebSession) -> None:
        """Forget a session (after log-out)."""
        self._sessions.pop(session.session_id, None)

    async def access_token(self, session: WebSession) -> str:
        """A valid access token for the session, refreshed once when close to expiry."""
        async with session.lock:
            if session.access_token and session.expires_at - time.time() > REFRESH_MARGIN_S:
                return session.access_token
            try:
                tokens = await self.auth.refresh(session.refresh_token)
            except AuthFailed:
                self.end(session)
                raise
            self._absorb(session, tokens)
            return session.access_token

    async def switch_org(self, session: WebSession, org_id: str) -> None:
        """Make `org_id` the session's active organisation."""
        async with session.lock:
            self._absorb(session, await self.auth.switch_org(session.refresh_token, org_id))

    @staticmethod
    def _absorb(session: WebSession, tokens: dict[str, Any]) -> None:
        session.access_token = tokens["accessToken"]
        session.refresh_token = tokens.get("refreshToken") or session.refresh_token
        session.expires_at = tokens["expiresAt"] / 1000
        session.user = tokens.get("user") or session.user
        session.org_id = tokens.get("orgId") or session.org_id
