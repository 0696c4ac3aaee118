"""Gates in a real browser: a criterion ticked in one browser is ticked in another; files
attached to a criterion are listed live, download intact, and refused files leave nothing."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_workstreams import axe_violations, backend

pytestmark = pytest.mark.browser
SLUG = "acmecorp-migration"
GATES = f"/p/{SLUG}/gates"


def new_gate(stack: Stack) -> tuple[str, str]:
    """A pending gate on WS1 with two criteria that only this test touches: its id and name."""
    client, program = backend(stack)
    name = f"Check gate {secrets.token_hex(3)}"
    with client:
        listing = client.query("workstreams:list", {"programId": program["_id"], "numItems": 100})
        ws = next(w for w in listing["page"] if w["shortCode"] == "WS1")
        gate_id = client.mutation(
            "gates:create",
            {
                "programId": program["_id"],
                "workstreamId": ws["_id"],
                "name": name,
                "gateType": "development",
                "criteria": [{"title": "Build green"}, {"title": "Demo signed off"}],
            },
        )
    return str(gate_id), name


def test_a_ticked_criterion_shows_ticked_in_another_browser(browser: Browser, stack: Stack) -> None:
    gate_id, name = new_gate(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + f"{GATES}/{gate_id}")
    theirs.goto(stack.web_url + GATES)
    row = theirs.locator(f"[data-gate='{gate_id}']")
    expect(row).to_contain_text("0/2")
    row.get_by_role("link", name=name).click()
    expect(theirs.locator("h1")).to_have_text(name)
    theirs.evaluate("window.notReloaded = true")
    their_box = theirs.locator("[data-criterion='0'] input[type=checkbox]")
    expect(their_box).not_to_be_checked()
    criterion = mine.locator("[data-criterion='0']")
    criterion.get_by_role("checkbox", name="Build green").check()
    criterion.get_by_label("Evidence for Build green").fill("CI run 4711")
    criterion.get_by_role("button", name="Save Build green").click()
    expect(their_box).to_be_checked(timeout=5000)
    expect(criterion.get_by_role("checkbox", name="Build green")).to_be_checked()
    expect(criterion.get_by_label("Evidence for Build green")).to_have_value("CI run 4711")
    expect(theirs.locator("[data-criterion='0'] input[name=evidence]")).to_have_value("CI run 4711")
    expect(theirs.locator("[data-region=gate-detail]")).to_contain_text("1 of 2 criteria passed")
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(theirs, "gate-live")
    first.close()
    second.close()


def test_finalize_then_a_refused_override_shows_the_error(demo: Page, stack: Stack) -> None:
    gate_id, _ = new_gate(stack)
    demo.goto(stack.web_url + f"{GATES}/{gate_id}")
    demo.get_by_role("button", name="Finalize the gate").click()
    status = demo.locator("[data-region=gate-detail] [data-gate-status]")
    expect(status).to_have_text("Failed", timeout=3000)
    demo.get_by_role("button", name="Reopen the gate").click()
    expect(status).to_have_text("Pending", timeout=3000)
    demo.get_by_role("button", name="Finalize the gate").click()
    expect(status).to_have_text("Failed", timeout=3000)
    demo.get_by_label("Reason").fill("Client accepted the gap in writing")
    demo.get_by_role("button", name="Override gate").click()
    expect(status).to_have_text("Overridden", timeout=3000)
    expect(demo.locator("[data-region=gate-detail]")).to_contain_text("Client accepted the gap")
    # An overridden gate cannot be overridden again: the form shows why and keeps the reason.
    demo.get_by_label("Reason").fill("Once more")
    demo.get_by_role("button", name="Override gate").click()
    form = demo.locator("form.gate-override")
    expect(form.get_by_role("alert")).to_be_visible(timeout=3000)
    expect(form.get_by_label("Reason")).to_have_value("Once more")
    # A decided gate's criteria are refused until it is reopened; the criterion says so.
    criterion = demo.locator("[data-criterion='1']")
    criterion.get_by_role("button", name="Save Demo signed off").click()
    expect(criterion.get_by_role("alert")).to_contain_text("reopen", timeout=3000)


def test_an_unknown_gate_is_not_found(demo: Page, stack: Stack) -> None:
    response = demo.goto(stack.web_url + f"{GATES}/nope")
    assert response is not None and response.status in (400, 404)


def first_gate_path(demo: Page, stack: Stack) -> str:
    """The path of the demo program's first listed gate."""
    demo.goto(stack.web_url + GATES)
    href = demo.locator("[data-region=gates-list] tbody a").first.get_attribute("href")
    assert href is not None
    return href


@pytest.mark.parametrize("which", ["list", "detail"])
def test_gate_pages_have_no_serious_accessibility_violations(
    demo: Page, stack: Stack, which: str
) -> None:
    path = GATES if which == "list" else first_gate_path(demo, stack)
    demo.goto(stack.web_url + path)
    assert axe_violations(demo, stack) == []


@pytest.mark.parametrize("which", ["list", "detail"])
def test_gate_pages_fit_a_phone(browser: Browser, stack: Stack, which: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    path = GATES if which == "list" else first_gate_path(page, stack)
    page.goto(stack.web_url + path)
    expect(page.locator("h1")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
    screenshot(page, f"gates-{which}-phone")
    context.close()


def test_evidence_upload_listed_live_downloads_and_refuses_bad_files(
    browser: Browser, stack: Stack
) -> None:
    gate_id, _ = new_gate(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + f"{GATES}/{gate_id}")
    theirs.goto(stack.web_url + f"{GATES}/{gate_id}")
    theirs.evaluate("window.notReloaded = true")
    name = f"signoff-{secrets.token_hex(3)}.txt"
    content = b"Demo signed off by the client on Tuesday\n" * 5
    form = mine.locator("form.gate-upload")
    form.get_by_label("Criterion").select_option(label="2. Demo signed off")
    form.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "text/plain", "buffer": content}
    )
    form.get_by_role("button", name="Upload evidence").click()
    mine_file = mine.locator("[data-criterion='1'] .gate-files li", has_text=name)
    expect(mine_file).to_be_visible(timeout=5000)
    expect(mine_file).to_contain_text("205 B")
    their_file = theirs.locator("[data-criterion='1'] .gate-files li", has_text=name)
    expect(their_file).to_be_visible(timeout=5000)
    expect(theirs.locator("[data-criterion='0'] .gate-files")).to_have_count(0)
    with theirs.expect_download(timeout=10_000) as info:
        their_file.get_by_role("link", name=name).click()
    assert info.value.suggested_filename == name
    assert Path(info.value.path()).read_bytes() == content
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(mine, "gate-evidence")
    # Too big, then empty: refused beside the file field, the criterion kept, nothing written.
    form.get_by_label("Criterion").select_option(label="1. Build green")
    big: FilePayload = {
        "name": "huge.bin",
        "mimeType": "application/octet-stream",
        "buffer": b"x" * (5 * 1024 * 1024 + 1),
    }
    form.locator("input[type=file]").set_input_files(big)
    form.get_by_role("button", name="Upload evidence").click()
    error = mine.locator("#gate-upload-file-error")
    expect(error).to_contain_text("larger than 5.0 MiB", timeout=10_000)
    expect(mine.locator("form.gate-upload").get_by_label("Criterion")).to_have_value("0")
    form.locator("input[type=file]").set_input_files(
        {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""}
    )
    form.get_by_role("button", name="Upload evidence").click()
    expect(error).to_contain_text("empty", timeout=5000)
    client, _ = backend(stack)
    with client:
        listed = client.query("evidence:list", {"gateId": gate_id, "numItems": 10})
        gate = client.query("gates:get", {"gateId": gate_id})
    assert [e["fileName"] for e in listed["page"]] == [name]
    assert gate["criteria"][0]["files"] == []
    bad = mine.goto(stack.web_url + f"{GATES}/{gate_id}/evidence/nonsense")
    assert bad is not None and bad.status in (400, 404)
    first.close()
    second.close()
