"""Risks: what could go wrong in a program, how bad and how likely, and what is done about it.

Counters: `risks.<status>` for every risk, and `risks.open.<severity>` for open ones, adjusted on
create, delete, status change and a change of severity while open.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from foundry.app.model.access import Member, get_for_member, get_in_program, get_program_for_member
from foundry.app.model.audit import Action, record_audit
from foundry.app.model.stats import adjust
from foundry.app.programs import check_text
from foundry.app.tasks import check_move, check_org_user
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

SEVERITIES = ("critical", "high", "medium", "low")
PROBABILITIES = ("very_likely", "likely", "possible", "unlikely")
STATUSES = ("open", "mitigating", "resolved", "accepted")
RISK_MOVES: dict[str, frozenset[str]] = {
    "open": frozenset({"mitigating", "resolved", "accepted"}),
    "mitigating": frozenset({"open", "resolved", "accepted"}),
    "resolved": frozenset({"open"}),
    "accepted": frozenset({"open", "mitigating"}),
}
TITLE_MAX = 300
TEXT_MAX = 20_000
WORKSTREAMS_MAX = 20
MATRIX_MAX = 2_000
PAGE_MAX = 200

TABLES = {
    "risks": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "title": v.string(),
            "description": v.optional(v.string()),
            "severity": v.literal(*SEVERITIES),
            "probability": v.literal(*PROBABILITIES),
            "mitigation": v.optional(v.string()),
            "ownerId": v.optional(v.id("users")),
            "workstreamIds": v.optional(v.array(v.id("workstreams"), max_length=WORKSTREAMS_MAX)),
            "status": v.literal(*STATUSES),
        }
    )
    # Used by lists (newest first) filtered by status and severity, and by the open-risk matrix.
    .index("by_status", ["orgId", "programId", "status", "severity"])
    .search_index("search", ["title", "description"], ["orgId", "programId"]),
}

EDITABLE = {
    "title": v.optional(v.string()),
    "description": v.optional(v.string()),
    "severity": v.optional(v.literal(*SEVERITIES)),
    "probability": v.optional(v.literal(*PROBABILITIES)),
    "mitigation": v.optional(v.string()),
    "ownerId": v.optional(v.id("users")),
    "workstreamIds": v.optional(v.array(v.id("workstreams"), max_length=WORKSTREAMS_MAX)),
}
CLEARABLE = ("description", "mitigation", "ownerId", "workstreamIds")


def check_risk_fields(ctx: QueryCtx, program: dict[str, Any], fields: Mapping[str, Any]) -> None:
    """Validate text, the owner's membership and that workstreams belong to the program."""
    check_text("title", fields.get("title"), TITLE_MAX, required="title" in fields)
    check_text("description", fields.get("description"), TEXT_MAX)
    check_text("mitigation", fields.get("mitigation"), TEXT_MAX)
    if fields.get("ownerId") is not None:
        check_org_user(ctx, program["orgId"], fields["ownerId"], "ownerId")
    workstreams = fields.get("workstreamIds") or ()
    if len(set(workstreams)) != len(workstreams):
        raise ArgumentError("workstreamIds lists a workstream twice", {"path": "workstreamIds"})
    for ws in workstreams:
        get_in_program(ctx, "workstreams", ws, program, "workstreamIds")


def counter_keys(risk: Mapping[str, Any] | None) -> dict[str, int]:
    """The counters one risk contributes to."""
    if risk is None:
        return {}
    keys = {f"risks.{risk['status']}": 1}
    if risk["status"] == "open":
        keys[f"risks.open.{risk['severity']}"] = 1
    return keys


def counter_deltas(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> dict[str, int]:
    """Counter changes for a risk going from `before` to `after` (None: absent)."""
    deltas = dict(counter_keys(after))
    for key, n in counter_keys(before).items():
        deltas[key] = deltas.get(key, 0) - n
    return deltas


def do_write(
    ctx: MutationCtx,
    member: Member,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    action: Action,
    description: str,
) -> None:
    """Adjust counters and audit a risk that changed from `before` to `after` (already written)."""
    risk = after or before or {}
    adjust(ctx, risk["orgId"], risk["programId"], counter_deltas(before, after))
    record_audit(
        ctx,
        member,
        program_id=risk["programId"],
        entity_type="risk",
        entity_id=risk["_id"],
        action=action,
        description=description,
        before=before,
        after=after,
    )


@mutation(
    args={
        "programId": v.id("programs"),
        **EDITABLE,
        "title": v.string(),
        "severity": v.literal(*SEVERITIES),
        "probability": v.literal(*PROBABILITIES),
    }
)
def create(ctx: MutationCtx, programId: str, **fields: Any) -> str:
    """Record an open risk."""
    member, program = get_program_for_member(ctx, programId, write=True)
    return do_create_risk(ctx, member, program, fields)


def do_create_risk(
    ctx: MutationCtx, member: Member, program: dict[str, Any], fields: Mapping[str, Any]
) -> str:
    """Check and record an open risk (for other modules too; write access already checked)."""
    fields = {k: val for k, val in fields.items() if val is not None}
    check_risk_fields(ctx, program, fields)
    doc = {"orgId": program["orgId"], "programId": program["_id"], **fields, "status": "open"}
    risk_id = ctx.db.insert("risks", doc)
    do_write(ctx, member, None, {**doc, "_id": risk_id}, "create", f"Raised risk {doc['title']}")
    return risk_id


def do_delete_risk(ctx: MutationCtx, member: Member, risk: dict[str, Any]) -> None:
    """Delete a risk with its audit row and counters (write access already checked)."""
    ctx.db.delete(risk["_id"])
    do_write(ctx, member, risk, None, "delete", f"Deleted risk {risk['title']}")


@mutation(
    args={
        "riskId": v.id("risks"),
        **EDITABLE,
        "clear": v.optional(v.array(v.literal(*CLEARABLE), max_length=len(CLEARABLE))),
    }
)
def update(
    ctx: MutationCtx, riskId: str, clear: builtins.list[str] | None = None, **fields: Any
) -> None:
    """Change a risk's fields; names in `clear` are removed."""
    member, risk = get_for_member(ctx, "risks", riskId, write=True)
    _, program = get_program_for_member(ctx, risk["programId"])
    changes = {k: val for k, val in fields.items() if val is not None}
    for name in clear or ():
        if name in changes:
            raise ArgumentError(f"{name} is both set and cleared", {"path": name})
    check_risk_fields(ctx, program, changes)
    ctx.db.patch(riskId, {**changes, **{name: None for name in clear or ()}})
    after = {k: val for k, val in {**risk, **changes}.items() if k not in (clear or ())}
    do_write(ctx, member, risk, after, "update", f"Updated risk {after['title']}")


@mutation(args={"riskId": v.id("risks"), "status": v.literal(*STATUSES)})
def set_status(ctx: MutationCtx, riskId: str, status: str) -> None:
    """Move a risk along RISK_MOVES."""
    member, risk = get_for_member(ctx, "risks", riskId, write=True)
    check_move(RISK_MOVES, risk["status"], status)
    ctx.db.patch(riskId, {"status": status})
    description = f"Risk {risk['title']}: {risk['status']} → {status}"
    do_write(ctx, member, risk, {**risk, "status": status}, "status_change", description)


@mutation(args={"riskId": v.id("risks")})
def remove(ctx: MutationCtx, riskId: str) -> None:
    """Delete a risk."""
    member, risk = get_for_member(ctx, "risks", riskId, write=True)
    do_delete_risk(ctx, member, risk)


@query(args={"riskId": v.id("risks")})
def get(ctx: QueryCtx, riskId: str) -> Any:
    """One risk."""
    _, risk = get_for_member(ctx, "risks", riskId)
    return risk


@query(
    args={
        "programId": v.id("programs"),
        "status": v.optional(v.literal(*STATUSES)),
        "severity": v.optional(v.literal(*SEVERITIES)),
        "ownerId": v.optional(v.id("users")),
        "workstreamId": v.optional(v.id("workstreams")),
        "cursor": v.optional(v.string()),
        "numItems": v.number(),
    }
)
def list(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    status: str | None = None,
    severity: str | None = None,
    ownerId: str | None = None,
    workstreamId: str | None = None,
    cursor: str | None = None,
) -> Any:
    """A page of the program's risks (by status, then severity when filtered by status)."""
    _, program = get_program_for_member(ctx, programId)
    if workstreamId is not None:
        get_in_program(ctx, "workstreams", workstreamId, program, "workstreamId")
    org_id = program["orgId"]

    def by_status(q: Any) -> Any:
        q = q.eq("orgId", org_id).eq("programId", programId)
        if status is None:
            return q
        q = q.eq("status", status)
        return q if severity is None else q.eq("severity", severity)

    def wanted(risk: dict[str, Any]) -> bool:
        return (
            (severity is None or risk["severity"] == severity)
            and (ownerId is None or risk.get("ownerId") == ownerId)
            and (workstreamId is None or workstreamId in risk.get("workstreamIds", ()))
        )

    risks = ctx.db.query("risks").with_index("by_status", by_status).order("desc")
    if severity is not None or ownerId is not None or workstreamId is not None:
        risks = risks.filter(wanted)
    return risks.paginate(cursor, max(1, min(int(numItems), PAGE_MAX)))


@query(args={"programId": v.id("programs")})
def matrix(ctx: QueryCtx, programId: str) -> Any:
    """Open risks counted per (severity, probability) cell (`capped` past 2,000 open risks)."""
    _, program = get_program_for_member(ctx, programId)
    open_risks = (
        ctx.db.query("risks")
        .with_index(
            "by_status",
            lambda q: (
                q.eq("orgId", program["orgId"]).eq("programId", programId).eq("status", "open")
            ),
        )
        .take(MATRIX_MAX)
    )
    counts = {s: dict.fromkeys(PROBABILITIES, 0) for s in SEVERITIES}
    for risk in open_risks:
        counts[risk["severity"]][risk["probability"]] += 1
    return {
        "severities": [*SEVERITIES],
        "probabilities": [*PROBABILITIES],
        "counts": counts,
        "total": len(open_risks),
        "capped": len(open_risks) == MATRIX_MAX,
    }


@query(args={"riskId": v.id("risks")})
def detail(ctx: QueryCtx, riskId: str) -> Any:
    """One risk with its owner's name and its workstreams' names (for the risk's page)."""
    _, risk = get_for_member(ctx, "risks", riskId)
    owner = ctx.db.get(risk["ownerId"]) if risk.get("ownerId") else None
    workstreams = [ctx.db.get(ws) for ws in risk.get("workstreamIds") or ()]
    return {
        **risk,
        "ownerName": None if owner is None else owner.get("name") or owner.get("email"),
        "workstreams": [
            {k: ws[k] for k in ("_id", "name", "shortCode")} for ws in workstreams if ws is not None
        ],
    }
