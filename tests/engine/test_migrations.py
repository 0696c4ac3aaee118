"""Schema changes are migrations: new tables, new indexes backfilled, dropped indexes removed."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.deployment import Deployment
from foundry.engine.functions import Registry, mutation, query
from foundry.engine.schema import define_schema, define_table
from foundry.engine.storage.base import Storage
from foundry.engine.values import v


@mutation(args={"title": v.string(), "owner": v.string()})
def add(ctx: MutationCtx, title: str, owner: str) -> str:
    return ctx.db.insert("notes", {"title": title, "owner": owner})


@query(args={"owner": v.string()})
def by_owner(ctx: QueryCtx, owner: str) -> Any:
    return [
        n["title"]
        for n in ctx.db.query("notes").with_index("by_owner", lambda r: r.eq("owner", owner))
    ]


@query(args={})
def everything(ctx: QueryCtx) -> Any:
    return [n["title"] for n in ctx.db.query("notes").full_scan()]


def _deployment(storage: Storage, with_owner_index: bool) -> Deployment:
    notes = define_table({"title": v.string(), "owner": v.string()}).index("by_title", ["title"])
    if with_owner_index:
        notes = define_table({"title": v.string(), "owner": v.string()}).index(
            "by_owner", ["owner"]
        )
    tables = {"notes": notes}
    if with_owner_index:
        tables["tags"] = define_table({"name": v.string()})
    registry = Registry()
    registry.add_module("notes", SimpleNamespace(add=add, by_owner=by_owner, everything=everything))
    return Deployment(storage, define_schema(tables), registry)


async def test_adding_and_dropping_indexes_keeps_data(make_storage: Callable[[], Storage]) -> None:
    first = _deployment(make_storage(), with_owner_index=False)
    await first.start()
    for title, owner in [("a", "ann"), ("b", "bob"), ("c", "ann")]:
        outcome, _ = await first.run_mutation("notes:add", {"title": title, "owner": owner}, None)
        assert outcome.error is None
    failing = await first.run_query("notes:by_owner", {"owner": "ann"}, None)
    assert (
        failing.outcome.error is not None
        and "has no index 'by_owner'" in failing.outcome.error.message
    )
    await first.stop()

    second = _deployment(make_storage(), with_owner_index=True)
    await second.start()
    try:
        run = await second.run_query("notes:by_owner", {"owner": "ann"}, None)
        assert run.outcome.value == ["a", "c"], "the new index was backfilled"
        outcome, _ = await second.run_mutation("notes:add", {"title": "d", "owner": "ann"}, None)
        assert outcome.error is None
        run = await second.run_query("notes:by_owner", {"owner": "ann"}, None)
        assert run.outcome.value == ["a", "c", "d"]
        assert (await second.run_query("notes:everything", {}, None)).outcome.value == [
            "a",
            "b",
            "c",
            "d",
        ]
        assert "tags" in second.table_numbers
        assert second.table_numbers["notes"] != second.table_numbers["tags"]
    finally:
        await second.stop()


@pytest.mark.parametrize("name", ["9bad", "with space", "_hidden"])
def test_bad_table_names_are_refused(name: str) -> None:
    from foundry.engine.errors import SchemaError

    with pytest.raises(SchemaError):
        define_schema({name: define_table({"x": v.string()})})
