"""Workstreams: RAG cards that cycle in place and a create form; a workstream's requirements,
tasks and sprints with its edit form and delete step."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import Signed, checked_form, posted_tab, program_by_slug, signed_in
from foundry.web.live import Tab
from foundry.web.live_forms import FormContext
from foundry.web.ui import workstreams
from foundry.web.ui.shell import heading_region, live_heading, page
from foundry.web.ui.workstreams import edit


async def workstreams_page(request: Request) -> Response:
    """GET /p/{slug}/workstreams: every workstream's card (its status a button that cycles it)
    and the form that adds one."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    forms, people = FormContext(signed.session.csrf), await edit.leads(signed, program)
    tab, _ = await signed.open_tab(program, [workstreams.grid_region(program, forms)])
    forms.tab_id = tab.id
    content = workstreams.cards_page(tab, edit.create_form(program, forms, people))
    shell = workstreams.shell_of(signed.shell(), program, tab.id)
    return HTMLResponse(page("Workstreams", content, **shell))


async def workstream_page(request: Request) -> Response:
    """GET /p/{slug}/workstreams/{shortCode}: status, pipeline, requirements, tasks and sprints,
    live, with the edit form and the delete step."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    listing = await signed.query("workstreams:list", programId=program["_id"], numItems=100)
    ws = workstreams.find(listing["page"], request.path_params["shortCode"])
    forms, people = FormContext(signed.session.csrf), await edit.leads(signed, program)
    heading = heading_region("workstreams:get", {"workstreamId": ws["_id"]}, lambda w: w["name"])
    regions = [*workstreams.detail_regions(program, ws, forms), heading]
    tab, _ = await signed.open_tab(program, regions)
    forms.tab_id = tab.id
    shell = workstreams.shell_of(signed.shell(), program, tab.id, ws)
    editing = {
        "edit": edit.edit_form(program, ws, forms, people),
        "delete_form": edit.delete_form(program, ws, forms, step=True),
    }
    content = workstreams.detail_page(tab, editing)
    return HTMLResponse(page(ws["name"], content, **shell, **live_heading(tab)))


async def cycle_status(request: Request) -> Response:
    """POST /p/{slug}/workstreams/status (live form): the next RAG status of one workstream."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab = await posted_tab(signed, form)
    ws_id = str(form.get("workstreamId", ""))
    try:
        await tab.client.mutation("workstreams:cycle_status", {"workstreamId": ws_id})
    except FunctionError as error:
        html = await workstreams.refused(signed, program, ws_id, tab.id, error.message)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, [workstreams.GRID, workstreams.SUMMARY])


async def posted(request: Request) -> tuple[Signed, dict[str, Any], FormData, Tab]:
    """A workstream form's post: session, program, form and tab."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    return signed, program, form, await posted_tab(signed, form)


async def workstream_of(signed: Signed, program: dict[str, Any], code: str) -> dict[str, Any]:
    """The program's workstream with short code `code` (a FunctionError, 404, if none)."""
    listing = await signed.query("workstreams:list", programId=program["_id"], numItems=100)
    return workstreams.find(listing["page"], code)


async def create_workstream(request: Request) -> Response:
    """POST /p/{slug}/workstreams (live form): add a workstream; a refusal (a duplicate short
    code, say) is shown beside its field with the input kept."""
    signed, program, form, tab = await posted(request)
    values, forms = (
        edit.values_from(form, edit.FIELDS),
        FormContext(signed.session.csrf, tab.id),
    )
    people = await edit.leads(signed, program)
    try:
        await tab.client.mutation("workstreams:create", edit.create_args(program["_id"], values))
    except (FunctionError, edit.NotANumber) as error:
        message, field = refusal(error)
        return live_forms.form_answer(
            edit.create_form(program, forms, people, values, message, field)
        )
    return live_forms.regions_answer(
        tab, [workstreams.GRID], form=str(edit.create_form(program, forms, people))
    )


def refusal(error: FunctionError | edit.NotANumber) -> tuple[str, str | None]:
    """A refused form's message and the field it names."""
    if isinstance(error, edit.NotANumber):
        return str(error), error.field
    return error.message, live_forms.error_field(error.data)


async def edit_workstream(request: Request) -> Response:
    """POST /p/{slug}/workstreams/{shortCode}/edit: change the workstream; a new short code
    sends the browser to the page's new address."""
    signed, program, form, tab = await posted(request)
    ws = await workstream_of(signed, program, request.path_params["shortCode"])
    values, forms = edit.values_from(form), FormContext(signed.session.csrf, tab.id)
    people = await edit.leads(signed, program)
    try:
        await tab.client.mutation("workstreams:update", edit.update_args(ws["_id"], values))
    except (FunctionError, edit.NotANumber) as error:
        message, field = refusal(error)
        html = edit.edit_form(program, ws, forms, people, values, message, field)
        return live_forms.form_answer(html)
    if values["shortCode"] != ws["shortCode"]:
        return live_forms.redirect_answer(edit.url_of(program, values["shortCode"]))
    html = edit.edit_form(program, ws, forms, people, values)
    return live_forms.regions_answer(tab, [workstreams.SUMMARY], form=str(html))


async def delete_workstream(request: Request) -> Response:
    """POST /p/{slug}/workstreams/{shortCode}/delete (confirmed): delete it and go back to the
    cards; refused, with the backend's reason, while anything still uses it."""
    signed, program, _, tab = await posted(request)
    ws = await workstream_of(signed, program, request.path_params["shortCode"])
    try:
        await tab.client.mutation("workstreams:remove", {"workstreamId": ws["_id"]})
    except FunctionError as error:
        forms = FormContext(signed.session.csrf, tab.id)
        return live_forms.form_answer(edit.delete_form(program, ws, forms, error.message))
    return live_forms.redirect_answer(f"/p/{program['slug']}/workstreams")


ROUTES = [
    Route("/p/{slug}/workstreams", workstreams_page, methods=["GET"]),
    Route("/p/{slug}/workstreams", create_workstream, methods=["POST"]),
    Route("/p/{slug}/workstreams/status", cycle_status, methods=["POST"]),
    Route("/p/{slug}/workstreams/{shortCode}/edit", edit_workstream, methods=["POST"]),
    Route("/p/{slug}/workstreams/{shortCode}/delete", delete_workstream, methods=["POST"]),
    Route("/p/{slug}/workstreams/{shortCode}", workstream_page, methods=["GET"]),
]
