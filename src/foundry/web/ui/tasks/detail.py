"""One task's page, like an issue page: its fields (shown live, and an edit form that holds the
user's input), status moves, blockers, subtasks, comment threads, history and the place of the
sandbox HUD. Comments and history reuse the requirement page's components."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData

from foundry.app.tasks import PRIORITIES, STATUSES, TASK_MOVES
from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import Signed
from foundry.web.live import Region, Tab
from foundry.web.templating import render
from foundry.web.ui import requirement_detail as shared_detail
from foundry.web.ui.requirement_detail import CommentTarget, FormContext
from foundry.web.ui.shell import live, program_shell

DETAIL = "task-detail"
SUBTASKS = "task-subtasks"
COMMENTS = "task-comments"
HISTORY = "task-history"
LABELS = {
    "backlog": "Backlog",
    "todo": "To do",
    "in_progress": "In progress",
    "review": "Review",
    "done": "Done",
}
MOVES = {status: sorted(TASK_MOVES[status], key=STATUSES.index) for status in STATUSES}
CHOICES = ("priority", "assigneeId", "workstreamId", "sprintId")
EDIT_FIELDS = ("title", "description", "storyPoints", "requirementId", *CHOICES)
CLEARABLE = (
    "description",
    "storyPoints",
    "requirementId",
    "assigneeId",
    "workstreamId",
    "sprintId",
)
INDEX = re.compile(r"\[\d+\]$")


@dataclass
class EditOptions:
    """The edit form's choices, read once: team, workstreams, open sprints and other tasks."""

    assignees: list[dict[str, Any]] = field(default_factory=list)
    workstreams: list[dict[str, Any]] = field(default_factory=list)
    sprints: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)


def url_of(program: Mapping[str, Any], task_id: str) -> str:
    """The task page's URL."""
    return f"/p/{program['slug']}/tasks/{task_id}"


def target(program: Mapping[str, Any], task_id: str) -> CommentTarget:
    """What the page's comments are on."""
    return CommentTarget("task", task_id, url_of(program, task_id))


def context(program: Mapping[str, Any], forms: FormContext) -> dict[str, Any]:
    """Names every task-detail template may use."""
    return {"program": program, "forms": forms, "labels": LABELS, "moves": MOVES}


def detail_region(program: dict[str, Any], task_id: str, forms: FormContext) -> Region:
    """The task's fields, criteria, blockers, status moves and delete, live."""
    return Region(
        DETAIL,
        "tasks:get",
        {"taskId": task_id},
        lambda task: render(
            "tasks/detail.html", task=task, url=url_of(program, task_id), **context(program, forms)
        ),
    )


def subtasks_region(program: dict[str, Any], task_id: str, forms: FormContext) -> Region:
    """The task's subtasks in order with progress, tick, rename, reorder and remove, live."""
    return Region(
        SUBTASKS,
        "subtasks:list",
        {"taskId": task_id},
        lambda subtasks: render(
            "tasks/subtasks.html",
            subtasks=subtasks,
            done=sum(s["status"] == "completed" for s in subtasks),
            url=url_of(program, task_id),
            **context(program, forms),
        ),
    )


def regions(program: dict[str, Any], task_id: str, forms: FormContext) -> list[Region]:
    """Every live region of the page."""
    return [
        detail_region(program, task_id, forms),
        subtasks_region(program, task_id, forms),
        shared_detail.comments_region(
            program, task_id, forms, target(program, task_id), name=COMMENTS
        ),
        history_region(program, task_id),
    ]


HIDDEN_CHANGES = ("rank", "subtaskIds")


def history_region(program: dict[str, Any], task_id: str) -> Region:
    """The task's audit history (the requirement page's), with id lists told as counts."""
    shared = shared_detail.history_region(program, task_id, "task", name=HISTORY)
    return replace(shared, render=lambda page: shared.render(readable(page)))


def readable(page: Mapping[str, Any]) -> dict[str, Any]:
    """An audit page whose changes people can read: no ranks or id lists, blockers counted."""
    rows = []
    for row in page.get("page", []):
        changes = {k: c for k, c in (row.get("changes") or {}).items() if k not in HIDDEN_CHANGES}
        if "blockedBy" in changes:
            changes["blockedBy"] = {k: counted(c) for k, c in changes["blockedBy"].items()}
        rows.append({**row, "changes": changes})
    return {**page, "page": rows}


def counted(ids: Any) -> str | None:
    """A list of blocker ids as "2 tasks" (None stays None)."""
    if ids is None:
        return None
    n = len(ids) if isinstance(ids, list) else 1
    return f"{n} task" + ("" if n == 1 else "s")


def shows(tab: Tab, task_id: str) -> bool:
    """Whether `tab` is this page's tab for task `task_id`."""
    reg = tab.regions.get(DETAIL)
    return reg is not None and reg.args.get("taskId") == task_id


def current(tab: Tab) -> dict[str, Any]:
    """The task as the tab sees it now."""
    reg = tab.regions[DETAIL]
    return dict(tab.client.local_result(reg.path, reg.args))


def current_subtasks(tab: Tab) -> list[dict[str, Any]]:
    """The task's subtasks as the tab sees them now."""
    reg = tab.regions[SUBTASKS]
    return list(tab.client.local_result(reg.path, reg.args))


async def edit_options(signed: Signed, task_id: str) -> EditOptions:
    """The edit form's choices, read once (the form is not live: it holds the user's input)."""
    options = await signed.query("task_views:edit_options", taskId=task_id)
    names = ("assignees", "workstreams", "sprints", "tasks")
    return EditOptions(*(list(options[name]) for name in names))


# --- the edit form ---------------------------------------------------------------------------


def values_of(task: Mapping[str, Any]) -> dict[str, Any]:
    """A task's fields as the edit form's values (the requirement by its reference)."""
    values: dict[str, Any] = {k: str(task.get(k) or "") for k in EDIT_FIELDS}
    points = task.get("storyPoints")
    values["storyPoints"] = "" if points is None else f"{points:g}"
    values["requirementId"] = (task.get("requirement") or {}).get("refId", "")
    values["acceptanceCriteria"] = list(task.get("acceptanceCriteria") or ())
    return values


def values_from(form: FormData) -> dict[str, Any]:
    """The posted edit form's values (blank criteria dropped, the title trimmed)."""
    values: dict[str, Any] = {k: str(form.get(k, "")) for k in EDIT_FIELDS}
    values["title"] = values["title"].strip()
    criteria = [str(c).strip() for c in form.getlist("acceptanceCriteria")]
    values["acceptanceCriteria"] = [c for c in criteria if c]
    return values


def original_from(form: FormData) -> dict[str, Any]:
    """The values the form was filled with (what the user started from)."""
    try:
        original = json.loads(str(form.get("original", "")))
    except ValueError:
        return {}
    return original if isinstance(original, dict) else {}


def changed(values: Mapping[str, Any], original: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the user changed: only these are written, so a form opened before someone
    else's edit does not undo it."""
    names = (*EDIT_FIELDS, "acceptanceCriteria")
    return {k: values[k] for k in names if k not in original or values[k] != original[k]}


def update_args(task_id: str, changes: Mapping[str, Any], requirement_id: str | None) -> Any:
    """tasks:update arguments for the changed fields: blank optional ones are cleared. Raises a
    FunctionError naming `storyPoints` when the points are not a number."""
    args: dict[str, Any] = {"taskId": task_id, "clear": []}
    for name, value in changes.items():
        if name == "acceptanceCriteria":
            args[name] = value
        elif not str(value).strip() and name in CLEARABLE:
            args["clear"].append(name)
        elif name == "storyPoints":
            args[name] = points(value)
        elif name == "requirementId":
            args[name] = requirement_id
        else:
            args[name] = value
    if changes.get("acceptanceCriteria") == []:
        del args["acceptanceCriteria"]
        args["clear"].append("acceptanceCriteria")
    return args


def points(text: str) -> float:
    """Story points typed in the form."""
    try:
        value = float(text)
    except ValueError:
        raise FunctionError("storyPoints: enter a number", {"path": "storyPoints"}) from None
    return int(value) if value.is_integer() else value


def field_of(error: FunctionError) -> str | None:
    """The edit form's field an error names (`acceptanceCriteria[2]` → the criteria)."""
    name = live_forms.error_field(error.data)
    return None if name is None else INDEX.sub("", name)


def edit_form(
    program: dict[str, Any],
    task_id: str,
    forms: FormContext,
    options: EditOptions,
    values: Mapping[str, Any],
    original: Mapping[str, Any] | None = None,
    error: str | None = None,
    field_name: str | None = None,
) -> Markup:
    """The edit form with `values`; after a refusal, the reason beside the field it names."""
    known = (*EDIT_FIELDS, "acceptanceCriteria")
    return render(
        "tasks/edit_form.html",
        url=url_of(program, task_id),
        values=values,
        original=json.dumps(original if original is not None else values),
        options=options,
        priorities=PRIORITIES,
        error=error,
        field=field_name if field_name in known else None,
        **context(program, forms),
    )


def blocker_form(
    program: dict[str, Any],
    task_id: str,
    forms: FormContext,
    options: EditOptions,
    error: str | None = None,
    chosen: str = "",
) -> Markup:
    """The form that adds a blocker, from the program's other tasks."""
    return render(
        "tasks/blocker_form.html",
        url=url_of(program, task_id),
        options=options,
        error=error,
        chosen=chosen,
        **context(program, forms),
    )


def subtask_form(
    program: dict[str, Any],
    task_id: str,
    forms: FormContext,
    error: str | None = None,
    title: str = "",
) -> Markup:
    """The form that appends a subtask."""
    return render(
        "tasks/subtask_form.html",
        url=url_of(program, task_id),
        error=error,
        title=title,
        **context(program, forms),
    )


def reordered(subtasks: list[dict[str, Any]], subtask_id: str, step: int) -> list[str] | None:
    """The subtask ids with `subtask_id` moved `step` places (None when it cannot move)."""
    ids = [s["_id"] for s in subtasks]
    if subtask_id not in ids:
        return None
    at = ids.index(subtask_id)
    to = at + step
    if not 0 <= to < len(ids):
        return None
    ids[at], ids[to] = ids[to], ids[at]
    return ids


def body(
    tab: Tab,
    program: dict[str, Any],
    task_id: str,
    forms: FormContext,
    options: EditOptions,
) -> Markup:
    """The page's body: the task, blockers, subtasks, comments, history, the edit form and the
    sandbox HUD's place."""
    task = current(tab)
    return render(
        "tasks/detail_page.html",
        task=live(tab, DETAIL),
        blocker_form=blocker_form(program, task_id, forms, options),
        subtasks=live(tab, SUBTASKS),
        subtask_form=subtask_form(program, task_id, forms),
        comments=live(tab, COMMENTS),
        comment_form=shared_detail.comment_form_at(url_of(program, task_id), forms),
        history=live(tab, HISTORY),
        edit=edit_form(program, task_id, forms, options, values_of(task)),
        delete_url=url_of(program, task_id) + "/delete",
        csrf=forms.csrf,
        sandbox=render("tasks/sandbox.html"),
    )


def shell_of(
    shell: dict[str, Any], program: dict[str, Any], task: Mapping[str, Any], tab_id: str
) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    trail = (("Tasks", "/tasks"), (task["title"], f"/tasks/{task['_id']}"))
    return program_shell(shell, program, tab_id, *trail)


async def requirement_of(tab: Tab, program: Mapping[str, Any], ref: str) -> str | None:
    """The id of the program's requirement with reference `ref` (None for a blank `ref`);
    a FunctionError naming `requirementId` when there is none."""
    if not ref.strip():
        return None
    args = {"programId": program["_id"], "refId": ref}
    found = await tab.client.query("task_views:requirement_by_ref", args)
    if found is None:
        message = f"requirementId: there is no requirement {ref.strip()} in this program"
        raise FunctionError(message, {"path": "requirementId"})
    return str(found["_id"])


async def save(
    tab: Tab, program: Mapping[str, Any], task_id: str, form: FormData
) -> tuple[dict[str, Any], dict[str, Any], FunctionError | None]:
    """Write the edit form's changed fields through `tab`: the posted values, the values the
    form started from, and the refusal (None when saved)."""
    values, original = values_from(form), original_from(form)
    try:
        requirement_id = await requirement_of(tab, program, values["requirementId"])
        args = update_args(task_id, changed(values, original), requirement_id)
        await tab.client.mutation("tasks:update", args)
    except FunctionError as error:
        return values, original, error
    return values, original, None


async def add_blocker(tab: Tab, task_id: str, blocker_id: str) -> FunctionError | None:
    """Add one blocker to the task's list through `tab` (None, or the refusal: a cycle, say)."""
    blockers = [*current(tab).get("blockedBy", []), blocker_id]
    try:
        await tab.client.mutation("tasks:update", {"taskId": task_id, "blockedBy": blockers})
    except FunctionError as error:
        return error
    return None


def notice(message: str) -> Markup:
    """A short refusal shown in place of a small form."""
    return shared_detail.notice(message)
