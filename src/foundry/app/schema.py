"""The product's tables: every `TABLES` mapping found in the modules of `foundry.app`.

Each domain module declares the tables it owns next to the functions that use them, so a reader
finds `requirements` in `app/requirements.py`. The engine adds its own system tables.
"""

from __future__ import annotations

import importlib
import pkgutil

from foundry.engine.errors import SchemaError
from foundry.engine.schema import Schema, Table, define_schema


def collect_tables(package: str = "foundry.app") -> dict[str, Table]:
    """Every table declared in a `TABLES` mapping of a module under `package`."""
    root = importlib.import_module(package)
    tables: dict[str, Table] = {}
    for info in sorted(
        pkgutil.walk_packages(root.__path__, prefix=package + "."), key=lambda i: i.name
    ):
        module = importlib.import_module(info.name)
        for name, table in getattr(module, "TABLES", {}).items():
            if name in tables:
                raise SchemaError(f"table {name!r} is declared twice (again in {info.name})")
            tables[name] = table
    return tables


def build_schema() -> Schema:
    """The product's schema."""
    return define_schema(collect_tables())


schema = build_schema()
