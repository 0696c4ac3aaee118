"""Running one query or mutation body against a snapshot (in a worker thread).

These functions are synchronous and touch only the snapshot they are given; the deployment decides
which thread runs them and what happens to their writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from foundry.engine import knobs
from foundry.engine.auth import UserIdentity
from foundry.engine.context import FunctionLog, MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError, EngineError, LimitExceeded, ServerError
from foundry.engine.functions import Function
from foundry.engine.reads import ReadSet
from foundry.engine.scheduler import TransactionScheduler
from foundry.engine.schema import Schema
from foundry.engine.storage.base import DocumentChange, Snapshot
from foundry.engine.transaction import Transaction

log = logging.getLogger("foundry.functions")


@dataclass(frozen=True)
class Outcome:
    """What running a function body produced: a JSON value or an error, plus its logs."""

    value_json: bytes | None
    error: EngineError | None
    log_lines: tuple[str, ...]

    @property
    def value(self) -> Any:
        """The decoded value (None on error)."""
        return None if self.value_json is None else orjson.loads(self.value_json)


@dataclass(frozen=True)
class QueryRun:
    """A query's outcome and what it read, at snapshot `ts`."""

    outcome: Outcome
    read_set: ReadSet
    ts: int


@dataclass(frozen=True)
class MutationRun:
    """A mutation body's outcome and the transaction to commit (when it succeeded)."""

    outcome: Outcome
    begin_ts: int
    read_set: ReadSet
    changes: tuple[DocumentChange, ...]


def check_args(fn: Function, args: Any) -> dict[str, Any]:
    """Validate a call's arguments against the function's declaration."""
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ArgumentError("args must be an object", {"path": "args"})
    size = len(orjson.dumps(args))
    if size > knobs.ARGUMENTS_MAX_BYTES:
        raise LimitExceeded(
            f"Arguments of {size} bytes are too large (limit: {knobs.ARGUMENTS_MAX_BYTES}).",
            {"limit": "argumentsSize"},
        )
    fn.args.check(args, "args")
    return args


def _guard(
    fn: Function, request_id: str, flog: FunctionLog, body: Callable[[], Any]
) -> tuple[bytes | None, EngineError | None]:
    try:
        value = body()
        try:
            return orjson.dumps(value), None
        except TypeError as error:
            raise ArgumentError(
                f"{fn.path} returned a value that is not JSON: {error}", {"path": fn.path}
            ) from None
    except EngineError as error:
        return None, error
    except Exception:
        log.exception("%s [%s] failed", fn.path, request_id)
        flog.lines.append(f"[ERROR] Server Error (request id {request_id})")
        return None, ServerError(request_id)


def run_query(
    snapshot: Snapshot,
    schema: Schema,
    table_numbers: Mapping[str, int],
    fn: Function,
    args: dict[str, Any],
    identity: UserIdentity | None,
    request_id: str,
) -> QueryRun:
    """Run a query body at `snapshot` and return its outcome and read set.

    With `knobs.CHECK_DETERMINISM` on, the body runs twice at the same snapshot and clock, and
    differing results (a query that reads the wall clock, randomness or the network) are an error.
    """
    first, now_ms = _run_query_once(snapshot, schema, table_numbers, fn, args, identity, request_id)
    if not knobs.CHECK_DETERMINISM:
        return first
    second, _ = _run_query_once(
        snapshot, schema, table_numbers, fn, args, identity, request_id, now_ms
    )
    if (first.outcome.value_json, first.read_set) != (second.outcome.value_json, second.read_set):
        error = EngineError(
            f"{fn.path} is not deterministic: two runs at the same snapshot differed. Queries and "
            "mutations must use ctx.now_ms and ctx.random, never the wall clock, randomness or "
            "I/O.",
            {"path": fn.path},
        )
        return QueryRun(Outcome(None, error, first.outcome.log_lines), first.read_set, first.ts)
    return first


def _run_query_once(
    snapshot: Snapshot,
    schema: Schema,
    table_numbers: Mapping[str, int],
    fn: Function,
    args: dict[str, Any],
    identity: UserIdentity | None,
    request_id: str,
    now_ms: int | None = None,
) -> tuple[QueryRun, int]:
    tx = Transaction(snapshot, schema, table_numbers, writable=False, function=fn.path)
    if now_ms is not None:
        tx.now_ms = now_ms
    flog = FunctionLog(fn.path, request_id)

    def body() -> Any:
        value = fn.handler(QueryCtx(tx, identity, flog), **args)
        tx.check_deadline()
        return value

    value_json, error = _guard(fn, request_id, flog, body)
    run = QueryRun(Outcome(value_json, error, tuple(flog.lines)), tx.reads.freeze(), tx.begin_ts)
    return run, tx.now_ms


def run_mutation(
    snapshot: Snapshot,
    schema: Schema,
    table_numbers: Mapping[str, int],
    fn: Function,
    args: dict[str, Any],
    identity: UserIdentity | None,
    request_id: str,
    body: Callable[[Transaction, MutationCtx], Any] | None = None,
) -> MutationRun:
    """Run a mutation body at `snapshot`; its writes are returned, not applied.

    `body`, when given, replaces the function's own handler (the scheduler wraps a job's function
    so the job's state changes in the same transaction).
    """
    tx = Transaction(snapshot, schema, table_numbers, writable=True, function=fn.path)
    flog = FunctionLog(fn.path, request_id)

    def run() -> Any:
        ctx = MutationCtx(tx, identity, flog, TransactionScheduler(tx))
        value = body(tx, ctx) if body is not None else fn.handler(ctx, **args)
        tx.check_deadline()
        return value

    value_json, error = _guard(fn, request_id, flog, run)
    changes = tx.changes() if error is None else ()
    return MutationRun(
        Outcome(value_json, error, tuple(flog.lines)), tx.begin_ts, tx.reads.freeze(), changes
    )
