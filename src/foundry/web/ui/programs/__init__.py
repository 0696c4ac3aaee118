"""The programs list and the new-program form."""

from __future__ import annotations

from typing import Any

from foundry.web.live import Region
from foundry.web.templating import render


def programs_region(org_id: str) -> Region:
    """The organisation's programs, live."""
    return Region(
        "programs",
        "programs:list",
        {"orgId": org_id},
        lambda value: render("programs/list.html", programs=value),
    )


def new_program_form(
    csrf: str,
    tab_id: str,
    error: str | None = None,
    field: str | None = None,
    values: dict[str, Any] | None = None,
) -> str:
    """The form that creates a program."""
    return render(
        "programs/form.html",
        csrf=csrf,
        tab_id=tab_id,
        error=error,
        field=field,
        values=values or {},
    )
