"""The committer: the single writer that orders every commit.

`Committer.run()` owns the commit timestamps. It takes transactions off a bounded queue, checks each
one's read set against every commit made since its snapshot (optimistic concurrency), assigns the
survivors increasing timestamps, and writes a whole group of them in one database transaction
(group commit) before answering any of them. Then it appends them to the write log, which tells
the subscription manager.

`CommitterClient.commit()` is the only way in: a full queue is an `OverloadedError` at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from foundry.engine import knobs
from foundry.engine.errors import OverloadedError
from foundry.engine.pause import pause
from foundry.engine.reads import ReadSet
from foundry.engine.storage.base import CommitRecord, DocumentChange, Storage
from foundry.engine.write_log import LogReader, LogWriter

log = logging.getLogger("foundry.committer")

AFTER_CONFLICT_CHECK = "committer.after_conflict_check"


@dataclass(frozen=True)
class Conflict:
    """Why a transaction could not commit: which later commit wrote what it read."""

    table: str
    document_id: str
    function: str | None
    ts: int


class ConflictDetected(Exception):
    """A transaction's reads were overwritten after its snapshot; re-run it."""

    def __init__(self, conflict: Conflict) -> None:
        super().__init__(conflict)
        self.conflict = conflict


@dataclass(frozen=True)
class Commit:
    """A transaction ready to commit, and where to send the answer."""

    begin_ts: int
    reads: ReadSet
    changes: tuple[DocumentChange, ...]
    function: str | None
    answer: asyncio.Future[int]


class Committer:
    """Owns commit timestamps and the write path; run exactly one per deployment."""

    def __init__(
        self,
        storage: Storage,
        reader: LogReader,
        writer: LogWriter,
        io: Executor,
        fence: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._storage = storage
        self._reader = reader
        self._writer = writer
        self._io = io
        self._fence = fence
        self.queue: asyncio.Queue[Commit] = asyncio.Queue(knobs.COMMITTER_QUEUE_SIZE)
        self.commits = 0
        self.groups = 0

    def client(self) -> CommitterClient:
        """A handle for submitting commits."""
        return CommitterClient(self.queue)

    def _next_ts(self) -> int:
        # Timestamps follow commit order and roughly track wall time in microseconds.
        return max(self._reader.latest_ts + 1, time.time_ns() // 1000)

    def _check(self, commit: Commit, pending: list[CommitRecord]) -> Conflict | None:
        if not self._reader.covers(commit.begin_ts):
            return Conflict("", "", None, self._reader.latest_ts)
        for record in (*self._reader.after(commit.begin_ts), *pending):
            change = commit.reads.first_overlap(record.changes)
            if change is not None:
                return Conflict(change.table, change.id, record.function, record.ts)
        return None

    async def run(self) -> None:
        """Commit forever, a group at a time."""
        loop = asyncio.get_running_loop()
        while True:
            group = [await self.queue.get()]
            while len(group) < knobs.COMMITTER_MAX_GROUP and not self.queue.empty():
                group.append(self.queue.get_nowait())
            accepted: list[tuple[Commit, CommitRecord]] = []
            records: list[CommitRecord] = []
            ts = self._next_ts()
            for commit in group:
                if commit.answer.done():  # the caller gave up waiting
                    continue
                conflict = self._check(commit, records)
                if conflict is not None:
                    commit.answer.set_exception(ConflictDetected(conflict))
                    continue
                if not commit.changes:
                    commit.answer.set_result(commit.begin_ts)
                    continue
                record = CommitRecord(ts, commit.function, commit.changes)
                ts += 1
                accepted.append((commit, record))
                records.append(record)
            await pause.wait(AFTER_CONFLICT_CHECK)
            if not records:
                continue
            try:
                if self._fence is not None:
                    await self._fence()
                await loop.run_in_executor(self._io, self._storage.write, records)
            except Exception as error:
                log.exception("commit of %d transactions failed", len(records))
                for commit, _ in accepted:
                    if not commit.answer.done():
                        commit.answer.set_exception(error)
                continue
            self.commits += len(records)
            self.groups += 1
            for record in records:
                self._writer.append(record)
            for commit, record in accepted:
                if not commit.answer.done():
                    commit.answer.set_result(record.ts)


class CommitterClient:
    """Submits transactions to the committer."""

    def __init__(self, queue: asyncio.Queue[Commit]) -> None:
        self._queue = queue

    async def commit(
        self,
        begin_ts: int,
        reads: ReadSet,
        changes: tuple[DocumentChange, ...],
        function: str | None,
    ) -> int:
        """Commit and return the commit timestamp; raises ConflictDetected or OverloadedError."""
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait(Commit(begin_ts, reads, changes, function, answer))
        except asyncio.QueueFull:
            raise OverloadedError(
                "Too many concurrent commits are waiting for the committer. Spread your writes "
                "out over time, or batch them into fewer mutations.",
                {"queue": self._queue.maxsize},
            ) from None
        try:
            async with asyncio.timeout(knobs.COMMIT_TIMEOUT_S):
                return await asyncio.shield(answer)
        except TimeoutError:
            answer.cancel()
            raise OverloadedError(
                f"The committer did not answer within {knobs.COMMIT_TIMEOUT_S:g} s. The database "
                "may be overloaded; retry later.",
                {},
            ) from None
