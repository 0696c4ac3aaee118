"""The activity feed in a real browser: events made elsewhere appear at the top without a
reload, and "Load more" pages back. (Its accessibility and phone checks are in test_audit.py.)"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Stack, screenshot
from tests.web.test_audit import requirement
from tests.web.test_tasks import Api

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
