"""Risks: live cards with a status form each, the open-risk matrix and a create form."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import checked_form, program_by_slug, signed_in
from foundry.web.ui import risks
from foundry.web.ui.shell import page

EXPIRED = "<p role='alert'>This page expired; reload it.</p>"


async def risks_page(request: Request) -> Response:
    """GET /p/{slug}/risks: the severity-by-probability matrix and the risk cards, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    filters = risks.filters_from(dict(request.query_params))
    forms = risks.FormContext(signed.session.csrf)
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
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is None:
        return live_forms.form_answer(EXPIRED, 409)
    try:
        await tab.client.mutation("risks:create", {"programId": program["_id"], **values})
    except FunctionError as error:
        forms = risks.FormContext(signed.session.csrf, tab.id)
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
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is None:
        return live_forms.form_answer(EXPIRED, 409)
    risk_id, status = str(form.get("riskId", "")), str(form.get("status", ""))
    try:
        await tab.client.mutation("risks:set_status", {"riskId": risk_id, "status": status})
    except FunctionError as error:
        forms = risks.FormContext(signed.session.csrf, tab.id)
        html = risks.status_refused(tab, program, forms, risk_id, error.message)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, [risks.LIST, risks.MATRIX])


ROUTES = [
    Route("/p/{slug}/risks", risks_page, methods=["GET"]),
    Route("/p/{slug}/risks", create_risk, methods=["POST"]),
    Route("/p/{slug}/risks/status", set_status, methods=["POST"]),
]
