"""Sprints in a real browser: plan, start, commit tasks against capacity, complete; live."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_workstreams import axe_violations, backend

pytestmark = pytest.mark.browser
SLUG = "acmecorp-migration"
SPRINTS = f"/p/{SLUG}/sprints"


def workstream_with_task(stack: Stack, points: int) -> dict[str, Any]:
    """A fresh workstream of the demo program holding one task of `points` story points."""
    client, program = backend(stack)
    code = "S" + secrets.token_hex(2).upper()
    with client:
        ws_id = client.mutation(
            "workstreams:create",
            {"programId": program["_id"], "name": f"Sprint check {code}", "shortCode": code},
        )
        title = f"Sprint task {code}"
        task_id = client.mutation(
            "tasks:create",
            {
                "programId": program["_id"],
                "title": title,
                "workstreamId": ws_id,
                "storyPoints": points,
            },
        )
    return {"id": ws_id, "code": code, "task": title, "taskId": task_id}


def plan(page: Page, ws_id: str, name: str, capacity: str = "") -> None:
    """Fill and send the plan-a-sprint form."""
    form = page.locator("form.sprint-form")
    form.get_by_label("Workstream").select_option(ws_id)
    form.get_by_label("Name").fill(name)
    form.get_by_label("Capacity (points)").fill(capacity)
    form.get_by_role("button", name="Plan sprint").click()


def test_sprint_lifecycle_with_capacity_and_a_second_browser(
    browser: Browser, stack: Stack
) -> None:
    ws = workstream_with_task(stack, 5)
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + SPRINTS)
    theirs.goto(stack.web_url + SPRINTS)
    theirs.evaluate("window.notReloaded = true")
    plan(mine, ws["id"], f"Alpha {ws['code']}", "8")
    group = f"[data-workstream={ws['code']}]"
    their_card = theirs.locator(f"{group} .sprint-card", has_text=f"Alpha {ws['code']}")
    expect(their_card).to_contain_text("Planning", timeout=5000)
    expect(mine.locator("form.sprint-form input[name=name]")).to_have_value("")
    card = mine.locator(f"{group} .sprint-card", has_text=f"Alpha {ws['code']}")
    card.get_by_role("button", name="Start").click()
    expect(their_card.locator("[data-status]")).to_have_text("Active", timeout=5000)
    # A second sprint cannot start while the first is active: the backend's reason shows.
    plan(mine, ws["id"], f"Beta {ws['code']}")
    beta = mine.locator(f"{group} .sprint-card", has_text=f"Beta {ws['code']}")
    beta.get_by_role("button", name="Start").click()
    expect(beta.get_by_role("alert")).to_contain_text("already active", timeout=5000)
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(mine, "sprints-list")
    # Detail: add the task, capacity shows committed against capacity, then complete.
    mine.get_by_role("link", name=f"#1 Alpha {ws['code']}").click()
    expect(mine.locator("h1")).to_contain_text(f"Alpha {ws['code']}")
    theirs.goto(mine.url)
    theirs.evaluate("window.notReloaded = true")
    mine.locator("form.sprint-add").get_by_label("Task of this workstream").select_option(
        ws["taskId"]
    )
    mine.get_by_role("button", name="Add to sprint").click()
    expect(mine.locator(".sprint-tasks")).to_contain_text(ws["task"], timeout=5000)
    expect(theirs.locator(".sprint-capacity")).to_contain_text(
        "5 of 8 points committed", timeout=5000
    )
    expect(theirs.locator(".sprint-tasks a", has_text=ws["task"])).to_have_attribute(
        "href", f"/p/{SLUG}/tasks/{ws['taskId']}"
    )
    screenshot(mine, "sprint-detail")
    mine.locator(".sprint-summary").get_by_role("button", name="Complete").click()
    expect(theirs.locator(".sprint-summary [data-status]")).to_have_text("Completed", timeout=5000)
    assert theirs.evaluate("window.notReloaded") is True
    # The workstream's page lists its sprints.
    mine.goto(stack.web_url + f"/p/{SLUG}/workstreams/{ws['code']}")
    expect(mine.locator("[data-region=workstream-sprints]")).to_contain_text(f"Alpha {ws['code']}")
    first.close()
    second.close()


def test_bad_sprint_input_is_shown_beside_the_field_and_kept(demo: Page, stack: Stack) -> None:
    ws = workstream_with_task(stack, 1)
    demo.goto(stack.web_url + SPRINTS)
    plan(demo, ws["id"], "Keep me", "lots")
    form = demo.locator("form.sprint-form")
    expect(form.locator("#sprint-err-capacity")).to_contain_text("capacity", timeout=5000)
    expect(form.get_by_label("Name")).to_have_value("Keep me")
    expect(form.locator("input[name=capacity]")).to_have_value("lots")
    form.locator("input[name=capacity]").fill("3")
    form.locator("input[name=startDate]").fill("2030-05-10")
    form.locator("input[name=endDate]").fill("2030-05-01")
    form.get_by_role("button", name="Plan sprint").click()
    expect(form.locator("#sprint-err-endDate")).to_contain_text("endDate", timeout=5000)
    expect(form.locator("input[name=startDate]")).to_have_value("2030-05-10")


def sprint_detail_path(stack: Stack) -> str:
    """The detail page of a fresh sprint."""
    ws = workstream_with_task(stack, 2)
    client, program = backend(stack)
    with client:
        sprint_id = client.mutation(
            "sprints:create",
            {"programId": program["_id"], "workstreamId": ws["id"], "capacity": 10},
        )
    return f"{SPRINTS}/{sprint_id}"


@pytest.mark.parametrize("which", ["list", "detail"])
def test_sprint_pages_pass_axe_and_fit_a_phone(browser: Browser, stack: Stack, which: str) -> None:
    path = SPRINTS if which == "list" else sprint_detail_path(stack)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + path)
    expect(page.locator("h1")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
    screenshot(page, f"sprints-{which}-phone")
    assert axe_violations(page, stack) == []
    context.close()


def test_an_unknown_sprint_is_not_found(demo: Page, stack: Stack) -> None:
    response = demo.goto(stack.web_url + f"{SPRINTS}/nope")
    assert response is not None and response.status == 404
