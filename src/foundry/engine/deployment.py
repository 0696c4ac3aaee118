"""A deployment: one schema, one set of functions, one database, and the machinery around them.

`Deployment` wires the pieces together — storage, committer, write log, subscription manager,
scheduler — and is the one place the HTTP API and the sync workers call to run functions.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import orjson

from foundry.engine import knobs
from foundry.engine.auth import UserIdentity
from foundry.engine.committer import Committer, ConflictDetected
from foundry.engine.context import ActionCtx, FunctionLog
from foundry.engine.errors import ArgumentError, ConflictError, EngineError, ServerError
from foundry.engine.execution import (
    MutationRun,
    Outcome,
    QueryRun,
    check_args,
    run_mutation,
    run_query,
)
from foundry.engine.files import FileStore, UrlSigner
from foundry.engine.functions import Function, FunctionKind, Registry
from foundry.engine.pause import pause
from foundry.engine.query_cache import QueryCache
from foundry.engine.reads import ReadSet
from foundry.engine.scheduler import (
    JOBS,
    SYSTEM_SCHEMA,
    ActionScheduler,
    JobState,
    Scheduler,
    finish_job,
)
from foundry.engine.schema import Schema, merge_schemas
from foundry.engine.storage.base import DocumentChange, Snapshot, Storage
from foundry.engine.subscriptions import SubscriptionManager
from foundry.engine.transaction import Transaction
from foundry.engine.values import v
from foundry.engine.write_log import LogOwner, LogReader, LogWriter, new_write_log

log = logging.getLogger("foundry.deployment")

BEFORE_COMMIT = "deployment.before_commit"
T = TypeVar("T")


class CommitSink(Protocol):
    """Where prepared transactions go: the local committer, or the replica that holds it."""

    async def commit(
        self,
        begin_ts: int,
        reads: ReadSet,
        changes: tuple[DocumentChange, ...],
        function: str | None,
    ) -> int:
        """Commit and return the timestamp; raises ConflictDetected on a conflict."""
        ...


def new_request_id() -> str:
    """A short id that ties a client's error to the server's log line."""
    return uuid.uuid4().hex[:16]


class Deployment:
    """The engine for one application: run functions, commit, and track subscriptions."""

    def __init__(
        self,
        storage: Storage,
        schema: Schema,
        registry: Registry,
        *,
        files: FileStore | None = None,
        url_signer: UrlSigner | None = None,
    ) -> None:
        self.storage = storage
        self.schema = merge_schemas(schema, SYSTEM_SCHEMA)
        self.registry = registry
        self.files = files
        self.url_signer = url_signer
        self.table_numbers: dict[str, int] = {}
        self.functions_pool = ThreadPoolExecutor(knobs.FUNCTION_THREADS, "foundry-fn")
        self.io_pool = ThreadPoolExecutor(1, "foundry-commit")
        self.log_owner: LogOwner
        self.log_reader: LogReader
        self.log_writer: LogWriter
        self.subscriptions: SubscriptionManager
        self.committer: Committer | None = None
        self.sink: CommitSink
        self.scheduler: Scheduler | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._contended = asyncio.Lock()
        self.query_cache = QueryCache()
        self._stopped = False
        self._hook_tasks: set[asyncio.Task[None]] = set()

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, *, leader: bool = True, sink: CommitSink | None = None) -> None:
        """Migrate the schema, then start the committer and scheduler (leader) or not (follower)."""
        self.registry.validate()
        loop = asyncio.get_running_loop()
        self.table_numbers = await loop.run_in_executor(
            self.io_pool, self.storage.migrate, self.schema
        )
        latest = await loop.run_in_executor(self.io_pool, self.storage.latest_ts)
        self.log_owner, self.log_reader, self.log_writer = new_write_log(latest)
        self.subscriptions = SubscriptionManager(self.log_reader)
        if leader:
            await self.become_leader()
        else:
            assert sink is not None
            self.sink = sink

    async def become_leader(self, fence: Callable[[], Any] | None = None) -> None:
        """Start committing and running scheduled jobs on this replica."""
        self.committer = Committer(
            self.storage, self.log_reader, self.log_writer, self.io_pool, fence
        )
        self.sink = self.committer.client()
        self._tasks.append(asyncio.create_task(self.committer.run(), name="committer"))
        self.scheduler = Scheduler(self)
        scheduler = self.scheduler
        self.log_reader.listen(
            lambda record: (
                scheduler.poke() if any(c.table == JOBS for c in record.changes) else None
            )
        )
        self._tasks.append(asyncio.create_task(self.scheduler.run(), name="scheduler"))
        self._tasks.append(asyncio.create_task(self._prune_commit_log(), name="prune"))
        for hooks in self.registry.connection_hooks:
            if hooks.on_start is not None:
                outcome, _ = await self.run_mutation(hooks.on_start, {}, None, public=False)
                if outcome.error is not None:
                    log.error("start hook %s failed: %s", hooks.on_start, outcome.error.message)

    def connection_closed(self, session_id: str) -> None:
        """Run the disconnect hooks for a sync session that just ended (in the background)."""

        async def run() -> None:
            for hooks in self.registry.connection_hooks:
                if hooks.on_disconnect is None:
                    continue
                try:
                    outcome, _ = await self.run_mutation(
                        hooks.on_disconnect, {"sessionId": session_id}, None, public=False
                    )
                except EngineError as error:
                    outcome = Outcome(None, error, ())
                if outcome.error is not None:
                    log.error(
                        "disconnect hook %s failed: %s", hooks.on_disconnect, outcome.error.message
                    )

        if not self._stopped:
            task = asyncio.create_task(run(), name="disconnect-hooks")
            self._hook_tasks.add(task)
            task.add_done_callback(self._hook_tasks.discard)

    async def _prune_commit_log(self) -> None:
        """Keep the commit log table bounded; followers only ever read its recent end."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(knobs.COMMIT_LOG_PRUNE_INTERVAL_S)
            try:
                await loop.run_in_executor(
                    self.io_pool, self.storage.prune_commits, knobs.COMMIT_LOG_RETENTION
                )
            except Exception:
                log.exception("pruning the commit log failed; will try again")

    def spawn(self, task: asyncio.Task[None]) -> None:
        """Keep a background task alive for the deployment's lifetime."""
        self._tasks.append(task)

    async def stop(self) -> None:
        """Stop background tasks and close the database (a second call does nothing)."""
        if self._stopped:
            return
        self._stopped = True
        if self._hook_tasks:
            await asyncio.wait(self._hook_tasks, timeout=5)
        # Newest first: the scheduler may still be waiting on the committer.
        for task in reversed(self._tasks):
            task.cancel()
            _, pending = await asyncio.wait([task], timeout=5)
            if pending:
                log.error("background task %s did not stop: %s", task.get_name(), task.get_stack())
        self._tasks.clear()
        self.functions_pool.shutdown(wait=True)
        self.io_pool.shutdown(wait=True)
        self.storage.close()

    # --- running functions --------------------------------------------------------------------

    def function(self, path: str, kind: FunctionKind, *, public: bool) -> Function:
        """Find a function and check it is of the expected kind."""
        fn = self.registry.get(path, public_only=public)
        if fn.kind is not kind:
            raise ArgumentError(
                f"{path!r} is a {fn.kind.value}, not a {kind.value}",
                {"path": path, "kind": fn.kind.value},
            )
        return fn

    def open_snapshot(self) -> Snapshot:
        """A read view at the latest commit (call from a function thread)."""
        return self.storage.snapshot()

    def query_at(
        self,
        snapshot: Snapshot,
        fn: Function,
        args: dict[str, Any],
        identity: UserIdentity | None,
        request_id: str | None = None,
    ) -> QueryRun:
        """Run a query at `snapshot` (call from a function thread)."""
        return run_query(
            snapshot,
            self.schema,
            self.table_numbers,
            fn,
            args,
            identity,
            request_id or new_request_id(),
        )

    async def run_query(
        self, path: str, args: Any, identity: UserIdentity | None, *, public: bool = True
    ) -> QueryRun:
        """Run a query at the latest snapshot."""
        fn = self.function(path, FunctionKind.QUERY, public=public)
        checked = check_args(fn, args)

        def work() -> QueryRun:
            snapshot = self.open_snapshot()
            try:
                return self.query_at(snapshot, fn, checked, identity)
            finally:
                snapshot.close()

        return await asyncio.get_running_loop().run_in_executor(self.functions_pool, work)

    async def run_mutation(
        self, path: str, args: Any, identity: UserIdentity | None, *, public: bool = True
    ) -> tuple[Outcome, int | None]:
        """Run a mutation and commit it; returns its outcome and commit timestamp."""
        fn = self.function(path, FunctionKind.MUTATION, public=public)
        checked = check_args(fn, args)
        return await self._mutate(fn, checked, identity, None)

    async def _mutate(
        self,
        fn: Function,
        args: dict[str, Any],
        identity: UserIdentity | None,
        body: Callable[..., Any] | None,
    ) -> tuple[Outcome, int | None]:
        loop = asyncio.get_running_loop()
        request_id = new_request_id()

        def work() -> MutationRun:
            snapshot = self.open_snapshot()
            try:
                return run_mutation(
                    snapshot, self.schema, self.table_numbers, fn, args, identity, request_id, body
                )
            finally:
                snapshot.close()

        async def attempt_once() -> tuple[Outcome, int | None]:
            run = await loop.run_in_executor(self.functions_pool, work)
            if run.outcome.error is not None:
                return run.outcome, None
            await pause.wait(BEFORE_COMMIT)
            ts = await self.sink.commit(run.begin_ts, run.read_set, run.changes, fn.path)
            return run.outcome, ts

        conflict = None
        for attempt in range(knobs.MUTATION_MAX_RETRIES + 1):
            try:
                if attempt < 2:
                    return await attempt_once()
                # Mutations that keep losing take turns, so a hot document cannot starve one.
                async with self._contended:
                    return await attempt_once()
            except ConflictDetected as detected:
                conflict = detected.conflict
                # Exponential backoff with jitter, so hot mutations stop colliding in lockstep.
                await asyncio.sleep(random.uniform(0, min(0.2, 0.002 * 2**attempt)))
        assert conflict is not None
        where = (
            f"document {conflict.document_id!r} in table {conflict.table!r}, changed by "
            f"{conflict.function or 'another mutation'}"
            if conflict.table
            else "data that changed while it ran"
        )
        raise ConflictError(
            f"{fn.path} conflicted {knobs.MUTATION_MAX_RETRIES + 1} times on {where}. Mutations "
            "that read and write the same documents very often contend; spread them over more "
            "documents or fewer calls.",
            {"table": conflict.table, "id": conflict.document_id, "function": conflict.function},
        )

    async def run_action(
        self, path: str, args: Any, identity: UserIdentity | None, *, public: bool = True
    ) -> Outcome:
        """Run an action with the engine's time limit."""
        fn = self.function(path, FunctionKind.ACTION, public=public)
        checked = check_args(fn, args)
        request_id = new_request_id()
        flog = FunctionLog(fn.path, request_id)
        ctx = self.action_ctx(identity, flog)
        try:
            async with asyncio.timeout(knobs.ACTION_TIMEOUT_S):
                value = await fn.handler(ctx, **checked)
            return Outcome(orjson.dumps(value), None, tuple(flog.lines))
        except EngineError as error:
            return Outcome(None, error, tuple(flog.lines))
        except TimeoutError:
            timeout = EngineError(f"{fn.path} timed out after {knobs.ACTION_TIMEOUT_S:g} s")
            return Outcome(None, timeout, tuple(flog.lines))
        except Exception:
            log.exception("%s [%s] failed", fn.path, request_id)
            return Outcome(None, ServerError(request_id), tuple(flog.lines))

    def action_ctx(self, identity: UserIdentity | None, flog: FunctionLog) -> ActionCtx:
        """The context for an action or HTTP action run by `identity`."""

        async def call_query(path: str, args: Mapping[str, Any] | None = None) -> Any:
            run = await self.run_query(path, dict(args or {}), identity, public=False)
            return _unwrap(run.outcome, flog)

        async def call_mutation(path: str, args: Mapping[str, Any] | None = None) -> Any:
            outcome, _ = await self.run_mutation(path, dict(args or {}), identity, public=False)
            return _unwrap(outcome, flog)

        async def call_action(path: str, args: Mapping[str, Any] | None = None) -> Any:
            outcome = await self.run_action(path, dict(args or {}), identity, public=False)
            return _unwrap(outcome, flog)

        return ActionCtx(
            identity,
            flog,
            call_query,
            call_mutation,
            call_action,
            ActionScheduler(self),
            self.files,
            self.url_signer,
        )

    # --- engine-internal transactions ----------------------------------------------------------

    async def read(self, body: Callable[[Transaction], T]) -> T:
        """Run `body` read-only at the latest snapshot."""

        def work() -> T:
            snapshot = self.open_snapshot()
            try:
                return body(Transaction(snapshot, self.schema, self.table_numbers, writable=False))
            finally:
                snapshot.close()

        return await asyncio.get_running_loop().run_in_executor(self.functions_pool, work)

    async def transact(self, body: Callable[[Transaction], T], function: str) -> T:
        """Run `body` as a mutation with conflict retries and return its value."""
        fn = Function(FunctionKind.MUTATION, lambda ctx: None, v.any(), True, function)
        outcome, _ = await self._mutate(fn, {}, None, lambda tx, ctx: body(tx))
        if outcome.error is not None:
            raise outcome.error
        value: T = outcome.value  # JSON round-trip: tuples come back as lists
        return value

    async def run_scheduled_job(self, job: dict[str, Any], crons: Mapping[str, Any]) -> None:
        """Run one due job: mutations exactly once, actions at most once."""
        job_id = job["_id"]
        fn = self.registry.functions.get(job["name"])
        if fn is None or fn.kind is FunctionKind.QUERY:
            reason = "unknown function" if fn is None else "queries cannot be scheduled"
            await self.transact(
                lambda tx: finish_job(
                    tx, crons, job_id, JobState.FAILED, f"{job['name']}: {reason}"
                ),
                "_system:finish_job",
            )
            return
        try:
            args = check_args(fn, job["args"])
        except EngineError as invalid:
            reason = invalid.message
            await self.transact(
                lambda tx: finish_job(tx, crons, job_id, JobState.FAILED, reason),
                "_system:finish_job",
            )
            return
        if fn.kind is FunctionKind.MUTATION:

            def body(tx: Transaction, ctx: Any) -> Any:
                if not finish_job(tx, crons, job_id, JobState.SUCCESS):
                    return None  # another executor already ran it
                return fn.handler(ctx, **args)

            outcome, _ = await self._mutate(fn, args, None, body)
            if outcome.error is not None:
                message = outcome.error.message
                await self.transact(
                    lambda tx: finish_job(tx, crons, job_id, JobState.FAILED, message),
                    "_system:finish_job",
                )
            return
        started = await self.transact(
            lambda tx: finish_job(tx, crons, job_id, JobState.IN_PROGRESS), "_system:start_job"
        )
        if not started:
            return
        outcome = await self.run_action(job["name"], args, None, public=False)
        target = JobState.SUCCESS if outcome.error is None else JobState.FAILED
        error_text = None if outcome.error is None else outcome.error.message
        await self.transact(
            lambda tx: finish_job(tx, crons, job_id, target, error_text), "_system:finish_job"
        )


def _unwrap(outcome: Outcome, flog: FunctionLog) -> Any:
    flog.lines.extend(outcome.log_lines)
    if outcome.error is not None:
        raise outcome.error
    return outcome.value
