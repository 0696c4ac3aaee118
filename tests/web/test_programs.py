"""The new-program wizard in a real browser: validation, Back/Next keeping input, one create."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in

pytestmark = pytest.mark.browser


def next_step(page: Page) -> None:
    """Press the wizard's Next button."""
    page.locator("button[name=go][value=next]").click()


def test_the_wizard_creates_a_program_with_its_workstreams(demo: Page, stack: Stack) -> None:
    tag = secrets.token_hex(3)
    name = f"Wizard Replatform {tag}"
    demo.goto(stack.web_url + "/programs/new")
    expect(demo.locator(".wizard-progress [aria-current=step]")).to_contain_text("Basics")
    expect(demo.locator("#wizard-count")).to_have_text("Step 1 of 4")
    # Step 1 refuses a missing client beside the field and keeps what was typed.
    demo.fill("#w-name", name)
    demo.fill("#w-description", "Move the storefront")
    demo.select_option("#w-platform", "salesforce_b2b")
    demo.select_option("#w-phase", "build")
    next_step(demo)
    expect(demo.locator("#err-clientName")).to_contain_text("Client is required")
    expect(demo.locator("#w-client")).to_have_attribute("aria-invalid", "true")
    expect(demo.locator("#w-name")).to_have_value(name)
    expect(demo.locator("#w-platform")).to_have_value("salesforce_b2b")
    expect(demo.locator("[data-slug]")).to_have_text(f"/p/wizard-replatform-{tag}")
    screenshot(demo, "program-wizard-error")
    demo.fill("#w-client", "Globex")
    demo.fill("#w-start", "2025-03-01")
    next_step(demo)
    # Step 2: the platform's defaults are offered; drop one, add our own.
    expect(demo.locator("#wizard-count")).to_have_text("Step 2 of 4")
    expect(demo.locator(".wizard-progress [aria-current=step]")).to_contain_text("Workstreams")
    demo.get_by_label("ACC Buyer accounts").uncheck()
    demo.fill("#w-new-name-0", "Loyalty")
    demo.fill("#w-new-code-0", "x")
    next_step(demo)
    expect(demo.locator("#err-new_code_0")).to_contain_text("2-6")
    expect(demo.locator("#w-new-name-0")).to_have_value("Loyalty")
    demo.fill("#w-new-code-0", "loy")
    next_step(demo)
    # Back to step 2 and 1: everything is still there.
    expect(demo.locator("#wizard-count")).to_have_text("Step 3 of 4")
    demo.locator("button[name=go][value=back]").click()
    expect(demo.get_by_label("LOY Loyalty")).to_be_checked()
    expect(demo.get_by_label("ACC Buyer accounts")).not_to_be_checked()
    demo.locator("button[name=go][value=back]").click()
    expect(demo.locator("#w-client")).to_have_value("Globex")
    expect(demo.locator("#w-start")).to_have_value("2025-03-01")
    expect(demo.locator("#w-phase")).to_have_value("build")
    next_step(demo)
    expect(demo.get_by_label("LOY Loyalty")).to_be_checked()
    next_step(demo)
    # Step 3: put ourselves on the team as architect.
    demo.locator(".wizard-team select").first.select_option("architect")
    next_step(demo)
    expect(demo.locator("#wizard-count")).to_have_text("Step 4 of 4")
    review = demo.locator("[data-review=workstreams]")
    expect(review).to_contain_text("LOY Loyalty")
    expect(review).not_to_contain_text("Buyer accounts")
    expect(demo.locator("[data-review=team] li")).to_have_count(1)
    screenshot(demo, "program-wizard-review")
    demo.locator("button[name=go][value=create]").click()
    demo.wait_for_url(f"{stack.web_url}/p/wizard-replatform-{tag}", timeout=10_000)
    expect(demo.locator("h1")).to_have_text(name)
    demo.goto(f"{stack.web_url}/p/wizard-replatform-{tag}/workstreams")
    for code in ("CAT", "CHK", "PM", "DATA", "INT", "QA", "LOY"):
        expect(demo.locator("main")).to_contain_text(code)
    expect(demo.locator("main")).not_to_contain_text("Buyer accounts")


def test_a_taken_address_is_refused_on_step_one(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + "/programs/new")
    demo.fill("#w-name", "Anything")
    demo.fill("#w-client", "Acme")
    demo.fill("#w-slug", "acmecorp-migration")
    next_step(demo)
    expect(demo.locator("#err-slug")).to_contain_text("taken")
    expect(demo.locator("#w-slug")).to_have_value("acmecorp-migration")


@pytest.mark.parametrize("step", [1, 2, 3, 4])
def test_wizard_steps_are_accessible_at_phone_width(
    browser: Browser, stack: Stack, step: int
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + "/programs/new")
    page.fill("#w-name", f"Phone {secrets.token_hex(3)}")
    page.fill("#w-client", "Acme")
    page.select_option("#w-platform", "magento")
    for _ in range(step - 1):
        next_step(page)
    expect(page.locator("#wizard-count")).to_have_text(f"Step {step} of 4")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"step {step} scrolls sideways on a phone ({width}px)"
    page.add_script_tag(url=stack.web_url + "/assets/axe-core/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    screenshot(page, f"program-wizard-step{step}-phone")
    context.close()
