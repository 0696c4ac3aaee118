"""Signing in brings the user back to the page they asked for; the user menu in the header."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from foundry.app.seed.acme_data import DEMO_LOGIN
from tests.web.conftest import Stack
from tests.web.test_workstreams import SLUG

pytestmark = pytest.mark.browser


def log_in(page: Page) -> None:
    page.fill("input[name=email]", DEMO_LOGIN["email"])
    page.fill("input[name=password]", DEMO_LOGIN["password"])
    page.click("button[type=submit]")


def test_a_signed_out_visit_returns_to_its_page_after_log_in(
    browser: Browser, stack: Stack
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{stack.web_url}/p/{SLUG}/risks?status=open")
        assert "/login?next=" in page.url
        page.fill("input[name=password]", "not the password")
        page.fill("input[name=email]", DEMO_LOGIN["email"])
        page.click("button[type=submit]")
        expect(page.locator(".field-error")).to_be_visible()
        log_in(page)  # a failed attempt keeps where to go afterwards
        page.wait_for_url(f"{stack.web_url}/p/{SLUG}/risks?status=open")
        expect(page.locator("h1")).to_have_text("Risks")
    finally:
        context.close()


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_site(browser: Browser, stack: Stack, target: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{stack.web_url}/login?next={target}")
        log_in(page)
        page.wait_for_url(f"{stack.web_url}/")
    finally:
        context.close()


def test_user_menu_leads_to_account_pages_and_logs_out(demo: Page, stack: Stack) -> None:
    menu = demo.locator("details.user-menu")
    menu.locator("summary").click()
    menu.get_by_role("link", name="API tokens").click()
    demo.wait_for_url(f"{stack.web_url}/settings/tokens")
    demo.locator("details.user-menu summary").click()
    demo.get_by_role("button", name="Log out").click()
    demo.wait_for_url(f"{stack.web_url}/login")
    demo.goto(f"{stack.web_url}/settings/tokens")
    assert "/login?next=%2Fsettings%2Ftokens" in demo.url
