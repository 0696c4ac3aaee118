"""The activity feed: the program's one-line-per-event stream, live, newest first, paged like
the audit timeline (see `foundry.web.ui.audit`), and filtered by event type from the URL
(`?eventType=task_status`): the live first page and every older page read the backend's
`activity:timeline` with that type, so the filtered feed stays live."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from foundry.app.activity import EVENT_TYPES
from foundry.web.templating import render
from foundry.web.ui import audit
from foundry.web.ui.audit import Timeline

GROUPS = (
    ("Comments", ("comment_added",)),
    ("Requirements", ("requirement_created", "requirement_status", "requirements_status")),
    ("Tasks", ("task_created", "task_status")),
    ("Skills", ("skill_created", "skill_version")),
    ("Discovery", ("document_uploaded", *(t for t in EVENT_TYPES if t.startswith("findings_")))),
    ("Evidence and integrations", ("evidence_added", "integration_created")),
)
"""The filter's choices, grouped as the select shows them (every one of `EVENT_TYPES`)."""

LABELS = {
    "comment_added": "Comment added",
    "requirement_created": "Requirement created",
    "requirement_status": "Requirement status changed",
    "requirements_status": "Requirements moved in bulk",
    "task_created": "Task created",
    "task_status": "Task status changed",
    "skill_created": "Skill created",
    "skill_version": "Skill version saved",
    "document_uploaded": "Document uploaded",
    "evidence_added": "Evidence added",
    "integration_created": "Integration added",
}


def label(event_type: str) -> str:
    """A human label for an event type (`findings_approved` → `Findings approved`)."""
    return LABELS.get(event_type) or event_type.replace("_", " ").capitalize()


def filters_from(query: Mapping[str, Any]) -> dict[str, str]:
    """The feed's filters from a query string or form: the date range and a known event type."""
    dates = audit.filters_from(query)
    out: dict[str, str] = {k: dates[k] for k in ("from", "to") if k in dates}
    if query.get("eventType") in EVENT_TYPES:
        out["eventType"] = str(query["eventType"])
    return out


def backend_filters(filters: Mapping[str, str]) -> dict[str, Any]:
    """`activity:timeline`'s filter arguments."""
    return {"eventType": filters["eventType"]} if "eventType" in filters else {}


ACTIVITY = Timeline(
    "activity",
    "activity:timeline",
    "createdAt",
    "activity/entries.html",
    "activity",
    filters_from,
    backend_filters,
)
"""The feed as a timeline: `activity:timeline` windows over `createdAt`, by event type."""


def filter_form(program: Mapping[str, Any], filters: Mapping[str, str]) -> Markup:
    """The event-type filter (a plain GET form: the choice lands in the URL)."""
    groups = [(name, [(t, label(t)) for t in types]) for name, types in GROUPS]
    return render("activity/filters.html", program=program, filters=filters, groups=groups)
