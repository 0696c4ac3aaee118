"""The tasks surface: the kanban board, the filtered list, the create form and task detail."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from foundry.app.tasks import PRIORITIES, STATUSES, TASK_MOVES
from foundry.web.live import Region, Tab
from foundry.web.templating import render

PAGE_SIZE = 50
PER_COLUMN = 50
LABELS = {
    "backlog": "Backlog",
    "todo": "To do",
    "in_progress": "In progress",
    "review": "Review",
    "done": "Done",
}
STYLES = Markup('<link rel="stylesheet" href="/static/board.css">')
"""The tasks surface's stylesheet (a same-origin file, so the CSP allows it)."""
ASSETS = STYLES + Markup(
    '<script src="/assets/sortablejs/Sortable.min.js" defer></script>'
    '<script src="/static/board.js" defer></script>'
)
"""The board's stylesheet and scripts (same-origin files, so the CSP allows them)."""


def board_region(program: Mapping[str, Any], csrf: str) -> Region:
    """The program's kanban board: five columns in rank order, live."""
    return Region(
        "task-board",
        "task_views:board",
        {"programId": program["_id"], "perColumn": PER_COLUMN},
        lambda value: render(
            "tasks/board.html", board=value, program=program, csrf=csrf, labels=LABELS, moves=MOVES
        ),
    )


MOVES = {status: sorted(TASK_MOVES[status], key=STATUSES.index) for status in STATUSES}
"""The columns a card may move to from each column, in board order (for the keyboard form)."""


def card_in(board: Mapping[str, Any], task_id: str) -> dict[str, Any] | None:
    """The card with this id on the board, if it is shown."""
    for column in board["columns"]:
        for task in column["tasks"]:
            if task["_id"] == task_id:
                return dict(task)
    return None


def move_fields(
    program: Mapping[str, Any], csrf: str, task: Mapping[str, Any], error: str | None = None
) -> str:
    """The inside of a card's "Move to…" form (re-rendered alone to show a refusal)."""
    return render(
        "tasks/move_fields.html",
        program=program,
        csrf=csrf,
        task=task,
        labels=LABELS,
        moves=MOVES,
        error=error,
    )


def filters_from(query: Mapping[str, str]) -> dict[str, str]:
    """The list's filters from a query string (unknown values dropped)."""
    out = {}
    if query.get("status") in STATUSES:
        out["status"] = query["status"]
    if query.get("priority") in PRIORITIES:
        out["priority"] = query["priority"]
    return out


def list_region(program: Mapping[str, Any], filters: Mapping[str, str]) -> Region:
    """The first page of the program's tasks under `filters`, newest first, live."""
    args: dict[str, Any] = {"programId": program["_id"], "numItems": PAGE_SIZE, **filters}
    return Region(
        "task-list",
        "task_views:list",
        args,
        lambda value: render("tasks/list.html", page=value, program=program, labels=LABELS),
    )


def filters_form(program: Mapping[str, Any], filters: Mapping[str, str]) -> str:
    """The GET form that filters the list."""
    return render(
        "tasks/filters.html",
        program=program,
        filters=filters,
        statuses=STATUSES,
        priorities=PRIORITIES,
        labels=LABELS,
    )


def create_form(
    program: Mapping[str, Any],
    csrf: str,
    tab_id: str,
    error: str | None = None,
    field: str | None = None,
    values: Mapping[str, Any] | None = None,
    *,
    inside: bool = False,
) -> str:
    """The form that adds a task (only its inside when `inside`, for a live form's answer)."""
    return render(
        "tasks/create_form.html",
        program=program,
        csrf=csrf,
        tab_id=tab_id,
        error=error,
        field=field,
        values=values or {},
        priorities=PRIORITIES,
        inside=inside,
    )


def detail_region(program: Mapping[str, Any], task_id: str) -> Region:
    """A task's fields, acceptance criteria and blockers, live."""
    return Region(
        "task-detail",
        "tasks:get",
        {"taskId": task_id},
        lambda value: render(
            "tasks/detail.html", task=value, program=program, labels=LABELS, due=_day(value)
        ),
    )


def _day(task: Mapping[str, Any]) -> str | None:
    due = task.get("dueDate")
    if due is None:
        return None
    return datetime.fromtimestamp(due / 1000, UTC).strftime("%Y-%m-%d")


def subtasks_region(task_id: str) -> Region:
    """A task's subtasks in execution order, live."""
    return Region(
        "task-subtasks",
        "subtasks:list",
        {"taskId": task_id},
        lambda value: render("tasks/subtasks.html", subtasks=value),
    )


def tabs_nav(program: Mapping[str, Any], current: str) -> str:
    """The links between the board and the list."""
    return render("tasks/nav.html", program=program, current=current)


def sandbox_section() -> str:
    """The clearly marked place where the coding sandbox's HUD will appear."""
    return render("tasks/sandbox.html")


def refused_move(tab: Tab, slug: str, csrf: str, task_id: str, message: str) -> dict[str, Any]:
    """The answer to a move the backend refused: the board as it is (which puts a dragged card
    back), the message, and the card's "Move to…" form showing it."""
    board = tab.regions.get("task-board")
    answer: dict[str, Any] = {"ok": False, "error": message, "regions": []}
    if board is None:
        return answer
    value = tab.client.local_result(board.path, board.args)
    answer["regions"].append({"region": board.name, "ts": tab.ts, "html": board.render(value)})
    card = card_in(value, task_id)
    if card is not None:
        answer["form"] = move_fields({"slug": slug}, csrf, card, message)
    return answer


def move_args(form: Mapping[str, Any]) -> dict[str, str]:
    """`tasks:move` arguments from a drop or a "Move to…" form (empty neighbours left out)."""
    names = ("taskId", "status", "afterTaskId", "beforeTaskId")
    args = {name: str(form.get(name) or "").strip() for name in names}
    return {name: value for name, value in args.items() if value or name in names[:2]}


def board_intro(program: Mapping[str, Any]) -> str:
    """The views' links, how to move cards, and where a refused move is announced."""
    return render("tasks/board_intro.html", program=program, current="board")


def subtasks_heading() -> Markup:
    """The heading above the live subtask list."""
    return Markup('<h2 id="subtasks-h">Subtasks</h2>')
