"""Scheduled functions and crons, kept in the `_scheduled_jobs` system table.

Scheduling inside a mutation is part of that mutation's transaction: if the mutation fails, the
job never existed. A scheduled mutation runs in the same transaction that moves its job from
`pending` to `success`, so it runs exactly once even across restarts and racing executors. A
scheduled action is first moved to `inProgress` in a transaction of its own, then run, so it runs
at most once: an action interrupted by a restart ends `failed`, never run twice.

Crons are declared in code (`functions.Crons`); each keeps exactly one pending job, and finishing
one schedules the next in the same transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from foundry.engine import knobs
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import CronJob, FunctionKind
from foundry.engine.schema import define_schema, define_table
from foundry.engine.transaction import Transaction
from foundry.engine.values import v

if TYPE_CHECKING:
    from foundry.engine.deployment import Deployment

log = logging.getLogger("foundry.scheduler")

JOBS = "_scheduled_jobs"


class JobState(enum.Enum):
    """The life of a scheduled job."""

    PENDING = "pending"
    """Waiting for its time; the only state from which a job can be canceled."""
    IN_PROGRESS = "inProgress"
    """An action that has started; it will end success or failed, never run again."""
    SUCCESS = "success"
    """Ran and returned."""
    FAILED = "failed"
    """Ran and raised, or was interrupted (actions), or named an unknown function."""
    CANCELED = "canceled"
    """Canceled while pending; it never ran."""


ALLOWED = {
    JobState.PENDING: {JobState.IN_PROGRESS, JobState.SUCCESS, JobState.FAILED, JobState.CANCELED},
    JobState.IN_PROGRESS: {JobState.SUCCESS, JobState.FAILED},
}


def transition(job: Mapping[str, Any], target: JobState) -> dict[str, Any]:
    """The fields that move `job` to `target`; raises unless the move is allowed."""
    current = JobState(job["state"])
    if target not in ALLOWED.get(current, set()):
        raise ArgumentError(
            f"scheduled job {job['_id']}: expected a state that can become {target.value}, "
            f"got {current.value}",
            {"jobId": job["_id"], "state": current.value},
        )
    return {"state": target.value}


SYSTEM_SCHEMA = define_schema(
    {
        JOBS: define_table(
            {
                "name": v.string(),
                "args": v.any(),
                "scheduledTime": v.number(),
                "state": v.literal(*(s.value for s in JobState)),
                "completedTime": v.optional(v.number()),
                "error": v.optional(v.string()),
                "cron": v.optional(v.string()),
            }
        )
        .index("by_state_time", ["state", "scheduledTime"])
        .index("by_cron", ["cron", "state"]),
    },
    system=True,
)


def _check_path(path: str) -> None:
    if not isinstance(path, str) or path.count(":") != 1:
        raise ArgumentError(f"{path!r} is not a function path like 'module:function'", {})


class TransactionScheduler:
    """`ctx.scheduler` inside a mutation: every call is part of the mutation's transaction."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def run_at(
        self,
        when_ms: float,
        function: str,
        args: Mapping[str, Any] | None = None,
        *,
        cron: str | None = None,
    ) -> str:
        """Run `function(args)` at `when_ms` (milliseconds since the epoch); returns the job id."""
        _check_path(function)
        job: dict[str, Any] = {
            "name": function,
            "args": dict(args or {}),
            "scheduledTime": when_ms,
            "state": JobState.PENDING.value,
        }
        if cron is not None:
            job["cron"] = cron
        return self._tx.insert(JOBS, job)

    def run_after(
        self, delay_s: float, function: str, args: Mapping[str, Any] | None = None
    ) -> str:
        """Run `function(args)` after `delay_s` seconds; returns the job id."""
        return self.run_at(self._tx.now_ms + max(0.0, delay_s) * 1000, function, args)

    def cancel(self, job_id: str) -> None:
        """Cancel a pending job (a job already running or finished is left alone)."""
        job = self._tx.get(job_id, JOBS)
        if job is not None and job["state"] == JobState.PENDING.value:
            self._tx.patch(job_id, transition(job, JobState.CANCELED))


class ActionScheduler:
    """`ctx.scheduler` inside an action: each call is a small transaction of its own."""

    def __init__(self, deployment: Deployment) -> None:
        self._deployment = deployment

    async def run_at(
        self, when_ms: float, function: str, args: Mapping[str, Any] | None = None
    ) -> str:
        """Run `function(args)` at `when_ms`; returns the job id."""
        job_id: str = await self._deployment.transact(
            lambda tx: TransactionScheduler(tx).run_at(when_ms, function, args), "_system:schedule"
        )
        return job_id

    async def run_after(
        self, delay_s: float, function: str, args: Mapping[str, Any] | None = None
    ) -> str:
        """Run `function(args)` after `delay_s` seconds; returns the job id."""
        return await self.run_at(time.time() * 1000 + max(0.0, delay_s) * 1000, function, args)

    async def cancel(self, job_id: str) -> None:
        """Cancel a pending job."""
        await self._deployment.transact(
            lambda tx: TransactionScheduler(tx).cancel(job_id), "_system:cancel"
        )


def next_cron_time(job: CronJob, after_ms: float) -> float:
    """When `job` should next run, strictly after `after_ms`."""
    if job.interval_s is not None:
        return after_ms + job.interval_s * 1000
    from croniter import croniter

    assert job.cron is not None
    base = datetime.fromtimestamp(after_ms / 1000, UTC)
    following: datetime = croniter(job.cron, base).get_next(datetime)
    return following.timestamp() * 1000


class Scheduler:
    """Runs due jobs; one per deployment, on the replica that holds the committer."""

    def __init__(self, deployment: Deployment) -> None:
        self._deployment = deployment
        self._wake = asyncio.Event()
        self._running: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(knobs.SCHEDULER_CONCURRENCY)
        self._crons = {job.name: job for job in deployment.registry.crons}

    def poke(self) -> None:
        """Look for due jobs now (called when `_scheduled_jobs` changes)."""
        self._wake.set()

    async def run(self) -> None:
        """Recover, register crons, then run due jobs forever."""
        await self._recover()
        await self._sync_crons()
        while True:
            self._wake.clear()
            now = time.time() * 1000
            due, next_time = await self._deployment.read(partial(_due_jobs, now_ms=now))
            for job in due:
                if job["_id"] not in self._running:
                    self._running.add(job["_id"])
                    task = asyncio.create_task(self._run_job(job))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            wait = knobs.SCHEDULER_POLL_MAX_S
            if next_time is not None:
                wait = min(wait, max(0.0, (next_time - time.time() * 1000) / 1000))
            if due and len(due) >= 64:
                wait = 0
            # asyncio.timeout, unlike wait_for on 3.11, never swallows a cancellation.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    async def _recover(self) -> None:
        def fail_interrupted(tx: Transaction) -> int:
            jobs = (
                tx_query(tx)
                .with_index("by_state_time", lambda q: q.eq("state", JobState.IN_PROGRESS.value))
                .collect()
            )
            for job in jobs:
                tx.patch(
                    job["_id"],
                    {
                        **transition(job, JobState.FAILED),
                        "completedTime": tx.now_ms,
                        "error": "interrupted: the backend restarted while this action ran",
                    },
                )
                _schedule_next_cron(tx, self._crons, job)
            return len(jobs)

        count = await self._deployment.transact(fail_interrupted, "_system:recover_jobs")
        if count:
            log.warning("marked %d interrupted scheduled actions as failed", count)

    async def _sync_crons(self) -> None:
        crons = self._crons

        def sync(tx: Transaction) -> None:
            pending = (
                tx_query(tx)
                .with_index("by_state_time", lambda q: q.eq("state", JobState.PENDING.value))
                .filter(lambda job: job.get("cron") is not None)
                .collect()
            )
            seen = set()
            for job in pending:
                spec = crons.get(job["cron"])
                if spec is None or spec.function != job["name"] or job["cron"] in seen:
                    tx.patch(job["_id"], transition(job, JobState.CANCELED))
                else:
                    seen.add(job["cron"])
            scheduler = TransactionScheduler(tx)
            for name, spec in crons.items():
                if name not in seen:
                    scheduler.run_at(
                        next_cron_time(spec, tx.now_ms), spec.function, spec.args, cron=name
                    )

        await self._deployment.transact(sync, "_system:sync_crons")

    async def _run_job(self, job: dict[str, Any]) -> None:
        async with self._slots:
            try:
                await self._deployment.run_scheduled_job(job, self._crons)
            except Exception:
                log.exception("scheduled job %s (%s) could not be run", job["_id"], job["name"])
            finally:
                self._running.discard(job["_id"])
                self._wake.set()


def tx_query(tx: Transaction) -> Any:
    """A query on the jobs table inside `tx`."""
    from foundry.engine.query import Query

    return Query(tx, JOBS)


def _due_jobs(tx: Transaction, now_ms: float) -> tuple[list[dict[str, Any]], float | None]:
    pending = (
        tx_query(tx)
        .with_index(
            "by_state_time",
            lambda q: q.eq("state", JobState.PENDING.value),
        )
        .take(65)
    )
    due = [job for job in pending if job["scheduledTime"] <= now_ms][:64]
    later = [job["scheduledTime"] for job in pending if job["scheduledTime"] > now_ms]
    return due, (min(later) if later else None)


def _schedule_next_cron(
    tx: Transaction, crons: Mapping[str, CronJob], job: Mapping[str, Any]
) -> None:
    name = job.get("cron")
    spec = crons.get(name) if name else None
    if spec is not None:
        TransactionScheduler(tx).run_at(
            next_cron_time(spec, max(tx.now_ms, job["scheduledTime"])),
            spec.function,
            spec.args,
            cron=spec.name,
        )


def finish_job(
    tx: Transaction,
    crons: Mapping[str, CronJob],
    job_id: str,
    target: JobState,
    error: str | None = None,
) -> bool:
    """Move a job to `target` (with its completion time) if it may; schedule its cron's next run.

    Returns False when the job is no longer in a state that allows the move.
    """
    job = tx.get(job_id, JOBS)
    if job is None or target not in ALLOWED.get(JobState(job["state"]), set()):
        return False
    fields: dict[str, Any] = {**transition(job, target), "completedTime": tx.now_ms}
    if error is not None:
        fields["error"] = error[:2000]
    tx.patch(job_id, fields)
    if target in (JobState.SUCCESS, JobState.FAILED):
        _schedule_next_cron(tx, crons, job)
    return True


def job_kind(deployment: Deployment, job: Mapping[str, Any]) -> FunctionKind | None:
    """The kind of the function a job names, or None if it does not exist."""
    fn = deployment.registry.functions.get(job["name"])
    return None if fn is None else fn.kind
