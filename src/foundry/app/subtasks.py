"""Subtasks: the ordered steps an agent executes to complete one task.

The parent task carries `hasSubtasks`, `subtaskCount`, `subtasksCompleted` and `subtasksFailed`;
every function here that changes them does so in the same mutation (`adjust_parent`), so the
counts on a task card never disagree with its subtask list.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from foundry.app.model.access import Member, get_for_member
from foundry.app.model.audit import Action, audit_entity, record_audit
from foundry.app.programs import check_text
from foundry.app.tasks import (
    SUBTASKS_MAX,
    TEXT_MAX,
    TITLE_MAX,
    check_move,
    refresh_pipeline,
    task_for_member,
)
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

STATUSES = ("pending", "executing", "retrying", "completed", "failed", "skipped")
# An executing subtask may be paused back to pending; finished ones are reset to pending to rerun.
SUBTASK_MOVES: dict[str, frozenset[str]] = {
    "pending": frozenset({"executing", "skipped"}),
    "executing": frozenset({"completed", "failed", "retrying", "pending"}),
    "retrying": frozenset({"executing", "completed", "failed"}),
    "failed": frozenset({"retrying", "pending", "skipped"}),
    "completed": frozenset({"pending"}),
    "skipped": frozenset({"pending"}),
}
RUNNING = ("executing", "retrying")
PROMPT_MAX = 50_000
PATH_MAX = 500
FILES_MAX = 200
NUMBER_LIMITS = {"estimatedFiles": 1_000, "complexityScore": 100, "estimatedDurationMs": 86_400_000}

TABLES = {
    "subtasks": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "taskId": v.id("tasks"),
            "title": v.string(),
            "description": v.string(),
            "prompt": v.string(),
            "estimatedFiles": v.number(),
            "complexityScore": v.number(),
            "estimatedDurationMs": v.number(),
            "allowedFiles": v.optional(v.array(v.string(), max_length=FILES_MAX)),
            "order": v.number(),
            "isPausePoint": v.boolean(),
            "status": v.literal(*STATUSES),
            "retryCount": v.number(),
            "errorMessage": v.optional(v.string()),
            "commitSha": v.optional(v.string()),
            "filesChanged": v.optional(v.array(v.string())),
            "executionDurationMs": v.optional(v.number()),
        }
    )
    # Used by the task's subtask list in execution order (and to append at the end).
    .index("by_task", ["orgId", "programId", "taskId", "order"]),
}

EDITABLE = {
    "description": v.optional(v.string()),
    "prompt": v.optional(v.string()),
    "estimatedFiles": v.optional(v.number()),
    "complexityScore": v.optional(v.number()),
    "estimatedDurationMs": v.optional(v.number()),
    "allowedFiles": v.optional(v.array(v.string(), max_length=FILES_MAX)),
    "isPausePoint": v.optional(v.boolean()),
}


def check_subtask_fields(fields: Mapping[str, Any]) -> None:
    """Validate the text, number and file-list fields of a subtask."""
    check_text("title", fields.get("title"), TITLE_MAX, required="title" in fields)
    check_text("description", fields.get("description"), TEXT_MAX)
    check_text("prompt", fields.get("prompt"), PROMPT_MAX)
    for field, limit in NUMBER_LIMITS.items():
        value = fields.get(field)
        if value is not None and not 0 <= value <= limit:
            raise ArgumentError(f"{field} must be between 0 and {limit}", {"path": field})
    for i, path in enumerate(fields.get("allowedFiles") or ()):
        check_text(f"allowedFiles[{i}]", path, PATH_MAX, required=True)


def subtasks_of(ctx: QueryCtx, task: Mapping[str, Any]) -> builtins.list[dict[str, Any]]:
    """The task's subtasks in order (at most SUBTASKS_MAX exist)."""
    return (
        ctx.db.query("subtasks")
        .with_index(
            "by_task",
            lambda q: (
                q.eq("orgId", task["orgId"])
                .eq("programId", task["programId"])
                .eq("taskId", task["_id"])
            ),
        )
        .take(SUBTASKS_MAX)
    )


def adjust_parent(
    ctx: MutationCtx, task: Mapping[str, Any], count: int = 0, completed: int = 0, failed: int = 0
) -> None:
    """Shift the task's subtask counters, then refresh its requirement's pipeline stage."""
    if not (count or completed or failed):
        return
    total = int(task.get("subtaskCount", 0)) + count
    ctx.db.patch(
        task["_id"],
        {
            "hasSubtasks": total > 0,
            "subtaskCount": total,
            "subtasksCompleted": int(task.get("subtasksCompleted", 0)) + completed,
            "subtasksFailed": int(task.get("subtasksFailed", 0)) + failed,
        },
    )
    refresh_pipeline(ctx, task.get("requirementId"))


def _audit(
    ctx: MutationCtx,
    member: Member,
    subtask: Mapping[str, Any],
    action: Action,
    description: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    audit_entity(ctx, member, "subtask", subtask, action, description, before, after)


def subtask_for_member(
    ctx: QueryCtx, subtask_id: str, *, write: bool = False
) -> tuple[Member, dict[str, Any], dict[str, Any]]:
    """The caller, a subtask they may see (or change), and its task."""
    member, subtask = get_for_member(ctx, "subtasks", subtask_id, write=write)
    task = ctx.db.get(subtask["taskId"])
    if task is None:  # pragma: no cover - deleting a task deletes its subtasks
        raise ArgumentError("subtaskId: the subtask's task is gone", {"path": "subtaskId"})
    return member, subtask, task


@mutation(args={"taskId": v.id("tasks"), **EDITABLE, "title": v.string()})
def create(ctx: MutationCtx, taskId: str, **fields: Any) -> str:
    """Append a subtask to the task (pending, after the last one)."""
    member, task, _ = task_for_member(ctx, taskId, write=True)
    check_subtask_fields(fields)
    existing = subtasks_of(ctx, task)
    if len(existing) >= SUBTASKS_MAX:
        raise ArgumentError(
            f"taskId: a task has at most {SUBTASKS_MAX} subtasks", {"path": "taskId"}
        )
    doc = {
        "orgId": task["orgId"],
        "programId": task["programId"],
        "taskId": taskId,
        "description": "",
        "prompt": "",
        "estimatedFiles": 0,
        "complexityScore": 0,
        "estimatedDurationMs": 0,
        "isPausePoint": False,
        **{k: val for k, val in fields.items() if val is not None},
        "order": existing[-1]["order"] + 1 if existing else 0,
        "status": "pending",
        "retryCount": 0,
    }
    subtask_id = ctx.db.insert("subtasks", doc)
    adjust_parent(ctx, task, count=1)
    _audit(
        ctx,
        member,
        {**doc, "_id": subtask_id},
        "create",
        f"Added subtask {doc['title']}",
        after=doc,
    )
    return subtask_id


@mutation(args={"subtaskId": v.id("subtasks"), **EDITABLE, "title": v.optional(v.string())})
def update(ctx: MutationCtx, subtaskId: str, **fields: Any) -> None:
    """Change a subtask's text or estimates (not while it runs)."""
    member, subtask, _ = subtask_for_member(ctx, subtaskId, write=True)
    changes = {k: val for k, val in fields.items() if val is not None}
    check_subtask_fields(changes)
    if subtask["status"] in RUNNING:
        raise ArgumentError(
            f"subtaskId: the subtask is {subtask['status']}; edit it when it stops",
            {"path": "subtaskId"},
        )
    ctx.db.patch(subtaskId, changes)
    after = {**subtask, **changes}
    _audit(ctx, member, subtask, "update", f"Updated subtask {after['title']}", subtask, after)


@mutation(args={"taskId": v.id("tasks"), "subtaskIds": v.array(v.id("subtasks"))})
def reorder(ctx: MutationCtx, taskId: str, subtaskIds: builtins.list[str]) -> None:
    """Put the task's subtasks in the given order; `subtaskIds` lists every one exactly once."""
    member, task, _ = task_for_member(ctx, taskId, write=True)
    existing = {s["_id"]: s for s in subtasks_of(ctx, task)}
    if len(subtaskIds) != len(existing) or set(subtaskIds) != set(existing):
        raise ArgumentError(
            "subtaskIds must list each of the task's subtasks exactly once",
            {"path": "subtaskIds"},
        )
    for order, subtask_id in enumerate(subtaskIds):
        if existing[subtask_id]["order"] != order:
            ctx.db.patch(subtask_id, {"order": order})
    record_audit(
        ctx,
        member,
        program_id=task["programId"],
        entity_type="task",
        entity_id=taskId,
        action="update",
        description=f"Reordered the subtasks of {task['title']}",
        before={"subtaskIds": sorted(existing, key=lambda i: existing[i]["order"])},
        after={"subtaskIds": subtaskIds},
    )


@mutation(
    args={
        "subtaskId": v.id("subtasks"),
        "status": v.literal(*STATUSES),
        "errorMessage": v.optional(v.string()),
    }
)
def set_status(
    ctx: MutationCtx, subtaskId: str, status: str, errorMessage: str | None = None
) -> None:
    """Move a subtask along SUBTASK_MOVES; entering `retrying` counts a retry."""
    member, subtask, task = subtask_for_member(ctx, subtaskId, write=True)
    check_move(SUBTASK_MOVES, subtask["status"], status)
    check_text("errorMessage", errorMessage, TEXT_MAX)
    before = subtask["status"]
    changes: dict[str, Any] = {"status": status, "errorMessage": errorMessage}
    if status == "retrying":
        changes["retryCount"] = subtask["retryCount"] + 1
    ctx.db.patch(subtaskId, changes)
    adjust_parent(
        ctx,
        task,
        completed=(status == "completed") - (before == "completed"),
        failed=(status == "failed") - (before == "failed"),
    )
    _audit(
        ctx,
        member,
        subtask,
        "status_change",
        f"Subtask {subtask['title']}: {before} → {status}",
        {"status": before},
        {"status": status},
    )


@mutation(args={"subtaskId": v.id("subtasks"), "done": v.boolean()})
def set_done(ctx: MutationCtx, subtaskId: str, done: bool) -> None:
    """Tick a subtask off by hand (completed) or reopen it (pending); a running one is refused.
    Ticking an already completed one (or reopening a pending one) changes nothing."""
    member, subtask, task = subtask_for_member(ctx, subtaskId, write=True)
    before = subtask["status"]
    if before in RUNNING:
        raise ArgumentError(
            f"subtaskId: the subtask is {before}; wait until it stops", {"path": "subtaskId"}
        )
    status = "completed" if done else "pending"
    if status == before or (not done and before != "completed"):
        return
    ctx.db.patch(subtaskId, {"status": status, "errorMessage": None})
    adjust_parent(
        ctx,
        task,
        completed=(status == "completed") - (before == "completed"),
        failed=-(before == "failed"),
    )
    _audit(
        ctx,
        member,
        subtask,
        "status_change",
        f"Subtask {subtask['title']}: {before} → {status} (by hand)",
        {"status": before},
        {"status": status},
    )


@mutation(args={"subtaskId": v.id("subtasks")})
def remove(ctx: MutationCtx, subtaskId: str) -> None:
    """Delete a subtask that is not running."""
    member, subtask, task = subtask_for_member(ctx, subtaskId, write=True)
    if subtask["status"] in RUNNING:
        raise ArgumentError(
            f"subtaskId: the subtask is {subtask['status']}; stop it first", {"path": "subtaskId"}
        )
    ctx.db.delete(subtaskId)
    adjust_parent(
        ctx,
        task,
        count=-1,
        completed=-(subtask["status"] == "completed"),
        failed=-(subtask["status"] == "failed"),
    )
    _audit(ctx, member, subtask, "delete", f"Deleted subtask {subtask['title']}", before=subtask)


@query(args={"taskId": v.id("tasks")})
def list(ctx: QueryCtx, taskId: str) -> Any:
    """The task's subtasks in execution order."""
    _, task, _ = task_for_member(ctx, taskId)
    return subtasks_of(ctx, task)
