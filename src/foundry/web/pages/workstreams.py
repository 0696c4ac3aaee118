"""Workstreams: RAG cards that cycle in place, and a workstream's requirements and tasks."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import checked_form, program_by_slug, signed_in
from foundry.web.ui import workstreams
from foundry.web.ui.shell import page


async def workstreams_page(request: Request) -> Response:
    """GET /p/{slug}/workstreams: every workstream's card, its status a button that cycles it."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    forms = workstreams.FormContext(signed.session.csrf)
    tab, _ = await signed.open_tab(program, [workstreams.grid_region(program, forms)])
    forms.tab_id = tab.id
    content = workstreams.cards_page(tab)
    shell = workstreams.shell_of(signed.shell(), program, tab.id)
    return HTMLResponse(page("Workstreams", content, **shell))


async def workstream_page(request: Request) -> Response:
    """GET /p/{slug}/workstreams/{shortCode}: status, pipeline, requirements and tasks, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    listing = await signed.query("workstreams:list", programId=program["_id"], numItems=100)
    ws = workstreams.find(listing["page"], request.path_params["shortCode"])
    forms = workstreams.FormContext(signed.session.csrf)
    tab, _ = await signed.open_tab(program, workstreams.detail_regions(program, ws, forms))
    forms.tab_id = tab.id
    shell = workstreams.shell_of(signed.shell(), program, tab.id, ws)
    return HTMLResponse(page(ws["name"], workstreams.detail_page(tab), **shell))


async def cycle_status(request: Request) -> Response:
    """POST /p/{slug}/workstreams/status (live form): the next RAG status of one workstream."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is None:
        return live_forms.form_answer("<p role='alert'>This page expired; reload it.</p>", 409)
    ws_id = str(form.get("workstreamId", ""))
    try:
        await tab.client.mutation("workstreams:cycle_status", {"workstreamId": ws_id})
    except FunctionError as error:
        html = await workstreams.refused(signed, program, ws_id, tab.id, error.message)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, [workstreams.GRID, workstreams.SUMMARY])


ROUTES = [
    Route("/p/{slug}/workstreams", workstreams_page, methods=["GET"]),
    Route("/p/{slug}/workstreams/status", cycle_status, methods=["POST"]),
    Route("/p/{slug}/workstreams/{shortCode}", workstream_page, methods=["GET"]),
]
