"""Program settings: details and status, and the team with its roles, all live."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import program_by_slug, program_post, signed_in
from foundry.web.live_forms import FormContext
from foundry.web.ui import settings
from foundry.web.ui.shell import page


async def settings_page(request: Request) -> Response:
    """GET /p/{slug}/settings: the program's details and status, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    forms = FormContext(signed.session.csrf)
    tab, _ = await signed.open_tab(program, [settings.details_region(program, forms)])
    forms.tab_id = tab.id
    shell = settings.shell_of(signed.shell(), program, tab.id)
    return HTMLResponse(page("Program settings", settings.settings_page(tab, program), **shell))


async def update_details(request: Request) -> Response:
    """POST /p/{slug}/settings (live form): change the program's details."""
    signed, form, program, tab = await program_post(request)
    values = {k: str(form.get(k, "")).strip() for k in settings.DETAIL_FIELDS}
    args: dict[str, object] = {
        k: val for k, val in values.items() if val or k in settings.TEXT_FIELDS
    }
    args["unset"] = [k for k in settings.CHOICE_FIELDS if not values[k]]
    try:
        await tab.client.mutation("programs:update", {"programId": program["_id"], **args})
    except FunctionError as error:
        forms = FormContext(signed.session.csrf, tab.id)
        field = live_forms.error_field(error.data)
        html = settings.details_form(program, forms, error.message, field, values)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, [settings.DETAILS])


async def set_status(request: Request) -> Response:
    """POST /p/{slug}/settings/status (live form): move the program to another status."""
    signed, form, program, tab = await program_post(request)
    status = str(form.get("status", ""))
    try:
        await tab.client.mutation(
            "programs:set_status", {"programId": program["_id"], "status": status}
        )
    except FunctionError as error:
        forms = FormContext(signed.session.csrf, tab.id)
        return live_forms.form_answer(settings.status_form(program, forms, error.message))
    return live_forms.regions_answer(tab, [settings.DETAILS])


async def team_page(request: Request) -> Response:
    """GET /p/{slug}/settings/team: the team with roles, and the add form, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    forms = FormContext(signed.session.csrf)
    regions = [settings.team_add_region(program, forms), settings.team_region(program, forms)]
    tab, _ = await signed.open_tab(program, regions)
    forms.tab_id = tab.id
    shell = settings.shell_of(signed.shell(), program, tab.id, ("Team", request.url.path))
    return HTMLResponse(page("Team", settings.team_page(tab, program), **shell))


async def add_member(request: Request) -> Response:
    """POST /p/{slug}/settings/team (live form): add someone to the team, or change their role."""
    signed, form, program, tab = await program_post(request)
    values = {k: str(form.get(k, "")) for k in ("userId", "role")}
    try:
        await tab.client.mutation("team:add", {"programId": program["_id"], **values})
    except FunctionError as error:
        if form.get("row"):
            return live_forms.form_answer(settings.notice(error.message))
        forms = FormContext(signed.session.csrf, tab.id)
        members = settings.org_members(tab)
        html = settings.team_add_form(program, forms, members, error.message, values)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, [settings.TEAM])


async def remove_member(request: Request) -> Response:
    """POST /p/{slug}/settings/team/remove (live form): take someone off the team."""
    _, form, _, tab = await program_post(request)
    member_id = str(form.get("teamMemberId", ""))
    try:
        await tab.client.mutation("team:remove", {"teamMemberId": member_id})
    except FunctionError as error:
        return live_forms.form_answer(settings.notice(error.message))
    return live_forms.regions_answer(tab, [settings.TEAM])


ROUTES = [
    Route("/p/{slug}/settings", settings_page, methods=["GET"]),
    Route("/p/{slug}/settings", update_details, methods=["POST"]),
    Route("/p/{slug}/settings/status", set_status, methods=["POST"]),
    Route("/p/{slug}/settings/team", team_page, methods=["GET"]),
    Route("/p/{slug}/settings/team", add_member, methods=["POST"]),
    Route("/p/{slug}/settings/team/remove", remove_member, methods=["POST"]),
]
