"""Sprint gates: a workstream's checkpoints (foundation, development, integration, release).

A gate holds criteria (each passed or not, with evidence) and approvals (each pending, approved or
declined by the approver themself). It is *ready* when every criterion has passed and no approval
is declined; finalizing a pending gate makes it passed or failed by that rule. An organisation
admin or the program's director may override a gate with a written reason. Counters
`sprintGates.<status>` follow every create, delete and status change.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from foundry.app.model.access import Member, get_for_member, get_in_program, get_program_for_member
from foundry.app.model.audit import Action, record_audit
from foundry.app.model.listing import in_program
from foundry.app.model.stats import adjust, status_move
from foundry.app.programs import check_text
from foundry.app.tasks import check_move, check_org_user
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError, ForbiddenError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

GATE_TYPES = ("foundation", "development", "integration", "release")
STATUSES = ("pending", "passed", "failed", "overridden")
# Finalize decides pending → passed|failed; override needs a reason; reopen goes back to pending.
GATE_MOVES: dict[str, frozenset[str]] = {
    "pending": frozenset({"passed", "failed", "overridden"}),
    "passed": frozenset({"pending"}),
    "failed": frozenset({"pending", "overridden"}),
    "overridden": frozenset({"pending"}),
}
DECISIONS = ("approved", "declined")
NAME_MAX = 200
TEXT_MAX = 5_000
ROLE_MAX = 50
CRITERIA_MAX = 50
APPROVALS_MAX = 20
FILES_MAX = 20
"""The most evidence files one criterion lists."""
PAGE_MAX = 200

CRITERION = v.object(
    {
        "title": v.string(),
        "description": v.optional(v.string()),
        "passed": v.boolean(),
        "evidence": v.optional(v.string()),
        "evidenceIds": v.optional(v.array(v.id("evidence"), max_length=FILES_MAX)),
    }
)
APPROVAL = v.object(
    {
        "userId": v.id("users"),
        "role": v.string(),
        "status": v.literal("pending", *DECISIONS),
        "timestamp": v.optional(v.number()),
    }
)
NEW_CRITERION = v.object({"title": v.string(), "description": v.optional(v.string())})

TABLES = {
    "sprintGates": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "workstreamId": v.id("workstreams"),
            "name": v.string(),
            "gateType": v.literal(*GATE_TYPES),
            "criteria": v.array(CRITERION, max_length=CRITERIA_MAX),
            "approvals": v.array(APPROVAL, max_length=APPROVALS_MAX),
            "status": v.literal(*STATUSES),
            "evaluatedAt": v.optional(v.number()),
            "overrideReason": v.optional(v.string()),
            "overriddenBy": v.optional(v.id("users")),
        }
    )
    # Used by the gates page, grouped or filtered by type.
    .index("by_program", ["orgId", "programId", "gateType"])
    # Used by a workstream's gates.
    .index("by_workstream", ["orgId", "programId", "workstreamId"]),
}


def evaluation(gate: Mapping[str, Any]) -> dict[str, Any]:
    """Readiness: every criterion passed and no approval declined."""
    criteria, approvals = gate["criteria"], gate["approvals"]
    passed = sum(bool(c["passed"]) for c in criteria)
    declined = sum(a["status"] == "declined" for a in approvals)
    return {
        "ready": passed == len(criteria) and declined == 0,
        "criteriaPassed": passed,
        "criteriaTotal": len(criteria),
        "approved": sum(a["status"] == "approved" for a in approvals),
        "declined": declined,
        "pending": sum(a["status"] == "pending" for a in approvals),
    }


def check_criterion(index: int, criterion: Mapping[str, Any], prefix: str = "criteria") -> None:
    """Validate one criterion's text fields."""
    check_text(f"{prefix}[{index}].title", criterion.get("title"), NAME_MAX, required=True)
    check_text(f"{prefix}[{index}].description", criterion.get("description"), TEXT_MAX)
    check_text(f"{prefix}[{index}].evidence", criterion.get("evidence"), TEXT_MAX)


def gate_for_change(ctx: MutationCtx, gate_id: str) -> tuple[Member, dict[str, Any]]:
    """The caller and a pending gate they may change; decided gates are reopened first."""
    member, gate = get_for_member(ctx, "sprintGates", gate_id, write=True)
    if gate["status"] != "pending":
        raise ArgumentError(
            f"gateId: the gate is {gate['status']}; reopen it to change it", {"path": "gateId"}
        )
    return member, gate


def criterion_index(gate: Mapping[str, Any], index: float) -> int:
    """`index` as a position in the gate's criteria, or an ArgumentError naming it."""
    if index != int(index) or not 0 <= index < len(gate["criteria"]):
        raise ArgumentError(
            f"index must be a criterion position from 0 to {len(gate['criteria']) - 1}",
            {"path": "index"},
        )
    return int(index)


def do_patch_gate(
    ctx: MutationCtx,
    member: Member,
    gate: dict[str, Any],
    changes: Mapping[str, Any],
    description: str,
    action: Action = "update",
) -> None:
    """Write gate changes with their audit row (and counters when the status moves)."""
    ctx.db.patch(gate["_id"], changes)
    if "status" in changes and changes["status"] != gate["status"]:
        moved = status_move("sprintGates", gate["status"], changes["status"])
        adjust(ctx, gate["orgId"], gate["programId"], moved)
    record_audit(
        ctx,
        member,
        program_id=gate["programId"],
        entity_type="gate",
        entity_id=gate["_id"],
        action=action,
        description=description,
        before=gate,
        after={**gate, **changes},
    )


def do_set_status(
    ctx: MutationCtx, member: Member, gate: dict[str, Any], status: str, **extra: Any
) -> None:
    """Move a gate along GATE_MOVES (extra fields written with it)."""
    check_move(GATE_MOVES, gate["status"], status)
    changes = {"status": status, **extra}
    description = f"Gate {gate['name']}: {gate['status']} → {status}"
    do_patch_gate(ctx, member, gate, changes, description, "status_change")


@mutation(
    args={
        "programId": v.id("programs"),
        "workstreamId": v.id("workstreams"),
        "name": v.string(),
        "gateType": v.literal(*GATE_TYPES),
        "criteria": v.optional(v.array(NEW_CRITERION, max_length=CRITERIA_MAX)),
    }
)
def create(
    ctx: MutationCtx,
    programId: str,
    workstreamId: str,
    name: str,
    gateType: str,
    criteria: builtins.list[dict[str, Any]] | None = None,
) -> str:
    """Create a pending gate for a workstream, with its criteria (none passed yet)."""
    member, program = get_program_for_member(ctx, programId, write=True)
    get_in_program(ctx, "workstreams", workstreamId, program, "workstreamId")
    check_text("name", name, NAME_MAX, required=True)
    for i, criterion in enumerate(criteria or ()):
        check_criterion(i, criterion)
    doc = {
        "orgId": program["orgId"],
        "programId": programId,
        "workstreamId": workstreamId,
        "name": name,
        "gateType": gateType,
        "criteria": [{**c, "passed": False} for c in criteria or ()],
        "approvals": [],
        "status": "pending",
    }
    gate_id = ctx.db.insert("sprintGates", doc)
    adjust(ctx, program["orgId"], programId, status_move("sprintGates", None, "pending"))
    record_audit(
        ctx,
        member,
        program_id=programId,
        entity_type="gate",
        entity_id=gate_id,
        action="create",
        description=f"Created {gateType} gate {name}",
        after=doc,
    )
    return gate_id


@mutation(
    args={"gateId": v.id("sprintGates"), "title": v.string(), "description": v.optional(v.string())}
)
def add_criterion(
    ctx: MutationCtx, gateId: str, title: str, description: str | None = None
) -> None:
    """Append a criterion (not passed) to a pending gate."""
    member, gate = gate_for_change(ctx, gateId)
    criterion = {"title": title, "passed": False}
    if description is not None:
        criterion["description"] = description
    check_criterion(len(gate["criteria"]), criterion)
    if len(gate["criteria"]) >= CRITERIA_MAX:
        raise ArgumentError(f"title: a gate has at most {CRITERIA_MAX} criteria", {"path": "title"})
    criteria = [*gate["criteria"], criterion]
    do_patch_gate(ctx, member, gate, {"criteria": criteria}, f"Added criterion {title}")


@mutation(args={"gateId": v.id("sprintGates"), "index": v.number()})
def remove_criterion(ctx: MutationCtx, gateId: str, index: float) -> None:
    """Remove the criterion at `index` from a pending gate."""
    member, gate = gate_for_change(ctx, gateId)
    i = criterion_index(gate, index)
    criteria = [c for n, c in enumerate(gate["criteria"]) if n != i]
    title = gate["criteria"][i]["title"]
    do_patch_gate(ctx, member, gate, {"criteria": criteria}, f"Removed criterion {title}")


@mutation(
    args={
        "gateId": v.id("sprintGates"),
        "index": v.number(),
        "passed": v.optional(v.boolean()),
        "evidence": v.optional(v.string()),
    }
)
def set_criterion(
    ctx: MutationCtx,
    gateId: str,
    index: float,
    passed: bool | None = None,
    evidence: str | None = None,
) -> None:
    """Mark a criterion passed or not, and/or attach evidence (text or an evidence storage id)."""
    member, gate = gate_for_change(ctx, gateId)
    i = criterion_index(gate, index)
    criterion = dict(gate["criteria"][i])
    if passed is not None:
        criterion["passed"] = passed
    if evidence is not None:
        check_text("evidence", evidence, TEXT_MAX)
        criterion["evidence"] = evidence
    criteria = [criterion if n == i else c for n, c in enumerate(gate["criteria"])]
    state = "passed" if criterion["passed"] else "not passed"
    do_patch_gate(
        ctx, member, gate, {"criteria": criteria}, f"Criterion {criterion['title']}: {state}"
    )


@mutation(args={"gateId": v.id("sprintGates"), "index": v.number(), "evidenceId": v.id("evidence")})
def attach_evidence(ctx: MutationCtx, gateId: str, index: float, evidenceId: str) -> None:
    """List a file already uploaded as the gate's evidence (`evidence:upload` with `gateId`)
    under the criterion at `index` of a pending gate."""
    member, gate = gate_for_change(ctx, gateId)
    i = criterion_index(gate, index)
    _, row = get_for_member(ctx, "evidence", evidenceId)
    if row["entityType"] != "gate" or row["entityId"] != gateId:
        raise ArgumentError(
            "evidenceId: the file is not attached to this gate", {"path": "evidenceId"}
        )
    criterion = dict(gate["criteria"][i])
    ids = [*criterion.get("evidenceIds", ())]
    if evidenceId in ids:
        return
    if len(ids) >= FILES_MAX:
        raise ArgumentError(f"file: a criterion lists at most {FILES_MAX} files", {"path": "file"})
    criterion["evidenceIds"] = [*ids, evidenceId]
    criteria = [criterion if n == i else c for n, c in enumerate(gate["criteria"])]
    description = f"Criterion {criterion['title']}: attached {row['fileName']}"
    do_patch_gate(ctx, member, gate, {"criteria": criteria}, description)


@mutation(args={"gateId": v.id("sprintGates"), "userId": v.id("users"), "role": v.string()})
def request_approval(ctx: MutationCtx, gateId: str, userId: str, role: str) -> None:
    """Ask an organisation member to approve the gate (asking again resets their answer)."""
    member, gate = gate_for_change(ctx, gateId)
    check_org_user(ctx, gate["orgId"], userId, "userId")
    check_text("role", role, ROLE_MAX, required=True)
    others = [a for a in gate["approvals"] if a["userId"] != userId]
    if len(others) >= APPROVALS_MAX:
        raise ArgumentError(
            f"userId: a gate has at most {APPROVALS_MAX} approvers", {"path": "userId"}
        )
    approvals = [*others, {"userId": userId, "role": role, "status": "pending"}]
    do_patch_gate(ctx, member, gate, {"approvals": approvals}, f"Requested a {role} approval")


@mutation(args={"gateId": v.id("sprintGates"), "decision": v.literal(*DECISIONS)})
def record_approval(ctx: MutationCtx, gateId: str, decision: str) -> None:
    """Record the caller's own decision on a gate they were asked to approve."""
    member, gate = gate_for_change(ctx, gateId)
    if not any(a["userId"] == member.user_id for a in gate["approvals"]):
        raise ForbiddenError(
            "Only a requested approver can record an approval, and only their own.",
            {"gateId": gateId},
        )
    approvals = [
        {**a, "status": decision, "timestamp": ctx.now_ms} if a["userId"] == member.user_id else a
        for a in gate["approvals"]
    ]
    do_patch_gate(ctx, member, gate, {"approvals": approvals}, f"Approval {decision}")


@mutation(args={"gateId": v.id("sprintGates")})
def evaluate(ctx: MutationCtx, gateId: str) -> Any:
    """Compute readiness now and stamp `evaluatedAt`; returns the evaluation."""
    member, gate = gate_for_change(ctx, gateId)
    result = evaluation(gate)
    state = "ready" if result["ready"] else "not ready"
    do_patch_gate(ctx, member, gate, {"evaluatedAt": ctx.now_ms}, f"Evaluated: {state}")
    return result


@mutation(args={"gateId": v.id("sprintGates")})
def finalize(ctx: MutationCtx, gateId: str) -> str:
    """Decide a pending gate: passed when ready, else failed. Returns the new status."""
    member, gate = gate_for_change(ctx, gateId)
    status = "passed" if evaluation(gate)["ready"] else "failed"
    do_set_status(ctx, member, gate, status, evaluatedAt=ctx.now_ms)
    return status


@mutation(args={"gateId": v.id("sprintGates"), "reason": v.string()})
def override(ctx: MutationCtx, gateId: str, reason: str) -> None:
    """Let a pending or failed gate through anyway: organisation admins or the program's
    directors only, with a written reason kept on the gate and in the audit trail."""
    member, gate = get_for_member(ctx, "sprintGates", gateId, write=True)
    if not (member.is_admin or member.program_role == "director"):
        raise ForbiddenError(
            "Only organisation admins and program directors can override a gate.",
            {"gateId": gateId},
        )
    check_text("reason", reason, TEXT_MAX, required=True)
    do_set_status(
        ctx, member, gate, "overridden", overrideReason=reason, overriddenBy=member.user_id
    )


@mutation(args={"gateId": v.id("sprintGates")})
def reopen(ctx: MutationCtx, gateId: str) -> None:
    """Put a decided gate back to pending (its override, if any, is cleared)."""
    member, gate = get_for_member(ctx, "sprintGates", gateId, write=True)
    do_set_status(ctx, member, gate, "pending", overrideReason=None, overriddenBy=None)


@mutation(args={"gateId": v.id("sprintGates")})
def remove(ctx: MutationCtx, gateId: str) -> None:
    """Delete a gate."""
    member, gate = get_for_member(ctx, "sprintGates", gateId, write=True)
    ctx.db.delete(gateId)
    adjust(ctx, gate["orgId"], gate["programId"], status_move("sprintGates", gate["status"], None))
    record_audit(
        ctx,
        member,
        program_id=gate["programId"],
        entity_type="gate",
        entity_id=gateId,
        action="delete",
        description=f"Deleted gate {gate['name']}",
        before=gate,
    )


@query(
    args={
        "programId": v.id("programs"),
        "workstreamId": v.optional(v.id("workstreams")),
        "gateType": v.optional(v.literal(*GATE_TYPES)),
        "cursor": v.optional(v.string()),
        "numItems": v.number(),
    }
)
def list(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    workstreamId: str | None = None,
    gateType: str | None = None,
    cursor: str | None = None,
) -> Any:
    """A page of the program's gates, optionally of one workstream and/or type."""
    _, program = get_program_for_member(ctx, programId)
    gates = in_program(
        ctx, "sprintGates", program, workstreamId, "gateType", gateType, "by_program"
    )
    return gates.paginate(cursor, max(1, min(int(numItems), PAGE_MAX)))


@query(args={"gateId": v.id("sprintGates")})
def get(ctx: QueryCtx, gateId: str) -> Any:
    """A gate with its live evaluation; each criterion's evidence files under `files`."""
    _, gate = get_for_member(ctx, "sprintGates", gateId)
    criteria = [{**c, "files": criterion_files(ctx, c)} for c in gate["criteria"]]
    return {**gate, "criteria": criteria, "evaluation": evaluation(gate)}


def criterion_files(ctx: QueryCtx, criterion: Mapping[str, Any]) -> builtins.list[dict[str, Any]]:
    """The evidence files a criterion lists that still exist (name, size, uploader, time)."""
    rows = (ctx.db.get(e) for e in criterion.get("evidenceIds") or ())
    keys = ("_id", "_creation_time", "fileName", "fileSize", "uploadedByName")
    return [{k: row[k] for k in keys} for row in rows if row is not None]
