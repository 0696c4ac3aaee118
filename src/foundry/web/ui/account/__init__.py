"""Organisation settings (name, members, invitations), personal API tokens, the organisation
switcher and the invitation-accept page."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from foundry.client.errors import FunctionError
from foundry.web.live import Region, Tab
from foundry.web.live_forms import FormContext
from foundry.web.templating import render
from foundry.web.ui.shell import live, page

ORG_ROLES = ("admin", "member", "client")
ORG_NAME = "org-name"
ORG_MEMBERS = "org-members"
INVITATIONS = "org-invitations"
TOKENS = "api-tokens"
PAGE_SIZE = 200
OWN_WRITE_WAIT_S = 3.0
"""How long an answer waits for an action's write to reach the tab's subscription."""


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def when(ms: float | None) -> str:
    """A timestamp in milliseconds as a UTC date and time (or a dash)."""
    if not ms:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ms / 1000))


def shared(forms: FormContext, org_id: str, me: str) -> dict[str, Any]:
    """Names every account template may use."""
    return {"forms": forms, "org_id": org_id, "me": me, "label": _label, "when": when}


def rename_form(
    forms: FormContext,
    org: dict[str, Any] | None,
    error: str | None = None,
    value: str | None = None,
) -> Markup:
    """The form renaming the active organisation."""
    name = value if value is not None else (org or {}).get("name", "")
    return render(
        "account/rename.html",
        org=org or {},
        name=name,
        error=error,
        forms=forms,
        admin=(org or {}).get("role") == "admin",
    )


def org_name_region(org_id: str, forms: FormContext) -> Region:
    """The organisation's name (and the rename form for admins), live."""

    def draw(orgs: list[dict[str, Any]]) -> Markup:
        return rename_form(forms, next((o for o in orgs if o["_id"] == org_id), None))

    return Region(ORG_NAME, "accounts/orgs:list_mine", {}, draw)


def members_region(org_id: str, me: str, forms: FormContext) -> Region:
    """The organisation's members with role and remove forms, live."""
    return Region(
        ORG_MEMBERS,
        "accounts/orgs:members",
        {"orgId": org_id, "numItems": PAGE_SIZE},
        lambda value: render(
            "account/members.html",
            rows=value["page"],
            roles=ORG_ROLES,
            **shared(forms, org_id, me),
        ),
    )


def invitations_region(org_id: str, forms: FormContext) -> Region:
    """The organisation's pending invitations with a revoke button each, live (admins only)."""
    return Region(
        INVITATIONS,
        "accounts/invitations:list",
        {"orgId": org_id, "status": "pending", "numItems": PAGE_SIZE},
        lambda value: render(
            "account/invitations.html", rows=value["page"], **shared(forms, org_id, "")
        ),
        render_error=lambda error: str(
            render("account/notice.html", message="Only organisation admins see invitations.")
        ),
    )


def invite_form(
    forms: FormContext,
    error: str | None = None,
    field: str | None = None,
    values: dict[str, str] | None = None,
    link: str | None = None,
) -> Markup:
    """The form creating an invitation link (showing a just-created link once)."""
    return render(
        "account/invite_form.html",
        error=error,
        field=field,
        values=values or {},
        link=link,
        roles=ORG_ROLES,
        forms=forms,
        label=_label,
    )


def org_page(tab: Tab, forms: FormContext) -> str:
    """The organisation settings page's body."""
    return str(
        render(
            "account/org_page.html",
            name=live(tab, ORG_NAME),
            members=live(tab, ORG_MEMBERS),
            invitations=live(tab, INVITATIONS),
            invite=invite_form(forms),
        )
    )


def tokens_region(forms: FormContext) -> Region:
    """The caller's personal API tokens, live."""
    return Region(
        TOKENS,
        "accounts/api_tokens:list",
        {"numItems": PAGE_SIZE},
        lambda value: render("account/tokens.html", rows=value["page"], forms=forms, when=when),
    )


def token_form(
    forms: FormContext,
    error: str | None = None,
    name: str = "",
    created: dict[str, Any] | None = None,
) -> Markup:
    """The form creating a token (showing a just-created token once, with a copy button)."""
    return render("account/token_form.html", forms=forms, error=error, name=name, created=created)


def tokens_page(tab: Tab, forms: FormContext) -> str:
    """The API tokens page's body."""
    return str(render("account/tokens_page.html", form=token_form(forms), tokens=live(tab, TOKENS)))


def org_switcher(orgs: list[dict[str, Any]], active: str | None, csrf: str) -> Markup:
    """The organisation switcher: the user's organisations, each with a switch button."""
    return render("account/switcher.html", orgs=orgs, active=active, csrf=csrf, label=_label)


def orgs_page(orgs: list[dict[str, Any]], active: str | None, csrf: str) -> Markup:
    """The organisations page's body (the switcher on its own page)."""
    return render("account/orgs_page.html", switcher=org_switcher(orgs, active, csrf))


def invite_page(
    token: str,
    *,
    signed_in_as: dict[str, Any] | None,
    csrf: str,
    error: str | None = None,
    form: str | None = None,
    values: dict[str, str] | None = None,
    shell: dict[str, Any] | None = None,
    offer: dict[str, Any] | None = None,
) -> str:
    """The page an invitation link opens: join (signed in) or log in / sign up first."""
    body = render(
        "account/invite_accept.html",
        offer=offer or {},
        token=token,
        user=signed_in_as,
        csrf=csrf,
        error=error,
        form=form,
        values=values or {},
    )
    return page("Join an organisation", body, **(shell or {}))


def invalid_invitation() -> str:
    """The page of a link that offers nothing: unknown, revoked or already used."""
    message = (
        "<p>This invitation link is not valid: it may have been used or revoked."
        " Ask an admin of the organisation for a new one.</p>"
    )
    return page("Invitation not found", message)


def notice(message: str) -> str:
    """A refused action's message, shown in place of the form's contents."""
    return str(render("account/notice.html", message=message))


async def wait_for(tab: Tab, name: str, seen: Callable[[Any], bool]) -> None:
    """Wait (bounded) until region `name`'s value satisfies `seen`: an action's write arrived."""
    current = tab.regions.get(name)
    if current is None:
        return
    deadline = time.monotonic() + OWN_WRITE_WAIT_S
    while time.monotonic() < deadline:
        try:
            if seen(tab.client.local_result(current.path, current.args)):
                return
        except FunctionError:
            return
        await asyncio.sleep(0.02)


def has_row(key: str, value: Any) -> Callable[[Any], bool]:
    """A test for `wait_for`: a paginated result holds a row with `row[key] == value`."""
    return lambda result: any(row.get(key) == value for row in result["page"])


def role_fields(
    forms: FormContext, user_id: str, role: str, error: str, tab: Tab | None = None
) -> str:
    """A member's role form contents after the backend refused the change, with its error."""
    row: dict[str, Any] = {"userId": user_id, "role": role}
    if tab is not None and (current := tab.regions.get(ORG_MEMBERS)) is not None:
        try:
            rows = tab.client.local_result(current.path, current.args)["page"]
            row = next((r for r in rows if r["userId"] == user_id), row)
        except FunctionError:
            pass
    return str(
        render(
            "account/role_fields.html",
            row=row,
            chosen=row["role"],
            error=error,
            roles=ORG_ROLES,
            forms=forms,
            label=_label,
        )
    )
