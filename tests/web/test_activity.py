"""The activity feed in a real browser: events made elsewhere appear at the top without a
reload, "Load more" pages back, and the event-type filter (in the URL) keeps the feed live.
(The unfiltered page's accessibility and phone checks are in test_audit.py; the filtered
page's are here.)"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_audit import requirement
from tests.web.test_tasks import Api
from tests.web.test_workstreams import axe_violations

pytestmark = pytest.mark.browser
SLUG = "acmecorp-migration"
ACTIVITY = f"/p/{SLUG}/activity"
HEAD = "[data-region=activity-head] li.timeline-entry"


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    """The demo user's API client."""
    api = Api(stack)
    yield api
    api.client.close()


def comment(api: Api, req_id: str, text: str) -> None:
    """Comment on a requirement (which writes one activity event)."""
    args = {"entityType": "requirement", "entityId": req_id, "content": text}
    api.client.mutation("comments:create", args)


def test_an_event_made_elsewhere_appears_at_the_top_without_reload(
    demo: Page, stack: Stack, api: Api
) -> None:
    req_id = requirement(api, f"Feed subject {secrets.token_hex(3)}")
    demo.goto(stack.web_url + ACTIVITY)
    expect(demo.get_by_role("heading", level=1)).to_have_text("Activity")
    comment(api, req_id, "Checked with the client")
    top = demo.locator(HEAD).first
    expect(top).to_have_attribute("data-event-type", "comment_added", timeout=5000)
    expect(top.locator(f"a[href='/p/{SLUG}/r/{req_id}']")).to_be_visible()
    screenshot(demo, "activity-live")


def test_load_more_pages_back_without_repeats(demo: Page, stack: Stack, api: Api) -> None:
    req_id = requirement(api, f"Busy requirement {secrets.token_hex(3)}")
    for i in range(27):
        comment(api, req_id, f"Note {i}")
    demo.goto(stack.web_url + ACTIVITY)
    before = demo.locator(HEAD).count()
    demo.get_by_role("button", name="Load more").click()
    older = demo.locator("[data-region=activity-page-2] li.timeline-entry")
    expect(older.first).to_be_visible(timeout=5000)
    ids = demo.locator("li.timeline-entry").evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)) > before
    expect(demo.locator("#timeline-status")).to_contain_text("older entries loaded")


def test_the_event_type_filter_lands_in_the_url_and_stays_live(
    demo: Page, stack: Stack, api: Api
) -> None:
    req_id = requirement(api, f"Filter subject {secrets.token_hex(3)}")
    demo.goto(stack.web_url + ACTIVITY)
    demo.get_by_label("Event type").select_option("task_created")
    demo.get_by_role("button", name="Filter").click()
    demo.wait_for_url("**/activity?eventType=task_created", timeout=5000)
    expect(demo.get_by_label("Event type")).to_have_value("task_created")
    demo.evaluate("window.notReloaded = true")
    comment(api, req_id, "Not a task")  # another type: stays out of the filtered feed
    title = f"Filtered task {secrets.token_hex(3)}"
    api.task(title)
    top = demo.locator(HEAD).first
    expect(top).to_contain_text(title, timeout=5000)
    types = demo.locator(HEAD).evaluate_all("els => els.map(e => e.dataset.eventType)")
    assert set(types) == {"task_created"}
    assert demo.evaluate("window.notReloaded") is True
    screenshot(demo, "activity-filtered")
    demo.get_by_role("link", name="Show all events").click()
    expect(demo.get_by_label("Event type")).to_have_value("")


def test_load_more_keeps_the_filter(demo: Page, stack: Stack, api: Api) -> None:
    req_id = requirement(api, f"Filtered busy {secrets.token_hex(3)}")
    for i in range(27):
        comment(api, req_id, f"Filtered note {i}")
    demo.goto(stack.web_url + ACTIVITY + "?eventType=comment_added")
    expect(demo.locator("form.load-more input[name=eventType]")).to_have_value("comment_added")
    demo.get_by_role("button", name="Load more").click()
    older = demo.locator("[data-region=activity-page-2] li.timeline-entry")
    expect(older.first).to_be_visible(timeout=5000)
    entries = demo.locator("li.timeline-entry")
    types = entries.evaluate_all("els => els.map(e => e.dataset.eventType)")
    ids = entries.evaluate_all("els => els.map(e => e.id)")
    assert set(types) == {"comment_added"} and len(ids) == len(set(ids)) >= 27
    more = demo.locator("form.load-more input[name=eventType]")
    if more.count():  # a third page's form, when there is one, still carries the filter
        expect(more.first).to_have_value("comment_added")


def test_the_filtered_feed_passes_axe_and_fits_a_phone(browser: Browser, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + ACTIVITY + "?eventType=comment_added")
    expect(page.get_by_label("Event type")).to_have_value("comment_added")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the activity feed scrolls sideways on a phone ({width}px)"
    assert axe_violations(page, stack) == []
    context.close()


def test_the_filter_offers_every_event_type_once() -> None:
    from foundry.app.activity import EVENT_TYPES
    from foundry.web.ui.activity import GROUPS

    offered = [t for _, types in GROUPS for t in types]
    assert sorted(offered) == sorted(EVENT_TYPES)
