"""The main flows in a real browser: sign-in, live lists, own writes, two browsers, no polling."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.web.conftest import Stack, screenshot, sign_in

pytestmark = pytest.mark.browser
REQUIREMENTS = "/p/acmecorp-migration/requirements"
AXE = (
    Path(__file__).resolve().parents[2] / "src/foundry/web/assets/node_modules/axe-core/axe.min.js"
)


def test_wrong_password_is_refused_and_the_email_kept(browser: Browser, stack: Stack) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(stack.web_url + "/login")
    page.fill("input[name=email]", "demo@acmecorp.example")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("input[name=email]")).to_have_value("demo@acmecorp.example")
    screenshot(page, "login-error")
    context.close()


def test_a_new_requirement_appears_in_another_browser_without_reload(
    browser: Browser, stack: Stack
) -> None:
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    url = stack.web_url + REQUIREMENTS + "?status=draft&priority=nice_to_have"
    mine.goto(url)
    theirs.goto(url)
    form = "form[aria-label='Add a requirement']"
    mine.fill(f"{form} input[name=title]", "Buyers can save carts as named lists")
    mine.select_option(f"{form} select[name=priority]", "nice_to_have")
    mine.click(f"{form} button[type=submit]")
    # Our own write shows at once, from the form's answer; theirs arrives over the event stream.
    expect(mine.locator("text=Buyers can save carts as named lists")).to_be_visible()
    expect(theirs.locator("text=Buyers can save carts as named lists")).to_be_visible(timeout=5000)
    screenshot(theirs, "requirements-live")
    first.close()
    second.close()


def test_validation_errors_show_beside_the_field_and_keep_the_input(
    demo: Page, stack: Stack
) -> None:
    demo.goto(stack.web_url + REQUIREMENTS)
    form = "form[aria-label='Add a requirement']"
    demo.fill(f"{form} input[name=title]", "x" * 600)
    demo.click(f"{form} button[type=submit]")
    error = demo.locator(f"{form} .field-error")
    expect(error).to_contain_text("title")
    expect(demo.locator(f"{form} input[name=title]")).to_have_value("x" * 600)


def test_a_stale_update_never_replaces_newer_content(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + REQUIREMENTS)
    region = demo.locator("[data-region=requirements-table]")
    ts = int(region.get_attribute("data-ts") or 0)
    applied = demo.evaluate(
        "([ts]) => window.foundryApply('requirements-table', ts - 1, '<p>old</p>')", [ts]
    )
    assert applied is False
    expect(region).not_to_contain_text("old")
    applied = demo.evaluate(
        "([ts]) => window.foundryApply('requirements-table', ts + 1, '<p>newer</p>')", [ts]
    )
    assert applied is True
    expect(region).to_have_text("newer")


def test_the_page_makes_no_periodic_requests(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + REQUIREMENTS)
    demo.wait_for_load_state("networkidle")
    seen: list[str] = []

    def record(request: Request) -> None:
        seen.append(request.url)

    demo.on("request", record)
    time.sleep(4)
    demo.remove_listener("request", record)
    assert seen == [], f"the idle page made requests: {seen}"


def test_another_organisation_cannot_open_the_program(browser: Browser, stack: Stack) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(stack.web_url + "/signup")
    page.fill("input[name=name]", "Mallory")
    page.fill("input[name=email]", "mallory@elsewhere.example")
    page.fill("input[name=password]", "mallory-password-1")
    page.fill("input[name=orgName]", "Elsewhere")
    page.click("button[type=submit]")
    page.wait_for_url(stack.web_url + "/")
    response = page.goto(stack.web_url + REQUIREMENTS)
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text("REQ-001")
    context.close()


@pytest.mark.parametrize("path", ["/login", "/", REQUIREMENTS])
def test_main_pages_have_no_serious_accessibility_violations(
    demo: Page, stack: Stack, path: str
) -> None:
    demo.goto(stack.web_url + path)
    assert AXE.exists(), "axe-core comes from npm (scripts/setup installs it)"
    demo.add_script_tag(url=stack.web_url + "/assets/axe-core/axe.min.js")
    result = demo.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    screenshot(demo, "page" + re.sub(r"[^a-z0-9]+", "-", path).rstrip("-"))


def test_phone_viewport(browser: Browser, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + REQUIREMENTS)
    expect(page.locator("#req-REQ-001")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(page, "requirements-phone")
    context.close()
