"""The product's tables. The delivery domain fills this in; the engine adds its system tables."""

from __future__ import annotations

from foundry.engine.schema import define_schema

schema = define_schema({})
