"""Workstreams: RAG cards whose status cycles in place, and one workstream's detail."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from foundry.client.errors import FunctionError
from foundry.web.context import Signed
from foundry.web.live import Region, Tab
from foundry.web.live_forms import FormContext
from foundry.web.templating import render
from foundry.web.ui import sprints
from foundry.web.ui.shell import iso, live, program_shell, when

STATUS_LABELS = {"on_track": "On track", "at_risk": "At risk", "blocked": "Blocked"}
NEXT_STATUS = {"on_track": "at_risk", "at_risk": "blocked", "blocked": "on_track"}
STAGE_LABELS = {
    "discovery": "Discovery",
    "requirement": "Requirement",
    "sprint_planning": "Sprint planning",
    "task_generation": "Task generation",
    "subtask_generation": "Subtask generation",
    "implementation": "Implementation",
    "testing": "Testing",
    "review": "Review",
}
PAGE_SIZE = 50
MAX_WORKSTREAMS = 100  # the backend's per-program limit
GRID = "workstreams-grid"
SUMMARY = "workstream-summary"
REQUIREMENTS = "workstream-requirements"
TASKS = "workstream-tasks"


def shared_context(program: dict[str, Any], forms: FormContext | None) -> dict[str, Any]:
    """Names every workstream template may use."""
    return {
        "program": program,
        "forms": forms,
        "labels": STATUS_LABELS,
        "next_status": NEXT_STATUS,
        "stages": STAGE_LABELS,
        "when": when,
        "iso": iso,
    }


def grid_region(program: dict[str, Any], forms: FormContext) -> Region:
    """The program's workstream cards with health and a status button each, live."""
    return Region(
        GRID,
        "mission_control:overview",
        {"programId": program["_id"]},
        lambda value: render(
            "workstreams/cards.html",
            workstreams=value["workstreams"],
            **shared_context(program, forms),
        ),
    )


def summary_region(program: dict[str, Any], workstream_id: str, forms: FormContext) -> Region:
    """One workstream's status, counts and pipeline, live."""
    return Region(
        SUMMARY,
        "workstreams:get",
        {"workstreamId": workstream_id},
        lambda value: render(
            "workstreams/summary.html", ws=value, **shared_context(program, forms)
        ),
    )


def requirements_region(program: dict[str, Any], workstream_id: str) -> Region:
    """The first page of the workstream's requirements, live."""
    args = {"programId": program["_id"], "workstreamId": workstream_id, "numItems": PAGE_SIZE}
    return Region(
        REQUIREMENTS,
        "requirements:list",
        args,
        lambda value: render(
            "workstreams/requirements.html", page=value, **shared_context(program, None)
        ),
    )


def tasks_region(program: dict[str, Any], workstream_id: str) -> Region:
    """The first page of the workstream's tasks, live."""
    args = {"programId": program["_id"], "workstreamId": workstream_id, "numItems": PAGE_SIZE}
    return Region(
        TASKS,
        "task_views:list",
        args,
        lambda value: render("workstreams/tasks.html", page=value, **shared_context(program, None)),
    )


def find(workstreams: list[dict[str, Any]], short_code: str) -> dict[str, Any]:
    """The workstream with this short code (a FunctionError, shown as not found, otherwise)."""
    for ws in workstreams:
        if ws.get("shortCode") == short_code:
            return ws
    raise FunctionError("Not found, or you do not have access to it.", {"shortCode": short_code})


def status_error(
    program: dict[str, Any], ws: dict[str, Any], forms: FormContext, message: str
) -> str:
    """The inside of a status form after the change was refused, with the reason."""
    return render(
        "workstreams/status_error.html", ws=ws, message=message, **shared_context(program, forms)
    )


def detail_regions(program: dict[str, Any], ws: dict[str, Any], forms: FormContext) -> list[Region]:
    """The regions of one workstream's page."""
    return [
        summary_region(program, ws["_id"], forms),
        requirements_region(program, ws["_id"]),
        tasks_region(program, ws["_id"]),
        sprints.workstream_region(program, ws["_id"]),
    ]


def cards_page(tab: Tab, create_form: Markup | None = None) -> str:
    """The workstreams page's body: the live cards, then the create form."""
    if create_form is None:
        return live(tab, GRID)
    return render("workstreams/page.html", grid=live(tab, GRID), create_form=create_form)


def detail_page(tab: Tab, editing: dict[str, Markup] | None = None) -> str:
    """A workstream page's body: its summary, requirements, tasks and sprints, then (given
    `editing`) the edit form and the delete step."""
    return render(
        "workstreams/detail.html",
        summary=live(tab, SUMMARY),
        requirements=live(tab, REQUIREMENTS),
        tasks=live(tab, TASKS),
        sprints=live(tab, sprints.WORKSTREAM_SPRINTS),
        **(editing or {}),
    )


def shell_of(
    shell: dict[str, Any], program: dict[str, Any], tab_id: str, ws: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    trail = [("Workstreams", "/workstreams")]
    if ws is not None:
        trail.append((ws["shortCode"], f"/workstreams/{ws['shortCode']}"))
    return program_shell(shell, program, tab_id, *trail)


async def refused(
    signed: Signed, program: dict[str, Any], ws_id: str, tab_id: str, message: str
) -> str:
    """A status form's inside after the backend refused the change (or a notice)."""
    try:
        ws = await signed.query("workstreams:get", workstreamId=ws_id)
    except FunctionError:
        return str(render("workstreams/notice.html", message=message))
    return status_error(program, ws, FormContext(signed.session.csrf, tab_id), message)
