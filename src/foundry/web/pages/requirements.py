"""The requirements table."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import checked_form, program_by_slug, signed_in
from foundry.web.ui import requirements
from foundry.web.ui.shell import page, region


async def requirements_page(request: Request) -> Response:
    """GET /p/{slug}/requirements: the filtered requirements table, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    filters = requirements.filters_from(dict(request.query_params))
    tab, html = await signed.open_tab(program, [requirements.table_region(program, filters)])
    content = (
        requirements.filters_form(program, filters)
        + requirements.create_form(program, signed.session.csrf, tab.id)
        + region("requirements-table", html["requirements-table"], tab.ts)
    )
    crumbs = [("Programs", "/"), (program["name"], f"/p/{program['slug']}/requirements")]
    shell = {**signed.shell(), "program": program, "breadcrumbs": crumbs, "tab_id": tab.id}
    return HTMLResponse(page("Requirements", content, **shell))


async def create_requirement(request: Request) -> Response:
    """POST /p/{slug}/requirements (live form)."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    values = {k: str(form.get(k, "")).strip() for k in ("title", "priority", "fitGap")}
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is None:
        return live_forms.form_answer("<p role='alert'>This page expired; reload it.</p>", 409)
    try:
        await tab.client.mutation("requirements:create", {"programId": program["_id"], **values})
    except FunctionError as error:
        field = live_forms.error_field(error.data)
        html = requirements.create_form(
            program, signed.session.csrf, tab.id, error.message, field, values
        )
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, ["requirements-table"])


ROUTES = [
    Route("/p/{slug}/requirements", requirements_page, methods=["GET"]),
    Route("/p/{slug}/requirements", create_requirement, methods=["POST"]),
]
