"""The delivery pipeline: where each requirement stands, and how far the program has come.

A requirement's stage is derived from the requirement and its tasks, never set by hand. The
rule, in order (the first that applies wins):

1. status `deferred`  → no stage: the requirement is out of the pipeline and out of progress.
2. status `draft`     → `discovery` (captured, not yet validated).
3. status `complete`  → `review`, and it counts as 100 % done.
4. it has tasks       → the earliest stage of any of its tasks (the slowest task sets the pace):
   a task `done` → `review`; `review` → `testing`; `in_progress` → `implementation`;
   `backlog`/`todo` without a sprint → `task_generation`; in a sprint without subtasks →
   `subtask_generation`; in a sprint with subtasks → `implementation`.
5. no tasks, assigned to a workstream → `sprint_planning`; otherwise → `requirement`.

A requirement's progress is the sum of the weights of the stages before its own (a complete
requirement: 100); the program's progress is the mean over requirements that have a stage.
The stage is stored on the requirement (`pipelineStage`) and counted in the program's counters
(`pipeline.<stage>`, `ws.<workstreamId>.pipeline.<stage>`), so dashboards never scan. Whoever
changes a task calls `refresh_requirement_stage` in the same mutation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from foundry.app.model.access import get_for_member, get_in_program, get_program_for_member
from foundry.app.model.stats import adjust, counts_of
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import query
from foundry.engine.values import v

STAGES = (
    "discovery",
    "requirement",
    "sprint_planning",
    "task_generation",
    "subtask_generation",
    "implementation",
    "testing",
    "review",
)
WEIGHTS = dict(zip(STAGES, (5, 5, 10, 10, 10, 30, 20, 10), strict=True))
# Percentage a requirement has reached when it sits in a stage: the weights of the stages before.
REACHED = {stage: sum(WEIGHTS[s] for s in STAGES[: STAGES.index(stage)]) for stage in STAGES}
TASKS_INDEX = "by_requirement"  # tasks: ["orgId", "programId", "requirementId"]
MAX_TASKS_READ = 500  # a requirement with more tasks is staged by its first 500


def task_stage(task: Mapping[str, Any]) -> str:
    """The pipeline stage one task stands at (rule 4 of the module docstring)."""
    status = task.get("status")
    if status == "done":
        return "review"
    if status == "review":
        return "testing"
    if status == "in_progress":
        return "implementation"
    if task.get("sprintId") is None:
        return "task_generation"
    if not task.get("hasSubtasks") and not task.get("subtaskCount"):
        return "subtask_generation"
    return "implementation"


def derive_stage(requirement: Mapping[str, Any], tasks: Iterable[Mapping[str, Any]]) -> str | None:
    """The requirement's stage from its status, workstream and tasks (None when deferred)."""
    status = requirement["status"]
    if status == "deferred":
        return None
    if status == "draft":
        return "discovery"
    if status == "complete":
        return "review"
    stages = [task_stage(t) for t in tasks]
    if stages:
        return min(stages, key=STAGES.index)
    return "sprint_planning" if requirement.get("workstreamId") else "requirement"


def requirement_progress(requirement: Mapping[str, Any], stage: str | None) -> int | None:
    """How far (0-100) one requirement has come; None when it is out of the pipeline."""
    if stage is None:
        return None
    return 100 if requirement["status"] == "complete" else REACHED[stage]


def stage_keys(requirement: Mapping[str, Any]) -> dict[str, int]:
    """The counters one requirement contributes through its stored stage."""
    stage = requirement.get("pipelineStage")
    if stage is None:
        return {}
    keys = {f"pipeline.{stage}": 1}
    if requirement.get("workstreamId"):
        keys[f"ws.{requirement['workstreamId']}.pipeline.{stage}"] = 1
    return keys


def key_deltas(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """Counter deltas that turn the contribution `before` into `after`."""
    deltas = {k: -n for k, n in before.items()}
    for key, n in after.items():
        deltas[key] = deltas.get(key, 0) + n
    return {k: d for k, d in deltas.items() if d}


def tasks_of(ctx: QueryCtx, requirement: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The requirement's tasks (at most MAX_TASKS_READ), through the tasks' by_requirement index."""
    try:
        tasks = ctx.db.query("tasks").with_index(
            TASKS_INDEX,
            lambda q: (
                q.eq("orgId", requirement["orgId"])
                .eq("programId", requirement["programId"])
                .eq("requirementId", requirement["_id"])
            ),
        )
    except ArgumentError:
        # The tasks module lands separately; until its table exists a requirement has no tasks.
        return []
    return tasks.take(MAX_TASKS_READ)


def refresh_requirement_stage(ctx: MutationCtx, requirement_id: str) -> str | None:
    """Recompute one requirement's stage, store it and adjust the stage counters.

    Call it in the same mutation after inserting, changing or deleting a task that refers to
    the requirement (the caller has already checked access). Returns the new stage, or None
    when the requirement is deferred or no longer exists. Stage changes are derived facts, so
    they are counted but not audited.
    """
    requirement = ctx.db.get(requirement_id)
    if requirement is None:
        return None
    stage = derive_stage(requirement, tasks_of(ctx, requirement))
    if stage != requirement.get("pipelineStage"):
        ctx.db.patch(requirement_id, {"pipelineStage": stage})
        deltas = key_deltas(
            stage_keys(requirement), stage_keys({**requirement, "pipelineStage": stage})
        )
        adjust(ctx, requirement["orgId"], requirement["programId"], deltas)
    return stage


def summarize(counts: Mapping[str, Any], prefix: str, complete: int) -> dict[str, Any]:
    """Stage counts under `prefix` and the weighted progress they add up to."""
    per_stage = {stage: int(counts.get(f"{prefix}pipeline.{stage}", 0)) for stage in STAGES}
    total = sum(per_stage.values())
    reached = sum(REACHED[s] * n for s, n in per_stage.items()) + WEIGHTS["review"] * complete
    progress = round(reached / total, 1) if total else 0.0
    return {"counts": per_stage, "total": total, "complete": complete, "progress": progress}


@query(args={"programId": v.id("programs"), "workstreamId": v.optional(v.id("workstreams"))})
def stage_counts(ctx: QueryCtx, programId: str, workstreamId: str | None = None) -> Any:
    """Requirements per pipeline stage and the weighted progress, for a program or a workstream.

    Returns `{counts: {stage: n}, total, complete, progress (0-100), weights}` from counters.
    """
    _, program = get_program_for_member(ctx, programId)
    prefix = ""
    if workstreamId is not None:
        get_in_program(ctx, "workstreams", workstreamId, program, "workstreamId")
        prefix = f"ws.{workstreamId}."
    counts = counts_of(ctx, program["orgId"], programId)
    complete = int(counts.get(f"{prefix}requirements.complete", 0))
    return {**summarize(counts, prefix, complete), "weights": WEIGHTS}


@query(args={"requirementId": v.id("requirements")})
def for_requirement(ctx: QueryCtx, requirementId: str) -> Any:
    """One requirement's pipeline: its stage, each stage's state and what each task contributes."""
    _, requirement = get_for_member(ctx, "requirements", requirementId)
    tasks = tasks_of(ctx, requirement)
    stage = derive_stage(requirement, tasks)
    current = None if stage is None else STAGES.index(stage)
    if requirement["status"] == "complete":
        current = len(STAGES)  # every stage is behind a complete requirement
    return {
        "requirementId": requirementId,
        "stage": stage,
        "progress": requirement_progress(requirement, stage),
        "stages": [
            {
                "stage": s,
                "weight": WEIGHTS[s],
                "state": "pending"
                if current is None or i > current
                else ("current" if i == current else "done"),
            }
            for i, s in enumerate(STAGES)
        ],
        "tasks": [
            {
                "_id": t["_id"],
                "title": t.get("title"),
                "status": t.get("status"),
                "stage": task_stage(t),
            }
            for t in tasks
        ],
    }
