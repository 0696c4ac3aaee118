"""The audit log timeline: filters in the URL, a live first page, older pages on "Load more".

A timeline page is a time window of the backend's `audit:timeline` (see `foundry.app.audit`):
the live first page is anchored at the oldest timestamp the first read showed (`since`) and grows
as entries arrive, while each older page is the window below the previous one (`before`), so
loading more never skips or repeats an entry. The activity feed reuses this machinery.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup

from foundry.app.audit import ACTIONS
from foundry.web.live import Region
from foundry.web.templating import render
from foundry.web.ui.shell import iso

PAGE_SIZE = 25
HEAD_MAX = 200
"""The most entries the live first page shows (it grows as entries arrive)."""
ASSETS = Markup(
    '<link rel="stylesheet" href="/static/audit.css"><script src="/static/audit.js" defer></script>'
)
ENTITY_TYPES = (
    "requirement",
    "task",
    "subtask",
    "risk",
    "gate",
    "skill",
    "workstream",
    "workstreamDependency",
    "sprint",
    "comment",
    "evidence",
    "document",
    "finding",
    "integration",
    "playbook",
    "taskView",
    "teamMember",
    "program",
    "agentExecution",
)
ACTION_LABELS = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "status_change": "changed the status of",
}
HIDDEN_FIELDS = {"orgId", "programId", "rank", "html"}
ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DAY_MS = 86_400_000


def entity_label(entity_type: str) -> str:
    """`workstreamDependency` → `Workstream dependency`."""
    words = re.sub(r"(?<!^)([A-Z])", r" \1", entity_type).lower()
    return words[:1].upper() + words[1:]


def entity_href(slug: str, entity_type: str, entity_id: str) -> str | None:
    """The page that shows an entity, where the web has one."""
    base = f"/p/{slug}"
    pages = {
        "requirement": f"{base}/r/{entity_id}",
        "task": f"{base}/tasks/{entity_id}",
        "gate": f"{base}/gates/{entity_id}",
        "skill": f"{base}/skills/{entity_id}",
        "risk": f"{base}/risks/{entity_id}",
        "sprint": f"{base}/sprints/{entity_id}",
        "integration": f"{base}/integrations/{entity_id}",
        "playbook": f"{base}/playbooks/{entity_id}",
        "workstream": f"{base}/workstreams",
    }
    return pages.get(entity_type)


def entry_href(slug: str, entry: Mapping[str, Any]) -> str | None:
    """Where an audit entry links: its entity (or a comment's subject); none once deleted."""
    if entry.get("action") == "delete":
        return None
    if entry["entityType"] == "comment":
        changes = entry.get("changes") or {}
        subject = (changes.get("entityType") or {}).get("to")
        subject_id = (changes.get("entityId") or {}).get("to")
        if isinstance(subject, str) and isinstance(subject_id, str):
            return entity_href(slug, subject, subject_id)
        return None
    return entity_href(slug, entry["entityType"], str(entry["entityId"]))


def shown(value: Any, limit: int = 80) -> str:
    """A field value as a short line of text."""
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def changed_fields(entry: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """`(field, before, after)` for every user-facing field the entry changed."""
    changes = entry.get("changes") or {}
    if not isinstance(changes, dict):
        return []
    out = []
    for name, change in changes.items():
        if name in HIDDEN_FIELDS or name.startswith("_") or not isinstance(change, dict):
            continue
        out.append((name, shown(change.get("from")), shown(change.get("to"))))
    return out


def day_of(ms: float) -> str:
    """The UTC day of a timestamp, as `YYYY-MM-DD`."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


def day_label(day: str) -> str:
    """`2025-01-14` → `Tuesday 14 January 2025`."""
    return datetime.strptime(day, "%Y-%m-%d").strftime("%A %-d %B %Y")


def clock(ms: float) -> str:
    """The UTC time of day of a timestamp."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%H:%M:%S")


def by_day(entries: list[dict[str, Any]], field: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Entries (newest first) grouped by UTC day, keeping the order."""
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for entry in entries:
        day = day_of(entry[field])
        if not groups or groups[-1][0] != day:
            groups.append((day, []))
        groups[-1][1].append(entry)
    return groups


def _date(text: Any) -> datetime | None:
    try:
        return datetime.strptime(str(text), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True)
class Timeline:
    """One kind of timeline: which backend query, its time field and how an entry renders."""

    name: str
    path: str
    field: str
    template: str
    url: str
    filters_from: Callable[[Mapping[str, Any]], dict[str, str]]
    """The timeline's filters from a query string or a "Load more" form."""
    backend_filters: Callable[[Mapping[str, str]], dict[str, Any]]
    """The backend query's arguments for those filters."""

    def window(self, filters: Mapping[str, str], before: int | None = None) -> dict[str, Any]:
        """The `since`/`before` bounds of the filters' date range (and an older page's cursor)."""
        start, end = _date(filters.get("from")), _date(filters.get("to"))
        since = None if start is None else _ms(start)
        upper = None if end is None else _ms(end + timedelta(days=1))
        if before is not None:
            upper = before if upper is None else min(upper, before)
        return {"since": since, "before": upper}


def filters_from(query: Mapping[str, Any]) -> dict[str, str]:
    """The timeline's filters from a query string or form (unknown values dropped)."""
    out: dict[str, str] = {}
    if query.get("entityType") in ENTITY_TYPES:
        out["entityType"] = str(query["entityType"])
    if query.get("action") in ACTIONS:
        out["action"] = str(query["action"])
    if ID.match(str(query.get("actor") or "")):
        out["actor"] = str(query["actor"])
    for name in ("from", "to"):
        if _date(query.get(name)) is not None:
            out[name] = str(query[name])
    return out


def before_from(query: Mapping[str, Any]) -> int | None:
    """An older page's cursor (`before`, in ms) from a query string or form."""
    text = str(query.get("before") or "")
    return int(text) if text.isdigit() else None


def backend_filters(filters: Mapping[str, str]) -> dict[str, Any]:
    """`audit:timeline`'s filter arguments."""
    out: dict[str, Any] = {k: filters[k] for k in ("entityType", "action") if k in filters}
    if "actor" in filters:
        out["userId"] = filters["actor"]
    return out


AUDIT = Timeline(
    "audit",
    "audit:timeline",
    "timestamp",
    "audit/entries.html",
    "audit",
    filters_from,
    backend_filters,
)


def first_args(
    kind: Timeline, program: Mapping[str, Any], query: Mapping[str, Any], extra: dict[str, Any]
) -> dict[str, Any]:
    """The arguments of a timeline's first read (a one-off, to find where its live page starts)."""
    window = kind.window(kind.filters_from(query), before_from(query))
    return {"programId": program["_id"], **extra, **_set(window), "numItems": PAGE_SIZE}


def _set(args: Mapping[str, Any]) -> dict[str, Any]:
    return {k: val for k, val in args.items() if val is not None}


@dataclass
class Parts:
    """What a timeline page is made of."""

    head: Region
    older: int | None
    """The cursor of the first older page, if the first read did not reach the end."""


def head_of(
    kind: Timeline, program: Mapping[str, Any], first: Mapping[str, Any], args: dict[str, Any]
) -> Parts:
    """The live first page, anchored where the first read ended, and the first older cursor."""
    head_args = dict(args)
    head_args["numItems"] = HEAD_MAX
    older = None
    if not first["isDone"] and first["before"] is not None:
        older = int(first["before"])
        head_args["since"] = older
    return Parts(page_region(kind, program, f"{kind.name}-head", head_args, head=True), older)


def page_region(
    kind: Timeline, program: Mapping[str, Any], name: str, args: dict[str, Any], head: bool = False
) -> Region:
    """A live timeline page."""
    draw: Callable[[Any], str] = lambda value: render(  # noqa: E731
        kind.template,
        value=value,
        head=head,
        head_max=HEAD_MAX,
        days=by_day(list(value["page"]), kind.field),
        slug=program["slug"],
        **HELPERS,
    )
    return Region(name, kind.path, args, draw)


def older_region(
    kind: Timeline, program: Mapping[str, Any], form: Mapping[str, Any], extra: dict[str, Any]
) -> Region | None:
    """The next older page a "Load more" form asks for (None if the form carries no cursor)."""
    before, number = before_from(form), str(form.get("page") or "")
    if before is None or not number.isdigit():
        return None
    window = kind.window(kind.filters_from(form), before)
    args = {"programId": program["_id"], **extra, **_set(window), "numItems": PAGE_SIZE}
    return page_region(kind, program, f"{kind.name}-page-{number}", args)


def more_form(
    kind: Timeline, program: Mapping[str, Any], filters: Mapping[str, str], before: int, page: int
) -> Markup:
    """The "Load more" form: a plain link-like GET without script, an in-place append with it."""
    return render(
        "audit/more.html",
        action=f"/p/{program['slug']}/{kind.url}",
        filters=filters,
        before=before,
        page=page,
    )


def filters_region(program: Mapping[str, Any], filters: Mapping[str, str]) -> Region:
    """The filter form; its actor list is the program's team, live."""
    return Region(
        "audit-filters",
        "team:list",
        {"programId": program["_id"]},
        lambda team: render(
            "audit/filters.html",
            program=program,
            filters=filters,
            team=team,
            entity_types=[(t, entity_label(t)) for t in ENTITY_TYPES],
            actions=[(a, a.replace("_", " ")) for a in ACTIONS],
        ),
    )


HELPERS: dict[str, Any] = {
    "day_label": day_label,
    "clock": clock,
    "iso": iso,
    "entity_label": entity_label,
    "entry_href": entry_href,
    "entity_href": entity_href,
    "changed_fields": changed_fields,
    "action_labels": ACTION_LABELS,
}


def content(
    kind: Timeline,
    program: Mapping[str, Any],
    parts: Parts,
    html: Mapping[str, str],
    ts: int,
    filters: Mapping[str, str],
    top: str = "",
) -> Markup:
    """A timeline page: the top (filters), the live first page and the "Load more" form."""
    from foundry.web.ui.shell import region

    name = parts.head.name
    more = "" if parts.older is None else more_form(kind, program, filters, parts.older, 2)
    return render(
        "audit/page.html",
        assets=ASSETS,
        top=Markup(top),
        head=region(name, html[name], ts),
        name=kind.name,
        older_html="",
        more=more,
    )


def more_answer(
    kind: Timeline,
    program: Mapping[str, Any],
    value: Mapping[str, Any],
    page: Markup,
    form: Mapping[str, Any],
) -> dict[str, Any]:
    """The answer to "Load more": the new live page and the next form (none at the end)."""
    number = int(str(form.get("page")))
    more = ""
    if not value["isDone"] and value["before"] is not None:
        filters = kind.filters_from(form)
        more = more_form(kind, program, filters, int(value["before"]), number + 1)
    return {"ok": True, "html": str(page), "more": str(more), "count": len(value["page"])}
