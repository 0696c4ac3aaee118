"""A requirement's page in a real browser: comments and status changes live in another browser."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

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
    mine.fill("#comment-content", f"<script>alert(1)</script> **bold {marker}**")
    mine.get_by_role("button", name="Add comment").click()
    their_comments = theirs.locator("[data-region=requirement-comments]")
    expect(their_comments.locator("strong", has_text=f"bold {marker}")).to_be_visible(timeout=5000)
    assert their_comments.locator("script").count() == 0
    assert theirs.locator("script:not([src])").count() == 0
    expect(mine.locator("#comment-content")).to_have_value("")
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
    client, _, _ = backend(stack)
    with client:  # a thread, an edited reply and a file, so their controls are checked too
        on = {"entityType": "requirement", "entityId": req_id}
        parent = client.mutation("comments:create", {**on, "content": "Looks **right**"})
        reply = client.mutation("comments:create", {**on, "content": "Agreed", "parentId": parent})
        client.mutation("comments:update", {"commentId": reply, "content": "Agreed, ship it"})
        data = base64.b64encode(b"proof").decode()
        client.action(
            "evidence:upload",
            {"requirementId": req_id, "fileName": "a-rather-long-file-name-for-a-phone-screen.txt",
             "contentType": "text/plain", "dataBase64": data},
        )  # fmt: skip
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(url(stack, req_id))
    expect(page.locator("[data-region=requirement-history]")).to_be_visible()
    expect(page.locator(".comment-replies [data-edited]")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways on a phone ({width}px)"
    page.add_script_tag(url=stack.web_url + "/assets/axe-core/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    screenshot(page, "requirement-detail-phone")
    context.close()


def test_reply_edit_and_delete_show_live_in_another_browser(browser: Browser, stack: Stack) -> None:
    req_id, _ = new_requirement(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(url(stack, req_id))
    theirs.goto(url(stack, req_id))
    theirs.evaluate("window.notReloaded = true")
    marker = secrets.token_hex(3)
    mine.fill("#comment-content", f"Parent {marker}")
    mine.get_by_role("button", name="Add comment").click()
    parent = mine.locator(".comments > li.comment", has_text=f"Parent {marker}")
    expect(parent).to_be_visible(timeout=5000)
    # Reply in a thread under the parent.
    parent.locator("summary", has_text="Reply").click()
    parent.locator("textarea[name=content]").first.fill(f"Reply *{marker}*")
    parent.get_by_role("button", name="Post reply").click()
    their_parent = theirs.locator(".comments > li.comment", has_text=f"Parent {marker}")
    their_reply = their_parent.locator(".comment-replies > li.comment")
    expect(their_reply.locator("em", has_text=marker)).to_be_visible(timeout=5000)
    # Edit the parent: it says "edited", in the other browser too.
    parent.locator("> .comment-actions summary", has_text="Edit").click()
    parent.locator("> .comment-actions textarea[id^=edit-]").fill(f"Parent {marker} (fixed)")
    parent.get_by_role("button", name="Save edit").first.click()
    expect(their_parent.locator("> .comment-body")).to_have_text(
        f"Parent {marker} (fixed)", timeout=5000
    )
    expect(their_parent.locator("> p [data-edited]")).to_have_text("edited")
    # An empty edit is refused beside the field with the text kept.
    reply = parent.locator(".comment-replies > li.comment")
    reply.locator("summary", has_text="Edit").click()
    reply.locator("textarea[id^=edit-]").fill("   ")
    reply.get_by_role("button", name="Save edit").click()
    expect(reply.locator(".field-error")).to_contain_text("content", timeout=5000)
    screenshot(mine, "requirement-comment-thread")
    # Delete the reply, then the parent (gone for both).
    mine.reload()
    reply = mine.locator(".comment-replies > li.comment", has_text=marker)
    reply.get_by_role("button", name="Delete").click()
    expect(their_reply).to_have_count(0, timeout=5000)
    mine.locator(".comments > li.comment", has_text=f"Parent {marker}").get_by_role(
        "button", name="Delete"
    ).click()
    expect(their_parent).to_have_count(0, timeout=5000)
    assert theirs.evaluate("window.notReloaded") is True
    first.close()
    second.close()


def test_evidence_upload_list_download_and_delete(browser: Browser, stack: Stack) -> None:
    req_id, _ = new_requirement(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(url(stack, req_id))
    theirs.goto(url(stack, req_id))
    name = f"report-{secrets.token_hex(3)}.txt"
    content = b"all 42 checkout tests passed\n" * 10
    form = mine.locator("form[aria-label='Attach evidence']")
    form.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "text/plain", "buffer": content}
    )
    form.get_by_role("button", name="Upload").click()
    mine_row = mine.locator("[data-region=requirement-evidence] li", has_text=name)
    expect(mine_row).to_be_visible(timeout=5000)
    expect(mine_row).to_contain_text("290 B")
    expect(mine_row).to_contain_text("Demo")
    their_row = theirs.locator("[data-region=requirement-evidence] li", has_text=name)
    expect(their_row).to_be_visible(timeout=5000)
    with theirs.expect_download(timeout=10_000) as info:
        their_row.get_by_role("link", name=name).click()
    download = info.value
    assert download.suggested_filename == name
    assert Path(download.path()).read_bytes() == content
    screenshot(mine, "requirement-evidence")
    mine_row.get_by_role("button", name=f"Remove {name}").click()
    expect(their_row).to_have_count(0, timeout=5000)
    first.close()
    second.close()


def test_oversized_and_empty_files_are_refused_and_nothing_is_written(
    demo: Page, stack: Stack
) -> None:
    req_id, _ = new_requirement(stack)
    demo.goto(url(stack, req_id))
    form = demo.locator("form[aria-label='Attach evidence']")
    big: FilePayload = {
        "name": "huge.bin",
        "mimeType": "application/octet-stream",
        "buffer": b"x" * (5 * 1024 * 1024 + 1),
    }
    form.locator("input[type=file]").set_input_files(big)
    form.get_by_role("button", name="Upload").click()
    expect(form.locator("#evidence-error")).to_contain_text("larger than 5.0 MiB", timeout=10_000)
    form.locator("input[type=file]").set_input_files(
        {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""}
    )
    form.get_by_role("button", name="Upload").click()
    expect(form.locator("#evidence-error")).to_contain_text("empty", timeout=5000)
    expect(demo.locator("[data-region=requirement-evidence]")).to_contain_text(
        "No evidence attached"
    )
    client, _, _ = backend(stack)
    with client:
        page = client.query("evidence:list", {"requirementId": req_id, "numItems": 10})
    assert page["page"] == []
    assert demo.goto(url(stack, req_id) + "/evidence/nonsense").status == 404  # type: ignore[union-attr]


def other_requirement(stack: Stack, title: str, **fields: Any) -> tuple[str, str]:
    """Another requirement of the demo program: (id, refId)."""
    client, program, _ = backend(stack)
    with client:
        req_id = client.mutation(
            "requirements:create",
            {
                "programId": program["_id"],
                "title": title,
                "priority": "should_have",
                "fitGap": "config",
                **fields,
            },
        )
        ref = client.query("requirements:get", {"requirementId": req_id})["refId"]
    return str(req_id), str(ref)


def test_edit_keeps_input_on_a_refusal_then_saves_live_and_clears(
    browser: Browser, stack: Stack
) -> None:
    req_id, _ = new_requirement(stack)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(url(stack, req_id))
    theirs.goto(url(stack, req_id))
    theirs.evaluate("window.notReloaded = true")
    form = mine.locator("form.req-edit")
    marker = secrets.token_hex(3)
    form.get_by_label("Description").fill(f"Checkout must take cards {marker}")
    form.get_by_label("Batch").fill("Wave 2")
    form.get_by_label("Effort").select_option("high")
    form.get_by_label("Delivery phase").select_option("phase_2")
    form.get_by_label("Title").fill("   ")  # passes `required`, refused by the backend
    form.get_by_role("button", name="Save changes").click()
    error = form.locator("#req-edit-title-error")
    expect(error).to_contain_text("title must not be empty", timeout=5000)
    expect(form.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Description")).to_have_value(f"Checkout must take cards {marker}")
    expect(form.get_by_label("Batch")).to_have_value("Wave 2")
    screenshot(mine, "requirement-edit-refused")
    form.get_by_label("Title").fill(f"Card checkout {marker}")
    form.get_by_label("Priority").select_option("nice_to_have")
    form.get_by_role("button", name="Save changes").click()
    their_fields = theirs.locator("[data-region=requirement-detail]")
    expect(their_fields).to_contain_text(f"Card checkout {marker}", timeout=5000)
    expect(their_fields).to_contain_text("Wave 2")
    expect(their_fields).to_contain_text("phase_2")
    expect(form.locator(".field-error")).to_have_count(0)
    # Their edit form was filled at page load and live pushes leave it alone.
    expect(theirs.locator("#req-edit-batch")).to_have_value("")
    # Clear the batch: blank means "remove".
    form.get_by_label("Batch").fill("")
    form.get_by_role("button", name="Save changes").click()
    expect(their_fields.locator("dd", has_text="Wave 2")).to_have_count(0, timeout=5000)
    client, _, _ = backend(stack)
    with client:
        req = client.query("requirements:get", {"requirementId": req_id})
    assert "batch" not in req and req["priority"] == "nice_to_have"
    assert req["effortEstimate"] == "high" and req["title"] == f"Card checkout {marker}"
    expect(theirs.locator("[data-region=requirement-history]")).to_contain_text(
        "Updated requirement"
    )
    assert theirs.evaluate("window.notReloaded") is True
    first.close()
    second.close()


def test_dependencies_added_by_reference_removed_and_a_cycle_refused(
    browser: Browser, stack: Stack
) -> None:
    req_id, _ = new_requirement(stack)
    base_id, base_ref = other_requirement(stack, f"Base {secrets.token_hex(3)}")
    _, top_ref = other_requirement(stack, f"Top {secrets.token_hex(3)}", dependencies=[req_id])
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(url(stack, req_id))
    theirs.goto(url(stack, req_id))
    form = mine.locator("form.req-dep-add")
    # The list to pick from offers the program's requirements.
    assert mine.locator("#req-dep-options option[value='REQ-001']").count() == 1
    form.get_by_label("Depends on").fill(base_ref.lower())
    form.get_by_role("button", name="Add dependency").click()
    their_deps = theirs.locator("[data-region=requirement-detail] [data-dependency]")
    expect(their_deps.filter(has_text=base_ref)).to_have_count(1, timeout=5000)
    expect(form.get_by_label("Depends on")).to_have_value("")
    # Top depends on this requirement, so depending on Top would be a cycle.
    form.get_by_label("Depends on").fill(top_ref)
    form.get_by_role("button", name="Add dependency").click()
    expect(form.locator("#req-dep-error")).to_contain_text("would form a cycle", timeout=5000)
    expect(form.get_by_label("Depends on")).to_have_value(top_ref)
    screenshot(mine, "requirement-dependency-cycle")
    form.get_by_label("Depends on").fill("REQ-99999")
    form.get_by_role("button", name="Add dependency").click()
    expect(form.locator("#req-dep-error")).to_contain_text("no requirement", timeout=5000)
    mine.get_by_role("button", name=f"Remove the dependency on {base_ref}").click()
    expect(their_deps).to_have_count(0, timeout=5000)
    expect(theirs.locator("[data-region=requirement-detail]")).to_contain_text("No dependencies")
    client, _, _ = backend(stack)
    with client:
        assert client.query("requirements:get", {"requirementId": base_id})["dependents"] == []
    first.close()
    second.close()


def test_delete_is_refused_while_it_has_tasks_then_returns_to_the_table(
    demo: Page, stack: Stack
) -> None:
    req_id, title = new_requirement(stack)
    client, program, _ = backend(stack)
    with client:
        ref = client.query("requirements:get", {"requirementId": req_id})["refId"]
        task = client.mutation(
            "tasks:create",
            {"programId": program["_id"], "title": f"Build {title}", "requirementId": req_id},
        )
    demo.goto(url(stack, req_id))
    demo.locator("summary", has_text=f"Delete {ref}").click()
    confirm = demo.get_by_role("button", name=f"Delete {ref} permanently")
    confirm.click()
    expect(demo.locator(".req-delete .field-error")).to_contain_text(
        "still has tasks", timeout=5000
    )
    screenshot(demo, "requirement-delete-refused")
    client, _, _ = backend(stack)
    with client:
        client.mutation("tasks:remove", {"taskId": task})
    confirm.click()
    demo.wait_for_url(f"**/p/{SLUG}/requirements", timeout=10_000)
    assert demo.goto(url(stack, req_id)).status == 404  # type: ignore[union-attr]


def test_refused_forms_and_the_open_delete_step_pass_axe(demo: Page, stack: Stack) -> None:
    req_id, _ = new_requirement(stack)
    demo.goto(url(stack, req_id))
    form = demo.locator("form.req-edit")
    form.get_by_label("Title").fill("   ")
    form.get_by_role("button", name="Save changes").click()
    expect(form.locator("#req-edit-title-error")).to_be_visible(timeout=5000)
    deps = demo.locator("form.req-dep-add")
    deps.get_by_label("Depends on").fill("REQ-99999")
    deps.get_by_role("button", name="Add dependency").click()
    expect(deps.locator("#req-dep-error")).to_be_visible(timeout=5000)
    demo.locator(".req-delete summary").click()
    demo.add_script_tag(url=stack.web_url + "/assets/axe-core/axe.min.js")
    result = demo.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    screenshot(demo, "requirement-edit-forms")
