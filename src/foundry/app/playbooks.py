"""Playbooks: reusable, ordered delivery recipes, and their instances.

A playbook is edited as a list of steps (draft or published; archived ones are frozen).
Instantiating a published playbook creates a `playbookInstances` row and one backlog task per
step in the same mutation, so either all the tasks exist or none do. Counters
`playbookInstances.<status>` follow instance creation and status changes.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from foundry.app.model.access import Member, get_for_member, get_in_program, get_program_for_member
from foundry.app.model.audit import Action, audit_entity
from foundry.app.model.stats import adjust, status_move
from foundry.app.programs import check_text
from foundry.app.tasks import TEXT_MAX, TITLE_MAX, check_move, do_create_task, ranks_at_end
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

PLATFORMS = (
    "salesforce_b2b",
    "bigcommerce_b2b",
    "sitecore",
    "wordpress",
    "none",
    "platform_agnostic",
)
STATUSES = ("draft", "published", "archived")
PLAYBOOK_MOVES: dict[str, frozenset[str]] = {
    "draft": frozenset({"published", "archived"}),
    "published": frozenset({"draft", "archived"}),
    "archived": frozenset({"draft"}),
}
INSTANCE_STATUSES = ("active", "completed", "cancelled")
INSTANCE_MOVES: dict[str, frozenset[str]] = {
    "active": frozenset({"completed", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
NAME_MAX = 200
STEPS_MAX = 100
HOURS_MAX = 10_000
PAGE_MAX = 200

STEP = v.object(
    {
        "title": v.string(),
        "description": v.optional(v.string()),
        "workstreamId": v.optional(v.id("workstreams")),
        "estimatedHours": v.optional(v.number()),
    }
)

TABLES = {
    "playbooks": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "name": v.string(),
            "description": v.optional(v.string()),
            "targetPlatform": v.literal(*PLATFORMS),
            "steps": v.array(STEP, max_length=STEPS_MAX),
            "status": v.literal(*STATUSES),
        }
    )
    # Used by the playbook list, filtered by status.
    .index("by_program", ["orgId", "programId", "status"]),
    "playbookInstances": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "playbookId": v.id("playbooks"),
            "name": v.string(),
            "status": v.literal(*INSTANCE_STATUSES),
            "generatedTaskIds": v.array(v.id("tasks"), max_length=STEPS_MAX),
            "startedAt": v.number(),
            "completedAt": v.optional(v.number()),
        }
    )
    # Used by a playbook's instances (and to refuse deleting a playbook that has some).
    .index("by_playbook", ["orgId", "programId", "playbookId"])
    # Used by the program's instance list, filtered by status.
    .index("by_program", ["orgId", "programId", "status"]),
}


def check_step(ctx: QueryCtx, program: dict[str, Any], step: Mapping[str, Any], at: str) -> None:
    """Validate one step; `at` names it in errors (e.g. "steps[2]")."""
    check_text(f"{at}.title", step.get("title"), TITLE_MAX, required="title" in step)
    check_text(f"{at}.description", step.get("description"), TEXT_MAX)
    hours = step.get("estimatedHours")
    if hours is not None and not 0 <= hours <= HOURS_MAX:
        raise ArgumentError(
            f"{at}.estimatedHours must be between 0 and {HOURS_MAX}",
            {"path": f"{at}.estimatedHours"},
        )
    if step.get("workstreamId") is not None:
        get_in_program(ctx, "workstreams", step["workstreamId"], program, f"{at}.workstreamId")


def _audit(
    ctx: MutationCtx,
    member: Member,
    doc: Mapping[str, Any],
    kind: str,
    action: Action,
    description: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    audit_entity(ctx, member, kind, doc, action, description, before, after)


def playbook_for_edit(
    ctx: MutationCtx, playbook_id: str
) -> tuple[Member, dict[str, Any], dict[str, Any]]:
    """The caller, a playbook they may edit (not archived), and its program."""
    member, playbook = get_for_member(ctx, "playbooks", playbook_id, write=True)
    if playbook["status"] == "archived":
        raise ArgumentError(
            "playbookId: the playbook is archived; move it back to draft to edit it",
            {"path": "playbookId"},
        )
    _, program = get_program_for_member(ctx, playbook["programId"])
    return member, playbook, program


def step_index(playbook: Mapping[str, Any], index: float, field: str = "index") -> int:
    """`index` as a position among the playbook's steps, or an ArgumentError naming `field`."""
    if index != int(index) or not 0 <= index < len(playbook["steps"]):
        raise ArgumentError(
            f"{field} must be a step position from 0 to {len(playbook['steps']) - 1}",
            {"path": field},
        )
    return int(index)


def do_set_steps(
    ctx: MutationCtx,
    member: Member,
    playbook: dict[str, Any],
    steps: builtins.list[dict[str, Any]],
    description: str,
) -> None:
    """Replace the playbook's steps (already checked), audited."""
    ctx.db.patch(playbook["_id"], {"steps": steps})
    after = {**playbook, "steps": steps}
    _audit(ctx, member, playbook, "playbook", "update", description, playbook, after)


@mutation(
    args={
        "programId": v.id("programs"),
        "name": v.string(),
        "description": v.optional(v.string()),
        "targetPlatform": v.literal(*PLATFORMS),
        "steps": v.optional(v.array(STEP, max_length=STEPS_MAX)),
    }
)
def create(ctx: MutationCtx, programId: str, **fields: Any) -> str:
    """Create a draft playbook (steps may be added now or later)."""
    member, program = get_program_for_member(ctx, programId, write=True)
    fields = {k: val for k, val in fields.items() if val is not None}
    check_text("name", fields["name"], NAME_MAX, required=True)
    check_text("description", fields.get("description"), TEXT_MAX)
    for i, step in enumerate(fields.get("steps", ())):
        check_step(ctx, program, step, f"steps[{i}]")
    doc = {
        "orgId": program["orgId"],
        "programId": programId,
        "steps": [],
        **fields,
        "status": "draft",
    }
    playbook_id = ctx.db.insert("playbooks", doc)
    _audit(
        ctx,
        member,
        {**doc, "_id": playbook_id},
        "playbook",
        "create",
        f"Created playbook {doc['name']}",
        after=doc,
    )
    return playbook_id


@mutation(
    args={
        "playbookId": v.id("playbooks"),
        "name": v.optional(v.string()),
        "description": v.optional(v.string()),
        "targetPlatform": v.optional(v.literal(*PLATFORMS)),
    }
)
def update(ctx: MutationCtx, playbookId: str, **fields: Any) -> None:
    """Rename a playbook or change its description or platform."""
    member, playbook, _ = playbook_for_edit(ctx, playbookId)
    changes = {k: val for k, val in fields.items() if val is not None}
    check_text("name", changes.get("name"), NAME_MAX, required="name" in changes)
    check_text("description", changes.get("description"), TEXT_MAX)
    ctx.db.patch(playbookId, changes)
    after = {**playbook, **changes}
    _audit(
        ctx,
        member,
        playbook,
        "playbook",
        "update",
        f"Updated playbook {after['name']}",
        playbook,
        after,
    )


@mutation(args={"playbookId": v.id("playbooks"), "step": STEP, "position": v.optional(v.number())})
def add_step(
    ctx: MutationCtx, playbookId: str, step: dict[str, Any], position: float | None = None
) -> None:
    """Insert a step at `position` (default: last)."""
    member, playbook, program = playbook_for_edit(ctx, playbookId)
    check_step(ctx, program, step, "step")
    steps = [*playbook["steps"]]
    if len(steps) >= STEPS_MAX:
        raise ArgumentError(f"step: a playbook has at most {STEPS_MAX} steps", {"path": "step"})
    at = len(steps) if position is None else int(position)
    if position is not None and (position != at or not 0 <= at <= len(steps)):
        raise ArgumentError(f"position must be from 0 to {len(steps)}", {"path": "position"})
    steps.insert(at, step)
    do_set_steps(ctx, member, playbook, steps, f"Added step {step['title']}")


@mutation(
    args={
        "playbookId": v.id("playbooks"),
        "index": v.number(),
        "title": v.optional(v.string()),
        "description": v.optional(v.string()),
        "workstreamId": v.optional(v.id("workstreams")),
        "estimatedHours": v.optional(v.number()),
    }
)
def update_step(ctx: MutationCtx, playbookId: str, index: float, **fields: Any) -> None:
    """Change one step's fields."""
    member, playbook, program = playbook_for_edit(ctx, playbookId)
    i = step_index(playbook, index)
    changes = {k: val for k, val in fields.items() if val is not None}
    check_step(ctx, program, changes, f"steps[{i}]")
    steps = [{**s, **changes} if n == i else s for n, s in enumerate(playbook["steps"])]
    do_set_steps(ctx, member, playbook, steps, f"Updated step {steps[i]['title']}")


@mutation(args={"playbookId": v.id("playbooks"), "index": v.number()})
def remove_step(ctx: MutationCtx, playbookId: str, index: float) -> None:
    """Remove the step at `index`."""
    member, playbook, _ = playbook_for_edit(ctx, playbookId)
    i = step_index(playbook, index)
    steps = [s for n, s in enumerate(playbook["steps"]) if n != i]
    do_set_steps(ctx, member, playbook, steps, f"Removed step {playbook['steps'][i]['title']}")


@mutation(args={"playbookId": v.id("playbooks"), "order": v.array(v.number())})
def reorder_steps(ctx: MutationCtx, playbookId: str, order: builtins.list[float]) -> None:
    """Reorder steps: `order` lists every current step position once, in the new order."""
    member, playbook, _ = playbook_for_edit(ctx, playbookId)
    if sorted(order) != [*range(len(playbook["steps"]))]:
        raise ArgumentError(
            f"order must list each step position from 0 to {len(playbook['steps']) - 1} once",
            {"path": "order"},
        )
    steps = [playbook["steps"][int(i)] for i in order]
    do_set_steps(ctx, member, playbook, steps, "Reordered steps")


@mutation(args={"playbookId": v.id("playbooks"), "status": v.literal(*STATUSES)})
def set_status(ctx: MutationCtx, playbookId: str, status: str) -> None:
    """Publish, archive or return a playbook to draft (allowed moves: PLAYBOOK_MOVES)."""
    member, playbook = get_for_member(ctx, "playbooks", playbookId, write=True)
    check_move(PLAYBOOK_MOVES, playbook["status"], status)
    if status == "published" and not playbook["steps"]:
        raise ArgumentError("status: a playbook needs a step to be published", {"path": "status"})
    ctx.db.patch(playbookId, {"status": status})
    _audit(
        ctx,
        member,
        playbook,
        "playbook",
        "status_change",
        f"Playbook {playbook['name']}: {playbook['status']} → {status}",
        {"status": playbook["status"]},
        {"status": status},
    )


def instances_of(ctx: QueryCtx, playbook: Mapping[str, Any]) -> Any:
    """A query over the playbook's instances."""
    return ctx.db.query("playbookInstances").with_index(
        "by_playbook",
        lambda q: (
            q.eq("orgId", playbook["orgId"])
            .eq("programId", playbook["programId"])
            .eq("playbookId", playbook["_id"])
        ),
    )


@mutation(args={"playbookId": v.id("playbooks")})
def remove(ctx: MutationCtx, playbookId: str) -> None:
    """Delete a playbook that was never instantiated (archive it otherwise)."""
    member, playbook = get_for_member(ctx, "playbooks", playbookId, write=True)
    if instances_of(ctx, playbook).first() is not None:
        raise ArgumentError(
            "playbookId: the playbook has instances; archive it instead", {"path": "playbookId"}
        )
    ctx.db.delete(playbookId)
    _audit(
        ctx,
        member,
        playbook,
        "playbook",
        "delete",
        f"Deleted playbook {playbook['name']}",
        playbook,
    )


@mutation(args={"playbookId": v.id("playbooks"), "name": v.string()})
def instantiate(ctx: MutationCtx, playbookId: str, name: str) -> str:
    """Start a published playbook: an instance plus one backlog task per step, all at once."""
    member, playbook = get_for_member(ctx, "playbooks", playbookId, write=True)
    _, program = get_program_for_member(ctx, playbook["programId"])
    check_text("name", name, NAME_MAX, required=True)
    if playbook["status"] != "published":
        raise ArgumentError(
            f"playbookId: the playbook is {playbook['status']}; publish it first",
            {"path": "playbookId"},
        )
    steps = playbook["steps"]
    ranks = ranks_at_end(ctx, program["orgId"], program["_id"], "backlog", len(steps))
    task_ids = []
    for i, (step, rank) in enumerate(zip(steps, ranks, strict=True)):
        # A step's workstream may have been deleted since; failing here undoes the earlier tasks.
        check_step(ctx, program, step, f"steps[{i}]")
        fields = {
            "title": step["title"],
            "description": step.get("description"),
            "workstreamId": step.get("workstreamId"),
        }
        task_ids.append(do_create_task(ctx, member, program, fields, rank))
    doc = {
        "orgId": program["orgId"],
        "programId": program["_id"],
        "playbookId": playbookId,
        "name": name,
        "status": "active",
        "generatedTaskIds": task_ids,
        "startedAt": ctx.now_ms,
    }
    instance_id = ctx.db.insert("playbookInstances", doc)
    adjust(ctx, program["orgId"], program["_id"], status_move("playbookInstances", None, "active"))
    _audit(
        ctx,
        member,
        {**doc, "_id": instance_id},
        "playbookInstance",
        "create",
        f"Started {name} from playbook {playbook['name']} ({len(task_ids)} tasks)",
        after=doc,
    )
    return instance_id


def _finish(ctx: MutationCtx, instance_id: str, status: str) -> None:
    member, instance = get_for_member(ctx, "playbookInstances", instance_id, write=True)
    check_move(INSTANCE_MOVES, instance["status"], status)
    ctx.db.patch(instance_id, {"status": status, "completedAt": ctx.now_ms})
    moved = status_move("playbookInstances", instance["status"], status)
    adjust(ctx, instance["orgId"], instance["programId"], moved)
    _audit(
        ctx,
        member,
        instance,
        "playbookInstance",
        "status_change",
        f"{instance['name']}: {instance['status']} → {status}",
        {"status": instance["status"]},
        {"status": status},
    )


@mutation(args={"instanceId": v.id("playbookInstances")})
def complete_instance(ctx: MutationCtx, instanceId: str) -> None:
    """Mark an active instance completed (its tasks are left as they are)."""
    _finish(ctx, instanceId, "completed")


@mutation(args={"instanceId": v.id("playbookInstances")})
def cancel_instance(ctx: MutationCtx, instanceId: str) -> None:
    """Cancel an active instance (its tasks are left as they are)."""
    _finish(ctx, instanceId, "cancelled")


PAGE = {"cursor": v.optional(v.string()), "numItems": v.number()}


@query(args={"programId": v.id("programs"), "status": v.optional(v.literal(*STATUSES)), **PAGE})
def list(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    status: str | None = None,
    cursor: str | None = None,
) -> Any:
    """A page of the program's playbooks, newest first, optionally of one status."""
    _, program = get_program_for_member(ctx, programId)

    def by_status(q: Any) -> Any:
        q = q.eq("orgId", program["orgId"]).eq("programId", programId)
        return q if status is None else q.eq("status", status)

    return (
        ctx.db.query("playbooks")
        .with_index("by_program", by_status)
        .order("desc")
        .paginate(cursor, max(1, min(int(numItems), PAGE_MAX)))
    )


@query(args={"playbookId": v.id("playbooks")})
def get(ctx: QueryCtx, playbookId: str) -> Any:
    """One playbook with its steps."""
    _, playbook = get_for_member(ctx, "playbooks", playbookId)
    return playbook


@query(
    args={
        "programId": v.id("programs"),
        "playbookId": v.optional(v.id("playbooks")),
        "status": v.optional(v.literal(*INSTANCE_STATUSES)),
        **PAGE,
    }
)
def list_instances(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    playbookId: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
) -> Any:
    """A page of the program's playbook instances (of one playbook and/or status), newest first."""
    _, program = get_program_for_member(ctx, programId)
    if playbookId is not None:
        playbook = get_in_program(ctx, "playbooks", playbookId, program, "playbookId")
        instances = instances_of(ctx, playbook)
        if status is not None:
            instances = instances.filter(lambda d: d["status"] == status)
    else:

        def by_status(q: Any) -> Any:
            q = q.eq("orgId", program["orgId"]).eq("programId", programId)
            return q if status is None else q.eq("status", status)

        instances = ctx.db.query("playbookInstances").with_index("by_program", by_status)
    return instances.order("desc").paginate(cursor, max(1, min(int(numItems), PAGE_MAX)))


@query(args={"instanceId": v.id("playbookInstances")})
def get_instance(ctx: QueryCtx, instanceId: str) -> Any:
    """An instance with its tasks' titles and statuses, and how many are done."""
    _, instance = get_for_member(ctx, "playbookInstances", instanceId)
    return with_tasks(ctx, instance)


def with_tasks(ctx: QueryCtx, instance: Mapping[str, Any]) -> dict[str, Any]:
    """An instance with its tasks' titles and statuses, and how many are done."""
    tasks = []
    for task_id in instance["generatedTaskIds"]:
        task = ctx.db.get(task_id)
        if task is not None:  # a deleted task drops out of the instance's progress
            tasks.append({"_id": task_id, "title": task["title"], "status": task["status"]})
    done = sum(t["status"] == "done" for t in tasks)
    return {**instance, "tasks": tasks, "tasksDone": done, "tasksTotal": len(tasks)}


INSTANCES_WITH_TASKS_MAX = 20


@query(args={"playbookId": v.id("playbooks"), "numItems": v.number()})
def instances_with_tasks(ctx: QueryCtx, playbookId: str, numItems: float) -> Any:
    """The playbook's newest instances (at most 20), each with its tasks as `get_instance`."""
    _, playbook = get_for_member(ctx, "playbooks", playbookId)
    size = max(1, min(int(numItems), INSTANCES_WITH_TASKS_MAX))
    return [with_tasks(ctx, i) for i in instances_of(ctx, playbook).order("desc").take(size)]
