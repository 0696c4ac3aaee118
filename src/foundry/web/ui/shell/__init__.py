"""The page shell: layout, navigation and the live-region wrapper."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape

from foundry.web.live import Region, Tab
from foundry.web.templating import render
from foundry.web.ui.shell.nav import sidebar


def region(name: str, html: str, ts: int) -> Markup:
    """The wrapper every live region sits in (the browser morphs its inside)."""
    return Markup(f'<div data-region="{escape(name)}" data-ts="{ts}">{html}</div>')


HEADING = "page-heading"
"""The region that is the page's own <h1>, on pages about one thing (renamed elsewhere: live)."""


def heading_region(path: str, args: dict[str, Any], title: Callable[[Any], str]) -> Region:
    """The page's heading as a live region: `title(value)` of the thing the page shows."""
    return Region(HEADING, path, args, lambda value: str(escape(title(value))), lambda _: "")


def live_heading(tab: Tab) -> dict[str, Any]:
    """What `page()` needs to render the heading region of `tab` as the page's <h1>."""
    return {"heading": Markup(tab.render_now(HEADING)), "heading_ts": tab.ts}


def live(tab: Tab, name: str) -> Markup:
    """Region `name` of `tab` in its wrapper, rendered now (once the forms know the tab's id)."""
    return region(name, tab.render_now(name), tab.ts)


def when(ms: float | None) -> str:
    """A commit time in milliseconds as a UTC date and time."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(ms: float | None) -> str:
    """A commit time in milliseconds as an ISO 8601 instant (for `<time datetime>`)."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def program_shell(
    shell: dict[str, Any], program: dict[str, Any], tab_id: str, *trail: tuple[str, str]
) -> dict[str, Any]:
    """A program page's shell context: breadcrumbs Programs, the program, then `trail`, whose
    (label, path) paths are below the program's own URL."""
    base = f"/p/{program['slug']}"
    crumbs = [("Programs", "/"), (program["name"], base)]
    crumbs += [(label, base + path) for label, path in trail]
    return {**shell, "program": program, "breadcrumbs": crumbs, "tab_id": tab_id}


def page(title: str, content: str, **context: Any) -> str:
    """A full page around `content`."""
    context.setdefault("user", None)
    context.setdefault("program", None)
    context.setdefault("tab_id", None)
    context.setdefault("csrf", None)
    context.setdefault("breadcrumbs", [])
    context.setdefault("theme", "light")
    context.setdefault("chrome", None)
    context.setdefault("path", "")
    context.setdefault("heading", None)
    context.setdefault("heading_ts", None)
    context["sidebar"] = sidebar(context["program"], context["path"]) if context["user"] else []
    return render("shell/layout.html", title=title, content=content, **context)
