"""Turning a declared schema into DDL, for every driver.

The `_tables` metadata table remembers each table's number (carried in its document ids) and the
indexes it was last migrated to; comparing that with the declared schema gives the plan: new
tables, new or changed index columns to backfill, and dropped indexes. Tables that disappear from
the schema keep their data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from foundry.engine.errors import SchemaError
from foundry.engine.ids import MAX_TABLE_NUMBER
from foundry.engine.schema import BY_ID, Schema
from foundry.engine.storage.base import key_column, table_sql_name

_BLOB = {"sqlite": "BLOB", "postgres": "BYTEA"}
_EMPTY = {"sqlite": "x''", "postgres": "''::bytea"}


@dataclass
class MigrationPlan:
    """What to run to bring the database to the declared schema."""

    new_tables: list[tuple[str, list[str]]] = field(default_factory=list)
    added_indexes: list[tuple[str, str]] = field(default_factory=list)
    dropped_indexes: list[tuple[str, str]] = field(default_factory=list)
    backfills: list[tuple[str, str]] = field(default_factory=list)
    table_rows: list[tuple[str, int, str]] = field(default_factory=list)

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


def plan_migration(schema: Schema, existing: dict[str, tuple[int, str]]) -> MigrationPlan:
    """Compare `schema` with `existing` (name → (number, indexes as JSON)) and plan the DDL."""
    plan = MigrationPlan()
    next_number = max((number for number, _ in existing.values()), default=0) + 1
    for table in schema.tables:
        declared = stored_indexes(schema, table)
        encoded = orjson.dumps(declared, option=orjson.OPT_SORT_KEYS).decode()
        if table not in existing:
            if next_number > MAX_TABLE_NUMBER:
                raise SchemaError("too many tables: table numbers are 16 bits")
            plan.new_tables.append((table, list(declared)))
            plan.table_rows.append((table, next_number, encoded))
            next_number += 1
            continue
        number, previous_json = existing[table]
        previous: dict[str, list[str]] = orjson.loads(previous_json)
        for name, fields in declared.items():
            if name not in previous:
                plan.added_indexes.append((table, name))
                plan.backfills.append((table, name))
            elif previous[name] != fields:
                plan.backfills.append((table, name))
        for name in previous:
            if name not in declared:
                plan.dropped_indexes.append((table, name))
        if previous != declared:
            plan.table_rows.append((table, number, encoded))
    return plan
