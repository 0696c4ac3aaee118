"""The tasks surface in a real browser: the board's drag-and-drop and keyboard moves, the list
with its create form, task detail, accessibility and the phone layout."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from foundry.app.seed.acme_data import DEMO_LOGIN
from foundry.client import SyncHttpClient
from tests.web.conftest import Stack, screenshot, sign_in

pytestmark = pytest.mark.browser
SLUG = "acmecorp-migration"
BOARD = f"/p/{SLUG}/tasks"
LIST = f"/p/{SLUG}/tasks/list"


class Api:
    """The demo user on the backend's HTTP API, to set up and check data directly."""

    def __init__(self, stack: Stack) -> None:
        tokens = httpx.post(stack.backend_url + "/auth/login", json=DEMO_LOGIN, timeout=10).json()
        self.client = SyncHttpClient(stack.backend_url, tokens["accessToken"])
        program = self.client.query(
            "programs:get_by_slug", {"orgId": tokens["orgId"], "slug": SLUG}
        )
        self.program_id = program["_id"]

    def task(self, title: str, status: str = "todo", **fields: Any) -> str:
        """A new task of the demo program."""
        args = {"programId": self.program_id, "title": title, "status": status, **fields}
        task_id: str = self.client.mutation("tasks:create", args)
        return task_id

    def workstream(self) -> str:
        """A new workstream of the demo program: a board filtered by it shows only this test's
        cards, however many other tests have added to the shared columns."""
        code = "K" + secrets.token_hex(2).upper()
        args = {"programId": self.program_id, "name": f"Board {code}", "shortCode": code}
        workstream_id: str = self.client.mutation("workstreams:create", args)
        return workstream_id

    def status(self, task_id: str) -> str:
        """The task's status as the backend has it."""
        return str(self.client.query("tasks:get", {"taskId": task_id})["status"])


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    """The demo user's API client."""
    api = Api(stack)
    yield api
    api.client.close()


def unique(title: str) -> str:
    """A title no other test (or run) uses."""
    return f"{title} {secrets.token_hex(3)}"


class HeldMoves:
    """Holds the page's move posts until released, to see the board before the server answers."""

    def __init__(self, page: Page) -> None:
        self.held: list[Route] = []
        page.route("**/tasks/move", self.hold)

    def hold(self, route: Route) -> None:
        """Keep the post until `release`."""
        self.held.append(route)

    def release(self, page: Page) -> None:
        """Let the held posts through (waiting, bounded, for the first to arrive)."""
        for _ in range(100):
            if self.held:
                break
            page.wait_for_timeout(20)
        assert self.held, "the drop sent no move"
        for route in self.held:
            route.continue_()
        self.held.clear()
        page.unroute("**/tasks/move")


def drag(page: Page, task_id: str, column: str) -> None:
    """Drag a card by its corner (its form is not a handle) onto a column, as a mouse would."""
    source = page.locator(f"#task-{task_id}")
    target = page.locator(f"#col-{column}")
    source.drag_to(target, source_position={"x": 4, "y": 4}, steps=25)


def card(page: Page, column: str, task_id: str) -> Any:
    """The task's card inside one column."""
    return page.locator(f"#col-{column} #task-{task_id}")


def serious_violations(page: Page, stack: Stack) -> list[str]:
    """The serious and critical findings of an axe-core scan of the page."""
    page.add_script_tag(url=stack.web_url + "/assets/axe-core/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_a_dragged_card_moves_at_once_and_another_browser_sees_it(
    browser: Browser, stack: Stack, api: Api
) -> None:
    task_id = api.task(unique("Map B2B price books"))
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    for page in (mine, theirs):
        page.goto(stack.web_url + BOARD)
        expect(card(page, "todo", task_id)).to_be_visible()
    held = HeldMoves(mine)
    drag(mine, task_id, "in_progress")
    # Moved in the browser while the server has not answered yet.
    expect(card(mine, "in_progress", task_id)).to_be_visible(timeout=1000)
    assert api.status(task_id) == "todo"
    held.release(mine)
    expect(theirs.locator(f"#col-in_progress #task-{task_id}")).to_be_visible(timeout=5000)
    assert api.status(task_id) == "in_progress"
    expect(card(mine, "in_progress", task_id)).to_be_visible()
    expect(mine.locator("#board-error")).to_be_empty()
    screenshot(theirs, "tasks-board-live")
    first.close()
    second.close()


def test_an_illegal_drop_is_put_back_with_an_error(demo: Page, stack: Stack, api: Api) -> None:
    workstream_id = api.workstream()
    task_id = api.task(
        unique("Decommission Magento cron jobs"), "backlog", workstreamId=workstream_id
    )
    demo.goto(f"{stack.web_url}{BOARD}?workstreamId={workstream_id}")
    held = HeldMoves(demo)
    drag(demo, task_id, "done")
    expect(card(demo, "done", task_id)).to_be_visible(timeout=1000)
    held.release(demo)
    expect(card(demo, "backlog", task_id)).to_be_visible(timeout=5000)
    expect(demo.get_by_role("alert").filter(has_text="status")).to_contain_text("backlog")
    assert api.status(task_id) == "backlog"
    screenshot(demo, "tasks-board-refused")


def test_the_keyboard_move_form_moves_a_card(demo: Page, stack: Stack, api: Api) -> None:
    title = unique("Migrate customer addresses")
    task_id = api.task(title)
    demo.goto(stack.web_url + BOARD)
    form = demo.get_by_role("form", name=f"Move {title}")
    form.get_by_label("Move to…").select_option("in_progress")
    form.get_by_role("button", name="Move").focus()
    demo.keyboard.press("Enter")
    expect(card(demo, "in_progress", task_id)).to_be_visible(timeout=5000)
    assert api.status(task_id) == "in_progress"
    # The moved card's form now offers the moves from its new column.
    options = card(demo, "in_progress", task_id).locator("select option")
    expect(options).to_have_text(["To do", "Review"])


def test_a_task_created_from_the_list_appears_in_it(demo: Page, stack: Stack) -> None:
    title = unique("Load-test the checkout API")
    demo.goto(stack.web_url + LIST + "?status=backlog&priority=high")
    form = demo.get_by_role("form", name="Add a task")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Priority").select_option("high")
    form.get_by_role("button", name="Add task").click()
    row = demo.locator("[data-region=task-list] tr", has_text=title)
    expect(row).to_be_visible(timeout=5000)
    expect(row).to_contain_text("Backlog")
    expect(form.get_by_label("Title")).to_have_value("")
    demo.goto(stack.web_url + LIST + "?priority=low")
    expect(demo.locator("[data-region=task-list]")).not_to_contain_text(title)


def test_task_detail_shows_fields_criteria_subtasks_and_the_sandbox_place(
    demo: Page, stack: Stack, api: Api
) -> None:
    title = unique("Sync order history")
    task_id = api.task(title, acceptanceCriteria=["Orders from 2019 onwards are present"])
    api.client.mutation("subtasks:create", {"taskId": task_id, "title": "Write the order mapper"})
    demo.goto(stack.web_url + LIST + "?status=todo")
    demo.get_by_role("link", name=title).click()
    expect(demo.get_by_role("heading", level=1)).to_have_text(title)
    detail = demo.locator("[data-region=task-detail]")
    expect(detail).to_contain_text("Orders from 2019 onwards are present")
    expect(demo.locator("[data-region=task-subtasks]")).to_contain_text("Write the order mapper")
    expect(demo.get_by_role("heading", name="Sandbox")).to_be_visible()
    # Live: a subtask added elsewhere appears without a reload.
    api.client.mutation("subtasks:create", {"taskId": task_id, "title": "Backfill old orders"})
    expect(demo.locator("[data-region=task-subtasks]")).to_contain_text("Backfill old orders")
    assert serious_violations(demo, stack) == []
    screenshot(demo, "task-detail")


def test_a_task_of_another_program_or_a_bad_id_is_not_found(demo: Page, stack: Stack) -> None:
    response = demo.goto(stack.web_url + BOARD + "/not-a-task-id")
    assert response is not None and response.status == 404


@pytest.mark.parametrize("path", [BOARD, LIST])
def test_task_pages_have_no_serious_accessibility_violations(
    demo: Page, stack: Stack, path: str
) -> None:
    demo.goto(stack.web_url + path)
    assert serious_violations(demo, stack) == []
    screenshot(demo, "page" + re.sub(r"[^a-z0-9]+", "-", path).rstrip("-"))


def test_task_pages_fit_a_phone(browser: Browser, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    for path in (BOARD, LIST):
        page.goto(stack.web_url + path)
        expect(page.locator("[data-region^=task-]")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
        screenshot(page, "tasks-phone" + re.sub(r"[^a-z0-9]+", "-", path).rstrip("-"))
    context.close()


def test_filters_narrow_the_board_and_the_list_and_live_in_the_url(
    demo: Page, stack: Stack, api: Api
) -> None:
    options = api.client.query("task_views:filter_options", {"programId": api.program_id})
    ws = options["workstreams"][0]
    wanted = api.task(
        unique("Filtered critical"), "todo", priority="critical", workstreamId=ws["_id"]
    )
    other = api.task(unique("Filtered low"), "todo", priority="low", workstreamId=ws["_id"])
    demo.goto(stack.web_url + BOARD)
    form = demo.get_by_role("form", name="Filter tasks")
    form.get_by_label("Priority").select_option("critical")
    form.get_by_label("Workstream").select_option(ws["_id"])
    form.get_by_role("button", name="Filter").click()
    demo.wait_for_url(re.compile(r"priority=critical.*workstreamId="))
    expect(card(demo, "todo", wanted)).to_be_visible()
    expect(demo.locator(f"#task-{other}")).to_have_count(0)
    # Live under the filters: a matching task made elsewhere appears, one that does not stays out.
    late = api.task(unique("Late critical"), "todo", priority="critical", workstreamId=ws["_id"])
    expect(card(demo, "todo", late)).to_be_visible(timeout=5000)
    # The list keeps the filters, and a status filter narrows further.
    demo.get_by_role("link", name="List").click()
    demo.wait_for_url(re.compile(r"/tasks/list\?.*priority=critical"))
    rows = demo.locator("[data-region=task-list]")
    expect(rows).to_contain_text("Filtered critical")
    expect(rows).not_to_contain_text("Filtered low")
    demo.goto(stack.web_url + LIST + f"?status=done&priority=critical&workstreamId={ws['_id']}")
    expect(rows).not_to_contain_text("Filtered critical")
    screenshot(demo, "tasks-list-filtered")


def test_a_saved_view_round_trips(demo: Page, stack: Stack, api: Api) -> None:
    title = unique("Saved view task")
    api.task(title, "review", priority="high")
    name = unique("High in review")
    demo.goto(stack.web_url + LIST + "?status=review&priority=high")
    save = demo.get_by_role("form", name="Save these filters as a view")
    save.get_by_label("View name").fill(name)
    save.get_by_role("button", name="Save view").click()
    saved = demo.locator("[data-region=tasks-saved-views]")
    expect(saved.get_by_role("link", name=name)).to_be_visible(timeout=5000)
    expect(save.get_by_label("View name")).to_have_value("")
    # An empty name is refused beside the field.
    save.get_by_label("View name").fill("   ")
    save.get_by_role("button", name="Save view").click()
    expect(save.locator(".field-error")).to_contain_text("name")
    demo.reload()
    link = saved.get_by_role("link", name=name)
    expect(link).to_be_visible()
    link.click()
    demo.wait_for_url(re.compile(r"/tasks/list\?status=review&priority=high$"))
    expect(demo.locator("[data-region=task-list]")).to_contain_text(title)
    expect(demo.get_by_role("form", name="Filter tasks").get_by_label("Status")).to_have_value(
        "review"
    )
    screenshot(demo, "tasks-saved-view")
    saved.get_by_role("button", name=f"Delete view {name}").click()
    expect(saved.get_by_role("link", name=name)).to_have_count(0, timeout=5000)
    demo.reload()
    expect(saved.get_by_role("link", name=name)).to_have_count(0)
