"""Tables, fields and indexes declared in Python.

    schema = define_schema({
        "messages": define_table({"channel": v.string(), "body": v.string()})
            .index("by_channel", ["channel"]),
    })

Every table gets two indexes of its own: `by_id` and `by_creation_time`. Every other index ends
with `_creation_time` and `_id`, so index keys are unique and ties are ordered by age.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from foundry.engine.errors import ArgumentError, SchemaError
from foundry.engine.keys import MISSING, encode_key
from foundry.engine.values import Validator, _Object, v

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
SYSTEM_FIELDS = ("_id", "_creation_time")
BY_ID = "by_id"
BY_CREATION_TIME = "by_creation_time"


@dataclass(frozen=True)
class Index:
    """A named index: documents ordered by `fields`, then `_creation_time`, then `_id`."""

    name: str
    fields: tuple[str, ...]

    def key_of(self, doc: Mapping[str, Any]) -> bytes:
        """The document's key in this index (an order-preserving byte string)."""
        if self.name == BY_ID:
            return encode_key((doc["_id"],))
        values = [_field(doc, f) for f in self.fields]
        values.append(doc["_creation_time"])
        values.append(doc["_id"])
        return encode_key(values)


def _field(doc: Mapping[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return MISSING
        value = value[part]
    return value


@dataclass(frozen=True)
class SearchIndex:
    """A full-text index over text `fields`, narrowed by equality on `filter_fields`."""

    name: str
    fields: tuple[str, ...]
    filter_fields: tuple[str, ...]


@dataclass
class Table:
    """A table's document validator and its indexes, built with `define_table`."""

    fields: dict[str, Validator]
    indexes: dict[str, Index] = field(default_factory=dict)
    search_indexes: dict[str, SearchIndex] = field(default_factory=dict)
    validate_documents: bool = True
    name: str = ""

    def index(self, name: str, fields: Sequence[str]) -> Table:
        """Declare an index over `fields` (dotted paths allowed) and return the table."""
        if not NAME.match(name) or name in (BY_ID, BY_CREATION_TIME):
            raise SchemaError(f"index name {name!r} is invalid or reserved")
        if name in self.indexes:
            raise SchemaError(f"index {name!r} is declared twice")
        if not fields:
            raise SchemaError(f"index {name!r} needs at least one field")
        for f in fields:
            if f.split(".")[0] in SYSTEM_FIELDS:
                raise SchemaError(
                    f"index {name!r}: {f!r} is added to every index automatically; leave it out"
                )
        self.indexes[name] = Index(name, tuple(fields))
        return self

    def search_index(
        self, name: str, fields: Sequence[str], filter_fields: Sequence[str] = ()
    ) -> Table:
        """Declare a full-text index over `fields`, filterable by equality on `filter_fields`."""
        if not NAME.match(name) or name in self.indexes or name in self.search_indexes:
            raise SchemaError(f"search index name {name!r} is invalid or already used")
        if not fields:
            raise SchemaError(f"search index {name!r} needs at least one text field")
        self.search_indexes[name] = SearchIndex(name, tuple(fields), tuple(filter_fields))
        return self

    def all_indexes(self) -> dict[str, Index]:
        """The declared indexes plus the two every table has."""
        return {
            BY_ID: Index(BY_ID, ("_id",)),
            BY_CREATION_TIME: Index(BY_CREATION_TIME, ()),
            **self.indexes,
        }

    def check_document(self, doc: Mapping[str, Any]) -> None:
        """Raise ArgumentError unless `doc` (without system fields) matches the table."""
        for name in doc:
            if name.startswith("_"):
                raise ArgumentError(
                    f"field {name!r}: names starting with '_' are reserved", {"path": name}
                )
        if self.validate_documents:
            _Object(self.fields).check(dict(doc), self.name or "document")
        else:
            v.any().check(dict(doc), self.name or "document")


def define_table(fields: Mapping[str, Validator], *, validate: bool = True) -> Table:
    """Declare a table with typed fields (`validate=False` accepts any JSON object)."""
    for name in fields:
        if not NAME.match(name):
            raise SchemaError(f"field name {name!r} is invalid")
    return Table(dict(fields), validate_documents=validate)


@dataclass
class Schema:
    """All tables of a deployment, keyed by name."""

    tables: dict[str, Table]

    def table(self, name: str) -> Table:
        """The table called `name`, or a clear error."""
        try:
            return self.tables[name]
        except KeyError:
            raise ArgumentError(
                f"table {name!r} does not exist in the schema", {"table": name}
            ) from None


def define_schema(tables: Mapping[str, Table], *, system: bool = False) -> Schema:
    """Declare the schema; table names must be identifiers and not start with '_'.

    `system=True` is for the engine's own tables, whose names start with '_'.
    """
    for name, table in tables.items():
        if not NAME.match(name.removeprefix("_") if system else name):
            raise SchemaError(f"table name {name!r} is invalid (letters, digits and '_')")
        table.name = name
    return Schema(dict(tables))


def merge_schemas(*schemas: Schema) -> Schema:
    """Combine schemas (the application's and the engine's system tables); names must not clash."""
    tables: dict[str, Table] = {}
    for schema in schemas:
        for name, table in schema.tables.items():
            if name in tables:
                raise SchemaError(f"table {name!r} is declared twice")
            tables[name] = table
    return Schema(tables)
