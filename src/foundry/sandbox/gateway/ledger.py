"""Per-session tokens and budgets: who may call a model, and how much they have left.

A token is `fgw_<key id>.<secret>`, shown once, when issued. The ledger keeps the key id (not
secret, it finds the entry) and the SHA-256 of the secret, so a dump of the worker's memory never
yields a usable token; the presented secret's digest is compared with hmac.compare_digest.

Budgets are checked before a call is forwarded and charged when the upstream reports usage, so
concurrent calls from one session can overshoot by at most what those calls consume.

A token may carry the session's own provider keys (a customer's `anthropicApiKey`): the gateway
then sends that key upstream instead of the host's. They live only here, beside the token, and
are dropped when the token is revoked. A key recorded as `None` was the session's own but is no
longer held (the worker restarted): calls to that provider are refused rather than silently
billed to the host's key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from foundry.sandbox.gateway.pricing import Usage, cost_usd
from foundry.sandbox.gateway.usage import Provider

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


OwnKeys = Mapping[Provider, str | None]
"""A session's own provider keys; `None` marks a key the session had but the worker lost."""


@dataclass(frozen=True)
class Admission:
    """An authorized call: the session it is charged to and the session's own provider keys."""

    session: SessionUsage
    own_keys: OwnKeys = field(default_factory=dict, repr=False)


class Ledger:
    """Issues, checks and revokes session tokens, and charges usage against budgets."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[bytes, SessionUsage]] = {}
        self._keys: dict[str, dict[Provider, str | None]] = {}  # key id -> own keys, memory only
        # Charges arrive from the event loop, issue/revoke may come from worker threads.
        self._lock = threading.Lock()

    def issue(
        self,
        session_id: str,
        budget_usd: float,
        max_tokens: int,
        own_keys: OwnKeys | None = None,
    ) -> str:
        """A new token for `session_id` with this allowance (and, if given, the session's own
        provider keys to use upstream); it is not stored anywhere in clear."""
        if budget_usd <= 0 or max_tokens <= 0:
            raise ValueError("a session needs a positive budget_usd and max_tokens")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        with self._lock:
            self._entries[key_id] = (
                _digest(secret),
                SessionUsage(session_id, budget_usd, max_tokens),
            )
            if own_keys:
                self._keys[key_id] = dict(own_keys)
        return f"{TOKEN_PREFIX}{key_id}.{secret}"

    def revoke(self, token: str) -> bool:
        """Make `token` unusable at once; False if it was not known."""
        with self._lock:
            entry = self._find(token)
            if entry is None:
                return False
            entry.revoked = True
            self._keys.pop(_key_id(token), None)
            return True

    def revoke_session(self, session_id: str) -> int:
        """Revoke every token of `session_id` (session teardown); returns how many."""
        with self._lock:
            ids = [k for k, (_, e) in self._entries.items() if e.session_id == session_id]
            for key_id in ids:
                self._entries[key_id][1].revoked = True
                self._keys.pop(key_id, None)
            return len(ids)

    def set_own_key(self, session_id: str, provider: Provider, key: str) -> int:
        """Use `key` upstream for `provider` on every live token of `session_id` from now on;
        returns how many tokens took it."""
        with self._lock:
            ids = [
                k
                for k, (_, e) in self._entries.items()
                if e.session_id == session_id and not e.revoked
            ]
            for key_id in ids:
                self._keys.setdefault(key_id, {})[provider] = key
            return len(ids)

    def holds_own_keys(self, session_id: str) -> bool:
        """True while some token of `session_id` still carries an own provider key."""
        with self._lock:
            return any(
                self._entries[k][1].session_id == session_id
                for k, keys in self._keys.items()
                if any(keys.values())
            )

    def authorize(self, token: str) -> SessionUsage:
        """The session behind `token`, if it is valid and has budget left; raises otherwise."""
        return self.admit(token).session

    def admit(self, token: str) -> Admission:
        """Like `authorize`, with the session's own provider keys read in the same step (so a
        revocation can never leave a call with the host's key instead of the session's)."""
        with self._lock:
            entry = self._find(token)
            own = dict(self._keys.get(_key_id(token), {})) if entry is not None else {}
        if entry is None or entry.revoked:
            raise InvalidToken("invalid or revoked session token")
        reason = entry.exhausted()
        if reason is not None:
            raise BudgetExhausted(f"session {entry.session_id} budget exhausted: {reason}")
        return Admission(entry, own)

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


def _key_id(token: str) -> str:
    return token.removeprefix(TOKEN_PREFIX).partition(".")[0]


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()
