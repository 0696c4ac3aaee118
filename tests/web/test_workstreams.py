"""Workstreams in a real browser: RAG cards that cycle in place and live in a second browser."""

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
WORKSTREAMS = f"/p/{SLUG}/workstreams"
AXE = (
    Path(__file__).resolve().parents[2] / "src/foundry/web/assets/node_modules/axe-core/axe.min.js"
)


def backend(stack: Stack) -> tuple[SyncHttpClient, dict[str, Any]]:
    """A backend client signed in as the demo user, and the demo program."""
    login = httpx.post(
        stack.backend_url + "/auth/login",
        json={"email": DEMO_LOGIN["email"], "password": DEMO_LOGIN["password"]},
        timeout=10,
    )
    login.raise_for_status()
    body = login.json()
    client = SyncHttpClient(stack.backend_url, body["accessToken"])
    program = client.query("programs:get_by_slug", {"orgId": body["orgId"], "slug": SLUG})
    return client, program


def new_workstream(stack: Stack) -> str:
    """A workstream of the demo program that only this test touches; its short code."""
    client, program = backend(stack)
    code = "T" + secrets.token_hex(2).upper()
    with client:
        client.mutation(
            "workstreams:create",
            {"programId": program["_id"], "name": f"Cycle check {code}", "shortCode": code},
        )
    return code


def axe_violations(page: Page, stack: Stack) -> list[str]:
    """The ids of serious or critical axe violations on the page."""
    assert AXE.exists(), "axe-core comes from npm (scripts/setup installs it)"
    page.add_script_tag(url=stack.web_url + "/assets/axe-core/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_cycling_a_status_shows_at_once_and_in_another_browser(
    browser: Browser, stack: Stack
) -> None:
    code = new_workstream(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + WORKSTREAMS)
    theirs.goto(stack.web_url + WORKSTREAMS)
    theirs.evaluate("window.notReloaded = true")
    my_button = mine.locator(f"[data-workstream={code}] button.rag")
    their_button = theirs.locator(f"[data-workstream={code}] button.rag")
    expect(their_button).to_contain_text("On track")
    my_button.click()
    expect(my_button).to_contain_text("At risk", timeout=3000)
    expect(their_button).to_contain_text("At risk", timeout=5000)
    my_button.click()
    expect(their_button).to_contain_text("Blocked", timeout=5000)
    expect(theirs.locator(f"[data-workstream={code}] button.rag-blocked")).to_be_visible()
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(theirs, "workstreams-live")
    first.close()
    second.close()


def test_detail_shows_requirements_and_tasks_and_cycles_live(
    browser: Browser, stack: Stack
) -> None:
    code = new_workstream(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + f"{WORKSTREAMS}/{code}")
    theirs.goto(stack.web_url + WORKSTREAMS)
    expect(mine.locator("h1")).to_have_text(f"Cycle check {code}")
    expect(mine.locator("[data-region=workstream-requirements]")).to_contain_text(
        "No requirements in this workstream"
    )
    mine.locator("[data-region=workstream-summary] button.rag").click()
    expect(mine.locator("[data-region=workstream-summary] button.rag")).to_contain_text("At risk")
    expect(theirs.locator(f"[data-workstream={code}] button.rag")).to_contain_text(
        "At risk", timeout=5000
    )
    mine.goto(stack.web_url + f"{WORKSTREAMS}/WS1")
    expect(mine.locator("[data-region=workstream-requirements] tbody tr").first).to_contain_text(
        "REQ-"
    )
    expect(mine.locator("[data-region=workstream-tasks] caption")).to_contain_text("tasks")
    screenshot(mine, "workstream-detail")
    first.close()
    second.close()


def test_a_refused_change_is_shown_in_the_form(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + WORKSTREAMS)
    form = demo.locator("[data-workstream=WS3] form.status-form")
    form.locator("input[name=workstreamId]").evaluate("input => { input.value = 'not-an-id'; }")
    form.locator("button").click()
    expect(form.get_by_role("alert")).to_contain_text("workstreamId", timeout=3000)
    expect(demo.locator("[data-workstream=WS2] button.rag")).to_be_visible()  # the rest stays


def test_an_unknown_workstream_is_not_found(demo: Page, stack: Stack) -> None:
    response = demo.goto(stack.web_url + f"{WORKSTREAMS}/NOPE99")
    assert response is not None and response.status == 404


@pytest.mark.parametrize("path", [WORKSTREAMS, f"{WORKSTREAMS}/WS1"])
def test_workstream_pages_have_no_serious_accessibility_violations(
    demo: Page, stack: Stack, path: str
) -> None:
    demo.goto(stack.web_url + path)
    assert axe_violations(demo, stack) == []


@pytest.mark.parametrize("path", [WORKSTREAMS, f"{WORKSTREAMS}/WS1"])
def test_workstream_pages_fit_a_phone(browser: Browser, stack: Stack, path: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + path)
    expect(page.locator("button.rag").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
    screenshot(page, "workstreams-phone" if path == WORKSTREAMS else "workstream-detail-phone")
    context.close()


def fresh_code() -> str:
    """A short code no other test uses."""
    return "N" + secrets.token_hex(2).upper()


def test_create_refuses_a_duplicate_code_beside_the_field_then_adds_live(
    browser: Browser, stack: Stack
) -> None:
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + WORKSTREAMS)
    theirs.goto(stack.web_url + WORKSTREAMS)
    theirs.evaluate("window.notReloaded = true")
    form = mine.locator("form[aria-label='Add a workstream']")
    code = fresh_code()
    form.get_by_label("Name").fill(f"Payments {code}")
    form.get_by_label("Short code").fill("ws1")  # taken by the demo's first workstream
    form.get_by_label("Description").fill("Cards and wallets")
    form.get_by_label("Sprint cadence (days)").fill("14")
    form.get_by_role("button", name="Add workstream").click()
    expect(form.locator("#ws-new-shortCode-error")).to_contain_text("already used", timeout=5000)
    expect(form.get_by_label("Short code")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Name")).to_have_value(f"Payments {code}")
    expect(form.get_by_label("Description")).to_have_value("Cards and wallets")
    screenshot(mine, "workstream-create-refused")
    form.get_by_label("Short code").fill(code)
    form.get_by_role("button", name="Add workstream").click()
    expect(theirs.locator(f"[data-workstream={code}]")).to_contain_text(
        f"Payments {code}", timeout=5000
    )
    expect(mine.locator(f"[data-workstream={code}]")).to_be_visible()
    expect(form.get_by_label("Name")).to_have_value("")
    expect(form.locator(".field-error")).to_have_count(0)
    client, program = backend(stack)
    with client:
        listing = client.query("workstreams:list", {"programId": program["_id"], "numItems": 100})
    ws = next(w for w in listing["page"] if w["shortCode"] == code)
    assert ws["sprintCadence"] == 14 and ws["description"] == "Cards and wallets"
    assert theirs.evaluate("window.notReloaded") is True
    first.close()
    second.close()


def test_edit_live_clears_and_a_new_code_moves_the_page(browser: Browser, stack: Stack) -> None:
    code = new_workstream(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + f"{WORKSTREAMS}/{code}")
    theirs.goto(stack.web_url + WORKSTREAMS)
    form = mine.locator("form[aria-label='Edit the workstream']")
    form.get_by_label("Sprint cadence (days)").fill("500")
    form.get_by_label("Description").fill("Tills and receipts")
    form.get_by_role("button", name="Save changes").click()
    expect(form.locator("#ws-edit-sprintCadence-error")).to_contain_text("1-90", timeout=5000)
    expect(form.get_by_label("Description")).to_have_value("Tills and receipts")
    form.get_by_label("Sprint cadence (days)").fill("")  # cleared
    form.get_by_label("Name").fill(f"Stores {code}")
    form.get_by_role("button", name="Save changes").click()
    expect(mine.locator("[data-region=workstream-summary]")).to_contain_text(
        "Tills and receipts", timeout=5000
    )
    expect(theirs.locator(f"[data-workstream={code}]")).to_contain_text(
        f"Stores {code}", timeout=5000
    )
    new = fresh_code()
    form.get_by_label("Short code").fill(new.lower())
    form.get_by_role("button", name="Save changes").click()
    mine.wait_for_url(f"**{WORKSTREAMS}/{new}", timeout=10_000)
    expect(mine.locator("[data-region=workstream-summary]")).to_contain_text(new)
    expect(theirs.locator(f"[data-workstream={new}]")).to_be_visible(timeout=5000)
    client, program = backend(stack)
    with client:
        listing = client.query("workstreams:list", {"programId": program["_id"], "numItems": 100})
    ws = next(w for w in listing["page"] if w["shortCode"] == new)
    assert "sprintCadence" not in ws and ws["name"] == f"Stores {code}"
    screenshot(mine, "workstream-edit")
    first.close()
    second.close()


def test_delete_is_refused_while_used_then_confirmed(browser: Browser, stack: Stack) -> None:
    code = new_workstream(stack)
    client, program = backend(stack)
    with client:
        listing = client.query("workstreams:list", {"programId": program["_id"], "numItems": 100})
        ws_id = next(w["_id"] for w in listing["page"] if w["shortCode"] == code)
        req = client.mutation(
            "requirements:create",
            {"programId": program["_id"], "title": f"Uses {code}", "priority": "must_have",
             "fitGap": "native", "workstreamId": ws_id},
        )  # fmt: skip
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + f"{WORKSTREAMS}/{code}")
    theirs.goto(stack.web_url + WORKSTREAMS)
    mine.locator("summary", has_text=f"Delete {code}").click()
    confirm = mine.get_by_role("button", name=f"Delete {code} permanently")
    confirm.click()
    expect(mine.locator(".ws-delete .field-error")).to_contain_text("requirements", timeout=5000)
    screenshot(mine, "workstream-delete-refused")
    client, _ = backend(stack)
    with client:
        client.mutation("requirements:remove", {"requirementId": req})
    confirm.click()
    mine.wait_for_url(f"**{WORKSTREAMS}", timeout=10_000)
    expect(theirs.locator(f"[data-workstream={code}]")).to_have_count(0, timeout=5000)
    expect(mine.locator(f"[data-workstream={code}]")).to_have_count(0)
    first.close()
    second.close()


def test_a_refused_create_form_passes_axe(demo: Page, stack: Stack) -> None:
    demo.goto(stack.web_url + WORKSTREAMS)
    form = demo.locator("form[aria-label='Add a workstream']")
    form.get_by_label("Name").fill("Duplicate")
    form.get_by_label("Short code").fill("WS1")
    form.get_by_role("button", name="Add workstream").click()
    expect(form.locator("#ws-new-shortCode-error")).to_be_visible(timeout=5000)
    assert axe_violations(demo, stack) == []
    screenshot(demo, "workstreams-create-form")
