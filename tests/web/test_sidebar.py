"""The grouped sidebar: the reference's groups, the current page marked, folded on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_workstreams import SLUG

pytestmark = pytest.mark.browser


def test_groups_mark_the_current_page(demo: Page, stack: Stack) -> None:
    demo.goto(f"{stack.web_url}/p/{SLUG}/risks")
    sidebar = demo.get_by_role("navigation", name="Main")
    expect(sidebar.get_by_role("list", name="Knowledge")).to_contain_text("Risks")
    expect(sidebar.get_by_role("list", name="Plan")).to_contain_text("Requirements")
    current = sidebar.locator("[aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_text("Risks")
    sidebar.get_by_role("link", name="Requirements").click()
    demo.wait_for_url(f"{stack.web_url}/p/{SLUG}/requirements")
    expect(sidebar.locator("[aria-current=page]")).to_have_text("Requirements")


def test_programs_list_shows_no_program_entries(demo: Page, stack: Stack) -> None:
    sidebar = demo.get_by_role("navigation", name="Main")
    expect(sidebar.get_by_role("link", name="Programs")).to_have_attribute("aria-current", "page")
    expect(sidebar.get_by_role("link", name="Requirements")).to_have_count(0)


def test_phone_folds_the_sidebar_behind_the_menu_button(browser: Browser, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = sign_in(context, stack)
        page.goto(f"{stack.web_url}/p/{SLUG}/tasks")
        menu = page.get_by_role("button", name="Menu")
        sidebar = page.locator("#sidebar")
        expect(sidebar).to_be_hidden()
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(sidebar).to_be_visible()
        screenshot(page, "sidebar-phone-open")
        sidebar.get_by_role("link", name="Risks").click()
        page.wait_for_url(f"{stack.web_url}/p/{SLUG}/risks")
        expect(page.locator("#sidebar")).to_be_hidden()
    finally:
        context.close()
