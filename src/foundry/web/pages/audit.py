"""The audit log timeline: filters in the URL, live newest entries, "Load more" for older ones."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from foundry.web import live_forms
from foundry.web.context import Signed, checked_form, posted_tab, program_by_slug, signed_in
from foundry.web.live import Tab
from foundry.web.ui import audit
from foundry.web.ui.audit import AUDIT, Timeline
from foundry.web.ui.shell import page, program_shell, region


def shell(signed: Signed, program: dict[str, Any], tab: Tab) -> dict[str, Any]:
    """The page shell of a program-level timeline page."""
    return program_shell(signed.shell(), program, tab.id)


async def audit_page(request: Request) -> Response:
    """GET /p/{slug}/audit: the program's audit trail by day, filtered by the query string."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    query = dict(request.query_params)
    filters = audit.filters_from(query)
    args = audit.first_args(AUDIT, program, query, audit.backend_filters(filters))
    parts = audit.head_of(AUDIT, program, await signed.query(AUDIT.path, **args), args)
    tab, html = await signed.open_tab(program, [parts.head, audit.filters_region(program, filters)])
    top = region("audit-filters", html["audit-filters"], tab.ts)
    content = audit.content(AUDIT, program, parts, html, tab.ts, filters, top)
    return HTMLResponse(page("Audit log", content, **shell(signed, program, tab)))


async def load_more(request: Request, kind: Timeline = AUDIT) -> Response:
    """POST /p/{slug}/audit/more: the next older page, as a new live region of the tab."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    tab = await posted_tab(signed, form)
    program = await program_by_slug(signed, request.path_params["slug"])
    extra = kind.backend_filters(kind.filters_from(form))
    older = audit.older_region(kind, program, form, extra)
    if older is None:
        return live_forms.form_answer("<p role='alert'>Nothing more to load.</p>", 400)
    html = (await tab.open([older]))[older.name]
    value = tab.client.local_result(older.path, older.args)
    page_html = region(older.name, html, tab.ts)
    return JSONResponse(audit.more_answer(kind, program, value, page_html, form))


ROUTES = [
    Route("/p/{slug}/audit", audit_page, methods=["GET"]),
    Route("/p/{slug}/audit/more", load_more, methods=["POST"]),
]
