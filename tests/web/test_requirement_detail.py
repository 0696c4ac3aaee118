"""A requirement's page in a real browser: comments and status changes live in another browser."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from foundry.app.seed.acme_data import DEMO_LOGIN
from foundry.client import SyncHttpClient
from tests.web.conftest import Stack, screenshot, sign_in

pytestmark = pytest.mark.browser
SLUG = "acmecorp-migration"
AXE = (
    Path(__file__).resolve().parents[2] / "src/foundry/web/assets/node_modules/axe-core/axe.min.js"
)


def backend(stack: Stack) -> tuple[SyncHttpClient, dict[str, Any], str]:
    """A backend client signed in as the demo user, the demo program and the org id."""
    login = httpx.post(
        stack.backend_url + "/auth/login",
        json={"email": DEMO_LOGIN["email"], "password": DEMO_LOGIN["password"]},
        timeout=10,
    )
    login.raise_for_status()
    body = login.json()
    client = SyncHttpClient(stack.backend_url, body["accessToken"])
    program = client.query("programs:get_by_slug", {"orgId": body["orgId"], "slug": SLUG})
    return client, program, body["orgId"]


def new_requirement(stack: Stack) -> tuple[str, str]:
    """A draft requirement of the demo program that only this test touches: (id, title)."""
    client, program, _ = backend(stack)
    title = f"Detail check {secrets.token_hex(3)}"
    with client:
        req_id = client.mutation(
            "requirements:create",
            {
                "programId": program["_id"],
                "title": title,
                "priority": "must_have",
                "fitGap": "native",
            },
        )
    return str(req_id), title


def url(stack: Stack, req_id: str, slug: str = SLUG) -> str:
    """The requirement page's address."""
    return f"{stack.web_url}/p/{slug}/r/{req_id}"


def test_a_comment_shows_in_another_browser_bold_and_without_script(
    browser: Browser, stack: Stack
) -> None:
    req_id, title = new_requirement(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + f"/p/{SLUG}/requirements")
    mine.locator("#req-REQ-001 a").click()
    expect(mine.locator("[data-region=requirement-detail]")).to_contain_text("REQ-001")
    mine.goto(url(stack, req_id))
    expect(mine.locator("[data-region=requirement-detail]")).to_contain_text(title)
    theirs.goto(url(stack, req_id))
    theirs.evaluate("window.notReloaded = true")
    marker = secrets.token_hex(3)
    mine.fill("textarea[name=content]", f"<script>alert(1)</script> **bold {marker}**")
    mine.get_by_role("button", name="Add comment").click()
    their_comments = theirs.locator("[data-region=requirement-comments]")
    expect(their_comments.locator("strong", has_text=f"bold {marker}")).to_be_visible(timeout=5000)
    assert their_comments.locator("script").count() == 0
    assert theirs.locator("script:not([src])").count() == 0
    expect(mine.locator("textarea[name=content]")).to_have_value("")
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(theirs, "requirement-comment-live")
    first.close()
    second.close()


def test_a_status_change_shows_in_the_history_live(browser: Browser, stack: Stack) -> None:
    req_id, _ = new_requirement(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(url(stack, req_id))
    theirs.goto(url(stack, req_id))
    history = theirs.locator("[data-region=requirement-history]")
    expect(history.locator("[data-audit-action=status_change]")).to_have_count(0)
    mine.select_option("select[name=status]", "approved")
    mine.get_by_role("button", name="Change status").click()
    expect(mine.locator("[data-field=status]")).to_have_text("Approved", timeout=3000)
    expect(history.locator("[data-audit-action=status_change]")).to_have_count(1, timeout=5000)
    expect(history).to_contain_text("approved")
    expect(theirs.locator("[data-field=status]")).to_have_text("Approved")
    # Only the moves the backend allows are offered from "approved".
    options = theirs.locator("select[name=status] option")
    assert sorted(options.evaluate_all("os => os.map(o => o.value)")) == [
        "deferred",
        "draft",
        "in_progress",
    ]
    first.close()
    second.close()


def test_unknown_and_other_programs_requirements_are_not_found(demo: Page, stack: Stack) -> None:
    req_id, _ = new_requirement(stack)
    client, _, org_id = backend(stack)
    slug = f"other-{secrets.token_hex(3)}"
    with client:
        client.mutation(
            "programs:create",
            {"orgId": org_id, "name": f"Other {slug}", "clientName": "Other", "slug": slug},
        )
    assert demo.goto(url(stack, req_id, slug)).status == 404  # type: ignore[union-attr]
    assert demo.goto(url(stack, "nonsense")).status == 404  # type: ignore[union-attr]
    assert demo.goto(url(stack, req_id)).status == 200  # type: ignore[union-attr]


def test_accessibility_and_phone_width(browser: Browser, stack: Stack) -> None:
    req_id, _ = new_requirement(stack)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(url(stack, req_id))
    expect(page.locator("[data-region=requirement-history]")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways on a phone ({width}px)"
    page.add_script_tag(url=stack.web_url + "/assets/axe-core/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    screenshot(page, "requirement-detail-phone")
    context.close()
