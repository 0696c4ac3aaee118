"""With scripts off, live forms still work: a post comes back to its page showing the change, and
a refused one shows the form again with its error and the user's input."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Browser, expect

from tests.web.conftest import Stack, sign_in
from tests.web.test_csrf_walk import signed_in_client
from tests.web.test_workstreams import SLUG

pytestmark = pytest.mark.browser


def test_forms_work_without_javascript(browser: Browser, stack: Stack) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = sign_in(context, stack)
        page.goto(f"{stack.web_url}/p/{SLUG}/risks")
        form = page.locator("form[data-live-form]", has=page.get_by_role("textbox", name="Title"))
        title = f"Raised without scripts {secrets.token_hex(3)}"
        form.get_by_role("textbox", name="Title").fill(title)
        form.locator("[type=submit]").click()
        page.wait_for_url(f"{stack.web_url}/p/{SLUG}/risks")
        expect(page.get_by_role("heading", name=title)).to_be_visible()

        page.goto(f"{stack.web_url}/p/{SLUG}/tasks/list")
        create = page.locator("form[data-live-form]", has=page.get_by_role("textbox", name="Title"))
        create.get_by_role("textbox", name="Title").fill(" ")
        create.locator("[type=submit]").click()
        expect(page.locator("h1")).to_have_text("Please check and try again")
        expect(page.locator(".field-error, [role=alert]").first).to_be_visible()
        again = page.locator("form", has=page.get_by_role("textbox", name="Title"))
        task = f"Task without scripts {secrets.token_hex(3)}"
        again.get_by_role("textbox", name="Title").fill(task)
        again.locator("[type=submit]").click()
        page.wait_for_url(f"{stack.web_url}/p/{SLUG}/tasks/list")  # back where it started
        expect(page.get_by_role("link", name=task)).to_be_visible()
    finally:
        context.close()


def test_a_plain_post_whose_tab_is_gone_still_runs_and_comes_back(stack: Stack) -> None:
    client = signed_in_client(stack)
    try:
        risks = f"{stack.web_url}/p/{SLUG}/risks"
        csrf = re.search(r'data-csrf="([^"]+)"', client.get(risks).text)
        assert csrf is not None
        title = f"Posted long after the page {secrets.token_hex(3)}"
        form = {"csrf": csrf.group(1), "tab": "long-gone", "title": title}
        answer = client.post(
            risks, data={**form, "severity": "high", "probability": "likely"},
            headers={"Referer": risks},
        )  # fmt: skip
        assert answer.status_code == 303 and answer.headers["location"] == f"/p/{SLUG}/risks"
        assert title in client.get(risks).text
        # From live.js the same post asks for a reload instead: the page must catch up first.
        live = client.post(risks, data=form, headers={"X-Live-Form": "1"})
        assert live.status_code == 409 and "expired" in live.text
    finally:
        client.close()
