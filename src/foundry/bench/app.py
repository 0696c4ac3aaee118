"""The tiny application the reactive benchmark serves: keyed items and an append-only log."""

from __future__ import annotations

from typing import Any

from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_schema, define_table
from foundry.engine.values import v

schema = define_schema(
    {
        "items": define_table({"key": v.number(), "value": v.number()}).index("by_key", ["key"]),
        "events": define_table({"payload": v.string()}),
    }
)


@query(args={"key": v.number()})
def get(ctx: QueryCtx, key: float) -> Any:
    row = ctx.db.query("items").with_index("by_key", lambda r: r.eq("key", key)).first()
    return None if row is None else row["value"]


@mutation(args={"key": v.number(), "value": v.number()})
def set(ctx: MutationCtx, key: float, value: float) -> None:
    row = ctx.db.query("items").with_index("by_key", lambda r: r.eq("key", key)).first()
    if row is None:
        ctx.db.insert("items", {"key": key, "value": value})
    else:
        ctx.db.patch(row["_id"], {"value": value})


@mutation(args={"payload": v.string()})
def append(ctx: MutationCtx, payload: str) -> str:
    return ctx.db.insert("events", {"payload": payload})
