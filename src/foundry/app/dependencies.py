"""Workstream dependencies: one workstream blocks, enables or conflicts with another.

Dependencies are entered by hand (status `active`) or suggested by the AI (status `suggested`,
with a confidence) and then approved or dismissed (deleted). Both ends, and every linked
requirement, belong to the dependency's program. Allowed status moves are in STATUS_MOVES.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from foundry.app.model.access import Member, get_for_member, get_in_program, get_program_for_member
from foundry.app.model.audit import audit_entity
from foundry.app.model.stats import adjust, status_move
from foundry.app.programs import check_text
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

STATUSES = ("active", "resolved", "blocked", "suggested", "approved")
TYPES = ("blocks", "enables", "conflicts")
STATUS_MOVES = {
    "suggested": {"approved"},
    "approved": {"active", "resolved"},
    "active": {"blocked", "resolved"},
    "blocked": {"active", "resolved"},
    "resolved": {"active"},
}
TEXT_MAX = 5_000
MAX_REQUIREMENTS = 100
MAX_PER_WORKSTREAM = 200

TABLES = {
    "workstreamDependencies": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "sourceWorkstreamId": v.id("workstreams"),
            "targetWorkstreamId": v.id("workstreams"),
            "description": v.optional(v.string()),
            "status": v.literal(*STATUSES),
            "dependencyType": v.optional(v.literal(*TYPES)),
            "suggestedBy": v.optional(v.literal("manual", "ai")),
            "aiConfidence": v.optional(v.number()),
            "requirementIds": v.optional(v.array(v.id("requirements"))),
            "approvedBy": v.optional(v.id("users")),
            "approvedAt": v.optional(v.number()),
        }
    )
    # Used by list: a program's dependencies, optionally of one status (suggestions, blocked).
    .index("by_program", ["orgId", "programId", "status"])
    # Used by for_workstream and workstream deletion: dependencies leaving / entering a workstream.
    .index("by_source", ["orgId", "programId", "sourceWorkstreamId"])
    .index("by_target", ["orgId", "programId", "targetWorkstreamId"]),
}

DETAILS = {
    "description": v.optional(v.string()),
    "dependencyType": v.optional(v.literal(*TYPES)),
    "requirementIds": v.optional(v.array(v.id("requirements"), max_length=MAX_REQUIREMENTS)),
}
PAGE = {"cursor": v.optional(v.string()), "numItems": v.number()}


def check_details(ctx: QueryCtx, program: dict[str, Any], fields: dict[str, Any]) -> None:
    """Validate the description and the linked requirements (same program)."""
    check_text("description", fields.get("description"), TEXT_MAX)
    for i, req_id in enumerate(fields.get("requirementIds") or ()):
        get_in_program(ctx, "requirements", req_id, program, f"requirementIds[{i}]")


def between(
    ctx: QueryCtx, program: dict[str, Any], source: str, target: str
) -> builtins.list[dict[str, Any]]:
    """The dependencies from `source` to `target` (bounded by MAX_PER_WORKSTREAM)."""
    return (
        ctx.db.query("workstreamDependencies")
        .with_index(
            "by_source",
            lambda q: (
                q.eq("orgId", program["orgId"])
                .eq("programId", program["_id"])
                .eq("sourceWorkstreamId", source)
            ),
        )
        .filter(lambda d: d["targetWorkstreamId"] == target)
        .take(MAX_PER_WORKSTREAM)
    )


def touching(
    ctx: QueryCtx, ws: dict[str, Any]
) -> tuple[builtins.list[dict[str, Any]], builtins.list[dict[str, Any]]]:
    """The dependencies leaving and entering workstream `ws`."""

    def side(index: str, field: str) -> builtins.list[dict[str, Any]]:
        return (
            ctx.db.query("workstreamDependencies")
            .with_index(
                index,
                lambda q: (
                    q.eq("orgId", ws["orgId"]).eq("programId", ws["programId"]).eq(field, ws["_id"])
                ),
            )
            .take(MAX_PER_WORKSTREAM)
        )

    return side("by_source", "sourceWorkstreamId"), side("by_target", "targetWorkstreamId")


def audit(
    ctx: MutationCtx, member: Member, dep: dict[str, Any], action: Any, text: str, **change: Any
) -> None:
    """Record one audit row about dependency `dep`."""
    audit_entity(ctx, member, "workstreamDependency", dep, action, text, **change)


def do_delete(ctx: MutationCtx, member: Member, deps: Sequence[dict[str, Any]]) -> None:
    """Delete dependencies, uncount and audit them."""
    deltas: dict[str, int] = {}
    for dep in deps:
        ctx.db.delete(dep["_id"])
        for key, d in status_move("workstreamDependencies", dep["status"], None).items():
            deltas[key] = deltas.get(key, 0) + d
        audit(ctx, member, dep, "delete", "Deleted workstream dependency", before=dep)
    if deps:
        adjust(ctx, deps[0]["orgId"], deps[0]["programId"], deltas)


def delete_for_workstream(ctx: MutationCtx, member: Member, ws: dict[str, Any]) -> None:
    """Delete every dependency that starts or ends at workstream `ws` (it is being deleted)."""
    outgoing, incoming = touching(ctx, ws)
    seen = {d["_id"]: d for d in [*outgoing, *incoming]}
    do_delete(ctx, member, [*seen.values()])


@mutation(
    args={
        "programId": v.id("programs"),
        "sourceWorkstreamId": v.id("workstreams"),
        "targetWorkstreamId": v.id("workstreams"),
        **DETAILS,
        "suggestedBy": v.optional(v.literal("manual", "ai")),
        "aiConfidence": v.optional(v.number()),
    }
)
def create(
    ctx: MutationCtx,
    programId: str,
    sourceWorkstreamId: str,
    targetWorkstreamId: str,
    **fields: Any,
) -> str:
    """Record that one workstream depends on another (an AI suggestion starts as `suggested`)."""
    member, program = get_program_for_member(ctx, programId, write=True)
    source = get_in_program(ctx, "workstreams", sourceWorkstreamId, program, "sourceWorkstreamId")
    target = get_in_program(ctx, "workstreams", targetWorkstreamId, program, "targetWorkstreamId")
    if source["_id"] == target["_id"]:
        raise ArgumentError("a workstream cannot depend on itself", {"path": "targetWorkstreamId"})
    fields = {k: val for k, val in fields.items() if val is not None}
    check_details(ctx, program, fields)
    confidence = fields.get("aiConfidence")
    if confidence is not None and (fields.get("suggestedBy") != "ai" or not 0 <= confidence <= 1):
        raise ArgumentError(
            "aiConfidence is a number 0-1 for AI suggestions", {"path": "aiConfidence"}
        )
    if any(d["status"] != "resolved" for d in between(ctx, program, source["_id"], target["_id"])):
        raise ArgumentError(
            f"{source['shortCode']} already depends on {target['shortCode']}",
            {"path": "targetWorkstreamId"},
        )
    doc = {
        "orgId": program["orgId"],
        "programId": programId,
        "sourceWorkstreamId": sourceWorkstreamId,
        "targetWorkstreamId": targetWorkstreamId,
        "status": "suggested" if fields.get("suggestedBy") == "ai" else "active",
        **fields,
    }
    dep_id = ctx.db.insert("workstreamDependencies", doc)
    adjust(
        ctx, program["orgId"], programId, status_move("workstreamDependencies", None, doc["status"])
    )
    text = f"{source['shortCode']} depends on {target['shortCode']}"
    audit(ctx, member, {**doc, "_id": dep_id}, "create", text, after=doc)
    return dep_id


@mutation(args={"dependencyId": v.id("workstreamDependencies"), **DETAILS})
def update(ctx: MutationCtx, dependencyId: str, **fields: Any) -> None:
    """Change a dependency's description, type or linked requirements."""
    member, dep = get_for_member(ctx, "workstreamDependencies", dependencyId, write=True)
    _, program = get_program_for_member(ctx, dep["programId"])
    changes = {k: val for k, val in fields.items() if val is not None}
    check_details(ctx, program, changes)
    ctx.db.patch(dependencyId, changes)
    audit(
        ctx,
        member,
        dep,
        "update",
        "Updated workstream dependency",
        before=dep,
        after={**dep, **changes},
    )


@mutation(args={"dependencyId": v.id("workstreamDependencies"), "status": v.literal(*STATUSES)})
def set_status(ctx: MutationCtx, dependencyId: str, status: str) -> None:
    """Move a dependency to another status (approving a suggestion records who and when)."""
    member, dep = get_for_member(ctx, "workstreamDependencies", dependencyId, write=True)
    allowed = STATUS_MOVES[dep["status"]]
    if status not in allowed:
        raise ArgumentError(
            f"status: expected one of {sorted(allowed)} from {dep['status']!r}, got {status!r}",
            {"path": "status", "from": dep["status"]},
        )
    changes: dict[str, Any] = {"status": status}
    if status == "approved":
        changes |= {"approvedBy": member.user_id, "approvedAt": ctx.now_ms}
    ctx.db.patch(dependencyId, changes)
    adjust(
        ctx,
        dep["orgId"],
        dep["programId"],
        status_move("workstreamDependencies", dep["status"], status),
    )
    text = f"Workstream dependency: {dep['status']} → {status}"
    audit(
        ctx,
        member,
        dep,
        "status_change",
        text,
        before={"status": dep["status"]},
        after={"status": status},
    )


@mutation(args={"dependencyId": v.id("workstreamDependencies")})
def remove(ctx: MutationCtx, dependencyId: str) -> None:
    """Delete a dependency (also how a suggestion is dismissed)."""
    member, dep = get_for_member(ctx, "workstreamDependencies", dependencyId, write=True)
    do_delete(ctx, member, [dep])


@query(args={"programId": v.id("programs"), "status": v.optional(v.literal(*STATUSES)), **PAGE})
def list(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    status: str | None = None,
    cursor: str | None = None,
) -> Any:
    """The program's workstream dependencies, optionally of one status (paginated)."""
    _, program = get_program_for_member(ctx, programId)

    def prefix(q: Any) -> Any:
        q = q.eq("orgId", program["orgId"]).eq("programId", programId)
        return q if status is None else q.eq("status", status)

    return (
        ctx.db.query("workstreamDependencies")
        .with_index("by_program", prefix)
        .paginate(cursor, int(numItems))
    )


@query(args={"workstreamId": v.id("workstreams")})
def for_workstream(ctx: QueryCtx, workstreamId: str) -> Any:
    """`{outgoing, incoming}`: what the workstream depends on, and what depends on it."""
    _, ws = get_for_member(ctx, "workstreams", workstreamId)
    outgoing, incoming = touching(ctx, ws)
    return {"outgoing": outgoing, "incoming": incoming}
