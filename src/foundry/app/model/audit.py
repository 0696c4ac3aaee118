"""The audit trail: every create, update, delete and status change records who, when and what.

Call `record_audit` from the `do_*` function that makes the change, inside the same mutation, so
the change and its audit row commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from foundry.app.model.access import Member
from foundry.engine.context import MutationCtx

Action = Literal["create", "update", "delete", "status_change"]


def field_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """`{field: {"from": old, "to": new}}` for every user field that differs."""
    before = before or {}
    after = after or {}
    changes = {}
    for name in sorted(set(before) | set(after)):
        if name.startswith("_"):
            continue
        if before.get(name) != after.get(name):
            changes[name] = {"from": before.get(name), "to": after.get(name)}
    return changes


def record_audit(
    ctx: MutationCtx,
    member: Member,
    *,
    program_id: str | None,
    entity_type: str,
    entity_id: str,
    action: Action,
    description: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> str:
    """Append one audit row for a change the member just made."""
    row: dict[str, Any] = {
        "orgId": member.org_id,
        "entityType": entity_type,
        "entityId": entity_id,
        "action": action,
        "userId": member.user_id,
        "userName": member.user_name,
        "description": description,
        "timestamp": ctx.now_ms,
    }
    if program_id is not None:
        row["programId"] = program_id
    changes = field_changes(before, after)
    if changes:
        row["changes"] = changes
    return ctx.db.insert("auditLog", row)


def audit_entity(
    ctx: MutationCtx,
    member: Member,
    entity_type: str,
    doc: Mapping[str, Any],
    action: Action,
    description: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> str:
    """`record_audit` for a program document: its program and id come from `doc`."""
    return record_audit(
        ctx,
        member,
        program_id=doc["programId"],
        entity_type=entity_type,
        entity_id=doc["_id"],
        action=action,
        description=description,
        before=before,
        after=after,
    )
