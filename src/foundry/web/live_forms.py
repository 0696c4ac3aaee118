"""Answers to live-form posts: the affected regions rendered at the mutation's commit timestamp."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse

from foundry.web.live import Tab

EXPIRED = "<p role='alert'>This page expired; reload it.</p>"
"""The answer to a form posted from a tab the server no longer has."""


@dataclass
class FormContext:
    """What the forms inside live regions post with; the tab id is known once the tab opens."""

    csrf: str
    tab_id: str = ""


def regions_answer(tab: Tab, names: list[str], **extra: Any) -> JSONResponse:
    """After a mutation through `tab`, the named regions as the tab now sees them; `extra` adds
    keys such as `form` (the posted form redrawn, keeping the saved values) or `message`."""
    updates = [
        {"region": name, "ts": tab.ts, "html": tab.render_now(name)}
        for name in names
        if name in tab.regions
    ]
    return JSONResponse({"ok": True, "regions": updates, **extra})


def redirect_answer(url: str) -> JSONResponse:
    """The answer to a form whose success leaves the page (a delete, or a renamed URL)."""
    return JSONResponse({"ok": True, "redirect": url})


def form_answer(form_html: str, status: int = 422) -> JSONResponse:
    """A form shown again, with its error and the user's input."""
    return JSONResponse({"ok": False, "form": form_html}, status_code=status)


def error_field(data: Any) -> str | None:
    """The field an error names, if it names one."""
    if isinstance(data, dict) and isinstance(data.get("path"), str):
        return str(data["path"]).removeprefix("args.")
    return None
