"""Integrations: CRUD, lifecycle, links inside the program, counters, tenancy."""

from __future__ import annotations

import pytest

from foundry.engine.errors import ArgumentError, ForbiddenError, NotFoundError
from foundry.engine.query import Query
from foundry.engine.transaction import Transaction
from tests.app.harness import Actor, Harness


async def counts(app: Harness, program_id: str) -> dict[str, int]:
    """The program's maintained counters, read directly."""

    def read(tx: Transaction) -> dict[str, int]:
        rows = Query(tx, "programStats").full_scan().collect()
        return next((r["counts"] for r in rows if r["programId"] == program_id), {})

    return await app.deployment.read(read)


async def setup(app: Harness) -> tuple[Actor, Actor, Actor, str, str]:
    alice, carl, mallory = (
        await app.user("alice"),
        await app.user("carl"),
        await app.user("mallory"),
    )
    org = await app.org("Acme", {"alice": (alice, "admin"), "carl": (carl, "client")})
    await app.org("Evil", {"mallory": (mallory, "admin")})
    program_id = await alice.mutation("programs:create", orgId=org, name="P", clientName="Acme")
    return alice, carl, mallory, org, program_id


ERP = {"name": "ERP orders", "type": "api", "sourceSystem": "SAP", "targetSystem": "Store"}


async def test_create_update_lifecycle_list_delete(app: Harness) -> None:
    alice, _, _, _, program_id = await setup(app)
    req = await alice.mutation(
        "requirements:create", programId=program_id, title="R", priority="must_have",
        fitGap="native",
    )  # fmt: skip
    erp = await alice.mutation(
        "integrations:create", programId=program_id, requirementIds=[req, req],
        ownerId=alice.user_id, **ERP,
    )  # fmt: skip
    pim = await alice.mutation(
        "integrations:create", programId=program_id, name="PIM feed", type="file_transfer",
        sourceSystem="Akeneo", targetSystem="Store",
    )  # fmt: skip
    doc = await alice.query("integrations:get", integrationId=erp)
    assert doc["status"] == "planned" and doc["requirementIds"] == [req]
    await alice.mutation("integrations:update", integrationId=erp, notes="OAuth2 client creds")
    for status in ("in_progress", "testing", "live"):
        await alice.mutation("integrations:set_status", integrationId=erp, status=status)
    with pytest.raises(ArgumentError, match="expected one of"):
        await alice.mutation("integrations:set_status", integrationId=erp, status="planned")

    live = await alice.query("integrations:list", programId=program_id, status="live", numItems=10)
    assert [i["_id"] for i in live["page"]] == [erp]
    files = await alice.query(
        "integrations:list", programId=program_id, type="file_transfer", numItems=10
    )
    assert [i["_id"] for i in files["page"]] == [pim]

    found = await counts(app, program_id)
    assert (found["integrations.live"], found["integrations.planned"]) == (1, 1)
    await alice.mutation("integrations:delete", integrationId=pim)
    assert (await counts(app, program_id))["integrations.planned"] == 0
    with pytest.raises(NotFoundError):
        await alice.query("integrations:get", integrationId=pim)
    trail = await alice.query("audit:list_for_program", programId=program_id, numItems=50)
    actions = [r["action"] for r in trail["page"] if r["entityType"] == "integration"]
    assert sorted(actions) == ["create", "create", "delete", "status_change", "status_change",
                               "status_change", "update"]  # fmt: skip


async def test_bad_input_writes_nothing(app: Harness) -> None:
    alice, _, mallory, org, program_id = await setup(app)
    other = await alice.mutation("programs:create", orgId=org, name="Other", clientName="A")
    foreign_req = await alice.mutation(
        "requirements:create", programId=other, title="R", priority="must_have", fitGap="native"
    )
    for bad, path in (
        ({"name": ""}, "name"),
        ({"sourceSystem": "x" * 201}, "sourceSystem"),
        ({"requirementIds": [foreign_req]}, "requirementIds[0]"),
        ({"ownerId": mallory.user_id}, "ownerId"),
    ):
        with pytest.raises(ArgumentError) as info:
            await alice.mutation("integrations:create", programId=program_id, **{**ERP, **bad})
        assert info.value.data["path"] == path
    page = await alice.query("integrations:list", programId=program_id, numItems=10)
    assert page["page"] == []


async def test_tenancy(app: Harness) -> None:
    alice, carl, mallory, _, program_id = await setup(app)
    erp = await alice.mutation("integrations:create", programId=program_id, **ERP)
    assert (await carl.query("integrations:get", integrationId=erp))["name"] == "ERP orders"
    with pytest.raises(ForbiddenError):
        await carl.mutation("integrations:update", integrationId=erp, name="x")
    with pytest.raises(ForbiddenError):
        await carl.mutation("integrations:create", programId=program_id, **ERP)
    for call in (
        mallory.query("integrations:get", integrationId=erp),
        mallory.query("integrations:list", programId=program_id, numItems=5),
        mallory.mutation("integrations:delete", integrationId=erp),
    ):
        with pytest.raises(NotFoundError):
            await call
    assert (await alice.query("integrations:get", integrationId=erp))["name"] == "ERP orders"
