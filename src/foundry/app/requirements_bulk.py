"""Bulk changes to requirements: status, priority, workstream and deletion of up to 500 at once.

Each call is one mutation: every id is checked (same program, allowed move) before anything
is written, every changed requirement gets its own audit row, and the counters are adjusted
once. A bad id or move anywhere in the selection fails the whole call, naming its position.
"""

from __future__ import annotations

from typing import Any

from foundry.app.activity import record_activity
from foundry.app.model.access import Member, get_in_program, get_program_for_member
from foundry.app.model.stats import adjust
from foundry.app.requirements import (
    PRIORITIES,
    STATUSES,
    check_transition,
    do_delete,
    do_update,
    merge,
)
from foundry.engine.context import MutationCtx
from foundry.engine.functions import mutation
from foundry.engine.values import v

MAX_IDS = 500
IDS = v.array(v.id("requirements"), max_length=MAX_IDS)


def selection(
    ctx: MutationCtx, programId: str, ids: list[str]
) -> tuple[Member, dict[str, Any], list[dict[str, Any]]]:
    """The writer, the program and the selected requirements (each checked to be in it, once)."""
    member, program = get_program_for_member(ctx, programId, write=True)
    picked: dict[str, dict[str, Any]] = {}
    for i, req_id in enumerate(ids):
        if req_id not in picked:
            picked[req_id] = get_in_program(
                ctx, "requirements", req_id, program, f"requirementIds[{i}]"
            )
    return member, program, [*picked.values()]


def apply(
    ctx: MutationCtx,
    member: Member,
    program: dict[str, Any],
    reqs: list[dict[str, Any]],
    changes: dict[str, Any],
    action: str = "update",
) -> dict[str, int]:
    """Apply the same changes to each requirement that differs; adjust counters once."""
    deltas: dict[str, int] = {}
    changed = 0
    for req in reqs:
        if any(req.get(k) != val for k, val in changes.items()):
            merge(deltas, do_update(ctx, member, req, changes, action))
            changed += 1
    adjust(ctx, program["orgId"], program["_id"], deltas)
    return {"selected": len(reqs), "changed": changed}


@mutation(
    args={"programId": v.id("programs"), "requirementIds": IDS, "status": v.literal(*STATUSES)}
)
def set_status(ctx: MutationCtx, programId: str, requirementIds: list[str], status: str) -> Any:
    """Move every selected requirement to `status` (those already there are left alone)."""
    member, program, reqs = selection(ctx, programId, requirementIds)
    position = {req_id: i for i, req_id in reversed([*enumerate(requirementIds)])}
    for req in reqs:
        if req["status"] != status:
            check_transition(req["status"], status, f"requirementIds[{position[req['_id']]}]")
    result = apply(ctx, member, program, reqs, {"status": status}, "status_change")
    if result["changed"]:  # one line for the whole selection, not one per requirement
        text = f"{member.user_name} moved {result['changed']} requirements to {status}"
        record_activity(ctx, member, programId, "requirements_status", text)
    return result


@mutation(
    args={"programId": v.id("programs"), "requirementIds": IDS, "priority": v.literal(*PRIORITIES)}
)
def set_priority(ctx: MutationCtx, programId: str, requirementIds: list[str], priority: str) -> Any:
    """Give every selected requirement the same MoSCoW priority."""
    member, program, reqs = selection(ctx, programId, requirementIds)
    return apply(ctx, member, program, reqs, {"priority": priority})


@mutation(
    args={
        "programId": v.id("programs"),
        "requirementIds": IDS,
        "workstreamId": v.optional(v.id("workstreams")),
    }
)
def set_workstream(
    ctx: MutationCtx, programId: str, requirementIds: list[str], workstreamId: str | None = None
) -> Any:
    """Assign every selected requirement to a workstream of the program (none: unassign)."""
    member, program, reqs = selection(ctx, programId, requirementIds)
    if workstreamId is not None:
        get_in_program(ctx, "workstreams", workstreamId, program, "workstreamId")
    return apply(ctx, member, program, reqs, {"workstreamId": workstreamId})


@mutation(args={"programId": v.id("programs"), "requirementIds": IDS})
def remove(ctx: MutationCtx, programId: str, requirementIds: list[str]) -> Any:
    """Delete every selected requirement; none is deleted if any of them still has tasks."""
    member, program, reqs = selection(ctx, programId, requirementIds)
    deltas: dict[str, int] = {}
    for req in reqs:
        # Re-read: deleting an earlier one may have removed it from this one's dependencies.
        current = ctx.db.get(req["_id"])
        if current is not None:
            merge(deltas, do_delete(ctx, member, current))
    adjust(ctx, program["orgId"], programId, deltas)
    return {"selected": len(reqs), "changed": len(reqs)}
