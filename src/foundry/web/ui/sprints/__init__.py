"""Sprints: each workstream's numbered time boxes, their lifecycle, capacity and tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData

from foundry.app.sprints import SPRINT_MOVES, STATUSES
from foundry.client.errors import FunctionError
from foundry.web.live import Region, Tab
from foundry.web.live_forms import FormContext
from foundry.web.templating import render
from foundry.web.ui.shell import live, program_shell

LIST = "sprints-list"
DETAIL = "sprint-detail"
CANDIDATES = "sprint-candidates"
WORKSTREAM_SPRINTS = "workstream-sprints"
PAGE_SIZE = 200  # the backend's page limit
TASK_PAGE = 200
STYLES = Markup('<link rel="stylesheet" href="/static/sprints.css">')
LABELS = {
    "planning": "Planning",
    "active": "Active",
    "completed": "Completed",
    "cancelled": "Cancelled",
}
MOVES = {s: [m for m in STATUSES if m in SPRINT_MOVES[s]] for s in STATUSES}
FIELDS = ("workstreamId", "name", "goal", "startDate", "endDate", "capacity")


def move_label(current: str, target: str) -> str:
    """The button text that moves a sprint from `current` to `target`."""
    if target == "active":
        return "Reopen" if current == "completed" else "Start"
    return {"completed": "Complete", "cancelled": "Cancel", "planning": "Back to planning"}[target]


class BadField(Exception):
    """A form value the web process could not turn into an argument."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def day(ms: float | None) -> str:
    """Milliseconds since the epoch as a YYYY-MM-DD day (UTC), or ""."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


def parse_day(field: str, text: str) -> int | None:
    """A YYYY-MM-DD day as milliseconds since the epoch (UTC midnight)."""
    if not text:
        return None
    try:
        when = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise BadField(field, f"{field} must be a date (YYYY-MM-DD)") from None
    return int(when.timestamp() * 1000)


def sprint_args(values: dict[str, str]) -> dict[str, Any]:
    """The create mutation's arguments from the form's text values (BadField if unreadable)."""
    args: dict[str, Any] = {k: values[k] for k in ("workstreamId", "name", "goal") if values[k]}
    if not values["workstreamId"]:
        raise BadField("workstreamId", "workstreamId: choose a workstream")
    for field in ("startDate", "endDate"):
        if (ms := parse_day(field, values[field])) is not None:
            args[field] = ms
    if values["capacity"]:
        try:
            args["capacity"] = float(values["capacity"])
        except ValueError:
            raise BadField("capacity", "capacity must be a number of points") from None
    return args


def values_of(form: FormData) -> dict[str, str]:
    """The create form's fields as the user typed them."""
    return {k: str(form.get(k, "")).strip() for k in FIELDS}


def shared(program: dict[str, Any], forms: FormContext | None) -> dict[str, Any]:
    """Names every sprint template may use."""
    return {
        "program": program,
        "forms": forms,
        "labels": LABELS,
        "moves": MOVES,
        "move_label": move_label,
        "day": day,
    }


def list_region(
    program: dict[str, Any], workstreams: list[dict[str, Any]], forms: FormContext
) -> Region:
    """The program's sprints grouped by workstream, each with its lifecycle buttons, live."""

    def draw(value: Any) -> str:
        groups = [
            (ws, [s for s in value["page"] if s["workstreamId"] == ws["_id"]]) for ws in workstreams
        ]
        return render("sprints/list.html", groups=groups, page=value, **shared(program, forms))

    return Region(LIST, "sprints:list", {"programId": program["_id"], "numItems": PAGE_SIZE}, draw)


def detail_region(program: dict[str, Any], sprint_id: str, forms: FormContext) -> Region:
    """One sprint: status, capacity against committed points, and its tasks, live."""
    return Region(
        DETAIL,
        "sprints:get",
        {"sprintId": sprint_id},
        lambda value: render("sprints/detail.html", sprint=value, **shared(program, forms)),
    )


def candidates_region(
    program: dict[str, Any], sprint: dict[str, Any], forms: FormContext
) -> Region:
    """The workstream's unfinished tasks not in this sprint, to add to it, live."""
    args = {
        "programId": program["_id"],
        "workstreamId": sprint["workstreamId"],
        "numItems": TASK_PAGE,
    }

    def draw(value: Any) -> str:
        tasks = [
            t for t in value["page"] if t.get("sprintId") != sprint["_id"] and t["status"] != "done"
        ]
        return render(
            "sprints/candidates.html", tasks=tasks, sprint=sprint, **shared(program, forms)
        )

    return Region(CANDIDATES, "task_views:list", args, draw)


def workstream_region(program: dict[str, Any], workstream_id: str) -> Region:
    """A workstream's sprints, newest first, for its detail page, live."""
    args = {"programId": program["_id"], "workstreamId": workstream_id, "numItems": 50}
    return Region(
        WORKSTREAM_SPRINTS,
        "sprints:list",
        args,
        lambda value: render("sprints/workstream.html", page=value, **shared(program, None)),
    )


def create_form(
    program: dict[str, Any],
    workstreams: list[dict[str, Any]],
    forms: FormContext,
    values: dict[str, str] | None = None,
    error: str | None = None,
    field: str | None = None,
) -> Markup:
    """The form that plans a sprint, with an error beside its field and the user's input."""
    return render(
        "sprints/form.html",
        workstreams=workstreams,
        values=values or {},
        error=error,
        field=field,
        **shared(program, forms),
    )


def move_form(program: dict[str, Any], forms: FormContext, form: FormData, error: str) -> Markup:
    """A lifecycle button's form again, with the backend's reason for refusing the move."""
    move = {k: str(form.get(k, "")) for k in ("sprintId", "status", "current", "title")}
    return render("sprints/move.html", move=move, error=error, **shared(program, forms))


def list_page(
    tab: Tab, program: dict[str, Any], workstreams: list[dict[str, Any]], forms: FormContext
) -> str:
    """The sprints page's body: the create form and the live list."""
    form = create_form(program, workstreams, forms)
    return render("sprints/page.html", styles=STYLES, form=form, sprints=live(tab, LIST))


def detail_page(tab: Tab) -> str:
    """A sprint page's body: its live summary and tasks, then the tasks that may join it."""
    return render(
        "sprints/detail_page.html",
        styles=STYLES,
        detail=live(tab, DETAIL),
        candidates=live(tab, CANDIDATES),
    )


def shell_of(
    shell: dict[str, Any],
    program: dict[str, Any],
    tab_id: str,
    sprint: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    trail = [("Sprints", "/sprints")]
    if sprint is not None:
        trail.append((sprint["name"], f"/sprints/{sprint['_id']}"))
    return program_shell(shell, program, tab_id, *trail)


def tasks_refused(
    tab: Tab,
    program: dict[str, Any],
    forms: FormContext,
    sprint_id: str,
    form: FormData,
    message: str,
    removing: bool,
) -> Markup:
    """The add or remove form again, with the backend's reason for refusing the change."""
    context = shared(program, forms)
    if removing:
        task_id, title = str(form.get("taskId", "")), str(form.get("title", ""))
        return render(
            "sprints/remove_form.html",
            sprint_id=sprint_id,
            task_id=task_id,
            title=title,
            error=message,
            **context,
        )
    candidates = tab.regions.get(CANDIDATES)
    tasks: list[dict[str, Any]] = []
    if candidates is not None:
        try:
            page = tab.client.local_result(candidates.path, candidates.args)["page"]
            tasks = [t for t in page if t.get("sprintId") != sprint_id and t["status"] != "done"]
        except FunctionError:
            tasks = []
    sprint = {"_id": sprint_id}
    return render("sprints/add_form.html", tasks=tasks, sprint=sprint, error=message, **context)


def title_of(sprint: dict[str, Any]) -> str:
    """A sprint's page title: its number and name."""
    return f"#{sprint['number']} {sprint['name']}"
