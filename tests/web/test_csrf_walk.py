"""Every form post of the web process refuses a request without its CSRF token, before it
reads or writes anything: the walk covers each POST route the app serves, so a new page that
forgets the check fails here."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.routing import Route

from foundry.app.seed.acme_data import DEMO_LOGIN
from foundry.web.app import page_routes
from tests.web.conftest import Stack
from tests.web.test_workstreams import SLUG

pytestmark = pytest.mark.browser

POST_ROUTES = sorted(
    r.path for r in page_routes() if isinstance(r, Route) and "POST" in (r.methods or ())
)


def signed_in_client(stack: Stack) -> httpx.Client:
    client = httpx.Client(base_url=stack.web_url, timeout=10, follow_redirects=False)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    answer = client.post("/login", data={"csrf": csrf.group(1), **DEMO_LOGIN})
    assert answer.status_code == 303, answer.text
    return client


def concrete(path: str) -> str:
    """A URL for a route pattern: the demo program's slug, made-up ids elsewhere."""
    return re.sub(r"\{(\w+)\}", lambda m: SLUG if m.group(1) == "slug" else "x1", path)


def test_the_walk_sees_the_forms() -> None:
    assert len(POST_ROUTES) > 40, POST_ROUTES
    assert "/p/{slug}/requirements/bulk" in POST_ROUTES


def test_every_post_without_its_csrf_token_is_refused(stack: Stack) -> None:
    client = signed_in_client(stack)
    session_cookies = dict(client.cookies)
    accepted = []
    try:
        for path in POST_ROUTES:
            client.cookies.clear()
            client.cookies.update(session_cookies)
            answer = client.post(concrete(path), data={"tab": "t", "title": "x"})
            if answer.status_code != 403:
                accepted.append(f"{path} → {answer.status_code}")
    finally:
        client.close()
    assert accepted == []


def test_every_post_from_a_forgotten_tab_asks_for_a_reload_and_never_fails(stack: Stack) -> None:
    client = signed_in_client(stack)
    try:
        page = client.get(f"/p/{SLUG}/risks").text
        csrf = re.search(r'data-csrf="([^"]+)"', page)
        assert csrf is not None
        headers = {"X-CSRF-Token": csrf.group(1), "X-Live-Form": "1"}
        crashed, expired = [], 0
        for path in POST_ROUTES:
            if path == "/logout":
                continue
            answer = client.post(concrete(path), data={"tab": "gone"}, headers=headers)
            if answer.status_code >= 500:
                crashed.append(f"{path} → {answer.status_code}")
            if answer.status_code == 409 and "expired" in answer.text:
                expired += 1
    finally:
        client.close()
    assert crashed == []
    assert expired >= 70  # most forms reach the tab check; the rest stop at their own lookups
