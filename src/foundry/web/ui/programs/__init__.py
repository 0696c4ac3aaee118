"""The programs list, the new-program form and the new-program wizard."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.responses import HTMLResponse

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import Signed
from foundry.web.live import Region
from foundry.web.templating import render
from foundry.web.ui.programs import wizard
from foundry.web.ui.shell import page, region


def programs_region(org_id: str) -> Region:
    """The organisation's programs, live."""
    return Region(
        "programs",
        "programs:list",
        {"orgId": org_id},
        lambda value: render("programs/list.html", programs=value),
    )


def new_program_form(
    csrf: str,
    tab_id: str,
    error: str | None = None,
    field: str | None = None,
    values: dict[str, Any] | None = None,
) -> str:
    """The form that creates a program."""
    return render(
        "programs/form.html",
        csrf=csrf,
        tab_id=tab_id,
        error=error,
        field=field,
        values=values or {},
    )


BACKEND_FIELDS = {"name", "clientName", "slug", "description", "startDate", "phase"}


async def wizard_move(signed: Signed, form: FormData) -> tuple[int, wizard.Draft, dict[str, str]]:
    """Where a wizard post leads: (step to show, draft, errors); step 0 means created."""
    try:
        step = min(max(int(str(form.get("step", "1"))), 1), len(wizard.STEPS))
    except ValueError:
        step = 1
    draft, go = wizard.parse(form, step), form.get("go")
    errors = wizard.merge_custom(draft, strict=go == "next") if step == 2 else {}
    if go == "back":
        return max(step - 1, 1), draft, {}
    if go == "create" and step == len(wizard.STEPS) and signed.org_id is not None:
        return await create(signed, draft)
    if step == 1:
        taken = await signed.query("programs:get_by_slug", orgId=signed.org_id, slug=draft.slug)
        errors = wizard.check_basics(draft, taken is not None)
    if errors:
        return step, draft, errors
    return min(step + 1, len(wizard.STEPS)), draft, {}


async def create(signed: Signed, draft: wizard.Draft) -> tuple[int, wizard.Draft, dict[str, str]]:
    """Create the program with its workstreams and team; the step to fix if refused."""
    args = wizard.create_args(str(signed.org_id), draft)
    try:
        async with await signed.backend() as http:
            made = await http.mutation("programs:create_with_setup", args)
    except FunctionError as error:
        path = live_forms.error_field(error.data) or ""
        step = wizard.step_of_error(path)
        key = path if path in BACKEND_FIELDS else {1: "name", 2: "ws", 3: "team"}[step]
        return step, draft, {key: error.message}
    draft.basics["slug"] = str(made["slug"])
    return 0, draft, {}


async def wizard_page(
    signed: Signed, step: int, draft: wizard.Draft, errors: dict[str, str] | None = None
) -> HTMLResponse:
    """The wizard's page at `step` (step 3 and the review list the organisation's members live)."""
    org_id = signed.org_id
    if org_id is None:
        body = "<p>You do not belong to an organisation yet.</p>"
        return HTMLResponse(page("New program", body, **signed.shell()))
    regions = [wizard.members_region(org_id, draft, review=step == 4)] if step >= 3 else []
    tab, html = await signed.open_tab(None, regions)
    members = None
    if regions:
        members = region(wizard.MEMBERS_REGION, html[wizard.MEMBERS_REGION], tab.ts)
    content = wizard.wizard(step, draft, signed.session.csrf, errors, members)
    crumbs = [("Programs", "/"), ("New program", "/programs/new")]
    shell = {**signed.shell(), "breadcrumbs": crumbs, "tab_id": tab.id}
    status = 422 if errors else 200
    return HTMLResponse(page("New program", content, **shell), status_code=status)
