"""Discovery in a real browser: uploads (with and without JavaScript), downloads, the findings
review queue (approve, reject, edit, bulk, import, revert) and its liveness across browsers."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import pytest
from playwright.sync_api import Browser, FilePayload, Locator, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_workstreams import SLUG, axe_violations, backend

pytestmark = pytest.mark.browser
DISCOVERY = f"/p/{SLUG}/discovery"
LIMIT = 5 * 1024 * 1024


def propose(stack: Stack, findings: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """A new document of the demo program with `findings` proposed from it: (file name, ids)."""
    client, program = backend(stack)
    name = f"workshop-{secrets.token_hex(3)}.md"
    with client:
        doc_id = client.action(
            "documents:upload",
            {
                "programId": program["_id"],
                "fileName": name,
                "contentType": "text/markdown",
                "dataBase64": base64.b64encode(b"# Workshop notes").decode(),
                "category": "meeting_notes",
            },
        )
        ids = client.mutation("findings:propose", {"documentId": doc_id, "findings": findings})
    return name, ids


def document_names(stack: Stack) -> list[str]:
    """The demo program's document file names, straight from the backend."""
    client, program = backend(stack)
    with client:
        page = client.query("documents:list", {"programId": program["_id"], "numItems": 200})
    return [d["fileName"] for d in page["page"]]


def requirement(title: str, **data: Any) -> dict[str, Any]:
    """A proposed requirement finding."""
    return {
        "type": "requirement",
        "confidence": "high",
        "sourceExcerpt": f"Customers asked: {title}",
        "data": {"title": title, "priority": "Deferred", **data},
    }


def payload(name: str, mime_type: str, content: bytes) -> FilePayload:
    """A file for an upload field."""
    return {"name": name, "mimeType": mime_type, "buffer": content}


def finding(page: Page, title: str, section: str = "review") -> Locator:
    """The card of the finding titled `title` in one section of the page."""
    return page.locator(f"#{section} .disc-finding", has_text=title)


def test_upload_list_download_and_delete(demo: Page, stack: Stack) -> None:
    name, content = f"scope-{secrets.token_hex(3)}.txt", b"Scope: quick order, punch-out.\n"
    demo.goto(stack.web_url + DISCOVERY)
    demo.set_input_files("#disc-file", {"name": name, "mimeType": "text/plain", "buffer": content})
    demo.get_by_label("Description").fill("Kick-off scope")
    demo.get_by_role("button", name="Upload", exact=True).click()
    row = demo.locator("[data-region=discovery-documents] tr", has_text=name)
    expect(row).to_be_visible(timeout=5000)
    expect(row.locator("[data-status]")).to_have_text("Uploaded")
    expect(demo.locator("#disc-file-error")).to_be_hidden()
    with demo.expect_download(timeout=5000) as info:
        row.get_by_role("link", name=f"Download {name}").click()
    path = info.value.path()
    assert info.value.suggested_filename == name
    assert path is not None and path.read_bytes() == content
    screenshot(demo, "discovery-documents")
    row.get_by_role("button", name=f"Delete {name}").click()
    expect(row).to_have_count(0, timeout=5000)
    assert name not in document_names(stack)


def test_oversized_and_refused_uploads_show_beside_the_field(
    browser: Browser, demo: Page, stack: Stack
) -> None:
    big = payload(f"huge-{secrets.token_hex(3)}.pdf", "application/pdf", b"%" * (LIMIT + 1))
    demo.goto(stack.web_url + DISCOVERY)
    demo.set_input_files("#disc-file", big)
    demo.get_by_role("button", name="Upload", exact=True).click()
    error = demo.locator("form[data-upload] #disc-file-error")
    expect(error).to_contain_text("larger than 5 MiB")
    expect(demo.locator("#disc-file")).to_have_attribute("aria-invalid", "true")
    # A refused type goes to the server, whose answer puts the reason beside the field.
    exe = payload(f"setup-{secrets.token_hex(3)}.exe", "application/octet-stream", b"MZ")
    demo.set_input_files("#disc-file", exe)
    demo.get_by_role("button", name="Upload", exact=True).click()
    expect(error).to_contain_text("cannot be uploaded", timeout=5000)
    # Without JavaScript the plain form posts; the server refuses and says why beside the field.
    context = browser.new_context(java_script_enabled=False)
    page = sign_in(context, stack)
    page.goto(stack.web_url + DISCOVERY)
    page.set_input_files("#disc-file", big)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#disc-file-error")).to_contain_text("larger than 5 MiB")
    page.set_input_files("#disc-file", exe)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#disc-file-error")).to_contain_text("cannot be uploaded")
    screenshot(page, "discovery-upload-refused")
    ok = payload(f"plain-{secrets.token_hex(3)}.csv", "text/csv", b"a,b\n")
    page.set_input_files("#disc-file", ok)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("[data-region=discovery-documents]")).to_contain_text(ok["name"])
    names = document_names(stack)
    assert big["name"] not in names and exe["name"] not in names and ok["name"] in names
    context.close()


def test_the_review_flow_from_approval_to_import_and_revert(demo: Page, stack: Stack) -> None:
    tag = secrets.token_hex(3)
    keep, drop, fix, one, two = (f"{w} {tag}" for w in ("Keep", "Drop", "Fix", "One", "Two"))
    risk = {"type": "risk", "confidence": "low", "data": {"title": fix, "severity": "high"}}
    propose(stack, [requirement(keep), requirement(drop), risk, requirement(one), requirement(two)])
    demo.goto(stack.web_url + DISCOVERY)
    expect(finding(demo, keep)).to_contain_text("High confidence")
    expect(demo.locator("#review section[aria-label='Pending risks']")).to_contain_text(fix)

    demo.get_by_role("button", name="Approve selected").click()  # nothing selected yet
    expect(demo.locator("#discovery-bulk [role=alert]")).to_contain_text("Select at least one")

    finding(demo, keep).get_by_role("button", name=f"Approve {keep}").click()
    expect(finding(demo, keep, "ready")).to_be_visible(timeout=5000)
    expect(finding(demo, keep)).to_have_count(0)
    finding(demo, drop).get_by_role("button", name=f"Reject {drop}").click()
    expect(finding(demo, drop)).to_have_count(0, timeout=5000)

    # Edit: an empty title is refused beside the field, the rest of the input kept.
    card = finding(demo, fix)
    card.locator("summary").click()
    form = card.locator("form.disc-edit-form")
    form.get_by_label("Title").fill("")
    form.get_by_label("Title").evaluate("input => input.removeAttribute('required')")
    form.get_by_label("Description").fill("Upgrade window overlaps go-live")
    form.get_by_role("button", name="Save and approve").click()
    expect(form.locator(".field-error[data-field=title]")).to_contain_text("title", timeout=5000)
    expect(form.get_by_label("Description")).to_have_value("Upgrade window overlaps go-live")
    form.get_by_label("Title").fill(fix + " (edited)")
    form.get_by_role("button", name="Save and approve").click()
    edited = finding(demo, fix + " (edited)", "ready")
    expect(edited).to_contain_text("Edited", timeout=5000)
    expect(edited).to_contain_text("Upgrade window overlaps go-live")

    # Bulk: select two and approve them together.
    for title in (one, two):
        finding(demo, title).get_by_label(f"Select {title}").check()
    demo.get_by_role("button", name="Approve selected").click()
    expect(finding(demo, one, "ready")).to_be_visible(timeout=5000)
    expect(finding(demo, two, "ready")).to_be_visible()

    # Import: the requirement exists; revert: it is gone again.
    finding(demo, keep, "ready").get_by_role("button", name=f"Import {keep}").click()
    imported = finding(demo, keep, "imported")
    expect(imported).to_be_visible(timeout=5000)
    screenshot(demo, "discovery-review")
    requirements = f"{stack.web_url}/p/{SLUG}/requirements?status=draft&priority=deferred"
    demo.goto(requirements)
    expect(demo.locator("[data-region=requirements-table]")).to_contain_text(keep)
    demo.goto(stack.web_url + DISCOVERY)
    finding(demo, keep, "imported").get_by_role("link").click()
    expect(demo.locator("h1")).to_contain_text(keep)
    demo.goto(stack.web_url + DISCOVERY)
    finding(demo, keep, "imported").get_by_role("button", name=f"Revert import {keep}").click()
    expect(finding(demo, keep, "imported")).to_have_count(0, timeout=5000)
    expect(finding(demo, keep, "ready")).to_be_visible()
    demo.goto(requirements)
    expect(demo.locator("[data-region=requirements-table]")).not_to_contain_text(keep)


def test_an_approval_shows_in_another_browser_without_reload(
    browser: Browser, stack: Stack
) -> None:
    title = f"Live {secrets.token_hex(3)}"
    propose(stack, [requirement(title)])
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + DISCOVERY)
    theirs.goto(stack.web_url + DISCOVERY)
    theirs.evaluate("window.notReloaded = true")
    expect(finding(theirs, title)).to_be_visible()
    finding(mine, title).get_by_role("button", name=f"Approve {title}").click()
    expect(finding(theirs, title, "ready")).to_be_visible(timeout=5000)
    expect(finding(theirs, title)).to_have_count(0)
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(theirs, "discovery-live")
    first.close()
    second.close()


def test_the_discovery_page_is_accessible_and_fits_a_phone(browser: Browser, stack: Stack) -> None:
    propose(stack, [requirement(f"Axe {secrets.token_hex(3)}")])
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + DISCOVERY)
    expect(page.locator("[data-region=discovery-pending] .disc-finding").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"{DISCOVERY} scrolls sideways on a phone ({width}px)"
    screenshot(page, "discovery-phone")
    assert axe_violations(page, stack) == []
    page.set_viewport_size({"width": 1280, "height": 900})
    assert axe_violations(page, stack) == []
    context.close()
