"""Playbooks: the step editor, publishing, and instances that create their tasks atomically."""

from __future__ import annotations

import pytest

from foundry.engine.errors import ArgumentError, ForbiddenError, NotFoundError
from tests.app.harness import Harness
from tests.app.test_tasks import World, make_world


async def _playbook(w: World) -> str:
    playbook: str = await w.alice.mutation(
        "playbooks:create",
        programId=w.program,
        name="Launch",
        targetPlatform="platform_agnostic",
        steps=[{"title": "Plan"}, {"title": "Build", "workstreamId": w.workstream}],
    )
    return playbook


async def test_step_editor(app: Harness) -> None:
    w = await make_world(app)
    pb = await _playbook(w)
    await w.alice.mutation("playbooks:add_step", playbookId=pb, step={"title": "Test"})
    await w.alice.mutation(
        "playbooks:add_step", playbookId=pb, step={"title": "Kickoff"}, position=0
    )
    await w.alice.mutation("playbooks:update_step", playbookId=pb, index=1, estimatedHours=8)
    await w.alice.mutation("playbooks:reorder_steps", playbookId=pb, order=[0, 2, 1, 3])
    await w.alice.mutation("playbooks:remove_step", playbookId=pb, index=3)
    steps = (await w.bob.query("playbooks:get", playbookId=pb))["steps"]
    assert [s["title"] for s in steps] == ["Kickoff", "Build", "Plan"]
    assert steps[2]["estimatedHours"] == 8
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("playbooks:reorder_steps", playbookId=pb, order=[0, 0, 1])
    assert info.value.data["path"] == "order"
    foreign_ws = await w.workstream_in(w.other_program, "API")
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation(
            "playbooks:update_step", playbookId=pb, index=0, workstreamId=foreign_ws
        )
    assert info.value.data["path"] == "steps[0].workstreamId"
    await w.alice.mutation("playbooks:set_status", playbookId=pb, status="archived")
    with pytest.raises(ArgumentError, match="archived"):
        await w.alice.mutation("playbooks:add_step", playbookId=pb, step={"title": "Late"})
    trail = await w.alice.query(
        "audit:list_for_entity", orgId=w.org, entityType="playbook", entityId=pb, numItems=20
    )
    assert [r["action"] for r in trail["page"]][:2] == ["status_change", "update"]


async def test_instantiate_creates_the_tasks_atomically(app: Harness) -> None:
    w = await make_world(app)
    pb = await _playbook(w)
    with pytest.raises(ArgumentError, match="publish it first"):
        await w.alice.mutation("playbooks:instantiate", playbookId=pb, name="Run 1")
    await w.alice.mutation("playbooks:set_status", playbookId=pb, status="published")
    instance = await w.alice.mutation("playbooks:instantiate", playbookId=pb, name="Run 1")
    detail = await w.alice.query("playbooks:get_instance", instanceId=instance)
    assert [t["title"] for t in detail["tasks"]] == ["Plan", "Build"]
    assert detail["status"] == "active" and detail["tasksTotal"] == 2
    build = await w.alice.query("tasks:get", taskId=detail["generatedTaskIds"][1])
    assert build["workstreamId"] == w.workstream and build["status"] == "backlog"
    assert await w.counts() == {"tasks.backlog": 2}
    # A step whose workstream was deleted since fails after the first task was made: the whole
    # instantiation is undone, no instance and no tasks.
    doomed = await w.workstream_in(w.program, "TMP")
    await w.alice.mutation(
        "playbooks:add_step", playbookId=pb, step={"title": "Ship", "workstreamId": doomed}
    )
    await w.alice.mutation("workstreams:remove", workstreamId=doomed)
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("playbooks:instantiate", playbookId=pb, name="Run 2")
    assert info.value.data["path"] == "steps[2].workstreamId"
    assert await w.counts() == {"tasks.backlog": 2}
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("playbooks:instantiate", playbookId=pb, name="")
    assert info.value.data["path"] == "name"
    listed = await w.alice.query(
        "playbooks:list_instances", programId=w.program, playbookId=pb, numItems=10
    )
    assert [i["_id"] for i in listed["page"]] == [instance]
    await w.alice.mutation("playbooks:complete_instance", instanceId=instance)
    with pytest.raises(ArgumentError, match="from 'completed'"):
        await w.alice.mutation("playbooks:cancel_instance", instanceId=instance)
    assert await w.counts("playbookInstances.") == {"playbookInstances.completed": 1}
    with pytest.raises(ArgumentError, match="archive it instead"):
        await w.alice.mutation("playbooks:remove", playbookId=pb)


async def test_strangers_and_clients(app: Harness) -> None:
    w = await make_world(app)
    pb = await _playbook(w)
    with pytest.raises(NotFoundError):
        await w.mallory.query("playbooks:get", playbookId=pb)
    with pytest.raises(NotFoundError):
        await w.mallory.mutation("playbooks:instantiate", playbookId=pb, name="x")
    assert (await w.carl.query("playbooks:get", playbookId=pb))["name"] == "Launch"
    with pytest.raises(ForbiddenError):
        await w.carl.mutation("playbooks:add_step", playbookId=pb, step={"title": "x"})
    page = await w.alice.query("playbooks:list", programId=w.program, status="draft", numItems=5)
    assert [p["_id"] for p in page["page"]] == [pb]
    await w.alice.mutation("playbooks:remove", playbookId=pb)
    assert (await w.alice.query("playbooks:list", programId=w.program, numItems=5))["page"] == []


async def test_instances_with_tasks_lists_the_newest_with_their_tasks(app: Harness) -> None:
    w = await make_world(app)
    pb = await _playbook(w)
    await w.alice.mutation("playbooks:set_status", playbookId=pb, status="published")
    first = await w.alice.mutation("playbooks:instantiate", playbookId=pb, name="Run 1")
    second = await w.alice.mutation("playbooks:instantiate", playbookId=pb, name="Run 2")
    listed = await w.bob.query("playbooks:instances_with_tasks", playbookId=pb, numItems=10)
    assert [i["_id"] for i in listed] == [second, first]
    assert [t["title"] for t in listed[0]["tasks"]] == ["Plan", "Build"]
    assert listed[0]["tasksTotal"] == 2 and listed[0]["tasksDone"] == 0
    assert (
        len(await w.alice.query("playbooks:instances_with_tasks", playbookId=pb, numItems=1)) == 1
    )
