"""Account surfaces in a real browser: organisation settings and invitations, accepting an
invitation as a new user, personal API tokens, and the organisation switcher."""

from __future__ import annotations

import secrets

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.web.conftest import Stack, screenshot, sign_in
from tests.web.test_settings import (
    PASSWORD,
    axe_serious,
    new_context,
    new_owner,
    new_program,
)

pytestmark = pytest.mark.browser
ORG = "/settings/org"


def test_org_rename_last_admin_and_invitations(browser: Browser, stack: Stack) -> None:
    owner = new_owner(stack, "olga")
    first, second = new_context(browser), new_context(browser)
    mine, theirs = owner.browser_page(first, stack), owner.browser_page(second, stack)
    mine.goto(stack.web_url + ORG)
    theirs.goto(stack.web_url + ORG)
    rename = mine.locator("form.org-rename")
    rename.get_by_label("Name").fill(" ")
    rename.get_by_label("Name").evaluate("input => input.removeAttribute('required')")
    rename.get_by_role("button", name="Rename").click()
    expect(mine.locator("form.org-rename .field-error[data-field=name]")).to_be_visible(
        timeout=5000
    )
    new_name = f"Olga Ltd {secrets.token_hex(2)}"
    mine.locator("form.org-rename").get_by_label("Name").fill(new_name)
    mine.locator("form.org-rename").get_by_role("button", name="Rename").click()
    expect(theirs.locator("#org-name-input")).to_have_value(new_name, timeout=5000)
    # The only admin cannot step down: the backend refuses and the page says why.
    me = mine.locator("li.org-member")
    me.locator("select[name=role]").select_option("member")
    me.get_by_role("button", name="Change role").click()
    expect(me.get_by_role("alert")).to_contain_text("at least one admin", timeout=5000)
    # An invitation link is shown once and listed as pending; revoking it removes it.
    invite = mine.locator("form.invite-form")
    invite.get_by_label("Email").fill("newcomer@example.test")
    invite.get_by_role("button", name="Create invitation link").click()
    link = mine.locator("#invite-link")
    expect(link).to_be_visible(timeout=5000)
    assert (link.input_value()).startswith(stack.web_url + "/invite/")
    pending = theirs.locator("li.invitation", has_text="newcomer@example.test")
    expect(pending).to_be_visible(timeout=5000)
    screenshot(mine, "org-settings")
    mine.locator("li.invitation").get_by_role("button", name="Revoke").click()
    expect(pending).to_have_count(0, timeout=5000)
    first.close()
    second.close()


def test_a_new_user_accepts_an_invitation_and_sees_the_programs(
    browser: Browser, stack: Stack
) -> None:
    owner = new_owner(stack, "ines")
    slug = new_program(stack, owner)
    email = f"joiner-{secrets.token_hex(4)}@example.test"
    args = {"orgId": owner.tokens["orgId"], "email": email, "role": "member"}
    made = owner.call(stack, "action", "accounts/invitations:create", args)
    admin_context, joiner_context = new_context(browser), new_context(browser)
    admin = owner.browser_page(admin_context, stack)
    admin.goto(stack.web_url + ORG)
    joiner = joiner_context.new_page()
    joiner.goto(stack.web_url + "/invite/" + made["token"])
    mine = owner.call(stack, "query", "accounts/orgs:list_mine", {})
    org_name = next(o["name"] for o in mine if o["_id"] == owner.tokens["orgId"])
    expect(joiner.locator("main")).to_contain_text(f"join {org_name}")
    expect(joiner.locator("main")).to_contain_text("As member")
    signup = joiner.locator("form[aria-label='Sign up to accept']")
    signup.get_by_label("Name").fill("Joiner")
    signup.get_by_label("Email").fill(email)
    signup.get_by_label("Password").fill(PASSWORD)
    signup.get_by_role("button", name="Create account").click()
    joiner.wait_for_url(stack.web_url + "/invite/" + made["token"])
    joiner.get_by_role("button", name="Join the organisation").click()
    joiner.wait_for_url(stack.web_url + "/")
    expect(joiner.locator(f"a[href='/p/{slug}']")).to_be_visible(timeout=5000)
    # The admin's members list shows the newcomer without a reload.
    expect(admin.locator("li.org-member", has_text=email)).to_be_visible(timeout=5000)
    screenshot(joiner, "invitation-accepted")
    used = joiner.goto(stack.web_url + "/invite/" + made["token"])  # a used link offers nothing
    assert used is not None and used.status == 404
    expect(joiner.locator("h1")).to_have_text("Invitation not found")
    admin_context.close()
    joiner_context.close()


def test_an_api_token_is_shown_once_exchanged_and_revoked(browser: Browser, stack: Stack) -> None:
    owner = new_owner(stack, "tom")
    context = new_context(browser)
    page = owner.browser_page(context, stack)
    page.goto(stack.web_url + "/settings/tokens")
    form = page.locator("form.token-form")
    form.get_by_label("Name").fill("ci script")
    form.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token")
    expect(secret).to_be_visible(timeout=5000)
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    token = secret.input_value()
    row = page.locator("tr.api-token", has_text="ci script")
    expect(row).to_be_visible()
    exchanged = httpx.post(
        stack.backend_url + "/auth/token", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert exchanged.status_code == 200 and exchanged.json()["accessToken"]
    expect(row.locator("[data-last-used]")).not_to_have_text("—", timeout=5000)
    screenshot(page, "api-tokens")
    row.get_by_role("button", name="Revoke").click()
    expect(row.locator("[data-revoked]")).to_be_visible(timeout=5000)
    refused = httpx.post(
        stack.backend_url + "/auth/token", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert refused.status_code == 401
    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)
    context.close()


def test_the_org_switcher_moves_the_session_to_another_org(browser: Browser, stack: Stack) -> None:
    owner = new_owner(stack, "sam")
    other = f"Sam Second {secrets.token_hex(2)}"
    owner.call(stack, "mutation", "accounts/orgs:create", {"name": other})
    context = new_context(browser)
    page = owner.browser_page(context, stack)
    fragment = page.request.get(stack.web_url + "/settings/orgs?fragment=1")
    assert other in fragment.text() and "<html" not in fragment.text()
    page.goto(stack.web_url + "/settings/orgs")
    page.get_by_role("button", name=f"Switch to {other}").click()
    page.wait_for_url(stack.web_url + "/")
    page.goto(stack.web_url + ORG)
    expect(page.locator("#org-name-input")).to_have_value(other)
    page.goto(stack.web_url + "/settings/orgs")
    expect(page.locator("li.org-choice", has_text=other)).to_contain_text("Current")
    screenshot(page, "org-switcher")
    context.close()


def test_account_pages_pass_axe_and_fit_a_phone(browser: Browser, stack: Stack) -> None:
    context = new_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    anonymous = context.new_page()
    anonymous.goto(stack.web_url + "/invite/not-a-real-token")
    assert axe_serious(anonymous, stack) == []
    screenshot(anonymous, "phone-invite")
    page = sign_in(context, stack)
    for path in (ORG, "/settings/tokens", "/settings/orgs", "/invite/not-a-real-token"):
        page.goto(stack.web_url + path)
        expect(page.locator("h1")).to_be_visible()
        assert axe_serious(page, stack) == [], path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"{path} scrolls sideways on a phone ({width}px)"
        screenshot(page, "phone" + path.replace("/", "-"))
    context.close()
