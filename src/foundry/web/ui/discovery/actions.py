"""What the discovery routes do: run the backend call through the page's tab and answer.

A post from live.js / discovery.js (header `X-Live-Form`) is answered with the affected regions
at the write's commit timestamp, or with its form re-rendered beside the error; a plain post (no
JavaScript) is redirected back to the page's section.
"""

from __future__ import annotations

import base64
import mimetypes
from typing import Any

import httpx
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import Signed
from foundry.web.live import Tab
from foundry.web.templating import render
from foundry.web.ui.discovery import (
    ALLOWED_EXTENSIONS,
    APPROVED,
    COUNTS,
    DOCS,
    EDIT_FIELDS,
    EDITED,
    FINDING_REGIONS,
    MAX_UPLOAD_BYTES,
    PENDING,
    Forms,
    edit_form,
    find_in_tab,
    upload_form,
)

EXPIRED = "<p class='field-error' role='alert'>This page expired; reload it.</p>"
TOO_LARGE = (
    f"This file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB; choose a smaller one."
)
REFUSED_TYPE = (
    "This type of file cannot be uploaded. Choose a PDF, Word, Excel, PowerPoint, OpenDocument, "
    "text, Markdown, CSV, JSON, XML, HTML or VTT file."
)
BODY_LIMIT = 2 * MAX_UPLOAD_BYTES
"""Posts larger than this are refused before their body is parsed."""

SINGLE = {
    "approve": ("findings:approve", [COUNTS, PENDING, APPROVED]),
    "reject": ("findings:reject", FINDING_REGIONS),
    "import": ("findings:import_finding", FINDING_REGIONS),
    "revert": ("findings:revert_import", FINDING_REGIONS),
}
BULK = {
    "approve": "findings:approve_many",
    "reject": "findings:reject_many",
    "import": "findings:import_many",
}


def is_live(request: Request) -> bool:
    """Whether the post came from the page's script (and wants JSON)."""
    return request.headers.get("x-live-form") == "1"


def back(program: dict[str, Any], section: str) -> Response:
    """The redirect that answers a plain (no JavaScript) post."""
    return RedirectResponse(f"/p/{program['slug']}/discovery#{section}", status_code=303)


BUTTONS = {
    "approve": [(None, None, "Approve")],
    "reject": [(None, None, "Reject")],
    "import": [(None, None, "Import")],
    "revert": [(None, None, "Revert import")],
    "delete": [(None, None, "Delete")],
    "bulk-review": [("verb", "approve", "Approve selected"), ("verb", "reject", "Reject selected")],
    "bulk-ready": [("verb", "import", "Import selected")],
}


def notice(
    request: Request, program: dict[str, Any], form: FormData, buttons: str, message: str
) -> Response:
    """A refused post: its form again (same fields and buttons) with the reason beside them."""
    if not is_live(request):
        return back(program, "review")
    fields = [
        (k, "" if k == "verb" else str(val))
        for k, val in form.multi_items()
        if k != "findingIds" and isinstance(val, str)
    ]
    fields = list(dict.fromkeys(fields))
    html = render(
        "discovery/refused.html", fields=fields, buttons=BUTTONS[buttons], message=message
    )
    return live_forms.form_answer(html)


async def single(
    request: Request, signed: Signed, program: dict[str, Any], verb: str, form: FormData
) -> Response:
    """Approve, reject, import or revert one finding."""
    tab = signed.tabs.get(str(form.get("tab", "")))
    path, names = SINGLE[verb]
    try:
        if tab is None:
            await signed_call(signed, "mutation", path, {"findingId": str(form.get("findingId"))})
        else:
            await tab.client.mutation(path, {"findingId": str(form.get("findingId", ""))})
    except FunctionError as error:
        return notice(request, program, form, verb, error.message)
    if tab is None or not is_live(request):
        return back(program, "imported" if verb in ("import", "revert") else "review")
    return live_forms.regions_answer(tab, names)


async def bulk(
    request: Request, signed: Signed, program: dict[str, Any], form: FormData
) -> Response:
    """Approve, reject or import the selected findings (all or none)."""
    verb = next((str(v) for v in reversed(form.getlist("verb")) if str(v) in BULK), "")
    kind = "bulk-ready" if verb == "import" else "bulk-review"
    ids = [str(i) for i in form.getlist("findingIds")]
    if not verb or not ids:
        return notice(request, program, form, kind, "Select at least one finding first.")
    tab = signed.tabs.get(str(form.get("tab", "")))
    try:
        if tab is None:
            await signed_call(signed, "mutation", BULK[verb], {"findingIds": ids})
        else:
            await tab.client.mutation(BULK[verb], {"findingIds": ids})
    except FunctionError as error:
        return notice(request, program, form, kind, error.message)
    if tab is None or not is_live(request):
        return back(program, "ready" if verb == "approve" else "review")
    return live_forms.regions_answer(tab, FINDING_REGIONS)


async def edit(
    request: Request, signed: Signed, program: dict[str, Any], form: FormData
) -> Response:
    """Save a reviewer's correction of a finding (which approves it as edited)."""
    tab = signed.tabs.get(str(form.get("tab", "")))
    finding_id = str(form.get("findingId", ""))
    finding = find_in_tab(tab, finding_id) if tab is not None else None
    if tab is None or finding is None:
        return live_forms.form_answer(EXPIRED, 409)
    values = {k: str(form.get(k, "")).strip() for k in EDIT_FIELDS[finding["type"]]}
    base = finding.get("editedData") or finding.get("data") or {}
    edited = {**base, **values}
    try:
        await tab.client.mutation("findings:edit", {"findingId": finding_id, "editedData": edited})
    except FunctionError as error:
        field = (live_forms.error_field(error.data) or "").removeprefix("data.")
        forms = Forms(signed.session.csrf, program, tab)
        return live_forms.form_answer(edit_form(forms, finding, error.message, field, values))
    if not is_live(request):
        return back(program, "ready")
    return live_forms.regions_answer(tab, [COUNTS, PENDING, EDITED, APPROVED])


async def delete_document(
    request: Request, signed: Signed, program: dict[str, Any], form: FormData
) -> Response:
    """Delete a document (its findings not yet imported go with it)."""
    tab = signed.tabs.get(str(form.get("tab", "")))
    args = {"documentId": str(form.get("documentId", ""))}
    try:
        if tab is None:
            await signed_call(signed, "mutation", "documents:delete", args)
        else:
            await tab.client.mutation("documents:delete", args)
    except FunctionError as error:
        return notice(request, program, form, "delete", error.message)
    if tab is None or not is_live(request):
        return back(program, "documents")
    return live_forms.regions_answer(tab, [DOCS])


def checked_file(upload: Any) -> tuple[str | None, str]:
    """(error, content type) for the posted file, judged by its name (bytes checked after)."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return "Choose a file to upload.", ""
    name = upload.filename
    stem, dot, ext = name.rpartition(".")
    if not (dot and stem) or ext.lower() not in ALLOWED_EXTENSIONS:
        return REFUSED_TYPE, ""
    guessed, _ = mimetypes.guess_type(name)
    return None, guessed or "application/octet-stream"


async def upload_args(program: dict[str, Any], form: FormData) -> tuple[str | None, dict[str, Any]]:
    """(error, the upload action's arguments) for a posted upload form."""
    upload = form.get("file")
    error, content_type = checked_file(upload)
    if error is not None or not isinstance(upload, UploadFile):
        return error, {}
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return TOO_LARGE, {}
    if not data:
        return "This file is empty.", {}
    args: dict[str, Any] = {
        "programId": program["_id"],
        "fileName": upload.filename,
        "contentType": content_type,
        "dataBase64": base64.b64encode(data).decode(),
        "category": str(form.get("category") or "other"),
    }
    description = str(form.get("description") or "").strip()
    if description:
        args["description"] = description
    return None, args


async def upload(
    request: Request, signed: Signed, program: dict[str, Any], form: FormData, tab: Tab | None
) -> tuple[str | None, Response | None]:
    """Store the posted file as a document: (error to show beside the field, or the answer)."""
    error, args = await upload_args(program, form)
    if error is None:
        try:
            if tab is None:
                await signed_call(signed, "action", "documents:upload", args)
            else:
                await tab.client.action("documents:upload", args)
        except FunctionError as failure:
            error = failure.message
    if error is not None:
        return error, None
    if tab is None or not is_live(request):
        return None, back(program, "documents")
    # The action's write reaches the tab's subscription by itself; the stream shows it.
    return None, live_forms.regions_answer(tab, [DOCS])


def upload_refused(
    signed: Signed, program: dict[str, Any], tab: Tab | None, error: str, form: FormData
) -> Response:
    """The upload form again, with the error beside the file field and the other input kept."""
    forms = Forms(signed.session.csrf, program, tab)
    values = {k: str(form.get(k) or "") for k in ("category", "description")}
    return live_forms.form_answer(upload_form(forms, error, values))


async def signed_call(signed: Signed, kind: str, path: str, args: dict[str, Any]) -> Any:
    """A one-off backend call as the signed-in user (when the page's tab is gone)."""
    async with await signed.backend() as http:
        return await getattr(http, kind)(path, args)


async def download(signed: Signed, document_id: str) -> Response:
    """The document's bytes, fetched through the backend's short-lived signed URL."""
    doc = await signed.query("documents:get", documentId=document_id)
    url = await signed_call(signed, "action", "documents:download_url", {"documentId": document_id})
    backend = signed.request.app.state.backend_url
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.get(backend + url)
    if answer.status_code != 200:
        return Response("The file could not be fetched; try again.", status_code=502)
    name = str(doc["fileName"]).replace('"', "")
    return Response(
        answer.content,
        media_type=doc.get("mimeType") or "application/octet-stream",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "private, no-store",
        },
    )
