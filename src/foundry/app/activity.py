"""Activity: the program's human-readable feed of what just happened ("Alice imported 12 findings").

Unlike the audit trail (every field change, for accountability), the feed is for people glancing
at a program: one short line per meaningful event. Other modules call `record_activity` inside
the mutation that made the change, so the line and the change commit together.
"""

from __future__ import annotations

import re
from typing import Any

from foundry.app.audit import PAGE, WINDOW, time_window
from foundry.app.model.access import Member, get_program_for_member
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import query
from foundry.engine.schema import define_table
from foundry.engine.values import v

MESSAGE_MAX = 500
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_.]{0,59}$")
MAX_PAGE = 200
EVENT_TYPES = (
    "comment_added",
    "requirement_created",
    "requirement_status",
    "requirements_status",
    "task_created",
    "task_status",
    "skill_created",
    "skill_version",
    "document_uploaded",
    "findings_proposed",
    "findings_approved",
    "findings_rejected",
    "findings_edited",
    "findings_imported",
    "findings_reverted",
    "evidence_added",
    "integration_created",
)
"""Every event type the product's `record_activity` calls write (the feed's filter choices)."""

TABLES = {
    "activityEvents": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "eventType": v.string(),
            "message": v.string(),
            "entityType": v.optional(v.string()),
            "entityId": v.optional(v.string()),
            "metadata": v.optional(v.any()),
            "userId": v.id("users"),
            "userName": v.string(),
            "createdAt": v.number(),
        }
    )
    # Used by `feed` for a program's newest events.
    .index("by_program_createdAt", ["orgId", "programId", "createdAt"])
    # Used by `feed` when filtered to one event type.
    .index("by_program_type_createdAt", ["orgId", "programId", "eventType", "createdAt"])
    # Used by organisation-wide digests (later).
    .index("by_org_createdAt", ["orgId", "createdAt"]),
}


def page_size(num_items: float) -> int:
    """`numItems` as a page size, capped so one page stays small."""
    size = int(num_items)
    if size <= 0:
        raise ArgumentError("numItems must be a positive number", {"path": "numItems"})
    return min(size, MAX_PAGE)


def record_activity(
    ctx: MutationCtx,
    member: Member,
    program_id: str,
    event_type: str,
    message: str,
    entity_type: str | None = None,
    entity_id: str | None = None,
    metadata: Any = None,
) -> str:
    """Append one line to the program's feed (call after the caller's access checks).

    `event_type` is a short snake_case word such as `comment_added`; long messages are cut.
    """
    if not EVENT_TYPE.match(event_type):
        raise ArgumentError(f"invalid activity event type {event_type!r}", {"path": "eventType"})
    row: dict[str, Any] = {
        "orgId": member.org_id,
        "programId": program_id,
        "eventType": event_type,
        "message": message if len(message) <= MESSAGE_MAX else message[: MESSAGE_MAX - 1] + "…",
        "userId": member.user_id,
        "userName": member.user_name,
        "createdAt": ctx.now_ms,
    }
    if entity_type is not None:
        row["entityType"] = entity_type
    if entity_id is not None:
        row["entityId"] = entity_id
    if metadata is not None:
        row["metadata"] = metadata
    return ctx.db.insert("activityEvents", row)


@query(args={"programId": v.id("programs"), "eventType": v.optional(v.string()), **PAGE})
def feed(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    eventType: str | None = None,
    cursor: str | None = None,
) -> Any:
    """The program's activity, newest first, optionally of one event type."""
    _, program = get_program_for_member(ctx, programId)
    org_id = program["orgId"]
    if eventType is None:
        q = ctx.db.query("activityEvents").with_index(
            "by_program_createdAt", lambda r: r.eq("orgId", org_id).eq("programId", programId)
        )
    else:
        q = ctx.db.query("activityEvents").with_index(
            "by_program_type_createdAt",
            lambda r: r.eq("orgId", org_id).eq("programId", programId).eq("eventType", eventType),
        )
    return q.order("desc").paginate(cursor, page_size(numItems))


@query(args={"programId": v.id("programs"), "eventType": v.optional(v.string()), **WINDOW})
def timeline(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    eventType: str | None = None,
    since: float | None = None,
    before: float | None = None,
) -> Any:
    """A page of the program's feed, newest first, inside `since <= createdAt < before` (see
    `audit.time_window`): `{"page", "isDone", "before"}`, optionally of one event type."""
    _, program = get_program_for_member(ctx, programId)
    prefix: dict[str, Any] = {"orgId": program["orgId"], "programId": programId}
    index = "by_program_createdAt"
    if eventType is not None:
        prefix["eventType"] = eventType
        index = "by_program_type_createdAt"
    window = {"since": since, "before": before, "numItems": numItems}
    return time_window(ctx, "activityEvents", index, prefix, "createdAt", window)
