"""The request pipeline's results, in the reference's order: who is signed in (and their token),
then the program a URL names. Routes ask for exactly what they need."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request

from foundry.client import HttpClient
from foundry.client.errors import FunctionError
from foundry.web.backend import AuthFailed
from foundry.web.live import Region, Tab, Tabs
from foundry.web.sessions import COOKIE, SessionStore, WebSession


class SignInRequired(Exception):
    """No valid session: the caller should redirect to /login."""


class CsrfFailed(Exception):
    """A post without the session's CSRF token."""


@dataclass
class Signed:
    """A signed-in request: the session, the user and the active organisation."""

    request: Request
    session: WebSession
    chrome: Markup | None = None

    @property
    def store(self) -> SessionStore:
        """The process's session store."""
        store: SessionStore = self.request.app.state.sessions
        return store

    @property
    def tabs(self) -> Tabs:
        """The process's open tabs."""
        tabs: Tabs = self.request.app.state.tabs
        return tabs

    @property
    def org_id(self) -> str | None:
        """The active organisation."""
        return self.session.org_id

    async def token(self) -> str:
        """A valid access token for this user."""
        return await self.store.access_token(self.session)

    async def backend(self) -> HttpClient:
        """A backend HTTP client acting as this user, over the process's connection pool."""
        return backend_client(self.request, await self.token())

    async def query(self, path: str, **args: Any) -> Any:
        """A one-off query as this user (for data that is not shown live)."""
        return await (await self.backend()).query(path, args)

    async def open_tab(
        self, program: dict[str, Any] | None, regions: list[Region]
    ) -> tuple[Tab, dict[str, str]]:
        """Open this page's tab: its regions plus the header's (bell, and presence on programs)."""
        from foundry.web.ui import chrome

        path = self.request.url.path
        extra = [] if self.org_id is None else [chrome.bell_region(self.org_id)]
        if program is not None:
            extra.append(chrome.presence_region(program, path, self.session.user))
        tab, html = await self.tabs.open(self.token, [*regions, *extra])
        if program is not None:
            await chrome.enter_presence(tab, program, path)
        theme = chrome.theme_from(dict(self.request.cookies))
        self.chrome = chrome.header_widgets(self.session.csrf, theme, html, tab.ts, program, path)
        return tab, html

    def shell(self) -> dict[str, Any]:
        """What the page shell needs."""
        from foundry.web.ui import chrome

        return {
            "user": self.session.user,
            "csrf": self.session.csrf,
            "theme": chrome.theme_from(dict(self.request.cookies)),
            "chrome": self.chrome,
            "path": self.request.url.path,
        }


def backend_client(request: Request, token: str | None) -> HttpClient:
    """A backend HTTP client as `token` (None: anonymous) over the web process's shared pool,
    so one-off calls reuse kept-alive connections instead of opening one each."""
    return HttpClient(request.app.state.backend_url, token, http=request.app.state.http)


async def signed_in(request: Request) -> Signed:
    """The signed-in session of this request, with a fresh token; SignInRequired otherwise."""
    store: SessionStore = request.app.state.sessions
    session = store.from_cookie(request.cookies.get(COOKIE))
    if session is None:
        raise SignInRequired
    try:
        await store.access_token(session)
    except AuthFailed:
        raise SignInRequired from None
    return Signed(request, session)


async def checked_form(request: Request, signed: Signed | None) -> FormData:
    """The posted form, after checking its CSRF token against the session's."""
    form = await request.form()
    sent = request.headers.get("x-csrf-token") or str(form.get("csrf") or "")
    expected = (
        signed.session.csrf if signed is not None else request.cookies.get("foundry_csrf", "")
    )
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed
    return form


async def program_by_slug(signed: Signed, slug: str) -> dict[str, Any]:
    """The program a URL names in the active organisation (a FunctionError if there is none)."""
    program = await signed.query("programs:get_by_slug", orgId=signed.org_id, slug=slug)
    if program is None:
        raise FunctionError("Not found, or you do not have access to it.", {"slug": slug})
    return dict(program)


class TabExpired(Exception):
    """A live form came from a tab this process no longer has (it restarted, or the page was
    away too long), or from a tab showing another page: the answer asks for a reload."""


async def posted_tab(signed: Signed, form: Mapping[str, Any]) -> Tab:
    """The tab a live form was posted from; TabExpired when this process no longer has it.

    A plain post (scripts off) has no event stream keeping its page's tab alive, so when that
    tab is gone the post runs through a fresh one; its answer is a redirect back anyway.
    """
    tab = signed.tabs.get(str(form.get("tab", "")))
    if tab is not None:
        return tab
    if "x-live-form" in signed.request.headers:
        raise TabExpired
    tab, _ = await signed.tabs.open(signed.token, [])
    return tab


async def program_post(request: Request) -> tuple[Signed, FormData, dict[str, Any], Tab]:
    """A live form posted on a program page: the session, the checked form, the program the
    URL's slug names and the tab the form came from."""
    signed = await signed_in(request)
    form = await checked_form(request, signed)
    program = await program_by_slug(signed, request.path_params["slug"])
    return signed, form, program, await posted_tab(signed, form)


async def program_workstreams(signed: Signed, program: dict[str, Any]) -> list[dict[str, Any]]:
    """The program's workstreams in display order (for choices that are read once a page)."""
    listing = await signed.query("workstreams:list", programId=program["_id"], numItems=100)
    return list(listing["page"])
