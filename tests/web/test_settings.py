"""Program settings in a real browser: details and status, the team and its roles, live."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from foundry.client.http import SyncHttpClient
from tests.web.conftest import Stack, screenshot, sign_in

pytestmark = pytest.mark.browser
AXE_PATHS = ["/p/acmecorp-migration/settings", "/p/acmecorp-migration/settings/team"]
PASSWORD = "settings-password-1"


@dataclass
class Owner:
    """A freshly signed-up user, admin of their own organisation."""

    email: str
    tokens: dict[str, Any]

    def call(self, stack: Stack, kind: str, path: str, args: dict[str, Any]) -> Any:
        """Run a backend function (query, mutation or action) as this user."""
        with SyncHttpClient(stack.backend_url, self.tokens["accessToken"]) as client:
            return getattr(client, kind)(path, args)

    def browser_page(self, context: BrowserContext, stack: Stack) -> Page:
        """A signed-in page of `context` for this user."""
        return sign_in(context, stack, self.email, PASSWORD)


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A browser context whose every wait is bounded by 10 s."""
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    return context


def new_owner(stack: Stack, who: str) -> Owner:
    """Sign up a user with an organisation of their own, through the backend."""
    email = f"{who}-{secrets.token_hex(4)}@example.test"
    body = {"email": email, "password": PASSWORD, "name": who.title(), "orgName": f"{who} org"}
    response = httpx.post(stack.backend_url + "/auth/signup", json=body, timeout=10)
    response.raise_for_status()
    return Owner(email, response.json())


def new_program(stack: Stack, owner: Owner) -> str:
    """Create a program in the owner's organisation; its slug."""
    name = f"Settings {secrets.token_hex(3)}"
    args = {"orgId": owner.tokens["orgId"], "name": name, "clientName": "Client Co"}
    program_id = owner.call(stack, "mutation", "programs:create", args)
    program = owner.call(stack, "query", "programs:get", {"programId": program_id})
    return str(program["slug"])


def axe_serious(page: Page, stack: Stack) -> list[str]:
    """The ids of serious or critical axe violations on the page."""
    page.add_script_tag(url=stack.web_url + "/assets/axe-core/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_program_details_refuse_bad_input_and_show_live_in_another_browser(
    browser: Browser, stack: Stack
) -> None:
    owner = new_owner(stack, "ada")
    url = stack.web_url + f"/p/{new_program(stack, owner)}/settings"
    first, second = new_context(browser), new_context(browser)
    mine, theirs = owner.browser_page(first, stack), owner.browser_page(second, stack)
    mine.goto(url)
    theirs.goto(url)
    theirs.evaluate("window.notReloaded = true")
    form = mine.locator("form[aria-label='Program details']")
    form.get_by_label("Name").fill("  ")
    form.get_by_label("Name").evaluate("input => input.removeAttribute('required')")
    form.get_by_label("Client").fill("Kept Client")
    form.get_by_role("button", name="Save details").click()
    error = mine.locator("form[aria-label='Program details'] .field-error[data-field=name]")
    expect(error).to_contain_text("name", timeout=5000)
    expect(mine.locator("#ps-client")).to_have_value("Kept Client")
    screenshot(mine, "program-settings-error")
    form = mine.locator("form[aria-label='Program details']")
    form.get_by_label("Name").fill("Renamed program")
    form.get_by_label("Phase").select_option("build")
    form.get_by_label("Target platform").select_option("sitecore")
    form.get_by_role("button", name="Save details").click()
    expect(theirs.locator("#ps-name")).to_have_value("Renamed program", timeout=5000)
    expect(theirs.locator("#ps-phase")).to_have_value("build")
    expect(theirs.locator("#ps-target")).to_have_value("sitecore")
    expect(theirs.locator("#ps-client")).to_have_value("Kept Client")
    status = mine.locator("form[aria-label='Program status']")
    status.get_by_label("Move to").select_option("paused")
    status.get_by_role("button", name="Change status").click()
    expect(theirs.locator("[data-status]")).to_have_text("Paused", timeout=5000)
    assert theirs.evaluate("window.notReloaded") is True
    screenshot(theirs, "program-settings-live")
    first.close()
    second.close()


def test_team_members_are_added_re_roled_and_removed_live(browser: Browser, stack: Stack) -> None:
    owner = new_owner(stack, "grace")
    url = stack.web_url + f"/p/{new_program(stack, owner)}/settings/team"
    first, second = new_context(browser), new_context(browser)
    mine, theirs = owner.browser_page(first, stack), owner.browser_page(second, stack)
    mine.goto(url)
    theirs.goto(url)
    add = mine.locator("form[aria-label='Add a team member']")
    add.get_by_label("Role").select_option("developer")
    add.get_by_role("button", name="Add to team").click()
    row = theirs.locator("li.team-member")
    expect(row.locator("[data-role]")).to_have_text("Developer", timeout=5000)
    expect(mine.locator("li.team-member [data-role]")).to_have_text("Developer")
    mine.locator("li.team-member select[name=role]").select_option("architect")
    mine.locator("li.team-member").get_by_role("button", name="Change role").click()
    expect(row.locator("[data-role]")).to_have_text("Architect", timeout=5000)
    screenshot(theirs, "program-team-live")
    mine.locator("li.team-member").get_by_role("button", name="Remove").click()
    expect(row).to_have_count(0, timeout=5000)
    expect(theirs.locator("[data-region=program-team]")).to_contain_text("Nobody")
    first.close()
    second.close()


def test_another_organisation_gets_404_on_program_settings(browser: Browser, stack: Stack) -> None:
    stranger = new_owner(stack, "mallory")
    context = new_context(browser)
    page = stranger.browser_page(context, stack)
    for path in AXE_PATHS:
        response = page.goto(stack.web_url + path)
        assert response is not None and response.status == 404, path
        expect(page.locator("body")).not_to_contain_text("AcmeCorp")
    context.close()


def test_settings_pages_pass_axe_and_fit_a_phone(browser: Browser, stack: Stack) -> None:
    context = new_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = sign_in(context, stack)
    for path in AXE_PATHS:
        page.goto(stack.web_url + path)
        expect(page.locator("h1")).to_be_visible()
        assert axe_serious(page, stack) == [], path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
        screenshot(page, "phone" + path.replace("/", "-"))
    context.close()
