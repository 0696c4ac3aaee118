"""The per-WebSocket sync loop.

Three tasks share one `SyncState`: the reader applies client messages, the updater computes
transitions, and each mutation or action runs as a task of its own. The updater re-runs stale
queries at one snapshot `S` and sends them in one transition ending at `S`; it waits for the
subscription manager to have seen every commit up to `S`, so every other query it does not re-run
is known to be unchanged at `S` too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from foundry.engine import knobs
from foundry.engine.auth import AuthError, UserIdentity
from foundry.engine.deployment import Deployment
from foundry.engine.errors import EngineError, ProtocolError
from foundry.engine.execution import Outcome, QueryRun, check_args
from foundry.engine.functions import FunctionKind
from foundry.engine.reads import ReadSet
from foundry.engine.storage.base import Snapshot
from foundry.engine.sync.state import Phase, QueryState, SyncState

log = logging.getLogger("foundry.sync")

PROTOCOL_CLOSE = 4000

Verifier = Callable[[str], Any]  # async (token) -> UserIdentity


class SyncWorker:
    """Serves one client over one WebSocket."""

    def __init__(
        self,
        deployment: Deployment,
        websocket: WebSocket,
        verify: Verifier,
        rerun_slots: asyncio.Semaphore,
    ) -> None:
        self.deployment = deployment
        self.ws = websocket
        self.verify = verify
        self.state = SyncState()
        self._wake = asyncio.Event()
        self._advanced = asyncio.Event()
        self._min_ts = 0
        self._inflight: set[asyncio.Task[None]] = set()
        self._send_lock = asyncio.Lock()
        self._rerun_slots = rerun_slots
        self._last_send = time.monotonic()
        self._expiry: asyncio.TimerHandle | None = None

    # --- entry --------------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until the client leaves or breaks the protocol."""
        updater = asyncio.create_task(self._update_loop())
        pinger = asyncio.create_task(self._ping_loop())
        try:
            await self._read_loop()
        except ProtocolError as error:
            await self._fatal(error.message)
        except WebSocketDisconnect:
            pass
        except Exception:
            log.exception("sync connection failed")
            with contextlib.suppress(Exception):
                await self.ws.close(1011)
        finally:
            self.state.phase = Phase.CLOSED
            for task in (updater, pinger, *self._inflight):
                task.cancel()
            for query in self.state.queries.values():
                if query.subscription is not None:
                    self.deployment.subscriptions.unsubscribe(query.subscription)
            if self._expiry is not None:
                self._expiry.cancel()
            if self.state.session_id is not None:
                self.deployment.connection_closed(self.state.session_id)

    async def _fatal(self, message: str) -> None:
        with contextlib.suppress(Exception):
            await self._send({"type": "FatalError", "error": message})
            await self.ws.close(PROTOCOL_CLOSE, message[:120])

    async def _send(self, message: dict[str, Any]) -> None:
        data = orjson.dumps(message).decode()
        async with self._send_lock:
            self._last_send = time.monotonic()
            await self.ws.send_text(data)

    # --- reader -------------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        while True:
            frame = await self.ws.receive()
            if frame["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(frame.get("code", 1000))
            raw = frame.get("text")
            if raw is None:
                raw = frame.get("bytes") or b""
            self.state.validate()
            try:
                message = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise ProtocolError("frame is not valid JSON") from None
            if not isinstance(message, dict):
                raise ProtocolError("frame must be a JSON object")
            kind = message.get("type")
            if kind == "Connect":
                self.state.connect(message.get("sessionId"))
            elif kind == "Authenticate":
                await self._authenticate(message)
            elif kind == "ModifyQuerySet":
                self._modify(message)
            elif kind in ("Mutation", "Action"):
                self._start_request(kind, message)
            elif kind in ("Pong", "Ping"):
                continue
            else:
                raise ProtocolError(f"unknown message type {kind!r}")

    async def _authenticate(self, message: dict[str, Any]) -> None:
        self.state.expect(Phase.CONNECTED, "Authenticate")
        base = message.get("baseVersion")
        identity: UserIdentity | None = None
        if message.get("tokenType") == "User":
            token = message.get("value")
            if not isinstance(token, str):
                raise ProtocolError("Authenticate: value must be a string token")
            try:
                identity = await self.verify(token)
            except AuthError as error:
                await self._send(
                    {
                        "type": "AuthError",
                        "code": error.code,
                        "error": str(error),
                        "baseVersion": base,
                    }
                )
                return
        elif message.get("tokenType") != "None":
            raise ProtocolError("Authenticate: tokenType must be 'User' or 'None'")
        self.state.set_identity(identity, base)
        self._arm_expiry(identity)
        self._wake.set()

    def _arm_expiry(self, identity: UserIdentity | None) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        exp = None if identity is None else identity.claims.get("exp")
        if isinstance(exp, int | float):
            # The verifier accepts tokens up to the leeway past `exp`; honour the same grace here.
            delay = max(0.0, exp + knobs.AUTH_LEEWAY_S - time.time())
            self._expiry = asyncio.get_running_loop().call_later(delay, self._expire)

    def _expire(self) -> None:
        # An expired token stops authorising reads; the client must refresh it.
        self.state.identity = None
        self.state.identity_version += 1
        for query in self.state.queries.values():
            query.needs_run = True
        self._wake.set()
        task = asyncio.create_task(
            self._send(
                {
                    "type": "AuthError",
                    "code": "TokenExpired",
                    "error": "token expired",
                    "baseVersion": self.state.identity_version,
                }
            )
        )
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    def _modify(self, message: dict[str, Any]) -> None:
        removed = self.state.modify(
            message.get("baseVersion"),
            message.get("newVersion"),
            message.get("modifications"),
            knobs.SYNC_MAX_QUERIES_PER_CONNECTION,
        )
        for query in removed:
            if query.subscription is not None:
                self.deployment.subscriptions.unsubscribe(query.subscription)
        self._wake.set()

    def _start_request(self, kind: str, message: dict[str, Any]) -> None:
        self.state.expect(Phase.CONNECTED, kind)
        request_id = message.get("requestId")
        if not isinstance(request_id, int):
            raise ProtocolError(f"{kind}: requestId must be an integer")
        if len(self._inflight) >= knobs.SYNC_MAX_INFLIGHT_REQUESTS:
            raise ProtocolError(
                f"more than {knobs.SYNC_MAX_INFLIGHT_REQUESTS} requests in flight on one connection"
            )
        path, args = message.get("udfPath"), message.get("args", {})
        runner = self._mutation if kind == "Mutation" else self._action
        task = asyncio.create_task(runner(request_id, path, args))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _mutation(self, request_id: int, path: Any, args: Any) -> None:
        try:
            outcome, ts = await self.deployment.run_mutation(path, args, self.state.identity)
        except EngineError as error:
            outcome, ts = Outcome(None, error, ()), None
        if ts is not None:
            await self._advance_to(ts)
        response = _response("MutationResponse", request_id, outcome)
        if ts is not None:
            response["ts"] = ts
        await self._send(response)

    async def _action(self, request_id: int, path: Any, args: Any) -> None:
        try:
            outcome = await self.deployment.run_action(path, args, self.state.identity)
        except EngineError as error:
            outcome = Outcome(None, error, ())
        await self._send(_response("ActionResponse", request_id, outcome))

    async def _advance_to(self, ts: int) -> None:
        """Wait until the client has been sent a transition at `ts` or later."""
        while self.state.ts < ts:
            self._min_ts = max(self._min_ts, ts)
            advanced = self._advanced
            self._wake.set()
            await advanced.wait()

    # --- updater ------------------------------------------------------------------------------

    async def _ping_loop(self) -> None:
        while True:
            await asyncio.sleep(knobs.SYNC_PING_INTERVAL_S / 2)
            if time.monotonic() - self._last_send >= knobs.SYNC_PING_INTERVAL_S:
                await self._send({"type": "Ping"})

    async def _update_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self.state.phase is not Phase.CONNECTED:
                continue
            async with self._rerun_slots:
                await self._transition()
            # Each round gets a fresh event, so every waiter of this round wakes exactly once.
            advanced, self._advanced = self._advanced, asyncio.Event()
            advanced.set()

    def _stale(self, snapshot_ts: int) -> list[QueryState]:
        stale = []
        for query in self.state.queries.values():
            sub = query.subscription
            if query.needs_run or (
                sub is not None and sub.dirty_ts is not None and sub.dirty_ts <= snapshot_ts
            ):
                stale.append(query)
        return stale

    async def _transition(self) -> None:
        state = self.state
        loop = asyncio.get_running_loop()
        pool = self.deployment.functions_pool
        snapshot: Snapshot = await loop.run_in_executor(pool, self.deployment.open_snapshot)
        try:
            ts = snapshot.ts
            await self.deployment.subscriptions.wait_processed(ts)
            query_set_version, identity_version = state.query_set_version, state.identity_version
            identity = state.identity
            removed, state.removed = state.removed, []
            stale = self._stale(ts)
            runs = await loop.run_in_executor(pool, self._run_all, snapshot, stale, identity)
        finally:
            await loop.run_in_executor(pool, snapshot.close)
        modifications: list[dict[str, Any]] = []
        for query, run in zip(stale, runs, strict=True):
            if state.queries.get(query.query_id) is not query:
                continue  # removed while it ran
            if run is None:
                query.needs_run = False
                continue
            self._install(query, run)
            update = _query_modification(query, run)
            if update is not None:
                modifications.append(update)
        for query_id in removed:
            modifications.append({"type": "QueryRemoved", "queryId": query_id})
        if state.identity_version != identity_version:
            # The user changed while this round ran: every result must be computed again.
            for query in state.queries.values():
                query.needs_run = True
            self._wake.set()
        changed_version = (
            query_set_version != state.sent_query_set_version
            or identity_version != state.sent_identity_version
        )
        if not modifications and not changed_version and self._min_ts <= state.ts:
            return
        start = state.sent_version()
        state.sent_query_set_version = query_set_version
        state.sent_identity_version = identity_version
        end_ts = max(ts, state.ts)
        state.ts = end_ts
        await self._send(
            {
                "type": "Transition",
                "startVersion": start,
                "endVersion": {
                    "querySet": query_set_version,
                    "identity": identity_version,
                    "ts": end_ts,
                },
                "modifications": modifications,
            }
        )

    def _run_all(
        self, snapshot: Snapshot, stale: list[QueryState], identity: UserIdentity | None
    ) -> list[QueryRun | None]:
        runs: list[QueryRun | None] = []
        for query in stale:
            runs.append(self._run_one(snapshot, query, identity))
        return runs

    def _run_one(
        self, snapshot: Snapshot, query: QueryState, identity: UserIdentity | None
    ) -> QueryRun | None:
        try:
            if query.fn is None:
                query.fn = self.deployment.function(query.udf_path, FunctionKind.QUERY, public=True)
            args = check_args(query.fn, query.args)
        except EngineError as error:
            # A query that can never run still gets an answer; its empty read set never fires.
            return QueryRun(Outcome(None, error, ()), ReadSet({}), snapshot.ts)
        fn = query.fn
        key = self.deployment.query_cache.key(fn.path, args, identity, snapshot.ts)
        return self.deployment.query_cache.get_or_run(
            key, lambda: self.deployment.query_at(snapshot, fn, args, identity)
        )

    def _install(self, query: QueryState, run: QueryRun) -> None:
        manager = self.deployment.subscriptions
        query.needs_run = False
        if query.subscription is None:
            query.subscription = manager.subscribe(run.read_set, run.ts, self._wake.set)
        else:
            manager.update(query.subscription, run.read_set, run.ts)


def _query_modification(query: QueryState, run: QueryRun) -> dict[str, Any] | None:
    outcome = run.outcome
    if outcome.error is None:
        assert outcome.value_json is not None
        fingerprint = b"ok:" + outcome.value_json
        message: dict[str, Any] = {
            "type": "QueryUpdated",
            "queryId": query.query_id,
            "value": orjson.Fragment(outcome.value_json),
            "logLines": list(outcome.log_lines),
        }
    else:
        fingerprint = b"err:" + orjson.dumps([outcome.error.message, outcome.error.data])
        message = {
            "type": "QueryFailed",
            "queryId": query.query_id,
            "errorMessage": outcome.error.message,
            "errorData": outcome.error.data,
            "logLines": list(outcome.log_lines),
        }
    if fingerprint == query.last_sent and not outcome.log_lines:
        return None
    query.last_sent = fingerprint
    return message


def _response(kind: str, request_id: int, outcome: Outcome) -> dict[str, Any]:
    if outcome.error is None:
        return {
            "type": kind,
            "requestId": request_id,
            "success": True,
            "result": orjson.Fragment(outcome.value_json or b"null"),
            "logLines": list(outcome.log_lines),
        }
    return {
        "type": kind,
        "requestId": request_id,
        "success": False,
        "result": outcome.error.message,
        "errorData": outcome.error.data,
        "logLines": list(outcome.log_lines),
    }
