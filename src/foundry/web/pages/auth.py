"""Sign-in, sign-up and log-out."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from foundry.web.backend import AuthFailed
from foundry.web.context import checked_form, signed_in
from foundry.web.sessions import COOKIE
from foundry.web.ui import auth

PRE_CSRF = "foundry_csrf"


def safe_next(value: object) -> str:
    """Where to go after signing in: a path on this site only, never another origin."""
    path = str(value or "")
    if (
        not path.startswith("/")
        or path.startswith(("//", "/\\"))
        or any(c in path for c in "\r\n\t")
    ):
        return "/"
    return path


def _with_pre_csrf(request: Request, render: Any) -> HTMLResponse:
    token = request.cookies.get(PRE_CSRF) or secrets.token_urlsafe(24)
    response = HTMLResponse(render(token))
    response.set_cookie(PRE_CSRF, token, httponly=True, samesite="strict")
    return response


async def login_form(request: Request) -> Response:
    """GET /login."""
    next_path = safe_next(request.query_params.get("next"))
    return _with_pre_csrf(request, lambda csrf: auth.login_page(csrf, next_path=next_path))


async def login(request: Request) -> Response:
    """POST /login: sign in and start a session."""
    form = await checked_form(request, None)
    email, next_path = str(form.get("email", "")), safe_next(form.get("next"))
    try:
        tokens = await request.app.state.sessions.auth.login(email, str(form.get("password", "")))
    except AuthFailed as failed:
        csrf = request.cookies.get(PRE_CSRF, "")
        html = auth.login_page(csrf, failed.message, email, next_path)
        return HTMLResponse(html, status_code=401)
    return _start_session(request, tokens, next_path)


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


def _start_session(request: Request, tokens: dict[str, Any], next_path: str = "/") -> Response:
    store = request.app.state.sessions
    session = store.start(tokens)
    response = RedirectResponse(next_path, status_code=303)
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


ROUTES = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/signup", signup_form, methods=["GET"]),
    Route("/signup", signup, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
