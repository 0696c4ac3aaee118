"""Turning a declared schema into DDL, for every driver.

The `_tables` metadata table remembers each table's number (carried in its document ids) and the
indexes it was last migrated to; comparing that with the declared schema gives the plan: new
tables, new or changed index columns to backfill, and dropped indexes. Tables that disappear from
the schema keep their data.

Search indexes are recorded in the same JSON under the key "$search" (present only when a table
has some, so older databases read the same). Each is a side table the drivers fill in `write()`:
on SQLite an id ↔ rowid map plus an FTS5 table (filter values as hashed tokens in its `filters`
column, text fields as `c0`, `c1`, …); on PostgreSQL one row per document with the filter values
as key encodings (`f0`, …, under a B-tree), a tsvector per text field (`v0`, … when there are
several) and `vall` for all of them under a GIN index. A changed search index is rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from foundry.engine.errors import SchemaError
from foundry.engine.ids import MAX_TABLE_NUMBER
from foundry.engine.schema import BY_ID, Schema, SearchIndex
from foundry.engine.storage.base import (
    fts_table_name,
    key_column,
    search_table_name,
    table_sql_name,
)

_BLOB = {"sqlite": "BLOB", "postgres": "BYTEA"}
_EMPTY = {"sqlite": "x''", "postgres": "''::bytea"}
SEARCH_KEY = "$search"


@dataclass
class MigrationPlan:
    """What to run to bring the database to the declared schema."""

    new_tables: list[tuple[str, list[str]]] = field(default_factory=list)
    added_indexes: list[tuple[str, str]] = field(default_factory=list)
    dropped_indexes: list[tuple[str, str]] = field(default_factory=list)
    backfills: list[tuple[str, str]] = field(default_factory=list)
    table_rows: list[tuple[str, int, str]] = field(default_factory=list)
    new_searches: list[tuple[str, SearchIndex]] = field(default_factory=list)
    dropped_searches: list[tuple[str, str]] = field(default_factory=list)

    def statements(self, dialect: str) -> list[str]:
        """The DDL statements, in order, for `dialect` ("sqlite" or "postgres")."""
        blob = _BLOB[dialect]
        out: list[str] = []
        for table, indexes in self.new_tables:
            columns = ", ".join(f"{key_column(i)} {blob} NOT NULL" for i in indexes)
            out.append(
                f'CREATE TABLE "{table_sql_name(table)}" '
                f"(id TEXT PRIMARY KEY, doc {blob} NOT NULL, {columns})"
            )
            out.extend(_create_index(table, i) for i in indexes)
        for table, index in self.dropped_indexes:
            out.append(f'DROP INDEX IF EXISTS "{_index_name(table, index)}"')
            out.append(f'ALTER TABLE "{table_sql_name(table)}" DROP COLUMN {key_column(index)}')
        for table, index in self.added_indexes:
            out.append(
                f'ALTER TABLE "{table_sql_name(table)}" ADD COLUMN {key_column(index)} '
                f"{blob} NOT NULL DEFAULT {_EMPTY[dialect]}"
            )
            out.append(_create_index(table, index))
        for table, name in self.dropped_searches:
            if dialect == "sqlite":
                out.append(f'DROP TABLE IF EXISTS "{fts_table_name(table, name)}"')
            out.append(f'DROP TABLE IF EXISTS "{search_table_name(table, name)}"')
        for table, spec in self.new_searches:
            out.extend(_create_search(dialect, table, spec))
        return out


def _create_search(dialect: str, table: str, spec: SearchIndex) -> list[str]:
    side = search_table_name(table, spec.name)
    if dialect == "sqlite":
        texts = "".join(f", c{i}" for i in range(len(spec.fields)))
        return [
            f'CREATE TABLE "{side}" (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)',
            # Text arrives already tokenized by search.py, so unicode61 only splits on spaces.
            f'CREATE VIRTUAL TABLE "{fts_table_name(table, spec.name)}" USING fts5('
            f"filters{texts}, tokenize='unicode61 remove_diacritics 0', prefix='2 3')",
        ]
    filters = "".join(f", f{i} BYTEA NOT NULL" for i in range(len(spec.filter_fields)))
    per_field = len(spec.fields) if len(spec.fields) > 1 else 0
    vectors = "".join(f", v{i} TSVECTOR NOT NULL" for i in range(per_field))
    out = [
        f'CREATE TABLE "{side}" (id TEXT PRIMARY KEY{filters}{vectors}, vall TSVECTOR NOT NULL)',
        f'CREATE INDEX "{side}__text" ON "{side}" USING GIN (vall)',
    ]
    if spec.filter_fields:
        columns = ", ".join(f"f{i}" for i in range(len(spec.filter_fields)))
        out.append(f'CREATE INDEX "{side}__filters" ON "{side}" ({columns})')
    return out


def _index_name(table: str, index: str) -> str:
    return f"ix_{table}__{index}"


def _create_index(table: str, index: str) -> str:
    return (
        f'CREATE INDEX "{_index_name(table, index)}" '
        f'ON "{table_sql_name(table)}" ({key_column(index)})'
    )


def stored_indexes(schema: Schema, table: str) -> dict[str, list[str]]:
    """The indexes of `table` that have a key column (all but `by_id`, which is the primary key)."""
    return {
        name: list(index.fields)
        for name, index in schema.tables[table].all_indexes().items()
        if name != BY_ID
    }


def stored_searches(schema: Schema, table: str) -> dict[str, dict[str, list[str]]]:
    """The search indexes of `table` as recorded in `_tables`."""
    return {
        name: {"fields": list(spec.fields), "filters": list(spec.filter_fields)}
        for name, spec in schema.tables[table].search_indexes.items()
    }


def plan_migration(schema: Schema, existing: dict[str, tuple[int, str]]) -> MigrationPlan:
    """Compare `schema` with `existing` (name → (number, indexes as JSON)) and plan the DDL."""
    plan = MigrationPlan()
    next_number = max((number for number, _ in existing.values()), default=0) + 1
    for table in schema.tables:
        declared = stored_indexes(schema, table)
        searches = stored_searches(schema, table)
        metadata: dict[str, Any] = dict(declared)
        if searches:
            metadata[SEARCH_KEY] = searches
        encoded = orjson.dumps(metadata, option=orjson.OPT_SORT_KEYS).decode()
        if table not in existing:
            if next_number > MAX_TABLE_NUMBER:
                raise SchemaError("too many tables: table numbers are 16 bits")
            plan.new_tables.append((table, list(declared)))
            plan.table_rows.append((table, next_number, encoded))
            plan.new_searches.extend(
                (table, spec) for spec in schema.tables[table].search_indexes.values()
            )
            next_number += 1
            continue
        number, previous_json = existing[table]
        recorded: dict[str, Any] = orjson.loads(previous_json)
        previous_searches: dict[str, dict[str, list[str]]] = recorded.pop(SEARCH_KEY, {})
        previous: dict[str, list[str]] = recorded
        for name, spec in schema.tables[table].search_indexes.items():
            if previous_searches.get(name) != searches[name]:
                if name in previous_searches:
                    plan.dropped_searches.append((table, name))
                plan.new_searches.append((table, spec))
        plan.dropped_searches.extend(
            (table, name) for name in previous_searches if name not in searches
        )
        for name, fields in declared.items():
            if name not in previous:
                plan.added_indexes.append((table, name))
                plan.backfills.append((table, name))
            elif previous[name] != fields:
                plan.backfills.append((table, name))
        for name in previous:
            if name not in declared:
                plan.dropped_indexes.append((table, name))
        if previous != declared or previous_searches != searches:
            plan.table_rows.append((table, number, encoded))
    return plan
