"""The requirements table: filters, the live list and the create form."""

from __future__ import annotations

from typing import Any

from foundry.web.live import Region
from foundry.web.templating import render

PRIORITIES = ("must_have", "should_have", "nice_to_have", "deferred")
STATUSES = ("draft", "approved", "in_progress", "complete", "deferred")
FIT_GAPS = ("native", "config", "custom_dev", "third_party", "not_feasible")
PAGE_SIZE = 50


def filters_from(query: dict[str, str]) -> dict[str, str]:
    """The table's filters from a query string (unknown values dropped)."""
    out = {}
    if query.get("status") in STATUSES:
        out["status"] = query["status"]
    if query.get("priority") in PRIORITIES:
        out["priority"] = query["priority"]
    return out


def table_region(program: dict[str, Any], filters: dict[str, str]) -> Region:
    """The first page of the program's requirements under `filters`, live."""
    args: dict[str, Any] = {"programId": program["_id"], "numItems": PAGE_SIZE, **filters}
    return Region(
        "requirements-table",
        "requirements:list",
        args,
        lambda value: render("requirements/table.html", page=value, program=program),
    )


def filters_form(program: dict[str, Any], filters: dict[str, str]) -> str:
    """The GET form that filters the table."""
    return render(
        "requirements/filters.html",
        program=program,
        filters=filters,
        statuses=STATUSES,
        priorities=PRIORITIES,
    )


def create_form(
    program: dict[str, Any],
    csrf: str,
    tab_id: str,
    error: str | None = None,
    field: str | None = None,
    values: dict[str, Any] | None = None,
) -> str:
    """The form that adds a requirement."""
    return render(
        "requirements/form.html",
        program=program,
        csrf=csrf,
        tab_id=tab_id,
        error=error,
        field=field,
        values=values or {},
        priorities=PRIORITIES,
        fit_gaps=FIT_GAPS,
    )
