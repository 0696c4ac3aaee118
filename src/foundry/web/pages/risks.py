"""Risks: live cards with a status form each, the open-risk matrix and a create form; one
risk's page with its edit form, status moves, comment threads and history."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import (
    Signed,
    TabExpired,
    checked_form,
    posted_tab,
    program_by_slug,
    signed_in,
)
from foundry.web.live import Tab
from foundry.web.live_forms import FormContext
from foundry.web.ui import requirement_detail as shared_detail
from foundry.web.ui import risks
from foundry.web.ui.risks import detail
from foundry.web.ui.shell import heading_region, live_heading, page

BASE = "/p/{slug}/risks/{riskId}"


async def risks_page(request: Request) -> Response:
    """GET /p/{slug}/risks: the severity-by-probability matrix and the risk cards, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    filters = risks.filters_from(dict(request.query_params))
    forms = FormContext(signed.session.csrf)
    regions = [risks.matrix_region(program), risks.list_region(program, filters, forms)]
    tab, _ = await signed.open_tab(program, regions)
    forms.tab_id = tab.id
    content = risks.risks_page(tab, program, forms, filters)
    return HTMLResponse(page("Risks", content, **risks.shell_of(signed.shell(), program, tab.id)))


async def create_risk(request: Request) -> Response:
    """POST /p/{slug}/risks (live form): raise an open risk."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    values = {k: str(form.get(k, "")).strip() for k in ("title", "severity", "probability")}
    tab = await posted_tab(signed, form)
    try:
        await tab.client.mutation("risks:create", {"programId": program["_id"], **values})
    except FunctionError as error:
        forms = FormContext(signed.session.csrf, tab.id)
        field = live_forms.error_field(error.data)
        return live_forms.form_answer(
            risks.create_form(program, forms, error.message, field, values)
        )
    return live_forms.regions_answer(tab, [risks.LIST, risks.MATRIX])


async def set_status(request: Request) -> Response:
    """POST /p/{slug}/risks/status (live form): move one risk to another status."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab = await posted_tab(signed, form)
    risk_id, status = str(form.get("riskId", "")), str(form.get("status", ""))
    try:
        await tab.client.mutation("risks:set_status", {"riskId": risk_id, "status": status})
    except FunctionError as error:
        forms = FormContext(signed.session.csrf, tab.id)
        html = risks.status_refused(tab, program, forms, risk_id, error.message)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, [risks.LIST, risks.MATRIX, risks.DETAIL, risks.HISTORY])


async def risk_of(signed: Signed, program: dict[str, Any], risk_id: str) -> dict[str, Any]:
    """The risk a URL names, if it is in `program` (a FunctionError, i.e. 404, if not)."""
    return detail.check_in_program(program, dict(await signed.query("risks:get", riskId=risk_id)))


def forms_of(signed: Signed, tab_id: str = "") -> shared_detail.FormContext:
    """What the page's forms post with (the user's own comments get edit and delete)."""
    user_id = str(signed.session.user.get("_id", ""))
    return shared_detail.FormContext(signed.session.csrf, tab_id, user_id)


async def risk_page(request: Request) -> Response:
    """GET /p/{slug}/risks/{riskId}: the risk, its edit form, comments and history, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    risk = await risk_of(signed, program, request.path_params["riskId"])
    forms, options = forms_of(signed), await detail.edit_options(signed, program)
    heading = heading_region("risks:get", {"riskId": risk["_id"]}, lambda r: r["title"])
    tab, _ = await signed.open_tab(program, [*detail.regions(program, risk["_id"], forms), heading])
    forms.tab_id = tab.id
    edit = detail.edit_form(program, risk["_id"], forms, options, detail.values_of(risk))
    content = detail.body(tab, program, risk["_id"], forms, edit)
    shell = detail.shell_of(signed.shell(), program, risk, tab.id)
    return HTMLResponse(page(risk["title"], content, **shell, **live_heading(tab)))


async def posted(request: Request) -> tuple[Signed, dict[str, Any], FormData, Tab]:
    """A risk page's live-form post: session, program, form and tab (TabExpired: gone, or
    another page)."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab = await posted_tab(signed, form)
    if tab.regions and not detail.shows(tab, request.path_params["riskId"]):
        raise TabExpired
    return signed, program, form, tab


async def edit_risk(request: Request) -> Response:
    """POST /p/{slug}/risks/{riskId}/edit (live form): change the risk's fields."""
    signed, program, form, tab = await posted(request)
    risk_id, values = request.path_params["riskId"], detail.values_from(form)
    options, forms = await detail.edit_options(signed, program), forms_of(signed, tab.id)
    try:
        await tab.client.mutation("risks:update", detail.update_args(risk_id, values))
    except FunctionError as error:
        field = live_forms.error_field(error.data)
        html = detail.edit_form(program, risk_id, forms, options, values, error.message, field)
        return live_forms.form_answer(html)
    html = detail.edit_form(program, risk_id, forms, options, values)
    return live_forms.regions_answer(tab, [detail.RISK, detail.HISTORY], form=str(html))


async def add_comment(request: Request) -> Response:
    """POST /p/{slug}/risks/{riskId}/comments (live form): comment on the risk, or reply."""
    signed, program, form, tab = await posted(request)
    target = detail.target(program, request.path_params["riskId"])
    answer = [detail.COMMENTS, detail.HISTORY]
    return await shared_detail.create_comment(tab, forms_of(signed, tab.id), target, form, answer)


async def edit_comment(request: Request) -> Response:
    """POST …/comments/{commentId}/edit (live form): change your own comment's text."""
    signed, program, form, tab = await posted(request)
    url = detail.url_of(program, request.path_params["riskId"])
    comment_id, forms = request.path_params["commentId"], forms_of(signed, tab.id)
    answer = [detail.COMMENTS, detail.HISTORY]
    return await shared_detail.update_comment(tab, forms, url, comment_id, form, answer)


async def delete_comment(request: Request) -> Response:
    """POST …/comments/{commentId}/delete (live form): delete your own comment."""
    _, _, _, tab = await posted(request)
    answer = [detail.COMMENTS, detail.HISTORY]
    return await shared_detail.delete_comment(tab, request.path_params["commentId"], answer)


ROUTES = [
    Route("/p/{slug}/risks", risks_page, methods=["GET"]),
    Route("/p/{slug}/risks", create_risk, methods=["POST"]),
    Route("/p/{slug}/risks/status", set_status, methods=["POST"]),
    Route(BASE, risk_page, methods=["GET"]),
    Route(f"{BASE}/edit", edit_risk, methods=["POST"]),
    Route(f"{BASE}/comments", add_comment, methods=["POST"]),
    Route(f"{BASE}/comments/{{commentId}}/edit", edit_comment, methods=["POST"]),
    Route(f"{BASE}/comments/{{commentId}}/delete", delete_comment, methods=["POST"]),
]
