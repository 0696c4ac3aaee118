"""The interface every storage driver fills, and the records that cross it.

A driver stores each table as a real SQL table: one row per document holding its JSON and one key
column per index, each key column under a real database index. Keys are the order-preserving byte
strings of `keys.py`, so SQLite's BLOB and PostgreSQL's bytea compare them exactly as Python does.

Drivers are synchronous: the engine runs function bodies in worker threads, and the committer is
the only writer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from foundry.engine.schema import Schema
from foundry.engine.search import SearchRequest


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document as read from storage, with its encoded size."""

    doc: dict[str, Any]
    size: int


@dataclass(frozen=True, slots=True)
class DocumentChange:
    """One document written by a commit: its index keys before and after (None: absent)."""

    table: str
    id: str
    old_keys: Mapping[str, bytes] | None
    new_keys: Mapping[str, bytes] | None
    new_doc: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class CommitRecord:
    """What one commit changed; the log stores it without the documents themselves."""

    ts: int
    function: str | None
    changes: tuple[DocumentChange, ...]

    def to_bytes(self) -> bytes:
        """Encode for the commit log table (documents are not included)."""
        return orjson.dumps(
            {
                "f": self.function,
                "c": [
                    [
                        c.table,
                        c.id,
                        None if c.old_keys is None else {k: v.hex() for k, v in c.old_keys.items()},
                        None if c.new_keys is None else {k: v.hex() for k, v in c.new_keys.items()},
                    ]
                    for c in self.changes
                ],
            }
        )

    @staticmethod
    def from_bytes(ts: int, raw: bytes) -> CommitRecord:
        """Decode a commit log row."""
        data = orjson.loads(raw)
        changes = tuple(
            DocumentChange(
                table,
                doc_id,
                None if old is None else {k: bytes.fromhex(v) for k, v in old.items()},
                None if new is None else {k: bytes.fromhex(v) for k, v in new.items()},
            )
            for table, doc_id, old, new in data["c"]
        )
        return CommitRecord(ts, data["f"], changes)


class Snapshot(Protocol):
    """A consistent read view of the database as of commit timestamp `ts`."""

    ts: int

    def get(self, table: str, doc_id: str) -> StoredDocument | None:
        """The document with this id in `table`, or None."""
        ...

    def scan(
        self,
        table: str,
        index: str,
        lo: bytes,
        hi: bytes | None,
        descending: bool,
        limit: int,
    ) -> list[tuple[bytes, StoredDocument]]:
        """Up to `limit` (key, document) pairs with `lo <= key < hi`, in key order."""
        ...

    def search(self, request: SearchRequest) -> list[StoredDocument]:
        """Up to `request.limit` documents matching `request`, most relevant first.

        Ties are broken newest first, so the order is deterministic for one snapshot.
        """
        ...

    def close(self) -> None:
        """End the read transaction and return the connection."""
        ...


class Storage(Protocol):
    """A database holding the deployment's tables, its commit log and its metadata."""

    dialect: str

    def migrate(self, schema: Schema) -> dict[str, int]:
        """Create or alter tables and indexes to match `schema`; return table name → number."""
        ...

    def snapshot(self) -> Snapshot:
        """Open a read view at the latest commit."""
        ...

    def write(self, commits: Sequence[CommitRecord]) -> None:
        """Write a group of commits (documents and log records) atomically: all, or none."""
        ...

    def latest_ts(self) -> int:
        """The timestamp of the newest commit (0 for an empty database)."""
        ...

    def read_commits(self, after_ts: int, limit: int) -> list[CommitRecord]:
        """Commit records newer than `after_ts`, oldest first."""
        ...

    def prune_commits(self, keep: int) -> None:
        """Drop all but the newest `keep` commit records."""
        ...

    def close(self) -> None:
        """Close every connection."""
        ...


def encode_document(doc: Mapping[str, Any]) -> bytes:
    """The stored form of a document (JSON as UTF-8 bytes)."""
    return orjson.dumps(doc)


def decode_document(raw: bytes | str) -> dict[str, Any]:
    """Inverse of encode_document."""
    result: dict[str, Any] = orjson.loads(raw)
    return result


def table_sql_name(table: str) -> str:
    """The SQL table holding documents of `table` (system tables keep their leading '_')."""
    return f"t_{table}"


def key_column(index: str) -> str:
    """The column holding a document's key in `index`."""
    return f"k_{index}"


def search_table_name(table: str, index: str) -> str:
    """The SQL table holding search index `index` of `table` (SQLite: the id ↔ rowid map)."""
    return f"s_{table}__{index}"


def fts_table_name(table: str, index: str) -> str:
    """SQLite only: the FTS5 virtual table of search index `index` of `table`."""
    return f"f_{table}__{index}"
