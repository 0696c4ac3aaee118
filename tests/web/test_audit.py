"""The audit log timeline in a real browser: live entries at the top, URL filters, "Load more",
accessibility and the phone layout."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_tasks import Api, serious_violations

pytestmark = pytest.mark.browser
SLUG = "acmecorp-migration"
AUDIT = f"/p/{SLUG}/audit"
ACTIVITY = f"/p/{SLUG}/activity"
HEAD = "[data-region=audit-head] li.timeline-entry"


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    """The demo user's API client."""
    api = Api(stack)
    yield api
    api.client.close()


def requirement(api: Api, title: str) -> str:
    """A new draft requirement of the demo program."""
    args = {"programId": api.program_id, "title": title, "priority": "should_have"}
    req_id: str = api.client.mutation("requirements:create", {**args, "fitGap": "config"})
    return req_id


def test_a_change_made_elsewhere_appears_at_the_top_without_reload(
    demo: Page, stack: Stack, api: Api
) -> None:
    demo.goto(stack.web_url + AUDIT)
    expect(demo.get_by_role("heading", level=1)).to_have_text("Audit log")
    req_id = requirement(api, f"Buyers see tiered prices {secrets.token_hex(3)}")
    top = demo.locator(HEAD).first
    expect(top.locator(f"a[href='/p/{SLUG}/r/{req_id}']")).to_be_visible(timeout=5000)
    expect(top).to_have_attribute("data-action", "create")
    api.client.mutation("requirements:set_status", {"requirementId": req_id, "status": "approved"})
    expect(top).to_have_attribute("data-action", "status_change", timeout=5000)
    expect(top.locator(".changes")).to_contain_text(re.compile(r"status: draft\W+to\W+approved"))
    expect(top.locator(".actor")).not_to_be_empty()
    screenshot(demo, "audit-live")


def test_filters_narrow_the_timeline_and_the_url_reproduces_them(
    browser: Browser, demo: Page, stack: Stack, api: Api
) -> None:
    demo.goto(stack.web_url + AUDIT)
    form = demo.get_by_role("form", name="Filter the audit log")
    form.get_by_label("Entity type").select_option("task")
    form.get_by_label("Action").select_option("status_change")
    form.get_by_role("button", name="Filter").click()
    demo.wait_for_url(re.compile(r"entityType=task.*action=status_change"))
    task_id = api.task(f"Retire the legacy CMS {secrets.token_hex(3)}", "todo")
    requirement(api, f"Not a task {secrets.token_hex(3)}")
    api.client.mutation("tasks:set_status", {"taskId": task_id, "status": "in_progress"})
    top = demo.locator(HEAD).first
    expect(top.locator(f"a[href='/p/{SLUG}/tasks/{task_id}']")).to_be_visible(timeout=5000)
    entries = demo.locator(HEAD)
    kinds = entries.evaluate_all(
        "els => els.map(e => e.dataset.entityType + ':' + e.dataset.action)"
    )
    assert set(kinds) == {"task:status_change"}, kinds
    # The same URL in another browser shows the same filtered timeline.
    other = sign_in(browser.new_context(), stack)
    other.goto(demo.url)
    expect(other.locator(HEAD).first).to_have_attribute("id", f"{top.get_attribute('id')}")
    expect(other.get_by_label("Action")).to_have_value("status_change")
    other.context.close()
    # A date range with nothing in it, and an actor filter.
    demo.goto(stack.web_url + AUDIT + "?from=2001-01-01&to=2001-01-02")
    expect(demo.locator("[data-region=audit-head]")).to_contain_text("No audit entries match")
    demo.goto(stack.web_url + AUDIT + "?entityType=task")
    demo.get_by_label("Actor").select_option(index=1)
    demo.get_by_role("button", name="Filter").click()
    demo.wait_for_url(re.compile(r"actor="))
    expect(demo.locator(HEAD).first).to_be_visible()
    screenshot(demo, "audit-filtered")


def comments(api: Api, count: int) -> str:
    """`count` comments on a new requirement (comments stay off the shared board and tables)."""
    req_id = requirement(api, f"Much discussed {secrets.token_hex(3)}")
    for i in range(count):
        args = {"entityType": "requirement", "entityId": req_id, "content": f"Note {i}"}
        api.client.mutation("comments:create", args)
    return req_id


def test_load_more_appends_older_pages_without_repeats(demo: Page, stack: Stack, api: Api) -> None:
    comments(api, 27)
    demo.goto(stack.web_url + AUDIT + "?entityType=comment&action=create")
    before = demo.locator(HEAD).count()
    assert before >= 25
    demo.get_by_role("button", name="Load more").click()
    page_two = demo.locator("[data-region=audit-page-2] li.timeline-entry")
    expect(page_two.first).to_be_visible(timeout=5000)
    ids = demo.locator("li.timeline-entry").evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)) > before
    # A new entry still arrives at the top (linked to what it comments on); loaded pages stay.
    count_two = page_two.count()
    req_id = comments(api, 1)
    expect(demo.locator(HEAD).first.locator(f"a[href$='/r/{req_id}']")).to_be_visible(timeout=5000)
    assert page_two.count() == count_two
    screenshot(demo, "audit-load-more")


def test_load_more_without_script_is_a_link_to_older_entries(
    demo: Page, stack: Stack, api: Api
) -> None:
    comments(api, 26)
    demo.goto(stack.web_url + AUDIT + "?entityType=comment")
    form = demo.locator("form.load-more")
    before = int(form.locator("input[name=before]").get_attribute("value") or 0)
    first = demo.locator(HEAD + " time").evaluate_all("els => els.map(e => e.dateTime)")
    demo.goto(stack.web_url + AUDIT + f"?entityType=comment&before={before}")
    times = demo.locator(HEAD + " time").evaluate_all("els => els.map(e => e.dateTime)")
    assert times and max(times) <= min(first)


@pytest.mark.parametrize("path", [AUDIT, AUDIT + "?entityType=requirement", ACTIVITY])
def test_timeline_pages_have_no_serious_accessibility_violations(
    demo: Page, stack: Stack, path: str
) -> None:
    demo.goto(stack.web_url + path)
    assert serious_violations(demo, stack) == []
    screenshot(demo, "page" + re.sub(r"[^a-z0-9]+", "-", path).rstrip("-"))


def test_timeline_pages_fit_a_phone(browser: Browser, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    for path in (AUDIT, ACTIVITY):
        page.goto(stack.web_url + path)
        expect(page.locator("[data-region$=-head]")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
        screenshot(page, "timeline-phone" + re.sub(r"[^a-z0-9]+", "-", path).rstrip("-"))
    context.close()
