"""Workstreams and workstream dependencies."""

from __future__ import annotations

from typing import Any

import pytest

from foundry.engine.errors import ArgumentError, ForbiddenError, NotFoundError
from tests.app.harness import Actor, Harness


async def setup_program(app: Harness, name: str = "Acme") -> tuple[Actor, str, str]:
    """An admin, their organisation and a program in it."""
    admin = await app.user(f"{name.lower()}-admin")
    org = await app.org(name, {"admin": (admin, "admin")})
    program = await admin.mutation("programs:create", orgId=org, name=f"{name} P", clientName=name)
    return admin, org, program


async def stats(actor: Actor, program_id: str) -> dict[str, Any]:
    """The program's counters, through mission control's KPI view of them."""
    overview = await actor.query("mission_control:overview", programId=program_id)
    return dict(overview["kpis"])


async def trail(actor: Actor, program_id: str) -> list[dict[str, Any]]:
    page = await actor.query("audit:list_for_program", programId=program_id, numItems=100)
    return list(page["page"])


async def test_create_list_update_cycle_and_remove(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    ws1 = await alice.mutation(
        "workstreams:create", programId=program, name="Catalog", shortCode="WS1"
    )
    ws2 = await alice.mutation(
        "workstreams:create", programId=program, name="Auth", shortCode="WS2", sprintCadence=14
    )
    ws0 = await alice.mutation(
        "workstreams:create", programId=program, name="First", shortCode="WS0", sortOrder=0
    )
    listed = await alice.query("workstreams:list", programId=program, numItems=10)
    assert [w["shortCode"] for w in listed["page"]] == ["WS0", "WS1", "WS2"]
    await alice.mutation(
        "workstreams:update", workstreamId=ws2, name="Accounts", clear=["sprintCadence"]
    )
    detail = await alice.query("workstreams:get", workstreamId=ws2)
    assert detail["name"] == "Accounts" and "sprintCadence" not in detail
    assert detail["pipeline"]["total"] == 0
    assert await alice.mutation("workstreams:cycle_status", workstreamId=ws1) == "at_risk"
    assert await alice.mutation("workstreams:cycle_status", workstreamId=ws1) == "blocked"
    assert await alice.mutation("workstreams:cycle_status", workstreamId=ws1) == "on_track"
    await alice.mutation("workstreams:set_status", workstreamId=ws1, status="blocked")
    with pytest.raises(ArgumentError, match="expected one of"):
        await alice.mutation("workstreams:set_status", workstreamId=ws1, status="blocked")
    kpis = await stats(alice, program)
    assert kpis["workstreamDependencies"]["active"] == 0
    await alice.mutation("workstreams:remove", workstreamId=ws0)
    listed = await alice.query("workstreams:list", programId=program, numItems=10)
    assert [w["shortCode"] for w in listed["page"]] == ["WS1", "WS2"]
    actions = [(r["entityType"], r["action"]) for r in await trail(alice, program)]
    assert actions.count(("workstream", "status_change")) == 4
    assert ("workstream", "delete") in actions and actions.count(("workstream", "create")) == 3


async def test_bad_input_names_the_field_and_writes_nothing(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    outsider = await app.user("stranger")
    await alice.mutation("workstreams:create", programId=program, name="Catalog", shortCode="WS1")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "x", "shortCode": "ws1"}, "shortCode"),
        ({"name": "x", "shortCode": "TOOLONG7"}, "shortCode"),
        ({"name": "x", "shortCode": "WS1"}, "shortCode"),  # taken
        ({"name": "  ", "shortCode": "WS9"}, "name"),
        ({"name": "x" * 201, "shortCode": "WS9"}, "name"),
        ({"name": "x", "shortCode": "WS9", "sprintCadence": 0}, "sprintCadence"),
        ({"name": "x", "shortCode": "WS9", "ownerId": outsider.user_id}, "ownerId"),
    ]
    for args, field in cases:
        with pytest.raises(ArgumentError) as info:
            await alice.mutation("workstreams:create", programId=program, **args)
        assert info.value.data["path"] == field, args
    listed = await alice.query("workstreams:list", programId=program, numItems=10)
    assert len(listed["page"]) == 1
    assert len(await trail(alice, program)) == 2  # the program and one workstream


async def test_remove_refused_while_requirements_refer_to_it(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    ws = await alice.mutation("workstreams:create", programId=program, name="C", shortCode="WS1")
    req = await alice.mutation(
        "requirements:create",
        programId=program,
        title="Search",
        priority="must_have",
        fitGap="native",
        workstreamId=ws,
    )
    with pytest.raises(ArgumentError, match="requirements") as info:
        await alice.mutation("workstreams:remove", workstreamId=ws)
    assert info.value.data["references"] == ["requirements"]
    await alice.mutation("requirements:update", requirementId=req, clear=["workstreamId"])
    await alice.mutation("workstreams:remove", workstreamId=ws)


async def test_tenancy_and_clients(app: Harness) -> None:
    alice, org, program = await setup_program(app)
    carl = await app.user("carl")
    mallory, _, _ = await setup_program(app, "Evil")
    await app.deployment.transact(
        lambda tx: tx.insert(
            "memberships", {"orgId": org, "userId": carl.user_id, "role": "client"}
        ),
        "tests:membership",
    )
    ws = await alice.mutation("workstreams:create", programId=program, name="C", shortCode="WS1")
    assert (await carl.query("workstreams:get", workstreamId=ws))["shortCode"] == "WS1"
    for call in (
        carl.mutation("workstreams:cycle_status", workstreamId=ws),
        carl.mutation("workstreams:create", programId=program, name="X", shortCode="XX"),
    ):
        with pytest.raises(ForbiddenError):
            await call
    for call in (
        mallory.query("workstreams:get", workstreamId=ws),
        mallory.query("workstreams:list", programId=program, numItems=5),
        mallory.mutation("workstreams:remove", workstreamId=ws),
    ):
        with pytest.raises(NotFoundError):
            await call


async def test_dependencies_between_workstreams(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    a = await alice.mutation("workstreams:create", programId=program, name="A", shortCode="AA")
    b = await alice.mutation("workstreams:create", programId=program, name="B", shortCode="BB")
    dep = await alice.mutation(
        "dependencies:create",
        programId=program,
        sourceWorkstreamId=a,
        targetWorkstreamId=b,
        dependencyType="blocks",
    )
    with pytest.raises(ArgumentError, match="already depends"):
        await alice.mutation(
            "dependencies:create", programId=program, sourceWorkstreamId=a, targetWorkstreamId=b
        )
    with pytest.raises(ArgumentError) as info:
        await alice.mutation(
            "dependencies:create", programId=program, sourceWorkstreamId=a, targetWorkstreamId=a
        )
    assert info.value.data["path"] == "targetWorkstreamId"
    suggestion = await alice.mutation(
        "dependencies:create",
        programId=program,
        sourceWorkstreamId=b,
        targetWorkstreamId=a,
        suggestedBy="ai",
        aiConfidence=0.8,
    )
    await alice.mutation("dependencies:set_status", dependencyId=suggestion, status="approved")
    approved = await alice.query(
        "dependencies:list", programId=program, status="approved", numItems=5
    )
    assert approved["page"][0]["approvedBy"] == alice.user_id
    with pytest.raises(ArgumentError, match="expected one of"):
        await alice.mutation("dependencies:set_status", dependencyId=dep, status="suggested")
    await alice.mutation("dependencies:set_status", dependencyId=dep, status="blocked")
    kpis = await stats(alice, program)
    assert kpis["workstreamDependencies"] == {
        "suggested": 0,
        "approved": 1,
        "active": 0,
        "blocked": 1,
        "resolved": 0,
    }
    both = await alice.query("dependencies:for_workstream", workstreamId=a)
    assert [d["_id"] for d in both["outgoing"]] == [dep]
    assert [d["_id"] for d in both["incoming"]] == [suggestion]
    # Deleting a workstream deletes the dependencies that touch it.
    await alice.mutation("workstreams:remove", workstreamId=a)
    assert (await alice.query("dependencies:list", programId=program, numItems=5))["page"] == []
    kpis = await stats(alice, program)
    assert kpis["workstreamDependencies"]["blocked"] == 0


async def test_dependencies_stay_inside_the_program(app: Harness) -> None:
    alice, org, program = await setup_program(app)
    other = await alice.mutation("programs:create", orgId=org, name="Other", clientName="O")
    a = await alice.mutation("workstreams:create", programId=program, name="A", shortCode="AA")
    foreign = await alice.mutation("workstreams:create", programId=other, name="F", shortCode="FF")
    foreign_req = await alice.mutation(
        "requirements:create", programId=other, title="R", priority="must_have", fitGap="native"
    )
    b = await alice.mutation("workstreams:create", programId=program, name="B", shortCode="BB")
    with pytest.raises(ArgumentError) as info:
        await alice.mutation(
            "dependencies:create",
            programId=program,
            sourceWorkstreamId=a,
            targetWorkstreamId=foreign,
        )
    assert info.value.data["path"] == "targetWorkstreamId"
    with pytest.raises(ArgumentError) as info:
        await alice.mutation(
            "dependencies:create",
            programId=program,
            sourceWorkstreamId=a,
            targetWorkstreamId=b,
            requirementIds=[foreign_req],
        )
    assert info.value.data["path"] == "requirementIds[0]"
    assert (await alice.query("dependencies:list", programId=program, numItems=5))["page"] == []
