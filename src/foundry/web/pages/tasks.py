"""The tasks surface: the kanban board and the list (filters and saved views), moves, creation
and task detail."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import Signed, checked_form, program_by_slug, signed_in
from foundry.web.live import Region, Tab
from foundry.web.ui import tasks
from foundry.web.ui.shell import page, region

EXPIRED = "<p role='alert'>This page expired; reload it.</p>"


def _shell(signed: Signed, program: dict[str, Any], tab: Tab, *crumbs: tuple[str, str]) -> Any:
    trail = [("Programs", "/"), (program["name"], f"/p/{program['slug']}/requirements"), *crumbs]
    return {**signed.shell(), "program": program, "breadcrumbs": trail, "tab_id": tab.id}


async def _open(
    signed: Signed, program: dict[str, Any], main: Region, filters: dict[str, str], layout: str
) -> tuple[Tab, dict[str, str], Markup]:
    """Open a tasks page's tab: `main` plus the filters and saved views, and render that panel."""
    csrf = signed.session.csrf
    regions = [
        main,
        tasks.filters_region(program, filters, layout),
        tasks.views_region(program, csrf),
    ]
    tab, html = await signed.open_tab(program, regions)
    return tab, html, tasks.views_panel(program, csrf, tab, html, filters, layout)


async def board_page(request: Request) -> Response:
    """GET /p/{slug}/tasks: the filtered kanban board, live, with drag-and-drop and keyboard
    moves, the filters and the saved views."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    filters = tasks.filters_from(dict(request.query_params))
    board = tasks.board_region(program, signed.session.csrf, filters)
    tab, html, panel = await _open(signed, program, board, filters, "board")
    board_html = region("task-board", html["task-board"], tab.ts)
    content = tasks.ASSETS + tasks.board_intro(program, filters) + panel + board_html
    return HTMLResponse(page("Task board", content, **_shell(signed, program, tab)))


async def move_task(request: Request) -> Response:
    """POST /p/{slug}/tasks/move: a dropped card or a "Move to…" form; answers with the board."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is None:
        return live_forms.form_answer(EXPIRED, 409)
    args = tasks.move_args(form)
    try:
        await tab.client.mutation("tasks:move", args)
    except FunctionError as error:
        slug, csrf = request.path_params["slug"], signed.session.csrf
        answer = tasks.refused_move(tab, slug, csrf, args["taskId"], error.message)
        return JSONResponse(answer, status_code=422)
    return live_forms.regions_answer(tab, ["task-board"])


async def list_page(request: Request) -> Response:
    """GET /p/{slug}/tasks/list: the filtered task list, live, with the create form."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    filters = tasks.filters_from(dict(request.query_params))
    main = tasks.list_region(program, filters)
    tab, html, panel = await _open(signed, program, main, filters, "list")
    content = (
        tasks.ASSETS
        + tasks.tabs_nav(program, "list", filters)
        + panel
        + tasks.create_form(program, signed.session.csrf, tab.id)
        + region("task-list", html["task-list"], tab.ts)
    )
    return HTMLResponse(page("Tasks", content, **_shell(signed, program, tab)))


async def create_task(request: Request) -> Response:
    """POST /p/{slug}/tasks (live form): create a task in the backlog."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    values = {k: str(form.get(k, "")).strip() for k in ("title", "priority")}
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is None:
        return live_forms.form_answer(EXPIRED, 409)
    try:
        await tab.client.mutation("tasks:create", {"programId": program["_id"], **values})
    except FunctionError as error:
        field = live_forms.error_field(error.data)
        csrf = signed.session.csrf
        html = tasks.create_form(program, csrf, tab.id, error.message, field, values, inside=True)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, ["task-list"])


async def save_view(request: Request) -> Response:
    """POST /p/{slug}/tasks/views (live form): save the current filters under a name."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is None:
        return live_forms.form_answer(EXPIRED, 409)
    args = tasks.save_args(program, form)
    try:
        await tab.client.mutation("task_views:save", args)
    except FunctionError as error:
        html = tasks.save_form_again(signed.session.csrf, tab.id, program, args, error.message)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, ["tasks-saved-views"])


async def delete_view(request: Request) -> Response:
    """POST /p/{slug}/tasks/views/delete (live form): delete one of the user's saved views."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is None:
        return live_forms.form_answer(EXPIRED, 409)
    try:
        await tab.client.mutation("task_views:remove_saved", {"viewId": str(form.get("viewId"))})
    except FunctionError as error:
        return live_forms.form_answer(f"<p role='alert'>{escape(error.message)}</p>")
    return live_forms.regions_answer(tab, ["tasks-saved-views"])


async def task_page(request: Request) -> Response:
    """GET /p/{slug}/tasks/{taskId}: the task's fields, criteria and subtasks, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    task = await _task_in(signed, program, request.path_params["taskId"])
    regions = [tasks.detail_region(program, task["_id"]), tasks.subtasks_region(task["_id"])]
    tab, html = await signed.open_tab(program, regions)
    content = (
        tasks.STYLES
        + region("task-detail", html["task-detail"], tab.ts)
        + tasks.subtasks_heading()
        + region("task-subtasks", html["task-subtasks"], tab.ts)
        + tasks.sandbox_section()
    )
    crumb = ("Tasks", f"/p/{program['slug']}/tasks")
    return HTMLResponse(page(task["title"], content, **_shell(signed, program, tab, crumb)))


async def _task_in(signed: Signed, program: dict[str, Any], task_id: str) -> dict[str, Any]:
    """The task, if it belongs to this program (the same not-found error otherwise)."""
    task = await signed.query("tasks:get", taskId=task_id)
    if task["programId"] != program["_id"]:
        raise FunctionError("Not found, or you do not have access to it.", {"taskId": task_id})
    return dict(task)


ROUTES = [
    Route("/p/{slug}/tasks", board_page, methods=["GET"]),
    Route("/p/{slug}/tasks", create_task, methods=["POST"]),
    Route("/p/{slug}/tasks/move", move_task, methods=["POST"]),
    Route("/p/{slug}/tasks/list", list_page, methods=["GET"]),
    Route("/p/{slug}/tasks/views", save_view, methods=["POST"]),
    Route("/p/{slug}/tasks/views/delete", delete_view, methods=["POST"]),
    Route("/p/{slug}/tasks/{taskId}", task_page, methods=["GET"]),
]
