"""Ways of looking at a program's tasks: filtered lists, the kanban board, and saved views.

Each list reads through the index that matches its most selective filter and applies the rest as
a filter on that range. A saved view is one user's named set of filters for one program.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from foundry.app.model.access import (
    assert_org_access,
    get_for_member,
    get_in_program,
    get_program_for_member,
    not_found,
)
from foundry.app.model.audit import Action, record_audit
from foundry.app.model.stats import counts_of
from foundry.app.programs import check_text
from foundry.app.tasks import PRIORITIES, STATUSES, check_org_user
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.query import Query
from foundry.engine.schema import define_table
from foundry.engine.values import v

PAGE = {"cursor": v.optional(v.string()), "numItems": v.number()}
PAGE_MAX = 200
COLUMN_MAX = 200
COUNT_MAX = 1_000
SPRINT_BOARD_MAX = 1_000
VIEWS_MAX = 50
NAME_MAX = 100
OPTIONS_MAX = 200
FILTERS = {
    "status": v.optional(v.literal(*STATUSES)),
    "assigneeId": v.optional(v.id("users")),
    "sprintId": v.optional(v.id("sprints")),
    "workstreamId": v.optional(v.id("workstreams")),
    "priority": v.optional(v.literal(*PRIORITIES)),
    "requirementId": v.optional(v.id("requirements")),
}
FILTER_TABLES = {
    "sprintId": "sprints",
    "workstreamId": "workstreams",
    "requirementId": "requirements",
}

TABLES = {
    "taskViews": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "userId": v.id("users"),
            "name": v.string(),
            "filters": v.object(FILTERS),
            "layout": v.literal("board", "list"),
        }
    )
    # Used by a user's saved views of one program, by name.
    .index("by_user", ["orgId", "programId", "userId", "name"]),
}


def filtered_tasks(ctx: QueryCtx, program: Mapping[str, Any], filters: Mapping[str, Any]) -> Query:
    """The program's tasks matching `filters`: an index prefix, then a filter for the rest."""
    org_id, program_id = program["orgId"], program["_id"]
    rest = {k: val for k, val in filters.items() if val is not None}
    tasks = ctx.db.query("tasks")
    if "requirementId" in rest:
        req = rest.pop("requirementId")
        tasks = tasks.with_index(
            "by_requirement",
            lambda q: q.eq("orgId", org_id).eq("programId", program_id).eq("requirementId", req),
        )
    elif "sprintId" in rest:
        sprint = rest.pop("sprintId")
        tasks = tasks.with_index(
            "by_sprint",
            lambda q: q.eq("orgId", org_id).eq("programId", program_id).eq("sprintId", sprint),
        )
    elif "workstreamId" in rest:
        ws, status = rest.pop("workstreamId"), rest.pop("status", None)

        def by_workstream(q: Any) -> Any:
            q = q.eq("orgId", org_id).eq("programId", program_id).eq("workstreamId", ws)
            return q if status is None else q.eq("status", status)

        tasks = tasks.with_index("by_workstream", by_workstream)
    elif "assigneeId" in rest:
        user, status = rest.pop("assigneeId"), rest.pop("status", None)
        rest["programId"] = program_id

        def by_assignee(q: Any) -> Any:
            q = q.eq("orgId", org_id).eq("assigneeId", user)
            return q if status is None else q.eq("status", status)

        tasks = tasks.with_index("by_assignee", by_assignee).order("desc")
    else:
        status = rest.pop("status", None)

        def by_status(q: Any) -> Any:
            q = q.eq("orgId", org_id).eq("programId", program_id)
            return q if status is None else q.eq("status", status)

        tasks = tasks.with_index("by_program_status", by_status).order("desc")
    if rest:
        tasks = tasks.filter(lambda d: all(d.get(k) == val for k, val in rest.items()))
    return tasks


def check_filters(ctx: QueryCtx, program: dict[str, Any], filters: Mapping[str, Any]) -> None:
    """Filter values that name rows must name rows of this program (or members of its org)."""
    for field, table in FILTER_TABLES.items():
        if filters.get(field) is not None:
            get_in_program(ctx, table, filters[field], program, field)
    if filters.get("assigneeId") is not None:
        check_org_user(ctx, program["orgId"], filters["assigneeId"], "assigneeId")


def page_size(num_items: float) -> int:
    """A page size between 1 and PAGE_MAX."""
    return max(1, min(int(num_items), PAGE_MAX))


@query(args={"programId": v.id("programs"), **FILTERS, **PAGE})
def list(
    ctx: QueryCtx, programId: str, numItems: float, cursor: str | None = None, **filters: Any
) -> Any:
    """A page of the program's tasks matching every given filter (newest first, or in board
    order when filtered by workstream)."""
    _, program = get_program_for_member(ctx, programId)
    check_filters(ctx, program, filters)
    return filtered_tasks(ctx, program, filters).paginate(cursor, page_size(numItems))


@query(args={"orgId": v.id("organizations"), "status": v.optional(v.literal(*STATUSES)), **PAGE})
def mine(
    ctx: QueryCtx, orgId: str, numItems: float, status: str | None = None, cursor: str | None = None
) -> Any:
    """A page of the caller's tasks across the organisation's programs, newest first."""
    member = assert_org_access(ctx, orgId)

    def by_assignee(q: Any) -> Any:
        q = q.eq("orgId", orgId).eq("assigneeId", member.user_id)
        return q if status is None else q.eq("status", status)

    return (
        ctx.db.query("tasks")
        .with_index("by_assignee", by_assignee)
        .order("desc")
        .paginate(cursor, page_size(numItems))
    )


def column_cards(
    ctx: QueryCtx, org_id: str, program_id: str, status: str, limit: int
) -> builtins.list[dict[str, Any]]:
    """The first `limit` cards of one status column, in rank order."""
    return (
        ctx.db.query("tasks")
        .with_index(
            "by_column",
            lambda q: q.eq("orgId", org_id).eq("programId", program_id).eq("status", status),
        )
        .take(limit)
    )


def _column(status: str, tasks: Any, count: int, per_column: int) -> dict[str, Any]:
    return {
        "status": status,
        "tasks": tasks[:per_column],
        "count": count,
        "hasMore": len(tasks) > per_column,
    }


def _matches(task: Mapping[str, Any], rest: Mapping[str, Any]) -> bool:
    return all(task.get(k) == val for k, val in rest.items())


@query(args={"programId": v.id("programs"), **FILTERS, "perColumn": v.optional(v.number())})
def board(ctx: QueryCtx, programId: str, perColumn: float = 50, **filters: Any) -> Any:
    """The kanban board: the five columns (only one under a status filter) in rank order, each
    the first `perColumn` cards (at most 200) matching every filter, with the column's count.
    A sprint board reads at most 1,000 tasks; other filtered boards count at most 1,000 rows per
    column (`countCapped` says when a count hit that bound)."""
    _, program = get_program_for_member(ctx, programId)
    check_filters(ctx, program, filters)
    org_id = program["orgId"]
    n = max(1, min(int(perColumn), COLUMN_MAX))
    rest = {k: val for k, val in filters.items() if val is not None}
    statuses = [rest.pop("status")] if "status" in rest else builtins.list(STATUSES)
    columns = []
    capped = False
    if "sprintId" in rest:
        tasks = filtered_tasks(ctx, program, {"sprintId": rest.pop("sprintId")})
        rows = tasks.take(SPRINT_BOARD_MAX)
        capped = len(rows) == SPRINT_BOARD_MAX
        for status in statuses:
            cards = [t for t in rows if t["status"] == status and _matches(t, rest)]
            cards.sort(key=lambda t: t["rank"])
            columns.append(_column(status, cards, len(cards), n))
    elif rest:
        ws = rest.pop("workstreamId", None)
        for status in statuses:
            if ws is not None:
                in_ws = {"workstreamId": ws, "status": status}
                rows = filtered_tasks(ctx, program, in_ws).take(COUNT_MAX)
            else:
                rows = column_cards(ctx, org_id, programId, status, COUNT_MAX)
            capped = capped or len(rows) == COUNT_MAX
            cards = [t for t in rows if _matches(t, rest)]
            columns.append(_column(status, cards, len(cards), n))
    else:
        counts = counts_of(ctx, org_id, programId)
        for status in statuses:
            cards = column_cards(ctx, org_id, programId, status, n + 1)
            columns.append(_column(status, cards, int(counts.get(f"tasks.{status}", 0)), n))
    return {"columns": columns, "countCapped": capped}


@query(args={"programId": v.id("programs")})
def filter_options(ctx: QueryCtx, programId: str) -> Any:
    """What the task filters offer: the program's workstreams, its sprints and its team
    (at most 200 of each), as `{"workstreams", "sprints", "assignees"}` of `{_id, name}`."""
    _, program = get_program_for_member(ctx, programId)
    org_id = program["orgId"]

    def of(table: str, index: str) -> Query:
        return ctx.db.query(table).with_index(
            index, lambda q: q.eq("orgId", org_id).eq("programId", programId)
        )

    workstreams = of("workstreams", "by_program").take(OPTIONS_MAX)
    sprints = of("sprints", "by_program_status").order("desc").take(OPTIONS_MAX)
    team = of("teamMembers", "by_program_user").take(OPTIONS_MAX)
    users = [ctx.db.get(row["userId"]) for row in team]
    return {
        "workstreams": [{"_id": w["_id"], "name": w["name"]} for w in workstreams],
        "sprints": [{"_id": s["_id"], "name": s["name"]} for s in sprints],
        "assignees": [{"_id": u["_id"], "name": u["name"]} for u in users if u is not None],
    }


# --- saved views ---------------------------------------------------------------------------------


@mutation(
    args={
        "programId": v.id("programs"),
        "name": v.string(),
        "filters": v.object(FILTERS),
        "layout": v.optional(v.literal("board", "list")),
    }
)
def save(
    ctx: MutationCtx, programId: str, name: str, filters: dict[str, Any], layout: str = "board"
) -> str:
    """Save the caller's named filter set for the program (replacing one of the same name)."""
    member, program = get_program_for_member(ctx, programId, write=True)
    check_text("name", name, NAME_MAX, required=True)
    check_filters(ctx, program, filters)
    org_id = program["orgId"]
    views = ctx.db.query("taskViews").with_index(
        "by_user",
        lambda q: q.eq("orgId", org_id).eq("programId", programId).eq("userId", member.user_id),
    )
    existing = views.take(VIEWS_MAX + 1)
    same = next((view for view in existing if view["name"] == name), None)
    doc = {
        "orgId": org_id,
        "programId": programId,
        "userId": member.user_id,
        "name": name,
        "filters": filters,
        "layout": layout,
    }
    action: Action = "create"
    before = None
    if same is not None:
        ctx.db.replace(same["_id"], doc)
        view_id, action, before = str(same["_id"]), "update", same
    else:
        if len(existing) >= VIEWS_MAX:
            raise ArgumentError(
                f"name: at most {VIEWS_MAX} saved views per program", {"path": "name"}
            )
        view_id = ctx.db.insert("taskViews", doc)
    record_audit(
        ctx,
        member,
        program_id=programId,
        entity_type="taskView",
        entity_id=view_id,
        action=action,
        description=f"Saved task view {name}",
        before=before,
        after=doc,
    )
    return view_id


@query(args={"programId": v.id("programs")})
def list_saved(ctx: QueryCtx, programId: str) -> Any:
    """The caller's saved views of the program, by name."""
    member, program = get_program_for_member(ctx, programId)
    return (
        ctx.db.query("taskViews")
        .with_index(
            "by_user",
            lambda q: (
                q.eq("orgId", program["orgId"])
                .eq("programId", programId)
                .eq("userId", member.user_id)
            ),
        )
        .take(VIEWS_MAX)
    )


@mutation(args={"viewId": v.id("taskViews")})
def remove_saved(ctx: MutationCtx, viewId: str) -> None:
    """Delete one of the caller's saved views (another user's is not found)."""
    member, view = get_for_member(ctx, "taskViews", viewId, write=True)
    if view["userId"] != member.user_id:
        raise not_found("taskViews", viewId)
    ctx.db.delete(viewId)
    record_audit(
        ctx,
        member,
        program_id=view["programId"],
        entity_type="taskView",
        entity_id=viewId,
        action="delete",
        description=f"Deleted task view {view['name']}",
        before=view,
    )


# --- task detail ---------------------------------------------------------------------------------


@query(args={"taskId": v.id("tasks")})
def edit_options(ctx: QueryCtx, taskId: str) -> Any:
    """What a task's edit form offers (at most 200 of each): the program's team as `assignees`,
    its `workstreams`, its open `sprints` (with their workstream) and the other `tasks` it may be
    blocked by, each of `{_id, name}` or `{_id, title, status}`."""
    _, task = get_for_member(ctx, "tasks", taskId)
    org_id, program_id = task["orgId"], task["programId"]

    def of(table: str, index: str, status: str | None = None) -> Query:
        def prefix(q: Any) -> Any:
            q = q.eq("orgId", org_id).eq("programId", program_id)
            return q if status is None else q.eq("status", status)

        return ctx.db.query(table).with_index(index, prefix)

    workstreams = of("workstreams", "by_program").take(OPTIONS_MAX)
    names = {w["_id"]: w["name"] for w in workstreams}
    sprints = [
        {
            "_id": s["_id"],
            "name": s["name"],
            "status": s["status"],
            "workstreamId": s["workstreamId"],
        }
        for status in ("active", "planning")
        for s in of("sprints", "by_program_status", status).take(OPTIONS_MAX)
    ]
    team = of("teamMembers", "by_program_user").take(OPTIONS_MAX)
    users = [ctx.db.get(row["userId"]) for row in team]
    others = of("tasks", "by_program_status").order("desc").filter(lambda d: d["_id"] != taskId)
    return {
        "assignees": [{"_id": u["_id"], "name": u["name"]} for u in users if u is not None],
        "workstreams": [{"_id": w["_id"], "name": w["name"]} for w in workstreams],
        "sprints": [{**s, "workstreamName": names.get(s["workstreamId"], "")} for s in sprints],
        "tasks": [
            {"_id": t["_id"], "title": t["title"], "status": t["status"]}
            for t in others.take(OPTIONS_MAX)
        ],
    }


@query(args={"programId": v.id("programs"), "refId": v.string()})
def requirement_by_ref(ctx: QueryCtx, programId: str, refId: str) -> Any:
    """The program's requirement with this reference (`REQ-012`, any case) as `{_id, refId,
    title}`, or None."""
    _, program = get_program_for_member(ctx, programId)
    ref = refId.strip().upper()
    row = (
        ctx.db.query("requirements")
        .with_index(
            "by_ref",
            lambda q: q.eq("orgId", program["orgId"]).eq("programId", programId).eq("refId", ref),
        )
        .first()
    )
    return (
        None if row is None else {"_id": row["_id"], "refId": row["refId"], "title": row["title"]}
    )
