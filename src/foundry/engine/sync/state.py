"""The protocol state of one sync connection: pure data, no I/O.

The worker asks this object what to do next (which queries need a run, what the next version is)
and tells it what happened; `validate()` checks the invariants at the top of every loop iteration.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from foundry.engine.auth import UserIdentity
from foundry.engine.errors import ProtocolError
from foundry.engine.functions import Function
from foundry.engine.subscriptions import Subscription


class Phase(enum.Enum):
    """Where a connection is in its life."""

    AWAITING_CONNECT = "awaiting_connect"
    CONNECTED = "connected"
    CLOSED = "closed"


@dataclass
class QueryState:
    """One query the client subscribed to."""

    query_id: int
    udf_path: str
    args: Any
    fn: Function | None
    # Invariant: subscription is None until the query's first run has been installed.
    subscription: Subscription | None = None
    # The JSON (or error text) last sent, so unchanged results are not sent again.
    last_sent: bytes | None = None
    needs_run: bool = True


@dataclass
class SyncState:
    """Versions, identity and the query set of one connection."""

    phase: Phase = Phase.AWAITING_CONNECT
    session_id: str | None = None
    query_set_version: int = 0
    identity_version: int = 0
    ts: int = 0
    identity: UserIdentity | None = None
    queries: dict[int, QueryState] = field(default_factory=dict)
    removed: list[int] = field(default_factory=list)
    # Versions the client holds (those of the last transition sent).
    sent_query_set_version: int = 0
    sent_identity_version: int = 0

    def validate(self) -> None:
        """Raise AssertionError if the state broke an invariant (a bug, never client input)."""
        assert self.sent_query_set_version <= self.query_set_version
        assert self.sent_identity_version <= self.identity_version
        for query_id, query in self.queries.items():
            assert query.query_id == query_id
            assert query_id not in self.removed
            assert query.subscription is not None or query.needs_run

    def expect(self, phase: Phase, what: str) -> None:
        """Raise ProtocolError unless the connection is in `phase`."""
        if self.phase is not phase:
            raise ProtocolError(
                f"{what}: expected connection state {phase.value}, got {self.phase.value}"
            )

    def connect(self, session_id: Any) -> None:
        """Handle `Connect`."""
        self.expect(Phase.AWAITING_CONNECT, "Connect")
        if session_id is not None and (
            not isinstance(session_id, str) or not 0 < len(session_id) <= 128
        ):
            raise ProtocolError("Connect: sessionId must be a string of 1 to 128 characters")
        self.session_id = session_id
        self.phase = Phase.CONNECTED

    def set_identity(self, identity: UserIdentity | None, base_version: Any) -> bool:
        """Handle `Authenticate`; returns True when the queries must re-run (a different user)."""
        self.expect(Phase.CONNECTED, "Authenticate")
        if base_version != self.identity_version:
            raise ProtocolError(
                f"Authenticate: baseVersion {base_version!r} does not match identity version "
                f"{self.identity_version}"
            )
        before = None if self.identity is None else self.identity.token_identifier
        after = None if identity is None else identity.token_identifier
        self.identity = identity
        self.identity_version += 1
        if before != after:
            for query in self.queries.values():
                query.needs_run = True
            return True
        return False

    def modify(self, base: Any, new: Any, modifications: Any, max_queries: int) -> list[QueryState]:
        """Handle `ModifyQuerySet`; returns the removed queries (to unsubscribe)."""
        self.expect(Phase.CONNECTED, "ModifyQuerySet")
        if base != self.query_set_version or new != self.query_set_version + 1:
            raise ProtocolError(
                f"ModifyQuerySet: expected baseVersion {self.query_set_version} and newVersion "
                f"{self.query_set_version + 1}, got {base!r} and {new!r}"
            )
        if not isinstance(modifications, list):
            raise ProtocolError("ModifyQuerySet: modifications must be a list")
        removed: list[QueryState] = []
        for mod in modifications:
            if not isinstance(mod, dict) or not isinstance(mod.get("queryId"), int):
                raise ProtocolError("ModifyQuerySet: each modification needs an integer queryId")
            query_id = mod["queryId"]
            if mod.get("type") == "Add":
                if query_id in self.queries:
                    raise ProtocolError(f"ModifyQuerySet: query {query_id} is already subscribed")
                if len(self.queries) >= max_queries:
                    raise ProtocolError(
                        f"ModifyQuerySet: at most {max_queries} queries per connection"
                    )
                path = mod.get("udfPath")
                if not isinstance(path, str):
                    raise ProtocolError("ModifyQuerySet: Add needs a string udfPath")
                self.queries[query_id] = QueryState(query_id, path, mod.get("args", {}), None)
                if query_id in self.removed:
                    self.removed.remove(query_id)
            elif mod.get("type") == "Remove":
                query = self.queries.pop(query_id, None)
                if query is None:
                    raise ProtocolError(f"ModifyQuerySet: query {query_id} is not subscribed")
                removed.append(query)
                self.removed.append(query_id)
            else:
                raise ProtocolError(
                    f"ModifyQuerySet: unknown modification type {mod.get('type')!r}"
                )
        self.query_set_version = new
        return removed

    def version(self, ts: int | None = None) -> dict[str, int]:
        """The state version as sent in transitions."""
        return {
            "querySet": self.query_set_version,
            "identity": self.identity_version,
            "ts": self.ts if ts is None else ts,
        }

    def sent_version(self) -> dict[str, int]:
        """The version the client currently holds."""
        return {
            "querySet": self.sent_query_set_version,
            "identity": self.sent_identity_version,
            "ts": self.ts,
        }
