"""Playbooks in a real browser: the step editor, publishing and instantiating; live."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_workstreams import axe_violations, backend

pytestmark = pytest.mark.browser
SLUG = "acmecorp-migration"
PLAYBOOKS = f"/p/{SLUG}/playbooks"


def add_step(page: Page, title: str, hours: str = "") -> None:
    """Fill and send the add-a-step form."""
    form = page.locator("form.step-add")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Hours").fill(hours)
    form.get_by_role("button", name="Add step").click()


def step_titles(page: Page) -> list[str]:
    """The playbook's step titles in the order shown."""
    return page.locator("ol.playbook-steps .pb-step-title").all_inner_texts()


def test_playbook_steps_reorder_and_instantiate_in_two_browsers(
    browser: Browser, stack: Stack
) -> None:
    tag = secrets.token_hex(3)
    name = f"Onboarding {tag}"
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    mine.goto(stack.web_url + PLAYBOOKS)
    theirs.goto(stack.web_url + PLAYBOOKS)
    form = mine.locator("form.playbook-form")
    form.get_by_label("Name").fill(name)
    form.get_by_role("button", name="Create playbook").click()
    expect(theirs.get_by_role("link", name=name)).to_be_visible(timeout=5000)
    mine.get_by_role("link", name=name).click()
    expect(mine.locator("h1")).to_have_text(name)
    theirs.goto(mine.url)
    theirs.evaluate("window.notReloaded = true")
    kick, build, verify = f"Kickoff {tag}", f"Build {tag}", f"Verify {tag}"
    for title in (kick, build, verify, f"Scrap {tag}"):
        add_step(mine, title)
        expect(mine.locator("ol.playbook-steps")).to_contain_text(title, timeout=5000)
    expect(mine.locator("form.step-add").get_by_label("Title")).to_have_value("")
    expect(theirs.locator("ol.playbook-steps .pb-step")).to_have_count(4, timeout=5000)
    # Remove, edit and move with buttons; the other browser follows.
    mine.get_by_role("button", name=f"Remove step Scrap {tag}").click()
    expect(theirs.locator("ol.playbook-steps .pb-step")).to_have_count(3, timeout=5000)
    step2 = mine.locator("li.pb-step").nth(1)
    step2.locator("summary").click()
    step2.get_by_label("Hours").fill("6")
    step2.get_by_role("button", name="Save").click()
    expect(theirs.locator("li.pb-step").nth(1)).to_contain_text("6 h", timeout=5000)
    mine.get_by_role("button", name=f"move {kick} down").click()
    expect(theirs.locator("li.pb-step").first).to_contain_text(build, timeout=5000)
    # Drag the last step to the top by its handle.
    handle = mine.locator("li.pb-step", has_text=verify).locator(".pb-handle")
    handle.drag_to(mine.locator("li.pb-step").first.locator(".pb-handle"))
    expect(theirs.locator("li.pb-step").first).to_contain_text(verify, timeout=5000)
    assert step_titles(mine) == [verify, build, kick]
    screenshot(mine, "playbook-steps")
    # Instantiating a draft is refused with the reason; the name is kept.
    start = mine.locator("form.pb-instantiate")
    start.get_by_label("Instance name").fill(f"Run {tag}")
    start.get_by_role("button", name="Instantiate").click()
    expect(start.get_by_role("alert")).to_contain_text("publish it first", timeout=5000)
    expect(start.get_by_label("Instance name")).to_have_value(f"Run {tag}")
    mine.get_by_role("button", name="Publish").click()
    expect(theirs.locator(".playbook-summary [data-status]")).to_have_text(
        "Published", timeout=5000
    )
    start.get_by_role("button", name="Instantiate").click()
    instance = theirs.locator(".pb-instance", has_text=f"Run {tag}")
    expect(instance.locator(".pb-instance-tasks a")).to_have_count(3, timeout=5000)
    expect(instance.locator(".pb-instance-tasks a").first).to_have_text(verify)
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(theirs, "playbook-instance")
    # The tasks exist: their pages open from the instance, and the backend lists them.
    instance.get_by_role("link", name=build).click()
    expect(theirs.locator("h1")).to_contain_text(build, timeout=5000)
    client, program = backend(stack)
    with client:
        board = client.query(
            "task_views:list", {"programId": program["_id"], "status": "backlog", "numItems": 200}
        )
    assert {verify, build, kick} <= {t["title"] for t in board["page"]}
    first.close()
    second.close()


def test_bad_step_input_is_shown_beside_the_field_and_kept(demo: Page, stack: Stack) -> None:
    client, program = backend(stack)
    with client:
        pb = client.mutation(
            "playbooks:create",
            {"programId": program["_id"], "name": "Bad input", "targetPlatform": "none"},
        )
    demo.goto(stack.web_url + f"{PLAYBOOKS}/{pb}")
    add_step(demo, "Keep this title", hours="lots")
    form = demo.locator("form.step-add")
    expect(form.locator("#pb-err-new-estimatedHours")).to_contain_text("hours", timeout=5000)
    expect(form.get_by_label("Title")).to_have_value("Keep this title")
    form.get_by_label("Hours").fill("-3")
    form.get_by_role("button", name="Add step").click()
    expect(form.locator("#pb-err-new-estimatedHours")).to_contain_text("between", timeout=5000)


@pytest.mark.parametrize("which", ["list", "detail"])
def test_playbook_pages_pass_axe_and_fit_a_phone(
    browser: Browser, stack: Stack, which: str
) -> None:
    path = PLAYBOOKS
    if which == "detail":
        client, program = backend(stack)
        with client:
            pb = client.mutation(
                "playbooks:create",
                {
                    "programId": program["_id"],
                    "name": "Phone check",
                    "targetPlatform": "sitecore",
                    "steps": [{"title": "One", "estimatedHours": 2}, {"title": "Two"}],
                },
            )
        path = f"{PLAYBOOKS}/{pb}"
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    page.goto(stack.web_url + path)
    expect(page.locator("h1")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
    screenshot(page, f"playbooks-{which}-phone")
    assert axe_violations(page, stack) == []
    context.close()
