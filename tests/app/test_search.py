"""search:global over a small fixture schema: the product's access tables plus searchable tables.

The real requirements, tasks, risks, skills and comments modules are written elsewhere; these
fixture tables declare the "search" indexes those modules are expected to declare, and cover the
cases search:global must survive (a missing table, an index that cannot filter by organisation).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import foundry.app.programs
import foundry.app.search
from foundry.app.schema import collect_tables
from foundry.engine.deployment import Deployment
from foundry.engine.errors import ArgumentError, AuthRequired, NotFoundError
from foundry.engine.functions import Registry
from foundry.engine.schema import Table, define_schema, define_table
from foundry.engine.storage.sqlite import SqliteStorage
from foundry.engine.transaction import Transaction
from foundry.engine.values import v
from tests.app.harness import Actor, Harness

TENANT = {"orgId": v.id("organizations"), "programId": v.id("programs")}
BOTH = ["orgId", "programId"]


def fixture_tables() -> dict[str, Table]:
    tables = collect_tables()
    tables.pop("skills", None)  # a searchable table that has not landed yet
    tables["requirements"] = (
        define_table(
            {
                **TENANT,
                "refId": v.string(),
                "title": v.string(),
                "description": v.optional(v.string()),
            }
        )
        .index("by_program", BOTH)
        .search_index("search", ["title", "description"], BOTH)
    )
    # Filters by organisation only: a program filter is applied to its results instead.
    tables["risks"] = (
        define_table({**TENANT, "title": v.string(), "description": v.optional(v.string())})
        .index("by_program", BOTH)
        .search_index("search", ["title", "description"], ["orgId"])
    )
    tables["comments"] = (
        define_table(
            {**TENANT, "entityType": v.string(), "entityId": v.string(), "content": v.string()}
        )
        .index("by_program", BOTH)
        .search_index("search", ["content"], BOTH)
    )
    # Cannot filter by organisation, so searching it would cross tenants: it must be skipped.
    tables["tasks"] = (
        define_table({**TENANT, "title": v.string()})
        .index("by_program", BOTH)
        .search_index("search", ["title"], ["programId"])
    )
    return tables


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Harness]:
    registry = Registry()
    registry.add_module("search", foundry.app.search)
    registry.add_module("programs", foundry.app.programs)
    schema = define_schema(fixture_tables())
    deployment = Deployment(SqliteStorage(tmp_path / "search.sqlite"), schema, registry)
    await deployment.start()
    try:
        yield Harness(deployment)
    finally:
        await deployment.stop()


async def add(app: Harness, table: str, org: str, program: str, **fields: Any) -> str:
    def insert(tx: Transaction) -> str:
        return tx.insert(table, {"orgId": org, "programId": program, **fields})

    doc_id: str = await app.deployment.transact(insert, "tests:add")
    return doc_id


async def world(app: Harness) -> dict[str, Any]:
    """Two organisations with the same words in them; alice is in Acme, mallory in Evil."""
    alice, mallory, carol = (
        await app.user("alice"),
        await app.user("mallory"),
        await app.user("carol"),
    )
    acme = await app.org("Acme", {"alice": (alice, "admin"), "carol": (carol, "client")})
    evil = await app.org("Evil", {"mallory": (mallory, "admin")})
    p1 = await alice.mutation("programs:create", orgId=acme, name="Web", clientName="Acme")
    p2 = await alice.mutation("programs:create", orgId=acme, name="App", clientName="Acme")
    pe = await mallory.mutation("programs:create", orgId=evil, name="Evil", clientName="Evil")
    ids = {
        "req": await add(
            app,
            "requirements",
            acme,
            p1,
            refId="REQ-1",
            title="Checkout flow redesign",
            description="Guest checkout must keep the basket.",
        ),
        "req2": await add(app, "requirements", acme, p2, refId="REQ-2", title="Search page"),
        "risk": await add(
            app,
            "risks",
            acme,
            p2,
            title="Payment provider outage",
            description="The checkout stops when the provider is down.",
        ),
        "comment": await add(
            app,
            "comments",
            acme,
            p1,
            entityType="requirement",
            entityId="x",
            content="Is the checkout in scope for phase one?",
        ),
        "task": await add(app, "tasks", acme, p1, title="Build checkout"),
        "evil_req": await add(
            app, "requirements", evil, pe, refId="REQ-1", title="Checkout flow redesign"
        ),
    }
    return {
        "alice": alice,
        "mallory": mallory,
        "carol": carol,
        "acme": acme,
        "evil": evil,
        "p1": p1,
        "p2": p2,
        "pe": pe,
        **ids,
    }


async def test_searches_every_searchable_table_of_the_organisation(app: Harness) -> None:
    w = await world(app)
    found = await w["alice"].query("search:global", orgId=w["acme"], text="checkout flow")
    assert [(r["table"], r["id"]) for r in found] == [
        ("requirements", w["req"]),  # both terms, in the title
        ("comments", w["comment"]),
        ("risks", w["risk"]),
    ], "ranked by terms matched; the task table (no organisation filter) is skipped"
    first = found[0]
    assert first == {
        "table": "requirements",
        "id": w["req"],
        "title": "Checkout flow redesign",
        "snippet": "Guest checkout must keep the basket.",
        "programId": w["p1"],
        "refId": "REQ-1",
    }
    comment = found[1]
    assert comment["entityType"] == "requirement" and comment["snippet"] is None
    assert comment["title"].startswith("Is the checkout")
    assert found[2]["snippet"] == "The checkout stops when the provider is down."


async def test_program_filter_and_limit(app: Harness) -> None:
    w = await world(app)
    alice, acme = w["alice"], w["acme"]
    in_p1 = await alice.query("search:global", orgId=acme, text="checkout", programId=w["p1"])
    assert {r["id"] for r in in_p1} == {w["req"], w["comment"]}
    in_p2 = await alice.query("search:global", orgId=acme, text="checkout", programId=w["p2"])
    assert [r["id"] for r in in_p2] == [w["risk"]], "risks are filtered by program afterwards"
    assert len(await alice.query("search:global", orgId=acme, text="checkout", limit=1)) == 1
    assert await alice.query("search:global", orgId=acme, text="   ") == []
    prefix = await alice.query("search:global", orgId=acme, text="sea")
    assert [r["id"] for r in prefix] == [w["req2"]]


async def test_other_organisations_never_leak(app: Harness) -> None:
    w = await world(app)
    mine = await w["mallory"].query("search:global", orgId=w["evil"], text="checkout")
    assert [r["id"] for r in mine] == [w["evil_req"]]
    with pytest.raises(NotFoundError):
        await w["mallory"].query("search:global", orgId=w["acme"], text="checkout")
    with pytest.raises(NotFoundError):
        await w["alice"].query("search:global", orgId=w["acme"], text="x", programId=w["pe"])
    with pytest.raises(AuthRequired):
        await app.anonymous().query("search:global", orgId=w["acme"], text="checkout")
    client: Actor = w["carol"]
    seen = await client.query("search:global", orgId=w["acme"], text="checkout")
    assert w["evil_req"] not in {r["id"] for r in seen} and len(seen) == 3, "clients may read"


async def test_bad_input_names_the_field(app: Harness) -> None:
    w = await world(app)
    alice, acme = w["alice"], w["acme"]
    for limit in (0, 51, 2.5, -1):
        with pytest.raises(ArgumentError) as info:
            await alice.query("search:global", orgId=acme, text="checkout", limit=limit)
        assert info.value.data["path"] == "limit"
    with pytest.raises(ArgumentError) as info:
        await alice.query("search:global", orgId=acme, text="x" * 501)
    assert info.value.data["path"] == "text"
    for text in ('"checkout', "checkout OR", "title:*", "NEAR(", "'--", "*"):
        found = await alice.query("search:global", orgId=acme, text=text)
        assert all(r["programId"] in (w["p1"], w["p2"]) for r in found), text
