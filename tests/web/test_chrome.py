"""The shared chrome in a real browser: palette, live bell, presence, theme and shortcuts."""

from __future__ import annotations

import re
import secrets

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from foundry.client import SyncHttpClient
from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_workstreams import SLUG, axe_violations, backend

pytestmark = pytest.mark.browser
NOTIFICATIONS = "/notifications"
PROGRAM_NOTIFICATIONS = f"/p/{SLUG}/notifications"


def colleague(stack: Stack) -> tuple[str, str, str]:
    """A new member of the demo organisation (invited by the demo user): name, email, password."""
    client, program = backend(stack)
    suffix = secrets.token_hex(3)
    name, email, password = (
        f"Colleague {suffix}",
        f"colleague-{suffix}@acmecorp.example",
        "pw-" + suffix * 3,
    )
    with client:
        invitation = client.action(
            "accounts/invitations:create",
            {"orgId": program["orgId"], "email": email, "role": "member"},
        )
    signup = httpx.post(
        stack.backend_url + "/auth/signup",
        json={
            "email": email,
            "password": password,
            "name": name,
            "invitation": invitation["token"],
        },
        timeout=10,
    )
    signup.raise_for_status()
    return name, email, password


def as_user(stack: Stack, email: str, password: str) -> SyncHttpClient:
    """A backend client signed in as `email`."""
    login = httpx.post(
        stack.backend_url + "/auth/login", json={"email": email, "password": password}, timeout=10
    )
    login.raise_for_status()
    return SyncHttpClient(stack.backend_url, login.json()["accessToken"])


def test_ctrl_k_searches_and_enter_opens_the_requirement(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + NOTIFICATIONS)
    demo.locator("h1").click()
    demo.keyboard.press("Control+k")
    dialog = demo.get_by_role("dialog", name="Search")
    expect(dialog).to_be_visible()
    expect(demo.locator("#palette-input")).to_be_focused()
    assert dialog.get_attribute("aria-modal") == "true"
    # Typing is slow on a busy machine: wait for the answer to the whole word, not a prefix's.
    with demo.expect_response(lambda r: "/search?q=pricing" in r.url, timeout=10000):
        demo.keyboard.type("pricing")
    expect(demo.locator(".palette-status")).to_contain_text("results")
    first = demo.locator("#palette-results [role=option]").first
    expect(first).to_be_visible(timeout=5000)
    expect(demo.locator("#palette-results")).to_contain_text(re.compile("pricing", re.I))
    href = first.get_attribute("data-href") or ""
    assert href.startswith(f"/p/{SLUG}/"), href
    screenshot(demo, "chrome-palette")
    # Focus stays in the dialog, Esc closes it, and Ctrl+K opens it again.
    for _ in range(4):
        demo.keyboard.press("Tab")
    assert demo.evaluate("document.getElementById('palette').contains(document.activeElement)")
    demo.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    demo.keyboard.press("Control+k")
    expect(first).to_be_visible()
    href = first.get_attribute("data-href") or ""  # the list is settled: nothing is typed now
    assert href.startswith(f"/p/{SLUG}/"), href
    demo.locator("#palette-input").press("Enter")
    demo.wait_for_url(re.compile(re.escape(stack.web_url + href.split("#")[0])), timeout=10000)


def test_the_bell_counts_a_reply_live_and_mark_all_read_clears_it(demo: Page, stack: Stack) -> None:
    _, email, password = colleague(stack)
    client, program = backend(stack)
    with client:
        requirement = client.query(
            "requirements:list", {"programId": program["_id"], "numItems": 1}
        )
        entity = requirement["page"][0]["_id"]
        parent = client.mutation(
            "comments:create",
            {"entityType": "requirement", "entityId": entity, "content": "Who owns this?"},
        )
    demo.goto(stack.web_url + NOTIFICATIONS)
    demo.evaluate("window.notReloaded = true")
    bell = demo.locator("[data-region=chrome-bell] .bell")
    before = int(re.sub(r"\D", "", bell.get_attribute("aria-label") or "") or 0)
    reply = f"I do, {secrets.token_hex(3)}"
    with as_user(stack, email, password) as them:
        them.mutation(
            "comments:create",
            {"entityType": "requirement", "entityId": entity, "content": reply, "parentId": parent},
        )
    expect(bell).to_have_attribute(
        "aria-label", f"Notifications, {before + 1} unread", timeout=5000
    )
    expect(demo.locator("[data-region=notifications-list]")).to_contain_text(reply, timeout=5000)
    screenshot(demo, "chrome-notifications")
    demo.get_by_role("button", name="Mark all read").click()
    expect(bell).to_have_attribute("aria-label", "Notifications, 0 unread", timeout=5000)
    assert demo.evaluate("window.notReloaded") is True


def test_presence_shows_the_other_browsers_user(browser: Browser, stack: Stack) -> None:
    name, email, password = colleague(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack, email, password)
    mine.goto(stack.web_url + PROGRAM_NOTIFICATIONS)
    theirs.goto(stack.web_url + PROGRAM_NOTIFICATIONS)
    expect(mine.locator("[data-region=chrome-presence]")).to_contain_text(name, timeout=5000)
    expect(theirs.locator("[data-region=chrome-presence]")).to_contain_text("Demo", timeout=5000)
    expect(theirs.locator("[data-region=chrome-presence]")).not_to_contain_text(name)
    screenshot(mine, "chrome-presence")
    first.close()
    second.close()


def test_theme_toggle_persists_across_reload(browser: Browser, stack: Stack) -> None:
    context = browser.new_context()
    page = sign_in(context, stack)
    page.goto(stack.web_url + NOTIFICATIONS)
    html = page.locator("html")
    expect(html).to_have_attribute("data-theme", "light")
    page.get_by_role("button", name="Dark theme").click()
    expect(html).to_have_attribute("data-theme", "dark")
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(page.get_by_role("button", name="Dark theme")).to_have_attribute("aria-pressed", "true")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 20, 24)", background
    screenshot(page, "chrome-dark")
    context.close()


def test_question_mark_lists_the_shortcuts(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + PROGRAM_NOTIFICATIONS)
    demo.locator("h1").click()
    demo.keyboard.press("?")
    dialog = demo.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for text in ("Ctrl", "g p", "g r", "g t"):
        expect(dialog).to_contain_text(text.split()[-1])
    demo.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    demo.keyboard.press("g")
    demo.keyboard.press("r")
    demo.wait_for_url(stack.web_url + f"/p/{SLUG}/requirements", timeout=10000)


@pytest.mark.parametrize("path", [NOTIFICATIONS, PROGRAM_NOTIFICATIONS])
def test_notifications_have_no_serious_accessibility_violations(
    demo: Page, stack: Stack, path: str
) -> None:
    demo.goto(stack.web_url + path)
    assert axe_violations(demo, stack) == []
    demo.keyboard.press("Control+k")
    demo.keyboard.type("pricing")
    expect(demo.locator("#palette-results [role=option]").first).to_be_visible(timeout=5000)
    assert axe_violations(demo, stack) == []


def test_chrome_fits_a_phone(browser: Browser, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + PROGRAM_NOTIFICATIONS)
    expect(page.locator("[data-region=chrome-bell]")).to_be_visible()
    page.get_by_role("button", name=re.compile("Search")).click()
    page.keyboard.type("pricing")
    expect(page.locator("#palette-results [role=option]").first).to_be_visible(timeout=5000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the chrome scrolls sideways on a phone ({width}px)"
    screenshot(page, "chrome-phone")
    context.close()
