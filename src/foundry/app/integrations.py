"""Integrations: the inventory of data flows between the client's systems (ERP → store, …).

Each integration links to the requirements it serves and moves through a small lifecycle
(`STATUS_MOVES`) from planned to live. Discovery findings of type `integration` are imported here
through `do_create_integration`.
"""

from __future__ import annotations

from typing import Any

from foundry.app.activity import page_size, record_activity
from foundry.app.audit import PAGE
from foundry.app.model.access import Member, get_for_member, get_in_program, get_program_for_member
from foundry.app.model.audit import record_audit
from foundry.app.model.stats import adjust, status_move
from foundry.app.programs import check_text
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

TYPES = ("api", "webhook", "file_transfer", "database", "middleware", "other")
STATUSES = ("planned", "in_progress", "testing", "live", "deprecated")
STATUS_MOVES = {
    "planned": {"in_progress", "deprecated"},
    "in_progress": {"planned", "testing", "deprecated"},
    "testing": {"in_progress", "live", "deprecated"},
    "live": {"testing", "deprecated"},
    "deprecated": {"planned"},
}
NAME_MAX = 200
SYSTEM_MAX = 200
TEXT_MAX = 20_000
REQUIREMENTS = v.array(v.id("requirements"), max_length=200)

TABLES = {
    "integrations": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "name": v.string(),
            "type": v.literal(*TYPES),
            "sourceSystem": v.string(),
            "targetSystem": v.string(),
            "description": v.optional(v.string()),
            "status": v.literal(*STATUSES),
            "requirementIds": v.optional(REQUIREMENTS),
            "ownerId": v.optional(v.id("users")),
            "notes": v.optional(v.string()),
        }
    )
    # Used by `list`, whole program or one status.
    .index("by_program", ["orgId", "programId", "status"]),
}

EDITABLE = {
    "name": v.optional(v.string()),
    "type": v.optional(v.literal(*TYPES)),
    "sourceSystem": v.optional(v.string()),
    "targetSystem": v.optional(v.string()),
    "description": v.optional(v.string()),
    "requirementIds": v.optional(REQUIREMENTS),
    "ownerId": v.optional(v.id("users")),
    "notes": v.optional(v.string()),
}


def check_integration_fields(
    ctx: QueryCtx, program: dict[str, Any], fields: dict[str, Any]
) -> None:
    """Validate text lengths, requirement links (same program) and the owner (same org)."""
    for name, limit in (
        ("name", NAME_MAX),
        ("sourceSystem", SYSTEM_MAX),
        ("targetSystem", SYSTEM_MAX),
    ):
        check_text(name, fields.get(name), limit, required=name in fields)
    check_text("description", fields.get("description"), TEXT_MAX)
    check_text("notes", fields.get("notes"), TEXT_MAX)
    for i, req_id in enumerate(fields.get("requirementIds") or []):
        get_in_program(ctx, "requirements", req_id, program, f"requirementIds[{i}]")
    owner = fields.get("ownerId")
    if owner is not None:
        membership = (
            ctx.db.query("memberships")
            .with_index(
                "by_org_user", lambda q: q.eq("orgId", program["orgId"]).eq("userId", owner)
            )
            .unique()
        )
        if membership is None:
            raise ArgumentError("ownerId is not a member of this organisation", {"path": "ownerId"})


def do_create_integration(
    ctx: MutationCtx, member: Member, program: dict[str, Any], fields: dict[str, Any]
) -> str:
    """Insert an integration (fields already checked), audit, count and announce it."""
    doc = {"orgId": program["orgId"], "programId": program["_id"], "status": "planned", **fields}
    if doc.get("requirementIds"):
        doc["requirementIds"] = [*dict.fromkeys(doc["requirementIds"])]
    integration_id = ctx.db.insert("integrations", doc)
    adjust(ctx, doc["orgId"], doc["programId"], status_move("integrations", None, doc["status"]))
    record_audit(
        ctx,
        member,
        program_id=program["_id"],
        entity_type="integration",
        entity_id=integration_id,
        action="create",
        description=f"Created integration {doc['name']}",
        after=doc,
    )
    record_activity(
        ctx,
        member,
        program["_id"],
        "integration_created",
        f"{member.user_name} added integration {doc['name']}",
        "integration",
        integration_id,
    )
    return integration_id


def do_delete_integration(ctx: MutationCtx, member: Member, integration: dict[str, Any]) -> None:
    """Delete an integration, its count and leave an audit row (access already checked)."""
    ctx.db.delete(integration["_id"])
    adjust(
        ctx,
        integration["orgId"],
        integration["programId"],
        status_move("integrations", integration["status"], None),
    )
    record_audit(
        ctx,
        member,
        program_id=integration["programId"],
        entity_type="integration",
        entity_id=integration["_id"],
        action="delete",
        description=f"Deleted integration {integration['name']}",
        before=integration,
    )


@mutation(
    args={
        "programId": v.id("programs"),
        "name": v.string(),
        "type": v.literal(*TYPES),
        "sourceSystem": v.string(),
        "targetSystem": v.string(),
        "status": v.optional(v.literal(*STATUSES)),
        **{
            k: val
            for k, val in EDITABLE.items()
            if k not in ("name", "type", "sourceSystem", "targetSystem")
        },
    }
)
def create(ctx: MutationCtx, programId: str, **fields: Any) -> str:
    """Add an integration to a program's inventory."""
    member, program = get_program_for_member(ctx, programId, write=True)
    check_integration_fields(ctx, program, fields)
    return do_create_integration(
        ctx, member, program, {k: val for k, val in fields.items() if val is not None}
    )


@mutation(args={"integrationId": v.id("integrations"), **EDITABLE})
def update(ctx: MutationCtx, integrationId: str, **fields: Any) -> None:
    """Change an integration's details."""
    member, integration = get_for_member(ctx, "integrations", integrationId, write=True)
    program = ctx.db.get(integration["programId"]) or {}
    changes = {k: val for k, val in fields.items() if val is not None}
    check_integration_fields(ctx, program, changes)
    if "requirementIds" in changes:
        changes["requirementIds"] = [*dict.fromkeys(changes["requirementIds"])]
    ctx.db.patch(integrationId, changes)
    after = {**integration, **changes}
    record_audit(
        ctx,
        member,
        program_id=integration["programId"],
        entity_type="integration",
        entity_id=integrationId,
        action="update",
        description=f"Updated integration {after['name']}",
        before=integration,
        after=after,
    )


@mutation(args={"integrationId": v.id("integrations"), "status": v.literal(*STATUSES)})
def set_status(ctx: MutationCtx, integrationId: str, status: str) -> None:
    """Move an integration along its lifecycle (allowed moves are in STATUS_MOVES)."""
    member, integration = get_for_member(ctx, "integrations", integrationId, write=True)
    current = integration["status"]
    if status not in STATUS_MOVES[current]:
        raise ArgumentError(
            f"status: expected one of {sorted(STATUS_MOVES[current])} from {current!r}, "
            f"got {status!r}",
            {"path": "status", "from": current},
        )
    ctx.db.patch(integrationId, {"status": status})
    adjust(
        ctx,
        integration["orgId"],
        integration["programId"],
        status_move("integrations", current, status),
    )
    record_audit(
        ctx,
        member,
        program_id=integration["programId"],
        entity_type="integration",
        entity_id=integrationId,
        action="status_change",
        description=f"Integration {integration['name']}: {current} → {status}",
        before={"status": current},
        after={"status": status},
    )


@mutation(args={"integrationId": v.id("integrations")})
def delete(ctx: MutationCtx, integrationId: str) -> None:
    """Remove an integration from the inventory."""
    member, integration = get_for_member(ctx, "integrations", integrationId, write=True)
    do_delete_integration(ctx, member, integration)


@query(args={"integrationId": v.id("integrations")})
def get(ctx: QueryCtx, integrationId: str) -> Any:
    """One integration."""
    _, integration = get_for_member(ctx, "integrations", integrationId)
    return integration


@query(
    args={
        "programId": v.id("programs"),
        "status": v.optional(v.literal(*STATUSES)),
        "type": v.optional(v.literal(*TYPES)),
        **PAGE,
    }
)
def list(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    status: str | None = None,
    type: str | None = None,
    cursor: str | None = None,
) -> Any:
    """A program's integrations, optionally of one status and type."""
    _, program = get_program_for_member(ctx, programId)
    org_id = program["orgId"]
    if status is None:
        q = ctx.db.query("integrations").with_index(
            "by_program", lambda r: r.eq("orgId", org_id).eq("programId", programId)
        )
    else:
        q = ctx.db.query("integrations").with_index(
            "by_program",
            lambda r: r.eq("orgId", org_id).eq("programId", programId).eq("status", status),
        )
    if type is not None:
        q = q.filter(lambda d: d["type"] == type)
    return q.paginate(cursor, page_size(numItems))
