"""Playbooks: the list and create form, and a playbook's step editor, status and instances."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import (
    Signed,
    program_by_slug,
    program_post,
    program_workstreams,
    signed_in,
)
from foundry.web.live import Tab
from foundry.web.live_forms import FormContext
from foundry.web.ui import playbooks
from foundry.web.ui.shell import heading_region, live_heading, page

REGIONS = [playbooks.PLAYBOOK, playbooks.INSTANCES]


async def playbooks_page(request: Request) -> Response:
    """GET /p/{slug}/playbooks: the create form and the program's playbooks, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    forms = FormContext(signed.session.csrf)
    tab, _ = await signed.open_tab(program, [playbooks.list_region(program)])
    forms.tab_id = tab.id
    content = playbooks.list_page(tab, program, forms)
    return HTMLResponse(
        page("Playbooks", content, **playbooks.shell_of(signed.shell(), program, tab.id))
    )


async def create_playbook(request: Request) -> Response:
    """POST /p/{slug}/playbooks (live form): create a draft playbook."""
    signed, form, program, tab = await program_post(request)
    values = {k: str(form.get(k, "")).strip() for k in ("name", "targetPlatform", "description")}
    args = {k: val for k, val in values.items() if val}
    try:
        await tab.client.mutation("playbooks:create", {"programId": program["_id"], **args})
    except FunctionError as error:
        forms = FormContext(signed.session.csrf, tab.id)
        field = live_forms.error_field(error.data) or ("name" if "name" in error.message else None)
        return live_forms.form_answer(
            playbooks.create_form(program, forms, values, error.message, field)
        )
    return live_forms.regions_answer(tab, [playbooks.LIST])


async def playbook_page(request: Request) -> Response:
    """GET /p/{slug}/playbooks/{id}: the step editor, status, instantiate form and instances."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    pb = await signed.query("playbooks:get", playbookId=request.path_params["id"])
    workstreams = await program_workstreams(signed, program)
    forms = FormContext(signed.session.csrf)
    regions = [
        playbooks.playbook_region(program, pb["_id"], forms, workstreams),
        playbooks.instances_region(program, pb["_id"]),
        heading_region("playbooks:get", {"playbookId": pb["_id"]}, lambda p: p["name"]),
    ]
    tab, _ = await signed.open_tab(program, regions)
    forms.tab_id = tab.id
    content = playbooks.detail_page(tab, program, forms, workstreams)
    shell = playbooks.shell_of(signed.shell(), program, tab.id, pb)
    return HTMLResponse(page(pb["name"], content, **shell, **live_heading(tab)))


async def save_step(request: Request) -> Response:
    """POST /p/{slug}/playbooks/{id}/steps[/edit] (live form): add a step or change one."""
    signed, form, program, tab = await program_post(request)
    pb_id, values = request.path_params["id"], playbooks.step_values(form)
    index = playbooks.index_of(form) if request.url.path.endswith("/edit") else None
    try:
        args = playbooks.step_args(values)
        if index is None:
            await tab.client.mutation("playbooks:add_step", {"playbookId": pb_id, "step": args})
        else:
            await tab.client.mutation(
                "playbooks:update_step", {"playbookId": pb_id, "index": index, **args}
            )
    except (FunctionError, playbooks.BadField) as error:
        return await step_refused(signed, program, tab, pb_id, values, index, error)
    return live_forms.regions_answer(tab, REGIONS)


async def step_refused(
    signed: Signed,
    program: dict[str, Any],
    tab: Tab,
    pb_id: str,
    values: dict[str, str],
    index: int | None,
    error: Exception,
) -> Response:
    """A step form again, its error beside the field and the user's input kept."""
    field: str | None
    if isinstance(error, playbooks.BadField):
        field, message = error.field, error.message
    else:
        assert isinstance(error, FunctionError)
        field, message = playbooks.field_of(live_forms.error_field(error.data)), error.message
    forms = FormContext(signed.session.csrf, tab.id)
    workstreams = await program_workstreams(signed, program)
    html = playbooks.step_form(program, forms, workstreams, pb_id, values, message, field, index)
    return live_forms.form_answer(html)


ArgsOf = Callable[[str, FormData, Tab], dict[str, Any]]


async def one_button(request: Request, path: str, args_of: ArgsOf) -> Response:
    """A one-button form's post: run `path` with `args_of(playbookId, form, tab)`."""
    signed, form, program, tab = await program_post(request)
    pb_id = request.path_params["id"]
    try:
        await tab.client.mutation(path, args_of(pb_id, form, tab))
    except (FunctionError, ValueError, IndexError) as error:
        forms = FormContext(signed.session.csrf, tab.id)
        message = getattr(error, "message", str(error))
        return live_forms.form_answer(playbooks.small_form(program, forms, pb_id, form, message))
    return live_forms.regions_answer(tab, [*REGIONS, playbooks.LIST])


def moved_order(pb_id: str, form: FormData, tab: Tab) -> dict[str, Any]:
    """The reorder arguments that move step `index` one place up or down."""
    index, count = int(str(form.get("index", ""))), len(playbooks.steps_of(tab))
    other = index - 1 if form.get("direction") == "up" else index + 1
    if not (0 <= index < count and 0 <= other < count):
        raise IndexError("index: that step cannot move further")
    order = list(range(count))
    order[index], order[other] = other, index
    return {"playbookId": pb_id, "order": order}


async def move_step(request: Request) -> Response:
    """POST /p/{slug}/playbooks/{id}/steps/move (live form): a step one place up or down."""
    return await one_button(request, "playbooks:reorder_steps", moved_order)


async def remove_step(request: Request) -> Response:
    """POST /p/{slug}/playbooks/{id}/steps/remove (live form): delete a step."""
    return await one_button(
        request,
        "playbooks:remove_step",
        lambda pb_id, form, _: {"playbookId": pb_id, "index": int(str(form.get("index", "")))},
    )


async def set_status(request: Request) -> Response:
    """POST /p/{slug}/playbooks/{id}/status (live form): publish, archive or back to draft."""
    return await one_button(
        request,
        "playbooks:set_status",
        lambda pb_id, form, _: {"playbookId": pb_id, "status": str(form.get("status", ""))},
    )


async def reorder_steps(request: Request) -> Response:
    """POST /p/{slug}/playbooks/{id}/steps/reorder (live form, from a drag): the new order."""
    signed, form, program, tab = await program_post(request)
    try:
        order = [int(i) for i in str(form.get("order", "")).split(",")]
        await tab.client.mutation(
            "playbooks:reorder_steps", {"playbookId": request.path_params["id"], "order": order}
        )
    except (FunctionError, ValueError) as error:
        forms = FormContext(signed.session.csrf, tab.id)
        message = getattr(error, "message", "order: the steps could not be read")
        return live_forms.form_answer(
            playbooks.reorder_refused(program, forms, request.path_params["id"], message)
        )
    return live_forms.regions_answer(tab, REGIONS)


async def instantiate(request: Request) -> Response:
    """POST /p/{slug}/playbooks/{id}/instantiate (live form): an instance and its tasks."""
    signed, form, program, tab = await program_post(request)
    pb_id, name = request.path_params["id"], str(form.get("name", "")).strip()
    try:
        await tab.client.mutation("playbooks:instantiate", {"playbookId": pb_id, "name": name})
    except FunctionError as error:
        forms = FormContext(signed.session.csrf, tab.id)
        return live_forms.form_answer(
            playbooks.instantiate_form(program, forms, pb_id, name, error.message)
        )
    return live_forms.regions_answer(tab, REGIONS)


ROUTES = [
    Route("/p/{slug}/playbooks", playbooks_page, methods=["GET"]),
    Route("/p/{slug}/playbooks", create_playbook, methods=["POST"]),
    Route("/p/{slug}/playbooks/{id}", playbook_page, methods=["GET"]),
    Route("/p/{slug}/playbooks/{id}/steps", save_step, methods=["POST"]),
    Route("/p/{slug}/playbooks/{id}/steps/edit", save_step, methods=["POST"]),
    Route("/p/{slug}/playbooks/{id}/steps/move", move_step, methods=["POST"]),
    Route("/p/{slug}/playbooks/{id}/steps/remove", remove_step, methods=["POST"]),
    Route("/p/{slug}/playbooks/{id}/steps/reorder", reorder_steps, methods=["POST"]),
    Route("/p/{slug}/playbooks/{id}/status", set_status, methods=["POST"]),
    Route("/p/{slug}/playbooks/{id}/instantiate", instantiate, methods=["POST"]),
]
