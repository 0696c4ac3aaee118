"""The audit log: reading the trail that `model/audit.py` writes.

The program timeline pages by *time windows* rather than by engine cursors: a page is every
entry with `since <= timestamp < before`, newest first. A live first page anchored at `since`
grows as entries arrive while the older pages (`before` = the first page's oldest timestamp)
stay put, so "load more" never skips or repeats an entry. A page never splits the entries of one
timestamp (one mutation's rows), and a filtered page stops after a bounded number of scanned rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    .index("by_entity", ["orgId", "entityType", "entityId", "timestamp"])
    # Used by the program timeline filtered to one entity type, one action or one actor.
    .index("by_program_entityType", ["orgId", "programId", "entityType", "timestamp"])
    .index("by_program_action", ["orgId", "programId", "action", "timestamp"])
    .index("by_program_user", ["orgId", "programId", "userId", "timestamp"]),
}

PAGE = {"cursor": v.optional(v.string()), "numItems": v.number()}
WINDOW = {"since": v.optional(v.number()), "before": v.optional(v.number()), "numItems": v.number()}
ACTIONS = ("create", "update", "delete", "status_change")
WINDOW_MAX = 200
"""The most entries one timeline page returns (besides the rest of its last timestamp)."""
SCAN_MAX = 2_000
"""The most rows one filtered timeline page reads before it stops and offers to go on."""
CHUNK = 100
GROUP_MAX = 1_000
"""The most entries sharing one timestamp that a page completes (one mutation's rows)."""


def window_size(num_items: float) -> int:
    """`numItems` as a timeline page size between 1 and WINDOW_MAX."""
    return max(1, min(int(num_items), WINDOW_MAX))


def time_window(
    ctx: QueryCtx,
    table: str,
    index: str,
    prefix: Mapping[str, Any],
    field: str,
    window: Mapping[str, Any],
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any]:
    """Rows of `table` through `index` (equal to `prefix`, then ordered by `field`) inside the
    window `since <= field < before`, newest first: at most `numItems` kept rows plus the rest of
    the last row's `field` value, scanning at most SCAN_MAX rows when `keep` filters.

    Returns `{"page", "isDone", "before"}`; `before` is the next page's upper bound.
    """
    since, before = window.get("since"), window.get("before")
    wanted = window_size(window["numItems"])

    def rows_in(lower: float | None, upper: float | None, equal: float | None = None) -> Any:
        def build(q: Any) -> Any:
            for name, value in prefix.items():
                q = q.eq(name, value)
            if equal is not None:
                return q.eq(field, equal)
            if lower is not None:
                q = q.gte(field, lower)
            return q if upper is None else q.lt(field, upper)

        return ctx.db.query(table).with_index(index, build).order("desc")

    kept: list[dict[str, Any]] = []
    scanned, cursor, done, last = 0, None, False, None
    while not done and len(kept) < wanted and scanned < SCAN_MAX:
        size = wanted - len(kept) if keep is None else CHUNK
        chunk = rows_in(since, before).paginate(cursor, size)
        cursor, done = chunk["continueCursor"], chunk["isDone"]
        scanned += len(chunk["page"])
        kept.extend(row for row in chunk["page"] if keep is None or keep(row))
        if chunk["page"]:
            last = chunk["page"][-1]
    if len(kept) > wanted:  # a filtered chunk overshot: end the page at its `wanted`th row
        kept, done = kept[:wanted], False
        last = kept[-1]
    if done or last is None:
        return {"page": kept, "isDone": True, "before": None}
    cutoff = last[field]
    seen = {row["_id"] for row in kept}
    group = rows_in(None, None, cutoff).take(GROUP_MAX)
    kept.extend(r for r in group if r["_id"] not in seen and (keep is None or keep(r)))
    kept.sort(key=lambda r: (r[field], r["_creation_time"], r["_id"]), reverse=True)
    at_floor = since is not None and cutoff <= since
    return {"page": kept, "isDone": at_floor, "before": None if at_floor else cutoff}


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


TIMELINE_FILTERS = {
    "entityType": v.optional(v.string()),
    "action": v.optional(v.literal(*ACTIONS)),
    "userId": v.optional(v.string()),
}


@query(args={"programId": v.id("programs"), **TIMELINE_FILTERS, **WINDOW})
def timeline(ctx: QueryCtx, programId: str, numItems: float, **filters: Any) -> Any:
    """A page of the program's audit trail, newest first, inside `since <= timestamp < before`,
    optionally of one entity type, action and actor: `{"page", "isDone", "before"}` where `before`
    is the next (older) page's bound. Reads through the index of the first filter given."""
    _, program = get_program_for_member(ctx, programId)
    window = {k: filters.pop(k, None) for k in ("since", "before")} | {"numItems": numItems}
    wanted = {k: val for k, val in filters.items() if val is not None}
    prefix: dict[str, Any] = {"orgId": program["orgId"], "programId": programId}
    index = "by_program"
    for name, by in (("entityType", "entityType"), ("userId", "user"), ("action", "action")):
        if name in wanted:
            prefix[name] = wanted.pop(name)
            index = f"by_program_{by}"
            break

    def keep(row: dict[str, Any]) -> bool:
        return all(row.get(k) == val for k, val in wanted.items())

    return time_window(
        ctx, "auditLog", index, prefix, "timestamp", window, keep if wanted else None
    )
