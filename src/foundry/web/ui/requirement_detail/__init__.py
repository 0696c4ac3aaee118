"""One requirement's page: its fields and links, comments, evidence and history, all live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from foundry.client.errors import FunctionError
from foundry.web.live import Region, Tab, render_failure
from foundry.web.templating import render
from foundry.web.ui.shell import region

# The moves requirements:set_status allows (foundry.app.requirements.STATUS_MOVES), in order.
STATUS_MOVES = {
    "draft": ("approved", "deferred"),
    "approved": ("draft", "in_progress", "deferred"),
    "in_progress": ("approved", "complete", "deferred"),
    "complete": ("in_progress",),
    "deferred": ("draft",),
}
STATUS_LABELS = {
    "draft": "Draft",
    "approved": "Approved",
    "in_progress": "In progress",
    "complete": "Complete",
    "deferred": "Deferred",
}
COMMENTS_PAGE = 100
EVIDENCE_PAGE = 50
AUDIT_PAGE = 20
REQUIREMENT = "requirement-detail"
COMMENTS = "requirement-comments"
EVIDENCE = "requirement-evidence"
HISTORY = "requirement-history"


@dataclass
class FormContext:
    """What the forms inside a region post with; the tab id is known once the tab opens."""

    csrf: str
    tab_id: str = ""


def when(ms: float | None) -> str:
    """A commit-time in milliseconds as a UTC date and time."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(ms: float | None) -> str:
    """A commit-time in milliseconds as an ISO 8601 instant (for `<time datetime>`)."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def base_url(program: dict[str, Any], requirement_id: str) -> str:
    """The requirement page's URL."""
    return f"/p/{program['slug']}/r/{requirement_id}"


def shared(program: dict[str, Any], forms: FormContext | None = None) -> dict[str, Any]:
    """Names every template of this page may use."""
    return {
        "program": program,
        "forms": forms,
        "moves": STATUS_MOVES,
        "labels": STATUS_LABELS,
        "when": when,
        "iso": iso,
    }


def requirement_region(program: dict[str, Any], req_id: str, forms: FormContext) -> Region:
    """The requirement's fields, links, workstream and status form, live."""
    return Region(
        REQUIREMENT,
        "requirements:get",
        {"requirementId": req_id},
        lambda value: render("requirement_detail/fields.html", req=value, **shared(program, forms)),
    )


def comments_region(program: dict[str, Any], req_id: str) -> Region:
    """The requirement's comments, oldest first, live (their sanitised `html` is shown)."""
    args = {"entityType": "requirement", "entityId": req_id, "numItems": COMMENTS_PAGE}
    return Region(
        COMMENTS,
        "comments:list",
        args,
        lambda value: render("requirement_detail/comments.html", page=value, **shared(program)),
    )


def evidence_region(program: dict[str, Any], req_id: str) -> Region:
    """The files attached to the requirement as evidence, newest first, live."""
    return Region(
        EVIDENCE,
        "evidence:list",
        {"requirementId": req_id, "numItems": EVIDENCE_PAGE},
        lambda value: render("requirement_detail/evidence.html", page=value, **shared(program)),
    )


def history_region(program: dict[str, Any], req_id: str) -> Region:
    """The requirement's audit history, newest first, live."""
    args = {
        "orgId": program["orgId"],
        "entityType": "requirement",
        "entityId": req_id,
        "numItems": AUDIT_PAGE,
    }
    return Region(
        HISTORY,
        "audit:list_for_entity",
        args,
        lambda value: render("requirement_detail/history.html", page=value, **shared(program)),
    )


def regions(program: dict[str, Any], req_id: str, forms: FormContext) -> list[Region]:
    """Every live region of the page."""
    return [
        requirement_region(program, req_id, forms),
        comments_region(program, req_id),
        evidence_region(program, req_id),
        history_region(program, req_id),
    ]


def check_in_program(program: dict[str, Any], req: dict[str, Any]) -> dict[str, Any]:
    """The requirement if it belongs to `program` (a FunctionError, shown as not found, if not)."""
    if req.get("programId") != program["_id"]:
        raise FunctionError("Not found, or you do not have access to it.", {"id": req.get("_id")})
    return req


def shows(tab: Tab, req_id: str) -> bool:
    """Whether `tab` is this page's tab for requirement `req_id`."""
    reg = tab.regions.get(REQUIREMENT)
    return reg is not None and reg.args.get("requirementId") == req_id


def live(tab: Tab, name: str) -> Markup:
    """A region of `tab` in its wrapper, rendered from the tab's current value."""
    reg = tab.regions[name]
    try:
        html = reg.render(tab.client.local_result(reg.path, reg.args))
    except FunctionError as error:
        html = render_failure(reg, error)
    return region(name, html, tab.ts)


def comment_form(
    program: dict[str, Any],
    req_id: str,
    forms: FormContext,
    error: str | None = None,
    content: str = "",
) -> Markup:
    """The form that adds a comment (with the refused text and the reason, after an error)."""
    return render(
        "requirement_detail/comment_form.html",
        url=base_url(program, req_id),
        forms=forms,
        error=error,
        content=content,
    )


def status_form(
    program: dict[str, Any], req: dict[str, Any], forms: FormContext, error: str | None = None
) -> Markup:
    """The status form for `req`, with the refusal's reason after an error."""
    return render(
        "requirement_detail/status_form.html", req=req, error=error, **shared(program, forms)
    )


def body(tab: Tab, program: dict[str, Any], req_id: str, forms: FormContext) -> Markup:
    """The page's body: the requirement, then comments, evidence and history."""
    return render(
        "requirement_detail/page.html",
        requirement=live(tab, REQUIREMENT),
        comments=live(tab, COMMENTS),
        comment_form=comment_form(program, req_id, forms),
        evidence=live(tab, EVIDENCE),
        history=live(tab, HISTORY),
    )


def shell_of(
    shell: dict[str, Any], program: dict[str, Any], req: dict[str, Any], tab_id: str
) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    base = f"/p/{program['slug']}"
    crumbs = [
        ("Programs", "/"),
        (program["name"], base),
        ("Requirements", base + "/requirements"),
        (req["refId"], base_url(program, req["_id"])),
    ]
    return {**shell, "program": program, "breadcrumbs": crumbs, "tab_id": tab_id}
