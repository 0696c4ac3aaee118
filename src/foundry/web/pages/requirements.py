"""The requirements table: filters, sort, bulk actions, CSV export and the CSV import."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import (
    Signed,
    checked_form,
    posted_tab,
    program_by_slug,
    program_workstreams,
    signed_in,
)
from foundry.web.live import Tab
from foundry.web.ui import requirements
from foundry.web.ui.shell import page, program_shell, region

EXPIRED = "This page expired; reload it."


def _shell(signed: Signed, program: dict[str, Any], tab: Tab) -> dict[str, Any]:
    return program_shell(signed.shell(), program, tab.id)


async def requirements_page(request: Request) -> Response:
    """GET /p/{slug}/requirements: the filtered, sorted requirements table, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    ws = await program_workstreams(signed, program)
    query = dict(request.query_params)
    filters = requirements.filters_from(query, ws)
    tab, html = await signed.open_tab(program, [requirements.table_region(program, filters, ws)])
    content = (
        requirements.ASSETS
        + requirements.notice(query)
        + requirements.toolbar(program, filters, ws)
        + requirements.create_form(program, signed.session.csrf, tab.id)
        + requirements.bulk_bar(program, ws)
        + region("requirements-table", html["requirements-table"], tab.ts)
    )
    return HTMLResponse(page("Requirements", content, **_shell(signed, program, tab)))


async def create_requirement(request: Request) -> Response:
    """POST /p/{slug}/requirements (live form)."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    values = {k: str(form.get(k, "")).strip() for k in ("title", "priority", "fitGap")}
    tab = await posted_tab(signed, form)
    try:
        await tab.client.mutation("requirements:create", {"programId": program["_id"], **values})
    except FunctionError as error:
        field = live_forms.error_field(error.data)
        html = requirements.create_form(
            program, signed.session.csrf, tab.id, error.message, field, values
        )
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, ["requirements-table"])


async def bulk_action(request: Request) -> Response:
    """POST /p/{slug}/requirements/bulk: one bulk mutation on the selected rows; the table back."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is None:  # the bulk bar shows `error`, not a form
        return JSONResponse({"ok": False, "error": EXPIRED}, status_code=409)
    try:
        path, args = requirements.bulk_call(program, form)
        result = await tab.client.mutation(path, args)
    except (ValueError, FunctionError) as error:
        message = error.message if isinstance(error, FunctionError) else str(error)
        refs = [str(r) for r in form.getlist("ref")]
        error_text = requirements.readable_error(message, refs)
        return JSONResponse({"ok": False, "error": error_text}, status_code=422)
    said = requirements.bulk_message(program, str(form.get("action")), result)
    return requirements.bulk_answer(tab, said)


async def export_csv(request: Request) -> Response:
    """GET /p/{slug}/requirements/export.csv: the backend's export under the page's filters."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    filters = requirements.filters_from(
        dict(request.query_params), await program_workstreams(signed, program)
    )
    args = requirements.backend_filters(filters)
    try:
        result = await signed.query("csv_io:export_requirements", programId=program["_id"], **args)
    except FunctionError as error:
        return HTMLResponse(page("Export failed", f"<p role='alert'>{error.message}</p>"), 422)
    disposition = f'attachment; filename="{program["slug"]}-requirements.csv"'
    headers = {"content-disposition": disposition}
    return Response(result["csv"], media_type="text/csv; charset=utf-8", headers=headers)


async def _import_page(request: Request, status: int = 200, **shown: Any) -> Response:
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    tab, _ = await signed.open_tab(program, [])
    body = requirements.import_page(program, signed.session.csrf, **shown)
    return HTMLResponse(page("Import requirements", body, **_shell(signed, program, tab)), status)


async def import_form(request: Request) -> Response:
    """GET /p/{slug}/requirements/import: the upload form."""
    return await _import_page(request)


async def import_preview(request: Request) -> Response:
    """POST /p/{slug}/requirements/import/preview: the dry run of an uploaded file."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    text, error = await requirements.uploaded_text(form)
    if error is not None:
        return await _import_page(request, 422, error=error)
    preview = await signed.query(
        "csv_io:preview_requirements_import", programId=program["_id"], csv=text
    )
    status = 200 if preview["valid"] else 422
    return await _import_page(request, status, preview=preview, csv=text)


async def import_confirm(request: Request) -> Response:
    """POST /p/{slug}/requirements/import: import the previewed file (all rows or none)."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    args = {"programId": program["_id"], "csv": str(form.get("csv", ""))}
    try:
        async with await signed.backend() as http:
            done = await http.mutation("csv_io:import_requirements", args)
    except FunctionError as error:
        preview = requirements.failed_preview(error.data)
        return await _import_page(request, 422, preview=preview, error=error.message)
    url = f"/p/{program['slug']}/requirements?sort=-refId&imported={done['created']}"
    return RedirectResponse(url, status_code=303)


ROUTES = [
    Route("/p/{slug}/requirements", requirements_page, methods=["GET"]),
    Route("/p/{slug}/requirements", create_requirement, methods=["POST"]),
    Route("/p/{slug}/requirements/bulk", bulk_action, methods=["POST"]),
    Route("/p/{slug}/requirements/export.csv", export_csv, methods=["GET"]),
    Route("/p/{slug}/requirements/import", import_form, methods=["GET"]),
    Route("/p/{slug}/requirements/import", import_confirm, methods=["POST"]),
    Route("/p/{slug}/requirements/import/preview", import_preview, methods=["POST"]),
]
