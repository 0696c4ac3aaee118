"""Evidence: files that prove a requirement, task or gate criterion is met (screenshots, reports).

Uploads follow the documents pattern: access check (internal query), validation, file storage,
then an internal mutation that checks access again before recording the row; the stored file is
deleted if recording fails. Downloads go through `download_url`, a signed, expiring URL.
"""

from __future__ import annotations

from typing import Any

from foundry.app.activity import page_size, record_activity
from foundry.app.audit import PAGE
from foundry.app.documents import DOWNLOAD_TTL_S, decode_upload, file_type, signed_url
from foundry.app.model.access import Member, get_for_member
from foundry.app.model.audit import record_audit
from foundry.engine.context import ActionCtx, MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import action, internal_mutation, internal_query, mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

TARGETS = {
    "requirementId": ("requirement", "requirements"),
    "taskId": ("task", "tasks"),
    "gateId": ("gate", "sprintGates"),
}
TARGET_ARGS = {
    "requirementId": v.optional(v.id("requirements")),
    "taskId": v.optional(v.id("tasks")),
    "gateId": v.optional(v.id("sprintGates")),
}

TABLES = {
    "evidence": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "entityType": v.literal("requirement", "task", "gate"),
            "entityId": v.string(),
            "storageId": v.string(),
            "fileName": v.string(),
            "fileType": v.string(),
            "mimeType": v.string(),
            "fileSize": v.number(),
            "sha256": v.string(),
            "uploadedBy": v.id("users"),
            "uploadedByName": v.string(),
        }
    )
    # Used by `list` for the evidence attached to one entity.
    .index("by_entity", ["orgId", "programId", "entityType", "entityId"]),
}


def resolve_target(
    ctx: QueryCtx, ids: dict[str, str | None], *, write: bool = False
) -> tuple[Member, str, dict[str, Any]]:
    """The caller, entity type and entity named by exactly one of requirementId, taskId, gateId.

    Access is checked for every id given before the "exactly one" rule, so strangers learn nothing.
    """
    found = []
    for arg, (entity_type, table) in TARGETS.items():
        doc_id = ids.get(arg)
        if doc_id is not None:
            member, doc = get_for_member(ctx, table, doc_id, write=write)
            found.append((member, entity_type, doc))
    if len(found) != 1:
        raise ArgumentError(
            "give exactly one of requirementId, taskId and gateId", {"path": "requirementId"}
        )
    return found[0]


@internal_query(args=TARGET_ARGS)
def check_upload(ctx: QueryCtx, **ids: str | None) -> None:
    """Raise unless the caller may attach evidence to the target."""
    resolve_target(ctx, ids, write=True)


@internal_mutation(
    args={
        **TARGET_ARGS,
        "storageId": v.string(),
        "fileName": v.string(),
        "mimeType": v.string(),
        "fileSize": v.number(),
        "sha256": v.string(),
    }
)
def record_upload(
    ctx: MutationCtx,
    storageId: str,
    fileName: str,
    mimeType: str,
    fileSize: float,
    sha256: str,
    **ids: str | None,
) -> str:
    """Record a stored file as evidence, re-checking access (the file is already stored)."""
    member, entity_type, entity = resolve_target(ctx, ids, write=True)
    row = {
        "orgId": entity["orgId"],
        "programId": entity["programId"],
        "entityType": entity_type,
        "entityId": entity["_id"],
        "storageId": storageId,
        "fileName": fileName,
        "fileType": file_type(fileName),
        "mimeType": mimeType,
        "fileSize": fileSize,
        "sha256": sha256,
        "uploadedBy": member.user_id,
        "uploadedByName": member.user_name,
    }
    evidence_id = ctx.db.insert("evidence", row)
    record_audit(
        ctx,
        member,
        program_id=entity["programId"],
        entity_type="evidence",
        entity_id=evidence_id,
        action="create",
        description=f"Attached {fileName} to {entity_type} {entity['_id']}",
        after=row,
    )
    record_activity(
        ctx,
        member,
        entity["programId"],
        "evidence_added",
        f"{member.user_name} attached {fileName} as evidence",
        entity_type,
        entity["_id"],
    )
    return evidence_id


@action(
    args={
        **TARGET_ARGS,
        "fileName": v.string(),
        "contentType": v.string(),
        "dataBase64": v.string(),
    }
)
async def upload(
    ctx: ActionCtx, fileName: str, contentType: str, dataBase64: str, **ids: str | None
) -> str:
    """Attach a file (at most MAX_UPLOAD_BYTES) to a requirement, task or gate."""
    await ctx.run_query("evidence:check_upload", ids)
    data = decode_upload(fileName, contentType, dataBase64)
    stored = await ctx.storage.put(data, contentType)
    try:
        evidence_id = await ctx.run_mutation(
            "evidence:record_upload",
            {
                **ids,
                "storageId": stored.storage_id,
                "fileName": fileName,
                "mimeType": contentType,
                "fileSize": stored.size,
                "sha256": stored.sha256,
            },
        )
    except BaseException:
        await ctx.storage.delete(stored.storage_id)
        raise
    return str(evidence_id)


@internal_query(args={"evidenceId": v.id("evidence")})
def storage_of(ctx: QueryCtx, evidenceId: str) -> str:
    """The evidence's storage id, after checking the caller may read it."""
    _, row = get_for_member(ctx, "evidence", evidenceId)
    return str(row["storageId"])


@action(args={"evidenceId": v.id("evidence")})
async def download_url(ctx: ActionCtx, evidenceId: str) -> str:
    """A URL that downloads the evidence file for the next few minutes."""
    storage_id = await ctx.run_query("evidence:storage_of", {"evidenceId": evidenceId})
    return signed_url(ctx, storage_id, DOWNLOAD_TTL_S)


@mutation(args={"evidenceId": v.id("evidence")})
def delete(ctx: MutationCtx, evidenceId: str) -> None:
    """Remove a piece of evidence and its stored file."""
    member, row = get_for_member(ctx, "evidence", evidenceId, write=True)
    ctx.db.delete(evidenceId)
    record_audit(
        ctx,
        member,
        program_id=row["programId"],
        entity_type="evidence",
        entity_id=evidenceId,
        action="delete",
        description=f"Removed {row['fileName']} from {row['entityType']} {row['entityId']}",
        before=row,
    )
    ctx.scheduler.run_after(0, "documents:delete_file", {"storageId": row["storageId"]})


@query(args={**TARGET_ARGS, **PAGE})
def list(ctx: QueryCtx, numItems: float, cursor: str | None = None, **ids: str | None) -> Any:
    """The evidence attached to one requirement, task or gate, newest first."""
    _, entity_type, entity = resolve_target(ctx, ids)
    return (
        ctx.db.query("evidence")
        .with_index(
            "by_entity",
            lambda q: (
                q.eq("orgId", entity["orgId"])
                .eq("programId", entity["programId"])
                .eq("entityType", entity_type)
                .eq("entityId", entity["_id"])
            ),
        )
        .order("desc")
        .paginate(cursor, page_size(numItems))
    )


def has_evidence(ctx: QueryCtx, entity: dict[str, Any], entity_type: str) -> bool:
    """Whether any evidence is attached to the entity."""
    first = (
        ctx.db.query("evidence")
        .with_index(
            "by_entity",
            lambda q: (
                q.eq("orgId", entity["orgId"])
                .eq("programId", entity["programId"])
                .eq("entityType", entity_type)
                .eq("entityId", entity["_id"])
            ),
        )
        .first()
    )
    return first is not None


@query(args={"evidenceId": v.id("evidence")})
def get(ctx: QueryCtx, evidenceId: str) -> Any:
    """One piece of evidence (its name, size, uploader and what it is attached to)."""
    _, row = get_for_member(ctx, "evidence", evidenceId)
    return row
