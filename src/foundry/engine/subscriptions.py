"""The subscription manager: which live queries a commit invalidates.

Each subscription holds the read set of its last run and the timestamp that run saw. The manager
indexes every read interval in a per-(table, index) `IntervalMap`, so a commit costs one stabbing
query per written key: the work grows with the subscriptions hit, not with all of them.

A subscription is *dirty* from the first commit after its run that wrote inside its read set; its
owner (a sync worker) re-runs it and calls `update()`. Because the owner re-runs at some snapshot
`ts` while commits keep arriving, `update()` re-checks the new read set against every commit the
manager processed after `ts`, so no commit slips between the run and the new read set.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from foundry.engine.intervals import IntervalMap
from foundry.engine.reads import ReadSet
from foundry.engine.storage.base import CommitRecord
from foundry.engine.write_log import LogReader


class Subscription:
    """One live query's read set, as of timestamp `ts`."""

    __slots__ = ("dirty_ts", "id", "on_dirty", "read_set", "ts")

    def __init__(
        self, sub_id: int, read_set: ReadSet, ts: int, on_dirty: Callable[[], None]
    ) -> None:
        self.id = sub_id
        self.read_set = read_set
        self.ts = ts
        # Invariant: dirty_ts is None, or the oldest commit after `ts` that wrote into read_set.
        self.dirty_ts: int | None = None
        self.on_dirty = on_dirty

    def __hash__(self) -> int:
        return self.id

    def __eq__(self, other: object) -> bool:
        return self is other


class SubscriptionManager:
    """Maps written keys to the subscriptions that read them."""

    def __init__(self, reader: LogReader) -> None:
        self._reader = reader
        self._maps: dict[tuple[str, str], IntervalMap[Subscription]] = {}
        self._ids = itertools.count(1)
        self.count = 0
        self.processed_ts = reader.latest_ts
        reader.listen(self.process)

    # --- owner side ------------------------------------------------------------------------

    def subscribe(self, read_set: ReadSet, ts: int, on_dirty: Callable[[], None]) -> Subscription:
        """Track `read_set` as observed at `ts`; `on_dirty` is called when it goes stale."""
        sub = Subscription(next(self._ids), read_set, ts, on_dirty)
        self._index(sub)
        self.count += 1
        self._catch_up(sub)
        return sub

    def update(self, sub: Subscription, read_set: ReadSet, ts: int) -> None:
        """Replace a subscription's read set with that of a re-run at `ts`."""
        self._unindex(sub)
        sub.read_set = read_set
        sub.ts = ts
        if sub.dirty_ts is not None and sub.dirty_ts <= ts:
            sub.dirty_ts = None
        self._index(sub)
        self._catch_up(sub)

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop tracking a subscription."""
        self._unindex(sub)
        self.count -= 1

    async def wait_processed(self, ts: int) -> None:
        """Return once every commit up to `ts` has been checked against the subscriptions."""
        await self._reader.wait_for(ts)

    # --- commit side -----------------------------------------------------------------------

    def process(self, record: CommitRecord) -> None:
        """Mark dirty every subscription whose read set one of the commit's keys falls in."""
        hit: set[Subscription] = set()
        maps = self._maps
        for change in record.changes:
            for keys in (change.old_keys, change.new_keys):
                if keys is None:
                    continue
                for index, key in keys.items():
                    intervals = maps.get((change.table, index))
                    if intervals is not None:
                        hit.update(intervals.stab(key))
        for sub in hit:
            self._mark(sub, record.ts)
        self.processed_ts = record.ts

    def _mark(self, sub: Subscription, ts: int) -> None:
        if ts <= sub.ts:
            return
        first = sub.dirty_ts is None
        sub.dirty_ts = ts if sub.dirty_ts is None else min(sub.dirty_ts, ts)
        if first:
            sub.on_dirty()

    def _catch_up(self, sub: Subscription) -> None:
        if not self._reader.covers(sub.ts):
            self._mark(sub, sub.ts + 1)  # history is gone: assume the very next commit hit it
            return
        for record in self._reader.after(sub.ts):
            if record.ts > self.processed_ts:
                break  # not yet processed: process() will see it with the new read set
            if sub.read_set.first_overlap(record.changes) is not None:
                self._mark(sub, record.ts)

    def _index(self, sub: Subscription) -> None:
        for table, index, lo, hi in sub.read_set.intervals():
            intervals = self._maps.get((table, index))
            if intervals is None:
                intervals = self._maps[(table, index)] = IntervalMap()
            intervals.add(lo, hi, sub)

    def _unindex(self, sub: Subscription) -> None:
        for table, index, lo, hi in sub.read_set.intervals():
            self._maps[(table, index)].remove(lo, hi, sub)
