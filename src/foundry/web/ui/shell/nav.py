"""The sidebar: the reference's groups, each entry shown once its page exists."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from starlette.routing import Route


@dataclass(frozen=True)
class Entry:
    label: str
    route: str
    """The page's route pattern; `{slug}` is the current program's slug."""


@dataclass(frozen=True)
class Group:
    label: str
    entries: tuple[Entry, ...]


PROGRAM_GROUPS = (
    Group(
        "Main",
        (
            Entry("Programs", "/"),
            Entry("New program", "/programs/new"),
            Entry("Mission control", "/p/{slug}"),
        ),
    ),
    Group(
        "Plan",
        (
            Entry("Discovery", "/p/{slug}/discovery"),
            Entry("Requirements", "/p/{slug}/requirements"),
            Entry("Workstreams", "/p/{slug}/workstreams"),
        ),
    ),
    Group("Build", (Entry("Sprints", "/p/{slug}/sprints"), Entry("Tasks", "/p/{slug}/tasks"))),
    Group(
        "Knowledge",
        (
            Entry("Skills", "/p/{slug}/skills"),
            Entry("Risks", "/p/{slug}/risks"),
            Entry("Gates", "/p/{slug}/gates"),
            Entry("Integrations", "/p/{slug}/integrations"),
            Entry("Playbooks", "/p/{slug}/playbooks"),
        ),
    ),
    Group(
        "Records",
        (Entry("Activity", "/p/{slug}/activity"), Entry("Audit log", "/p/{slug}/audit")),
    ),
    Group(
        "Settings",
        (Entry("Program", "/p/{slug}/settings"), Entry("Team", "/p/{slug}/settings/team")),
    ),
)
ORG_GROUP = Group(
    "Organisation",
    (
        Entry("Notifications", "/notifications"),
        Entry("Organisations", "/settings/orgs"),
        Entry("Members", "/settings/org"),
        Entry("API tokens", "/settings/tokens"),
    ),
)


@functools.cache
def _page_paths() -> frozenset[str]:
    # Imported late: the app module imports the shell.
    from foundry.web.app import page_routes

    return frozenset(
        r.path for r in page_routes() if isinstance(r, Route) and "GET" in (r.methods or ())
    )


def sidebar(program: dict[str, Any] | None, path: str) -> list[dict[str, Any]]:
    """The groups to show: entries whose page exists, the current one marked."""
    groups = [*PROGRAM_GROUPS, ORG_GROUP] if program else [PROGRAM_GROUPS[0], ORG_GROUP]
    shown = []
    for group in groups:
        entries = []
        for entry in group.entries:
            if entry.route not in _page_paths() or ("{slug}" in entry.route and not program):
                continue
            href = entry.route.replace("{slug}", str(program["slug"])) if program else entry.route
            entries.append({"label": entry.label, "href": href, "current": href == path})
        if entries:
            shown.append({"label": group.label, "entries": entries})
    return shown
