"""Subtasks: ordered steps of a task, whose counts the parent task carries."""

from __future__ import annotations

from typing import Any

import pytest

from foundry.engine.errors import ArgumentError, ForbiddenError, NotFoundError
from tests.app.harness import Harness
from tests.app.test_tasks import World, make_world


async def _with_subtasks(w: World, n: int) -> tuple[str, list[str]]:
    task = await w.task("Parent", requirementId=w.requirement)
    ids = [
        await w.alice.mutation(
            "subtasks:create", taskId=task, title=f"Step {i}", prompt=f"Do {i}", estimatedFiles=i
        )
        for i in range(n)
    ]
    return task, ids


async def _parent(w: World, task: str) -> dict[str, Any]:
    t = await w.alice.query("tasks:get", taskId=task)
    return {
        k: t.get(k) for k in ("hasSubtasks", "subtaskCount", "subtasksCompleted", "subtasksFailed")
    }


async def test_append_reorder_and_parent_counts(app: Harness) -> None:
    w = await make_world(app)
    task, (s0, s1, s2) = await _with_subtasks(w, 3)
    listed = await w.bob.query("subtasks:list", taskId=task)
    assert [s["title"] for s in listed] == ["Step 0", "Step 1", "Step 2"]
    assert [s["order"] for s in listed] == [0, 1, 2] and listed[0]["status"] == "pending"
    assert await _parent(w, task) == {
        "hasSubtasks": True,
        "subtaskCount": 3,
        "subtasksCompleted": 0,
        "subtasksFailed": 0,
    }
    await w.alice.mutation("subtasks:reorder", taskId=task, subtaskIds=[s2, s0, s1])
    assert [s["_id"] for s in await w.alice.query("subtasks:list", taskId=task)] == [s2, s0, s1]
    with pytest.raises(ArgumentError, match="exactly once"):
        await w.alice.mutation("subtasks:reorder", taskId=task, subtaskIds=[s2, s0])
    # executing → failed → retrying → completed, and another skipped.
    for status in ("executing", "failed"):
        await w.alice.mutation("subtasks:set_status", subtaskId=s0, status=status)
    assert (await _parent(w, task))["subtasksFailed"] == 1
    for status in ("retrying", "completed"):
        await w.alice.mutation("subtasks:set_status", subtaskId=s0, status=status)
    await w.alice.mutation("subtasks:set_status", subtaskId=s1, status="skipped")
    assert await _parent(w, task) == {
        "hasSubtasks": True,
        "subtaskCount": 3,
        "subtasksCompleted": 1,
        "subtasksFailed": 0,
    }
    first = (await w.alice.query("subtasks:list", taskId=task))[1]
    assert first["_id"] == s0 and first["retryCount"] == 1
    await w.alice.mutation("subtasks:remove", subtaskId=s0)
    await w.alice.mutation("subtasks:remove", subtaskId=s1)
    await w.alice.mutation("subtasks:remove", subtaskId=s2)
    assert await _parent(w, task) == {
        "hasSubtasks": False,
        "subtaskCount": 0,
        "subtasksCompleted": 0,
        "subtasksFailed": 0,
    }


async def test_status_machine_and_running_subtasks(app: Harness) -> None:
    w = await make_world(app)
    task, (s0,) = await _with_subtasks(w, 1)
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("subtasks:set_status", subtaskId=s0, status="completed")
    assert "expected one of ['executing', 'skipped'] from 'pending', got 'completed'" in str(
        info.value.message
    )
    await w.alice.mutation("subtasks:set_status", subtaskId=s0, status="executing")
    with pytest.raises(ArgumentError, match="executing"):
        await w.alice.mutation("subtasks:update", subtaskId=s0, prompt="changed")
    with pytest.raises(ArgumentError, match="stop it first"):
        await w.alice.mutation("subtasks:remove", subtaskId=s0)
    await w.alice.mutation("subtasks:set_status", subtaskId=s0, status="pending")
    await w.alice.mutation("subtasks:update", subtaskId=s0, prompt="changed", isPausePoint=True)
    sub = (await w.alice.query("subtasks:list", taskId=task))[0]
    assert sub["prompt"] == "changed" and sub["isPausePoint"] is True


async def test_bad_input_audit_and_deleting_the_task(app: Harness) -> None:
    w = await make_world(app)
    task, (s0, s1) = await _with_subtasks(w, 2)
    for field, fields in [
        ("title", {"title": ""}),
        ("complexityScore", {"complexityScore": 101}),
        ("allowedFiles[0]", {"allowedFiles": [""]}),
    ]:
        with pytest.raises(ArgumentError) as info:
            await w.alice.mutation("subtasks:create", taskId=task, **{"title": "T", **fields})
        assert info.value.data["path"] == field
    assert len(await w.alice.query("subtasks:list", taskId=task)) == 2
    await w.alice.mutation("subtasks:set_status", subtaskId=s0, status="skipped")
    trail = await w.alice.query(
        "audit:list_for_entity", orgId=w.org, entityType="subtask", entityId=s0, numItems=10
    )
    assert [r["action"] for r in trail["page"]] == ["status_change", "create"]
    await w.alice.mutation("tasks:remove", taskId=task)
    with pytest.raises(NotFoundError):
        await w.alice.mutation("subtasks:update", subtaskId=s1, title="gone")


async def test_strangers_and_clients(app: Harness) -> None:
    w = await make_world(app)
    task, (s0,) = await _with_subtasks(w, 1)
    with pytest.raises(NotFoundError):
        await w.mallory.query("subtasks:list", taskId=task)
    with pytest.raises(NotFoundError):
        await w.mallory.mutation("subtasks:set_status", subtaskId=s0, status="executing")
    assert len(await w.carl.query("subtasks:list", taskId=task)) == 1
    with pytest.raises(ForbiddenError):
        await w.carl.mutation("subtasks:create", taskId=task, title="x")
    with pytest.raises(ForbiddenError):
        await w.carl.mutation("subtasks:set_status", subtaskId=s0, status="executing")


async def test_set_done_ticks_off_and_reopens_by_hand(app: Harness) -> None:
    w = await make_world(app)
    task, (s0, s1) = await _with_subtasks(w, 2)
    await w.bob.mutation("subtasks:set_done", subtaskId=s0, done=True)
    await w.bob.mutation("subtasks:set_done", subtaskId=s0, done=True)  # no change
    listed = await w.alice.query("subtasks:list", taskId=task)
    assert [s["status"] for s in listed] == ["completed", "pending"]
    assert (await _parent(w, task))["subtasksCompleted"] == 1
    # A failed one ticked off stops counting as failed.
    for status in ("executing", "failed"):
        await w.alice.mutation("subtasks:set_status", subtaskId=s1, status=status)
    await w.alice.mutation("subtasks:set_done", subtaskId=s1, done=True)
    assert await _parent(w, task) == {
        "hasSubtasks": True,
        "subtaskCount": 2,
        "subtasksCompleted": 2,
        "subtasksFailed": 0,
    }
    await w.alice.mutation("subtasks:set_done", subtaskId=s0, done=False)
    assert (await _parent(w, task))["subtasksCompleted"] == 1
    # A running subtask is not ticked by hand; outsiders and clients cannot.
    await w.alice.mutation("subtasks:set_status", subtaskId=s0, status="executing")
    with pytest.raises(ArgumentError, match="executing"):
        await w.alice.mutation("subtasks:set_done", subtaskId=s0, done=True)
    with pytest.raises((ForbiddenError, NotFoundError)):
        await w.mallory.mutation("subtasks:set_done", subtaskId=s1, done=False)
