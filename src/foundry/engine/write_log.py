"""The in-memory log of recent commits, handed out as role-typed capabilities.

    owner, reader, writer = new_write_log(start_ts)

The committer (or, on a follower, the replication task) holds the writer; the committer's conflict
check and the subscription manager hold readers. Listeners registered through a reader are called
synchronously on each append, in commit order, so nothing sees commit N+1 before commit N.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Callable, Iterator

from foundry.engine import knobs
from foundry.engine.storage.base import CommitRecord

Listener = Callable[[CommitRecord], None]


class _WriteLog:
    def __init__(self, start_ts: int, capacity: int) -> None:
        self.timestamps: list[int] = []
        self.records: list[CommitRecord] = []
        self.oldest_complete_ts = start_ts  # every commit after this ts is in the log
        self.latest_ts = start_ts
        self.capacity = capacity
        self.listeners: list[Listener] = []
        self.waiters: list[tuple[int, asyncio.Future[None]]] = []


class LogWriter:
    """Appends commits in timestamp order."""

    def __init__(self, log: _WriteLog) -> None:
        self._log = log

    def append(self, record: CommitRecord) -> None:
        """Add the next commit and tell every listener."""
        log = self._log
        if record.ts <= log.latest_ts:
            raise ValueError(f"commit {record.ts} is not newer than {log.latest_ts}")
        log.timestamps.append(record.ts)
        log.records.append(record)
        log.latest_ts = record.ts
        if len(log.records) > log.capacity:
            drop = len(log.records) - log.capacity // 2
            log.oldest_complete_ts = log.timestamps[drop - 1]
            del log.timestamps[:drop]
            del log.records[:drop]
        for listener in log.listeners:
            listener(record)
        if log.waiters:
            ready = [(ts, f) for ts, f in log.waiters if ts <= record.ts]
            log.waiters = [(ts, f) for ts, f in log.waiters if ts > record.ts]
            for _, future in ready:
                if not future.done():
                    future.set_result(None)

    def advance(self, ts: int) -> None:
        """Move the latest timestamp forward without a commit (an empty, read-only step)."""
        if ts > self._log.latest_ts:
            self._log.latest_ts = ts


class LogReader:
    """Reads recent commits; cannot append."""

    def __init__(self, log: _WriteLog) -> None:
        self._log = log

    @property
    def latest_ts(self) -> int:
        """The newest commit in the log."""
        return self._log.latest_ts

    def covers(self, after_ts: int) -> bool:
        """Whether every commit newer than `after_ts` is still in the log."""
        return after_ts >= self._log.oldest_complete_ts

    def after(self, ts: int) -> Iterator[CommitRecord]:
        """Commits newer than `ts`, oldest first (call `covers(ts)` first)."""
        log = self._log
        start = bisect.bisect_right(log.timestamps, ts)
        for i in range(start, len(log.records)):
            yield log.records[i]

    def listen(self, listener: Listener) -> None:
        """Call `listener` with every commit appended from now on."""
        self._log.listeners.append(listener)

    async def wait_for(self, ts: int) -> None:
        """Return once the log holds commit `ts` (or a later one)."""
        log = self._log
        if log.latest_ts >= ts:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        log.waiters.append((ts, future))
        await future


class LogOwner:
    """Holds the log itself: sizing and inspection."""

    def __init__(self, log: _WriteLog) -> None:
        self._log = log

    def __len__(self) -> int:
        return len(self._log.records)


def new_write_log(
    start_ts: int, capacity: int = knobs.WRITE_LOG_MAX_COMMITS
) -> tuple[LogOwner, LogReader, LogWriter]:
    """A fresh log whose history starts after commit `start_ts`."""
    log = _WriteLog(start_ts, capacity)
    return LogOwner(log), LogReader(log), LogWriter(log)
