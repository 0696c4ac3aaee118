"""Answers to live-form posts: the affected regions rendered at the mutation's commit timestamp."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from foundry.web.live import Tab, render_failure


def regions_answer(tab: Tab, names: list[str]) -> JSONResponse:
    """After a mutation through `tab`, the named regions as the tab now sees them."""
    from foundry.client.errors import FunctionError

    updates = []
    for name in names:
        region = tab.regions.get(name)
        if region is None:
            continue
        try:
            html = region.render(tab.client.local_result(region.path, region.args))
        except FunctionError as error:
            html = render_failure(region, error)
        updates.append({"region": name, "ts": tab.ts, "html": html})
    return JSONResponse({"ok": True, "regions": updates})


def form_answer(form_html: str, status: int = 422) -> JSONResponse:
    """A form shown again, with its error and the user's input."""
    return JSONResponse({"ok": False, "form": form_html}, status_code=status)


def error_field(data: Any) -> str | None:
    """The field an error names, if it names one."""
    if isinstance(data, dict) and isinstance(data.get("path"), str):
        return str(data["path"]).removeprefix("args.")
    return None
