"""Notifications: per-user messages behind the bell, with a maintained unread counter.

The bell badge subscribes to one `notificationCounters` document per user and organisation, so a
new notification for Bob never re-runs Alice's badge, and no query counts rows. Every write that
changes a notification's `read` flag adjusts the counter in the same mutation.
"""

from __future__ import annotations

from typing import Any

from foundry.app.activity import page_size
from foundry.app.audit import PAGE
from foundry.app.model.access import assert_org_access, get_for_member, not_found
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import internal_mutation, mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

TYPES = (
    "sandbox_complete", "sandbox_failed", "pr_ready", "review_requested", "subtask_completed",
    "subtask_failed", "subtask_scope_violation", "all_subtasks_complete", "subtask_paused",
    "verification_completed", "verification_failed", "orchestration_plan_ready",
    "orchestration_complete", "orchestration_failed", "comment_reply", "findings_ready",
)  # fmt: skip
TITLE_MAX = 200
BODY_MAX = 2_000
LINK_MAX = 500
MARK_ALL_BATCH = 200
"""How many notifications one `mark_all_read` transaction flips; the rest continue scheduled."""

TABLES = {
    "notifications": define_table(
        {
            "orgId": v.id("organizations"),
            "userId": v.id("users"),
            "programId": v.optional(v.id("programs")),
            "type": v.literal(*TYPES),
            "title": v.string(),
            "body": v.string(),
            "link": v.optional(v.string()),
            "entityType": v.optional(v.string()),
            "entityId": v.optional(v.string()),
            "read": v.boolean(),
            "createdAt": v.number(),
        }
    )
    # Used by `mine` for the newest notifications of one user.
    .index("by_user", ["orgId", "userId", "createdAt"])
    # Used by `mine(unreadOnly)` and by `mark_all_read` to find the unread ones.
    .index("by_user_read", ["orgId", "userId", "read", "createdAt"]),
    "notificationCounters": define_table(
        {"orgId": v.id("organizations"), "userId": v.id("users"), "unread": v.number()}
    )
    # Used by `unread_count` (the bell badge) and every counter adjustment.
    .index("by_user", ["orgId", "userId"]),
}


def _counter(ctx: QueryCtx, org_id: str, user_id: str) -> dict[str, Any] | None:
    return (
        ctx.db.query("notificationCounters")
        .with_index("by_user", lambda q: q.eq("orgId", org_id).eq("userId", user_id))
        .unique()
    )


def adjust_unread(ctx: MutationCtx, org_id: str, user_id: str, delta: int) -> None:
    """Add `delta` to the user's unread counter (never below zero)."""
    if delta == 0:
        return
    row = _counter(ctx, org_id, user_id)
    if row is None:
        ctx.db.insert(
            "notificationCounters",
            {"orgId": org_id, "userId": user_id, "unread": max(delta, 0)},
        )
    else:
        ctx.db.patch(row["_id"], {"unread": max(row["unread"] + delta, 0)})


def check_link(link: str | None) -> None:
    """Links stay inside the app: a path like `/p/acme/tasks/…`, never a scheme or host."""
    if link is None:
        return
    if not link.startswith("/") or link.startswith("//") or "\\" in link or len(link) > LINK_MAX:
        raise ArgumentError(
            "link must be a path inside the app, starting with '/'", {"path": "link"}
        )


def notify(
    ctx: MutationCtx,
    org_id: str,
    user_id: str,
    type: str,
    title: str,
    body: str,
    link: str | None = None,
    entity: tuple[str, str] | None = None,
    program_id: str | None = None,
) -> str | None:
    """Send `user_id` a notification; None (nothing sent) if they are not in the organisation.

    Call from a mutation after its own access checks. `entity` is `(entityType, entityId)`.
    """
    if type not in TYPES:
        raise ArgumentError(f"type: expected one of {list(TYPES)}, got {type!r}", {"path": "type"})
    check_link(link)
    membership = (
        ctx.db.query("memberships")
        .with_index("by_org_user", lambda q: q.eq("orgId", org_id).eq("userId", user_id))
        .unique()
    )
    if membership is None:
        return None
    row: dict[str, Any] = {
        "orgId": org_id,
        "userId": user_id,
        "type": type,
        "title": title[:TITLE_MAX],
        "body": body[:BODY_MAX],
        "read": False,
        "createdAt": ctx.now_ms,
    }
    if program_id is not None:
        row["programId"] = program_id
    if link is not None:
        row["link"] = link
    if entity is not None:
        row["entityType"], row["entityId"] = entity
    notification_id = ctx.db.insert("notifications", row)
    adjust_unread(ctx, org_id, user_id, 1)
    return notification_id


@internal_mutation(
    args={
        "orgId": v.id("organizations"),
        "userId": v.id("users"),
        "type": v.literal(*TYPES),
        "title": v.string(),
        "body": v.string(),
        "link": v.optional(v.string()),
        "entityType": v.optional(v.string()),
        "entityId": v.optional(v.string()),
        "programId": v.optional(v.id("programs")),
    }
)
def send(
    ctx: MutationCtx,
    orgId: str,
    userId: str,
    type: str,
    title: str,
    body: str,
    link: str | None = None,
    entityType: str | None = None,
    entityId: str | None = None,
    programId: str | None = None,
) -> str | None:
    """`notify` for actions and callbacks (sandbox, orchestration) that have no mutation."""
    entity = (entityType, entityId) if entityType is not None and entityId is not None else None
    return notify(ctx, orgId, userId, type, title, body, link, entity, programId)


@query(args={"orgId": v.id("organizations"), "unreadOnly": v.optional(v.boolean()), **PAGE})
def mine(
    ctx: QueryCtx,
    orgId: str,
    numItems: float,
    unreadOnly: bool | None = None,
    cursor: str | None = None,
) -> Any:
    """The caller's notifications in this organisation, newest first."""
    member = assert_org_access(ctx, orgId)
    user_id = member.user_id
    if unreadOnly:
        q = ctx.db.query("notifications").with_index(
            "by_user_read", lambda r: r.eq("orgId", orgId).eq("userId", user_id).eq("read", False)
        )
    else:
        q = ctx.db.query("notifications").with_index(
            "by_user", lambda r: r.eq("orgId", orgId).eq("userId", user_id)
        )
    return q.order("desc").paginate(cursor, page_size(numItems))


@query(args={"orgId": v.id("organizations")})
def unread_count(ctx: QueryCtx, orgId: str) -> int:
    """How many of the caller's notifications are unread (one document read)."""
    member = assert_org_access(ctx, orgId)
    row = _counter(ctx, orgId, member.user_id)
    return 0 if row is None else int(row["unread"])


# Marking one's own notifications read is personal state, so clients may do it too.
@mutation(args={"notificationId": v.id("notifications")})
def mark_read(ctx: MutationCtx, notificationId: str) -> None:
    """Mark one of the caller's notifications read."""
    member, row = get_for_member(ctx, "notifications", notificationId)
    if row["userId"] != member.user_id:
        raise not_found("notifications", notificationId)
    if not row["read"]:
        ctx.db.patch(notificationId, {"read": True})
        adjust_unread(ctx, row["orgId"], row["userId"], -1)


def do_mark_batch(ctx: MutationCtx, org_id: str, user_id: str) -> bool:
    """Mark up to MARK_ALL_BATCH unread notifications read; True when none are left."""
    rows = (
        ctx.db.query("notifications")
        .with_index(
            "by_user_read", lambda r: r.eq("orgId", org_id).eq("userId", user_id).eq("read", False)
        )
        .take(MARK_ALL_BATCH + 1)
    )
    for row in rows[:MARK_ALL_BATCH]:
        ctx.db.patch(row["_id"], {"read": True})
    done = len(rows) <= MARK_ALL_BATCH
    if done:
        # The last batch resets the counter outright, so any earlier drift is repaired too.
        counter = _counter(ctx, org_id, user_id)
        if counter is not None and counter["unread"] != 0:
            ctx.db.patch(counter["_id"], {"unread": 0})
    else:
        adjust_unread(ctx, org_id, user_id, -MARK_ALL_BATCH)
        ctx.scheduler.run_after(
            0, "notifications:mark_all_read_batch", {"orgId": org_id, "userId": user_id}
        )
    return done


@mutation(args={"orgId": v.id("organizations")})
def mark_all_read(ctx: MutationCtx, orgId: str) -> bool:
    """Mark all the caller's notifications read; returns False if the rest continue in batches."""
    member = assert_org_access(ctx, orgId)
    return do_mark_batch(ctx, orgId, member.user_id)


@internal_mutation(args={"orgId": v.id("organizations"), "userId": v.id("users")})
def mark_all_read_batch(ctx: MutationCtx, orgId: str, userId: str) -> bool:
    """The next batch of a `mark_all_read` that had more than one batch of work."""
    return do_mark_batch(ctx, orgId, userId)
