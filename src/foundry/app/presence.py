"""Presence: who else is on this page, derived from live connections.

A client announces the page it shows with `presence:enter` (once per page change, never as a
heartbeat); the engine runs `presence:drop_session` when that client's socket closes, and
`presence:clear_all` when the backend starts, since no connection survives a restart. The rows live
in their own small table, so no transactional table's read set ever includes them.
"""

from __future__ import annotations

from typing import Any

from foundry.app.model.access import get_program_for_member
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import ConnectionHooks, internal_mutation, mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

PAGE_MAX = 200
CLEAR_BATCH = 1000

TABLES = {
    "presence": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "page": v.string(),
            "userId": v.id("users"),
            "userName": v.string(),
            "sessionId": v.string(),
            "since": v.number(),
        }
    )
    # Used by `presence:on_page`: everyone on one page of a program.
    .index("by_page", ["orgId", "programId", "page"])
    # Used to find a session's row when it moves or disconnects.
    .index("by_session", ["sessionId"]),
}

hooks = ConnectionHooks(on_disconnect="presence:drop_session", on_start="presence:clear_all")


@mutation(args={"programId": v.id("programs"), "page": v.string(), "sessionId": v.string()})
def enter(ctx: MutationCtx, programId: str, page: str, sessionId: str) -> None:
    """Say that this session now shows `page` of the program (replacing its previous page)."""
    member, program = get_program_for_member(ctx, programId)
    if not page.startswith("/") or len(page) > PAGE_MAX:
        raise ArgumentError(
            f"page must be a path of at most {PAGE_MAX} characters", {"path": "page"}
        )
    if not 0 < len(sessionId) <= 128:
        raise ArgumentError("sessionId must be 1 to 128 characters", {"path": "sessionId"})
    current = (
        ctx.db.query("presence")
        .with_index("by_session", lambda q: q.eq("sessionId", sessionId))
        .first()
    )
    if current is not None:
        if current["userId"] != member.user_id:
            raise ArgumentError("sessionId belongs to another user", {"path": "sessionId"})
        if current["programId"] == programId and current["page"] == page:
            return
        ctx.db.delete(current["_id"])
    ctx.db.insert(
        "presence",
        {
            "orgId": program["orgId"],
            "programId": programId,
            "page": page,
            "userId": member.user_id,
            "userName": member.user_name,
            "sessionId": sessionId,
            "since": ctx.now_ms,
        },
    )


@query(args={"programId": v.id("programs"), "page": v.string()})
def on_page(ctx: QueryCtx, programId: str, page: str) -> Any:
    """The people on a page: one entry per user, earliest arrival first."""
    _, program = get_program_for_member(ctx, programId)
    rows = (
        ctx.db.query("presence")
        .with_index(
            "by_page",
            lambda q: q.eq("orgId", program["orgId"]).eq("programId", programId).eq("page", page),
        )
        .take(200)
    )
    people: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["since"]):
        people.setdefault(
            row["userId"], {"userId": row["userId"], "name": row["userName"], "since": row["since"]}
        )
    return list(people.values())


@internal_mutation(args={"sessionId": v.string()})
def drop_session(ctx: MutationCtx, sessionId: str) -> None:
    """Forget a session whose connection closed."""
    for row in (
        ctx.db.query("presence")
        .with_index("by_session", lambda q: q.eq("sessionId", sessionId))
        .take(10)
    ):
        ctx.db.delete(row["_id"])


@internal_mutation(args={})
def clear_all(ctx: MutationCtx) -> int:
    """Forget every session (at start-up; older rows than this process cannot be live)."""
    rows = ctx.db.query("presence").full_scan().take(CLEAR_BATCH)
    for row in rows:
        ctx.db.delete(row["_id"])
    if len(rows) == CLEAR_BATCH:
        ctx.scheduler.run_after(0, "presence:clear_all")
    return len(rows)
