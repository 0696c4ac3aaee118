"""Risks: live cards with a status form each, the open-risk matrix and the create form.

One risk's page is in `detail.py`; its status form posts to the same route as the cards'."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from foundry.client.errors import FunctionError
from foundry.web.live import Region, Tab
from foundry.web.live_forms import FormContext
from foundry.web.templating import render
from foundry.web.ui.shell import live, program_shell

SEVERITIES = ("critical", "high", "medium", "low")
PROBABILITIES = ("very_likely", "likely", "possible", "unlikely")
STATUSES = ("open", "mitigating", "resolved", "accepted")
MOVES = {
    "open": ("mitigating", "resolved", "accepted"),
    "mitigating": ("open", "resolved", "accepted"),
    "resolved": ("open",),
    "accepted": ("open", "mitigating"),
}
LABELS = {
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "very_likely": "Very likely",
    "likely": "Likely",
    "possible": "Possible",
    "unlikely": "Unlikely",
    "open": "Open",
    "mitigating": "Mitigating",
    "resolved": "Resolved",
    "accepted": "Accepted",
}
PAGE_SIZE = 200  # the backend's page limit
LIST = "risks-list"
MATRIX = "risks-matrix"
DETAIL = "risk-detail"  # one risk's page (ui/risks/detail.py)
HISTORY = "risk-history"


def filters_from(query: dict[str, str]) -> dict[str, str]:
    """The list's filters from a query string (unknown values dropped)."""
    return {
        k: query[k]
        for k, known in (("status", STATUSES), ("severity", SEVERITIES))
        if query.get(k) in known
    }


def shared(program: dict[str, Any], forms: FormContext | None) -> dict[str, Any]:
    """Names every risk template may use."""
    return {"program": program, "forms": forms, "labels": LABELS, "moves": MOVES}


def list_region(program: dict[str, Any], filters: dict[str, str], forms: FormContext) -> Region:
    """The program's risks as cards, each with a status form, live."""
    args: dict[str, Any] = {"programId": program["_id"], "numItems": PAGE_SIZE, **filters}
    return Region(
        LIST,
        "risks:list",
        args,
        lambda value: render("risks/cards.html", page=value, **shared(program, forms)),
    )


def matrix_region(program: dict[str, Any]) -> Region:
    """Open risks counted per severity-and-probability cell, live."""
    return Region(
        MATRIX,
        "risks:matrix",
        {"programId": program["_id"]},
        lambda value: render("risks/matrix.html", m=value, labels=LABELS),
    )


def create_form(
    program: dict[str, Any],
    forms: FormContext,
    error: str | None = None,
    field: str | None = None,
    values: dict[str, Any] | None = None,
) -> Markup:
    """The form that raises a risk."""
    return render(
        "risks/form.html",
        error=error,
        field=field,
        values=values or {},
        severities=SEVERITIES,
        probabilities=PROBABILITIES,
        **shared(program, forms),
    )


def risks_page(
    tab: Tab, program: dict[str, Any], forms: FormContext, filters: dict[str, str]
) -> str:
    """The risks page's body: the create form, the matrix and the cards."""
    return render(
        "risks/page.html",
        form=create_form(program, forms),
        matrix=live(tab, MATRIX),
        cards=live(tab, LIST),
        filters=filters,
        statuses=STATUSES,
        severities=SEVERITIES,
        **shared(program, forms),
    )


def status_refused(
    tab: Tab, program: dict[str, Any], forms: FormContext, risk_id: str, message: str
) -> str:
    """A status form's inside after the backend refused the change (or a bare notice)."""
    risks: list[dict[str, Any]] = []
    for name in (LIST, DETAIL):  # the risks page's cards, or one risk's page
        shown = tab.regions.get(name)
        if shown is None:
            continue
        try:
            value = tab.client.local_result(shown.path, shown.args)
        except FunctionError:
            continue
        risks.extend(value["page"] if name == LIST else [value])
    for risk in risks:
        if risk["_id"] == risk_id:
            return str(
                render(
                    "risks/status_fields.html", risk=risk, error=message, **shared(program, forms)
                )
            )
    return str(render("risks/notice.html", message=message))


def shell_of(shell: dict[str, Any], program: dict[str, Any], tab_id: str) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    return program_shell(shell, program, tab_id, ("Risks", "/risks"))
