"""Sprints: numbered time boxes of one workstream, holding the tasks committed to them.

Numbers increase per workstream; at most one sprint of a workstream is active at a time. Counters
`sprints.<status>` follow every create, delete and status change.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from foundry.app.model.access import (
    Member,
    get_for_member,
    get_in_program,
    get_program_for_member,
)
from foundry.app.model.audit import Action, audit_entity
from foundry.app.model.listing import in_program
from foundry.app.model.stats import adjust, status_move
from foundry.app.programs import check_text
from foundry.app.tasks import BULK_MAX, check_move, do_update_task
from foundry.app.tasks import STATUSES as TASK_STATUSES
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

STATUSES = ("planning", "active", "completed", "cancelled")
SPRINT_MOVES: dict[str, frozenset[str]] = {
    "planning": frozenset({"active", "cancelled"}),
    "active": frozenset({"completed", "cancelled", "planning"}),
    "completed": frozenset({"active"}),
    "cancelled": frozenset({"planning"}),
}
OPEN = ("planning", "active")
NAME_MAX = 200
GOAL_MAX = 5_000
CAPACITY_MAX = 10_000
SPRINT_TASKS_MAX = 1_000
PAGE_MAX = 200

TABLES = {
    "sprints": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "workstreamId": v.id("workstreams"),
            "number": v.number(),
            "name": v.string(),
            "startDate": v.optional(v.number()),
            "endDate": v.optional(v.number()),
            "goal": v.optional(v.string()),
            "status": v.literal(*STATUSES),
            "capacity": v.optional(v.number()),
        }
    )
    # Used to number a workstream's sprints and to list them, newest first.
    .index("by_workstream", ["orgId", "programId", "workstreamId", "number"])
    # Used by the status filter and to find a workstream's active sprint.
    .index("by_program_status", ["orgId", "programId", "status"]),
}

EDITABLE = {
    "name": v.optional(v.string()),
    "startDate": v.optional(v.number()),
    "endDate": v.optional(v.number()),
    "goal": v.optional(v.string()),
    "capacity": v.optional(v.number()),
}


def check_sprint_fields(fields: Mapping[str, Any]) -> None:
    """Validate name, goal, capacity and that the sprint does not end before it starts."""
    check_text("name", fields.get("name"), NAME_MAX, required="name" in fields)
    check_text("goal", fields.get("goal"), GOAL_MAX)
    capacity = fields.get("capacity")
    if capacity is not None and not 0 <= capacity <= CAPACITY_MAX:
        raise ArgumentError(f"capacity must be between 0 and {CAPACITY_MAX}", {"path": "capacity"})
    start, end = fields.get("startDate"), fields.get("endDate")
    if start is not None and end is not None and end < start:
        raise ArgumentError("endDate must not be before startDate", {"path": "endDate"})


def check_one_active(ctx: QueryCtx, sprint: Mapping[str, Any]) -> None:
    """Raise if another sprint of the workstream is already active."""
    active = (
        ctx.db.query("sprints")
        .with_index(
            "by_program_status",
            lambda q: (
                q.eq("orgId", sprint["orgId"])
                .eq("programId", sprint["programId"])
                .eq("status", "active")
            ),
        )
        .filter(lambda d: d["workstreamId"] == sprint["workstreamId"] and d["_id"] != sprint["_id"])
        .first()
    )
    if active is not None:
        raise ArgumentError(
            f"status: sprint {active['name']!r} is already active in this workstream",
            {"path": "status", "activeSprintId": active["_id"]},
        )


def sprint_tasks(ctx: QueryCtx, sprint: Mapping[str, Any]) -> builtins.list[dict[str, Any]]:
    """The sprint's tasks (at most SPRINT_TASKS_MAX)."""
    return (
        ctx.db.query("tasks")
        .with_index(
            "by_sprint",
            lambda q: (
                q.eq("orgId", sprint["orgId"])
                .eq("programId", sprint["programId"])
                .eq("sprintId", sprint["_id"])
            ),
        )
        .take(SPRINT_TASKS_MAX)
    )


def _audit(
    ctx: MutationCtx,
    member: Member,
    sprint: Mapping[str, Any],
    action: Action,
    description: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    audit_entity(ctx, member, "sprint", sprint, action, description, before, after)


@mutation(args={"programId": v.id("programs"), "workstreamId": v.id("workstreams"), **EDITABLE})
def create(ctx: MutationCtx, programId: str, workstreamId: str, **fields: Any) -> str:
    """Plan the workstream's next sprint (numbered after its last one)."""
    member, program = get_program_for_member(ctx, programId, write=True)
    get_in_program(ctx, "workstreams", workstreamId, program, "workstreamId")
    check_sprint_fields(fields)
    last = (
        ctx.db.query("sprints")
        .with_index(
            "by_workstream",
            lambda q: (
                q.eq("orgId", program["orgId"])
                .eq("programId", programId)
                .eq("workstreamId", workstreamId)
            ),
        )
        .order("desc")
        .first()
    )
    number = 1 if last is None else int(last["number"]) + 1
    doc = {
        "orgId": program["orgId"],
        "programId": programId,
        "workstreamId": workstreamId,
        "number": number,
        "name": f"Sprint {number}",
        **{k: val for k, val in fields.items() if val is not None},
        "status": "planning",
    }
    sprint_id = ctx.db.insert("sprints", doc)
    adjust(ctx, program["orgId"], programId, status_move("sprints", None, "planning"))
    _audit(ctx, member, {**doc, "_id": sprint_id}, "create", f"Planned {doc['name']}", after=doc)
    return sprint_id


@mutation(args={"sprintId": v.id("sprints"), **EDITABLE})
def update(ctx: MutationCtx, sprintId: str, **fields: Any) -> None:
    """Change a sprint's name, dates, goal or capacity."""
    member, sprint = get_for_member(ctx, "sprints", sprintId, write=True)
    changes = {k: val for k, val in fields.items() if val is not None}
    after = {**sprint, **changes}
    check_sprint_fields(
        {**changes, "startDate": after.get("startDate"), "endDate": after.get("endDate")}
    )
    ctx.db.patch(sprintId, changes)
    _audit(ctx, member, sprint, "update", f"Updated {after['name']}", sprint, after)


@mutation(args={"sprintId": v.id("sprints"), "status": v.literal(*STATUSES)})
def set_status(ctx: MutationCtx, sprintId: str, status: str) -> None:
    """Start, complete, cancel or replan a sprint (allowed moves: SPRINT_MOVES)."""
    member, sprint = get_for_member(ctx, "sprints", sprintId, write=True)
    check_move(SPRINT_MOVES, sprint["status"], status)
    if status == "active":
        check_one_active(ctx, sprint)
    ctx.db.patch(sprintId, {"status": status})
    adjust(
        ctx, sprint["orgId"], sprint["programId"], status_move("sprints", sprint["status"], status)
    )
    _audit(
        ctx,
        member,
        sprint,
        "status_change",
        f"{sprint['name']}: {sprint['status']} → {status}",
        {"status": sprint["status"]},
        {"status": status},
    )


@mutation(args={"sprintId": v.id("sprints")})
def remove(ctx: MutationCtx, sprintId: str) -> None:
    """Delete a sprint that is planning or cancelled; its tasks return to no sprint."""
    member, sprint = get_for_member(ctx, "sprints", sprintId, write=True)
    if sprint["status"] not in ("planning", "cancelled"):
        raise ArgumentError(
            f"sprintId: a {sprint['status']} sprint cannot be deleted", {"path": "sprintId"}
        )
    for task in sprint_tasks(ctx, sprint):
        do_update_task(ctx, member, task, {}, ("sprintId",))
    ctx.db.delete(sprintId)
    adjust(
        ctx, sprint["orgId"], sprint["programId"], status_move("sprints", sprint["status"], None)
    )
    _audit(ctx, member, sprint, "delete", f"Deleted {sprint['name']}", before=sprint)


def _tasks_for(
    ctx: QueryCtx, program: Mapping[str, Any], task_ids: builtins.list[str]
) -> builtins.list[dict[str, Any]]:
    if not task_ids or len(set(task_ids)) != len(task_ids):
        raise ArgumentError("taskIds must list at least one task, each once", {"path": "taskIds"})
    return [
        get_in_program(ctx, "tasks", task_id, dict(program), f"taskIds[{i}]")
        for i, task_id in enumerate(task_ids)
    ]


TASK_IDS = v.array(v.id("tasks"), max_length=BULK_MAX)


@mutation(args={"sprintId": v.id("sprints"), "taskIds": TASK_IDS})
def assign_tasks(ctx: MutationCtx, sprintId: str, taskIds: builtins.list[str]) -> None:
    """Commit tasks to an open sprint; tasks of another workstream are refused."""
    member, sprint = get_for_member(ctx, "sprints", sprintId, write=True)
    if sprint["status"] not in OPEN:
        raise ArgumentError(
            f"sprintId: the sprint is {sprint['status']}; tasks join only open sprints",
            {"path": "sprintId"},
        )
    _, program = get_program_for_member(ctx, sprint["programId"])
    tasks = _tasks_for(ctx, program, taskIds)
    for i, task in enumerate(tasks):
        if task.get("workstreamId") not in (None, sprint["workstreamId"]):
            raise ArgumentError(
                f"taskIds[{i}]: the task belongs to another workstream than the sprint",
                {"path": f"taskIds[{i}]"},
            )
    for task in tasks:
        if task.get("sprintId") != sprintId:
            do_update_task(ctx, member, task, {"sprintId": sprintId})


@mutation(args={"sprintId": v.id("sprints"), "taskIds": TASK_IDS})
def unassign_tasks(ctx: MutationCtx, sprintId: str, taskIds: builtins.list[str]) -> None:
    """Take tasks out of the sprint (back to the workstream's unplanned work)."""
    member, sprint = get_for_member(ctx, "sprints", sprintId, write=True)
    _, program = get_program_for_member(ctx, sprint["programId"])
    tasks = _tasks_for(ctx, program, taskIds)
    for i, task in enumerate(tasks):
        if task.get("sprintId") != sprintId:
            raise ArgumentError(
                f"taskIds[{i}]: the task is not in this sprint", {"path": f"taskIds[{i}]"}
            )
    for task in tasks:
        do_update_task(ctx, member, task, {}, ("sprintId",))


@query(
    args={
        "programId": v.id("programs"),
        "workstreamId": v.optional(v.id("workstreams")),
        "status": v.optional(v.literal(*STATUSES)),
        "cursor": v.optional(v.string()),
        "numItems": v.number(),
    }
)
def list(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    workstreamId: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
) -> Any:
    """A page of the program's sprints, newest first, optionally of one workstream or status."""
    _, program = get_program_for_member(ctx, programId)
    sprints = in_program(
        ctx, "sprints", program, workstreamId, "status", status, "by_program_status"
    )
    size = max(1, min(int(numItems), PAGE_MAX))
    return sprints.order("desc").paginate(cursor, size)


@query(args={"sprintId": v.id("sprints")})
def get(ctx: QueryCtx, sprintId: str) -> Any:
    """A sprint with its tasks (board order), task counts, and story points committed vs done."""
    _, sprint = get_for_member(ctx, "sprints", sprintId)
    tasks = sorted(
        sprint_tasks(ctx, sprint), key=lambda t: (TASK_STATUSES.index(t["status"]), t["rank"])
    )
    committed = sum(t.get("storyPoints", 0) for t in tasks)
    completed = sum(t.get("storyPoints", 0) for t in tasks if t["status"] == "done")
    capacity = sprint.get("capacity")
    return {
        **sprint,
        "tasks": tasks,
        "taskCounts": {s: sum(t["status"] == s for t in tasks) for s in TASK_STATUSES},
        "pointsCommitted": committed,
        "pointsCompleted": completed,
        "overCapacity": capacity is not None and committed > capacity,
    }
