"""The web process's routes: each parses its input, calls one piece of feature UI, and answers."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.backend import AuthFailed
from foundry.web.context import Signed, checked_form, program_by_slug, signed_in
from foundry.web.sessions import COOKIE
from foundry.web.ui import auth, programs, requirements
from foundry.web.ui.shell import page, region

PRE_CSRF = "foundry_csrf"
HEARTBEAT_S = 15.0


def _with_pre_csrf(request: Request, render: Any) -> HTMLResponse:
    token = request.cookies.get(PRE_CSRF) or secrets.token_urlsafe(24)
    response = HTMLResponse(render(token))
    response.set_cookie(PRE_CSRF, token, httponly=True, samesite="strict")
    return response


async def login_form(request: Request) -> Response:
    """GET /login."""
    return _with_pre_csrf(request, auth.login_page)


async def login(request: Request) -> Response:
    """POST /login: sign in and start a session."""
    form = await checked_form(request, None)
    email = str(form.get("email", ""))
    try:
        tokens = await request.app.state.sessions.auth.login(email, str(form.get("password", "")))
    except AuthFailed as failed:
        csrf = request.cookies.get(PRE_CSRF, "")
        return HTMLResponse(auth.login_page(csrf, failed.message, email), status_code=401)
    return _start_session(request, tokens)


async def signup_form(request: Request) -> Response:
    """GET /signup."""
    return _with_pre_csrf(request, auth.signup_page)


async def signup(request: Request) -> Response:
    """POST /signup: create the account and sign in."""
    form = await checked_form(request, None)
    values = {k: str(form.get(k, "")) for k in ("name", "email", "orgName")}
    try:
        tokens = await request.app.state.sessions.auth.signup(
            values["email"],
            str(form.get("password", "")),
            values["name"],
            values["orgName"] or None,
        )
    except AuthFailed as failed:
        csrf = request.cookies.get(PRE_CSRF, "")
        html = auth.signup_page(csrf, failed.message, failed.field, values)
        return HTMLResponse(html, status_code=400)
    return _start_session(request, tokens)


def _start_session(request: Request, tokens: dict[str, Any]) -> Response:
    store = request.app.state.sessions
    session = store.start(tokens)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, store.cookie_value(session), httponly=True, samesite="lax")
    response.delete_cookie(PRE_CSRF)
    return response


async def logout(request: Request) -> Response:
    """POST /logout."""
    signed = await signed_in(request)
    await checked_form(request, signed)
    try:
        await signed.store.auth.logout(signed.session.refresh_token)
    finally:
        signed.store.end(signed.session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


async def home(request: Request) -> Response:
    """GET /: the organisation's programs, live."""
    signed = await signed_in(request)
    if signed.org_id is None:
        return HTMLResponse(
            page("Programs", "<p>You do not belong to an organisation yet.</p>", **signed.shell())
        )
    tab, html = await signed.tabs.open(signed.token, [programs.programs_region(signed.org_id)])
    content = region("programs", html["programs"], tab.ts) + programs.new_program_form(
        signed.session.csrf, tab.id
    )
    return HTMLResponse(page("Programs", content, tab_id=tab.id, **signed.shell()))


async def create_program(request: Request) -> Response:
    """POST /programs (live form)."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    values = {k: str(form.get(k, "")).strip() for k in ("name", "clientName")}
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is None:
        return live_forms.form_answer("<p role='alert'>This page expired; reload it.</p>", 409)
    try:
        await tab.client.mutation("programs:create", {"orgId": signed.org_id, **values})
    except FunctionError as error:
        html = programs.new_program_form(
            signed.session.csrf, tab.id, error.message, live_forms.error_field(error.data), values
        )
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, ["programs"])


async def requirements_page(request: Request) -> Response:
    """GET /p/{slug}/requirements: the filtered requirements table, live."""
    signed = await signed_in(request)
    program = await program_by_slug(signed, request.path_params["slug"])
    filters = requirements.filters_from(dict(request.query_params))
    tab, html = await signed.tabs.open(signed.token, [requirements.table_region(program, filters)])
    content = (
        requirements.filters_form(program, filters)
        + requirements.create_form(program, signed.session.csrf, tab.id)
        + region("requirements-table", html["requirements-table"], tab.ts)
    )
    crumbs = [("Programs", "/"), (program["name"], f"/p/{program['slug']}/requirements")]
    shell = {**signed.shell(), "program": program, "breadcrumbs": crumbs, "tab_id": tab.id}
    return HTMLResponse(page("Requirements", content, **shell))


async def create_requirement(request: Request) -> Response:
    """POST /p/{slug}/requirements (live form)."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    values = {k: str(form.get(k, "")).strip() for k in ("title", "priority", "fitGap")}
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is None:
        return live_forms.form_answer("<p role='alert'>This page expired; reload it.</p>", 409)
    try:
        await tab.client.mutation("requirements:create", {"programId": program["_id"], **values})
    except FunctionError as error:
        field = live_forms.error_field(error.data)
        html = requirements.create_form(
            program, signed.session.csrf, tab.id, error.message, field, values
        )
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, ["requirements-table"])


async def live_stream(request: Request) -> Response:
    """GET /live/{tab}: the tab's region updates as server-sent events."""
    tab = request.app.state.tabs.get(request.path_params["tab"])
    if tab is None:
        return StreamingResponse(
            iter([b"event: reload\ndata: {}\n\n"]), media_type="text/event-stream"
        )

    async def events() -> Any:
        tab.streams += 1
        try:
            yield b"retry: 1000\n\n"
            while True:
                try:
                    async with asyncio.timeout(HEARTBEAT_S):
                        update = await tab.updates.get()
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                data = orjson.dumps({"region": update.region, "ts": update.ts, "html": update.html})
                yield b"event: region\ndata: " + data + b"\n\n"
        finally:
            tab.streams -= 1

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


def sign_in_redirect(request: Request) -> Response:
    """Where a request without a session goes."""
    return RedirectResponse("/login", status_code=303)


def signed_shell(signed: Signed) -> dict[str, Any]:
    """The shell context of a signed-in page."""
    return signed.shell()
