"""Sprints: the list per workstream with a create form and lifecycle buttons, and sprint detail."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
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
from foundry.web.ui import sprints
from foundry.web.ui.shell import heading_region, live_heading, page


async def sprints_page(request: Request) -> Response:
    """GET /p/{slug}/sprints: the plan-a-sprint form and every workstream's sprints, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    workstreams = await program_workstreams(signed, program)
    forms = FormContext(signed.session.csrf)
    tab, _ = await signed.open_tab(program, [sprints.list_region(program, workstreams, forms)])
    forms.tab_id = tab.id
    content = sprints.list_page(tab, program, workstreams, forms)
    return HTMLResponse(
        page("Sprints", content, **sprints.shell_of(signed.shell(), program, tab.id))
    )


async def create_sprint(request: Request) -> Response:
    """POST /p/{slug}/sprints (live form): plan a workstream's next sprint."""
    signed, form, program, tab = await program_post(request)
    values = sprints.values_of(form)
    try:
        args = sprints.sprint_args(values)
        await tab.client.mutation("sprints:create", {"programId": program["_id"], **args})
    except (FunctionError, sprints.BadField) as error:
        return await refused_create(signed, program, tab, values, error)
    return live_forms.regions_answer(tab, [sprints.LIST])


async def refused_create(
    signed: Signed, program: dict[str, Any], tab: Tab, values: dict[str, str], error: Exception
) -> JSONResponse:
    """The create form again, its error beside the field and the user's input kept."""
    field: str | None
    if isinstance(error, sprints.BadField):
        field, message = error.field, error.message
    else:
        assert isinstance(error, FunctionError)
        field, message = live_forms.error_field(error.data), error.message
    forms = FormContext(signed.session.csrf, tab.id)
    workstreams = await program_workstreams(signed, program)
    return live_forms.form_answer(
        sprints.create_form(program, workstreams, forms, values, message, field)
    )


async def set_status(request: Request) -> Response:
    """POST /p/{slug}/sprints/status (live form): start, complete, cancel or replan a sprint."""
    signed, form, program, tab = await program_post(request)
    args = {"sprintId": str(form.get("sprintId", "")), "status": str(form.get("status", ""))}
    try:
        await tab.client.mutation("sprints:set_status", args)
    except FunctionError as error:
        forms = FormContext(signed.session.csrf, tab.id)
        return live_forms.form_answer(sprints.move_form(program, forms, form, error.message))
    return live_forms.regions_answer(tab, [sprints.LIST, sprints.DETAIL, sprints.CANDIDATES])


async def sprint_page(request: Request) -> Response:
    """GET /p/{slug}/sprints/{sprintId}: capacity, committed points and tasks, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    sprint = await signed.query("sprints:get", sprintId=request.path_params["sprintId"])
    forms = FormContext(signed.session.csrf)
    regions = [
        sprints.detail_region(program, sprint["_id"], forms),
        sprints.candidates_region(program, sprint, forms),
        heading_region("sprints:get", {"sprintId": sprint["_id"]}, sprints.title_of),
    ]
    tab, _ = await signed.open_tab(program, regions)
    forms.tab_id = tab.id
    shell = sprints.shell_of(signed.shell(), program, tab.id, sprint)
    title = sprints.title_of(sprint)
    return HTMLResponse(page(title, sprints.detail_page(tab), **shell, **live_heading(tab)))


async def change_tasks(request: Request, path: str) -> Response:
    """Add a task to the sprint or take one out (`path` names the mutation)."""
    signed, form, program, tab = await program_post(request)
    args = {"sprintId": request.path_params["sprintId"], "taskIds": [str(form.get("taskId", ""))]}
    try:
        await tab.client.mutation(path, args)
    except FunctionError as error:
        forms = FormContext(signed.session.csrf, tab.id)
        removing = path.endswith("unassign_tasks")
        html = sprints.tasks_refused(
            tab, program, forms, args["sprintId"], form, error.message, removing
        )
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, [sprints.DETAIL, sprints.CANDIDATES])


async def add_task(request: Request) -> Response:
    """POST /p/{slug}/sprints/{sprintId}/tasks (live form): commit a task to the sprint."""
    return await change_tasks(request, "sprints:assign_tasks")


async def remove_task(request: Request) -> Response:
    """POST /p/{slug}/sprints/{sprintId}/tasks/remove (live form): take a task out."""
    return await change_tasks(request, "sprints:unassign_tasks")


ROUTES = [
    Route("/p/{slug}/sprints", sprints_page, methods=["GET"]),
    Route("/p/{slug}/sprints", create_sprint, methods=["POST"]),
    Route("/p/{slug}/sprints/status", set_status, methods=["POST"]),
    Route("/p/{slug}/sprints/{sprintId}", sprint_page, methods=["GET"]),
    Route("/p/{slug}/sprints/{sprintId}/tasks", add_task, methods=["POST"]),
    Route("/p/{slug}/sprints/{sprintId}/tasks/remove", remove_task, methods=["POST"]),
]
