"""The cross-cutting routes: palette search, notifications, and the theme."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.context import Signed, checked_form, posted_tab, program_by_slug, signed_in
from foundry.web.ui import chrome, notifications
from foundry.web.ui.shell import page, region

SEARCH_LIMIT = 12


def result_href(result: dict[str, Any], slug: str) -> str:
    """Where a palette result opens: the requirement's row, the task's page, or the program."""
    base = f"/p/{quote(slug)}"
    if result.get("table") == "requirements" and result.get("refId"):
        return f"{base}/requirements#req-{quote(str(result['refId']))}"
    if result.get("table") == "tasks":
        return f"{base}/tasks/{quote(str(result['id']))}"
    if result.get("table") == "comments" and result.get("entityType") == "task":
        return f"{base}/tasks/{quote(str(result['entityId']))}"
    return base


async def search(request: Request) -> Response:
    """GET /search?q=…[&program=id]: the palette's results as JSON, with where each opens."""
    signed = await signed_in(request)
    text = request.query_params.get("q", "").strip()[:200]
    if not text:
        return JSONResponse({"results": []})
    args = {"orgId": signed.org_id, "text": text, "limit": SEARCH_LIMIT}
    if request.query_params.get("program"):
        args["programId"] = request.query_params["program"]
    try:
        found = await signed.query("search:global", **args)
    except FunctionError as error:
        return JSONResponse({"results": [], "error": error.message}, status_code=400)
    slugs = {p["_id"]: p["slug"] for p in await signed.query("programs:list", orgId=signed.org_id)}
    results = [
        {
            **{k: r.get(k) for k in ("table", "title", "snippet", "refId")},
            "href": result_href(r, slugs[r["programId"]]),
        }
        for r in found
        if r.get("programId") in slugs
    ]
    return JSONResponse({"results": results})


async def notifications_view(
    request: Request, signed: Signed, program: dict[str, Any] | None
) -> Response:
    """The notifications page, with the chrome's widgets (and presence on a program's page)."""
    user, org_id = signed.session.user, str(signed.org_id)
    path = request.url.path
    regions = [chrome.bell_region(org_id), notifications.list_region(org_id, None)]
    if program is not None:
        regions[1] = notifications.list_region(org_id, program["_id"])
        regions.append(chrome.presence_region(program, path, user))
    tab, html = await signed.tabs.open(signed.token, regions)
    if program is not None:
        await chrome.enter_presence(tab, program, path)
    theme = chrome.theme_from(dict(request.cookies))
    content = (
        chrome.header_widgets(signed.session.csrf, theme, html, tab.ts, program, path)
        + notifications.mark_all_form("/notifications/read-all", signed.session.csrf, tab.id)
        + region(notifications.LIST, html[notifications.LIST], tab.ts)
    )
    shell = {**signed.shell(), "program": program, "tab_id": tab.id, "theme": theme}
    return HTMLResponse(page("Notifications", content, **shell))


async def notifications_page(request: Request) -> Response:
    """GET /notifications: the caller's notifications, live, with the "mark all read" form."""
    signed = await signed_in(request)
    return await notifications_view(request, signed, None)


async def program_notifications_page(request: Request) -> Response:
    """GET /p/{slug}/notifications: the caller's notifications about one program, with presence."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    return await notifications_view(request, signed, program)


async def mark_all_read(request: Request) -> Response:
    """POST /notifications/read-all (live form): answers with the list and the bell."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    tab = await posted_tab(signed, form)
    try:
        await tab.client.mutation("notifications:mark_all_read", {"orgId": signed.org_id})
    except FunctionError as error:
        return live_forms.form_answer(f"<p role='alert'>{escape(error.message)}</p>")
    return live_forms.regions_answer(tab, [notifications.LIST, chrome.BELL])


async def set_theme(request: Request) -> Response:
    """POST /theme: remember the light or dark theme in a cookie, then go back."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    theme = "dark" if form.get("theme") == "dark" else "light"
    back = str(form.get("back") or "/")
    back = back if back.startswith("/") and not back.startswith("//") else "/"
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(chrome.THEME_COOKIE, theme, max_age=365 * 86400, samesite="lax")
    return response


ROUTES = [
    Route("/search", search, methods=["GET"]),
    Route("/notifications", notifications_page, methods=["GET"]),
    Route("/notifications/read-all", mark_all_read, methods=["POST"]),
    Route("/p/{slug}/notifications", program_notifications_page, methods=["GET"]),
    Route("/theme", set_theme, methods=["POST"]),
]
