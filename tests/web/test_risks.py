"""Risks in a real browser: cards, the open-risk matrix and one risk's page stay live across
browsers."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_workstreams import axe_violations, backend

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


def new_risk(stack: Stack) -> tuple[str, str]:
    """An open risk of the demo program that only this test touches: its id and title."""
    client, program = backend(stack)
    title = f"Cutover window {secrets.token_hex(3)}"
    with client:
        risk_id = client.mutation(
            "risks:create",
            {
                "programId": program["_id"],
                "title": title,
                "severity": "medium",
                "probability": "possible",
            },
        )
    return str(risk_id), title


def test_risk_detail_edit_status_and_comment_live_with_history(
    browser: Browser, stack: Stack
) -> None:
    risk_id, title = new_risk(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    # The card on the risks page links to the risk's page.
    mine.goto(stack.web_url + RISKS)
    mine.locator(f".risk-card[data-risk='{risk_id}']").get_by_role("link", name=title).click()
    mine.wait_for_url(f"**{RISKS}/{risk_id}", timeout=10_000)
    theirs.goto(f"{stack.web_url}{RISKS}/{risk_id}")
    theirs.evaluate("window.notReloaded = true")
    their_risk = theirs.locator("[data-region=risk-detail]")
    expect(their_risk.locator("td.here")).to_have_attribute("data-cell", "medium-possible")
    # A refused edit: the reason beside the title, everything typed kept.
    form = mine.locator("form.risk-edit")
    form.get_by_label("Title").fill("   ")
    form.get_by_label("Title").evaluate("input => input.removeAttribute('required')")
    form.get_by_label("Description").fill("Cutover overlaps the retail peak")
    form.get_by_label("Severity").select_option("high")
    form.get_by_role("button", name="Save changes").click()
    error = mine.locator("#risk-edit-title-error")
    expect(error).to_contain_text("title", timeout=5000)
    expect(form.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Description")).to_have_value("Cutover overlaps the retail peak")
    expect(form.get_by_label("Severity")).to_have_value("high")
    # Fixed and saved: the other browser shows it, with the new cell and the edit in history.
    new_title = title + " (peak)"
    form.get_by_label("Title").fill(new_title)
    form.get_by_label("Mitigation").fill("Freeze changes two weeks before")
    form.get_by_label("Owner").select_option(index=1)
    form.get_by_role("button", name="Save changes").click()
    expect(error).to_have_count(0, timeout=5000)
    expect(their_risk.locator("[data-field=title]")).to_have_text(new_title, timeout=5000)
    expect(their_risk.locator("[data-field=mitigation]")).to_have_text(
        "Freeze changes two weeks before"
    )
    expect(their_risk.locator("[data-field=owner]")).not_to_have_text("—")
    expect(their_risk.locator("td.here")).to_have_attribute("data-cell", "high-possible")
    their_history = theirs.locator("[data-region=risk-history]")
    expect(their_history).to_contain_text(f"Updated risk {new_title}", timeout=5000)
    expect(their_history).to_contain_text("severity: medium → high")
    expect(form.get_by_label("Title")).to_have_value(new_title)  # the form keeps what was saved
    # A status move, shown at once here and live there, and in the history.
    mine_risk = mine.locator("[data-region=risk-detail]")
    mine_risk.locator("select[name=status]").select_option("mitigating")
    mine_risk.get_by_role("button", name="Change").click()
    expect(mine_risk.locator("[data-status]")).to_have_text("Mitigating", timeout=5000)
    expect(their_risk.locator("[data-status]")).to_have_text("Mitigating", timeout=5000)
    expect(their_history.locator("[data-audit-action=status_change]")).to_have_count(1)
    # A comment, rendered from Markdown, live in the other browser.
    marker = secrets.token_hex(3)
    mine.fill("#comment-content", f"Spoke to retail: **agreed {marker}**")
    mine.get_by_role("button", name="Add comment").click()
    their_comments = theirs.locator("[data-region=risk-comments]")
    expect(their_comments.locator("strong", has_text=f"agreed {marker}")).to_be_visible(
        timeout=5000
    )
    expect(mine.locator("#comment-content")).to_have_value("")
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(theirs, "risk-detail-live")
    first.close()
    second.close()


def test_unknown_risks_are_not_found(demo: Page, stack: Stack) -> None:
    response = demo.goto(f"{stack.web_url}{RISKS}/nope")
    assert response is not None and response.status in (400, 404)


def test_the_risk_page_is_accessible_and_fits_a_phone(browser: Browser, stack: Stack) -> None:
    risk_id, _ = new_risk(stack)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(f"{stack.web_url}{RISKS}/{risk_id}")
    expect(page.locator("[data-region=risk-detail] table")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the risk page scrolls sideways on a phone ({width}px)"
    screenshot(page, "risk-detail-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert axe_violations(page, stack) == []
    context.close()
