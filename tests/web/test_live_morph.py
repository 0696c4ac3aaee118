"""A live update morphs a region without taking away what the user is doing there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Stack
from tests.web.test_requirement_detail import backend, new_requirement, url

pytestmark = pytest.mark.browser


def test_an_open_reply_box_keeps_its_text_while_others_comment(demo: Page, stack: Stack) -> None:
    req_id, _ = new_requirement(stack)
    client, _, _ = backend(stack)
    on = {"entityType": "requirement", "entityId": req_id}
    with client:
        client.mutation("comments:create", {**on, "content": "First thoughts"})
    demo.goto(url(stack, req_id))
    reply_box = demo.locator("details.comment-reply").first
    reply_box.locator("summary").click()
    draft = reply_box.locator("textarea")
    draft.fill("a reply I am still writing")

    client, _, _ = backend(stack)
    with client:
        client.mutation("comments:create", {**on, "content": "Someone else chimes in"})
    expect(demo.locator(".comment p", has_text="Someone else chimes in")).to_be_visible(
        timeout=10_000
    )

    expect(reply_box).to_have_attribute("open", "")
    expect(draft).to_have_value("a reply I am still writing")
    expect(draft).to_be_focused()


def test_a_page_heading_follows_a_rename_made_elsewhere(demo: Page, stack: Stack) -> None:
    req_id, _ = new_requirement(stack)
    demo.goto(url(stack, req_id))
    demo.evaluate("window.notReloaded = true")
    heading = demo.locator("h1[data-region=page-heading]")
    expect(heading).to_be_visible()
    client, _, _ = backend(stack)
    with client:
        client.mutation("requirements:update", {"requirementId": req_id, "title": "Renamed live"})
    expect(heading).to_have_text(re.compile(r"^REQ-\d+: Renamed live$"), timeout=10_000)
    assert demo.evaluate("window.notReloaded") is True


def test_a_live_form_with_a_file_shows_its_upload_progress(demo: Page, stack: Stack) -> None:
    req_id, _ = new_requirement(stack)
    demo.goto(url(stack, req_id))
    # Record every progress bar the page shows while the upload runs.
    demo.evaluate(
        """() => {
          window.progressSeen = [];
          new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach((n) => {
            if (n.matches && n.matches("progress.upload-progress")) window.progressSeen.push(n.max);
          }))).observe(document.body, {childList: true, subtree: true});
        }"""
    )
    form = demo.locator("form[aria-label='Attach evidence']")
    form.locator("input[type=file]").set_input_files(
        {"name": "large-log.txt", "mimeType": "text/plain", "buffer": b"x" * (3 * 1024 * 1024)}
    )
    form.get_by_role("button", name="Upload").click()
    row = demo.locator("[data-region=requirement-evidence] li", has_text="large-log.txt")
    expect(row).to_be_visible(timeout=15_000)
    assert demo.evaluate("window.progressSeen") == [100]
    expect(demo.locator("progress.upload-progress")).to_have_count(0)  # gone once it is done
