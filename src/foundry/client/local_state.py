"""The client's side of the sync protocol: pure state, no I/O.

One object plays the parts of Convex's `local_state.ts` (the query set the client wants, shared
by every subscriber of the same path and arguments, and the identity it asks for),
`remote_query_set.ts` (the results the server sent, moved from version to version by
transitions) and `request_manager.ts` (mutations and actions waiting for their responses).

`AsyncClient` tells it what the application and the server did and sends the messages it returns:

    connect()            -> Connect, Authenticate?, ModifyQuerySet?, unsent requests
    subscribe(path,args) -> ModifyQuerySet Add (only for the first subscriber)
    receive(message)     -> Effects: changed queries, answered requests, auth outcome, replies
    disconnect(reason)   -> Effects: requests lost in flight
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

from foundry.client.errors import ClientError, FunctionError, ProtocolMismatch

Message = dict[str, Any]


class Phase(enum.Enum):
    """Whether the state has a socket to talk to."""

    DISCONNECTED = "disconnected"
    CONNECTED = "connected"
    CLOSED = "closed"


@dataclass(frozen=True)
class StateVersion:
    """The server's `{"querySet", "identity", "ts"}` version of a connection."""

    query_set: int
    identity: int
    ts: int

    @classmethod
    def parse(cls, raw: Any, where: str) -> StateVersion:
        """Read a version from a server message; ProtocolMismatch if it is malformed."""
        if not isinstance(raw, dict):
            raise ProtocolMismatch(f"{where}: expected a version object, got {raw!r}")
        fields = (raw.get("querySet"), raw.get("identity"), raw.get("ts"))
        if not all(isinstance(f, int) and not isinstance(f, bool) for f in fields):
            raise ProtocolMismatch(f"{where}: malformed version {raw!r}")
        return cls(*fields)  # type: ignore[arg-type]


INITIAL_VERSION = StateVersion(0, 0, 0)


def query_key(udf_path: str, args: Any) -> str:
    """The identity of a subscription: equal path and arguments share one server query."""
    return orjson.dumps([udf_path, args], option=orjson.OPT_SORT_KEYS).decode()


@dataclass(frozen=True)
class FunctionResult:
    """A function's outcome as the server reported it.

    For a query, `ts` is the timestamp of the transition that delivered the result (the result
    stays valid until a later transition changes it); for a mutation, its commit timestamp.
    """

    success: bool
    value: Any = None
    error_message: str | None = None
    error_data: Any = None
    log_lines: tuple[str, ...] = ()
    ts: int | None = None

    def unwrap(self) -> Any:
        """The value, or raise a fresh FunctionError for a failure."""
        if self.success:
            return self.value
        raise FunctionError(self.error_message or "function failed", self.error_data)

    def same_outcome(self, other: FunctionResult | None) -> bool:
        """True when `other` holds the same value or error (timestamps and logs aside)."""
        if other is None or other.success != self.success:
            return False
        # Compare canonical JSON: `==` would call 1, 1.0 and True the same value.
        return _canonical(self._outcome()) == _canonical(other._outcome())

    def _outcome(self) -> Any:
        return self.value if self.success else [self.error_message, self.error_data]


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


@dataclass
class LocalQuery:
    """One query in the client's set."""

    query_id: int
    udf_path: str
    args: Any
    # Invariant: subscribers >= 1; the last unsubscribe removes the query from the set.
    subscribers: int = 1
    # The newest result from the server; None until the first transition that mentions it.
    result: FunctionResult | None = None


class RequestStatus(enum.Enum):
    """Where a mutation or action is in its life."""

    UNSENT = "unsent"
    """Waiting for a socket; sent (once) as soon as one is open."""
    SENT = "sent"
    """Written to a socket; a disconnect now fails it with ConnectionLost."""
    COMMITTED = "committed"
    """The mutation committed at `outcome.ts`, held back until a transition reaches that ts."""


@dataclass
class Request:
    """A mutation or action waiting for its response."""

    request_id: int
    message: Message
    status: RequestStatus = RequestStatus.UNSENT
    # Invariant: set exactly when status is COMMITTED.
    outcome: FunctionResult | None = None


class AuthOutcome(enum.Enum):
    """What became of an identity the client asked for."""

    ACCEPTED = "accepted"
    """The server uses the token (or, for None, no identity)."""
    REFUSED = "refused"
    """The server refused the token and kept the previous identity."""
    EXPIRED = "expired"
    """The token in force expired; the server dropped to no identity."""


@dataclass(frozen=True)
class AuthEvent:
    """An auth outcome; it settles every `set_auth` call up to `generation`."""

    outcome: AuthOutcome
    generation: int
    message: str | None = None
    token: str | None = None
    """For EXPIRED: the token that expired (a refresh that returns it again is pointless)."""


@dataclass
class _PendingAuth:
    base_version: int
    token: str | None
    generation: int
    # The token the server had in force before this Authenticate; a refusal reverts to it.
    previous: str | None


@dataclass
class Effects:
    """What handling one event asks the caller to do."""

    send: list[Message] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """Keys of queries whose result changed, to notify their subscribers."""
    completed: list[tuple[int, FunctionResult]] = field(default_factory=list)
    """Requests answered, in the order their futures should resolve."""
    lost: list[int] = field(default_factory=list)
    """Requests that were in flight when the connection ended."""
    auth: AuthEvent | None = None
    fatal: str | None = None
    """The server announced a protocol violation and is about to close the socket."""


class LocalSyncState:
    """The query set, versions, identity and requests of one client, across reconnects."""

    def __init__(self, token: str | None = None, session_id: str | None = None) -> None:
        self.session_id = session_id or str(uuid.uuid4())
        self.phase = Phase.DISCONNECTED
        self.connection_count = 0
        self.last_close_reason: str | None = None
        self.max_observed_ts: int | None = None
        self.queries: dict[str, LocalQuery] = {}
        self._keys_by_id: dict[int, str] = {}
        self._next_query_id = 0
        # ModifyQuerySet messages sent on this connection; each one's newVersion.
        self._query_set_version = 0
        # The version the client holds: that of the last transition applied.
        self.version = INITIAL_VERSION
        self.requests: dict[int, Request] = {}
        self._next_request_id = 0
        self._desired_token = token
        self._accepted_token: str | None = None
        # Bumped by every set_auth call, so callers can tell which call an outcome settles.
        self._generation = 0
        # The generation of the last Authenticate started; below _generation, one is queued.
        self._started_generation = 0
        # Invariant: at most one Authenticate awaits its outcome (the server checks baseVersion
        # against its own count, which a refused token does not bump).
        self._pending_auth: _PendingAuth | None = None
        # The server's identity version after an expiry, before any transition says so; no
        # Authenticate is sent until a transition reaches it.
        self._identity_floor = 0

    def validate(self) -> None:
        """Raise AssertionError if an invariant is broken (a bug in the client, never input)."""
        assert len(self._keys_by_id) == len(self.queries)
        for key, query in self.queries.items():
            assert query.subscribers >= 1
            assert self._keys_by_id[query.query_id] == key
        for request in self.requests.values():
            assert (request.outcome is not None) == (request.status is RequestStatus.COMMITTED)
        assert self.version.query_set <= self._query_set_version
        if self.phase is not Phase.CONNECTED:
            assert self._pending_auth is None

    def _expect(self, phase: Phase, what: str) -> None:
        if self.phase is not phase:
            raise ClientError(f"{what}: expected state {phase.value}, got {self.phase.value}")

    # --- connection --------------------------------------------------------------------------

    def connect(self) -> Effects:
        """A socket opened: the messages that (re)build the whole session on it, in order."""
        self._expect(Phase.DISCONNECTED, "connect")
        self.phase = Phase.CONNECTED
        self.version = INITIAL_VERSION
        self._query_set_version = 0
        self._identity_floor = 0
        self._accepted_token = None
        effects = Effects()
        effects.send.append(
            {
                "type": "Connect",
                "sessionId": self.session_id,
                "connectionCount": self.connection_count,
                "lastCloseReason": self.last_close_reason,
                "maxObservedTimestamp": self.max_observed_ts,
            }
        )
        self.connection_count += 1
        if self._desired_token is not None:
            effects.send.append(self._start_auth())
        else:
            # A fresh connection has no identity, which is exactly what was asked for.
            self._started_generation = self._generation
            effects.auth = AuthEvent(AuthOutcome.ACCEPTED, self._generation)
        if self.queries:
            effects.send.append(
                self._modify_message(
                    [
                        {
                            "type": "Add",
                            "queryId": q.query_id,
                            "udfPath": q.udf_path,
                            "args": q.args,
                        }
                        for q in self.queries.values()
                    ]
                )
            )
        effects.send.extend(
            r.message for r in self.requests.values() if r.status is RequestStatus.UNSENT
        )
        return effects

    def disconnect(self, reason: str) -> Effects:
        """The socket closed: fail what was in flight, keep everything needed to resume."""
        self._expect(Phase.CONNECTED, "disconnect")
        self.phase = Phase.DISCONNECTED
        self.last_close_reason = reason
        self._pending_auth = None
        effects = Effects()
        for request_id, request in list(self.requests.items()):
            if request.status is RequestStatus.SENT:
                effects.lost.append(request_id)
                del self.requests[request_id]
            elif request.status is RequestStatus.COMMITTED:
                # It committed; the next socket may never send a transition (no queries), so
                # answer now rather than hold the caller forever.
                assert request.outcome is not None
                effects.completed.append((request_id, request.outcome))
                del self.requests[request_id]
        return effects

    def close(self) -> list[int]:
        """The client is closing: every request still waiting, to fail."""
        self.phase = Phase.CLOSED
        self._pending_auth = None
        waiting = list(self.requests)
        self.requests.clear()
        return waiting

    # --- query set ---------------------------------------------------------------------------

    def subscribe(self, udf_path: str, args: Any) -> tuple[str, Message | None]:
        """Add a subscriber; returns the query's key and the ModifyQuerySet to send, if any."""
        key = query_key(udf_path, args)
        query = self.queries.get(key)
        if query is not None:
            query.subscribers += 1
            return key, None
        query = LocalQuery(self._next_query_id, udf_path, args)
        self._next_query_id += 1
        self.queries[key] = query
        self._keys_by_id[query.query_id] = key
        add = {"type": "Add", "queryId": query.query_id, "udfPath": udf_path, "args": args}
        return key, self._modify_if_connected([add])

    def unsubscribe(self, key: str) -> Message | None:
        """Drop a subscriber; the last one removes the query (returns the ModifyQuerySet)."""
        query = self.queries.get(key)
        if query is None:
            return None
        query.subscribers -= 1
        if query.subscribers > 0:
            return None
        del self.queries[key]
        del self._keys_by_id[query.query_id]
        return self._modify_if_connected([{"type": "Remove", "queryId": query.query_id}])

    def result(self, key: str) -> FunctionResult | None:
        """The newest result of a subscribed query, if the server sent one."""
        query = self.queries.get(key)
        return None if query is None else query.result

    def _modify_if_connected(self, modifications: list[Message]) -> Message | None:
        # While disconnected the change lives only in `queries`; connect() re-adds the whole set.
        if self.phase is not Phase.CONNECTED:
            return None
        return self._modify_message(modifications)

    def _modify_message(self, modifications: list[Message]) -> Message:
        base = self._query_set_version
        self._query_set_version += 1
        return {
            "type": "ModifyQuerySet",
            "baseVersion": base,
            "newVersion": base + 1,
            "modifications": modifications,
        }

    # --- identity ----------------------------------------------------------------------------

    def set_auth(self, token: str | None) -> tuple[int, Message | None]:
        """Ask for a new identity; returns the call's generation and the Authenticate to send.

        The message is None while another Authenticate awaits its outcome or the server is
        still switching identity (a transition sends it), or while disconnected (connect()
        sends it).
        """
        self._generation += 1
        self._desired_token = token
        effects = Effects()
        self._maybe_start_auth(effects)
        return self._generation, effects.send[0] if effects.send else None

    def replace_token(self, token: str | None) -> None:
        """Swap in a freshly fetched token for the same identity (before connect)."""
        self._desired_token = token

    def _maybe_start_auth(self, effects: Effects) -> None:
        # Wait for the transition of every identity change the server made (an expiry, our
        # previous Authenticate): only then is baseVersion known, and the server has finished
        # re-running the queries for the previous identity.
        if (
            self.phase is Phase.CONNECTED
            and self._pending_auth is None
            and self._started_generation < self._generation
            and self.version.identity >= self._identity_floor
        ):
            effects.send.append(self._start_auth())

    def _start_auth(self) -> Message:
        base = self.version.identity
        token = self._desired_token
        self._started_generation = self._generation
        self._pending_auth = _PendingAuth(base, token, self._generation, self._accepted_token)
        if token is None:
            return {"type": "Authenticate", "baseVersion": base, "tokenType": "None"}
        return {"type": "Authenticate", "baseVersion": base, "tokenType": "User", "value": token}

    def _settle_auth(self, outcome: AuthOutcome, message: str | None, effects: Effects) -> None:
        pending = self._pending_auth
        assert pending is not None
        self._pending_auth = None
        if outcome is AuthOutcome.ACCEPTED:
            self._accepted_token = pending.token
        elif pending.generation == self._generation:
            # Refused and nothing newer asked for: the server's identity is the previous one.
            self._desired_token = pending.previous
        effects.auth = AuthEvent(outcome, pending.generation, message)
        self._maybe_start_auth(effects)

    # --- server messages ---------------------------------------------------------------------

    def receive(self, message: Any) -> Effects:
        """Apply one server message; ProtocolMismatch means the caller must reconnect."""
        self._expect(Phase.CONNECTED, "receive")
        if not isinstance(message, dict):
            raise ProtocolMismatch(f"expected a JSON object from the server, got {message!r}")
        kind = message.get("type")
        effects = Effects()
        if kind == "Transition":
            self._transition(message, effects)
        elif kind in ("MutationResponse", "ActionResponse"):
            self._response(message, effects)
        elif kind == "AuthError":
            self._auth_error(message, effects)
        elif kind == "Ping":
            effects.send.append({"type": "Pong"})
        elif kind == "FatalError":
            effects.fatal = str(message.get("error"))
        else:
            raise ProtocolMismatch(f"unknown server message type {kind!r}")
        return effects

    def _transition(self, message: Message, effects: Effects) -> None:
        start = StateVersion.parse(message.get("startVersion"), "Transition.startVersion")
        end = StateVersion.parse(message.get("endVersion"), "Transition.endVersion")
        if start != self.version:
            raise ProtocolMismatch(f"Transition: expected startVersion {self.version}, got {start}")
        if end.query_set > self._query_set_version or end.ts < start.ts:
            raise ProtocolMismatch(f"Transition: endVersion {end} cannot follow {start}")
        modifications = message.get("modifications")
        if not isinstance(modifications, list):
            raise ProtocolMismatch("Transition: modifications must be a list")
        for mod in modifications:
            self._apply_modification(mod, end.ts, effects)
        self.version = end
        self.max_observed_ts = max(self.max_observed_ts or 0, end.ts)
        pending = self._pending_auth
        if pending is not None and end.identity > pending.base_version:
            self._settle_auth(AuthOutcome.ACCEPTED, None, effects)
        else:
            self._maybe_start_auth(effects)
        for request_id, request in list(self.requests.items()):
            outcome = request.outcome
            if outcome is not None and outcome.ts is not None and outcome.ts <= end.ts:
                effects.completed.append((request_id, outcome))
                del self.requests[request_id]

    def _apply_modification(self, mod: Any, ts: int, effects: Effects) -> None:
        if not isinstance(mod, dict) or not isinstance(mod.get("queryId"), int):
            raise ProtocolMismatch(f"Transition: malformed modification {mod!r}")
        # A query removed here may still be answered by a transition the server computed
        # before it saw the removal; that answer is for nobody.
        key = self._keys_by_id.get(mod["queryId"])
        query = None if key is None else self.queries[key]
        kind = mod.get("type")
        logs = tuple(mod.get("logLines") or ())
        if kind == "QueryUpdated":
            result = FunctionResult(True, mod.get("value"), log_lines=logs, ts=ts)
        elif kind == "QueryFailed":
            result = FunctionResult(
                False, None, str(mod.get("errorMessage")), mod.get("errorData"), logs, ts
            )
        elif kind == "QueryRemoved":
            return
        else:
            raise ProtocolMismatch(f"Transition: unknown modification type {kind!r}")
        if query is None or key is None:
            return
        # After a reconnect the server re-sends every result; unchanged ones notify nobody.
        changed = not result.same_outcome(query.result)
        query.result = result
        if changed:
            effects.changed.append(key)

    def _response(self, message: Message, effects: Effects) -> None:
        request = self.requests.get(message.get("requestId"))  # type: ignore[arg-type]
        if request is None or request.status is not RequestStatus.SENT:
            return  # the caller gave up on it (cancelled); nobody waits for the answer
        ts = message.get("ts")
        ts = ts if isinstance(ts, int) else None
        logs = tuple(message.get("logLines") or ())
        if message.get("success") is True:
            result = FunctionResult(True, message.get("result"), log_lines=logs, ts=ts)
        else:
            result = FunctionResult(
                False, None, str(message.get("result")), message.get("errorData"), logs
            )
        if result.success and ts is not None and ts > self.version.ts:
            # Hold it until the subscriptions show the write (Convex's "completed" requests).
            request.status, request.outcome = RequestStatus.COMMITTED, result
            return
        effects.completed.append((request.request_id, result))
        del self.requests[request.request_id]

    def _auth_error(self, message: Message, effects: Effects) -> None:
        base = message.get("baseVersion")
        text = str(message.get("error"))
        pending = self._pending_auth
        if not isinstance(base, int):
            raise ProtocolMismatch(f"AuthError: baseVersion must be an integer, got {base!r}")
        # A refusal echoes our baseVersion; an expiry carries the server's new identity version.
        self._identity_floor = max(self._identity_floor, base)
        if pending is not None and base == pending.base_version:
            self._settle_auth(AuthOutcome.REFUSED, text, effects)
            return
        if pending is not None and base > pending.base_version:
            # Accepted, then expired at once: the token was past `exp` but inside the
            # verifier's leeway. It is not in force, so the set_auth call must not succeed.
            self._pending_auth = None
            if pending.generation == self._generation:
                self._desired_token = None
            effects.auth = AuthEvent(AuthOutcome.EXPIRED, pending.generation, text, pending.token)
            self._maybe_start_auth(effects)
            return
        # The token in force expired; the server now runs queries with no identity.
        expired, self._accepted_token = self._accepted_token, None
        if self._started_generation == self._generation:
            self._desired_token = None
        effects.auth = AuthEvent(AuthOutcome.EXPIRED, self._started_generation, text, expired)

    # --- requests ----------------------------------------------------------------------------

    def request(self, kind: str, udf_path: str, args: Any) -> tuple[int, Message | None]:
        """Record a mutation or action; returns its id and the message to send now, if any."""
        if kind not in ("Mutation", "Action"):
            raise ClientError(f"request kind must be 'Mutation' or 'Action', got {kind!r}")
        request_id = self._next_request_id
        self._next_request_id += 1
        message = {"type": kind, "requestId": request_id, "udfPath": udf_path, "args": args}
        self.requests[request_id] = Request(request_id, message)
        return request_id, message if self.phase is Phase.CONNECTED else None

    def mark_sent(self, request_id: int) -> bool:
        """Call just before writing a request; False means do not write it (sent or dropped)."""
        request = self.requests.get(request_id)
        if request is None or request.status is not RequestStatus.UNSENT:
            return False
        # Marked before the write: a write that fails halfway may still have reached the server.
        request.status = RequestStatus.SENT
        return True

    def forget(self, request_id: int) -> None:
        """The caller stopped waiting; an unsent request is never sent."""
        self.requests.pop(request_id, None)
