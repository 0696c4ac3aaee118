"""Full-text search indexes on both drivers: ranking, filters, writes, migrations, live queries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any

import pytest

from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.deployment import Deployment
from foundry.engine.errors import ArgumentError, EngineError
from foundry.engine.functions import Registry, mutation, query
from foundry.engine.schema import Table, define_schema, define_table
from foundry.engine.storage.base import Storage
from foundry.engine.testing import serve_for_testing
from foundry.engine.values import v
from tests.engine.rawsync import RawSync

StorageFactory = Callable[[], Storage]

FIELDS = {
    "org": v.string(),
    "team": v.optional(v.string()),
    "title": v.string(),
    "body": v.optional(v.string()),
}


def notes_table(search: bool = True, filters: tuple[str, ...] = ("org", "team")) -> Table:
    table = define_table(FIELDS).index("by_org", ["org"])
    return table.search_index("search", ["title", "body"], filters) if search else table


def _search(
    ctx: QueryCtx, org: str, text: Any, field: str, team: str | None, limit: int
) -> list[str]:
    def build(q: Any) -> Any:
        q = q.search(field, text).eq("org", org)
        return q if team is None else q.eq("team", team)

    found = ctx.db.query("notes").with_search_index("search", build).take(limit)
    return [doc["title"] for doc in found]


SEARCH_ARGS = {
    "org": v.string(),
    "text": v.any(),
    "field": v.optional(v.string()),
    "team": v.optional(v.string()),
    "limit": v.optional(v.number()),
}


@query(args=SEARCH_ARGS)
def search(
    ctx: QueryCtx,
    org: str,
    text: Any,
    field: str = "*",
    team: str | None = None,
    limit: int = 10,
) -> list[str]:
    return _search(ctx, org, text, field, team, int(limit))


@query(args={"org": v.string(), "text": v.string()})
def live(ctx: QueryCtx, org: str, text: str) -> list[str]:
    ctx.log.info("ran")  # every run is pushed, so a re-run is visible to the client
    return _search(ctx, org, text, "*", None, 10)


@query(args={"text": v.string()})
def by_team_only(ctx: QueryCtx, text: str) -> list[str]:
    found = (
        ctx.db.query("notes")
        .with_search_index("search", lambda q: q.search("*", text).eq("team", "red"))
        .collect()
    )
    return sorted(doc["title"] for doc in found)


@query(args={"case": v.string()})
def misuse(ctx: QueryCtx, case: str) -> Any:
    notes = ctx.db.query("notes")
    if case == "no_index":
        return notes.with_search_index("nope", lambda q: q.search("*", "x")).take(1)
    if case == "no_field":
        return notes.with_search_index("search", lambda q: q.search("owner", "x")).take(1)
    if case == "not_a_filter":
        return notes.with_search_index("search", lambda q: q.search("*", "x").eq("title", 1))
    if case == "no_search":
        return notes.with_search_index("search", lambda q: q.eq("org", "a")).take(1)
    if case == "twice":
        return notes.with_search_index("search", lambda q: q.search("*", "a").search("*", "b"))
    return notes.with_search_index("search", lambda q: q.search("*", "x")).take(5000)


@mutation(args={"org": v.string(), "title": v.string(), **{k: FIELDS[k] for k in ("team", "body")}})
def add(
    ctx: MutationCtx, org: str, title: str, team: str | None = None, body: str | None = None
) -> str:
    fields = {"org": org, "title": title, "team": team, "body": body}
    return ctx.db.insert("notes", {k: val for k, val in fields.items() if val is not None})


@mutation(args={"id": v.id("notes"), "fields": v.any()})
def edit(ctx: MutationCtx, id: str, fields: dict[str, Any]) -> None:
    ctx.db.patch(id, fields)


@mutation(args={"id": v.id("notes")})
def remove(ctx: MutationCtx, id: str) -> None:
    ctx.db.delete(id)


@mutation(
    args={
        "org": v.string(),
        "title": v.string(),
        "text": v.string(),
        "drop": v.optional(v.id("notes")),
    }
)
def add_then_search(
    ctx: MutationCtx, org: str, title: str, text: str, drop: str | None = None
) -> list[str]:
    ctx.db.insert("notes", {"org": org, "title": title})
    if drop is not None:
        ctx.db.delete(drop)
    return _search(ctx, org, text, "*", None, 10)


MODULE = SimpleNamespace(
    search=search,
    live=live,
    by_team_only=by_team_only,
    misuse=misuse,
    add=add,
    edit=edit,
    remove=remove,
    add_then_search=add_then_search,
)


def make_deployment(storage: Storage, table: Table | None = None) -> Deployment:
    registry = Registry()
    registry.add_module("notes", MODULE)
    return Deployment(storage, define_schema({"notes": table or notes_table()}), registry)


@pytest.fixture
async def dep(make_storage: StorageFactory) -> AsyncIterator[Deployment]:
    deployment = make_deployment(make_storage())
    await deployment.start()
    try:
        yield deployment
    finally:
        await deployment.stop()


async def call(dep: Deployment, path: str, **args: Any) -> Any:
    run = await dep.run_query(path, args, None)
    if run.outcome.error is not None:
        raise run.outcome.error
    return run.outcome.value


async def write(dep: Deployment, path: str, **args: Any) -> Any:
    outcome, _ = await dep.run_mutation(path, args, None)
    if outcome.error is not None:
        raise outcome.error
    return outcome.value


async def test_results_are_ranked_by_relevance(dep: Deployment) -> None:
    await write(dep, "notes:add", org="a", title="payment flow")
    await write(dep, "notes:add", org="a", title="checkout flow redesign", body="checkout")
    await write(dep, "notes:add", org="a", title="unrelated", body="nothing to see")
    await write(dep, "notes:add", org="a", title="cart page", body="Checkout is slow")
    found = await call(dep, "notes:search", org="a", text="checkout flow")
    assert found[0] == "checkout flow redesign", "the document with both terms comes first"
    assert set(found) == {"checkout flow redesign", "payment flow", "cart page"}
    prefix = await call(dep, "notes:search", org="a", text="check")
    assert prefix == ["checkout flow redesign", "cart page"], "the last term is also a prefix"
    in_body = await call(dep, "notes:search", org="a", text="checkout", field="body")
    assert set(in_body) == {"checkout flow redesign", "cart page"}
    assert await call(dep, "notes:search", org="a", text="flow", field="body") == []
    assert await call(dep, "notes:search", org="a", text="checkout flow", limit=1) == found[:1]


async def test_tokens_are_normalised_the_same_everywhere(dep: Deployment) -> None:
    await write(dep, "notes:add", org="a", title="Café RÉSUMÉ", body="snake_case v2.5")
    for text in ("cafe", "résumé", "RESUME", "snake", "case", "v2"):
        assert await call(dep, "notes:search", org="a", text=text) == ["Café RÉSUMÉ"], text
    assert await call(dep, "notes:search", org="a", text="snake_case") == ["Café RÉSUMÉ"]


async def test_filters_never_cross_organisations(dep: Deployment) -> None:
    await write(dep, "notes:add", org="a", title="checkout a", team="red")
    await write(dep, "notes:add", org="a", title="checkout a blue", team="blue")
    await write(dep, "notes:add", org="b", title="checkout b", team="red")
    assert sorted(await call(dep, "notes:search", org="a", text="checkout")) == [
        "checkout a",
        "checkout a blue",
    ]
    assert await call(dep, "notes:search", org="b", text="checkout") == ["checkout b"]
    assert await call(dep, "notes:search", org="a", text="checkout", team="red") == ["checkout a"]
    assert await call(dep, "notes:search", org="c", text="checkout") == []
    # A filter on a later field alone works too (its read set is then the whole table).
    assert await call(dep, "notes:by_team_only", text="checkout") == ["checkout a", "checkout b"]


async def test_updates_and_deletes_are_reflected(dep: Deployment) -> None:
    first = await write(dep, "notes:add", org="a", title="alpha checkout")
    second = await write(dep, "notes:add", org="a", title="beta checkout")
    await write(dep, "notes:edit", id=first, fields={"title": "alpha payment"})
    assert await call(dep, "notes:search", org="a", text="checkout") == ["beta checkout"]
    assert await call(dep, "notes:search", org="a", text="payment") == ["alpha payment"]
    await write(dep, "notes:edit", id=second, fields={"org": "b"})
    assert await call(dep, "notes:search", org="a", text="checkout") == []
    assert await call(dep, "notes:search", org="b", text="checkout") == ["beta checkout"]
    await write(dep, "notes:remove", id=second)
    assert await call(dep, "notes:search", org="b", text="checkout") == []
    await write(dep, "notes:edit", id=first, fields={"body": "checkout again"})
    assert await call(dep, "notes:search", org="a", text="checkout") == ["alpha payment"]


async def test_a_mutation_sees_its_own_writes(dep: Deployment) -> None:
    old = await write(dep, "notes:add", org="a", title="old checkout")
    found = await write(
        dep, "notes:add_then_search", org="a", title="new checkout", text="checkout"
    )
    assert found == ["new checkout", "old checkout"]
    found = await write(
        dep, "notes:add_then_search", org="a", title="other", text="checkout", drop=old
    )
    assert found == ["new checkout"], "a deleted document disappears, an unmatched one is absent"
    found = await write(dep, "notes:add_then_search", org="b", title="checkout b", text="checkout")
    assert found == ["checkout b"], "pending writes of another organisation are filtered out"


async def test_awkward_input_never_raises(dep: Deployment) -> None:
    await write(dep, "notes:add", org="a", title="checkout flow")
    for text in (
        "",
        "   ",
        "!!!",
        '"',
        "*",
        "title:checkout",
        'checkout" OR "',
        "NEAR(a b)",
        "checkout AND -",
        "'; DROP TABLE notes; --",
        "a" * 500,
        "(((",
        "\\",
        "ⓐ",
    ):
        found = await call(dep, "notes:search", org="a", text=text)
        assert found in ([], ["checkout flow"]), text
    assert await call(dep, "notes:search", org="a", text='"checkout"') == ["checkout flow"]
    many = " ".join(f"w{i}" for i in range(40)) + " checkout"
    assert await call(dep, "notes:search", org="a", text=many) == ["checkout flow"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no_index", "has no search index 'nope'"),
        ("no_field", "has no text field 'owner'"),
        ("not_a_filter", "cannot filter on 'title'"),
        ("no_search", "needs q.search"),
        ("twice", "exactly one"),
        ("take", "integer from 0 to 1024"),
    ],
)
async def test_misuse_gets_a_clear_error(dep: Deployment, case: str, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        await call(dep, "notes:misuse", case=case)


async def test_bad_text_type_is_an_argument_error(dep: Deployment) -> None:
    with pytest.raises(ArgumentError, match="must be a string"):
        await call(dep, "notes:search", org="a", text=3)


async def test_read_set_covers_only_the_searched_organisation(dep: Deployment) -> None:
    await write(dep, "notes:add", org="a", title="checkout")
    run = await dep.run_query("notes:search", {"org": "a", "text": "nothing matches"}, None)
    _, ts_b = await dep.run_mutation("notes:add", {"org": "b", "title": "checkout"}, None)
    _, ts_a = await dep.run_mutation("notes:add", {"org": "a", "title": "zebra"}, None)
    commits = {c.ts: c for c in dep.storage.read_commits(run.ts, 10)}
    assert ts_a is not None and ts_b is not None
    assert run.read_set.first_overlap(commits[ts_b].changes) is None
    assert run.read_set.first_overlap(commits[ts_a].changes) is not None


async def test_live_search_over_a_websocket(dep: Deployment) -> None:
    async with serve_for_testing(dep, start=_started) as url:
        watcher, writer = await RawSync.connect(url), await RawSync.connect(url)
        try:
            a = await watcher.subscribe("notes:live", {"org": "a", "text": "checkout"})
            b = await watcher.subscribe("notes:live", {"org": "b", "text": "checkout"})
            assert await watcher.value(a) == [] and await watcher.value(b) == []
            before = len(watcher.transitions)
            assert (await writer.mutation("notes:add", {"org": "b", "title": "checkout b"}))[
                "success"
            ]
            await watcher.wait(lambda c: c.values[b] == ["checkout b"])
            middle = len(watcher.transitions)
            assert (await writer.mutation("notes:add", {"org": "a", "title": "unrelated"}))[
                "success"
            ]
            assert (await writer.mutation("notes:add", {"org": "a", "title": "checkout a"}))[
                "success"
            ]
            await watcher.wait(lambda c: c.values[a] == ["checkout a"])
            first = [
                m["queryId"] for t in watcher.transitions[before:middle] for m in t["modifications"]
            ]
            then = [m["queryId"] for t in watcher.transitions[middle:] for m in t["modifications"]]
            assert a not in first, "a write to organisation b never re-runs a's search"
            assert b not in then, "writes to organisation a never re-run b's search"
            assert a in then
        finally:
            await watcher.close()
            await writer.close()


async def _started(dep: Deployment) -> None:
    """The fixture already started the deployment."""


async def test_migrations_add_backfill_and_drop_search_indexes(
    make_storage: StorageFactory,
) -> None:
    async def phase(table: Table, body: Callable[[Deployment], Any]) -> None:
        deployment = make_deployment(make_storage(), table)
        await deployment.start()
        try:
            await body(deployment)
        finally:
            await deployment.stop()

    async def seed(d: Deployment) -> None:
        await write(d, "notes:add", org="a", title="checkout one", team="red")
        await write(d, "notes:add", org="b", title="checkout two", team="red")
        with pytest.raises(ArgumentError, match="has no search index"):
            await call(d, "notes:search", org="a", text="checkout")

    async def added(d: Deployment) -> None:
        assert await call(d, "notes:search", org="a", text="checkout") == ["checkout one"]
        await write(d, "notes:add", org="a", title="checkout three")
        assert len(await call(d, "notes:search", org="a", text="checkout")) == 2

    async def dropped(d: Deployment) -> None:
        with pytest.raises(ArgumentError, match="has no search index"):
            await call(d, "notes:search", org="a", text="checkout")
        await write(d, "notes:add", org="a", title="checkout four")

    async def readded_with_other_filters(d: Deployment) -> None:
        assert await call(d, "notes:by_team_only", text="checkout") == [
            "checkout one",
            "checkout two",
        ]
        with pytest.raises(EngineError, match="cannot filter on 'org'"):
            await call(d, "notes:search", org="a", text="checkout")

    async def changed_back(d: Deployment) -> None:
        assert len(await call(d, "notes:search", org="a", text="checkout")) == 3

    await phase(notes_table(search=False), seed)
    await phase(notes_table(), added)
    await phase(notes_table(search=False), dropped)
    await phase(notes_table(filters=("team",)), readded_with_other_filters)
    await phase(notes_table(), changed_back)
