"""Integrations: the program's inventory of system-to-system data flows and their lifecycle."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData

from foundry.app.integrations import STATUS_MOVES, STATUSES, TYPES
from foundry.web.live import Region, Tab
from foundry.web.live_forms import FormContext
from foundry.web.templating import render
from foundry.web.ui.shell import live, program_shell

LIST = "integrations-list"
DETAIL = "integration-detail"
PAGE_SIZE = 200  # the backend's page limit
STYLES = Markup('<link rel="stylesheet" href="/static/sprints.css">')
LABELS = {
    "api": "API",
    "webhook": "Webhook",
    "file_transfer": "File transfer",
    "database": "Database",
    "middleware": "Middleware",
    "other": "Other",
    "planned": "Planned",
    "in_progress": "In progress",
    "testing": "Testing",
    "live": "Live",
    "deprecated": "Deprecated",
}
MOVES = {s: [m for m in STATUSES if m in STATUS_MOVES[s]] for s in STATUSES}
FIELDS = ("name", "type", "sourceSystem", "targetSystem", "description")


def values_of(form: FormData) -> dict[str, str]:
    """The create or edit form's fields as the user typed them."""
    return {k: str(form.get(k, "")).strip() for k in FIELDS}


def save_args(
    values: dict[str, str], program_id: str, item_id: str | None
) -> tuple[str, dict[str, Any]]:
    """The mutation that creates (no id) or updates an integration, and its arguments."""
    if item_id is None:
        fields = {k: val for k, val in values.items() if val}
        return "integrations:create", {"programId": program_id, **fields}
    fields = {k: val for k, val in values.items() if val or k == "description"}
    return "integrations:update", {"integrationId": item_id, **fields}


def shared(program: dict[str, Any], forms: FormContext | None) -> dict[str, Any]:
    """Names every integration template may use."""
    return {"program": program, "forms": forms, "labels": LABELS, "moves": MOVES, "types": TYPES}


def list_region(program: dict[str, Any], forms: FormContext) -> Region:
    """The program's integrations as cards with status and delete forms, live."""
    return Region(
        LIST,
        "integrations:list",
        {"programId": program["_id"], "numItems": PAGE_SIZE},
        lambda value: render("integrations/list.html", page=value, **shared(program, forms)),
    )


def detail_region(program: dict[str, Any], integration_id: str, forms: FormContext) -> Region:
    """One integration's fields and status form, live."""
    return Region(
        DETAIL,
        "integrations:get",
        {"integrationId": integration_id},
        lambda value: render("integrations/detail.html", i=value, **shared(program, forms)),
        lambda error: str(render("integrations/gone.html", program=program)),
    )


def edit_form(
    program: dict[str, Any],
    forms: FormContext,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    field: str | None = None,
    integration_id: str | None = None,
) -> Markup:
    """The create form (no id) or the edit form, with an error beside its field."""
    return render(
        "integrations/form.html",
        values=values or {},
        error=error,
        field=field,
        integration_id=integration_id,
        **shared(program, forms),
    )


def status_refused(
    program: dict[str, Any], forms: FormContext, form: FormData, message: str
) -> Markup:
    """A status form again, with the backend's reason for refusing the move."""
    i = {k: str(form.get(k, "")) for k in ("integrationId", "current", "name")}
    if i["current"] not in MOVES:
        i["current"] = "planned"
    return render("integrations/status_form.html", s=i, error=message, **shared(program, forms))


def delete_refused(
    program: dict[str, Any], forms: FormContext, form: FormData, message: str
) -> Markup:
    """A delete form again, with the backend's reason for refusing."""
    d = {k: str(form.get(k, "")) for k in ("integrationId", "name")}
    return render("integrations/delete_form.html", d=d, error=message, **shared(program, forms))


def list_page(tab: Tab, program: dict[str, Any], forms: FormContext) -> str:
    """The integrations page's body: the create form and the live inventory."""
    return render(
        "integrations/page.html",
        styles=STYLES,
        form=edit_form(program, forms),
        items=live(tab, LIST),
    )


def detail_page(tab: Tab, program: dict[str, Any], forms: FormContext) -> str:
    """An integration's page: its live details, then the form that edits them."""
    current = tab.regions[DETAIL]
    values = tab.client.local_result(current.path, current.args)
    form = edit_form(program, forms, values, integration_id=values["_id"])
    return render(
        "integrations/detail_page.html", styles=STYLES, detail=live(tab, DETAIL), form=form
    )


def shell_of(
    shell: dict[str, Any], program: dict[str, Any], tab_id: str, item: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    trail = [("Integrations", "/integrations")]
    if item is not None:
        trail.append((item["name"], f"/integrations/{item['_id']}"))
    return program_shell(shell, program, tab_id, *trail)
