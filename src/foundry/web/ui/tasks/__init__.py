"""The tasks surface: the kanban board, the filtered list, the create form and task detail."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

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


ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ID_FILTERS = ("workstreamId", "sprintId", "assigneeId")
FILTER_NAMES = ("status", "priority", *ID_FILTERS)


def board_region(
    program: Mapping[str, Any], csrf: str, filters: Mapping[str, str] | None = None
) -> Region:
    """The program's kanban board under `filters`: its columns in rank order, live."""
    return Region(
        "task-board",
        "task_views:board",
        {"programId": program["_id"], "perColumn": PER_COLUMN, **(filters or {})},
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


def filters_from(query: Mapping[str, Any]) -> dict[str, str]:
    """The board's and list's filters from a query string or form (unknown values dropped)."""
    out = {}
    if query.get("status") in STATUSES:
        out["status"] = str(query["status"])
    if query.get("priority") in PRIORITIES:
        out["priority"] = str(query["priority"])
    for name in ID_FILTERS:
        if ID.match(str(query.get(name) or "")):
            out[name] = str(query[name])
    return out


def query_string(filters: Mapping[str, Any]) -> str:
    """`?status=todo&…` for filters (empty when there are none), in a stable order."""
    pairs = [(k, filters[k]) for k in FILTER_NAMES if filters.get(k)]
    return "?" + urlencode(pairs) if pairs else ""


def view_href(slug: str, view: Mapping[str, Any]) -> str:
    """Where a saved view opens: its layout with its filters."""
    path = f"/p/{slug}/tasks" + ("/list" if view.get("layout") == "list" else "")
    return path + query_string(view.get("filters") or {})


def list_region(program: Mapping[str, Any], filters: Mapping[str, str]) -> Region:
    """The first page of the program's tasks under `filters`, newest first, live."""
    args: dict[str, Any] = {"programId": program["_id"], "numItems": PAGE_SIZE, **filters}
    return Region(
        "task-list",
        "task_views:list",
        args,
        lambda value: render("tasks/list.html", page=value, program=program, labels=LABELS),
    )


def filters_region(program: Mapping[str, Any], filters: Mapping[str, str], layout: str) -> Region:
    """The GET form that filters the board or the list; its choices are live."""
    action = f"/p/{program['slug']}/tasks" + ("/list" if layout == "list" else "")
    return Region(
        "tasks-filters",
        "task_views:filter_options",
        {"programId": program["_id"]},
        lambda options: render(
            "tasks/filters.html",
            action=action,
            filters=filters,
            options=options,
            statuses=STATUSES,
            priorities=PRIORITIES,
            labels=LABELS,
        ),
    )


def views_region(program: Mapping[str, Any], csrf: str) -> Region:
    """The user's saved views of the program as quick links, each with a delete button, live."""
    return Region(
        "tasks-saved-views",
        "task_views:list_saved",
        {"programId": program["_id"]},
        lambda views: render(
            "tasks/saved_views.html", views=views, program=program, csrf=csrf, href=view_href
        ),
    )


def save_form(
    program: Mapping[str, Any],
    csrf: str,
    tab_id: str,
    filters: Mapping[str, str],
    layout: str,
    error: str | None = None,
    name: str = "",
    *,
    inside: bool = False,
) -> str:
    """The form that saves the current filters as a named view (its inside when `inside`)."""
    return render(
        "tasks/save_view.html",
        program=program,
        csrf=csrf,
        tab_id=tab_id,
        filters=filters,
        layout=layout,
        error=error,
        name=name,
        inside=inside,
    )


def views_panel(
    program: Mapping[str, Any],
    csrf: str,
    tab: Tab,
    html: Mapping[str, str],
    filters: Mapping[str, str],
    layout: str,
) -> Markup:
    """Filters, saved views and the save form above the board or the list."""
    from foundry.web.ui.shell import region

    return render(
        "tasks/views_panel.html",
        filters_html=region("tasks-filters", html["tasks-filters"], tab.ts),
        views_html=region("tasks-saved-views", html["tasks-saved-views"], tab.ts),
        save_html=Markup(save_form(program, csrf, tab.id, filters, layout)),
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


def tabs_nav(program: Mapping[str, Any], current: str, filters: Mapping[str, str]) -> str:
    """The links between the board and the list (keeping the filters)."""
    return render("tasks/nav.html", program=program, current=current, qs=query_string(filters))


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


def board_intro(program: Mapping[str, Any], filters: Mapping[str, str]) -> str:
    """The views' links, how to move cards, and where a refused move is announced."""
    qs = query_string(filters)
    return render("tasks/board_intro.html", program=program, current="board", qs=qs)


def save_args(program: Mapping[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
    """`task_views:save` arguments from the save form (name, layout and the hidden filters)."""
    return {
        "programId": program["_id"],
        "name": str(form.get("name", "")).strip(),
        "filters": filters_from(form),
        "layout": "list" if form.get("layout") == "list" else "board",
    }


def save_form_again(
    csrf: str, tab_id: str, program: Mapping[str, Any], args: Mapping[str, Any], error: str
) -> str:
    """The save form's inside once more, with the backend's error and the typed name."""
    filters, layout = args["filters"], args["layout"]
    return save_form(program, csrf, tab_id, filters, layout, error, args["name"], inside=True)
