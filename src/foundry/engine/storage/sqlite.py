"""The SQLite driver: one database file in WAL mode, the embedded default.

Readers each hold a connection inside a read transaction, which WAL turns into a stable snapshot;
the committer writes through one connection of its own. Search indexes are FTS5 tables written in
the same transaction as their documents (see `migrations.py` for their layout).
"""

from __future__ import annotations

import os
import queue
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from foundry.engine.schema import BY_CREATION_TIME, BY_ID, Schema, SearchIndex
from foundry.engine.search import (
    SearchRequest,
    filter_token,
    filter_values,
    indexed_tokens,
    is_hidden,
)
from foundry.engine.storage.base import (
    CommitRecord,
    DocumentChange,
    StoredDocument,
    decode_document,
    encode_document,
    fts_table_name,
    key_column,
    search_table_name,
    table_sql_name,
)
from foundry.engine.storage.migrations import plan_migration

SYNCHRONOUS = os.environ.get("FOUNDRY_SQLITE_SYNCHRONOUS", "FULL").upper()
"""SQLite's `synchronous` setting; FULL makes every acknowledged commit survive a power cut."""


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class SqliteSnapshot:
    """A read transaction on a pooled connection."""

    def __init__(self, storage: SqliteStorage, conn: sqlite3.Connection) -> None:
        self._storage = storage
        self._conn = conn
        conn.execute("BEGIN")
        row = conn.execute("SELECT COALESCE(MAX(ts), 0) FROM _commits").fetchone()
        self.ts: int = row[0]

    def get(self, table: str, doc_id: str) -> StoredDocument | None:
        row = self._conn.execute(
            f'SELECT doc FROM "{table_sql_name(table)}" WHERE id = ?', (doc_id,)
        ).fetchone()
        if row is None:
            return None
        return StoredDocument(decode_document(row[0]), len(row[0]))

    def scan(
        self,
        table: str,
        index: str,
        lo: bytes,
        hi: bytes | None,
        descending: bool,
        limit: int,
    ) -> list[tuple[bytes, StoredDocument]]:
        column = key_column(index)
        sql = f'SELECT {column}, doc FROM "{table_sql_name(table)}" WHERE {column} >= ?'
        params: list[Any] = [lo]
        if hi is not None:
            sql += f" AND {column} < ?"
            params.append(hi)
        sql += f" ORDER BY {column} {'DESC' if descending else 'ASC'} LIMIT ?"
        params.append(limit)
        return [
            (bytes(key), StoredDocument(decode_document(doc), len(doc)))
            for key, doc in self._conn.execute(sql, params)
        ]

    def search(self, request: SearchRequest) -> list[StoredDocument]:
        spec = self._storage._searches[request.table][request.index]
        fts = fts_table_name(request.table, request.index)
        side = search_table_name(request.table, request.index)
        # The filters column must not count towards relevance; every text column counts alike.
        weights = ", ".join(["0.0"] + ["1.0"] * len(spec.fields))
        sql = (
            f'SELECT t.doc FROM "{fts}" '
            f'JOIN "{side}" AS m ON m.rid = "{fts}".rowid '
            f'JOIN "{table_sql_name(request.table)}" AS t ON t.id = m.id '
            f'WHERE "{fts}" MATCH ? ORDER BY bm25("{fts}", {weights}), '
            f"t.{key_column(BY_CREATION_TIME)} DESC LIMIT ?"
        )
        rows = self._conn.execute(sql, (_match_expression(request), request.limit))
        return [StoredDocument(decode_document(doc), len(doc)) for (doc,) in rows]

    def close(self) -> None:
        self._conn.execute("COMMIT")
        self._storage._release(self._conn)


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _match_expression(request: SearchRequest) -> str:
    """An FTS5 query: every filter token, and any term in the searched columns."""
    parts = [f"filters : {_phrase(filter_token(p, e))}" for p, e in request.filters]
    *whole, last = request.terms
    terms = [_phrase(t) for t in whole] + [_phrase(last) + "*"]
    columns = " ".join(f"c{i}" for i in request.columns)
    parts.append(f"{{{columns}}} : ({' OR '.join(terms)})")
    return " AND ".join(parts)


class SqliteStorage:
    """Documents, indexes and the commit log in one SQLite file."""

    dialect = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = _connect(self.path)
        self._write_lock = threading.Lock()
        self._pool: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all_readers: list[sqlite3.Connection] = []
        # Search indexes by table, as of the last migration; write() keeps them current.
        self._searches: dict[str, dict[str, SearchIndex]] = {}
        self._writer.executescript(
            """
            CREATE TABLE IF NOT EXISTS _commits (ts INTEGER PRIMARY KEY, record BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS _tables (
                name TEXT PRIMARY KEY, number INTEGER NOT NULL UNIQUE, indexes TEXT NOT NULL
            );
            """
        )

    # --- reads -----------------------------------------------------------------------------

    def snapshot(self) -> SqliteSnapshot:
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = _connect(self.path)
            self._all_readers.append(conn)
        return SqliteSnapshot(self, conn)

    def _release(self, conn: sqlite3.Connection) -> None:
        self._pool.put(conn)

    def latest_ts(self) -> int:
        with self._write_lock:
            row = self._writer.execute("SELECT COALESCE(MAX(ts), 0) FROM _commits").fetchone()
        return int(row[0])

    def read_commits(self, after_ts: int, limit: int) -> list[CommitRecord]:
        with self._write_lock:
            rows = self._writer.execute(
                "SELECT ts, record FROM _commits WHERE ts > ? ORDER BY ts LIMIT ?",
                (after_ts, limit),
            ).fetchall()
        return [CommitRecord.from_bytes(ts, bytes(raw)) for ts, raw in rows]

    # --- writes ----------------------------------------------------------------------------

    def write(self, commits: Sequence[CommitRecord]) -> None:
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                for commit in commits:
                    for change in commit.changes:
                        _apply_change(conn, change)
                        for spec in self._searches.get(change.table, {}).values():
                            _index_search(conn, change.table, spec, change.id, change.new_doc)
                    conn.execute(
                        "INSERT INTO _commits (ts, record) VALUES (?, ?)",
                        (commit.ts, commit.to_bytes()),
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def prune_commits(self, keep: int) -> None:
        with self._write_lock:
            self._writer.execute(
                "DELETE FROM _commits WHERE ts < (SELECT MIN(ts) FROM "
                "(SELECT ts FROM _commits ORDER BY ts DESC LIMIT ?))",
                (keep,),
            )

    # --- schema ----------------------------------------------------------------------------

    def migrate(self, schema: Schema) -> dict[str, int]:
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                existing = {
                    name: (number, indexes)
                    for name, number, indexes in conn.execute(
                        "SELECT name, number, indexes FROM _tables"
                    )
                }
                plan = plan_migration(schema, existing)
                for statement in plan.statements(dialect="sqlite"):
                    conn.execute(statement)
                for table, index in plan.backfills:
                    _backfill(conn, schema, table, index)
                for table, spec in plan.new_searches:
                    _backfill_search(conn, table, spec)
                for table, number, indexes in plan.table_rows:
                    conn.execute(
                        "INSERT INTO _tables (name, number, indexes) VALUES (?, ?, ?) "
                        "ON CONFLICT (name) DO UPDATE SET indexes = excluded.indexes",
                        (table, number, indexes),
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._searches = {
                name: dict(table.search_indexes) for name, table in schema.tables.items()
            }
            return {
                name: int(number)
                for name, number in conn.execute("SELECT name, number FROM _tables")
            }

    def close(self) -> None:
        self._writer.close()
        for conn in self._all_readers:
            conn.close()


def _apply_change(conn: sqlite3.Connection, change: DocumentChange) -> None:
    table = table_sql_name(change.table)
    if change.new_doc is None or change.new_keys is None:
        conn.execute(f'DELETE FROM "{table}" WHERE id = ?', (change.id,))
        return
    keys = {
        name: key for name, key in change.new_keys.items() if name != BY_ID and not is_hidden(name)
    }
    columns = ", ".join(key_column(name) for name in keys)
    marks = ", ".join("?" for _ in keys)
    conn.execute(
        f'INSERT OR REPLACE INTO "{table}" (id, doc, {columns}) VALUES (?, ?, {marks})',
        (change.id, encode_document(change.new_doc), *keys.values()),
    )


def _backfill(conn: sqlite3.Connection, schema: Schema, table: str, index: str) -> None:
    spec = schema.tables[table].all_indexes()[index]
    sql_table = table_sql_name(table)
    rows = conn.execute(f'SELECT id, doc FROM "{sql_table}"').fetchall()
    for doc_id, raw in rows:
        conn.execute(
            f'UPDATE "{sql_table}" SET {key_column(index)} = ? WHERE id = ?',
            (spec.key_of(decode_document(raw)), doc_id),
        )


def _index_search(
    conn: sqlite3.Connection,
    table: str,
    spec: SearchIndex,
    doc_id: str,
    doc: Mapping[str, Any] | None,
) -> None:
    """Replace the search entry of one document (None: remove it)."""
    side = search_table_name(table, spec.name)
    fts = fts_table_name(table, spec.name)
    row = conn.execute(f'SELECT rid FROM "{side}" WHERE id = ?', (doc_id,)).fetchone()
    if row is not None:
        conn.execute(f'DELETE FROM "{fts}" WHERE rowid = ?', (row[0],))
    if doc is None:
        if row is not None:
            conn.execute(f'DELETE FROM "{side}" WHERE rid = ?', (row[0],))
        return
    rid = (
        row[0]
        if row is not None
        else conn.execute(f'INSERT INTO "{side}" (id) VALUES (?)', (doc_id,)).lastrowid
    )
    filters = " ".join(filter_token(i, e) for i, e in enumerate(filter_values(doc, spec)))
    texts = [" ".join(tokens) for tokens in indexed_tokens(doc, spec)]
    columns = "".join(f", c{i}" for i in range(len(texts)))
    conn.execute(
        f'INSERT INTO "{fts}" (rowid, filters{columns}) VALUES (?, ?{", ?" * len(texts)})',
        (rid, filters, *texts),
    )


def _backfill_search(conn: sqlite3.Connection, table: str, spec: SearchIndex) -> None:
    for doc_id, raw in conn.execute(f'SELECT id, doc FROM "{table_sql_name(table)}"').fetchall():
        _index_search(conn, table, spec, doc_id, decode_document(raw))
