"""Mission control in a real browser: the demo's figures, the pipeline, and live updates."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_settings import Owner, new_context, new_owner, new_program
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


def teammate(stack: Stack, owner: Owner) -> str:
    """A second member of the owner's organisation (signed up, then invited and accepted)."""
    joiner = new_owner(stack, "joiner")
    args = {"orgId": owner.tokens["orgId"], "email": joiner.email, "role": "member"}
    made = owner.call(stack, "action", "accounts/invitations:create", args)
    joiner.call(stack, "mutation", "accounts/invitations:accept", {"token": made["token"]})
    args = {"orgId": owner.tokens["orgId"], "numItems": 10}
    members = owner.call(stack, "query", "accounts/orgs:members", args)["page"]
    return str(next(m["userId"] for m in members if m["email"] == joiner.email))


def test_a_new_programs_checklist_ticks_live_and_collapses(browser: Browser, stack: Stack) -> None:
    owner = new_owner(stack, "olive")
    slug = new_program(stack, owner)
    program = owner.call(
        stack, "query", "programs:get_by_slug", {"orgId": owner.tokens["orgId"], "slug": slug}
    )["_id"]

    def make(path: str, args: dict[str, Any]) -> Any:
        return owner.call(stack, "mutation", path, {"programId": program, **args})

    context = new_context(browser)
    page = owner.browser_page(context, stack)
    page.goto(f"{stack.web_url}/p/{slug}")
    page.evaluate("window.notReloaded = true")
    card = page.locator("[data-region=overview-onboarding]")
    expect(card.get_by_role("heading", name="Get started")).to_be_visible()
    expect(card.locator(".onboarding-count")).to_have_text("0 of 6 done")
    expect(card.locator("li[data-done=false]")).to_have_count(6)
    expect(card.locator("li[data-step=sprints] a")).to_have_attribute("href", f"/p/{slug}/sprints")
    ws = make("workstreams:create", {"name": "Catalogue", "shortCode": "WS1"})
    expect(card.locator(".onboarding-count")).to_have_text("1 of 6 done", timeout=5000)
    expect(card.locator("li[data-step=workstreams]")).to_have_attribute("data-done", "true")
    screenshot(page, "overview-onboarding")
    assert axe_violations(page, stack) == []
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the checklist scrolls sideways on a phone ({width}px)"
    make("requirements:create", {"title": "R", "priority": "must_have", "fitGap": "native"})
    make("team:add", {"userId": teammate(stack, owner), "role": "developer"})
    make("skills:fork_template", {"templateKey": "testing"})
    make("sprints:create", {"workstreamId": ws, "name": "S1"})
    make("risks:create", {"title": "R", "severity": "low", "probability": "likely"})
    expect(card).to_contain_text("All set", timeout=5000)
    expect(card.locator(".onboarding")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    context.close()
