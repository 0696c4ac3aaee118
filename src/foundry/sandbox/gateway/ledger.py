"""Per-session tokens and budgets: who may call a model, and how much they have left.

A token is `fgw_<key id>.<secret>`, shown once, when issued. The ledger keeps the key id (not
secret, it finds the entry) and the SHA-256 of the secret, so a dump of the worker's memory never
yields a usable token; the presented secret's digest is compared with hmac.compare_digest.

Budgets are checked before a call is forwarded and charged when the upstream reports usage, so
concurrent calls from one session can overshoot by at most what those calls consume.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field

from foundry.sandbox.gateway.pricing import Usage, cost_usd

TOKEN_PREFIX = "fgw_"


class GatewayRefusal(Exception):
    """A call the gateway will not forward; `status` and `kind` shape the HTTP answer."""

    status = 400
    kind = "invalid_request_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidToken(GatewayRefusal):
    """The token is unknown, malformed or revoked."""

    status = 401
    kind = "authentication_error"


class BudgetExhausted(GatewayRefusal):
    """The session has spent its USD budget or its token cap."""

    status = 402
    kind = "budget_exceeded"


class UpstreamUnavailable(GatewayRefusal):
    """The host has no key or address for the requested provider."""

    status = 503
    kind = "api_error"


@dataclass
class SessionUsage:
    """One session's allowance and what it has used so far."""

    session_id: str
    budget_usd: float
    max_tokens: int
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0
    revoked: bool = False
    by_model: dict[str, float] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        """Tokens used so far, input and output together."""
        return self.input_tokens + self.output_tokens

    def exhausted(self) -> str | None:
        """Why this session may make no further call, or None if it may."""
        if self.cost_usd >= self.budget_usd:
            return f"spent ${self.cost_usd:.4f} of a ${self.budget_usd:.4f} budget"
        if self.tokens >= self.max_tokens:
            return f"used {self.tokens} of {self.max_tokens} tokens"
        return None


class Ledger:
    """Issues, checks and revokes session tokens, and charges usage against budgets."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[bytes, SessionUsage]] = {}
        # Charges arrive from the event loop, issue/revoke may come from worker threads.
        self._lock = threading.Lock()

    def issue(self, session_id: str, budget_usd: float, max_tokens: int) -> str:
        """A new token for `session_id` with this allowance; it is not stored anywhere in clear."""
        if budget_usd <= 0 or max_tokens <= 0:
            raise ValueError("a session needs a positive budget_usd and max_tokens")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        with self._lock:
            self._entries[key_id] = (
                _digest(secret),
                SessionUsage(session_id, budget_usd, max_tokens),
            )
        return f"{TOKEN_PREFIX}{key_id}.{secret}"

    def revoke(self, token: str) -> bool:
        """Make `token` unusable at once; False if it was not known."""
        with self._lock:
            entry = self._find(token)
            if entry is None:
                return False
            entry.revoked = True
            return True

    def revoke_session(self, session_id: str) -> int:
        """Revoke every token of `session_id` (session teardown); returns how many."""
        with self._lock:
            entries = [e for _, e in self._entries.values() if e.session_id == session_id]
            for entry in entries:
                entry.revoked = True
            return len(entries)

    def authorize(self, token: str) -> SessionUsage:
        """The session behind `token`, if it is valid and has budget left; raises otherwise."""
        with self._lock:
            entry = self._find(token)
        if entry is None or entry.revoked:
            raise InvalidToken("invalid or revoked session token")
        reason = entry.exhausted()
        if reason is not None:
            raise BudgetExhausted(f"session {entry.session_id} budget exhausted: {reason}")
        return entry

    def charge(self, entry: SessionUsage, model: str, usage: Usage) -> float:
        """Add one call's usage to its session; returns the call's cost in USD."""
        cost = cost_usd(model, usage)
        with self._lock:
            entry.input_tokens += (
                usage.input_tokens + usage.cache_write_tokens + usage.cache_read_tokens
            )
            entry.output_tokens += usage.output_tokens
            entry.cost_usd += cost
            entry.calls += 1
            entry.by_model[model] = entry.by_model.get(model, 0.0) + cost
        return cost

    def usage(self, session_id: str) -> SessionUsage | None:
        """The most recently issued allowance of `session_id` (a copy), or None."""
        with self._lock:
            found = [e for _, e in self._entries.values() if e.session_id == session_id]
            if not found:
                return None
            latest = found[-1]
            return SessionUsage(**{**latest.__dict__, "by_model": dict(latest.by_model)})

    def _find(self, token: str) -> SessionUsage | None:
        key_id, dot, secret = token.removeprefix(TOKEN_PREFIX).partition(".")
        if not token.startswith(TOKEN_PREFIX) or not dot:
            return None
        stored = self._entries.get(key_id)
        if stored is None or not hmac.compare_digest(stored[0], _digest(secret)):
            return None
        return stored[1]


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()
