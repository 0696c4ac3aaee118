"""The audit log: reading the trail that `model/audit.py` writes."""

from __future__ import annotations

from typing import Any

from foundry.app.model.access import assert_org_access, get_program_for_member
from foundry.engine.context import QueryCtx
from foundry.engine.functions import query
from foundry.engine.schema import define_table
from foundry.engine.values import v

TABLES = {
    "auditLog": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.optional(v.id("programs")),
            "entityType": v.string(),
            "entityId": v.string(),
            "action": v.literal("create", "update", "delete", "status_change"),
            "userId": v.id("users"),
            "userName": v.string(),
            "description": v.string(),
            "changes": v.optional(v.any()),
            "timestamp": v.number(),
        }
    )
    .index("by_program", ["orgId", "programId", "timestamp"])
    .index("by_org", ["orgId", "timestamp"])
    .index("by_entity", ["orgId", "entityType", "entityId", "timestamp"]),
}

PAGE = {"cursor": v.optional(v.string()), "numItems": v.number()}


@query(args={"programId": v.id("programs"), **PAGE})
def list_for_program(
    ctx: QueryCtx, programId: str, numItems: float, cursor: str | None = None
) -> Any:
    """A program's audit trail, newest first."""
    _, program = get_program_for_member(ctx, programId)
    return (
        ctx.db.query("auditLog")
        .with_index(
            "by_program", lambda q: q.eq("orgId", program["orgId"]).eq("programId", programId)
        )
        .order("desc")
        .paginate(cursor, int(numItems))
    )


@query(
    args={"orgId": v.id("organizations"), "entityType": v.string(), "entityId": v.string(), **PAGE}
)
def list_for_entity(
    ctx: QueryCtx,
    orgId: str,
    entityType: str,
    entityId: str,
    numItems: float,
    cursor: str | None = None,
) -> Any:
    """One entity's history, newest first."""
    assert_org_access(ctx, orgId)
    return (
        ctx.db.query("auditLog")
        .with_index(
            "by_entity",
            lambda q: q.eq("orgId", orgId).eq("entityType", entityType).eq("entityId", entityId),
        )
        .order("desc")
        .paginate(cursor, int(numItems))
    )
