"""A program's team: who works on it and in which role."""

from __future__ import annotations

from typing import Any

from foundry.app.model.access import get_for_member, get_program_for_member
from foundry.app.model.audit import record_audit
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

PROGRAM_ROLES = ("director", "architect", "developer", "ba", "qa", "client")

TABLES = {
    "teamMembers": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "userId": v.id("users"),
            "role": v.literal(*PROGRAM_ROLES),
            "workstreamIds": v.optional(v.array(v.id("workstreams"))),
        }
    )
    .index("by_program_user", ["orgId", "programId", "userId"])
    .index("by_user", ["userId"]),
}


@query(args={"programId": v.id("programs")})
def list(ctx: QueryCtx, programId: str) -> Any:
    """The program's team, with each member's name and email."""
    _, program = get_program_for_member(ctx, programId)
    rows = (
        ctx.db.query("teamMembers")
        .with_index(
            "by_program_user", lambda q: q.eq("orgId", program["orgId"]).eq("programId", programId)
        )
        .take(500)
    )
    out = []
    for row in rows:
        user = ctx.db.get(row["userId"])
        out.append(
            {**row, "name": user["name"] if user else "", "email": user["email"] if user else ""}
        )
    return out


@mutation(
    args={"programId": v.id("programs"), "userId": v.id("users"), "role": v.literal(*PROGRAM_ROLES)}
)
def add(ctx: MutationCtx, programId: str, userId: str, role: str) -> str:
    """Put an organisation member on the program's team (or change their role)."""
    member, program = get_program_for_member(ctx, programId, write=True)
    membership = (
        ctx.db.query("memberships")
        .with_index("by_org_user", lambda q: q.eq("orgId", program["orgId"]).eq("userId", userId))
        .unique()
    )
    if membership is None:
        raise ArgumentError(
            "userId: this user is not a member of the program's organisation", {"path": "userId"}
        )
    existing = (
        ctx.db.query("teamMembers")
        .with_index(
            "by_program_user",
            lambda q: (
                q.eq("orgId", program["orgId"]).eq("programId", programId).eq("userId", userId)
            ),
        )
        .unique()
    )
    if existing is not None:
        ctx.db.patch(existing["_id"], {"role": role})
        record_audit(
            ctx,
            member,
            program_id=programId,
            entity_type="teamMember",
            entity_id=existing["_id"],
            action="update",
            description=f"Changed a team role to {role}",
            before=existing,
            after={**existing, "role": role},
        )
        return str(existing["_id"])
    row = {"orgId": program["orgId"], "programId": programId, "userId": userId, "role": role}
    row_id = ctx.db.insert("teamMembers", row)
    record_audit(
        ctx,
        member,
        program_id=programId,
        entity_type="teamMember",
        entity_id=row_id,
        action="create",
        description=f"Added a {role} to the team",
        after=row,
    )
    return row_id


@mutation(args={"teamMemberId": v.id("teamMembers")})
def remove(ctx: MutationCtx, teamMemberId: str) -> None:
    """Take someone off the program's team."""
    member, row = get_for_member(ctx, "teamMembers", teamMemberId, write=True)
    ctx.db.delete(teamMemberId)
    record_audit(
        ctx,
        member,
        program_id=row["programId"],
        entity_type="teamMember",
        entity_id=teamMemberId,
        action="delete",
        description="Removed a team member",
        before=row,
    )
