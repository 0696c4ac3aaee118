"""The requirements table: filters and sort, the live list, selection with bulk actions,
the create form, CSV export and the CSV import with its dry-run preview."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.responses import JSONResponse

from foundry.web import live_forms
from foundry.web.live import Region, Tab
from foundry.web.templating import render

PRIORITIES = ("must_have", "should_have", "nice_to_have", "deferred")
STATUSES = ("draft", "approved", "in_progress", "complete", "deferred")
FIT_GAPS = ("native", "config", "custom_dev", "third_party", "not_feasible")
PHASES = ("phase_1", "phase_2", "phase_3")
SORTS = {
    "refId": "Reference",
    "-refId": "Newest first",
    "priority": "Priority",
    "status": "Status",
    "updated": "Recently updated",
}
PAGE_SIZE = 50
BATCH_MAX = 100
IMPORT_MAX_BYTES = 4_000_000
ASSETS = Markup(
    '<link rel="stylesheet" href="/static/requirements.css">'
    '<script src="/static/requirements.js" defer></script>'
)
# Query-string name → (backend argument, allowed values or None for free text).
SIMPLE_FILTERS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "status": ("status", STATUSES),
    "priority": ("priority", PRIORITIES),
    "fitgap": ("fitGap", FIT_GAPS),
    "phase": ("deliveryPhase", PHASES),
    "batch": ("batch", None),
}
# A bulk action → (backend mutation, the argument its chosen value goes to).
BULK: dict[str, tuple[str, str | None]] = {
    "status": ("requirements_bulk:set_status", "status"),
    "priority": ("requirements_bulk:set_priority", "priority"),
    "workstream": ("requirements_bulk:set_workstream", "workstreamId"),
    "delete": ("requirements_bulk:remove", None),
    "tasks": ("tasks:create_from_requirements", None),
}


def filters_from(query: dict[str, str], workstreams: list[dict[str, Any]]) -> dict[str, str]:
    """The table's filters and sort from a query string (unknown values dropped)."""
    out = {}
    for name, (_, allowed) in SIMPLE_FILTERS.items():
        value = query.get(name, "").strip()
        if value and ((allowed is None and len(value) <= BATCH_MAX) or value in (allowed or ())):
            out[name] = value
    workstream = query.get("workstream", "")
    if workstream == "none" or workstream in {w["_id"] for w in workstreams}:
        out["workstream"] = workstream
    if query.get("sort") in SORTS:
        out["sort"] = query["sort"]
    return out


def backend_filters(filters: dict[str, str]) -> dict[str, Any]:
    """The requirements list's arguments for `filters` (without the sort)."""
    args: dict[str, Any] = {
        SIMPLE_FILTERS[k][0]: val for k, val in filters.items() if k in SIMPLE_FILTERS
    }
    if filters.get("workstream") == "none":
        args["unassigned"] = True
    elif filters.get("workstream"):
        args["workstreamId"] = filters["workstream"]
    return args


def table_region(
    program: dict[str, Any], filters: dict[str, str], workstreams: list[dict[str, Any]]
) -> Region:
    """The first page of the program's requirements under `filters`, in its sort order, live."""
    args: dict[str, Any] = {
        "programId": program["_id"],
        "numItems": PAGE_SIZE,
        **backend_filters(filters),
    }
    if filters.get("sort"):
        args["sort"] = filters["sort"]
    codes = {w["_id"]: w["shortCode"] for w in workstreams}
    return Region(
        "requirements-table",
        "requirements:list",
        args,
        lambda value: render("requirements/table.html", page=value, program=program, codes=codes),
    )


def toolbar(program: dict[str, Any], filters: dict[str, str], ws: list[dict[str, Any]]) -> str:
    """The GET form that filters and sorts the table, with the export and import links."""
    exported = {k: val for k, val in filters.items() if k != "sort"}
    return render(
        "requirements/filters.html",
        program=program,
        filters=filters,
        statuses=STATUSES,
        priorities=PRIORITIES,
        fit_gaps=FIT_GAPS,
        phases=PHASES,
        sorts=SORTS,
        workstreams=ws,
        export_query=urlencode(exported),
    )


def bulk_bar(program: dict[str, Any], workstreams: list[dict[str, Any]]) -> str:
    """The bar of actions on the selected rows (driven by static/requirements.js)."""
    return render(
        "requirements/bulk.html",
        program=program,
        statuses=STATUSES,
        priorities=PRIORITIES,
        workstreams=workstreams,
    )


def notice(query: dict[str, str]) -> str:
    """A line confirming an import the user was just redirected from."""
    imported = query.get("imported", "")
    if not imported.isdigit():
        return ""
    return render("requirements/notice.html", count=int(imported))


def bulk_call(program: dict[str, Any], form: FormData) -> tuple[str, dict[str, Any]]:
    """The mutation and arguments a bulk post asks for (ValueError when it is malformed)."""
    action = str(form.get("action", ""))
    if action not in BULK:
        raise ValueError("Choose an action.")
    ids = [str(i) for i in form.getlist("id")]
    if not ids:
        raise ValueError("Select at least one requirement.")
    path, field = BULK[action]
    args: dict[str, Any] = {"programId": program["_id"], "requirementIds": ids}
    value = str(form.get("value", ""))
    if field == "workstreamId":
        if value:
            args[field] = value
    elif field is not None:
        if not value:
            raise ValueError(f"Choose a {action}.")
        args[field] = value
    return path, args


def bulk_message(program: dict[str, Any], action: str, result: Any) -> dict[str, Any]:
    """What the bulk bar says after a successful action (and where to go next)."""
    if action == "tasks":
        count = len(result) if isinstance(result, list) else 0
        return {
            "message": f"Created {count} task{'' if count == 1 else 's'}.",
            "link": {"href": f"/p/{program['slug']}/tasks", "text": "Open the task board"},
        }
    changed = result.get("changed", 0) if isinstance(result, dict) else 0
    verb = "Deleted" if action == "delete" else "Updated"
    return {"message": f"{verb} {changed} requirement{'' if changed == 1 else 's'}."}


def readable_error(message: str, refs: list[str]) -> str:
    """A backend error with `requirementIds[i]` replaced by the row's reference."""

    def ref(match: re.Match[str]) -> str:
        i = int(match.group(1))
        return refs[i] if i < len(refs) else match.group(0)

    return re.sub(r"requirementIds\[(\d+)\]", ref, message)


def bulk_answer(tab: Tab, extra: dict[str, Any]) -> JSONResponse:
    """The table at the mutation's commit timestamp, plus the bar's message."""
    return live_forms.regions_answer(tab, ["requirements-table"], **extra)


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


async def uploaded_text(form: FormData) -> tuple[str, str | None]:
    """The uploaded CSV's text, or an error about the upload itself."""
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return "", "Choose a CSV file to upload."
    data = await upload.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        return "", f"The file is larger than {IMPORT_MAX_BYTES:,} bytes; split it."
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return "", "The file is not UTF-8 text; save it as CSV (UTF-8)."


def import_page(
    program: dict[str, Any],
    csrf: str,
    preview: dict[str, Any] | None = None,
    csv: str = "",
    error: str | None = None,
) -> str:
    """The upload form, and after an upload the dry run: rows to create or per-row errors."""
    return render(
        "requirements/import.html",
        program=program,
        csrf=csrf,
        preview=preview,
        csv=csv,
        error=error,
    )


def failed_preview(data: Any) -> dict[str, Any]:
    """A dry-run result rebuilt from a refused import's error data."""
    errors = data.get("errors", []) if isinstance(data, dict) else []
    count = data.get("errorCount", len(errors)) if isinstance(data, dict) else len(errors)
    return {"valid": False, "rowCount": 0, "errorCount": count, "errors": errors, "preview": []}
