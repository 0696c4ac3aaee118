"""The derived pipeline stage, its counters and the program's weighted progress."""

from __future__ import annotations

from typing import Any, cast

import pytest

from foundry.app.pipeline import REACHED, STAGES, WEIGHTS, derive_stage, refresh_requirement_stage
from foundry.app.schema import build_schema
from foundry.engine.context import DatabaseWriter, MutationCtx
from foundry.engine.errors import ArgumentError, NotFoundError
from foundry.engine.transaction import Transaction
from tests.app.harness import Actor, Harness
from tests.app.test_requirements import new_req
from tests.app.test_workstreams import setup_program

SPRINT = "sprint-id"  # the derivation only asks whether a task has a sprint


def task(status: str, sprint: bool = False, subtasks: int = 0) -> dict[str, Any]:
    doc: dict[str, Any] = {"status": status}
    if sprint:
        doc["sprintId"] = SPRINT
    if subtasks:
        doc["subtaskCount"] = subtasks
    return doc


@pytest.mark.parametrize(
    ("status", "workstream", "tasks", "stage"),
    [
        ("deferred", True, [task("done")], None),
        ("draft", True, [task("done")], "discovery"),
        ("complete", False, [], "review"),
        ("approved", False, [], "requirement"),
        ("approved", True, [], "sprint_planning"),
        ("approved", True, [task("backlog"), task("done")], "task_generation"),
        ("in_progress", True, [task("todo", sprint=True), task("review")], "subtask_generation"),
        ("in_progress", True, [task("todo", sprint=True, subtasks=3)], "implementation"),
        ("in_progress", True, [task("in_progress"), task("done")], "implementation"),
        ("in_progress", True, [task("review"), task("done")], "testing"),
        ("in_progress", True, [task("done"), task("done")], "review"),
    ],
)
def test_derivation_rule(
    status: str, workstream: bool, tasks: list[dict[str, Any]], stage: str | None
) -> None:
    requirement = {"status": status, **({"workstreamId": "w"} if workstream else {})}
    assert derive_stage(requirement, tasks) == stage


def test_weights_add_up_and_the_tasks_index_is_declared() -> None:
    assert sum(WEIGHTS.values()) == 100 and REACHED["implementation"] == 40
    assert list(STAGES) == [*WEIGHTS]
    tasks = build_schema().tables.get("tasks")
    if tasks is not None:  # the tasks module promises this index to the pipeline
        fields = tasks.indexes["by_requirement"].fields
        assert fields == ("orgId", "programId", "requirementId")


class _Ctx:
    """Just enough of a mutation context for the pipeline's helpers inside `transact`."""

    def __init__(self, tx: Transaction) -> None:
        self.db = DatabaseWriter(tx)


async def add_task(app: Harness, requirement_id: str, **fields: Any) -> str:
    """Insert a task row directly, then refresh the stage as the tasks module does."""

    def body(tx: Transaction) -> str:
        req = tx.get(requirement_id)
        assert req is not None
        doc = {
            "orgId": req["orgId"],
            "programId": req["programId"],
            "requirementId": requirement_id,
            "title": "t",
            "priority": "medium",
            "rank": "a0",
            "status": "backlog",
            **fields,
        }
        task_id = tx.insert("tasks", doc)
        refresh_requirement_stage(cast(MutationCtx, _Ctx(tx)), requirement_id)
        return task_id

    task_id: str = await app.deployment.transact(body, "tests:add_task")
    return task_id


async def set_task(app: Harness, task_id: str, **fields: Any) -> None:
    def body(tx: Transaction) -> None:
        tx.patch(task_id, fields)
        doc = tx.get(task_id)
        assert doc is not None
        refresh_requirement_stage(cast(MutationCtx, _Ctx(tx)), doc["requirementId"])

    await app.deployment.transact(body, "tests:set_task")


async def counts(actor: Actor, program: str, **args: Any) -> dict[str, Any]:
    result: dict[str, Any] = await actor.query("pipeline:stage_counts", programId=program, **args)
    return result


async def test_stage_follows_tasks_and_progress_is_weighted(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    ws = await alice.mutation("workstreams:create", programId=program, name="C", shortCode="WS1")
    sprint = await alice.mutation("sprints:create", programId=program, workstreamId=ws, name="S1")
    draft = await new_req(alice, program, "draft")
    req = await new_req(alice, program, "built", status="approved", workstreamId=ws)
    summary = await counts(alice, program)
    assert summary["counts"]["discovery"] == 1 and summary["counts"]["sprint_planning"] == 1
    assert summary["progress"] == (0 + 10) / 2
    first = await add_task(app, req)
    second = await add_task(app, req, sprintId=sprint, subtaskCount=2)
    assert (await counts(alice, program))["counts"]["task_generation"] == 1
    await set_task(app, first, status="done")
    assert (await counts(alice, program))["counts"]["implementation"] == 1
    await set_task(app, second, status="review")
    ws_summary = await counts(alice, program, workstreamId=ws)
    assert ws_summary["counts"]["testing"] == 1 and ws_summary["progress"] == 70
    detail = await alice.query("pipeline:for_requirement", requirementId=req)
    assert detail["stage"] == "testing" and detail["progress"] == 70
    assert [s["state"] for s in detail["stages"]] == ["done"] * 6 + ["current", "pending"]
    assert sorted(t["stage"] for t in detail["tasks"]) == ["review", "testing"]
    await set_task(app, second, status="done")
    await alice.mutation("requirements:set_status", requirementId=req, status="in_progress")
    await alice.mutation("requirements:set_status", requirementId=req, status="complete")
    summary = await counts(alice, program)
    assert summary["counts"]["review"] == 1 and summary["complete"] == 1
    assert summary["progress"] == (0 + 100) / 2
    # Deferring takes a requirement out of the pipeline and out of the progress.
    await alice.mutation("requirements:set_status", requirementId=draft, status="deferred")
    assert (await counts(alice, program))["progress"] == 100
    # A requirement with tasks cannot be deleted.
    with pytest.raises(ArgumentError, match="still has tasks"):
        await alice.mutation("requirements:remove", requirementId=req)


async def test_tasks_module_keeps_the_stage_current(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    req = await new_req(alice, program, "r", status="approved")
    task_id = await alice.mutation("tasks:create", programId=program, title="T", requirementId=req)
    assert (await alice.query("requirements:get", requirementId=req))[
        "pipelineStage"
    ] == "task_generation"
    await alice.mutation("tasks:remove", taskId=task_id)
    assert (await alice.query("requirements:get", requirementId=req))[
        "pipelineStage"
    ] == "requirement"


async def test_strangers_see_no_pipeline(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    req = await new_req(alice, program)
    mallory, _, _ = await setup_program(app, "Evil")
    for call in (
        mallory.query("pipeline:stage_counts", programId=program),
        mallory.query("pipeline:for_requirement", requirementId=req),
    ):
        with pytest.raises(NotFoundError):
            await call
