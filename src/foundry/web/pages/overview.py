"""The program overview (mission control)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from foundry.web.context import program_by_slug, signed_in
from foundry.web.ui import overview
from foundry.web.ui.shell import heading_region, live_heading, page, program_shell


async def overview_page(request: Request) -> Response:
    """GET /p/{slug}: KPIs, pipeline, workstream health, attention and activity, all live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    heading = heading_region("programs:get", {"programId": program["_id"]}, lambda p: p["name"])
    tab, html = await signed.open_tab(program, [*overview.regions(program), heading])
    shell = program_shell(signed.shell(), program, tab.id)
    content = overview.dashboard(program, html, tab.ts)
    return HTMLResponse(page(program["name"], content, **shell, **live_heading(tab)))


ROUTES = [Route("/p/{slug}", overview_page, methods=["GET"])]
