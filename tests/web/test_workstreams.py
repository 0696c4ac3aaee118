"""Workstreams in a real browser: RAG cards that cycle in place and live in a second browser."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from foundry.app.seed.acme_data import DEMO_LOGIN
from foundry.client import SyncHttpClient
from tests.web.conftest import Stack, screenshot, sign_in

pytestmark = pytest.mark.browser
SLUG = "acmecorp-migration"
WORKSTREAMS = f"/p/{SLUG}/workstreams"
AXE = (
    Path(__file__).resolve().parents[2] / "src/foundry/web/assets/node_modules/axe-core/axe.min.js"
)


def backend(stack: Stack) -> tuple[SyncHttpClient, dict[str, Any]]:
    """A backend client signed in as the demo user, and the demo program."""
    login = httpx.post(
        stack.backend_url + "/auth/login",
        json={"email": DEMO_LOGIN["email"], "password": DEMO_LOGIN["password"]},
        timeout=10,
    )
    login.raise_for_status()
    body = login.json()
    client = SyncHttpClient(stack.backend_url, body["accessToken"])
    program = client.query("programs:get_by_slug", {"orgId": body["orgId"], "slug": SLUG})
    return client, program


def new_workstream(stack: Stack) -> str:
    """A workstream of the demo program that only this test touches; its short code."""
    client, program = backend(stack)
    code = "T" + secrets.token_hex(2).upper()
    with client:
        client.mutation(
            "workstreams:create",
            {"programId": program["_id"], "name": f"Cycle check {code}", "shortCode": code},
        )
    return code


def axe_violations(page: Page, stack: Stack) -> list[str]:
    """The ids of serious or critical axe violations on the page."""
    assert AXE.exists(), "axe-core comes from npm (scripts/setup installs it)"
    page.add_script_tag(url=stack.web_url + "/assets/axe-core/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_cycling_a_status_shows_at_once_and_in_another_browser(
    browser: Browser, stack: Stack
) -> None:
    code = new_workstream(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + WORKSTREAMS)
    theirs.goto(stack.web_url + WORKSTREAMS)
    theirs.evaluate("window.notReloaded = true")
    my_button = mine.locator(f"[data-workstream={code}] button.rag")
    their_button = theirs.locator(f"[data-workstream={code}] button.rag")
    expect(their_button).to_contain_text("On track")
    my_button.click()
    expect(my_button).to_contain_text("At risk", timeout=3000)
    expect(their_button).to_contain_text("At risk", timeout=5000)
    my_button.click()
    expect(their_button).to_contain_text("Blocked", timeout=5000)
    expect(theirs.locator(f"[data-workstream={code}] button.rag-blocked")).to_be_visible()
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(theirs, "workstreams-live")
    first.close()
    second.close()


def test_detail_shows_requirements_and_tasks_and_cycles_live(
    browser: Browser, stack: Stack
) -> None:
    code = new_workstream(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + f"{WORKSTREAMS}/{code}")
    theirs.goto(stack.web_url + WORKSTREAMS)
    expect(mine.locator("h1")).to_have_text(f"Cycle check {code}")
    expect(mine.locator("[data-region=workstream-requirements]")).to_contain_text(
        "No requirements in this workstream"
    )
    mine.locator("[data-region=workstream-summary] button.rag").click()
    expect(mine.locator("[data-region=workstream-summary] button.rag")).to_contain_text("At risk")
    expect(theirs.locator(f"[data-workstream={code}] button.rag")).to_contain_text(
        "At risk", timeout=5000
    )
    mine.goto(stack.web_url + f"{WORKSTREAMS}/WS1")
    expect(mine.locator("[data-region=workstream-requirements] tbody tr").first).to_contain_text(
        "REQ-"
    )
    expect(mine.locator("[data-region=workstream-tasks] caption")).to_contain_text("tasks")
    screenshot(mine, "workstream-detail")
    first.close()
    second.close()


def test_a_refused_change_is_shown_in_the_form(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + WORKSTREAMS)
    form = demo.locator("[data-workstream=WS3] form.status-form")
    form.locator("input[name=workstreamId]").evaluate("input => { input.value = 'not-an-id'; }")
    form.locator("button").click()
    expect(form.get_by_role("alert")).to_contain_text("workstreamId", timeout=3000)
    expect(demo.locator("[data-workstream=WS2] button.rag")).to_be_visible()  # the rest stays


def test_an_unknown_workstream_is_not_found(demo: Page, stack: Stack) -> None:
    response = demo.goto(stack.web_url + f"{WORKSTREAMS}/NOPE99")
    assert response is not None and response.status == 404


@pytest.mark.parametrize("path", [WORKSTREAMS, f"{WORKSTREAMS}/WS1"])
def test_workstream_pages_have_no_serious_accessibility_violations(
    demo: Page, stack: Stack, path: str
) -> None:
    demo.goto(stack.web_url + path)
    assert axe_violations(demo, stack) == []


@pytest.mark.parametrize("path", [WORKSTREAMS, f"{WORKSTREAMS}/WS1"])
def test_workstream_pages_fit_a_phone(browser: Browser, stack: Stack, path: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + path)
    expect(page.locator("button.rag").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
    screenshot(page, "workstreams-phone" if path == WORKSTREAMS else "workstream-detail-phone")
    context.close()
