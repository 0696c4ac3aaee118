"""Integrations: the live inventory with create, status and delete forms, and an edit page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import program_by_slug, program_post, signed_in
from foundry.web.live_forms import FormContext
from foundry.web.ui import integrations
from foundry.web.ui.shell import heading_region, live_heading, page

REGIONS = [integrations.LIST, integrations.DETAIL]


async def integrations_page(request: Request) -> Response:
    """GET /p/{slug}/integrations: the add form and the inventory, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    forms = FormContext(signed.session.csrf)
    tab, _ = await signed.open_tab(program, [integrations.list_region(program, forms)])
    forms.tab_id = tab.id
    content = integrations.list_page(tab, program, forms)
    shell = integrations.shell_of(signed.shell(), program, tab.id)
    return HTMLResponse(page("Integrations", content, **shell))


async def integration_page(request: Request) -> Response:
    """GET /p/{slug}/integrations/{integrationId}: its details, live, and the edit form."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    item = await signed.query("integrations:get", integrationId=request.path_params["id"])
    forms = FormContext(signed.session.csrf)
    args = {"integrationId": item["_id"]}
    heading = heading_region("integrations:get", args, lambda i: i["name"])
    regions = [integrations.detail_region(program, item["_id"], forms), heading]
    tab, _ = await signed.open_tab(program, regions)
    forms.tab_id = tab.id
    shell = integrations.shell_of(signed.shell(), program, tab.id, item)
    content = integrations.detail_page(tab, program, forms)
    return HTMLResponse(page(item["name"], content, **shell, **live_heading(tab)))


async def save(request: Request) -> Response:
    """POST /p/{slug}/integrations[/{id}] (live form): add an integration or edit one."""
    signed, form, program, tab = await program_post(request)
    values, item_id = integrations.values_of(form), request.path_params.get("id")
    path, args = integrations.save_args(values, program["_id"], item_id)
    forms = FormContext(signed.session.csrf, tab.id)
    try:
        await tab.client.mutation(path, args)
    except FunctionError as error:
        field = live_forms.error_field(error.data)
        html = integrations.edit_form(program, forms, values, error.message, field, item_id)
        return live_forms.form_answer(html)
    if item_id is None:
        return live_forms.regions_answer(tab, REGIONS)
    html = integrations.edit_form(program, forms, values, integration_id=item_id)
    return live_forms.regions_answer(tab, REGIONS, form=str(html))


async def set_status(request: Request) -> Response:
    """POST /p/{slug}/integrations/status (live form): move an integration along its lifecycle."""
    signed, form, program, tab = await program_post(request)
    args = {k: str(form.get(k, "")) for k in ("integrationId", "status")}
    try:
        await tab.client.mutation("integrations:set_status", args)
    except FunctionError as error:
        forms = FormContext(signed.session.csrf, tab.id)
        return live_forms.form_answer(
            integrations.status_refused(program, forms, form, error.message)
        )
    return live_forms.regions_answer(tab, REGIONS)


async def delete(request: Request) -> Response:
    """POST /p/{slug}/integrations/delete (live form): remove an integration."""
    signed, form, program, tab = await program_post(request)
    try:
        await tab.client.mutation(
            "integrations:delete", {"integrationId": str(form.get("integrationId", ""))}
        )
    except FunctionError as error:
        forms = FormContext(signed.session.csrf, tab.id)
        html = integrations.delete_refused(program, forms, form, error.message)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, REGIONS)


ROUTES = [
    Route("/p/{slug}/integrations", integrations_page, methods=["GET"]),
    Route("/p/{slug}/integrations", save, methods=["POST"]),
    Route("/p/{slug}/integrations/status", set_status, methods=["POST"]),
    Route("/p/{slug}/integrations/delete", delete, methods=["POST"]),
    Route("/p/{slug}/integrations/{id}", integration_page, methods=["GET"]),
    Route("/p/{slug}/integrations/{id}", save, methods=["POST"]),
]
