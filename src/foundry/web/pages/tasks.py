"""The tasks surface: the kanban board and the list (filters and saved views), moves, creation,
and task detail (edit, status, blockers, subtasks, comments, history, delete)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import (
    Signed,
    TabExpired,
    checked_form,
    posted_tab,
    program_by_slug,
    signed_in,
)
from foundry.web.live import Region, Tab
from foundry.web.ui import requirement_detail as shared_detail
from foundry.web.ui import tasks
from foundry.web.ui.requirement_detail import FormContext
from foundry.web.ui.shell import heading_region, live_heading, page, program_shell, region
from foundry.web.ui.tasks import detail

BASE = "/p/{slug}/tasks/{taskId}"
SUBTASK = BASE + "/subtasks/{subtaskId}"


def _shell(signed: Signed, program: dict[str, Any], tab: Tab) -> dict[str, Any]:
    return program_shell(signed.shell(), program, tab.id)


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
    tab = await posted_tab(signed, form)
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
    tab = await posted_tab(signed, form)
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
    tab = await posted_tab(signed, form)
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
    tab = await posted_tab(signed, form)
    try:
        await tab.client.mutation("task_views:remove_saved", {"viewId": str(form.get("viewId"))})
    except FunctionError as error:
        return live_forms.form_answer(f"<p role='alert'>{escape(error.message)}</p>")
    return live_forms.regions_answer(tab, ["tasks-saved-views"])


async def task_page(request: Request) -> Response:
    """GET /p/{slug}/tasks/{taskId}: the task with its edit form, status moves, blockers,
    subtasks, comments, history and the sandbox HUD's place, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    task = await _task_in(signed, program, request.path_params["taskId"])
    forms, options = _forms(signed), await detail.edit_options(signed, task["_id"])
    heading = heading_region("tasks:get", {"taskId": task["_id"]}, lambda t: t["title"])
    regions = [*detail.regions(program, task["_id"], forms), heading]
    tab, _ = await signed.open_tab(program, regions)
    forms.tab_id = tab.id
    content = detail.body(tab, program, task["_id"], forms, options)
    shell = detail.shell_of(signed.shell(), program, task, tab.id)
    return HTMLResponse(page(task["title"], content, **shell, **live_heading(tab)))


async def _task_in(signed: Signed, program: dict[str, Any], task_id: str) -> dict[str, Any]:
    """The task, if it belongs to this program (the same not-found error otherwise)."""
    task = await signed.query("tasks:get", taskId=task_id)
    if task["programId"] != program["_id"]:
        raise FunctionError("Not found, or you do not have access to it.", {"taskId": task_id})
    return dict(task)


def _forms(signed: Signed, tab_id: str = "") -> FormContext:
    """What the task page's forms post with (the user's own comments get edit and delete)."""
    return FormContext(signed.session.csrf, tab_id, str(signed.session.user.get("_id", "")))


@dataclass
class Post:
    """A task page's live-form post: who, where, what was sent and through which tab."""

    signed: Signed
    program: dict[str, Any]
    form: FormData
    tab: Tab
    task_id: str

    @property
    def forms(self) -> FormContext:
        """The page's form context for this tab."""
        return _forms(self.signed, self.tab.id)


async def _posted(request: Request) -> Post:
    """The post (TabExpired when its tab is gone or shows another page)."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab = await posted_tab(signed, form)
    task_id = request.path_params["taskId"]
    if tab.regions and not detail.shows(tab, task_id):
        raise TabExpired
    return Post(signed, program, form, tab, task_id)


async def _mutate(post: Post, path: str, args: dict[str, Any], answer: list[str]) -> Response:
    """Run a mutation through the post's tab: the `answer` regions, or the refusal shown."""
    try:
        await post.tab.client.mutation(path, args)
    except FunctionError as error:
        return live_forms.form_answer(detail.notice(error.message))
    return live_forms.regions_answer(post.tab, answer)


async def edit_task(request: Request) -> Response:
    """POST …/{taskId}/edit (live form): write the fields the user changed."""
    post = await _posted(request)
    options = await detail.edit_options(post.signed, post.task_id)
    values, original, error = await detail.save(post.tab, post.program, post.task_id, post.form)
    if error is not None:
        field = detail.field_of(error)
        args = (post.program, post.task_id, post.forms, options, values, original)
        return live_forms.form_answer(detail.edit_form(*args, error.message, field))
    fresh = detail.values_of(detail.current(post.tab))
    html = detail.edit_form(post.program, post.task_id, post.forms, options, fresh)
    return live_forms.regions_answer(post.tab, [detail.DETAIL, detail.HISTORY], form=str(html))


async def move_status(request: Request) -> Response:
    """POST …/{taskId}/status (live form): move the task to another status."""
    post = await _posted(request)
    args = {"taskId": post.task_id, "status": str(post.form.get("status", ""))}
    return await _mutate(post, "tasks:set_status", args, [detail.DETAIL, detail.HISTORY])


async def delete_task(request: Request) -> Response:
    """POST …/{taskId}/delete (confirmed form): delete the task, then show the board."""
    signed = await signed_in(request)
    await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    task = await _task_in(signed, program, request.path_params["taskId"])
    await (await signed.backend()).mutation("tasks:remove", {"taskId": task["_id"]})
    return RedirectResponse(f"/p/{program['slug']}/tasks", status_code=303)


async def add_blocker(request: Request) -> Response:
    """POST …/{taskId}/blockers (live form): the task is blocked by one more task."""
    post = await _posted(request)
    chosen = str(post.form.get("blockerId", ""))
    error = await detail.add_blocker(post.tab, post.task_id, chosen)
    if error is not None:
        options = await detail.edit_options(post.signed, post.task_id)
        args = (post.program, post.task_id, post.forms, options)
        return live_forms.form_answer(detail.blocker_form(*args, error.message, chosen))
    return live_forms.regions_answer(post.tab, [detail.DETAIL, detail.HISTORY])


async def remove_blocker(request: Request) -> Response:
    """POST …/{taskId}/blockers/remove (live form): the task is no longer blocked by one task."""
    post = await _posted(request)
    gone = str(post.form.get("blockerId", ""))
    rest = [b for b in detail.current(post.tab).get("blockedBy", []) if b != gone]
    args = {"taskId": post.task_id, **({"blockedBy": rest} if rest else {"clear": ["blockedBy"]})}
    return await _mutate(post, "tasks:update", args, [detail.DETAIL, detail.HISTORY])


async def add_subtask(request: Request) -> Response:
    """POST …/{taskId}/subtasks (live form): append a subtask."""
    post = await _posted(request)
    title = str(post.form.get("title", "")).strip()
    try:
        await post.tab.client.mutation("subtasks:create", {"taskId": post.task_id, "title": title})
    except FunctionError as error:
        html = detail.subtask_form(post.program, post.task_id, post.forms, error.message, title)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(post.tab, [detail.SUBTASKS, detail.DETAIL])


async def tick_subtask(request: Request) -> Response:
    """POST …/subtasks/{subtaskId}/done (live form): tick a subtask off, or reopen it."""
    post = await _posted(request)
    done = post.form.get("done") == "1"
    args = {"subtaskId": request.path_params["subtaskId"], "done": done}
    return await _mutate(post, "subtasks:set_done", args, [detail.SUBTASKS, detail.DETAIL])


async def rename_subtask(request: Request) -> Response:
    """POST …/subtasks/{subtaskId}/edit (live form): change a subtask's title."""
    post = await _posted(request)
    subtask_id, title = request.path_params["subtaskId"], str(post.form.get("title", "")).strip()
    args = {"subtaskId": subtask_id, "title": title}
    return await _mutate(post, "subtasks:update", args, [detail.SUBTASKS])


async def move_subtask(request: Request) -> Response:
    """POST …/subtasks/{subtaskId}/move (live form): one place up (step -1) or down (step 1)."""
    post = await _posted(request)
    step = -1 if post.form.get("step") == "-1" else 1
    subtasks = detail.current_subtasks(post.tab)
    order = detail.reordered(subtasks, request.path_params["subtaskId"], step)
    if order is None:
        return live_forms.regions_answer(post.tab, [detail.SUBTASKS])
    args = {"taskId": post.task_id, "subtaskIds": order}
    return await _mutate(post, "subtasks:reorder", args, [detail.SUBTASKS, detail.HISTORY])


async def remove_subtask(request: Request) -> Response:
    """POST …/subtasks/{subtaskId}/delete (live form): remove a subtask."""
    post = await _posted(request)
    args = {"subtaskId": request.path_params["subtaskId"]}
    return await _mutate(post, "subtasks:remove", args, [detail.SUBTASKS, detail.DETAIL])


COMMENT_ANSWER = [detail.COMMENTS]


async def add_comment(request: Request) -> Response:
    """POST …/{taskId}/comments (live form): comment on the task, or reply."""
    post = await _posted(request)
    target = detail.target(post.program, post.task_id)
    return await shared_detail.create_comment(
        post.tab, post.forms, target, post.form, COMMENT_ANSWER
    )


async def edit_comment(request: Request) -> Response:
    """POST …/comments/{commentId}/edit (live form): change your own comment's text."""
    post = await _posted(request)
    url, comment_id = detail.url_of(post.program, post.task_id), request.path_params["commentId"]
    return await shared_detail.update_comment(
        post.tab, post.forms, url, comment_id, post.form, COMMENT_ANSWER
    )


async def delete_comment(request: Request) -> Response:
    """POST …/comments/{commentId}/delete (live form): delete your own comment."""
    post = await _posted(request)
    comment_id = request.path_params["commentId"]
    return await shared_detail.delete_comment(post.tab, comment_id, COMMENT_ANSWER)


ROUTES = [
    Route("/p/{slug}/tasks", board_page, methods=["GET"]),
    Route("/p/{slug}/tasks", create_task, methods=["POST"]),
    Route("/p/{slug}/tasks/move", move_task, methods=["POST"]),
    Route("/p/{slug}/tasks/list", list_page, methods=["GET"]),
    Route("/p/{slug}/tasks/views", save_view, methods=["POST"]),
    Route("/p/{slug}/tasks/views/delete", delete_view, methods=["POST"]),
    Route(BASE, task_page, methods=["GET"]),
    Route(f"{BASE}/edit", edit_task, methods=["POST"]),
    Route(f"{BASE}/status", move_status, methods=["POST"]),
    Route(f"{BASE}/delete", delete_task, methods=["POST"]),
    Route(f"{BASE}/blockers", add_blocker, methods=["POST"]),
    Route(f"{BASE}/blockers/remove", remove_blocker, methods=["POST"]),
    Route(f"{BASE}/subtasks", add_subtask, methods=["POST"]),
    Route(f"{SUBTASK}/done", tick_subtask, methods=["POST"]),
    Route(f"{SUBTASK}/edit", rename_subtask, methods=["POST"]),
    Route(f"{SUBTASK}/move", move_subtask, methods=["POST"]),
    Route(f"{SUBTASK}/delete", remove_subtask, methods=["POST"]),
    Route(f"{BASE}/comments", add_comment, methods=["POST"]),
    Route(f"{BASE}/comments/{{commentId}}/edit", edit_comment, methods=["POST"]),
    Route(f"{BASE}/comments/{{commentId}}/delete", delete_comment, methods=["POST"]),
]
