"""The requirements table in a real browser: filters and sort, selection and bulk actions
(also seen live in a second browser), tasks from a selection, CSV export and import."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_requirement_detail import backend

pytestmark = pytest.mark.browser
SLUG = "acmecorp-migration"
PAGE = f"/p/{SLUG}/requirements"
BAR = "[data-bulk]"
TABLE = "[data-region=requirements-table]"


def seed_batch(stack: Stack, rows: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """Requirements in a batch of their own (so the page can show only them): (batch, refIds)."""
    client, program, _ = backend(stack)
    batch = f"web-{secrets.token_hex(4)}"
    refs = []
    with client:
        for row in rows:
            fields = {"priority": "must_have", "fitGap": "native", **row, "batch": batch}
            req_id = client.mutation(
                "requirements:create", {"programId": program["_id"], "title": "R", **fields}
            )
            refs.append(client.query("requirements:get", {"requirementId": req_id})["refId"])
    return batch, refs


def refs_shown(page: Page) -> list[str]:
    """The references of the table's rows, top to bottom."""
    return [str(r) for r in page.locator(f"{TABLE} tbody tr td:nth-child(2)").all_inner_texts()]


def select(page: Page, *refs: str) -> None:
    """Tick the rows of `refs` (with the keyboard: focus and space)."""
    for ref in refs:
        box = page.get_by_label(f"Select {ref}", exact=True)
        box.focus()
        page.keyboard.press("Space")
        expect(box).to_be_checked()


def test_filters_and_sort_are_query_parameters(demo: Page, stack: Stack) -> None:
    batch, refs = seed_batch(
        stack,
        [
            {"title": "Sort nice", "priority": "nice_to_have"},
            {"title": "Sort must", "priority": "must_have", "deliveryPhase": "phase_2"},
            {"title": "Sort should", "priority": "should_have", "status": "approved"},
        ],
    )
    demo.goto(f"{stack.web_url}{PAGE}?batch={batch}")
    expect(demo.locator(TABLE)).to_contain_text("3 shown")
    assert refs_shown(demo) == refs
    demo.select_option("select[name=sort]", "priority")
    demo.get_by_role("button", name="Apply").click()
    demo.wait_for_url(re.compile(r"sort=priority"))
    assert refs_shown(demo) == [refs[1], refs[2], refs[0]]
    demo.goto(f"{stack.web_url}{PAGE}?batch={batch}&sort=-refId")
    assert refs_shown(demo) == refs[::-1]
    demo.goto(f"{stack.web_url}{PAGE}?batch={batch}&phase=phase_2")
    assert refs_shown(demo) == [refs[1]]
    demo.goto(f"{stack.web_url}{PAGE}?batch={batch}&status=approved&sort=status")
    assert refs_shown(demo) == [refs[2]]
    expect(demo.locator("select[name=status]")).to_have_value("approved")
    demo.goto(f"{stack.web_url}{PAGE}?batch={batch}&workstream=none&sort=updated")
    expect(demo.locator(TABLE)).to_contain_text("3 shown")
    screenshot(demo, "requirements-filtered")


def test_bulk_status_shows_here_and_in_another_browser_and_keeps_the_selection(
    browser: Browser, stack: Stack
) -> None:
    batch, refs = seed_batch(stack, [{"title": f"Bulk {i}"} for i in range(3)])
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    url = f"{stack.web_url}{PAGE}?batch={batch}"
    mine.goto(url)
    theirs.goto(url)
    theirs.evaluate("window.notReloaded = true")
    select(theirs, refs[2])  # their selection must survive our change arriving live
    select(mine, refs[0], refs[1])
    expect(mine.locator(f"{BAR} h2")).to_have_text("2 selected")
    mine.select_option("[data-bulk-value=status]", "approved")
    mine.get_by_role("button", name="Set status").click()
    expect(mine.locator("[data-bulk-message]")).to_have_text("Updated 2 requirements.")
    expect(mine.locator(f"#req-{refs[0]}")).to_contain_text("approved")
    expect(mine.get_by_label(f"Select {refs[0]}", exact=True)).to_be_checked()
    expect(theirs.locator(f"#req-{refs[1]}")).to_contain_text("approved", timeout=5000)
    expect(theirs.locator(f"#req-{refs[2]}")).to_contain_text("draft")
    assert theirs.evaluate("window.notReloaded") is True
    expect(theirs.get_by_label(f"Select {refs[2]}", exact=True)).to_be_checked()
    expect(theirs.locator(f"{BAR} h2")).to_have_text("1 selected")
    # A move the status flow forbids fails as a whole and says which row.
    mine.select_option("[data-bulk-value=status]", "complete")
    mine.get_by_role("button", name="Set status").click()
    expect(mine.locator("[data-bulk-error]")).to_contain_text(refs[0])
    expect(mine.locator(f"#req-{refs[1]}")).to_contain_text("approved")
    screenshot(mine, "requirements-bulk")
    first.close()
    second.close()


def test_bulk_priority_workstream_and_delete_with_confirm(demo: Page, stack: Stack) -> None:
    batch, refs = seed_batch(stack, [{"title": f"Del {i}"} for i in range(3)])
    demo.goto(f"{stack.web_url}{PAGE}?batch={batch}")
    demo.get_by_label("Select all on this page").check()
    expect(demo.locator(f"{BAR} h2")).to_have_text("3 selected")
    demo.select_option("[data-bulk-value=priority]", "should_have")
    demo.get_by_role("button", name="Set priority").click()
    expect(demo.locator(f"#req-{refs[2]}")).to_contain_text("should_have")
    workstream = demo.locator("[data-bulk-value=workstream] option").nth(1)
    code = (workstream.inner_text()).split(" · ")[0]
    demo.select_option("[data-bulk-value=workstream]", index=1)
    demo.get_by_role("button", name="Set workstream").click()
    expect(demo.locator(f"#req-{refs[0]}")).to_contain_text(code)
    demo.get_by_label(f"Select {refs[2]}", exact=True).uncheck()
    demo.get_by_role("button", name="Delete…").click()
    confirm = demo.get_by_role("button", name="Yes, delete")
    expect(confirm).to_be_focused()
    demo.keyboard.press("Escape")  # cancelling deletes nothing
    expect(confirm).to_be_hidden()
    expect(demo.locator(TABLE)).to_contain_text("3 shown")
    demo.get_by_role("button", name="Delete…").click()
    confirm.click()
    expect(demo.locator("[data-bulk-message]")).to_have_text("Deleted 2 requirements.")
    assert refs_shown(demo) == [refs[2]]
    expect(demo.locator(f"{BAR} h2")).to_have_text("0 selected")


def test_create_tasks_from_a_selection_then_open_the_board(demo: Page, stack: Stack) -> None:
    marker = secrets.token_hex(3)
    batch, refs = seed_batch(stack, [{"title": f"Task source {marker} {i}"} for i in range(2)])
    demo.goto(f"{stack.web_url}{PAGE}?batch={batch}")
    select(demo, *refs)
    demo.get_by_role("button", name="Create tasks").click()
    expect(demo.locator("[data-bulk-message]")).to_contain_text("Created 2 tasks.")
    demo.get_by_role("link", name="Open the task board").click()
    demo.wait_for_url(re.compile(rf"/p/{SLUG}/tasks$"))
    board = demo.locator("[data-region=task-board]")
    expect(board.get_by_text(f"Task source {marker} 0")).to_be_visible()
    expect(board.get_by_text(f"Task source {marker} 1")).to_be_visible()


def test_export_downloads_the_filtered_rows(demo: Page, stack: Stack) -> None:
    batch, refs = seed_batch(stack, [{"title": "Export one"}, {"title": "Export two"}])
    demo.goto(f"{stack.web_url}{PAGE}?batch={batch}")
    with demo.expect_download(timeout=10000) as download:
        demo.get_by_role("link", name="Export CSV (filtered)").click()
    text = Path(download.value.path()).read_text()
    lines = text.strip().splitlines()
    assert lines[0].startswith("refId,title,")
    assert [line.split(",")[0] for line in lines[1:]] == refs
    assert "Export two" in text


def upload(page: Page, stack: Stack, tmp_path: Path, text: str) -> None:
    """Open the import page and preview `text` as an uploaded file."""
    path = tmp_path / "requirements.csv"
    path.write_text(text)
    page.goto(f"{stack.web_url}{PAGE}/import")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Preview").click()


def test_import_previews_then_creates(demo: Page, stack: Stack, tmp_path: Path) -> None:
    batch = f"imp-{secrets.token_hex(4)}"
    upload(
        demo,
        stack,
        tmp_path,
        "title,priority,fitGap,batch\n"
        f"Imported alpha,must_have,native,{batch}\n"
        f'"Imported beta, with comma",nice_to_have,config,{batch}\n',
    )
    expect(
        demo.get_by_role("heading", name="Preview: 2 requirements will be created")
    ).to_be_visible()
    expect(demo.locator(".import-preview")).to_contain_text("Imported beta, with comma")
    screenshot(demo, "requirements-import-preview")
    demo.get_by_role("button", name="Import 2 requirements").click()
    demo.wait_for_url(re.compile(r"imported=2"))
    expect(demo.get_by_role("status").filter(has_text="Imported 2 requirements")).to_be_visible()
    demo.goto(f"{stack.web_url}{PAGE}?batch={batch}")
    expect(demo.locator(TABLE)).to_contain_text("Imported alpha")
    expect(demo.locator(TABLE)).to_contain_text("Imported beta, with comma")


def test_an_invalid_import_lists_errors_by_line_and_writes_nothing(
    demo: Page, stack: Stack, tmp_path: Path
) -> None:
    batch = f"bad-{secrets.token_hex(4)}"
    upload(
        demo,
        stack,
        tmp_path,
        "title,priority,fitGap,batch\n"
        f"Fine row,must_have,native,{batch}\n"
        f"Bad priority,urgent,native,{batch}\n"
        f",should_have,sideways,{batch}\n",
    )
    expect(
        demo.get_by_role("heading", name=re.compile("has 3 errors; nothing was imported"))
    ).to_be_visible()
    errors = demo.locator(".import-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("3")
    expect(errors.nth(0)).to_contain_text("priority")
    assert {e.split("\t")[0] for e in errors.all_inner_texts()} == {"3", "4"}
    expect(demo.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    screenshot(demo, "requirements-import-errors")
    demo.goto(f"{stack.web_url}{PAGE}?batch={batch}")
    expect(demo.locator(TABLE)).to_contain_text("No requirements match.")


AXE_PATHS = [PAGE + "?status=draft&sort=priority", PAGE + "/import"]


@pytest.mark.parametrize("path", AXE_PATHS)
def test_pages_have_no_serious_accessibility_violations(
    demo: Page, stack: Stack, path: str
) -> None:
    demo.goto(stack.web_url + path)
    demo.add_script_tag(url=stack.web_url + "/assets/axe-core/axe.min.js")
    result = demo.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


@pytest.mark.parametrize("path", [PAGE, PAGE + "/import"])
def test_phone_width_has_no_sideways_scroll(browser: Browser, stack: Stack, path: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + path)
    page.get_by_role("heading", level=1).wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
    screenshot(page, "requirements-phone" + re.sub(r"[^a-z0-9]+", "-", path.split(SLUG)[1]))
    context.close()
