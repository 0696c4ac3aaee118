"""The PostgreSQL driver: the same tables as SQLite, shared by several backend replicas.

Index keys live in `bytea` columns, which PostgreSQL orders byte by byte like Python's `bytes`,
so no collation is involved. Two connection pools keep reads and the write path apart:

- snapshots take a connection from the read pool and hold a REPEATABLE READ READ ONLY
  transaction whose first statement reads the newest commit timestamp, so `ts` and every later
  read come from the same MVCC snapshot;
- writes, the commit log and migrations use a small control pool, so a follower that tails the
  commit log never waits behind readers that are themselves waiting for that tail.

`write()` commits a group in one transaction and notifies `foundry_commits` inside it; PostgreSQL
delivers the notification only when the transaction commits. With `fence_holder` set (by
`replication.py`, on the replica holding the committer lease), the write transaction first
share-locks the lease row and refuses to write unless this replica still holds an unexpired lease:
a replica taking the lease over must wait for such a transaction to finish, so a deposed committer
can never write after its successor has read the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from foundry.engine import knobs
from foundry.engine.errors import EngineError
from foundry.engine.schema import BY_CREATION_TIME, BY_ID, Schema, SearchIndex
from foundry.engine.search import SearchRequest, filter_values, indexed_tokens, is_hidden
from foundry.engine.storage.base import (
    CommitRecord,
    DocumentChange,
    StoredDocument,
    decode_document,
    encode_document,
    key_column,
    search_table_name,
    table_sql_name,
)
from foundry.engine.storage.migrations import plan_migration

MAX_POSITION = 16_383
"""PostgreSQL keeps word positions up to this value in a tsvector."""

MAX_POSITIONS_PER_LEXEME = 255
"""PostgreSQL keeps at most this many positions of one word in a tsvector."""

NOTIFY_CHANNEL = "foundry_commits"
"""The channel every commit notifies; the payload is the newest timestamp of the group."""

SCHEMA_LOCK = 0x666F756E_64727900
"""The advisory lock key that serialises DDL across replicas sharing one database."""

_BOOTSTRAP = (
    "CREATE TABLE IF NOT EXISTS _commits (ts BIGINT PRIMARY KEY, record BYTEA NOT NULL)",
    "CREATE TABLE IF NOT EXISTS _tables ("
    "name TEXT PRIMARY KEY, number INTEGER NOT NULL UNIQUE, indexes TEXT NOT NULL)",
    # The committer lease of replication.py: the row with id 1 names the replica that may write.
    "CREATE TABLE IF NOT EXISTS _lease ("
    "id INTEGER PRIMARY KEY, holder TEXT NOT NULL, url TEXT NOT NULL, "
    "expires_at TIMESTAMPTZ NOT NULL)",
)


class LeaseLost(EngineError):
    """This replica no longer holds the committer lease, so it must not write."""

    code = "LeaseLost"
    http_status = 503

    def __init__(self, holder: str | None = None) -> None:
        super().__init__(
            "This replica no longer holds the committer lease, so it refused to write; the "
            "replica holding it commits instead. Retry the mutation.",
            {"holder": holder},
        )


class PostgresSnapshot:
    """A REPEATABLE READ READ ONLY transaction on a pooled connection."""

    def __init__(self, storage: PostgresStorage, conn: psycopg.Connection[Any]) -> None:
        self._storage = storage
        self._conn = conn
        self._cursor = conn.cursor(binary=True)
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = self._cursor.execute("SELECT COALESCE(MAX(ts), 0) FROM _commits").fetchone()
        assert row is not None  # an aggregate always returns a row
        self.ts: int = int(row[0])

    def get(self, table: str, doc_id: str) -> StoredDocument | None:
        """The document with this id in `table`, or None."""
        row = self._cursor.execute(
            f'SELECT doc FROM "{table_sql_name(table)}" WHERE id = %s', (doc_id,)
        ).fetchone()
        if row is None:
            return None
        raw: bytes = row[0]
        return StoredDocument(decode_document(raw), len(raw))

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
        column = key_column(index)
        query = f'SELECT {column}, doc FROM "{table_sql_name(table)}" WHERE {column} >= %s'
        params: list[Any] = [lo]
        if hi is not None:
            query += f" AND {column} < %s"
            params.append(hi)
        query += f" ORDER BY {column} {'DESC' if descending else 'ASC'} LIMIT %s"
        params.append(limit)
        return [
            (bytes(key), StoredDocument(decode_document(doc), len(doc)))
            for key, doc in self._cursor.execute(query, params)
        ]

    def search(self, request: SearchRequest) -> list[StoredDocument]:
        """Up to `request.limit` documents matching `request`, most relevant first."""
        spec = self._storage._searches[request.table][request.index]
        # One searched field of several has its own vector; otherwise `vall` is the text.
        vector = f"s.v{request.columns[0]}" if len(request.columns) < len(spec.fields) else "s.vall"
        where = "s.vall @@ q" if vector == "s.vall" else f"s.vall @@ q AND {vector} @@ q"
        params: list[Any] = [_tsquery(request.terms)]
        for position, encoded in request.filters:
            where += f" AND s.f{position} = %s"
            params.append(encoded)
        params.append(request.limit)
        query = (
            f'SELECT t.doc FROM "{search_table_name(request.table, request.index)}" AS s '
            f'JOIN "{table_sql_name(request.table)}" AS t ON t.id = s.id '
            f"CROSS JOIN CAST(%s AS tsquery) AS q WHERE {where} "
            f"ORDER BY ts_rank({vector}, q) DESC, t.{key_column(BY_CREATION_TIME)} DESC LIMIT %s"
        )
        return [
            StoredDocument(decode_document(doc), len(doc))
            for (doc,) in self._cursor.execute(query, params)
        ]

    def close(self) -> None:
        """End the read transaction and return the connection to the pool."""
        try:
            self._cursor.close()
            self._conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # a broken connection: the pool sees its state and discards it
        finally:
            self._storage._readers.putconn(self._conn)


class PostgresStorage:
    """Documents, indexes, the commit log and the committer lease in one PostgreSQL database."""

    dialect = "postgres"

    def __init__(self, url: str, *, read_pool_size: int | None = None) -> None:
        """Connect to `url` and create the engine's own tables if they are missing.

        `read_pool_size` bounds the connections held by snapshots; the default fits the engine.
        """
        self.url = url
        # When set, writes succeed only while this holder has the unexpired committer lease.
        self.fence_holder: str | None = None
        # Search indexes by table, as of the last migration; write() keeps them current.
        self._searches: dict[str, dict[str, SearchIndex]] = {}
        # Connect once up front so a wrong URL fails here, with psycopg's own message.
        with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            for statement in _BOOTSTRAP:
                conn.execute(statement)
        # Snapshots: one per function thread, plus one per sync worker holding its snapshot
        # across an await (bounded by the rerun slots). Fewer could deadlock those threads.
        size = read_pool_size or knobs.FUNCTION_THREADS + knobs.SUBSCRIPTION_RERUN_CONCURRENCY
        self._readers: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=size,
            kwargs={"autocommit": True},
            open=True,
            name="foundry-read",
        )
        self._control: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=2,
            kwargs={"autocommit": True},
            open=True,
            name="foundry-control",
        )

    # --- reads -----------------------------------------------------------------------------

    def snapshot(self) -> PostgresSnapshot:
        """Open a read view at the latest commit."""
        conn = self._readers.getconn()
        try:
            return PostgresSnapshot(self, conn)
        except BaseException:
            self._readers.putconn(conn)
            raise

    def latest_ts(self) -> int:
        """The timestamp of the newest commit (0 for an empty database)."""
        with self._control.connection() as conn:
            row = conn.execute("SELECT COALESCE(MAX(ts), 0) FROM _commits").fetchone()
        assert row is not None  # an aggregate always returns a row
        return int(row[0])

    def read_commits(self, after_ts: int, limit: int) -> list[CommitRecord]:
        """Commit records newer than `after_ts`, oldest first."""
        with self._control.connection() as conn:
            rows = (
                conn.cursor(binary=True)
                .execute(
                    "SELECT ts, record FROM _commits WHERE ts > %s ORDER BY ts LIMIT %s",
                    (after_ts, limit),
                )
                .fetchall()
            )
        return [CommitRecord.from_bytes(ts, raw) for ts, raw in rows]

    # --- writes ----------------------------------------------------------------------------

    def write(self, commits: Sequence[CommitRecord]) -> None:
        """Write a group of commits atomically, then notify followers of the newest one."""
        if not commits:
            return
        with self._control.connection() as conn, conn.transaction():
            if self.fence_holder is not None:
                _check_fence(conn, self.fence_holder)
            _apply_changes(conn, [c for commit in commits for c in commit.changes], self._searches)
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO _commits (ts, record) VALUES (%s, %s)",
                    [(commit.ts, commit.to_bytes()) for commit in commits],
                )
            conn.execute(
                "SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, str(max(c.ts for c in commits)))
            )

    def prune_commits(self, keep: int) -> None:
        """Drop all but the newest `keep` commit records."""
        with self._control.connection() as conn:
            conn.execute(
                "DELETE FROM _commits WHERE ts < (SELECT MIN(ts) FROM "
                "(SELECT ts FROM _commits ORDER BY ts DESC LIMIT %s) AS newest)",
                (keep,),
            )

    # --- schema ----------------------------------------------------------------------------

    def migrate(self, schema: Schema) -> dict[str, int]:
        """Create or alter tables and indexes to match `schema`; return table name → number."""
        with self._control.connection() as conn, conn.transaction():
            # Replicas starting together migrate one after another; the later ones find no work.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            existing = {
                name: (number, indexes)
                for name, number, indexes in conn.execute(
                    "SELECT name, number, indexes FROM _tables"
                )
            }
            plan = plan_migration(schema, existing)
            for statement in plan.statements(dialect="postgres"):
                conn.execute(statement)
            for table, index in plan.backfills:
                _backfill(conn, schema, table, index)
            for table, spec in plan.new_searches:
                _backfill_search(conn, table, spec)
            for table, number, indexes in plan.table_rows:
                conn.execute(
                    "INSERT INTO _tables (name, number, indexes) VALUES (%s, %s, %s) "
                    "ON CONFLICT (name) DO UPDATE SET indexes = excluded.indexes",
                    (table, number, indexes),
                )
            rows = conn.execute("SELECT name, number FROM _tables").fetchall()
        self._searches = {name: dict(table.search_indexes) for name, table in schema.tables.items()}
        return {name: int(number) for name, number in rows}

    def close(self) -> None:
        """Close every connection."""
        self._readers.close()
        self._control.close()


def _check_fence(conn: psycopg.Connection[Any], holder: str) -> None:
    # FOR SHARE: a replica taking the lease over waits until this transaction has ended.
    row = conn.execute(
        "SELECT holder, expires_at > now() FROM _lease WHERE id = 1 FOR SHARE"
    ).fetchone()
    if row is None or row[0] != holder or not row[1]:
        raise LeaseLost(None if row is None else row[0])


def _apply_changes(
    conn: psycopg.Connection[Any],
    changes: Sequence[DocumentChange],
    searches: dict[str, dict[str, SearchIndex]],
) -> None:
    # Only each document's final state matters, so later changes in the group replace earlier.
    final: dict[tuple[str, str], DocumentChange] = {}
    for change in changes:
        final[(change.table, change.id)] = change
    upserts: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = {}
    deletes: dict[str, list[str]] = {}
    for change in final.values():
        if change.new_doc is None or change.new_keys is None:
            deletes.setdefault(change.table, []).append(change.id)
            continue
        names = tuple(
            sorted(name for name in change.new_keys if name != BY_ID and not is_hidden(name))
        )
        row = (change.id, encode_document(change.new_doc), *(change.new_keys[n] for n in names))
        upserts.setdefault((change.table, names), []).append(row)
    with conn.cursor() as cursor:
        for table, ids in deletes.items():
            cursor.execute(f'DELETE FROM "{table_sql_name(table)}" WHERE id = ANY(%s)', (ids,))
        for (table, names), rows in upserts.items():
            columns = "".join(f", {key_column(n)}" for n in names)
            marks = ", %s" * len(names)
            updates = "".join(f", {key_column(n)} = excluded.{key_column(n)}" for n in names)
            cursor.executemany(
                f'INSERT INTO "{table_sql_name(table)}" (id, doc{columns}) '
                f"VALUES (%s, %s{marks}) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc"
                f"{updates}",
                rows,
            )
    for table, specs in searches.items():
        written = [c for c in final.values() if c.table == table]
        for spec in specs.values() if written else ():
            _index_search(conn, table, spec, [(c.id, c.new_doc) for c in written])


def _index_search(
    conn: psycopg.Connection[Any],
    table: str,
    spec: SearchIndex,
    docs: Sequence[tuple[str, Mapping[str, Any] | None]],
) -> None:
    """Replace the search rows of these documents (None: remove the row)."""
    side = search_table_name(table, spec.name)
    gone = [doc_id for doc_id, doc in docs if doc is None]
    rows = [_search_row(spec, doc_id, doc) for doc_id, doc in docs if doc is not None]
    with conn.cursor() as cursor:
        if gone:
            cursor.execute(f'DELETE FROM "{side}" WHERE id = ANY(%s)', (gone,))
        if not rows:
            return
        columns = _search_columns(spec)
        marks = ", ".join("%s::tsvector" if c.startswith("v") else "%s" for c in ("id", *columns))
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns)
        cursor.executemany(
            f'INSERT INTO "{side}" (id, {", ".join(columns)}) VALUES ({marks}) '
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            rows,
        )


def _search_columns(spec: SearchIndex) -> list[str]:
    per_field = len(spec.fields) if len(spec.fields) > 1 else 0
    return [
        *(f"f{i}" for i in range(len(spec.filter_fields))),
        *(f"v{i}" for i in range(per_field)),
        "vall",
    ]


def _search_row(spec: SearchIndex, doc_id: str, doc: Mapping[str, Any]) -> tuple[Any, ...]:
    fields = indexed_tokens(doc, spec)
    per_field = [_tsvector(tokens) for tokens in fields] if len(fields) > 1 else []
    combined = _tsvector([token for tokens in fields for token in tokens])
    return (doc_id, *filter_values(doc, spec), *per_field, combined)


def _tsvector(tokens: Sequence[str]) -> str:
    """A tsvector literal of already-normalised tokens: no parser or dictionary in between."""
    positions: dict[str, list[str]] = {}
    for position, token in enumerate(tokens[:MAX_POSITION], start=1):
        found = positions.setdefault(token, [])
        if len(found) < MAX_POSITIONS_PER_LEXEME:
            found.append(str(position))
    return " ".join(f"'{_quote(t)}':{','.join(p)}" for t, p in positions.items())


def _tsquery(terms: Sequence[str]) -> str:
    """A tsquery literal: any of `terms`, the last one also as a prefix."""
    *whole, last = terms
    return " | ".join([*(f"'{_quote(t)}'" for t in whole), f"'{_quote(last)}':*"])


def _quote(token: str) -> str:
    # Tokens are letters and digits only; escaping keeps the literal safe regardless.
    return token.replace("\\", "\\\\").replace("'", "''")


def _backfill_search(conn: psycopg.Connection[Any], table: str, spec: SearchIndex) -> None:
    rows = conn.cursor(binary=True).execute(f'SELECT id, doc FROM "{table_sql_name(table)}"')
    _index_search(conn, table, spec, [(doc_id, decode_document(raw)) for doc_id, raw in rows])


def _backfill(conn: psycopg.Connection[Any], schema: Schema, table: str, index: str) -> None:
    spec = schema.tables[table].all_indexes()[index]
    sql_table = table_sql_name(table)
    rows = conn.cursor(binary=True).execute(f'SELECT id, doc FROM "{sql_table}"').fetchall()
    with conn.cursor() as cursor:
        cursor.executemany(
            f'UPDATE "{sql_table}" SET {key_column(index)} = %s WHERE id = %s',
            [(spec.key_of(decode_document(raw)), doc_id) for doc_id, raw in rows],
        )
