"""Skills: the program's live list with the templates to fork, and one skill's editor."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import checked_form, posted_tab, program_by_slug, signed_in
from foundry.web.live_forms import FormContext
from foundry.web.ui import skills
from foundry.web.ui.shell import heading_region, live_heading, page

NOT_FOUND = "Not found, or you do not have access to it."


async def skills_page(request: Request) -> Response:
    """GET /p/{slug}/skills: the program's skills and the built-in templates, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    forms = FormContext(signed.session.csrf)
    regions = [skills.list_region(program), skills.templates_region(program, forms)]
    tab, _ = await signed.open_tab(program, regions)
    forms.tab_id = tab.id
    shell = skills.shell_of(signed.shell(), program, tab.id, None)
    return HTMLResponse(page("Skills", skills.skills_page(tab, program), **shell))


async def fork_template(request: Request) -> Response:
    """POST /p/{slug}/skills (live form): fork a built-in template into the program."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab = await posted_tab(signed, form)
    key, name = str(form.get("templateKey", "")), str(form.get("name", "")).strip()
    args = {"programId": program["_id"], "templateKey": key, **({"name": name} if name else {})}
    try:
        await tab.client.mutation("skills:fork_template", args)
    except FunctionError as error:
        forms = FormContext(signed.session.csrf, tab.id)
        return live_forms.form_answer(skills.fork_refused(program, forms, key, error.message))
    return live_forms.regions_answer(tab, [skills.LIST])


async def skill_page(request: Request) -> Response:
    """GET /p/{slug}/skills/{skillId}: the editor, the live history and an optional diff."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    skill_id = request.path_params["skillId"]
    chosen = skills.chosen_versions(dict(request.query_params))
    forms = FormContext(signed.session.csrf)
    heading = heading_region("skills:get", {"skillId": skill_id}, lambda s: s["name"])
    regions = [*skills.skill_regions(program, skill_id, chosen), heading]
    tab, _ = await signed.open_tab(program, regions)
    skill = tab.client.local_result("skills:get", {"skillId": skill_id})
    if skill is None or skill["programId"] != program["_id"]:
        raise FunctionError(NOT_FOUND, {"skillId": skill_id})
    forms.tab_id = tab.id
    content = skills.skill_page(tab, program, forms, skill, bool(chosen))
    shell = skills.shell_of(signed.shell(), program, tab.id, skill)
    return HTMLResponse(page(skill["name"], content, **shell, **live_heading(tab)))


async def save_content(request: Request) -> Response:
    """POST /p/{slug}/skills/{skillId} (live form): save the content as a new version."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab = await posted_tab(signed, form)
    skill_id = request.path_params["skillId"]
    values = {k: str(form.get(k, "")) for k in ("content", "message", "expectedVersion")}
    forms = FormContext(signed.session.csrf, tab.id)
    try:
        version = await tab.client.mutation("skills:update_content", _save_args(skill_id, values))
    except FunctionError as error:
        field = live_forms.error_field(error.data)
        if field == "expectedVersion":  # the next save deliberately replaces the newer version
            values["expectedVersion"] = str(error.data.get("currentVersion", ""))
        html = skills.editor_form(program, forms, skill_id, values, error.message, field)
        return live_forms.form_answer(html)
    fresh = {**values, "message": "", "expectedVersion": str(version)}
    html = skills.editor_form(program, forms, skill_id, fresh, saved=str(version))
    return live_forms.regions_answer(tab, [skills.SKILL, skills.VERSIONS], form=str(html))


def _save_args(skill_id: str, values: dict[str, str]) -> dict[str, Any]:
    args: dict[str, Any] = {"skillId": skill_id, "content": values["content"]}
    if values["message"].strip():
        args["message"] = values["message"].strip()
    if values["expectedVersion"]:
        args["expectedVersion"] = values["expectedVersion"]
    return args


ROUTES = [
    Route("/p/{slug}/skills", skills_page, methods=["GET"]),
    Route("/p/{slug}/skills", fork_template, methods=["POST"]),
    Route("/p/{slug}/skills/{skillId}", skill_page, methods=["GET"]),
    Route("/p/{slug}/skills/{skillId}", save_content, methods=["POST"]),
]
