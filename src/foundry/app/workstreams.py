"""Workstreams: the delivery lanes of a program, each with a short code and a RAG status.

A workstream is deleted only when no requirement, task, sprint or gate refers to it (each of
those tables has a `by_workstream` index starting orgId, programId, workstreamId). Its
workstream dependencies go with it; team members' and risks' lists of workstream ids may keep
a stale id, which readers skip.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from typing import Any

from foundry.app import dependencies
from foundry.app.model.access import Member, get_for_member, get_program_for_member
from foundry.app.model.audit import audit_entity
from foundry.app.model.stats import adjust, counts_of, status_move
from foundry.app.pipeline import summarize
from foundry.app.programs import check_text
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

STATUSES = ("on_track", "at_risk", "blocked")
CYCLE = {"on_track": "at_risk", "at_risk": "blocked", "blocked": "on_track"}
SHORT_CODE = re.compile(r"^[A-Z0-9]{2,6}$")
NAME_MAX = 200
TEXT_MAX = 20_000
MAX_PER_PROGRAM = 100
# Tables whose rows point at a workstream; each declares a by_workstream index.
REFERRING = ("requirements", "tasks", "sprints", "sprintGates")
CLEARABLE = ("description", "ownerId", "sprintCadence", "currentSprint")

TABLES = {
    "workstreams": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "name": v.string(),
            "shortCode": v.string(),
            "status": v.literal(*STATUSES),
            "sortOrder": v.number(),
            "description": v.optional(v.string()),
            "ownerId": v.optional(v.id("users")),
            "sprintCadence": v.optional(v.number()),
            "currentSprint": v.optional(v.number()),
            "healthLastUpdated": v.optional(v.number()),
        }
    )
    # Used by list and the mission-control grid: a program's workstreams in display order.
    .index("by_program", ["orgId", "programId", "sortOrder"])
    # Used to keep short codes unique within a program and to resolve them in CSV imports.
    .index("by_short_code", ["orgId", "programId", "shortCode"]),
}

EDITABLE = {
    "name": v.optional(v.string()),
    "shortCode": v.optional(v.string()),
    "sortOrder": v.optional(v.number()),
    "description": v.optional(v.string()),
    "ownerId": v.optional(v.id("users")),
    "sprintCadence": v.optional(v.number()),
    "currentSprint": v.optional(v.number()),
}
PAGE = {"cursor": v.optional(v.string()), "numItems": v.number()}


def check_fields(ctx: QueryCtx, program: dict[str, Any], fields: dict[str, Any]) -> None:
    """Validate a workstream's fields (those present) against the program."""
    check_text("name", fields.get("name"), NAME_MAX, required="name" in fields)
    check_text("description", fields.get("description"), TEXT_MAX)
    code = fields.get("shortCode")
    if code is not None and not SHORT_CODE.match(code):
        raise ArgumentError(
            "shortCode must be 2-6 uppercase letters or digits", {"path": "shortCode"}
        )
    cadence = fields.get("sprintCadence")
    if cadence is not None and (cadence != int(cadence) or not 1 <= cadence <= 90):
        raise ArgumentError("sprintCadence must be whole days, 1-90", {"path": "sprintCadence"})
    sprint = fields.get("currentSprint")
    if sprint is not None and (sprint != int(sprint) or sprint < 0):
        raise ArgumentError("currentSprint must be a whole number ≥ 0", {"path": "currentSprint"})
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
            raise ArgumentError(
                "ownerId is not a member of the program's organisation", {"path": "ownerId"}
            )


def find_by_short_code(ctx: QueryCtx, program: dict[str, Any], code: str) -> dict[str, Any] | None:
    """The program's workstream with this short code, or None."""
    return (
        ctx.db.query("workstreams")
        .with_index(
            "by_short_code",
            lambda q: (
                q.eq("orgId", program["orgId"])
                .eq("programId", program["_id"])
                .eq("shortCode", code)
            ),
        )
        .first()
    )


def check_short_code_free(
    ctx: QueryCtx, program: dict[str, Any], code: str, workstream_id: str | None = None
) -> None:
    """Raise unless no other workstream of the program uses `code`."""
    taken = find_by_short_code(ctx, program, code)
    if taken is not None and taken["_id"] != workstream_id:
        raise ArgumentError(
            f"shortCode {code!r} is already used in this program", {"path": "shortCode"}
        )


def of_program(ctx: QueryCtx, program: dict[str, Any], limit: int = MAX_PER_PROGRAM) -> Any:
    """The program's workstreams in display order (bounded: a program has at most 100)."""
    return (
        ctx.db.query("workstreams")
        .with_index(
            "by_program", lambda q: q.eq("orgId", program["orgId"]).eq("programId", program["_id"])
        )
        .take(limit)
    )


def audit(
    ctx: MutationCtx, member: Member, ws: dict[str, Any], action: Any, text: str, **change: Any
) -> None:
    """Record one audit row about workstream `ws`."""
    audit_entity(ctx, member, "workstream", ws, action, text, **change)


def do_create(
    ctx: MutationCtx, member: Member, program: dict[str, Any], fields: dict[str, Any]
) -> str:
    """Insert a workstream, count it and audit it (fields already checked)."""
    doc = {"orgId": program["orgId"], "programId": program["_id"], "status": "on_track", **fields}
    ws_id = ctx.db.insert("workstreams", doc)
    adjust(ctx, program["orgId"], program["_id"], status_move("workstreams", None, doc["status"]))
    audit(
        ctx,
        member,
        {**doc, "_id": ws_id},
        "create",
        f"Created workstream {doc['shortCode']} {doc['name']}",
        after=doc,
    )
    return ws_id


def do_set_status(ctx: MutationCtx, member: Member, ws: dict[str, Any], status: str) -> None:
    """Move a workstream to another RAG status, counted and audited."""
    ctx.db.patch(ws["_id"], {"status": status, "healthLastUpdated": ctx.now_ms})
    adjust(ctx, ws["orgId"], ws["programId"], status_move("workstreams", ws["status"], status))
    audit(
        ctx,
        member,
        ws,
        "status_change",
        f"Workstream {ws['shortCode']}: {ws['status']} → {status}",
        before={"status": ws["status"]},
        after={"status": status},
    )


def references(ctx: QueryCtx, ws: dict[str, Any]) -> builtins.list[str]:
    """The tables that still have a row referring to the workstream (one indexed read each)."""
    found = []
    for table in REFERRING:
        row = (
            ctx.db.query(table)
            .with_index(
                "by_workstream",
                lambda q: (
                    q.eq("orgId", ws["orgId"])
                    .eq("programId", ws["programId"])
                    .eq("workstreamId", ws["_id"])
                ),
            )
            .first()
        )
        if row is not None:
            found.append(table)
    return found


@mutation(
    args={
        "programId": v.id("programs"),
        "name": v.string(),
        "shortCode": v.string(),
        "status": v.optional(v.literal(*STATUSES)),
        **{k: val for k, val in EDITABLE.items() if k not in ("name", "shortCode")},
    }
)
def create(ctx: MutationCtx, programId: str, **fields: Any) -> str:
    """Create a workstream (placed last unless `sortOrder` is given)."""
    member, program = get_program_for_member(ctx, programId, write=True)
    fields = {k: val for k, val in fields.items() if val is not None}
    check_fields(ctx, program, fields)
    check_short_code_free(ctx, program, fields["shortCode"])
    existing = of_program(ctx, program, MAX_PER_PROGRAM + 1)
    if len(existing) >= MAX_PER_PROGRAM:
        raise ArgumentError(
            f"a program has at most {MAX_PER_PROGRAM} workstreams", {"path": "programId"}
        )
    if "sortOrder" not in fields:
        fields["sortOrder"] = (max((w["sortOrder"] for w in existing), default=0)) + 1
    return do_create(ctx, member, program, fields)


@mutation(
    args={
        "workstreamId": v.id("workstreams"),
        **EDITABLE,
        "clear": v.optional(v.array(v.literal(*CLEARABLE), max_length=len(CLEARABLE))),
    }
)
def update(ctx: MutationCtx, workstreamId: str, clear: Any = None, **fields: Any) -> None:
    """Change a workstream's details; `clear` names optional fields to remove."""
    member, ws = get_for_member(ctx, "workstreams", workstreamId, write=True)
    _, program = get_program_for_member(ctx, ws["programId"])
    changes: dict[str, Any] = {k: val for k, val in fields.items() if val is not None}
    check_fields(ctx, program, changes)
    if "shortCode" in changes:
        check_short_code_free(ctx, program, changes["shortCode"], workstreamId)
    for name in clear or ():
        if name in changes:
            raise ArgumentError(f"{name} is both set and cleared", {"path": name})
        changes[name] = None
    ctx.db.patch(workstreamId, changes)
    after = {k: val for k, val in {**ws, **changes}.items() if val is not None}
    audit(
        ctx,
        member,
        ws,
        "update",
        f"Updated workstream {after['shortCode']}",
        before=ws,
        after=after,
    )


@mutation(args={"workstreamId": v.id("workstreams"), "status": v.literal(*STATUSES)})
def set_status(ctx: MutationCtx, workstreamId: str, status: str) -> None:
    """Set a workstream's RAG status (any other status is allowed)."""
    member, ws = get_for_member(ctx, "workstreams", workstreamId, write=True)
    if status == ws["status"]:
        allowed = sorted(s for s in STATUSES if s != ws["status"])
        raise ArgumentError(
            f"status: expected one of {allowed} from {ws['status']!r}, got {status!r}",
            {"path": "status", "from": ws["status"]},
        )
    do_set_status(ctx, member, ws, status)


@mutation(args={"workstreamId": v.id("workstreams")})
def cycle_status(ctx: MutationCtx, workstreamId: str) -> str:
    """Advance the RAG status one step (on_track → at_risk → blocked → on_track); returns it."""
    member, ws = get_for_member(ctx, "workstreams", workstreamId, write=True)
    status = CYCLE[ws["status"]]
    do_set_status(ctx, member, ws, status)
    return status


@mutation(args={"workstreamId": v.id("workstreams")})
def remove(ctx: MutationCtx, workstreamId: str) -> None:
    """Delete a workstream nothing refers to any more (its dependencies are deleted with it)."""
    member, ws = get_for_member(ctx, "workstreams", workstreamId, write=True)
    found = references(ctx, ws)
    if found:
        listing = ", ".join(found)
        raise ArgumentError(
            f"workstream {ws['shortCode']} is still used by {listing}; move or delete them first",
            {"path": "workstreamId", "references": found},
        )
    dependencies.delete_for_workstream(ctx, member, ws)
    ctx.db.delete(workstreamId)
    adjust(ctx, ws["orgId"], ws["programId"], status_move("workstreams", ws["status"], None))
    audit(
        ctx, member, ws, "delete", f"Deleted workstream {ws['shortCode']} {ws['name']}", before=ws
    )


@query(args={"workstreamId": v.id("workstreams")})
def get(ctx: QueryCtx, workstreamId: str) -> Any:
    """One workstream with its requirement counts by status and its pipeline summary."""
    _, ws = get_for_member(ctx, "workstreams", workstreamId)
    return {**ws, **health_inputs(counts_of(ctx, ws["orgId"], ws["programId"]), workstreamId)}


def health_inputs(counts: Mapping[str, Any], workstream_id: str) -> dict[str, Any]:
    """A workstream's counters: `{requirements: {status: n}, tasks: {…}, pipeline: {…}}`."""
    prefix = f"ws.{workstream_id}."
    groups: dict[str, dict[str, int]] = {"requirements": {}, "tasks": {}}
    for key, n in counts.items():
        if key.startswith(prefix) and not key.startswith(prefix + "pipeline."):
            table, _, status = key[len(prefix) :].partition(".")
            groups.setdefault(table, {})[status] = int(n)
    complete = groups["requirements"].get("complete", 0)
    return {**groups, "pipeline": summarize(counts, prefix, complete)}


@query(args={"programId": v.id("programs"), **PAGE})
def list(ctx: QueryCtx, programId: str, numItems: float, cursor: str | None = None) -> Any:
    """The program's workstreams ordered by sortOrder (paginated)."""
    _, program = get_program_for_member(ctx, programId)
    return (
        ctx.db.query("workstreams")
        .with_index(
            "by_program", lambda q: q.eq("orgId", program["orgId"]).eq("programId", programId)
        )
        .paginate(cursor, int(numItems))
    )
