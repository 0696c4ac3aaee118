"""Risks: the severity x probability matrix, status moves and their counters."""

from __future__ import annotations

import pytest

from foundry.engine.errors import ArgumentError, ForbiddenError, NotFoundError
from tests.app.harness import Harness
from tests.app.test_tasks import make_world


async def test_matrix_counts_open_risks_and_counters_follow(app: Harness) -> None:
    w = await make_world(app)

    async def risk(severity: str, probability: str) -> str:
        risk_id: str = await w.alice.mutation(
            "risks:create",
            programId=w.program,
            title=f"{severity} {probability}",
            severity=severity,
            probability=probability,
        )
        return risk_id

    r1 = await risk("critical", "likely")
    r2 = await risk("critical", "likely")
    r3 = await risk("low", "unlikely")
    await w.alice.mutation("risks:set_status", riskId=r3, status="mitigating")
    matrix = await w.carl.query("risks:matrix", programId=w.program)
    assert matrix["counts"]["critical"]["likely"] == 2 and matrix["total"] == 2
    assert matrix["counts"]["low"]["unlikely"] == 0
    await w.alice.mutation("risks:update", riskId=r2, severity="medium")
    await w.alice.mutation("risks:set_status", riskId=r1, status="resolved")
    await w.alice.mutation("risks:set_status", riskId=r1, status="open")
    await w.alice.mutation("risks:remove", riskId=r3)
    assert await w.counts("risks.") == {
        "risks.open": 2,
        "risks.open.critical": 1,
        "risks.open.medium": 1,
    }
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("risks:set_status", riskId=r1, status="open")
    assert "expected one of ['accepted', 'mitigating', 'resolved'] from 'open', got 'open'" in (
        info.value.message
    )
    trail = await w.alice.query(
        "audit:list_for_entity", orgId=w.org, entityType="risk", entityId=r1, numItems=10
    )
    assert [r["action"] for r in trail["page"]] == ["status_change", "status_change", "create"]


async def test_lists_filter_and_references(app: Harness) -> None:
    w = await make_world(app)
    foreign_ws = await w.workstream_in(w.other_program, "API")
    cases: list[tuple[str, dict[str, object]]] = [
        ("workstreamIds", {"workstreamIds": [foreign_ws]}),
        ("ownerId", {"ownerId": w.mallory.user_id}),
        ("title", {"title": ""}),
    ]
    for field, extra in cases:
        with pytest.raises(ArgumentError) as info:
            await w.alice.mutation(
                "risks:create",
                programId=w.program,
                **{"title": "R", "severity": "high", "probability": "possible", **extra},
            )
        assert info.value.data["path"] == field
    assert await w.counts("risks.") == {}
    owned = await w.alice.mutation(
        "risks:create",
        programId=w.program,
        title="Owned",
        severity="high",
        probability="possible",
        ownerId=w.bob.user_id,
        workstreamIds=[w.workstream],
    )
    await w.alice.mutation(
        "risks:create", programId=w.program, title="Other", severity="low", probability="likely"
    )

    async def ids(**filters: object) -> list[str]:
        page = await w.alice.query("risks:list", programId=w.program, numItems=10, **filters)
        return [r["_id"] for r in page["page"]]

    assert await ids(ownerId=w.bob.user_id) == [owned]
    assert await ids(workstreamId=w.workstream) == [owned]
    assert await ids(status="open", severity="high") == [owned]
    assert await ids(severity="high") == [owned]
    assert len(await ids()) == 2
    await w.alice.mutation("risks:update", riskId=owned, clear=["ownerId"])
    assert "ownerId" not in await w.alice.query("risks:get", riskId=owned)


async def test_strangers_and_clients(app: Harness) -> None:
    w = await make_world(app)
    risk = await w.alice.mutation(
        "risks:create", programId=w.program, title="R", severity="high", probability="likely"
    )
    with pytest.raises(NotFoundError):
        await w.mallory.query("risks:get", riskId=risk)
    with pytest.raises(NotFoundError):
        await w.mallory.query("risks:matrix", programId=w.program)
    with pytest.raises(ForbiddenError):
        await w.carl.mutation("risks:set_status", riskId=risk, status="accepted")


async def test_detail_names_the_owner_and_workstreams(app: Harness) -> None:
    w = await make_world(app)
    risk = await w.alice.mutation(
        "risks:create",
        programId=w.program,
        title="Owned",
        severity="high",
        probability="possible",
        ownerId=w.bob.user_id,
        workstreamIds=[w.workstream],
    )
    detail = await w.carl.query("risks:detail", riskId=risk)
    assert detail["ownerName"] == "Bob"
    assert [ws["shortCode"] for ws in detail["workstreams"]] == ["WEB"]
    await w.alice.mutation("risks:update", riskId=risk, clear=["ownerId", "workstreamIds"])
    detail = await w.alice.query("risks:detail", riskId=risk)
    assert detail["ownerName"] is None and detail["workstreams"] == []
    with pytest.raises(NotFoundError):
        await w.mallory.query("risks:detail", riskId=risk)
