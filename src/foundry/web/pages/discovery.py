"""Discovery: documents (upload, download, delete) and the findings review queue, all live."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.web.context import Signed, checked_form, program_by_slug, signed_in
from foundry.web.ui import discovery
from foundry.web.ui.discovery import actions
from foundry.web.ui.shell import page


async def render_page(
    signed: Signed, program: dict[str, object], error: str | None = None, status: int = 200
) -> Response:
    """The discovery page (with an upload error beside the file field, after a plain post)."""
    forms = discovery.Forms(signed.session.csrf, dict(program))
    tab, _ = await signed.open_tab(forms.program, discovery.regions(forms))
    forms.tab = tab
    content = discovery.discovery_page(tab, forms, error)
    shell = discovery.shell_of(signed.shell(), forms.program, tab.id)
    return HTMLResponse(page("Discovery", content, **shell), status_code=status)


async def discovery_page(request: Request) -> Response:
    """GET /p/{slug}/discovery: documents, findings to review, ready to import, imported."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    return await render_page(signed, program)


async def upload_document(request: Request) -> Response:
    """POST /p/{slug}/discovery/documents: a multipart upload (progress shown by discovery.js)."""
    if int(request.headers.get("content-length") or 0) > actions.BODY_LIMIT:
        return HTMLResponse(actions.TOO_LARGE, status_code=413)
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab = signed.tabs.get(str(form.get("tab", "")))
    error, answer = await actions.upload(request, signed, program, form, tab)
    if error is None and answer is not None:
        return answer
    if actions.is_live(request):
        return actions.upload_refused(signed, program, tab, error or "", form)
    return await render_page(signed, program, error, 422)


async def download_document(request: Request) -> Response:
    """GET /p/{slug}/discovery/documents/{documentId}/download: the file, as an attachment."""
    signed = await signed_in(request)
    await program_by_slug(signed, request.path_params["slug"])
    return await actions.download(signed, request.path_params["documentId"])


async def delete_document(request: Request) -> Response:
    """POST /p/{slug}/discovery/documents/delete (live form)."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    return await actions.delete_document(request, signed, program, form)


async def review_finding(request: Request) -> Response:
    """POST /p/{slug}/discovery/findings/{verb}: approve, reject, import or revert one finding."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    verb = request.path_params["verb"]
    if verb not in actions.SINGLE:
        return HTMLResponse("Unknown action.", status_code=404)
    return await actions.single(request, signed, program, verb, form)


async def edit_finding(request: Request) -> Response:
    """POST /p/{slug}/discovery/findings/edit (live form): correct a finding, shown as edited."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    return await actions.edit(request, signed, program, form)


async def bulk_findings(request: Request) -> Response:
    """POST /p/{slug}/discovery/findings/bulk (live form): the selection, all or none."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    return await actions.bulk(request, signed, program, form)


ROUTES = [
    Route("/p/{slug}/discovery", discovery_page, methods=["GET"]),
    Route("/p/{slug}/discovery/documents", upload_document, methods=["POST"]),
    Route("/p/{slug}/discovery/documents/delete", delete_document, methods=["POST"]),
    Route(
        "/p/{slug}/discovery/documents/{documentId}/download", download_document, methods=["GET"]
    ),
    Route("/p/{slug}/discovery/findings/edit", edit_finding, methods=["POST"]),
    Route("/p/{slug}/discovery/findings/bulk", bulk_findings, methods=["POST"]),
    Route("/p/{slug}/discovery/findings/{verb}", review_finding, methods=["POST"]),
]
