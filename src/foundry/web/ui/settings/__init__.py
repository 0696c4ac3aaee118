"""Program settings: the program's details and status, and its team, live."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from foundry.client.errors import FunctionError
from foundry.web.live import Region, Tab
from foundry.web.live_forms import FormContext
from foundry.web.templating import render
from foundry.web.ui.shell import live, program_shell

PHASES = ("discovery", "build", "test", "deploy", "complete")
PLATFORMS = ("magento", "salesforce_b2b", "bigcommerce_b2b", "sitecore", "wordpress", "none")
ENGAGEMENTS = ("greenfield", "migration", "integration", "ongoing_product_dev")
STATUS_MOVES = {
    "active": ("paused", "complete", "archived"),
    "paused": ("active", "archived"),
    "complete": ("active", "archived"),
    "archived": ("active",),
}
PROGRAM_ROLES = ("director", "architect", "developer", "ba", "qa", "client")
DETAIL_FIELDS = (
    "name",
    "clientName",
    "description",
    "phase",
    "sourcePlatform",
    "targetPlatform",
    "engagementType",
)
TEXT_FIELDS = ("name", "clientName", "description")
CHOICE_FIELDS = ("sourcePlatform", "targetPlatform", "engagementType")
"""Choices the form offers as "Not set"; choosing that clears the field."""
LABELS = {
    "magento": "Magento",
    "salesforce_b2b": "Salesforce B2B",
    "bigcommerce_b2b": "BigCommerce B2B",
    "sitecore": "Sitecore",
    "wordpress": "WordPress",
    "none": "None",
    "greenfield": "Greenfield",
    "migration": "Migration",
    "integration": "Integration",
    "ongoing_product_dev": "Ongoing product development",
    "ba": "Business analyst",
    "qa": "QA",
}
DETAILS = "program-settings"
TEAM = "program-team"
TEAM_ADD = "program-team-add"
MEMBERS_PAGE = 200


def label(value: str) -> str:
    """A human label for an enum value."""
    return LABELS.get(value, value.replace("_", " ").capitalize())


def shared(program: dict[str, Any], forms: FormContext) -> dict[str, Any]:
    """Names every settings template may use."""
    return {"program": program, "forms": forms, "label": label}


def details_values(program: dict[str, Any]) -> dict[str, str]:
    """The editable fields of a program as form values."""
    return {k: str(program.get(k) or "") for k in DETAIL_FIELDS}


def details_form(
    program: dict[str, Any],
    forms: FormContext,
    error: str | None = None,
    field: str | None = None,
    values: dict[str, str] | None = None,
) -> Markup:
    """The form editing a program's details (the user's input kept after an error)."""
    return render(
        "settings/details_form.html",
        values=values if values is not None else details_values(program),
        error=error,
        field=field,
        phases=PHASES,
        platforms=PLATFORMS,
        engagements=ENGAGEMENTS,
        **shared(program, forms),
    )


def status_form(program: dict[str, Any], forms: FormContext, error: str | None = None) -> Markup:
    """The form moving a program to another status."""
    return render(
        "settings/status_form.html",
        moves=STATUS_MOVES.get(program["status"], ()),
        error=error,
        **shared(program, forms),
    )


def details_region(program: dict[str, Any], forms: FormContext) -> Region:
    """The program's details and status forms, re-rendered whenever the program changes."""

    def draw(value: dict[str, Any]) -> str:
        return str(details_form(value, forms) + status_form(value, forms))

    return Region(DETAILS, "programs:get", {"programId": program["_id"]}, draw)


def team_region(program: dict[str, Any], forms: FormContext) -> Region:
    """The program's team with a role form and a remove button per member, live."""
    return Region(
        TEAM,
        "team:list",
        {"programId": program["_id"]},
        lambda rows: render(
            "settings/team.html",
            rows=sorted(rows, key=lambda r: (r["name"].lower(), r["_id"])),
            roles=PROGRAM_ROLES,
            **shared(program, forms),
        ),
    )


def team_add_form(
    program: dict[str, Any],
    forms: FormContext,
    members: list[dict[str, Any]],
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Markup:
    """The form putting an organisation member on the team."""
    return render(
        "settings/team_add.html",
        members=members,
        roles=PROGRAM_ROLES,
        error=error,
        values=values or {},
        **shared(program, forms),
    )


def team_add_region(program: dict[str, Any], forms: FormContext) -> Region:
    """The add-a-member form, its choices live from the organisation's members."""
    return Region(
        TEAM_ADD,
        "accounts/orgs:members",
        {"orgId": program["orgId"], "numItems": MEMBERS_PAGE},
        lambda value: team_add_form(program, forms, value["page"]),
    )


def org_members(tab: Tab) -> list[dict[str, Any]]:
    """The organisation's members as the tab currently sees them."""
    current = tab.regions.get(TEAM_ADD)
    if current is None:
        return []
    try:
        members: list[dict[str, Any]] = tab.client.local_result(current.path, current.args)["page"]
    except FunctionError:
        return []
    return members


def settings_page(tab: Tab, program: dict[str, Any]) -> str:
    """The program settings page's body."""
    return str(render("settings/page.html", details=live(tab, DETAILS), program=program))


def team_page(tab: Tab, program: dict[str, Any]) -> str:
    """The team page's body: the add form and the live team list."""
    return str(
        render(
            "settings/team_page.html",
            add=live(tab, TEAM_ADD),
            team=live(tab, TEAM),
            program=program,
        )
    )


def shell_of(
    shell: dict[str, Any], program: dict[str, Any], tab_id: str, *extra: tuple[str, str]
) -> dict[str, Any]:
    """The page shell's context: the program, the tab and the breadcrumbs."""
    context = program_shell(shell, program, tab_id, ("Settings", "/settings"))
    context["breadcrumbs"] += extra  # already whole URLs
    return context


def notice(message: str) -> str:
    """A refused action's message, shown in place of the form's contents."""
    return str(render("settings/notice.html", message=message))
