"""The programs list and the new-program wizard."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import checked_form, posted_tab, signed_in
from foundry.web.ui import programs
from foundry.web.ui.programs import wizard
from foundry.web.ui.shell import page, region


async def home(request: Request) -> Response:
    """GET /: the organisation's programs, live."""
    signed = await signed_in(request)
    if signed.org_id is None:
        return HTMLResponse(
            page("Programs", "<p>You do not belong to an organisation yet.</p>", **signed.shell())
        )
    tab, html = await signed.open_tab(None, [programs.programs_region(signed.org_id)])
    content = region("programs", html["programs"], tab.ts) + programs.new_program_form(
        signed.session.csrf, tab.id
    )
    return HTMLResponse(page("Programs", content, tab_id=tab.id, **signed.shell()))


async def create_program(request: Request) -> Response:
    """POST /programs (live form)."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    values = {k: str(form.get(k, "")).strip() for k in ("name", "clientName")}
    tab = await posted_tab(signed, form)
    try:
        await tab.client.mutation("programs:create", {"orgId": signed.org_id, **values})
    except FunctionError as error:
        html = programs.new_program_form(
            signed.session.csrf, tab.id, error.message, live_forms.error_field(error.data), values
        )
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, ["programs"])


async def new_program(request: Request) -> Response:
    """GET /programs/new: the new-program wizard, step 1."""
    signed = await signed_in(request)
    return await programs.wizard_page(signed, 1, wizard.Draft())


async def new_program_step(request: Request) -> Response:
    """POST /programs/new: Back, Next or Create from a wizard step (the draft is in the form)."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    step, draft, errors = await programs.wizard_move(signed, form)
    if step == 0:
        return RedirectResponse(f"/p/{draft.slug}", status_code=303)
    return await programs.wizard_page(signed, step, draft, errors)


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/programs", create_program, methods=["POST"]),
    Route("/programs/new", new_program, methods=["GET"]),
    Route("/programs/new", new_program_step, methods=["POST"]),
]
