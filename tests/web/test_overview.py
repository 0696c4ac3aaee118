"""Mission control in a real browser: the demo's figures, the pipeline, and live updates."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_workstreams import SLUG, axe_violations, backend

pytestmark = pytest.mark.browser
OVERVIEW = f"/p/{SLUG}"
STAGES = (
    "Discovery",
    "Requirement",
    "Sprint planning",
    "Task generation",
    "Subtask generation",
    "Implementation",
    "Testing",
    "Review",
)


def test_overview_shows_the_demo_figures_and_the_pipeline(demo: Page, stack: Stack) -> None:
    client, program = backend(stack)
    with client:
        total = client.query("requirements:counts", {"programId": program["_id"]})["total"]
    assert total >= 118  # the demo's 118, plus whatever other tests of this session added
    demo.goto(stack.web_url + OVERVIEW)
    expect(demo.locator("h1")).to_have_text("AcmeCorp Migration")
    expect(demo.locator("[data-kpi=requirements] .kpi-value")).to_have_text(str(total))
    stages = demo.locator("ol.pipeline li")
    expect(stages).to_have_count(8)
    for i, name in enumerate(STAGES):
        expect(stages.nth(i)).to_contain_text(name)
    expect(demo.locator("[data-region=overview-pipeline] progress").first).to_be_visible()
    expect(demo.locator("[data-region=overview-workstreams] [data-workstream=WS1]")).to_be_visible()
    expect(demo.locator("[data-region=overview-activity] li").first).to_be_visible()
    screenshot(demo, "overview")


def test_overview_follows_changes_made_elsewhere(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + OVERVIEW)
    demo.evaluate("window.notReloaded = true")
    kpi = demo.locator("[data-kpi=requirements] .kpi-value")
    before = int(kpi.inner_text())
    title = f"Overview live check {secrets.token_hex(3)}"
    client, program = backend(stack)
    with client:
        client.mutation(
            "requirements:create",
            {
                "programId": program["_id"],
                "title": title,
                "priority": "nice_to_have",
                "fitGap": "native",
            },
        )
    expect(kpi).to_have_text(str(before + 1), timeout=5000)
    expect(demo.locator("[data-region=overview-activity]")).to_contain_text(title, timeout=5000)
    assert demo.evaluate("window.notReloaded") is True


def test_overview_has_no_serious_accessibility_violations(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + OVERVIEW)
    assert axe_violations(demo, stack) == []


def test_overview_fits_a_phone(browser: Browser, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + OVERVIEW)
    expect(page.locator("ol.pipeline li")).to_have_count(8)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the overview scrolls sideways on a phone ({width}px)"
    screenshot(page, "overview-phone")
    context.close()
