"""Discovery findings: what AI analysis of a document proposes, reviewed by people, then imported.

A finding is a proposed requirement, risk, integration, decision or action item. Reviewers approve,
reject or edit it (one at a time or up to BULK_MAX at once); approved or edited findings of the
first three types are imported, which creates the real row in the same mutation and remembers it
in `importedAs`. Reverting an import deletes that row again, but only if nobody changed it since
(its fingerprint still matches) and nothing hangs off it (comments, evidence).

Status moves live in `MOVES` and `check_move`; nothing else changes a finding's status.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable
from typing import Any

import orjson

from foundry.app.activity import page_size, record_activity
from foundry.app.audit import PAGE
from foundry.app.comments import has_comments
from foundry.app.evidence import has_evidence
from foundry.app.integrations import (
    check_integration_fields,
    do_create_integration,
    do_delete_integration,
)
from foundry.app.model.access import Member, get_for_member, get_in_program, get_program_for_member
from foundry.app.model.audit import record_audit
from foundry.app.model.stats import adjust, counts_of, status_move
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import AppError, ArgumentError
from foundry.engine.functions import internal_mutation, mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

TYPES = ("requirement", "risk", "integration", "decision", "action_item")
STATUSES = ("pending", "approved", "rejected", "edited", "imported")
CONFIDENCES = ("high", "medium", "low")
MOVES = {
    "pending": {"approved", "rejected", "edited"},
    "approved": {"pending", "rejected", "edited", "imported"},
    "edited": {"pending", "approved", "rejected", "edited", "imported"},
    "rejected": {"pending", "approved", "edited"},
    # Only `revert_import` leaves "imported", so an imported row is never orphaned.
    "imported": {"approved"},
}
BULK_MAX = 200
DATA_MAX_BYTES = 50_000
EXCERPT_MAX = 5_000
BULK_IDS = v.array(v.id("discoveryFindings"), max_length=BULK_MAX)
PROPOSED = v.array(
    v.object(
        {
            "type": v.literal(*TYPES),
            "data": v.any(),
            "confidence": v.literal(*CONFIDENCES),
            "sourceExcerpt": v.optional(v.string()),
            "suggestedWorkstream": v.optional(v.string()),
        }
    ),
    max_length=500,
)

TABLES = {
    "discoveryFindings": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "documentId": v.id("documents"),
            "analysisId": v.optional(v.id("documentAnalyses")),
            "type": v.literal(*TYPES),
            "status": v.literal(*STATUSES),
            "data": v.any(),
            "editedData": v.optional(v.any()),
            "suggestedWorkstream": v.optional(v.string()),
            "confidence": v.literal(*CONFIDENCES),
            "sourceExcerpt": v.optional(v.string()),
            "importedAs": v.optional(
                v.object(
                    {
                        "table": v.string(),
                        "id": v.string(),
                        "fingerprint": v.string(),
                        "importedAt": v.number(),
                    }
                )
            ),
            "reviewedBy": v.optional(v.id("users")),
            "reviewedByName": v.optional(v.string()),
            "reviewedAt": v.optional(v.number()),
        }
    )
    # Used by `queue`: one status of a program, oldest first.
    .index("by_program_status", ["orgId", "programId", "status"])
    # Used by `queue(type)`: one status and type of a program.
    .index("by_program_status_type", ["orgId", "programId", "status", "type"])
    # Used when a document is deleted, to purge its findings.
    .index("by_document", ["orgId", "documentId"]),
}


def fingerprint(doc: dict[str, Any]) -> str:
    """A hash of a row's own fields, to tell later whether anyone changed it."""
    fields = {k: val for k, val in doc.items() if not k.startswith("_")}
    return hashlib.sha256(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


def check_move(finding: dict[str, Any], to: str, *, reverting: bool = False) -> None:
    """Raise unless the finding may move to status `to` (from imported only when reverting)."""
    current = finding["status"]
    data = {"path": "status", "from": current, "findingId": finding["_id"]}
    if reverting != (current == "imported"):
        raise ArgumentError(
            "only an imported finding can be reverted"
            if reverting
            else "an imported finding changes only by reverting its import",
            data,
        )
    if to not in MOVES[current]:
        raise ArgumentError(
            f"status: expected one of {sorted(MOVES[current])} from {current!r}, got {to!r}", data
        )


def check_data(value: Any, field: str) -> None:
    """Finding data must be a JSON object of bounded size."""
    if not isinstance(value, dict):
        raise ArgumentError(f"{field} must be an object", {"path": field})
    if len(orjson.dumps(value)) > DATA_MAX_BYTES:
        raise ArgumentError(f"{field} is larger than {DATA_MAX_BYTES} bytes", {"path": field})


class Moves:
    """Status changes made in one mutation: applies each, audits it and counts them once."""

    def __init__(self, ctx: MutationCtx, member: Member) -> None:
        self.ctx = ctx
        self.member = member
        self.deltas: dict[tuple[str, str], dict[str, int]] = {}

    def move(
        self,
        finding: dict[str, Any],
        to: str,
        extra: dict[str, Any] | None = None,
        *,
        reverting: bool = False,
    ) -> None:
        """Move one finding (raises before writing when the move is not allowed)."""
        check_move(finding, to, reverting=reverting)
        changes = {
            "status": to,
            "reviewedBy": self.member.user_id,
            "reviewedByName": self.member.user_name,
            "reviewedAt": self.ctx.now_ms,
            **(extra or {}),
        }
        self.ctx.db.patch(finding["_id"], changes)
        counts = self.deltas.setdefault((finding["orgId"], finding["programId"]), {})
        for key, delta in status_move("discoveryFindings", finding["status"], to).items():
            counts[key] = counts.get(key, 0) + delta
        record_audit(
            self.ctx,
            self.member,
            program_id=finding["programId"],
            entity_type="finding",
            entity_id=finding["_id"],
            action="status_change",
            description=f"Finding {finding['type']}: {finding['status']} → {to}",
            before={"status": finding["status"]},
            after={"status": to},
        )

    def finish(self, event_type: str, verb: str, count: int) -> None:
        """Apply the counters and add one activity line per program touched."""
        for (org_id, program_id), deltas in self.deltas.items():
            adjust(self.ctx, org_id, program_id, deltas)
            noun = "finding" if count == 1 else "findings"
            text = f"{self.member.user_name} {verb} {count} {noun}"
            record_activity(self.ctx, self.member, program_id, event_type, text)


# --- turning a finding into a row ---------------------------------------------------------------

IMPORT_TABLES = {"requirements": "requirement", "risks": "risk", "integrations": "integration"}
PRIORITIES = ("must_have", "should_have", "nice_to_have", "deferred")
FIT_GAPS = ("native", "config", "custom_dev", "third_party", "not_feasible")
EFFORTS = ("low", "medium", "high", "very_high")
SEVERITIES = ("critical", "high", "medium", "low")
PROBABILITIES = ("very_likely", "likely", "possible", "unlikely")
INTEGRATION_TYPES = ("api", "webhook", "file_transfer", "database", "middleware", "other")
TITLE_MAX = 500
TEXT_MAX = 20_000


def coerce(value: Any, allowed: tuple[str, ...], default: str | None) -> str | None:
    """Lenient enum coercion, as AI output needs: "Must Have" → "must_have"; unknown → default."""
    if isinstance(value, str):
        key = re.sub(r"[\s-]+", "_", value.strip().lower())
        if key in allowed:
            return key
    return default


def text_of(
    data: dict[str, Any], names: tuple[str, ...], limit: int, *, required: bool = False
) -> str | None:
    """The first non-empty text among `names` in the finding's data, checked against `limit`."""
    for name in names:
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            if len(value) > limit:
                raise ArgumentError(
                    f"data.{name} is longer than {limit} characters", {"path": f"data.{name}"}
                )
            return value.strip()
    if required:
        raise ArgumentError(
            f"data.{names[0]} is required to import this finding", {"path": f"data.{names[0]}"}
        )
    return None


def _find(module: str, name: str) -> Callable[..., Any] | None:
    # Imported lazily: those modules are written elsewhere and may import this one's neighbours.
    try:
        fn = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return fn if callable(fn) else None


def _need(module: str, name: str) -> Callable[..., Any]:
    fn = _find(module, name)
    if fn is None:
        raise AppError(
            f"Importing this finding needs {module}.{name}, which this build does not have.",
            {"module": module, "name": name},
            code="NotAvailable",
        )
    return fn


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: val for k, val in fields.items() if val is not None}


def create_from_finding(
    ctx: MutationCtx, member: Member, program: dict[str, Any], kind: str, data: dict[str, Any]
) -> tuple[str, str]:
    """Create the requirement, risk or integration a finding proposes: (table, new id)."""
    description = text_of(data, ("description", "details"), TEXT_MAX)
    if kind == "requirement":
        fields = _present({
            "title": text_of(data, ("title", "name"), TITLE_MAX, required=True),
            "description": description,
            "priority": coerce(data.get("priority"), PRIORITIES, "should_have"),
            "fitGap": coerce(data.get("fitGap"), FIT_GAPS, "custom_dev"),
            "effortEstimate": coerce(data.get("effortEstimate"), EFFORTS, None),
        })  # fmt: skip
        create = _need("foundry.app.requirements", "do_create_requirement")
        return "requirements", str(create(ctx, member, program, fields))
    if kind == "risk":
        fields = _present({
            "title": text_of(data, ("title", "name"), TITLE_MAX, required=True),
            "description": description,
            "severity": coerce(data.get("severity"), SEVERITIES, "medium"),
            "probability": coerce(data.get("probability"), PROBABILITIES, "possible"),
            "mitigation": text_of(data, ("mitigation",), TEXT_MAX),
        })  # fmt: skip
        create = _need("foundry.app.risks", "do_create_risk")
        return "risks", str(create(ctx, member, program, fields))
    if kind == "integration":
        fields = _present({
            "name": text_of(data, ("name", "title"), 200, required=True),
            "type": coerce(data.get("type"), INTEGRATION_TYPES, "other"),
            "sourceSystem": text_of(data, ("sourceSystem", "source"), 200) or "Unknown",
            "targetSystem": text_of(data, ("targetSystem", "target"), 200) or "Unknown",
            "description": description,
        })  # fmt: skip
        check_integration_fields(ctx, program, fields)
        return "integrations", do_create_integration(ctx, member, program, fields)
    raise ArgumentError(
        f"{kind} findings cannot be imported; only requirement, risk and integration findings "
        "create rows",
        {"path": "findingId", "type": kind},
    )


TITLE_FIELDS = {
    "requirement": ("title", "name"),
    "risk": ("title", "name"),
    "integration": ("name", "title"),
    "decision": ("title", "name"),
    "action_item": ("title", "name"),
}


def check_proposal(kind: str, data: dict[str, Any]) -> None:
    """A reviewer's edit must keep what an import needs: a title (or name) and bounded text."""
    names = TITLE_FIELDS[kind]
    text_of(data, names, 200 if kind == "integration" else TITLE_MAX, required=True)
    text_of(data, ("description", "details"), TEXT_MAX)


def delete_imported(ctx: MutationCtx, member: Member, table: str, doc: dict[str, Any]) -> None:
    """Delete a row an import created, through its module's helper when it has one."""
    if table == "integrations":
        do_delete_integration(ctx, member, doc)
        return
    singular = IMPORT_TABLES[table]
    delete = _find(f"foundry.app.{table}", f"do_delete_{singular}")
    if delete is not None:
        delete(ctx, member, doc)
        return
    ctx.db.delete(doc["_id"])
    if doc.get("status") is not None:
        adjust(ctx, doc["orgId"], doc["programId"], status_move(table, doc["status"], None))
    record_audit(
        ctx,
        member,
        program_id=doc["programId"],
        entity_type=singular,
        entity_id=doc["_id"],
        action="delete",
        description=f"Deleted {singular} {doc.get('title', doc['_id'])} (finding import reverted)",
        before=doc,
    )


def _load(ctx: QueryCtx, finding_ids: list[str]) -> tuple[Member, list[dict[str, Any]]]:
    """The findings (write access checked for each), refusing duplicates and empty lists."""
    if not finding_ids:
        raise ArgumentError("findingIds must not be empty", {"path": "findingIds"})
    if len(set(finding_ids)) != len(finding_ids):
        raise ArgumentError("findingIds contains duplicates", {"path": "findingIds"})
    found = [get_for_member(ctx, "discoveryFindings", f, write=True) for f in finding_ids]
    return found[0][0], [doc for _, doc in found]


def _review(ctx: MutationCtx, finding_ids: list[str], to: str, verb: str) -> int:
    member, findings = _load(ctx, finding_ids)
    moves = Moves(ctx, member)
    for finding in findings:
        moves.move(finding, to)
    moves.finish(f"findings_{to}", verb, len(findings))
    return len(findings)


@mutation(args={"findingId": v.id("discoveryFindings")})
def approve(ctx: MutationCtx, findingId: str) -> None:
    """Approve a finding for import."""
    _review(ctx, [findingId], "approved", "approved")


@mutation(args={"findingId": v.id("discoveryFindings")})
def reject(ctx: MutationCtx, findingId: str) -> None:
    """Reject a finding."""
    _review(ctx, [findingId], "rejected", "rejected")


@mutation(args={"findingIds": BULK_IDS})
def approve_many(ctx: MutationCtx, findingIds: list[str]) -> int:
    """Approve up to BULK_MAX findings at once; all or none. Returns how many."""
    return _review(ctx, findingIds, "approved", "approved")


@mutation(args={"findingIds": BULK_IDS})
def reject_many(ctx: MutationCtx, findingIds: list[str]) -> int:
    """Reject up to BULK_MAX findings at once; all or none. Returns how many."""
    return _review(ctx, findingIds, "rejected", "rejected")


@mutation(args={"findingId": v.id("discoveryFindings"), "editedData": v.any()})
def edit(ctx: MutationCtx, findingId: str, editedData: Any) -> None:
    """Replace what a finding proposes with the reviewer's corrected version."""
    edit_many(ctx, [{"findingId": findingId, "editedData": editedData}])


@mutation(
    args={
        "edits": v.array(
            v.object({"findingId": v.id("discoveryFindings"), "editedData": v.any()}),
            max_length=BULK_MAX,
        )
    }
)
def edit_many(ctx: MutationCtx, edits: list[dict[str, Any]]) -> int:
    """Edit up to BULK_MAX findings at once; all or none. Returns how many."""
    member, findings = _load(ctx, [e["findingId"] for e in edits])
    for i, (finding, e) in enumerate(zip(findings, edits, strict=True)):
        check_data(e["editedData"], f"edits[{i}].editedData")
        check_proposal(finding["type"], e["editedData"])
    moves = Moves(ctx, member)
    for finding, e in zip(findings, edits, strict=True):
        moves.move(finding, "edited", {"editedData": e["editedData"]})
    moves.finish("findings_edited", "edited", len(findings))
    return len(findings)


def do_import(ctx: MutationCtx, moves: Moves, finding: dict[str, Any]) -> dict[str, Any]:
    """Create the row a finding proposes and mark the finding imported; returns `importedAs`."""
    check_move(finding, "imported")
    program = ctx.db.get(finding["programId"])
    if program is None:
        raise ArgumentError("the finding's program no longer exists", {"path": "findingId"})
    data = finding.get("editedData")
    data = finding["data"] if data is None else data
    check_data(data, "data")
    table, new_id = create_from_finding(ctx, moves.member, program, finding["type"], data)
    created = ctx.db.get(new_id) or {}
    imported = {
        "table": table,
        "id": new_id,
        "fingerprint": fingerprint(created),
        "importedAt": ctx.now_ms,
    }
    moves.move(finding, "imported", {"importedAs": imported})
    return imported


@mutation(args={"findingId": v.id("discoveryFindings")})
def import_finding(ctx: MutationCtx, findingId: str) -> Any:
    """Import an approved or edited finding: creates its requirement, risk or integration."""
    member, findings = _load(ctx, [findingId])
    moves = Moves(ctx, member)
    imported = do_import(ctx, moves, findings[0])
    moves.finish("findings_imported", "imported", 1)
    return imported


@mutation(args={"findingIds": BULK_IDS})
def import_many(ctx: MutationCtx, findingIds: list[str]) -> Any:
    """Import up to BULK_MAX approved or edited findings; all or none."""
    member, findings = _load(ctx, findingIds)
    moves = Moves(ctx, member)
    out = [do_import(ctx, moves, finding) for finding in findings]
    moves.finish("findings_imported", "imported", len(findings))
    return out


@mutation(args={"findingId": v.id("discoveryFindings")})
def revert_import(ctx: MutationCtx, findingId: str) -> None:
    """Undo an import: delete the created row (if unchanged and unreferenced), back to approved."""
    member, finding = get_for_member(ctx, "discoveryFindings", findingId, write=True)
    check_move(finding, "approved", reverting=True)
    imported = finding["importedAs"]
    table = imported["table"]
    doc = ctx.db.get(imported["id"]) if ctx.db.normalize_id(table, imported["id"]) else None
    if doc is not None:
        if (
            doc.get("programId") != finding["programId"]
            or fingerprint(doc) != imported["fingerprint"]
        ):
            raise ArgumentError(
                f"The {IMPORT_TABLES[table]} created by this import was changed since; reverting "
                "would lose those changes. Delete it yourself if it is no longer wanted.",
                {"path": "findingId", "table": table, "id": imported["id"]},
            )
        entity_type = IMPORT_TABLES[table]
        if has_comments(ctx, doc["orgId"], entity_type, doc["_id"]) or (
            entity_type == "requirement" and has_evidence(ctx, doc, entity_type)
        ):
            raise ArgumentError(
                f"The {entity_type} created by this import has comments or evidence now; "
                "reverting would lose them. Delete it yourself if it is no longer wanted.",
                {"path": "findingId", "table": table, "id": imported["id"]},
            )
        delete_imported(ctx, member, table, doc)
    moves = Moves(ctx, member)
    moves.move(finding, "approved", {"importedAs": None}, reverting=True)
    moves.finish("findings_reverted", "reverted the import of", 1)


@internal_mutation(
    args={
        "programId": v.id("programs"),
        "documentId": v.id("documents"),
        "analysisId": v.optional(v.id("documentAnalyses")),
        "findings": PROPOSED,
    }
)
def record(
    ctx: MutationCtx,
    programId: str,
    documentId: str,
    findings: list[dict[str, Any]],
    analysisId: str | None = None,
) -> list[str]:
    """For the analysis pipeline: add pending findings proposed from a document."""
    program = ctx.db.get(programId)
    if program is None:
        raise ArgumentError("programId does not exist", {"path": "programId"})
    return do_record(ctx, program, documentId, findings, analysisId)


def do_record(
    ctx: MutationCtx,
    program: dict[str, Any],
    documentId: str,
    findings: list[dict[str, Any]],
    analysisId: str | None,
) -> list[str]:
    """Insert pending findings for one of the program's documents and count them."""
    programId = program["_id"]
    get_in_program(ctx, "documents", documentId, program, "documentId")
    for i, f in enumerate(findings):
        check_data(f["data"], f"findings[{i}].data")
    ids = []
    for f in findings:
        row = {
            "orgId": program["orgId"],
            "programId": programId,
            "documentId": documentId,
            "status": "pending",
            **{k: val for k, val in f.items() if val is not None},
        }
        if "sourceExcerpt" in row:
            row["sourceExcerpt"] = row["sourceExcerpt"][:EXCERPT_MAX]
        if analysisId is not None:
            row["analysisId"] = analysisId
        ids.append(ctx.db.insert("discoveryFindings", row))
    adjust(ctx, program["orgId"], programId, {"discoveryFindings.pending": len(ids)})
    return ids


@mutation(args={"documentId": v.id("documents"), "findings": PROPOSED})
def propose(ctx: MutationCtx, documentId: str, findings: list[dict[str, Any]]) -> list[str]:
    """Add pending findings to a document of the caller's program, for review.

    The entry point for analysis results computed outside the backend (the agent, calling with
    the requesting user's token) and for findings a reviewer writes down by hand.
    """
    member, doc = get_for_member(ctx, "documents", documentId, write=True)
    program = ctx.db.get(doc["programId"])
    if program is None:
        raise ArgumentError("the document's program no longer exists", {"path": "documentId"})
    ids = do_record(ctx, program, documentId, findings, None)
    noun = "finding" if len(ids) == 1 else "findings"
    record_activity(
        ctx,
        member,
        doc["programId"],
        "findings_proposed",
        f"{member.user_name} proposed {len(ids)} {noun} from {doc['fileName']}",
        "document",
        documentId,
    )
    return ids


@internal_mutation(args={"orgId": v.id("organizations"), "documentId": v.id("documents")})
def purge_for_document(ctx: MutationCtx, orgId: str, documentId: str) -> None:
    """After a document is deleted: delete its findings, except imported ones, in batches."""
    rows = (
        ctx.db.query("discoveryFindings")
        .with_index("by_document", lambda q: q.eq("orgId", orgId).eq("documentId", documentId))
        .filter(lambda d: d["status"] != "imported")
        .take(BULK_MAX + 1)
    )
    deltas: dict[str, dict[str, int]] = {}
    for row in rows[:BULK_MAX]:
        ctx.db.delete(row["_id"])
        counts = deltas.setdefault(row["programId"], {})
        key = f"discoveryFindings.{row['status']}"
        counts[key] = counts.get(key, 0) - 1
    for program_id, counts in deltas.items():
        adjust(ctx, orgId, program_id, counts)
    if len(rows) > BULK_MAX:
        ctx.scheduler.run_after(
            0, "findings:purge_for_document", {"orgId": orgId, "documentId": documentId}
        )


@query(args={"findingId": v.id("discoveryFindings")})
def get(ctx: QueryCtx, findingId: str) -> Any:
    """One finding."""
    _, finding = get_for_member(ctx, "discoveryFindings", findingId)
    return finding


@query(
    args={
        "programId": v.id("programs"),
        "status": v.optional(v.literal(*STATUSES)),
        "type": v.optional(v.literal(*TYPES)),
        **PAGE,
    }
)
def queue(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    status: str | None = None,
    type: str | None = None,
    cursor: str | None = None,
) -> Any:
    """The review queue: a program's findings of one status (pending by default), oldest first."""
    _, program = get_program_for_member(ctx, programId)
    org_id, wanted = program["orgId"], status or "pending"
    if type is None:
        q = ctx.db.query("discoveryFindings").with_index(
            "by_program_status",
            lambda r: r.eq("orgId", org_id).eq("programId", programId).eq("status", wanted),
        )
    else:
        q = ctx.db.query("discoveryFindings").with_index(
            "by_program_status_type",
            lambda r: (
                r.eq("orgId", org_id)
                .eq("programId", programId)
                .eq("status", wanted)
                .eq("type", type)
            ),
        )
    return q.paginate(cursor, page_size(numItems))


@query(args={"programId": v.id("programs")})
def counts(ctx: QueryCtx, programId: str) -> dict[str, int]:
    """How many of the program's findings are in each status (maintained counters)."""
    _, program = get_program_for_member(ctx, programId)
    all_counts = counts_of(ctx, program["orgId"], programId)
    prefix = "discoveryFindings."
    return {s: int(all_counts.get(prefix + s, 0)) for s in STATUSES}
