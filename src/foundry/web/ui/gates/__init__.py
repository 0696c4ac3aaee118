"""Sprint gates: the program's gate list and one gate's criteria, approvals and decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from foundry.client.errors import FunctionError
from foundry.web.live import Region, Tab, render_failure
from foundry.web.templating import render
from foundry.web.ui.shell import region

PAGE_SIZE = 200  # the backend's page limit
LIST = "gates-list"
DETAIL = "gate-detail"
ACTIONS = {"evaluate": "gates:evaluate", "finalize": "gates:finalize", "reopen": "gates:reopen"}
STATUS_LABELS = {
    "pending": "Pending",
    "passed": "Passed",
    "failed": "Failed",
    "overridden": "Overridden",
}


@dataclass
class FormContext:
    """What the forms inside a region post with; the tab id is known once it opens."""

    csrf: str
    tab_id: str = ""


def when(ms: float | None) -> str:
    """A commit-time in milliseconds as a UTC date and time."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def shared(program: dict[str, Any], forms: FormContext | None) -> dict[str, Any]:
    """Names every gate template may use."""
    return {"program": program, "forms": forms, "labels": STATUS_LABELS, "when": when}


def list_region(program: dict[str, Any]) -> Region:
    """The program's gates, live."""
    return Region(
        LIST,
        "gates:list",
        {"programId": program["_id"], "numItems": PAGE_SIZE},
        lambda value: render("gates/list.html", page=value, **shared(program, None)),
    )


def detail_region(program: dict[str, Any], gate_id: str, forms: FormContext) -> Region:
    """One gate: its evaluation, criteria forms, approvals and decision buttons, live."""
    return Region(
        DETAIL,
        "gates:get",
        {"gateId": gate_id},
        lambda value: render("gates/detail.html", gate=value, **shared(program, forms)),
    )


def live(tab: Tab, name: str) -> Markup:
    """A region of `tab` in its wrapper, rendered now (once the forms know the tab's id)."""
    current = tab.regions[name]
    try:
        html = current.render(tab.client.local_result(current.path, current.args))
    except FunctionError as error:
        html = render_failure(current, error)
    return region(name, html, tab.ts)


def current_gate(tab: Tab) -> dict[str, Any] | None:
    """The gate as the tab now sees it (None if it cannot be read)."""
    detail = tab.regions.get(DETAIL)
    if detail is None:
        return None
    try:
        gate: dict[str, Any] = tab.client.local_result(detail.path, detail.args)
    except FunctionError:
        return None
    return gate


def gate_page(tab: Tab, program: dict[str, Any], gate_id: str, forms: FormContext) -> str:
    """A gate page's body: the live gate, then the override form."""
    return render(
        "gates/page.html",
        detail=live(tab, DETAIL),
        override=override_form(program, gate_id, forms),
        **shared(program, forms),
    )


def override_form(
    program: dict[str, Any],
    gate_id: str,
    forms: FormContext,
    error: str | None = None,
    reason: str = "",
) -> Markup:
    """The form that overrides a gate with a written reason."""
    return render(
        "gates/override.html", gate_id=gate_id, error=error, reason=reason, **shared(program, forms)
    )


def criterion_refused(
    tab: Tab, program: dict[str, Any], forms: FormContext, index: str, message: str
) -> str:
    """A criterion form's inside after the backend refused the change (or a notice)."""
    gate = current_gate(tab)
    i = int(index) if index.isdigit() else -1
    if gate is None or not 0 <= i < len(gate["criteria"]):
        return str(render("gates/notice.html", message=message))
    context = {"gate": gate, "error": message, **shared(program, forms)}
    return str(render("gates/criterion.html", c=gate["criteria"][i], i=i, **context))


def action_refused(forms: FormContext, action: str, message: str) -> str:
    """A decision form's inside after the backend refused it."""
    return str(render("gates/actions.html", action=action, error=message, forms=forms))


def shell_of(
    shell: dict[str, Any], program: dict[str, Any], tab_id: str, gate: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    base = f"/p/{program['slug']}"
    crumbs = [("Programs", "/"), (program["name"], base), ("Gates", base + "/gates")]
    if gate is not None:
        crumbs.append((gate["name"], f"{base}/gates/{gate['_id']}"))
    return {**shell, "program": program, "breadcrumbs": crumbs, "tab_id": tab_id}
