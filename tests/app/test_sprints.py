"""Sprints: numbering per workstream, one active sprint, committed tasks and their points."""

from __future__ import annotations

import pytest

from foundry.engine.errors import ArgumentError, ForbiddenError, NotFoundError
from tests.app.harness import Harness
from tests.app.test_tasks import make_world


async def test_numbering_detail_points_and_assignment(app: Harness) -> None:
    w = await make_world(app)
    s1 = await w.alice.mutation(
        "sprints:create", programId=w.program, workstreamId=w.workstream, capacity=5, goal="MVP"
    )
    s2 = await w.alice.mutation(
        "sprints:create", programId=w.program, workstreamId=w.workstream, name="Hardening"
    )
    other_ws = await w.workstream_in(w.program, "OPS")
    s3 = await w.alice.mutation("sprints:create", programId=w.program, workstreamId=other_ws)
    numbers = [(await w.alice.query("sprints:get", sprintId=s))["number"] for s in (s1, s2, s3)]
    assert numbers == [1, 2, 1]
    assert (await w.alice.query("sprints:get", sprintId=s1))["name"] == "Sprint 1"
    a = await w.task("A", storyPoints=3, workstreamId=w.workstream)
    b = await w.task("B", storyPoints=4)
    await w.alice.mutation("sprints:assign_tasks", sprintId=s1, taskIds=[a, b])
    for status in ("todo", "in_progress", "review", "done"):
        await w.alice.mutation("tasks:set_status", taskId=a, status=status)
    detail = await w.bob.query("sprints:get", sprintId=s1)
    assert [t["_id"] for t in detail["tasks"]] == [b, a]
    assert detail["pointsCommitted"] == 7 and detail["pointsCompleted"] == 3
    assert detail["overCapacity"] is True and detail["taskCounts"]["done"] == 1
    # A task of another workstream does not join; tasks not in the sprint cannot leave it.
    c = await w.task("C", workstreamId=other_ws)
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("sprints:assign_tasks", sprintId=s1, taskIds=[c])
    assert info.value.data["path"] == "taskIds[0]"
    with pytest.raises(ArgumentError, match="not in this sprint"):
        await w.alice.mutation("sprints:unassign_tasks", sprintId=s1, taskIds=[a, c])
    await w.alice.mutation("sprints:unassign_tasks", sprintId=s1, taskIds=[b])
    assert "sprintId" not in await w.alice.query("tasks:get", taskId=b)
    page = await w.alice.query(
        "sprints:list", programId=w.program, workstreamId=w.workstream, numItems=10
    )
    assert [s["_id"] for s in page["page"]] == [s2, s1]


async def test_one_active_sprint_per_workstream_and_moves(app: Harness) -> None:
    w = await make_world(app)
    s1 = await w.alice.mutation("sprints:create", programId=w.program, workstreamId=w.workstream)
    s2 = await w.alice.mutation("sprints:create", programId=w.program, workstreamId=w.workstream)
    await w.alice.mutation("sprints:set_status", sprintId=s1, status="active")
    with pytest.raises(ArgumentError, match="already active"):
        await w.alice.mutation("sprints:set_status", sprintId=s2, status="active")
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("sprints:set_status", sprintId=s2, status="completed")
    assert "expected one of ['active', 'cancelled'] from 'planning', got 'completed'" in (
        info.value.message
    )
    await w.alice.mutation("sprints:set_status", sprintId=s1, status="completed")
    await w.alice.mutation("sprints:set_status", sprintId=s2, status="active")
    with pytest.raises(ArgumentError, match="only open sprints"):
        await w.task("Late", sprintId=s1)
    with pytest.raises(ArgumentError, match="cannot be deleted"):
        await w.alice.mutation("sprints:remove", sprintId=s1)
    active = await w.alice.query("sprints:list", programId=w.program, status="active", numItems=5)
    assert [s["_id"] for s in active["page"]] == [s2]
    assert await w.counts("sprints.") == {"sprints.completed": 1, "sprints.active": 1}


async def test_bad_input_references_and_removal(app: Harness) -> None:
    w = await make_world(app)
    foreign_ws = await w.workstream_in(w.other_program, "API")
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("sprints:create", programId=w.program, workstreamId=foreign_ws)
    assert info.value.data["path"] == "workstreamId"
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation(
            "sprints:create",
            programId=w.program,
            workstreamId=w.workstream,
            startDate=10,
            endDate=5,
        )
    assert info.value.data["path"] == "endDate"
    assert await w.counts("sprints.") == {}
    sprint = await w.alice.mutation(
        "sprints:create", programId=w.program, workstreamId=w.workstream
    )
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("sprints:update", sprintId=sprint, startDate=100, endDate=50)
    assert info.value.data["path"] == "endDate"
    task = await w.task("In sprint", sprintId=sprint)
    await w.alice.mutation("sprints:remove", sprintId=sprint)
    assert "sprintId" not in await w.alice.query("tasks:get", taskId=task)
    trail = await w.alice.query(
        "audit:list_for_entity", orgId=w.org, entityType="sprint", entityId=sprint, numItems=10
    )
    assert [r["action"] for r in trail["page"]] == ["delete", "create"]
    assert await w.counts("sprints.") == {}


async def test_strangers_and_clients(app: Harness) -> None:
    w = await make_world(app)
    sprint = await w.alice.mutation(
        "sprints:create", programId=w.program, workstreamId=w.workstream
    )
    with pytest.raises(NotFoundError):
        await w.mallory.query("sprints:get", sprintId=sprint)
    with pytest.raises(NotFoundError):
        await w.mallory.mutation("sprints:set_status", sprintId=sprint, status="active")
    assert (await w.carl.query("sprints:get", sprintId=sprint))["number"] == 1
    with pytest.raises(ForbiddenError):
        await w.carl.mutation("sprints:set_status", sprintId=sprint, status="active")
