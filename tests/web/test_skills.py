"""Skills in a real browser: forking templates, saving versions, history, diffs and conflicts."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Stack, screenshot, sign_in

pytestmark = pytest.mark.browser
SKILLS = "/p/acmecorp-migration/skills"
AXE = (
    Path(__file__).resolve().parents[2] / "src/foundry/web/assets/node_modules/axe-core/axe.min.js"
)
FORK = "form[aria-label='Fork Solution Architecture']"
EDITOR = 'form[aria-label="Edit the skill\'s content"]'


def unique(prefix: str) -> str:
    """A skill name no other test uses."""
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def fork(page: Page, stack: Stack, name: str) -> str:
    """Fork the architecture template as `name` through the page; the new skill's URL."""
    page.goto(stack.web_url + SKILLS)
    page.fill(f"{FORK} input[name=name]", name)
    page.click(f"{FORK} button[type=submit]")
    link = page.locator("[data-region=skills-list] a", has_text=name)
    expect(link).to_be_visible()
    return stack.web_url + (link.get_attribute("href") or "")


def save(page: Page, content: str, message: str) -> None:
    """Fill the editor and save."""
    page.fill(f"{EDITOR} textarea[name=content]", content)
    page.fill(f"{EDITOR} input[name=message]", message)
    page.click(f"{EDITOR} button[type=submit]")


def test_a_forked_template_appears_in_another_browser(browser: Browser, stack: Stack) -> None:
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    theirs.goto(stack.web_url + SKILLS)
    name = unique("Architecture fork")
    fork(mine, stack, name)
    expect(theirs.locator("[data-region=skills-list]")).to_contain_text(name, timeout=5000)
    screenshot(theirs, "skills-live")
    first.close()
    second.close()


def test_a_saved_version_shows_in_another_browser_and_diffs(browser: Browser, stack: Stack) -> None:
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    url = fork(mine, stack, unique("Versioned"))
    mine.goto(url)
    theirs.goto(url)
    text = mine.locator(f"{EDITOR} textarea[name=content]").input_value()
    added = "Use <b>bold</b> & keep it escaped"
    save(mine, text.rstrip("\n") + "\n" + added + "\n", "Add an escaping rule")
    expect(mine.locator(f"{EDITOR} [role=status]")).to_contain_text("version 2")
    history = theirs.locator("[data-region=skill-versions]")
    expect(history.locator("#version-2")).to_contain_text("Add an escaping rule", timeout=5000)
    expect(theirs.locator("[data-region=skill-summary]")).to_contain_text("v2")
    theirs.select_option("select[name=from]", "1")
    theirs.select_option("select[name=to]", "2")
    theirs.click("form[aria-label='Compare two versions'] button[type=submit]")
    line = theirs.locator(".skill-diff ins.diff-add")
    expect(line).to_have_text("+" + added)
    assert theirs.locator(".skill-diff b").count() == 0
    expect(theirs.locator("[data-region=skill-diff]")).to_contain_text("1 added")
    screenshot(theirs, "skills-diff")
    first.close()
    second.close()


def test_a_stale_save_is_refused_and_keeps_the_text(browser: Browser, stack: Stack) -> None:
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = sign_in(first, stack), sign_in(second, stack)
    url = fork(mine, stack, unique("Contested"))
    mine.goto(url)
    theirs.goto(url)
    save(theirs, "Their rewrite\n", "Theirs")
    expect(theirs.locator(f"{EDITOR} [role=status]")).to_contain_text("version 2")
    save(mine, "My careful edit\n", "Mine")
    expect(mine.locator(f"{EDITOR} [role=alert]")).to_contain_text("saved version 2")
    expect(mine.locator(f"{EDITOR} textarea[name=content]")).to_have_value("My careful edit\n")
    expect(mine.locator(f"{EDITOR} input[name=message]")).to_have_value("Mine")
    expect(mine.locator("#version-2")).to_contain_text("Theirs")
    screenshot(mine, "skills-conflict")
    # Saving again, having seen the warning, replaces their version with ours.
    mine.click(f"{EDITOR} button[type=submit]")
    expect(mine.locator(f"{EDITOR} [role=status]")).to_contain_text("version 3")
    expect(theirs.locator("#version-3")).to_contain_text("Mine", timeout=5000)
    first.close()
    second.close()


def test_skill_pages_are_accessible_and_fit_a_phone(browser: Browser, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    url = fork(page, stack, unique("Phone"))
    page.goto(url)
    save(page, page.locator(f"{EDITOR} textarea[name=content]").input_value() + "More\n", "m")
    expect(page.locator("#version-2")).to_be_visible()
    assert AXE.exists(), "axe-core comes from npm (scripts/setup installs it)"
    for path, name in ((SKILLS, "skills-phone"), (url + "?from=1&to=2", "skill-phone")):
        page.goto(path if path.startswith("http") else stack.web_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
        page.add_script_tag(url=stack.web_url + "/assets/axe-core/axe.min.js")
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], (path, serious)
        screenshot(page, name)
    context.close()


def test_an_unknown_skill_is_not_found(demo: Page, stack: Stack) -> None:
    response = demo.goto(stack.web_url + SKILLS + "/not-a-skill-id")
    assert response is not None and response.status == 404
