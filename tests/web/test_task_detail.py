"""Task detail in a real browser: editing with validation, acceptance criteria, blockers and
their cycles, subtasks with progress, status moves, comments and history live across browsers,
delete with a confirm step, accessibility and the phone layout."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from foundry.client.errors import FunctionError
from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_tasks import Api, serious_violations

pytestmark = pytest.mark.browser
SLUG = "acmecorp-migration"
TASKS = f"/p/{SLUG}/tasks"
WAIT = 5000


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    """The demo user's API client."""
    api = Api(stack)
    yield api
    api.client.close()


def unique(title: str) -> str:
    """A title no other test (or run) uses."""
    return f"{title} {secrets.token_hex(3)}"


def test_edit_status_and_comment_live_in_another_browser_with_history(
    browser: Browser, stack: Stack, api: Api
) -> None:
    title = unique("Migrate loyalty points")
    task_id = api.task(title, acceptanceCriteria=["Balances match", "Expired points dropped"])
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(f"{stack.web_url}{TASKS}/{task_id}")
    theirs.goto(f"{stack.web_url}{TASKS}/{task_id}")
    theirs.evaluate("window.notReloaded = true")
    their_task = theirs.locator("[data-region=task-detail]")
    expect(their_task.locator("[data-field=title]")).to_have_text(title)
    # A refused edit: the reason beside the title, everything typed kept.
    form = mine.locator("form.task-edit")
    form.get_by_label("Title").fill("   ")
    form.get_by_label("Title").evaluate("input => input.removeAttribute('required')")
    form.get_by_label("Description").fill("Points carry over at 1:1")
    form.get_by_label("Priority").select_option("high")
    form.get_by_label("Story points").fill("8")
    form.get_by_label("Criterion 3").fill("Audit trail kept")
    form.get_by_role("button", name="Remove criterion 2").click()
    form.get_by_role("button", name="Save changes").click()
    error = mine.locator("#task-edit-title-error")
    expect(error).to_contain_text("title", timeout=WAIT)
    expect(form.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Description")).to_have_value("Points carry over at 1:1")
    expect(form.get_by_label("Priority")).to_have_value("high")
    expect(form.get_by_label("Story points")).to_have_value("8")
    expect(form.locator("input[name=acceptanceCriteria]").first).to_have_value("Balances match")
    expect(form.locator("input[name=acceptanceCriteria]").nth(1)).to_have_value("Audit trail kept")
    # Fixed and saved: the other browser shows it without a reload, and the edit in history.
    new_title = title + " (v2)"
    form.get_by_label("Title").fill(new_title)
    form.get_by_label("Assignee").select_option(index=1)
    form.get_by_role("button", name="Save changes").click()
    expect(error).to_have_count(0, timeout=WAIT)
    expect(their_task.locator("[data-field=title]")).to_have_text(new_title, timeout=WAIT)
    expect(their_task.locator("[data-field=priority]")).to_have_text("high")
    expect(their_task.locator("[data-field=storyPoints]")).to_have_text("8")
    expect(their_task.locator("[data-field=assignee]")).not_to_have_text("Unassigned")
    criteria = their_task.locator("[data-field=acceptanceCriteria] li")
    expect(criteria).to_have_text(["Balances match", "Audit trail kept"])
    their_history = theirs.locator("[data-region=task-history]")
    expect(their_history).to_contain_text(f"Updated task {new_title}", timeout=WAIT)
    expect(their_history).to_contain_text("priority: medium → high")
    expect(form.get_by_label("Title")).to_have_value(new_title)  # the form keeps what was saved
    # Clearing optional fields: no points, no criteria.
    form.get_by_label("Story points").fill("")
    for _ in range(3):
        form.locator("[data-remove-criterion]").first.click()
    form.get_by_role("button", name="Save changes").click()
    expect(their_task.locator("[data-field=storyPoints]")).to_have_text("—", timeout=WAIT)
    expect(their_task.locator("[data-field=acceptanceCriteria]")).to_have_text(
        "No acceptance criteria yet."
    )
    # A status move (only the allowed ones are offered), live there and in the history.
    my_task = mine.locator("[data-region=task-detail]")
    options = my_task.locator("form.task-move select option")
    expect(options).to_have_text(["Backlog", "In progress"])
    my_task.locator("form.task-move select").select_option("in_progress")
    my_task.get_by_role("button", name="Move").click()
    expect(my_task.locator("[data-status]")).to_have_text("In progress", timeout=WAIT)
    expect(their_task.locator("[data-status]")).to_have_text("In progress", timeout=WAIT)
    expect(their_history.locator("[data-audit-action=status_change]")).to_have_count(1)
    # A comment, from Markdown, live in the other browser; a reply threads under it.
    marker = secrets.token_hex(3)
    mine.fill("#comment-content", f"Checked with finance: **ok {marker}**")
    mine.get_by_role("button", name="Add comment").click()
    their_comments = theirs.locator("[data-region=task-comments]")
    expect(their_comments.locator("strong", has_text=f"ok {marker}")).to_be_visible(timeout=WAIT)
    expect(mine.locator("#comment-content")).to_have_value("")
    comment = their_comments.locator("li.comment").first
    comment.locator("summary", has_text="Reply").click()
    comment.get_by_label("Your reply (Markdown)").fill(f"Thanks {marker}")
    comment.get_by_role("button", name="Post reply").click()
    replies = mine.locator("[data-region=task-comments] .comment-replies")
    expect(replies).to_contain_text(f"Thanks {marker}", timeout=WAIT)
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(theirs, "task-detail-live")
    first.close()
    second.close()


def test_blockers_are_added_and_removed_and_a_cycle_is_refused(
    demo: Page, stack: Stack, api: Api
) -> None:
    upstream = api.task(unique("Export legacy data"))
    target = api.task(unique("Load into warehouse"))
    downstream = api.task(unique("Reconcile totals"), blockedBy=[target])
    demo.goto(f"{stack.web_url}{TASKS}/{target}")
    task = demo.locator("[data-region=task-detail]")
    form = demo.locator("form.blocker-add")
    form.get_by_label("Blocked by task").select_option(upstream)
    form.get_by_role("button", name="Add blocker").click()
    expect(task.locator(f"[data-blocker='{upstream}']")).to_be_visible(timeout=WAIT)
    expect(task.locator("[data-blocked]")).to_be_visible()
    expect(demo.locator("[data-region=task-history]")).to_contain_text("blockedBy: — → 1 task")
    # The task already blocks `downstream`: being blocked by it would make a cycle.
    form = demo.locator("form.blocker-add")
    form.get_by_label("Blocked by task").select_option(downstream)
    form.get_by_role("button", name="Add blocker").click()
    refusal = demo.locator("#blocker-new-error")
    expect(refusal).to_contain_text("cycle", timeout=WAIT)
    expect(demo.get_by_label("Blocked by task")).to_have_value(downstream)
    expect(task.locator(f"[data-blocker='{downstream}']")).to_have_count(0)
    task.get_by_role("button", name="Remove blocker").click()
    expect(task.locator("[data-field=blockers]")).to_have_text(
        "Nothing blocks this task.", timeout=WAIT
    )
    assert "blockedBy" not in api.client.query("tasks:get", {"taskId": target})


def test_subtasks_are_added_ticked_reordered_renamed_and_removed(
    demo: Page, stack: Stack, api: Api
) -> None:
    task_id = api.task(unique("Cut over payments"))
    demo.goto(f"{stack.web_url}{TASKS}/{task_id}")
    region = demo.locator("[data-region=task-subtasks]")
    expect(region.locator("[data-progress]")).to_contain_text("0/0 done")
    for title in ("Freeze writes", "Switch DNS", "Smoke test"):
        demo.get_by_label("New subtask").fill(title)
        demo.get_by_role("button", name="Add subtask").click()
        expect(region.locator(".subtask-title", has_text=title)).to_be_visible(timeout=WAIT)
    expect(demo.get_by_label("New subtask")).to_have_value("")
    expect(region.locator("[data-progress]")).to_contain_text("0/3 done")
    region.get_by_role("button", name="Done: Freeze writes").click()
    expect(region.locator("[data-progress]")).to_contain_text("1/3 done", timeout=WAIT)
    expect(region.get_by_role("button", name="Done: Freeze writes")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(demo.locator("[data-region=task-detail]")).to_contain_text("1/3 done")
    region.get_by_role("button", name="Move Smoke test up").click()
    titles = region.locator(".subtask-title")
    expect(titles).to_have_text(["Freeze writes", "Smoke test", "Switch DNS"], timeout=WAIT)
    history = demo.locator("[data-region=task-history]")
    expect(history).to_contain_text("Reordered the subtasks", timeout=WAIT)
    expect(history).not_to_contain_text("subtaskIds")  # no raw ids
    row = region.locator("li", has_text="Switch DNS")
    row.locator("summary").click()
    row.get_by_label("New title").fill("Switch DNS to the new host")
    row.get_by_role("button", name="Save").click()
    expect(titles.nth(2)).to_have_text("Switch DNS to the new host", timeout=WAIT)
    region.get_by_role("button", name="Remove Smoke test").click()
    expect(titles).to_have_count(2, timeout=WAIT)
    region.get_by_role("button", name="Done: Freeze writes").click()  # reopen
    expect(region.locator("[data-progress]")).to_contain_text("0/2 done", timeout=WAIT)
    screenshot(demo, "task-detail-subtasks")


def test_delete_asks_first_then_goes_back_to_the_board(demo: Page, stack: Stack, api: Api) -> None:
    title = unique("Retire the old CRM")
    task_id = api.task(title)
    demo.goto(f"{stack.web_url}{TASKS}/{task_id}")
    confirm = demo.get_by_role("button", name="Yes, delete the task")
    expect(confirm).to_be_hidden()
    demo.locator("summary", has_text="Delete this task").click()
    confirm.click()
    demo.wait_for_url(f"**{TASKS}", timeout=10_000)
    expect(demo.locator("[data-region=task-board]")).not_to_contain_text(title)
    with pytest.raises(FunctionError):
        api.client.query("tasks:get", {"taskId": task_id})


def test_an_unknown_requirement_is_refused_beside_its_field(
    demo: Page, stack: Stack, api: Api
) -> None:
    task_id = api.task(unique("Link me"))
    demo.goto(f"{stack.web_url}{TASKS}/{task_id}")
    form = demo.locator("form.task-edit")
    form.get_by_label("Requirement (e.g. REQ-012)").fill("REQ-99999")
    form.get_by_role("button", name="Save changes").click()
    expect(demo.locator("#task-edit-requirementId-error")).to_contain_text(
        "no requirement", timeout=WAIT
    )
    form.get_by_label("Requirement (e.g. REQ-012)").fill("req-001")
    form.get_by_role("button", name="Save changes").click()
    link = demo.locator("[data-region=task-detail] [data-field=requirement] a")
    expect(link).to_have_text("REQ-001", timeout=WAIT)


def test_the_task_page_is_accessible_and_fits_a_phone(
    browser: Browser, stack: Stack, api: Api
) -> None:
    task_id = api.task(unique("Phone check"), acceptanceCriteria=["Fits"])
    api.client.mutation("subtasks:create", {"taskId": task_id, "title": "A step"})
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(f"{stack.web_url}{TASKS}/{task_id}")
    expect(page.locator("[data-region=task-subtasks] li")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the task page scrolls sideways on a phone ({width}px)"
    screenshot(page, "task-detail-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert serious_violations(page, stack) == []
    screenshot(page, "task-detail-wide")
    context.close()
