"""Tasks: the unit of delivery work, shown on a per-program kanban board.

A task moves backlog → todo → in_progress → review → done; TASK_MOVES is the only list of allowed
moves. Its `rank` (a fractional-index string) orders it inside its status column, so dropping a
card between two neighbours writes one document. Every create, delete and status change adjusts
the program counters `tasks.<status>`, and every change that can move a requirement along its
delivery pipeline calls `refresh_pipeline` for the requirements involved.

Lists, the kanban board and saved filter sets are in `task_views.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from fractional_indexing import (  # type: ignore[import-untyped]
    generate_key_between,
    generate_n_keys_between,
)

from foundry.app.activity import record_activity
from foundry.app.model.access import Member, get_for_member, get_in_program, get_program_for_member
from foundry.app.model.audit import audit_entity, record_audit
from foundry.app.model.stats import adjust, status_move
from foundry.app.pipeline import refresh_requirement_stage
from foundry.app.programs import check_text
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

STATUSES = ("backlog", "todo", "in_progress", "review", "done")
PRIORITIES = ("critical", "high", "medium", "low")
# Forward one step, back one step, review → in_progress, and done → in_progress to reopen.
TASK_MOVES: dict[str, frozenset[str]] = {
    "backlog": frozenset({"todo"}),
    "todo": frozenset({"backlog", "in_progress"}),
    "in_progress": frozenset({"todo", "review"}),
    "review": frozenset({"in_progress", "done"}),
    "done": frozenset({"review", "in_progress"}),
}
TITLE_MAX = 300
TEXT_MAX = 20_000
CRITERION_MAX = 2_000
CRITERIA_MAX = 50
BLOCKERS_MAX = 50
POINTS_MAX = 1_000
BULK_MAX = 200
CYCLE_SEARCH_MAX = 1_000
SUBTASKS_MAX = 200
# Requirement priority → task priority for tasks created from requirements.
FROM_REQUIREMENT_PRIORITY = {
    "must_have": "high",
    "should_have": "medium",
    "nice_to_have": "low",
    "deferred": "low",
}

TABLES = {
    "tasks": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "title": v.string(),
            "description": v.optional(v.string()),
            "acceptanceCriteria": v.optional(v.array(v.string(), max_length=CRITERIA_MAX)),
            "storyPoints": v.optional(v.number()),
            "assigneeId": v.optional(v.id("users")),
            "priority": v.literal(*PRIORITIES),
            "status": v.literal(*STATUSES),
            "rank": v.string(),
            "blockedBy": v.optional(v.array(v.id("tasks"), max_length=BLOCKERS_MAX)),
            "dueDate": v.optional(v.number()),
            "workstreamId": v.optional(v.id("workstreams")),
            "sprintId": v.optional(v.id("sprints")),
            "requirementId": v.optional(v.id("requirements")),
            "hasSubtasks": v.optional(v.boolean()),
            "subtaskCount": v.optional(v.number()),
            "subtasksCompleted": v.optional(v.number()),
            "subtasksFailed": v.optional(v.number()),
        }
    )
    # Used by the status filter of lists (newest first inside one status).
    .index("by_program_status", ["orgId", "programId", "status"])
    # Used by the board: one status column in rank order.
    .index("by_column", ["orgId", "programId", "status", "rank"])
    # Used by workstream lists and the workstream board (a column in rank order).
    .index("by_workstream", ["orgId", "programId", "workstreamId", "status", "rank"])
    # Used by sprint detail, the sprint board and sprint lists.
    .index("by_sprint", ["orgId", "programId", "sprintId"])
    # Used by the requirements pipeline to find a requirement's tasks.
    .index("by_requirement", ["orgId", "programId", "requirementId"])
    # Used by "my tasks" across the organisation's programs.
    .index("by_assignee", ["orgId", "assigneeId", "status"])
    # Used by mission control to list overdue tasks per open status.
    .index("by_status_due", ["orgId", "programId", "status", "dueDate"])
    .search_index("search", ["title", "description"], ["orgId", "programId"]),
}

# Fields callers may set on create and update; `status` and `rank` change only through moves.
EDITABLE = {
    "title": v.optional(v.string()),
    "description": v.optional(v.string()),
    "acceptanceCriteria": v.optional(v.array(v.string(), max_length=CRITERIA_MAX)),
    "storyPoints": v.optional(v.number()),
    "assigneeId": v.optional(v.id("users")),
    "priority": v.optional(v.literal(*PRIORITIES)),
    "blockedBy": v.optional(v.array(v.id("tasks"), max_length=BLOCKERS_MAX)),
    "dueDate": v.optional(v.number()),
    "workstreamId": v.optional(v.id("workstreams")),
    "sprintId": v.optional(v.id("sprints")),
    "requirementId": v.optional(v.id("requirements")),
}
CLEARABLE = tuple(k for k in EDITABLE if k not in ("title", "priority"))
REFERENCES = {"workstreamId": "workstreams", "sprintId": "sprints", "requirementId": "requirements"}


# --- rules shared by the delivery modules -------------------------------------------------------


def check_move(moves: Mapping[str, AbstractSet[str]], before: str, after: str) -> None:
    """Raise unless `moves` allows a status change from `before` to `after`."""
    if after not in moves[before]:
        raise ArgumentError(
            f"status: expected one of {sorted(moves[before])} from {before!r}, got {after!r}",
            {"path": "status", "from": before, "to": after},
        )


def check_org_user(ctx: QueryCtx, org_id: str, user_id: str, field: str) -> None:
    """Raise an ArgumentError naming `field` unless the user belongs to the organisation."""
    membership = (
        ctx.db.query("memberships")
        .with_index("by_org_user", lambda q: q.eq("orgId", org_id).eq("userId", user_id))
        .unique()
    )
    if membership is None:
        raise ArgumentError(
            f"{field}: this user is not a member of the organisation", {"path": field}
        )


def refresh_pipeline(ctx: MutationCtx, requirement_id: str | None) -> None:
    """Recompute the requirement's pipeline stage after its tasks changed (no-op for None)."""
    if requirement_id is not None:
        refresh_requirement_stage(ctx, requirement_id)


def column_last_rank(ctx: QueryCtx, org_id: str, program_id: str, status: str) -> str | None:
    """The rank of the last card of a status column, or None for an empty column."""
    last = (
        ctx.db.query("tasks")
        .with_index(
            "by_column",
            lambda q: q.eq("orgId", org_id).eq("programId", program_id).eq("status", status),
        )
        .order("desc")
        .first()
    )
    return None if last is None else str(last["rank"])


def ranks_at_end(ctx: QueryCtx, org_id: str, program_id: str, status: str, n: int) -> list[str]:
    """`n` increasing ranks after the last card of a column."""
    last = column_last_rank(ctx, org_id, program_id, status)
    keys: list[str] = generate_n_keys_between(last, None, n)
    return keys


# --- checks --------------------------------------------------------------------------------------


def check_task_fields(
    ctx: QueryCtx, program: dict[str, Any], fields: Mapping[str, Any], task_id: str | None = None
) -> None:
    """Validate task fields; every reference must stay inside `program`."""
    check_text("title", fields.get("title"), TITLE_MAX, required="title" in fields)
    check_text("description", fields.get("description"), TEXT_MAX)
    for i, criterion in enumerate(fields.get("acceptanceCriteria") or ()):
        check_text(f"acceptanceCriteria[{i}]", criterion, CRITERION_MAX, required=True)
    points = fields.get("storyPoints")
    if points is not None and not 0 <= points <= POINTS_MAX:
        raise ArgumentError(
            f"storyPoints must be between 0 and {POINTS_MAX}", {"path": "storyPoints"}
        )
    if fields.get("assigneeId") is not None:
        check_org_user(ctx, program["orgId"], fields["assigneeId"], "assigneeId")
    for field, table in REFERENCES.items():
        if fields.get(field) is not None:
            get_in_program(ctx, table, fields[field], program, field)
    if fields.get("sprintId") is not None:
        check_sprint_open(ctx, fields["sprintId"], "sprintId")
    if fields.get("blockedBy") is not None:
        check_blockers(ctx, program, fields["blockedBy"], task_id)


def check_sprint_open(ctx: QueryCtx, sprint_id: str, field: str) -> dict[str, Any]:
    """The sprint, unless it is completed or cancelled (tasks are then not added to it)."""
    sprint = ctx.db.get(sprint_id)
    if sprint is None or sprint["status"] not in ("planning", "active"):
        status = None if sprint is None else sprint["status"]
        raise ArgumentError(
            f"{field}: the sprint is {status}; tasks join only open sprints", {"path": field}
        )
    return sprint


def check_blockers(
    ctx: QueryCtx, program: dict[str, Any], blockers: Sequence[str], task_id: str | None
) -> None:
    """Blockers are distinct tasks of the program, never the task itself, and make no cycle."""
    if len(set(blockers)) != len(blockers):
        raise ArgumentError("blockedBy lists a task twice", {"path": "blockedBy"})
    for blocker in blockers:
        if blocker == task_id:
            raise ArgumentError("blockedBy: a task cannot block itself", {"path": "blockedBy"})
        get_in_program(ctx, "tasks", blocker, program, "blockedBy")
    if task_id is None:
        return  # a task being created has no dependants yet, so it cannot close a cycle
    seen: set[str] = set()
    stack = [*blockers]
    while stack:
        current = stack.pop()
        if current == task_id:
            raise ArgumentError(
                "blockedBy: this would make a cycle (the task already blocks one of these)",
                {"path": "blockedBy"},
            )
        if current in seen:
            continue
        seen.add(current)
        if len(seen) > CYCLE_SEARCH_MAX:
            raise ArgumentError(
                "blockedBy: the dependency chain is too long to check", {"path": "blockedBy"}
            )
        doc = ctx.db.get(current)
        stack.extend(doc.get("blockedBy", ()) if doc is not None else ())


def check_sprint_workstream(ctx: QueryCtx, task: Mapping[str, Any]) -> None:
    """A task in a sprint belongs to the sprint's workstream (when it names one)."""
    if task.get("sprintId") is None or task.get("workstreamId") is None:
        return
    sprint = ctx.db.get(task["sprintId"])
    if sprint is not None and sprint["workstreamId"] != task["workstreamId"]:
        raise ArgumentError(
            "sprintId: the sprint belongs to another workstream than the task", {"path": "sprintId"}
        )


def check_neighbour(
    ctx: QueryCtx, program: dict[str, Any], neighbour_id: str, status: str, task_id: str, field: str
) -> dict[str, Any]:
    """The card a task is dropped next to: another task of the program, in the target column."""
    neighbour = get_in_program(ctx, "tasks", neighbour_id, program, field)
    if neighbour_id == task_id:
        raise ArgumentError(f"{field}: a task cannot be dropped next to itself", {"path": field})
    if neighbour["status"] != status:
        raise ArgumentError(
            f"{field}: that task is in {neighbour['status']!r}, not in {status!r}", {"path": field}
        )
    return neighbour


def drop_rank(
    ctx: QueryCtx,
    program: dict[str, Any],
    task_id: str,
    status: str,
    after_id: str | None,
    before_id: str | None,
) -> str:
    """The rank that puts the task right after `after_id`, else right before `before_id`, else last.

    The neighbour on the other side is read here, not taken from the client, so two cards dropped
    into the same gap at once conflict, and the retried move lands between them.
    """
    org_id, program_id = program["orgId"], program["_id"]

    def column(q: Any) -> Any:
        return q.eq("orgId", org_id).eq("programId", program_id).eq("status", status)

    others = ctx.db.query("tasks")
    if after_id is not None:
        low = check_neighbour(ctx, program, after_id, status, task_id, "afterTaskId")["rank"]
        high = (
            others.with_index("by_column", lambda q: column(q).gt("rank", low))
            .filter(lambda d: d["_id"] != task_id)
            .first()
        )
        return str(generate_key_between(low, None if high is None else high["rank"]))
    if before_id is not None:
        high = check_neighbour(ctx, program, before_id, status, task_id, "beforeTaskId")["rank"]
        low_doc = (
            others.with_index("by_column", lambda q: column(q).lt("rank", high))
            .order("desc")
            .filter(lambda d: d["_id"] != task_id)
            .first()
        )
        return str(generate_key_between(None if low_doc is None else low_doc["rank"], high))
    last = (
        others.with_index("by_column", column)
        .order("desc")
        .filter(lambda d: d["_id"] != task_id)
        .first()
    )
    return str(generate_key_between(None if last is None else last["rank"], None))


# --- writes --------------------------------------------------------------------------------------


def do_create_task(
    ctx: MutationCtx,
    member: Member,
    program: dict[str, Any],
    fields: Mapping[str, Any],
    rank: str | None = None,
) -> str:
    """Insert a checked task at the end of its column (or at `rank`), counted and audited."""
    doc: dict[str, Any] = {
        "orgId": program["orgId"],
        "programId": program["_id"],
        "priority": "medium",
        "status": "backlog",
        **{k: val for k, val in fields.items() if val is not None},
    }
    if rank is None:
        rank = ranks_at_end(ctx, program["orgId"], program["_id"], doc["status"], 1)[0]
    doc["rank"] = rank
    task_id = ctx.db.insert("tasks", doc)
    adjust(ctx, program["orgId"], program["_id"], status_move("tasks", None, doc["status"]))
    record_audit(
        ctx,
        member,
        program_id=program["_id"],
        entity_type="task",
        entity_id=task_id,
        action="create",
        description=f"Created task {doc['title']}",
        after=doc,
    )
    refresh_pipeline(ctx, doc.get("requirementId"))
    return task_id


def do_move_task(
    ctx: MutationCtx, member: Member, task: dict[str, Any], status: str, rank: str
) -> None:
    """Put a task in `status` at `rank` (the move already checked against TASK_MOVES)."""
    ctx.db.patch(task["_id"], {"status": status, "rank": rank})
    before = {"status": task["status"], "rank": task["rank"]}
    after = {"status": status, "rank": rank}
    if status == task["status"]:
        reordered = f"Reordered task {task['title']}"
        audit_entity(ctx, member, "task", task, "update", reordered, before, after)
        return
    adjust(ctx, task["orgId"], task["programId"], status_move("tasks", task["status"], status))
    moved = f"Task {task['title']}: {task['status']} → {status}"
    audit_entity(ctx, member, "task", task, "status_change", moved, before, after)
    text = f"{member.user_name} moved task {task['title']}: {task['status']} → {status}"
    record_activity(ctx, member, task["programId"], "task_status", text, "task", task["_id"])
    refresh_pipeline(ctx, task.get("requirementId"))


def do_update_task(
    ctx: MutationCtx,
    member: Member,
    task: dict[str, Any],
    changes: Mapping[str, Any],
    clear: Sequence[str] = (),
) -> None:
    """Write checked field changes (and removals), audited; refreshes both requirements' stage."""
    patch = {**changes, **{name: None for name in clear}}
    if not patch:
        return
    ctx.db.patch(task["_id"], patch)
    after = {**task, **changes}
    for name in clear:
        after.pop(name, None)
    audit_entity(
        ctx,
        member,
        "task",
        task,
        "update",
        f"Updated task {after['title']}",
        before=task,
        after=after,
    )
    if task.get("requirementId") != after.get("requirementId"):
        refresh_pipeline(ctx, task.get("requirementId"))
        refresh_pipeline(ctx, after.get("requirementId"))
    elif task.get("sprintId") != after.get("sprintId"):  # sprint membership moves the stage too
        refresh_pipeline(ctx, after.get("requirementId"))


def do_delete_task(ctx: MutationCtx, member: Member, task: dict[str, Any]) -> None:
    """Delete a task and its subtasks. Other tasks' `blockedBy` may still name it; reads skip it."""
    subtasks = (
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
    for subtask in subtasks:
        ctx.db.delete(subtask["_id"])
    ctx.db.delete(task["_id"])
    adjust(ctx, task["orgId"], task["programId"], status_move("tasks", task["status"], None))
    audit_entity(
        ctx,
        member,
        "task",
        task,
        "delete",
        f"Deleted task {task['title']} and {len(subtasks)} subtasks",
        before=task,
    )
    refresh_pipeline(ctx, task.get("requirementId"))


def task_for_member(
    ctx: QueryCtx, task_id: str, *, write: bool = False
) -> tuple[Member, dict[str, Any], dict[str, Any]]:
    """The caller, a task they may see (or change), and its program."""
    member, task = get_for_member(ctx, "tasks", task_id, write=write)
    program = ctx.db.get(task["programId"])
    if program is None:  # pragma: no cover - a task never outlives its program's access check
        raise ArgumentError("taskId: the task's program is gone", {"path": "taskId"})
    return member, task, program


# --- public mutations ----------------------------------------------------------------------------


@mutation(
    args={
        "programId": v.id("programs"),
        **EDITABLE,
        "title": v.string(),
        "status": v.optional(v.literal(*STATUSES)),
    }
)
def create(ctx: MutationCtx, programId: str, **fields: Any) -> str:
    """Create a task at the end of its column (backlog unless `status` says otherwise)."""
    member, program = get_program_for_member(ctx, programId, write=True)
    check_task_fields(ctx, program, fields)
    check_sprint_workstream(ctx, fields)
    task_id = do_create_task(ctx, member, program, fields)
    text = f"{member.user_name} created task {fields['title']}"
    record_activity(ctx, member, programId, "task_created", text, "task", task_id)
    return task_id


@mutation(
    args={"taskId": v.id("tasks"), **EDITABLE, "clear": v.optional(v.array(v.literal(*CLEARABLE)))}
)
def update(ctx: MutationCtx, taskId: str, clear: list[str] | None = None, **fields: Any) -> None:
    """Change a task's fields; names in `clear` are removed (e.g. unassign, leave the sprint)."""
    member, task, program = task_for_member(ctx, taskId, write=True)
    changes = {k: val for k, val in fields.items() if val is not None}
    for name in clear or ():
        if name in changes:
            raise ArgumentError(f"{name} is both set and cleared", {"path": name})
    check_task_fields(ctx, program, changes, taskId)
    after = {k: val for k, val in {**task, **changes}.items() if k not in (clear or ())}
    check_sprint_workstream(ctx, after)
    do_update_task(ctx, member, task, changes, clear or ())


@mutation(args={"taskId": v.id("tasks"), "status": v.literal(*STATUSES)})
def set_status(ctx: MutationCtx, taskId: str, status: str) -> None:
    """Move a task to another status, at the end of that column (allowed moves: TASK_MOVES)."""
    member, task, program = task_for_member(ctx, taskId, write=True)
    check_move(TASK_MOVES, task["status"], status)
    do_move_task(ctx, member, task, status, drop_rank(ctx, program, taskId, status, None, None))


@mutation(
    args={
        "taskId": v.id("tasks"),
        "status": v.literal(*STATUSES),
        "afterTaskId": v.optional(v.id("tasks")),
        "beforeTaskId": v.optional(v.id("tasks")),
    }
)
def move(
    ctx: MutationCtx,
    taskId: str,
    status: str,
    afterTaskId: str | None = None,
    beforeTaskId: str | None = None,
) -> str:
    """Drag and drop: put the task in `status` right below `afterTaskId` (the card above it),
    else right above `beforeTaskId`, else at the bottom. Returns the task's new rank."""
    member, task, program = task_for_member(ctx, taskId, write=True)
    if status != task["status"]:
        check_move(TASK_MOVES, task["status"], status)
    rank = drop_rank(ctx, program, taskId, status, afterTaskId, beforeTaskId)
    do_move_task(ctx, member, task, status, rank)
    return rank


@mutation(args={"taskId": v.id("tasks")})
def remove(ctx: MutationCtx, taskId: str) -> None:
    """Delete a task with its subtasks."""
    member, task, _ = task_for_member(ctx, taskId, write=True)
    do_delete_task(ctx, member, task)


@mutation(
    args={
        "programId": v.id("programs"),
        "requirementIds": v.array(v.id("requirements"), max_length=BULK_MAX),
    }
)
def create_from_requirements(ctx: MutationCtx, programId: str, requirementIds: list[str]) -> Any:
    """One backlog task per requirement (title, description, workstream and priority from it),
    all created or none. Returns the new task ids in the order of `requirementIds`."""
    member, program = get_program_for_member(ctx, programId, write=True)
    if not requirementIds:
        raise ArgumentError("requirementIds must not be empty", {"path": "requirementIds"})
    if len(set(requirementIds)) != len(requirementIds):
        raise ArgumentError("requirementIds lists a requirement twice", {"path": "requirementIds"})
    requirements = [
        get_in_program(ctx, "requirements", rid, program, f"requirementIds[{i}]")
        for i, rid in enumerate(requirementIds)
    ]
    ranks = ranks_at_end(ctx, program["orgId"], programId, "backlog", len(requirements))
    created = []
    for requirement, rank in zip(requirements, ranks, strict=True):
        fields = {
            "title": requirement["title"][:TITLE_MAX],
            "description": (requirement.get("description") or "")[:TEXT_MAX] or None,
            "workstreamId": requirement.get("workstreamId"),
            "requirementId": requirement["_id"],
            "priority": FROM_REQUIREMENT_PRIORITY.get(requirement.get("priority", ""), "medium"),
        }
        created.append(do_create_task(ctx, member, program, fields, rank))
    return created


@query(args={"taskId": v.id("tasks")})
def get(ctx: QueryCtx, taskId: str) -> Any:
    """One task, with its blockers' titles and statuses and whether any is still open, and the
    names of what it references (`assigneeName`, `workstream`, `sprint`, `requirement`)."""
    _, task, _ = task_for_member(ctx, taskId)
    blockers = []
    for blocker_id in task.get("blockedBy", ()):
        blocker = ctx.db.get(blocker_id)
        if blocker is not None:  # a deleted blocker no longer blocks
            blockers.append(
                {"_id": blocker_id, "title": blocker["title"], "status": blocker["status"]}
            )
    return {
        **task,
        **related(ctx, task),
        "blockers": blockers,
        "isBlocked": any(b["status"] != "done" for b in blockers),
    }


def related(ctx: QueryCtx, task: Mapping[str, Any]) -> dict[str, Any]:
    """What a task's references name, for people: the assignee's name and brief workstream,
    sprint and requirement rows (each left out when unset or gone)."""
    out: dict[str, Any] = {}
    assignee = ctx.db.get(task["assigneeId"]) if task.get("assigneeId") else None
    if assignee is not None:
        out["assigneeName"] = assignee.get("name") or assignee.get("email") or ""
    briefs = {
        "workstream": ("workstreamId", ("name", "shortCode")),
        "sprint": ("sprintId", ("name", "status")),
        "requirement": ("requirementId", ("refId", "title")),
    }
    for key, (field, names) in briefs.items():
        doc = ctx.db.get(task[field]) if task.get(field) else None
        if doc is not None:
            out[key] = {"_id": doc["_id"], **{name: doc.get(name) for name in names}}
    return out
