"""Integrations in a real browser: add, edit, move along the lifecycle and delete; live."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_workstreams import axe_violations

pytestmark = pytest.mark.browser
SLUG = "acmecorp-migration"
INTEGRATIONS = f"/p/{SLUG}/integrations"


def add(page: Page, name: str, source: str = "SAP ERP", target: str = "Storefront") -> None:
    """Fill and send the add-an-integration form."""
    form = page.locator("form.integration-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Type").select_option("webhook")
    form.get_by_label("Source system").fill(source)
    form.get_by_label("Target system").fill(target)
    form.get_by_role("button", name="Add integration").click()


def test_integration_create_edit_status_delete_in_two_browsers(
    browser: Browser, stack: Stack
) -> None:
    name = f"Order feed {secrets.token_hex(3)}"
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + INTEGRATIONS)
    theirs.goto(stack.web_url + INTEGRATIONS)
    theirs.evaluate("window.notReloaded = true")
    add(mine, name)
    their_card = theirs.locator(".integration-card", has_text=name)
    expect(their_card).to_contain_text("SAP ERP", timeout=5000)
    expect(their_card.locator("[data-status]")).to_have_text("Planned")
    expect(their_card.locator("[data-type]")).to_have_text("Webhook")
    card = mine.locator(".integration-card", has_text=name)
    card.locator("select[name=status]").select_option("in_progress")
    card.get_by_role("button", name="Change").click()
    expect(their_card.locator("[data-status]")).to_have_text("In progress", timeout=5000)
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(theirs, "integrations-list")
    # Edit on the detail page: the other browser's list shows the new name.
    card.get_by_role("link", name=name).click()
    expect(mine.locator("h1")).to_have_text(name)
    form = mine.locator("form.integration-form")
    form.get_by_label("Name").fill(name + " v2")
    form.get_by_label("Target system").fill("Commerce Cloud")
    form.get_by_role("button", name="Save changes").click()
    expect(mine.locator(".integration-summary .int-name")).to_have_text(name + " v2", timeout=5000)
    expect(form.get_by_label("Name")).to_have_value(name + " v2")
    expect(theirs.locator(".integration-card", has_text=name + " v2")).to_contain_text(
        "Commerce Cloud", timeout=5000
    )
    screenshot(mine, "integration-detail")
    # Delete from the list: it disappears from both.
    mine.goto(stack.web_url + INTEGRATIONS)
    mine.locator(".integration-card", has_text=name).get_by_role("button", name="Delete").click()
    expect(theirs.locator(".integration-card", has_text=name)).to_have_count(0, timeout=5000)
    first.close()
    second.close()


def test_bad_integration_input_is_shown_beside_the_field_and_kept(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + INTEGRATIONS)
    form = demo.locator("form.integration-form")
    form.get_by_label("Source system").evaluate("input => input.removeAttribute('required')")
    add(demo, "Keep this name", source="   ")
    expect(form.locator("#int-err-sourceSystem")).to_contain_text("sourceSystem", timeout=5000)
    expect(form.get_by_label("Name")).to_have_value("Keep this name")
    expect(form.get_by_label("Target system")).to_have_value("Storefront")


def test_a_refused_status_move_shows_why(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + INTEGRATIONS)
    name = f"Refused {secrets.token_hex(3)}"
    add(demo, name)
    card = demo.locator(".integration-card", has_text=name)
    card.locator("select[name=status]").evaluate("s => { s.options[0].value = 'live'; }")
    card.get_by_role("button", name="Change").click()
    expect(card.get_by_role("alert")).to_contain_text("status", timeout=5000)


def test_integrations_page_passes_axe_and_fits_a_phone(browser: Browser, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + INTEGRATIONS)
    add(page, f"Phone {secrets.token_hex(3)}")
    expect(page.locator(".integration-card").first).to_be_visible(timeout=5000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"{INTEGRATIONS} scrolls sideways on a phone ({width}px)"
    screenshot(page, "integrations-phone")
    assert axe_violations(page, stack) == []
    page.locator(".integration-card a").first.click()
    expect(page.locator(".integration-summary")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    assert axe_violations(page, stack) == []
    context.close()
