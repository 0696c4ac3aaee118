"""Requirements: what the client needs, with MoSCoW priority, fit-gap and delivery phase.

Each requirement gets the next reference of its program (REQ-001, REQ-002, …) from the
program's `requirementCounters` row, read and written in the creating mutation, so concurrent
creates conflict and retry instead of sharing a number. Dependencies are requirements of the
same program, never the requirement itself, never a cycle; they live on the requirement
(`dependencies`) and as edges in `requirementDependencies`, which answers "who depends on me".
The helpers here are shared by the bulk and CSV modules; status moves are in STATUS_MOVES.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from foundry.app.activity import record_activity
from foundry.app.model.access import Member, get_for_member, get_in_program, get_program_for_member
from foundry.app.model.audit import audit_entity
from foundry.app.model.stats import adjust, counts_of
from foundry.app.pipeline import STAGES, derive_stage, key_deltas, stage_keys, tasks_of
from foundry.app.programs import check_text
from foundry.app.requirement_graph import (
    MAX_DEPENDENCIES,
    check_dependencies,
    dependents_of,
    set_edges,
)
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

PRIORITIES = ("must_have", "should_have", "nice_to_have", "deferred")
FIT_GAPS = ("native", "config", "custom_dev", "third_party", "not_feasible")
EFFORTS = ("low", "medium", "high", "very_high")
PHASES = ("phase_1", "phase_2", "phase_3")
STATUSES = ("draft", "approved", "in_progress", "complete", "deferred")
STATUS_MOVES = {
    "draft": {"approved", "deferred"},
    "approved": {"draft", "in_progress", "deferred"},
    "in_progress": {"approved", "complete", "deferred"},
    "complete": {"in_progress"},
    "deferred": {"draft"},
}
STAGE_VALUES = STAGES
TITLE_MAX = 500
TEXT_MAX = 20_000
BATCH_MAX = 100
CLEARABLE = ("description", "batch", "effortEstimate", "deliveryPhase", "workstreamId")

TABLES = {
    "requirements": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "workstreamId": v.optional(v.id("workstreams")),
            "refId": v.string(),
            "title": v.string(),
            "description": v.optional(v.string()),
            "batch": v.optional(v.string()),
            "priority": v.literal(*PRIORITIES),
            "fitGap": v.literal(*FIT_GAPS),
            "effortEstimate": v.optional(v.literal(*EFFORTS)),
            "deliveryPhase": v.optional(v.literal(*PHASES)),
            "status": v.literal(*STATUSES),
            "dependencies": v.optional(v.array(v.id("requirements"))),
            "pipelineStage": v.optional(v.literal(*STAGE_VALUES)),
            "implementationStatus": v.optional(
                v.literal(
                    "not_found", "partially_implemented", "fully_implemented", "needs_verification"
                )
            ),
            "implementationConfidence": v.optional(v.number()),
            "lastAnalyzedAt": v.optional(v.number()),
            "updatedAt": v.optional(v.number()),
        }
    )
    # The list's natural order (creation = refId order) and its filters: each an index prefix.
    .index("by_program", ["orgId", "programId"])
    .index("by_ref", ["orgId", "programId", "refId"])
    .index("by_status", ["orgId", "programId", "status"])
    .index("by_priority", ["orgId", "programId", "priority"])
    .index("by_workstream", ["orgId", "programId", "workstreamId"])
    .index("by_batch", ["orgId", "programId", "batch"])
    .index("by_fit_gap", ["orgId", "programId", "fitGap"])
    .index("by_stage", ["orgId", "programId", "pipelineStage"])
    .index("by_phase", ["orgId", "programId", "deliveryPhase"])
    # "Recently updated" order: set by create and every change through this module.
    .index("by_updated", ["orgId", "programId", "updatedAt"])
    .search_index("search", ["title", "description"], ["orgId", "programId"]),
    "requirementCounters": define_table(
        {"orgId": v.id("organizations"), "programId": v.id("programs"), "next": v.number()}
    )
    # The program's one counter row: every create reads and writes it, so creates serialise.
    .index("by_program", ["orgId", "programId"]),
}

FIELDS = {
    "description": v.optional(v.string()),
    "batch": v.optional(v.string()),
    "effortEstimate": v.optional(v.literal(*EFFORTS)),
    "deliveryPhase": v.optional(v.literal(*PHASES)),
    "workstreamId": v.optional(v.id("workstreams")),
    "dependencies": v.optional(v.array(v.id("requirements"), max_length=MAX_DEPENDENCIES)),
}


def format_ref(number: int) -> str:
    """The reference of the program's `number`th requirement: REQ-001 … REQ-999, REQ-1000 …"""
    return f"REQ-{number:03d}"


def take_ref_ids(ctx: MutationCtx, program: Mapping[str, Any], count: int) -> builtins.list[str]:
    """Reserve the program's next `count` references (reads and writes its counter row)."""
    org_id, program_id = program["orgId"], program["_id"]
    row = (
        ctx.db.query("requirementCounters")
        .with_index("by_program", lambda q: q.eq("orgId", org_id).eq("programId", program_id))
        .unique()
    )
    first = 1 if row is None else int(row["next"])
    if row is None:
        ctx.db.insert(
            "requirementCounters", {"orgId": org_id, "programId": program_id, "next": first + count}
        )
    else:
        ctx.db.patch(row["_id"], {"next": first + count})
    return [format_ref(n) for n in range(first, first + count)]


def find_by_ref(ctx: QueryCtx, program: Mapping[str, Any], ref_id: str) -> dict[str, Any] | None:
    """The program's requirement with reference `ref_id`, or None."""
    return (
        ctx.db.query("requirements")
        .with_index(
            "by_ref",
            lambda q: (
                q.eq("orgId", program["orgId"]).eq("programId", program["_id"]).eq("refId", ref_id)
            ),
        )
        .first()
    )


def check_text_fields(fields: Mapping[str, Any]) -> None:
    """Length limits on a requirement's text (title required when present)."""
    check_text("title", fields.get("title"), TITLE_MAX, required="title" in fields)
    check_text("description", fields.get("description"), TEXT_MAX)
    check_text("batch", fields.get("batch"), BATCH_MAX)


def check_transition(before: str, after: str, path: str = "status") -> None:
    """Raise unless STATUS_MOVES allows `before` → `after`."""
    allowed = STATUS_MOVES[before]
    if after not in allowed:
        raise ArgumentError(
            f"{path}: expected one of {sorted(allowed)} from {before!r}, got {after!r}",
            {"path": path, "from": before},
        )


def counted(req: Mapping[str, Any]) -> dict[str, int]:
    """The counters one requirement contributes (see docs/domain.md for the keys)."""
    keys = {
        "requirements.total": 1,
        f"requirements.{req['status']}": 1,
        f"requirements.priority.{req['priority']}": 1,
    }
    if req.get("workstreamId"):
        keys[f"ws.{req['workstreamId']}.requirements.total"] = 1
        keys[f"ws.{req['workstreamId']}.requirements.{req['status']}"] = 1
    return {**keys, **stage_keys(req)}


def merge(total: dict[str, int], deltas: Mapping[str, int]) -> None:
    """Add `deltas` into `total` (bulk writers adjust the counters once)."""
    for key, d in deltas.items():
        total[key] = total.get(key, 0) + d


def audit(
    ctx: MutationCtx, member: Member, req: Mapping[str, Any], action: Any, text: str, **change: Any
) -> None:
    """Record one audit row about requirement `req`."""
    audit_entity(ctx, member, "requirement", req, action, f"{req['refId']}: {text}", **change)


def do_create(
    ctx: MutationCtx,
    member: Member,
    program: Mapping[str, Any],
    fields: Mapping[str, Any],
    ref_id: str,
) -> tuple[str, dict[str, int]]:
    """Insert a checked requirement, its edges and audit row; returns its id and counter deltas."""
    doc: dict[str, Any] = {
        "orgId": program["orgId"],
        "programId": program["_id"],
        "refId": ref_id,
        "status": "draft",
        "updatedAt": ctx.now_ms,
    }
    doc.update({k: val for k, val in fields.items() if val is not None and val != []})
    stage = derive_stage(doc, ())  # a new requirement has no tasks yet
    if stage is not None:
        doc["pipelineStage"] = stage
    req_id = ctx.db.insert("requirements", doc)
    created = {**doc, "_id": req_id}
    set_edges(ctx, created, (), doc.get("dependencies") or ())
    audit(ctx, member, created, "create", f"Created requirement {doc['title']}", after=doc)
    return req_id, counted(created)


def do_update(
    ctx: MutationCtx,
    member: Member,
    req: dict[str, Any],
    changes: Mapping[str, Any],
    action: Any = "update",
) -> dict[str, int]:
    """Apply checked `changes` (None removes a field), re-stage, audit; returns counter deltas."""
    after = {k: val for k, val in {**req, **changes}.items() if val is not None}
    if "dependencies" in changes:
        set_edges(ctx, req, req.get("dependencies") or (), after.get("dependencies") or ())
        if not after.get("dependencies"):
            after.pop("dependencies", None)
    if "status" in changes or "workstreamId" in changes:
        after.pop("pipelineStage", None)
        stage = derive_stage(after, tasks_of(ctx, after))
        if stage is not None:
            after["pipelineStage"] = stage
    patch = {
        k: after.get(k)
        for k in set(req) | set(after)
        if not k.startswith("_") and req.get(k) != after.get(k)
    }
    if not patch:
        return {}
    ctx.db.patch(req["_id"], {**patch, "updatedAt": ctx.now_ms})
    if action == "status_change":
        text = f"status {req['status']} → {after['status']}"
        audit(
            ctx,
            member,
            req,
            action,
            text,
            before={"status": req["status"]},
            after={"status": after["status"]},
        )
    else:
        audit(
            ctx,
            member,
            req,
            action,
            f"Updated requirement {after['title']}",
            before=req,
            after=after,
        )
    return key_deltas(counted(req), counted(after))


def do_delete(ctx: MutationCtx, member: Member, req: dict[str, Any]) -> dict[str, int]:
    """Delete a requirement without tasks; clears it from its dependents. Returns counter deltas."""
    if tasks_of(ctx, req):
        raise ArgumentError(
            f"{req['refId']} still has tasks; delete them or move them to another requirement",
            {"path": "requirementId", "refId": req["refId"]},
        )
    deltas: dict[str, int] = {}
    for dependent_id in dependents_of(ctx, req):
        dependent = ctx.db.get(dependent_id)
        if dependent is not None:
            remaining = [d for d in dependent.get("dependencies") or () if d != req["_id"]]
            merge(deltas, do_update(ctx, member, dependent, {"dependencies": remaining or None}))
    set_edges(ctx, req, req.get("dependencies") or (), ())
    ctx.db.delete(req["_id"])
    audit(ctx, member, req, "delete", f"Deleted requirement {req['title']}", before=req)
    merge(deltas, key_deltas(counted(req), {}))
    return deltas


def check_changes(
    ctx: QueryCtx, program: Mapping[str, Any], req_id: str | None, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Validate create/update fields against the program (dependencies come back de-duplicated)."""
    check_text_fields(fields)
    out = dict(fields)
    if fields.get("workstreamId") is not None:
        get_in_program(ctx, "workstreams", fields["workstreamId"], dict(program), "workstreamId")
    if fields.get("dependencies") is not None:
        out["dependencies"] = check_dependencies(ctx, program, req_id, fields["dependencies"])
    return out


@mutation(
    args={
        "programId": v.id("programs"),
        "title": v.string(),
        "priority": v.literal(*PRIORITIES),
        "fitGap": v.literal(*FIT_GAPS),
        "status": v.optional(v.literal(*STATUSES)),
        **FIELDS,
    }
)
def create(ctx: MutationCtx, programId: str, **fields: Any) -> str:
    """Create a requirement with the program's next reference (REQ-001, …); returns its id."""
    member, program = get_program_for_member(ctx, programId, write=True)
    req_id = do_create_requirement(ctx, member, program, fields)
    text = f"{member.user_name} created requirement {fields['title']}"
    record_activity(ctx, member, programId, "requirement_created", text, "requirement", req_id)
    return req_id


def do_create_requirement(
    ctx: MutationCtx, member: Member, program: dict[str, Any], fields: Mapping[str, Any]
) -> str:
    """Check and create one requirement with the next refId (for other modules, e.g. imports).

    Call after the caller's write access to `program` was checked.
    """
    checked = check_changes(
        ctx, program, None, {k: val for k, val in fields.items() if val is not None}
    )
    req_id, deltas = do_create(ctx, member, program, checked, take_ref_ids(ctx, program, 1)[0])
    adjust(ctx, program["orgId"], program["_id"], deltas)
    return req_id


def do_delete_requirement(ctx: MutationCtx, member: Member, req: dict[str, Any]) -> None:
    """Delete a requirement with its edges, audit row and counters (write access checked)."""
    adjust(ctx, req["orgId"], req["programId"], do_delete(ctx, member, req))


@mutation(
    args={
        "requirementId": v.id("requirements"),
        "title": v.optional(v.string()),
        "priority": v.optional(v.literal(*PRIORITIES)),
        "fitGap": v.optional(v.literal(*FIT_GAPS)),
        **FIELDS,
        "clear": v.optional(v.array(v.literal(*CLEARABLE), max_length=len(CLEARABLE))),
    }
)
def update(ctx: MutationCtx, requirementId: str, clear: Any = None, **fields: Any) -> None:
    """Change a requirement's fields (not its status); `clear` names optional fields to remove."""
    member, req = get_for_member(ctx, "requirements", requirementId, write=True)
    _, program = get_program_for_member(ctx, req["programId"])
    changes = check_changes(
        ctx, program, requirementId, {k: val for k, val in fields.items() if val is not None}
    )
    for name in clear or ():
        if name in changes:
            raise ArgumentError(f"{name} is both set and cleared", {"path": name})
        changes[name] = None
    adjust(ctx, req["orgId"], req["programId"], do_update(ctx, member, req, changes))


@mutation(args={"requirementId": v.id("requirements"), "status": v.literal(*STATUSES)})
def set_status(ctx: MutationCtx, requirementId: str, status: str) -> None:
    """Move a requirement to another status (allowed moves are in STATUS_MOVES)."""
    member, req = get_for_member(ctx, "requirements", requirementId, write=True)
    check_transition(req["status"], status)
    adjust(
        ctx,
        req["orgId"],
        req["programId"],
        do_update(ctx, member, req, {"status": status}, "status_change"),
    )
    text = f"{member.user_name} moved {req['refId']} {req['title']}: {req['status']} → {status}"
    record_activity(
        ctx, member, req["programId"], "requirement_status", text, "requirement", requirementId
    )


@mutation(args={"requirementId": v.id("requirements")})
def remove(ctx: MutationCtx, requirementId: str) -> None:
    """Delete a requirement that has no tasks (it is removed from its dependents' lists)."""
    member, req = get_for_member(ctx, "requirements", requirementId, write=True)
    do_delete_requirement(ctx, member, req)


def normal_ref(text: str) -> str:
    """A typed reference in the program's form: "req-7", "7" and "REQ-007" are all REQ-007."""
    raw = text.strip().upper()
    digits = raw.removeprefix("REQ-").removeprefix("REQ")
    return format_ref(int(digits)) if digits.isdigit() else raw


@mutation(args={"requirementId": v.id("requirements"), "refId": v.string()})
def add_dependency(ctx: MutationCtx, requirementId: str, refId: str) -> str:
    """Make the requirement depend on the program's requirement `refId` (e.g. "REQ-007");
    refuses an unknown reference, itself and a cycle. Returns the dependency's id."""
    member, req = get_for_member(ctx, "requirements", requirementId, write=True)
    _, program = get_program_for_member(ctx, req["programId"])
    ref = normal_ref(refId[:40])
    target = find_by_ref(ctx, program, ref) if ref else None
    if target is None:
        raise ArgumentError(f"no requirement {ref or refId!r} in this program", {"path": "refId"})
    current = builtins.list(req.get("dependencies") or ())
    if target["_id"] in current:
        raise ArgumentError(f"{req['refId']} already depends on {ref}", {"path": "refId"})
    if len(current) >= MAX_DEPENDENCIES:
        raise ArgumentError(
            f"a requirement has at most {MAX_DEPENDENCIES} dependencies", {"path": "refId"}
        )
    try:
        wanted = check_dependencies(ctx, program, requirementId, [*current, target["_id"]])
    except ArgumentError as error:
        raise ArgumentError(f"{ref}: {error.message}", {"path": "refId"}) from None
    changes = {"dependencies": wanted}
    adjust(ctx, req["orgId"], req["programId"], do_update(ctx, member, req, changes))
    return str(target["_id"])


@mutation(args={"requirementId": v.id("requirements"), "dependsOnId": v.id("requirements")})
def remove_dependency(ctx: MutationCtx, requirementId: str, dependsOnId: str) -> None:
    """Stop the requirement depending on `dependsOnId` (refused if it does not)."""
    member, req = get_for_member(ctx, "requirements", requirementId, write=True)
    current = builtins.list(req.get("dependencies") or ())
    if dependsOnId not in current:
        raise ArgumentError(
            f"{req['refId']} does not depend on that requirement", {"path": "dependsOnId"}
        )
    remaining = [d for d in current if d != dependsOnId]
    changes = {"dependencies": remaining or None}
    adjust(ctx, req["orgId"], req["programId"], do_update(ctx, member, req, changes))


def brief(doc: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The few fields a linked requirement shows."""
    if doc is None:
        return None
    return {k: doc.get(k) for k in ("_id", "refId", "title", "status", "priority")}


@query(args={"requirementId": v.id("requirements")})
def get(ctx: QueryCtx, requirementId: str) -> Any:
    """One requirement with its dependencies and dependents resolved, and its workstream."""
    _, req = get_for_member(ctx, "requirements", requirementId)
    ws = ctx.db.get(req["workstreamId"]) if req.get("workstreamId") else None
    return {
        **req,
        "dependencyDetails": [brief(ctx.db.get(d)) for d in req.get("dependencies") or ()],
        "dependents": [brief(ctx.db.get(d)) for d in dependents_of(ctx, req, 100)],
        "workstream": None
        if ws is None
        else {k: ws[k] for k in ("_id", "name", "shortCode", "status")},
    }


FILTERS = {
    "workstreamId": v.optional(v.id("workstreams")),
    "unassigned": v.optional(v.boolean()),
    "batch": v.optional(v.string()),
    "status": v.optional(v.literal(*STATUSES)),
    "priority": v.optional(v.literal(*PRIORITIES)),
    "fitGap": v.optional(v.literal(*FIT_GAPS)),
    "stage": v.optional(v.literal(*STAGE_VALUES)),
    "deliveryPhase": v.optional(v.literal(*PHASES)),
}
# The index each filter reads through, most selective first; the first filter given picks it.
FILTER_INDEX = {
    "workstreamId": ("by_workstream", "workstreamId"),
    "batch": ("by_batch", "batch"),
    "status": ("by_status", "status"),
    "priority": ("by_priority", "priority"),
    "fitGap": ("by_fit_gap", "fitGap"),
    "stage": ("by_stage", "pipelineStage"),
    "deliveryPhase": ("by_phase", "deliveryPhase"),
}


def filtered(ctx: QueryCtx, program: Mapping[str, Any], filters: Mapping[str, Any]) -> Any:
    """A query for the program's requirements matching `filters`: an index prefix + a filter."""
    given = {k: val for k, val in filters.items() if val is not None and val is not False}
    org_id, program_id = program["orgId"], program["_id"]
    if given.pop("unassigned", None):
        if "workstreamId" in given:
            raise ArgumentError(
                "unassigned and workstreamId exclude each other", {"path": "unassigned"}
            )
        # A missing field sorts before null, so "< null" is exactly the requirements without one.
        query_ = ctx.db.query("requirements").with_index(
            "by_workstream",
            lambda q: q.eq("orgId", org_id).eq("programId", program_id).lt("workstreamId", None),
        )
    else:
        lead = next((k for k in FILTER_INDEX if k in given), None)
        if lead is None:
            query_ = ctx.db.query("requirements").with_index(
                "by_program", lambda q: q.eq("orgId", org_id).eq("programId", program_id)
            )
        else:
            index, field = FILTER_INDEX[lead]
            value = given.pop(lead)
            query_ = ctx.db.query("requirements").with_index(
                index, lambda q: q.eq("orgId", org_id).eq("programId", program_id).eq(field, value)
            )
    rest = {FILTER_INDEX[k][1]: val for k, val in given.items()}
    if rest:
        query_ = query_.filter(lambda d: all(d.get(f) == val for f, val in rest.items()))
    return query_


SORTS = ("refId", "-refId", "priority", "status", "updated")
# Sorts by an enumerated field walk its index one value at a time, in the values' own order
# (MoSCoW, the status flow), so the order is meaningful rather than alphabetical.
SORT_RANGES = {
    "priority": ("by_priority", "priority", PRIORITIES),
    "status": ("by_status", "status", STATUSES),
}


def rest_filter(filters: Mapping[str, Any], skip: str | None = None) -> Any:
    """A predicate for every given filter (but `skip`), or None when there is nothing to check."""
    given = {
        ("workstreamId" if k == "unassigned" else FILTER_INDEX[k][1]): (
            None if k == "unassigned" else val
        )
        for k, val in filters.items()
        if val is not None and val is not False and k != skip
    }
    if not given:
        return None
    return lambda d: all(d.get(f) == val for f, val in given.items())


def equal_to(org_id: str, program_id: str, field: str, value: Any) -> Any:
    """An index range: the program's documents whose `field` is `value`."""
    return lambda q: q.eq("orgId", org_id).eq("programId", program_id).eq(field, value)


def sorted_page(
    ctx: QueryCtx,
    program: Mapping[str, Any],
    filters: Mapping[str, Any],
    sort: str,
    cursor: str | None,
    num_items: int,
) -> Any:
    """One page in `sort` order, read through the sort's index (filters narrow it)."""
    org_id, program_id = program["orgId"], program["_id"]
    if filters.get("unassigned") and filters.get("workstreamId"):
        raise ArgumentError(
            "unassigned and workstreamId exclude each other", {"path": "unassigned"}
        )
    if sort == "updated":
        query_ = ctx.db.query("requirements").with_index(
            "by_updated", lambda q: q.eq("orgId", org_id).eq("programId", program_id)
        )
        keep = rest_filter(filters)
        return (
            (query_ if keep is None else query_.filter(keep))
            .order("desc")
            .paginate(cursor, num_items)
        )
    index, field, values = SORT_RANGES[sort]
    key = "priority" if sort == "priority" else "status"
    wanted = [val for val in values if filters.get(key) in (None, val)]
    keep = rest_filter(filters, skip=key)
    position, _, inner = (cursor or "0.").partition(".")
    if not position.isdigit():
        raise ArgumentError("pagination cursor is malformed", {"cursor": cursor})
    page: builtins.list[Any] = []
    i, inner_cursor = int(position), inner or None
    while i < len(wanted):
        query_ = ctx.db.query("requirements").with_index(
            index, equal_to(org_id, program_id, field, wanted[i])
        )
        part = (query_ if keep is None else query_.filter(keep)).paginate(
            inner_cursor, num_items - len(page)
        )
        page.extend(part["page"])
        if not part["isDone"]:
            return {
                "page": page,
                "isDone": False,
                "continueCursor": f"{i}.{part['continueCursor']}",
            }
        i, inner_cursor = i + 1, None
        if len(page) >= num_items:
            break
    done = i >= len(wanted)
    return {"page": page, "isDone": done, "continueCursor": f"{i}."}


@query(
    args={
        "programId": v.id("programs"),
        **FILTERS,
        "sort": v.optional(v.literal(*SORTS)),
        "cursor": v.optional(v.string()),
        "numItems": v.number(),
    }
)
def list(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    cursor: str | None = None,
    sort: str | None = None,
    **filters: Any,
) -> Any:
    """The program's requirements, filtered, in `sort` order (paginated, at most 200 a page).

    Sorts: "refId" (the default, creation order), "-refId" (newest first), "priority" (must
    have first), "status" (in the status flow's order), "updated" (most recently changed first).
    Each reads through an index; filters other than the index's own narrow the range.
    """
    _, program = get_program_for_member(ctx, programId)
    size = min(int(numItems), 200)
    if sort in (None, "refId"):
        return filtered(ctx, program, filters).paginate(cursor, size)
    if sort == "-refId":
        return filtered(ctx, program, filters).order("desc").paginate(cursor, size)
    return sorted_page(ctx, program, filters, sort, cursor, size)


@query(args={"programId": v.id("programs")})
def counts(ctx: QueryCtx, programId: str) -> Any:
    """Requirement totals by status and by priority, from the program's counters."""
    _, program = get_program_for_member(ctx, programId)
    stats = counts_of(ctx, program["orgId"], programId)
    return {
        "total": int(stats.get("requirements.total", 0)),
        "byStatus": {s: int(stats.get(f"requirements.{s}", 0)) for s in STATUSES},
        "byPriority": {p: int(stats.get(f"requirements.priority.{p}", 0)) for p in PRIORITIES},
    }
