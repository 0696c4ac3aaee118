"""Account surfaces: organisation settings and invitations, API tokens, the organisation
switcher, and the page an invitation link opens."""

from __future__ import annotations

import json
import secrets
from typing import Any

from markupsafe import escape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from foundry.client.errors import FunctionError
from foundry.web import live_forms
from foundry.web.backend import AuthFailed
from foundry.web.context import (
    Signed,
    SignInRequired,
    backend_client,
    checked_form,
    posted_tab,
    signed_in,
)
from foundry.web.live import Tab
from foundry.web.live_forms import FormContext
from foundry.web.sessions import COOKIE
from foundry.web.ui import account
from foundry.web.ui.shell import page

PRE_CSRF = "foundry_csrf"
NO_ORG = "<p>You do not belong to an organisation yet.</p>"


async def _posted(request: Request) -> tuple[Signed, FormData, Tab, FormContext]:
    """A live-form post's session, form, tab and the form context to re-render with."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    tab = await posted_tab(signed, form)
    return signed, form, tab, FormContext(signed.session.csrf, tab.id if tab else "")


def _answer(tab: Tab, form_html: str, names: list[str]) -> JSONResponse:
    """A successful live-form answer that also replaces the form (to show a secret once)."""
    answer = live_forms.regions_answer(tab, names)
    regions = json.loads(bytes(answer.body))["regions"]
    return JSONResponse({"ok": True, "form": form_html, "regions": regions})


def _shell(signed: Signed, tab_id: str | None, *crumbs: tuple[str, str]) -> dict[str, Any]:
    return {**signed.shell(), "tab_id": tab_id, "breadcrumbs": [("Programs", "/"), *crumbs]}


async def org_settings(request: Request) -> Response:
    """GET /settings/org: the organisation's name, members and invitations, live."""
    signed = await signed_in(request)
    if signed.org_id is None:
        return HTMLResponse(page("Organisation", NO_ORG, **signed.shell()))
    forms, me = FormContext(signed.session.csrf), signed.session.user.get("_id", "")
    regions = [
        account.org_name_region(signed.org_id, forms),
        account.members_region(signed.org_id, me, forms),
        account.invitations_region(signed.org_id, forms),
    ]
    tab, _ = await signed.open_tab(None, regions)
    forms.tab_id = tab.id
    shell = _shell(signed, tab.id, ("Organisation", "/settings/org"))
    return HTMLResponse(page("Organisation settings", account.org_page(tab, forms), **shell))


async def rename_org(request: Request) -> Response:
    """POST /settings/org (live form): rename the organisation."""
    signed, form, tab, forms = await _posted(request)
    name = str(form.get("name", ""))
    try:
        await tab.client.mutation("accounts/orgs:rename", {"orgId": signed.org_id, "name": name})
    except FunctionError as error:
        org = {"role": "admin"}
        return live_forms.form_answer(account.rename_form(forms, org, error.message, name))
    return live_forms.regions_answer(tab, [account.ORG_NAME])


async def set_member_role(request: Request) -> Response:
    """POST /settings/org/members/role (live form): change a member's organisation role."""
    signed, form, tab, forms = await _posted(request)
    user_id, role = str(form.get("userId", "")), str(form.get("role", ""))
    args = {"orgId": signed.org_id, "userId": user_id, "role": role}
    try:
        await tab.client.mutation("accounts/orgs:set_role", args)
    except FunctionError as error:
        html = account.role_fields(forms, user_id, role, error.message, tab)
        return live_forms.form_answer(html)
    return live_forms.regions_answer(tab, [account.ORG_MEMBERS])


async def remove_member(request: Request) -> Response:
    """POST /settings/org/members/remove (live form): remove a member from the organisation."""
    signed, form, tab, _ = await _posted(request)
    args = {"orgId": signed.org_id, "userId": str(form.get("userId", ""))}
    try:
        await tab.client.mutation("accounts/orgs:remove_member", args)
    except FunctionError as error:
        return live_forms.form_answer(account.notice(error.message))
    return live_forms.regions_answer(tab, [account.ORG_MEMBERS])


async def create_invitation(request: Request) -> Response:
    """POST /settings/org/invitations (live form): create an invitation link, shown once."""
    signed, form, tab, forms = await _posted(request)
    values = {k: str(form.get(k, "")).strip() for k in ("email", "role")}
    try:
        made = await tab.client.action(
            "accounts/invitations:create", {"orgId": signed.org_id, **values}
        )
    except FunctionError as error:
        field = live_forms.error_field(error.data)
        return live_forms.form_answer(account.invite_form(forms, error.message, field, values))
    await account.wait_for(tab, account.INVITATIONS, account.has_row("_id", made["invitationId"]))
    link = f"{str(request.base_url).rstrip('/')}/invite/{made['token']}"
    return _answer(tab, account.invite_form(forms, link=link), [account.INVITATIONS])


async def revoke_invitation(request: Request) -> Response:
    """POST /settings/org/invitations/revoke (live form): revoke a pending invitation."""
    _, form, tab, _ = await _posted(request)
    invitation_id = str(form.get("invitationId", ""))
    try:
        await tab.client.mutation("accounts/invitations:revoke", {"invitationId": invitation_id})
    except FunctionError as error:
        return live_forms.form_answer(account.notice(error.message))
    return live_forms.regions_answer(tab, [account.INVITATIONS])


async def tokens_page(request: Request) -> Response:
    """GET /settings/tokens: the user's personal API tokens, live."""
    signed = await signed_in(request)
    forms = FormContext(signed.session.csrf)
    tab, _ = await signed.open_tab(None, [account.tokens_region(forms)])
    forms.tab_id = tab.id
    shell = _shell(signed, tab.id, ("API tokens", "/settings/tokens"))
    return HTMLResponse(page("API tokens", account.tokens_page(tab, forms), **shell))


async def create_token(request: Request) -> Response:
    """POST /settings/tokens (live form): create a token for the active organisation."""
    signed, form, tab, forms = await _posted(request)
    name = str(form.get("name", ""))
    try:
        made = await tab.client.action(
            "accounts/api_tokens:create", {"orgId": signed.org_id, "name": name}
        )
    except FunctionError as error:
        return live_forms.form_answer(account.token_form(forms, error.message, name))
    await account.wait_for(tab, account.TOKENS, account.has_row("_id", made["tokenId"]))
    created = {"name": name.strip(), "token": made["token"]}
    return _answer(tab, account.token_form(forms, created=created), [account.TOKENS])


async def revoke_token(request: Request) -> Response:
    """POST /settings/tokens/revoke (live form): revoke one of the user's tokens."""
    _, form, tab, _ = await _posted(request)
    try:
        await tab.client.mutation(
            "accounts/api_tokens:revoke", {"tokenId": str(form.get("tokenId", ""))}
        )
    except FunctionError as error:
        return live_forms.form_answer(account.notice(error.message))
    return live_forms.regions_answer(tab, [account.TOKENS])


async def orgs_page(request: Request) -> Response:
    """GET /settings/orgs: the user's organisations to switch between (?fragment=1: bare)."""
    signed = await signed_in(request)
    orgs = await signed.query("accounts/orgs:list_mine")
    if request.query_params.get("fragment"):
        return HTMLResponse(account.org_switcher(orgs, signed.org_id, signed.session.csrf))
    body = account.orgs_page(orgs, signed.org_id, signed.session.csrf)
    shell = _shell(signed, None, ("Organisations", "/settings/orgs"))
    return HTMLResponse(page("Organisations", body, **shell))


async def switch_org(request: Request) -> Response:
    """POST /settings/orgs/switch: act in another of the user's organisations from now on."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    try:
        await signed.store.switch_org(signed.session, str(form.get("orgId", "")))
    except AuthFailed as failed:
        body = f"<p class='field-error' role='alert'>{escape(failed.message)}</p>"
        return HTMLResponse(page("Organisations", body, **signed.shell()), status_code=400)
    return RedirectResponse("/", status_code=303)


async def _invite_view(
    request: Request, signed: Signed | None, status: int = 200, **kw: Any
) -> Response:
    """The invitation page, with a pre-sign-in CSRF cookie when nobody is signed in."""
    token = request.path_params["token"]
    try:  # the link itself is what lets anyone see the offer
        async with backend_client(request, None) as http:
            kw["offer"] = await http.query("accounts/invitations:preview", {"token": token})
    except FunctionError:
        return HTMLResponse(account.invalid_invitation(), status_code=404)
    if signed is not None:
        user, csrf = signed.session.user, signed.session.csrf
        html = account.invite_page(token, signed_in_as=user, csrf=csrf, shell=signed.shell(), **kw)
        return HTMLResponse(html, status_code=status)
    csrf = request.cookies.get(PRE_CSRF) or secrets.token_urlsafe(24)
    response = HTMLResponse(account.invite_page(token, signed_in_as=None, csrf=csrf, **kw), status)
    response.set_cookie(PRE_CSRF, csrf, httponly=True, samesite="strict")
    return response


async def _signed_or_none(request: Request) -> Signed | None:
    try:
        return await signed_in(request)
    except SignInRequired:
        return None


async def invite(request: Request) -> Response:
    """GET /invite/{token}: join (signed in), or log in / sign up here and come back."""
    return await _invite_view(request, await _signed_or_none(request))


async def accept_invite(request: Request) -> Response:
    """POST /invite/{token}: join the organisation and act in it."""
    signed = await signed_in(request)
    await checked_form(request, signed)
    try:
        async with await signed.backend() as http:
            joined = await http.mutation(
                "accounts/invitations:accept", {"token": request.path_params["token"]}
            )
        await signed.store.switch_org(signed.session, joined["orgId"])
    except (FunctionError, AuthFailed) as error:
        return await _invite_view(request, signed, 400, error=str(getattr(error, "message", error)))
    return RedirectResponse("/", status_code=303)


async def invite_login(request: Request) -> Response:
    """POST /invite/{token}/login: sign in, then back to the invitation."""
    form = await checked_form(request, None)
    values = {"email": str(form.get("email", ""))}
    try:
        tokens = await request.app.state.sessions.auth.login(
            values["email"], str(form.get("password", ""))
        )
    except AuthFailed as failed:
        return await _invite_view(
            request, None, 401, error=failed.message, form="login", values=values
        )
    return _back_to_invitation(request, tokens)


async def invite_signup(request: Request) -> Response:
    """POST /invite/{token}/signup: create an account, then back to the invitation."""
    form = await checked_form(request, None)
    values = {k: str(form.get(k, "")) for k in ("name", "email")}
    auth = request.app.state.sessions.auth
    try:
        tokens = await auth.signup(
            values["email"], str(form.get("password", "")), values["name"], None
        )
    except AuthFailed as failed:
        return await _invite_view(
            request, None, 400, error=failed.message, form="signup", values=values
        )
    return _back_to_invitation(request, tokens)


def _back_to_invitation(request: Request, tokens: dict[str, Any]) -> Response:
    store = request.app.state.sessions
    session = store.start(tokens)
    response = RedirectResponse(f"/invite/{request.path_params['token']}", status_code=303)
    response.set_cookie(COOKIE, store.cookie_value(session), httponly=True, samesite="lax")
    response.delete_cookie(PRE_CSRF)
    return response


ROUTES = [
    Route("/settings/org", org_settings, methods=["GET"]),
    Route("/settings/org", rename_org, methods=["POST"]),
    Route("/settings/org/members/role", set_member_role, methods=["POST"]),
    Route("/settings/org/members/remove", remove_member, methods=["POST"]),
    Route("/settings/org/invitations", create_invitation, methods=["POST"]),
    Route("/settings/org/invitations/revoke", revoke_invitation, methods=["POST"]),
    Route("/settings/tokens", tokens_page, methods=["GET"]),
    Route("/settings/tokens", create_token, methods=["POST"]),
    Route("/settings/tokens/revoke", revoke_token, methods=["POST"]),
    Route("/settings/orgs", orgs_page, methods=["GET"]),
    Route("/settings/orgs/switch", switch_org, methods=["POST"]),
    Route("/invite/{token}", invite, methods=["GET"]),
    Route("/invite/{token}", accept_invite, methods=["POST"]),
    Route("/invite/{token}/login", invite_login, methods=["POST"]),
    Route("/invite/{token}/signup", invite_signup, methods=["POST"]),
]
