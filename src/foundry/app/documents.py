"""Documents: files a program's team uploads for discovery (SOWs, specs, meeting notes).

An upload is an action, because the bytes go to file storage: it checks access (internal query),
validates and stores the file, then records the row in an internal mutation that checks access
again; if recording fails, the stored file is deleted. The AI analysis that turns a document into
discovery findings comes later; `analysisStatus` moves along `ANALYSIS_MOVES`.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from foundry.app.activity import page_size, record_activity
from foundry.app.audit import PAGE
from foundry.app.model.access import get_for_member, get_program_for_member
from foundry.app.model.audit import record_audit
from foundry.app.model.stats import adjust, status_move
from foundry.app.programs import check_text
from foundry.engine.context import ActionCtx, MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import (
    action,
    internal_action,
    internal_mutation,
    internal_query,
    mutation,
    query,
)
from foundry.engine.schema import define_table
from foundry.engine.values import v

CATEGORIES = ("architecture", "requirements", "testing", "deployment", "meeting_notes", "other")
ANALYSIS_STATUSES = ("none", "queued", "analyzing", "complete", "failed")
ANALYSIS_MOVES = {
    "none": {"queued"},
    "queued": {"analyzing", "failed", "none"},
    "analyzing": {"complete", "failed"},
    "complete": {"queued"},
    "failed": {"queued"},
}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
"""Largest file accepted through a base64 action argument (the engine caps arguments at 8 MiB)."""
FILE_NAME_MAX = 255
DESCRIPTION_MAX = 2_000
DOWNLOAD_TTL_S = 300
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$")
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")

TABLES = {
    "documents": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "storageId": v.optional(v.string()),
            "fileName": v.string(),
            "fileType": v.string(),
            "fileSize": v.number(),
            "mimeType": v.optional(v.string()),
            "sha256": v.optional(v.string()),
            "category": v.literal(*CATEGORIES),
            "description": v.optional(v.string()),
            "uploadedBy": v.id("users"),
            "uploadedByName": v.string(),
            "analysisStatus": v.literal(*ANALYSIS_STATUSES),
            "analysisError": v.optional(v.string()),
            "latestAnalysisId": v.optional(v.id("documentAnalyses")),
            "source": v.literal("upload"),
        }
    )
    # Used by `list`, whole program or one category.
    .index("by_program", ["orgId", "programId", "category"])
    # Used by the analysis pipeline to find queued documents.
    .index("by_program_analysis", ["orgId", "programId", "analysisStatus"]),
    "documentAnalyses": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "documentId": v.id("documents"),
            "status": v.literal("queued", "extracting", "analyzing", "complete", "failed"),
            "extractedText": v.optional(v.string()),
            "tokenCount": v.optional(v.number()),
            "findings": v.optional(v.any()),
            "error": v.optional(v.string()),
            "modelId": v.optional(v.string()),
            "inputTokens": v.optional(v.number()),
            "outputTokens": v.optional(v.number()),
            "cacheReadTokens": v.optional(v.number()),
            "cacheCreationTokens": v.optional(v.number()),
            "analysisVersion": v.number(),
            "durationMs": v.optional(v.number()),
        }
    )
    # Used to show a document's analyses, newest last.
    .index("by_document", ["orgId", "documentId"])
    # Used by the pipeline's progress views.
    .index("by_program_status", ["orgId", "programId", "status"]),
}


def decode_upload(file_name: str, content_type: str, data_base64: str) -> bytes:
    """The file's bytes, after checking its name, content type and size (ArgumentError if bad)."""
    if not file_name.strip() or len(file_name) > FILE_NAME_MAX or _BAD_NAME.search(file_name):
        raise ArgumentError(
            f"fileName must be 1-{FILE_NAME_MAX} characters without slashes or control characters",
            {"path": "fileName"},
        )
    if file_name in (".", ".."):
        raise ArgumentError("fileName must name a file", {"path": "fileName"})
    if len(content_type) > 255 or not _CONTENT_TYPE.match(content_type):
        raise ArgumentError("contentType must look like type/subtype", {"path": "contentType"})
    # Refuse before decoding: base64 is 4 characters per 3 bytes.
    if len(data_base64) > 4 * (MAX_UPLOAD_BYTES // 3 + 1):
        raise ArgumentError(
            f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB",
            {"path": "dataBase64", "limit": MAX_UPLOAD_BYTES},
        )
    try:
        data = base64.b64decode(data_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ArgumentError("dataBase64 is not valid base64", {"path": "dataBase64"}) from None
    if not data:
        raise ArgumentError("the file is empty", {"path": "dataBase64"})
    if len(data) > MAX_UPLOAD_BYTES:
        raise ArgumentError(
            f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB",
            {"path": "dataBase64", "limit": MAX_UPLOAD_BYTES},
        )
    return data


def file_type(file_name: str) -> str:
    """The file's extension in lower case ("pdf"), or "file" when it has none."""
    stem, dot, ext = file_name.rpartition(".")
    return ext.lower()[:20] if dot and stem and ext else "file"


def signed_url(ctx: ActionCtx, storage_id: str, ttl_s: int) -> str:
    """A time-limited download URL for a stored file (check the caller's access first)."""
    return ctx.storage_url(storage_id, ttl_s)


@internal_query(args={"programId": v.id("programs")})
def check_upload(ctx: QueryCtx, programId: str) -> str:
    """Raise unless the caller may add documents to the program; returns its organisation."""
    _, program = get_program_for_member(ctx, programId, write=True)
    return str(program["orgId"])


@internal_mutation(
    args={
        "programId": v.id("programs"),
        "storageId": v.string(),
        "fileName": v.string(),
        "mimeType": v.string(),
        "fileSize": v.number(),
        "sha256": v.string(),
        "category": v.literal(*CATEGORIES),
        "description": v.optional(v.string()),
    }
)
def record_upload(ctx: MutationCtx, programId: str, **fields: Any) -> str:
    """Record a stored file as a document, re-checking access (the file is already stored)."""
    member, program = get_program_for_member(ctx, programId, write=True)
    doc = {
        "orgId": program["orgId"],
        "programId": programId,
        **{k: val for k, val in fields.items() if val is not None},
        "fileType": file_type(fields["fileName"]),
        "uploadedBy": member.user_id,
        "uploadedByName": member.user_name,
        "analysisStatus": "none",
        "source": "upload",
    }
    document_id = ctx.db.insert("documents", doc)
    adjust(ctx, doc["orgId"], programId, status_move("documents", None, "none"))
    record_audit(
        ctx,
        member,
        program_id=programId,
        entity_type="document",
        entity_id=document_id,
        action="create",
        description=f"Uploaded document {doc['fileName']}",
        after=doc,
    )
    record_activity(
        ctx,
        member,
        programId,
        "document_uploaded",
        f"{member.user_name} uploaded {doc['fileName']}",
        "document",
        document_id,
    )
    return document_id


@action(
    args={
        "programId": v.id("programs"),
        "fileName": v.string(),
        "contentType": v.string(),
        "dataBase64": v.string(),
        "category": v.optional(v.literal(*CATEGORIES)),
        "description": v.optional(v.string()),
    }
)
async def upload(
    ctx: ActionCtx,
    programId: str,
    fileName: str,
    contentType: str,
    dataBase64: str,
    category: str | None = None,
    description: str | None = None,
) -> str:
    """Upload a document (at most MAX_UPLOAD_BYTES) to a program; returns the document id."""
    await ctx.run_query("documents:check_upload", {"programId": programId})
    data = decode_upload(fileName, contentType, dataBase64)
    check_text("description", description, DESCRIPTION_MAX)
    stored = await ctx.storage.put(data, contentType)
    try:
        document_id = await ctx.run_mutation(
            "documents:record_upload",
            {
                "programId": programId,
                "storageId": stored.storage_id,
                "fileName": fileName,
                "mimeType": contentType,
                "fileSize": stored.size,
                "sha256": stored.sha256,
                "category": category or "other",
                "description": description,
            },
        )
    except BaseException:
        await ctx.storage.delete(stored.storage_id)
        raise
    return str(document_id)


@internal_query(args={"documentId": v.id("documents")})
def storage_of(ctx: QueryCtx, documentId: str) -> str | None:
    """The document's storage id, after checking the caller may read it."""
    _, doc = get_for_member(ctx, "documents", documentId)
    return doc.get("storageId")


@action(args={"documentId": v.id("documents")})
async def download_url(ctx: ActionCtx, documentId: str) -> str:
    """A URL that downloads the document for the next few minutes."""
    storage_id = await ctx.run_query("documents:storage_of", {"documentId": documentId})
    if storage_id is None:
        raise ArgumentError("this document has no stored file", {"path": "documentId"})
    return signed_url(ctx, storage_id, DOWNLOAD_TTL_S)


@internal_action(args={"storageId": v.string()})
async def delete_file(ctx: ActionCtx, storageId: str) -> None:
    """Remove a deleted document's (or evidence's) bytes from file storage."""
    await ctx.storage.delete(storageId)


@mutation(args={"documentId": v.id("documents")})
def delete(ctx: MutationCtx, documentId: str) -> None:
    """Delete a document, its stored file and its findings not yet imported."""
    member, doc = get_for_member(ctx, "documents", documentId, write=True)
    ctx.db.delete(documentId)
    adjust(
        ctx, doc["orgId"], doc["programId"], status_move("documents", doc["analysisStatus"], None)
    )
    record_audit(
        ctx,
        member,
        program_id=doc["programId"],
        entity_type="document",
        entity_id=documentId,
        action="delete",
        description=f"Deleted document {doc['fileName']}",
        before=doc,
    )
    if doc.get("storageId"):
        ctx.scheduler.run_after(0, "documents:delete_file", {"storageId": doc["storageId"]})
    ctx.scheduler.run_after(
        0, "findings:purge_for_document", {"orgId": doc["orgId"], "documentId": documentId}
    )


def do_move_analysis(
    ctx: MutationCtx, doc: dict[str, Any], status: str, error: str | None = None
) -> None:
    """Move a document's analysis status, refusing moves outside ANALYSIS_MOVES."""
    current = doc["analysisStatus"]
    if status not in ANALYSIS_MOVES[current]:
        raise ArgumentError(
            f"analysisStatus: expected one of {sorted(ANALYSIS_MOVES[current])} from "
            f"{current!r}, got {status!r}",
            {"path": "analysisStatus", "from": current},
        )
    ctx.db.patch(doc["_id"], {"analysisStatus": status, "analysisError": error})
    adjust(ctx, doc["orgId"], doc["programId"], status_move("documents", current, status))


@mutation(args={"documentId": v.id("documents")})
def request_analysis(ctx: MutationCtx, documentId: str) -> None:
    """Queue a document for AI analysis (again, after a failure or a finished run)."""
    member, doc = get_for_member(ctx, "documents", documentId, write=True)
    do_move_analysis(ctx, doc, "queued")
    record_audit(
        ctx,
        member,
        program_id=doc["programId"],
        entity_type="document",
        entity_id=documentId,
        action="status_change",
        description=f"Queued {doc['fileName']} for analysis",
        before={"analysisStatus": doc["analysisStatus"]},
        after={"analysisStatus": "queued"},
    )


@internal_mutation(
    args={
        "documentId": v.id("documents"),
        "status": v.literal(*ANALYSIS_STATUSES),
        "error": v.optional(v.string()),
    }
)
def set_analysis_status(
    ctx: MutationCtx, documentId: str, status: str, error: str | None = None
) -> None:
    """For the analysis pipeline: move a document's analysis status."""
    doc = ctx.db.get(documentId)
    if doc is None:
        raise ArgumentError("documentId does not exist", {"path": "documentId"})
    do_move_analysis(ctx, doc, status, error[:2000] if error else None)


@query(args={"documentId": v.id("documents")})
def get(ctx: QueryCtx, documentId: str) -> Any:
    """One document's details."""
    _, doc = get_for_member(ctx, "documents", documentId)
    return doc


@query(args={"programId": v.id("programs"), "category": v.optional(v.literal(*CATEGORIES)), **PAGE})
def list(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    category: str | None = None,
    cursor: str | None = None,
) -> Any:
    """A program's documents, optionally of one category."""
    _, program = get_program_for_member(ctx, programId)
    org_id = program["orgId"]
    if category is None:
        q = ctx.db.query("documents").with_index(
            "by_program", lambda r: r.eq("orgId", org_id).eq("programId", programId)
        )
    else:
        q = ctx.db.query("documents").with_index(
            "by_program",
            lambda r: r.eq("orgId", org_id).eq("programId", programId).eq("category", category),
        )
    return q.order("desc").paginate(cursor, page_size(numItems))
