"""Requirements: references, dependencies, status moves, filters, bulk changes and counters."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from foundry.engine.errors import ArgumentError, ForbiddenError, NotFoundError
from tests.app.harness import Actor, Harness
from tests.app.test_workstreams import setup_program, trail


async def new_req(actor: Actor, program: str, title: str = "R", **fields: Any) -> str:
    fields = {"priority": "must_have", "fitGap": "native", **fields}
    req_id: str = await actor.mutation(
        "requirements:create", programId=program, title=title, **fields
    )
    return req_id


async def page(actor: Actor, program: str, **filters: Any) -> list[str]:
    """refIds of the first page of the filtered list."""
    result = await actor.query("requirements:list", programId=program, numItems=100, **filters)
    return [r["refId"] for r in result["page"]]


async def test_create_assigns_references_and_get_resolves_dependencies(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    ws = await alice.mutation("workstreams:create", programId=program, name="C", shortCode="WS1")
    first = await new_req(alice, program, "Catalog search", batch="Foundation")
    second = await new_req(
        alice, program, "Facets", workstreamId=ws, dependencies=[first, first], status="approved"
    )
    detail = await alice.query("requirements:get", requirementId=second)
    assert detail["refId"] == "REQ-002" and detail["dependencies"] == [first]
    assert detail["dependencyDetails"][0]["refId"] == "REQ-001"
    assert detail["workstream"]["shortCode"] == "WS1"
    assert detail["pipelineStage"] == "sprint_planning"
    assert (await alice.query("requirements:get", requirementId=first))["dependents"][0][
        "_id"
    ] == second
    counts = await alice.query("requirements:counts", programId=program)
    assert counts["total"] == 2 and counts["byStatus"]["approved"] == 1
    assert counts["byPriority"]["must_have"] == 2
    rows = await trail(alice, program)
    assert [r["description"] for r in rows if r["entityType"] == "requirement"] == [
        "REQ-002: Created requirement Facets",
        "REQ-001: Created requirement Catalog search",
    ]


async def test_references_stay_unique_under_concurrent_creates(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    ids = await asyncio.gather(*(new_req(alice, program, f"R{i}") for i in range(20)))
    refs = [(await alice.query("requirements:get", requirementId=i))["refId"] for i in ids]
    assert sorted(refs) == [f"REQ-{n:03d}" for n in range(1, 21)]
    assert (await alice.query("requirements:counts", programId=program))["total"] == 20


async def test_filters_use_indexes_and_combine(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    ws = await alice.mutation("workstreams:create", programId=program, name="C", shortCode="WS1")
    await new_req(alice, program, "a", batch="B1", workstreamId=ws)
    await new_req(alice, program, "b", batch="B1", priority="should_have", fitGap="config")
    await new_req(alice, program, "c", batch="B2", workstreamId=ws, status="approved")
    assert await page(alice, program) == ["REQ-001", "REQ-002", "REQ-003"]
    assert await page(alice, program, workstreamId=ws) == ["REQ-001", "REQ-003"]
    assert await page(alice, program, unassigned=True) == ["REQ-002"]
    assert await page(alice, program, batch="B1", priority="should_have") == ["REQ-002"]
    assert await page(alice, program, workstreamId=ws, status="approved") == ["REQ-003"]
    assert await page(alice, program, fitGap="native", stage="discovery") == ["REQ-001"]
    first = await alice.query("requirements:list", programId=program, numItems=2)
    rest = await alice.query(
        "requirements:list", programId=program, numItems=2, cursor=first["continueCursor"]
    )
    assert [r["refId"] for r in rest["page"]] == ["REQ-003"] and rest["isDone"]


async def test_dependencies_refuse_self_cycles_and_other_programs(app: Harness) -> None:
    alice, org, program = await setup_program(app)
    other = await alice.mutation("programs:create", orgId=org, name="Other", clientName="O")
    foreign_ws = await alice.mutation(
        "workstreams:create", programId=other, name="F", shortCode="FF"
    )
    foreign = await new_req(alice, other)
    a = await new_req(alice, program, "a")
    b = await new_req(alice, program, "b", dependencies=[a])
    c = await new_req(alice, program, "c", dependencies=[b])
    with pytest.raises(ArgumentError, match="cycle"):
        await alice.mutation("requirements:update", requirementId=a, dependencies=[c])
    with pytest.raises(ArgumentError) as info:
        await alice.mutation("requirements:update", requirementId=a, dependencies=[a])
    assert info.value.data["path"] == "dependencies[0]"
    with pytest.raises(ArgumentError) as info:
        await alice.mutation("requirements:update", requirementId=a, dependencies=[b, foreign])
    assert info.value.data["path"] == "dependencies[1]"
    with pytest.raises(ArgumentError) as info:
        await new_req(alice, program, "d", workstreamId=foreign_ws)
    assert info.value.data["path"] == "workstreamId"
    assert (await alice.query("requirements:get", requirementId=a)).get("dependencies") is None
    assert (await alice.query("requirements:counts", programId=program))["total"] == 3
    # Deleting a requirement removes it from its dependents' lists.
    await alice.mutation("requirements:remove", requirementId=b)
    assert (await alice.query("requirements:get", requirementId=c)).get("dependencies") is None
    await alice.mutation("requirements:update", requirementId=a, dependencies=[c])


async def test_status_moves_and_bad_input(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    req = await new_req(alice, program)
    with pytest.raises(ArgumentError, match="expected one of \\['approved', 'deferred'\\]"):
        await alice.mutation("requirements:set_status", requirementId=req, status="complete")
    for status in ("approved", "in_progress", "complete"):
        await alice.mutation("requirements:set_status", requirementId=req, status=status)
    detail = await alice.query("requirements:get", requirementId=req)
    assert detail["status"] == "complete" and detail["pipelineStage"] == "review"
    await alice.mutation("requirements:set_status", requirementId=req, status="in_progress")
    await alice.mutation("requirements:set_status", requirementId=req, status="deferred")
    assert "pipelineStage" not in await alice.query("requirements:get", requirementId=req)
    for args, field in (
        ({"title": "x" * 501}, "title"),
        ({"title": " "}, "title"),
        ({"title": "t", "description": "x" * 20_001}, "description"),
        ({"title": "t", "batch": "b" * 101}, "batch"),
    ):
        with pytest.raises(ArgumentError) as info:
            await new_req(alice, program, **args)
        assert info.value.data["path"] == field
    with pytest.raises(ArgumentError):
        await new_req(alice, program, priority="urgent")
    counts = await alice.query("requirements:counts", programId=program)
    assert counts["total"] == 1 and counts["byStatus"]["deferred"] == 1
    changes = [r for r in await trail(alice, program) if r["action"] == "status_change"]
    assert len(changes) == 5 and changes[0]["changes"]["status"]["to"] == "deferred"


async def test_bulk_changes_are_all_or_nothing(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    ws = await alice.mutation("workstreams:create", programId=program, name="C", shortCode="WS1")
    ids = [await new_req(alice, program, f"r{i}") for i in range(4)]
    await alice.mutation("requirements:set_status", requirementId=ids[3], status="deferred")
    before = len(await trail(alice, program))
    with pytest.raises(ArgumentError) as info:
        await alice.mutation(
            "requirements_bulk:set_status", programId=program, requirementIds=ids, status="approved"
        )
    assert info.value.data["path"] == "requirementIds[3]"
    assert (await alice.query("requirements:counts", programId=program))["byStatus"]["draft"] == 3
    assert len(await trail(alice, program)) == before
    result = await alice.mutation(
        "requirements_bulk:set_status", programId=program, requirementIds=ids[:3], status="approved"
    )
    assert result == {"selected": 3, "changed": 3}
    await alice.mutation(
        "requirements_bulk:set_priority", programId=program, requirementIds=ids, priority="deferred"
    )
    await alice.mutation(
        "requirements_bulk:set_workstream", programId=program, requirementIds=ids, workstreamId=ws
    )
    assert await page(alice, program, workstreamId=ws, status="approved") == [
        "REQ-001",
        "REQ-002",
        "REQ-003",
    ]
    assert len(await trail(alice, program)) == before + 3 + 4 + 4
    overview = await alice.query("mission_control:overview", programId=program)
    assert overview["workstreams"][0]["requirements"] == {"total": 4, "approved": 3, "deferred": 1}
    with pytest.raises(ArgumentError):
        await alice.mutation(
            "requirements_bulk:remove", programId=program, requirementIds=[ids[0]] * 501
        )
    await alice.mutation("requirements_bulk:remove", programId=program, requirementIds=ids[:2])
    counts = await alice.query("requirements:counts", programId=program)
    assert counts["total"] == 2 and counts["byPriority"]["deferred"] == 2


async def test_bulk_refuses_other_programs_strangers_and_clients(app: Harness) -> None:
    alice, org, program = await setup_program(app)
    other = await alice.mutation("programs:create", orgId=org, name="Other", clientName="O")
    mine, foreign = await new_req(alice, program), await new_req(alice, other)
    with pytest.raises(ArgumentError) as info:
        await alice.mutation(
            "requirements_bulk:set_priority",
            programId=program,
            requirementIds=[mine, foreign],
            priority="nice_to_have",
        )
    assert info.value.data["path"] == "requirementIds[1]"
    assert (await alice.query("requirements:get", requirementId=mine))["priority"] == "must_have"
    carl = await app.user("carl")
    await app.deployment.transact(
        lambda tx: tx.insert(
            "memberships", {"orgId": org, "userId": carl.user_id, "role": "client"}
        ),
        "tests:membership",
    )
    with pytest.raises(ForbiddenError):
        await carl.mutation("requirements_bulk:remove", programId=program, requirementIds=[mine])
    with pytest.raises(ForbiddenError):
        await carl.mutation("requirements:update", requirementId=mine, title="x")
    mallory, _, _ = await setup_program(app, "Evil")
    for call in (
        mallory.mutation("requirements_bulk:remove", programId=program, requirementIds=[mine]),
        mallory.query("requirements:get", requirementId=mine),
        mallory.query("requirements:list", programId=program, numItems=5),
    ):
        with pytest.raises(NotFoundError):
            await call


async def test_add_and_remove_a_dependency_by_reference(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    first = await new_req(alice, program, "Catalog")
    second = await new_req(alice, program, "Search")
    third = await new_req(alice, program, "Facets", dependencies=[second])
    assert await alice.mutation("requirements:add_dependency", requirementId=second, refId="req-1")
    detail = await alice.query("requirements:get", requirementId=second)
    assert detail["dependencies"] == [first]
    # "3", "REQ-003" and "req-003" name the same requirement: third depends on second already,
    # so second depending on third is a cycle, refused beside the reference.
    with pytest.raises(ArgumentError, match="REQ-003: these dependencies would form a cycle") as e:
        await alice.mutation("requirements:add_dependency", requirementId=second, refId="3")
    assert e.value.data["path"] == "refId"
    for ref, reason in [
        ("REQ-002", "cannot depend on itself"),
        ("REQ-001", "already depends on REQ-001"),
        ("REQ-404", "no requirement 'REQ-404'"),
        ("  ", "no requirement"),
    ]:
        with pytest.raises(ArgumentError, match=reason):
            await alice.mutation("requirements:add_dependency", requirementId=second, refId=ref)
    await alice.mutation("requirements:remove_dependency", requirementId=second, dependsOnId=first)
    detail = await alice.query("requirements:get", requirementId=second)
    assert "dependencies" not in detail and detail["dependencyDetails"] == []
    assert (await alice.query("requirements:get", requirementId=first))["dependents"] == []
    assert (await alice.query("requirements:get", requirementId=third))["dependencies"] == [second]
    with pytest.raises(ArgumentError, match="does not depend"):
        await alice.mutation(
            "requirements:remove_dependency", requirementId=second, dependsOnId=first
        )
    rows = await trail(alice, program)
    assert sum(r["description"] == "REQ-002: Updated requirement Search" for r in rows) == 2


async def test_dependencies_of_another_program_or_organisation_are_out_of_reach(
    app: Harness,
) -> None:
    alice, org, program = await setup_program(app)
    other = await alice.mutation("programs:create", orgId=org, name="Other", clientName="O")
    mine = await new_req(alice, program, "Mine")
    await new_req(alice, other, "Theirs")  # REQ-001 of the other program
    with pytest.raises(ArgumentError, match="no requirement 'REQ-002'"):
        await alice.mutation("requirements:add_dependency", requirementId=mine, refId="REQ-002")
    mallory, _, _ = await setup_program(app, "Evil")
    with pytest.raises((NotFoundError, ForbiddenError)):
        await mallory.mutation("requirements:add_dependency", requirementId=mine, refId="REQ-001")
