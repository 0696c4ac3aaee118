"""The activity feed: the program's live stream of what happened, newest first, with paging and
a filter by event type in the URL (`?eventType=…`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.web.context import program_by_slug, signed_in
from foundry.web.pages.audit import load_more, shell
from foundry.web.ui import activity, audit
from foundry.web.ui.activity import ACTIVITY
from foundry.web.ui.shell import page


async def activity_page(request: Request) -> Response:
    """GET /p/{slug}/activity: the newest events (of one type if asked), live; "Load more"."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    query = dict(request.query_params)
    filters = activity.filters_from(query)
    args = audit.first_args(ACTIVITY, program, query, activity.backend_filters(filters))
    parts = audit.head_of(ACTIVITY, program, await signed.query(ACTIVITY.path, **args), args)
    tab, html = await signed.open_tab(program, [parts.head])
    top = activity.filter_form(program, filters)
    content = audit.content(ACTIVITY, program, parts, html, tab.ts, filters, top)
    return HTMLResponse(page("Activity", content, **shell(signed, program, tab)))


async def more_activity(request: Request) -> Response:
    """POST /p/{slug}/activity/more: the next older page of the (filtered) feed, live."""
    return await load_more(request, ACTIVITY)


ROUTES = [
    Route("/p/{slug}/activity", activity_page, methods=["GET"]),
    Route("/p/{slug}/activity/more", more_activity, methods=["POST"]),
]
