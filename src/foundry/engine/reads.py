"""What a transaction read: index ranges, recorded at one choke point.

Every document a query or mutation sees arrives through `TransactionReads.record_*`; domain code
never builds a read set by hand. A read set overlaps a commit exactly when one of the commit's
old or new index keys falls inside one of the recorded ranges: that is when the query's result
may have changed (for a subscription) or the mutation's view became stale (for the committer).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from foundry.engine import knobs
from foundry.engine.errors import LimitExceeded
from foundry.engine.keys import encode_key
from foundry.engine.schema import BY_ID
from foundry.engine.storage.base import DocumentChange

Interval = tuple[bytes, bytes | None]  # [lo, hi); hi None means unbounded


def id_interval(doc_id: str) -> Interval:
    """The `by_id` range covering exactly one document id."""
    key = encode_key((doc_id,))
    return key, key + b"\x00"


@dataclass(frozen=True)
class ReadSet:
    """Index ranges read by one transaction: (table, index) → intervals."""

    ranges: dict[tuple[str, str], tuple[Interval, ...]]

    def overlaps(self, change: DocumentChange) -> bool:
        """Whether writing `change` could alter what was read."""
        for keys in (change.old_keys, change.new_keys):
            if keys is None:
                continue
            for index, key in keys.items():
                intervals = self.ranges.get((change.table, index))
                if intervals is None:
                    continue
                for lo, hi in intervals:
                    if lo <= key and (hi is None or key < hi):
                        return True
        return False

    def first_overlap(self, changes: tuple[DocumentChange, ...]) -> DocumentChange | None:
        """The first change that overlaps this read set, or None."""
        for change in changes:
            if self.overlaps(change):
                return change
        return None

    def intervals(self) -> Iterator[tuple[str, str, bytes, bytes | None]]:
        """Every recorded (table, index, lo, hi)."""
        for (table, index), intervals in self.ranges.items():
            for lo, hi in intervals:
                yield table, index, lo, hi


@dataclass
class TransactionReads:
    """The read set being recorded by a running transaction, with the read limits."""

    _ranges: dict[tuple[str, str], list[Interval]] = field(default_factory=dict)
    bytes_read: int = 0
    documents_scanned: int = 0

    def record_get(self, table: str, doc_id: str) -> None:
        """Record a point read of one document (found or not)."""
        self._ranges.setdefault((table, BY_ID), []).append(id_interval(doc_id))

    def record_range(self, table: str, index: str, lo: bytes, hi: bytes | None) -> None:
        """Record that every key of `index` in [lo, hi) was observed."""
        if hi is not None and lo >= hi:
            return
        self._ranges.setdefault((table, index), []).append((lo, hi))

    def record_documents(self, count: int, size: int) -> None:
        """Count documents read against the transaction's limits."""
        self.documents_scanned += count
        self.bytes_read += size
        if self.documents_scanned > knobs.TRANSACTION_MAX_SCANNED_DOCUMENTS:
            raise LimitExceeded(
                f"Too many documents read in a single function execution (limit: "
                f"{knobs.TRANSACTION_MAX_SCANNED_DOCUMENTS}). Use an index that narrows the "
                "range, or paginate.",
                {"limit": "documentsScanned"},
            )
        if self.bytes_read > knobs.TRANSACTION_MAX_READ_BYTES:
            raise LimitExceeded(
                f"Too many bytes read in a single function execution (limit: "
                f"{knobs.TRANSACTION_MAX_READ_BYTES}). Read fewer or smaller documents.",
                {"limit": "bytesRead"},
            )

    def freeze(self) -> ReadSet:
        """The immutable read set, with each index's intervals merged where they touch."""
        return ReadSet({name: _merge(intervals) for name, intervals in self._ranges.items()})


def _merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    ordered = sorted(intervals, key=lambda i: i[0])
    merged: list[Interval] = []
    for lo, hi in ordered:
        if merged:
            last_lo, last_hi = merged[-1]
            if last_hi is None or lo <= last_hi:
                if last_hi is not None and (hi is None or hi > last_hi):
                    merged[-1] = (last_lo, hi)
                continue
        merged.append((lo, hi))
    return tuple(merged)
