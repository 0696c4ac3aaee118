"""One requirement: its fields, status, comments, evidence and history, live."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import Signed, checked_form, program_by_slug, signed_in
from foundry.web.live import Tab
from foundry.web.ui import requirement_detail as detail
from foundry.web.ui.shell import page

EXPIRED = "<p role='alert'>This page expired; reload it.</p>"


async def requirement_of(signed: Signed, program: dict[str, Any], req_id: str) -> dict[str, Any]:
    """The requirement a URL names, if it is in `program` (a FunctionError, i.e. 404, if not)."""
    req = await signed.query("requirements:get", requirementId=req_id)
    return detail.check_in_program(program, dict(req))


async def requirement_page(request: Request) -> Response:
    """GET /p/{slug}/r/{requirementId}: the requirement, comments, evidence and history, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    req = await requirement_of(signed, program, request.path_params["requirementId"])
    forms = detail.FormContext(signed.session.csrf)
    tab, _ = await signed.open_tab(program, detail.regions(program, req["_id"], forms))
    forms.tab_id = tab.id
    shell = detail.shell_of(signed.shell(), program, req, tab.id)
    content = detail.body(tab, program, req["_id"], forms)
    return HTMLResponse(page(f"{req['refId']}: {req['title']}", content, **shell))


async def posted(request: Request) -> tuple[Signed, dict[str, Any], Any, Tab | None]:
    """A live-form post's session, program, form and tab (None if expired or another page)."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is not None and not detail.shows(tab, request.path_params["requirementId"]):
        tab = None
    return signed, program, form, tab


async def add_comment(request: Request) -> Response:
    """POST /p/{slug}/r/{requirementId}/comments (live form): comment on the requirement."""
    signed, program, form, tab = await posted(request)
    if tab is None:
        return live_forms.form_answer(EXPIRED, 409)
    req_id, content = request.path_params["requirementId"], str(form.get("content", ""))
    args = {"entityType": "requirement", "entityId": req_id, "content": content}
    try:
        await tab.client.mutation("comments:create", args)
    except FunctionError as error:
        forms = detail.FormContext(signed.session.csrf, tab.id)
        return live_forms.form_answer(
            detail.comment_form(program, req_id, forms, error.message, content)
        )
    return live_forms.regions_answer(tab, [detail.COMMENTS, detail.HISTORY])


async def set_status(request: Request) -> Response:
    """POST /p/{slug}/r/{requirementId}/status (live form): move the requirement's status."""
    signed, program, form, tab = await posted(request)
    if tab is None:
        return live_forms.form_answer(EXPIRED, 409)
    req_id = request.path_params["requirementId"]
    args = {"requirementId": req_id, "status": str(form.get("status", ""))}
    try:
        await tab.client.mutation("requirements:set_status", args)
    except FunctionError as error:
        req = await requirement_of(signed, program, req_id)
        forms = detail.FormContext(signed.session.csrf, tab.id)
        return live_forms.form_answer(detail.status_form(program, req, forms, error.message))
    return live_forms.regions_answer(tab, [detail.REQUIREMENT, detail.HISTORY])


ROUTES = [
    Route("/p/{slug}/r/{requirementId}", requirement_page, methods=["GET"]),
    Route("/p/{slug}/r/{requirementId}/comments", add_comment, methods=["POST"]),
    Route("/p/{slug}/r/{requirementId}/status", set_status, methods=["POST"]),
]
