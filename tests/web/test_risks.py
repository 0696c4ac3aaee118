"""Risks in a real browser: cards and the open-risk matrix stay live across browsers."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_workstreams import axe_violations

pytestmark = pytest.mark.browser
SLUG = "acmecorp-migration"
RISKS = f"/p/{SLUG}/risks"


def cell_count(page: Page, cell: str) -> int:
    """The number shown in one matrix cell."""
    return int(page.locator(f"[data-region=risks-matrix] [data-cell={cell}]").inner_text())


def test_a_new_risk_shows_in_another_browser_with_its_matrix_cell(
    browser: Browser, stack: Stack
) -> None:
    title = f"Vendor slip {secrets.token_hex(3)}"
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + RISKS)
    theirs.goto(stack.web_url + RISKS)
    theirs.evaluate("window.notReloaded = true")
    before = cell_count(theirs, "critical-unlikely")
    form = mine.locator("form.risk-form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Severity").select_option("critical")
    form.get_by_label("Probability").select_option("unlikely")
    form.get_by_role("button", name="Raise risk").click()
    card = theirs.locator(".risk-card", has_text=title)
    expect(card).to_be_visible(timeout=5000)
    expect(theirs.locator("[data-region=risks-matrix] [data-cell=critical-unlikely]")).to_have_text(
        str(before + 1), timeout=5000
    )
    # Resolving it in the first browser leaves the matrix and changes the card in the second.
    my_card = mine.locator(".risk-card", has_text=title)
    my_card.locator("select[name=status]").select_option("resolved")
    my_card.get_by_role("button", name="Change").click()
    expect(card.locator("[data-status]")).to_have_text("Resolved", timeout=5000)
    expect(theirs.locator("[data-region=risks-matrix] [data-cell=critical-unlikely]")).to_have_text(
        str(before), timeout=5000
    )
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(theirs, "risks-live")
    first.close()
    second.close()


def test_a_refused_risk_keeps_the_input_and_shows_why(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + RISKS)
    form = demo.locator("form.risk-form")
    form.get_by_label("Title").fill("   ")
    form.get_by_label("Title").evaluate("input => input.removeAttribute('required')")
    form.get_by_role("button", name="Raise risk").click()
    expect(demo.locator("form.risk-form").get_by_role("alert")).to_contain_text(
        "title", timeout=3000
    )


def test_the_risks_page_has_no_serious_accessibility_violations(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + RISKS)
    expect(demo.locator("[data-region=risks-matrix] table")).to_be_visible()
    assert axe_violations(demo, stack) == []


def test_the_risks_page_fits_a_phone(browser: Browser, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + RISKS)
    expect(page.locator("[data-region=risks-matrix] table")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"{RISKS} scrolls sideways on a phone ({width}px)"
    screenshot(page, "risks-phone")
    context.close()


def test_a_refused_status_change_is_shown_on_its_card(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + RISKS)
    card = demo.locator(".risk-card").first
    card.locator("select[name=status]").evaluate(
        "select => { select.options[0].value = 'no-such-status'; }"
    )
    card.get_by_role("button", name="Change").click()
    expect(card.get_by_role("alert")).to_be_visible(timeout=3000)
    expect(demo.locator(".risk-card").nth(1)).to_be_visible()  # the rest stays
