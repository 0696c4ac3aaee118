"""A transaction: a snapshot to read from, the reads it made, and the writes it will commit.

Reads go to the snapshot and are recorded; writes stay pending in the transaction and are merged
into its own later reads (a mutation sees what it wrote). Nothing reaches the database until the
committer accepts the transaction.
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from foundry.engine import knobs
from foundry.engine.errors import ArgumentError, LimitExceeded, NotFoundError
from foundry.engine.ids import new_id, random_base, table_number_of
from foundry.engine.reads import TransactionReads
from foundry.engine.schema import Schema
from foundry.engine.search import (
    SearchRequest,
    filters_match,
    hidden_index,
    hidden_indexes,
    matched_terms,
)
from foundry.engine.storage.base import (
    CommitRecord,
    DocumentChange,
    Snapshot,
    encode_document,
)

SCAN_BATCH = 128


@dataclass
class PendingWrite:
    """A document this transaction changed: as the snapshot had it, and as it will be."""

    table: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None


class Transaction:
    """Reads at one snapshot, pending writes, and the limits of one function execution."""

    def __init__(
        self,
        snapshot: Snapshot,
        schema: Schema,
        table_numbers: Mapping[str, int],
        *,
        writable: bool,
        function: str | None = None,
        timeout_s: float = knobs.QUERY_MUTATION_TIMEOUT_S,
    ) -> None:
        self.snapshot = snapshot
        self.schema = schema
        self.begin_ts = snapshot.ts
        self.writable = writable
        self.function = function
        self.reads = TransactionReads()
        self.writes: dict[str, PendingWrite] = {}
        self.bytes_written = 0
        self.now_ms = time.time_ns() // 1_000_000
        self.random = random.Random(f"{self.begin_ts}:{function}")
        self._table_numbers = table_numbers
        self._tables_by_number = {n: t for t, n in table_numbers.items()}
        self._deadline = time.monotonic() + timeout_s
        self._timeout_s = timeout_s
        self._id_base = random_base(self.now_ms)
        self._inserted = 0

    # --- limits ----------------------------------------------------------------------------

    def check_deadline(self) -> None:
        """Fail once the function has run past its time limit."""
        if time.monotonic() > self._deadline:
            raise LimitExceeded(
                f"Function execution timed out (limit: {self._timeout_s:g} s). Move slow work "
                "into an action, or read less data per call.",
                {"limit": "executionTime"},
            )

    # --- reads -----------------------------------------------------------------------------

    def table_of(self, doc_id: str) -> str | None:
        """The table an id belongs to, or None if it is not an id of this deployment."""
        number = table_number_of(doc_id) if isinstance(doc_id, str) else None
        return None if number is None else self._tables_by_number.get(number)

    def get(self, doc_id: str, table: str | None = None) -> dict[str, Any] | None:
        """The document with this id as this transaction sees it, or None."""
        self.check_deadline()
        actual = self.table_of(doc_id)
        if actual is None or (table is not None and actual != table):
            raise ArgumentError(
                f"{doc_id!r} is not an id of table {table!r}"
                if table
                else f"{doc_id!r} is not an id",
                {"id": doc_id},
            )
        self.reads.record_get(actual, doc_id)
        pending = self.writes.get(doc_id)
        if pending is not None:
            return copy.deepcopy(pending.new)
        stored = self.snapshot.get(actual, doc_id)
        if stored is None:
            self.reads.record_documents(0, 0)
            return None
        self.reads.record_documents(1, stored.size)
        return stored.doc

    def scan(
        self, table: str, index: str, lo: bytes, hi: bytes | None, descending: bool
    ) -> Iterator[tuple[bytes, dict[str, Any]]]:
        """Documents of `index` with keys in [lo, hi), merged with this transaction's writes.

        The caller records the range it actually consumed: see `query.py`.
        """
        spec = self.schema.table(table).all_indexes()[index]
        overlay = sorted(
            (
                (spec.key_of(w.new), doc_id)
                for doc_id, w in self.writes.items()
                if w.table == table and w.new is not None
            ),
            reverse=descending,
        )
        overlay = [(k, i) for k, i in overlay if lo <= k and (hi is None or k < hi)]
        changed = {doc_id for doc_id, w in self.writes.items() if w.table == table}
        position = 0
        cursor_lo, cursor_hi = lo, hi
        batch = 16
        while True:
            self.check_deadline()
            rows = self.snapshot.scan(table, index, cursor_lo, cursor_hi, descending, batch)
            self.reads.record_documents(len(rows), sum(r[1].size for r in rows))
            for key, stored in rows:
                while position < len(overlay) and (
                    overlay[position][0] > key if descending else overlay[position][0] < key
                ):
                    okey, oid = overlay[position]
                    position += 1
                    yield okey, copy.deepcopy(self.writes[oid].new or {})
                if stored.doc["_id"] in changed:
                    continue
                yield key, stored.doc
            if len(rows) < batch:
                break
            last = rows[-1][0]
            if descending:
                cursor_hi = last
            else:
                cursor_lo = last + b"\x00"
            batch = min(batch * 2, SCAN_BATCH)
        while position < len(overlay):
            okey, oid = overlay[position]
            position += 1
            yield okey, copy.deepcopy(self.writes[oid].new or {})

    def search(self, request: SearchRequest) -> list[dict[str, Any]]:
        """Documents matching `request`, most relevant first, with this transaction's writes.

        Records the hidden-index range of the request's filters as read. Documents this
        transaction wrote are matched here, in Python, and come first (most terms matched
        first): their relevance cannot be compared with the database's scores.
        """
        self.check_deadline()
        if not request.terms or request.limit <= 0:
            return []  # nothing to look for: the result cannot depend on any document
        table = request.table
        spec = self.schema.table(table).search_indexes[request.index]
        lo, hi = request.read_interval()
        self.reads.record_range(table, hidden_index(spec).name, lo, hi)
        mine = {doc_id: w.new for doc_id, w in self.writes.items() if w.table == table}
        ranked = sorted(
            (-matched, -doc["_creation_time"], doc_id, doc)
            for doc_id, doc in mine.items()
            if doc is not None
            and filters_match(doc, spec, request)
            and (matched := matched_terms(doc, spec, request)) > 0
        )
        results = [copy.deepcopy(doc) for *_, doc in ranked]
        stored = self.snapshot.search(replace(request, limit=request.limit + len(mine)))
        self.reads.record_documents(len(stored), sum(s.size for s in stored))
        for found in stored:
            # Filters are checked again here, so a hash collision can never cross tenants.
            if found.doc["_id"] not in mine and filters_match(found.doc, spec, request):
                results.append(found.doc)
        return results[: request.limit]

    # --- writes ----------------------------------------------------------------------------

    def _require_writable(self) -> None:
        if not self.writable:
            raise ArgumentError("queries cannot write; use a mutation", {})

    def insert(self, table: str, fields: Mapping[str, Any]) -> str:
        """Add a document to `table` and return its new id."""
        self._require_writable()
        spec = self.schema.table(table)
        spec.check_document(fields)
        doc_id = new_id(self._table_numbers[table], self.now_ms, self._id_base, self._inserted)
        self._inserted += 1
        doc = {"_id": doc_id, "_creation_time": self.now_ms, **copy.deepcopy(dict(fields))}
        self._stage(doc_id, table, None, doc, known_absent=True)
        return doc_id

    def patch(self, doc_id: str, fields: Mapping[str, Any]) -> None:
        """Shallow-merge `fields` into a document; a value of None removes that field."""
        self._require_writable()
        table, current = self._existing(doc_id)
        updated = {k: v for k, v in current.items() if not k.startswith("_")}
        for name, value in fields.items():
            if name.startswith("_"):
                raise ArgumentError(f"field {name!r} cannot be patched", {"path": name})
            if value is None:
                updated.pop(name, None)
            else:
                updated[name] = copy.deepcopy(value)
        self.schema.table(table).check_document(updated)
        doc = {"_id": doc_id, "_creation_time": current["_creation_time"], **updated}
        self._stage(doc_id, table, current, doc)

    def replace(self, doc_id: str, fields: Mapping[str, Any]) -> None:
        """Replace a document's fields, keeping its id and creation time."""
        self._require_writable()
        table, current = self._existing(doc_id)
        fields = {k: v for k, v in fields.items() if k not in ("_id", "_creation_time")}
        self.schema.table(table).check_document(fields)
        doc = {"_id": doc_id, "_creation_time": current["_creation_time"], **copy.deepcopy(fields)}
        self._stage(doc_id, table, current, doc)

    def delete(self, doc_id: str) -> None:
        """Delete a document."""
        self._require_writable()
        table, current = self._existing(doc_id)
        self._stage(doc_id, table, current, None)

    def _existing(self, doc_id: str) -> tuple[str, dict[str, Any]]:
        doc = self.get(doc_id)
        table = self.table_of(doc_id)
        if doc is None or table is None:
            raise NotFoundError(f"document {doc_id!r} does not exist", {"id": doc_id})
        return table, doc

    def _stage(
        self,
        doc_id: str,
        table: str,
        current: dict[str, Any] | None,
        new: dict[str, Any] | None,
        known_absent: bool = False,
    ) -> None:
        if new is not None:
            size = len(encode_document(new))
            if size > knobs.DOCUMENT_MAX_BYTES:
                raise LimitExceeded(
                    f"Document of {size} bytes in table {table!r} is too large (limit: "
                    f"{knobs.DOCUMENT_MAX_BYTES} bytes). Split it, or keep large content in file "
                    "storage.",
                    {"limit": "documentSize", "table": table},
                )
            self.bytes_written += size
        existing = self.writes.get(doc_id)
        if existing is not None:
            existing.new = new
        else:
            old = None if known_absent else current
            self.writes[doc_id] = PendingWrite(table, old, new)
        if len(self.writes) > knobs.TRANSACTION_MAX_WRITTEN_DOCUMENTS:
            raise LimitExceeded(
                f"Too many documents written in a single mutation (limit: "
                f"{knobs.TRANSACTION_MAX_WRITTEN_DOCUMENTS}). Split the work across several "
                "mutations, for example with the scheduler.",
                {"limit": "documentsWritten"},
            )
        if self.bytes_written > knobs.TRANSACTION_MAX_WRITE_BYTES:
            raise LimitExceeded(
                f"Too many bytes written in a single mutation (limit: "
                f"{knobs.TRANSACTION_MAX_WRITE_BYTES}). Split the work across several mutations.",
                {"limit": "bytesWritten"},
            )

    def changes(self) -> tuple[DocumentChange, ...]:
        """The pending writes as document changes with their old and new index keys."""
        out = []
        for doc_id, write in self.writes.items():
            if write.old is None and write.new is None:
                continue
            table = self.schema.tables[write.table]
            # Hidden search indexes only tell subscriptions which searches a write touches.
            indexes = {**table.all_indexes(), **hidden_indexes(table)}
            old_keys = (
                None if write.old is None else {n: i.key_of(write.old) for n, i in indexes.items()}
            )
            new_keys = (
                None if write.new is None else {n: i.key_of(write.new) for n, i in indexes.items()}
            )
            out.append(DocumentChange(write.table, doc_id, old_keys, new_keys, write.new))
        return tuple(out)

    def commit_record(self, ts: int) -> CommitRecord:
        """This transaction's writes as the commit with timestamp `ts`."""
        return CommitRecord(ts, self.function, self.changes())
