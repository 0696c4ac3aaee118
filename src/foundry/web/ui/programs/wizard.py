"""The new-program wizard: Basics → Workstreams → Team → Review, then one create.

The draft travels in the form itself: every step's page carries the other steps' values as hidden
fields, so Back and Next keep everything and nothing is stored between requests. The final create
is `programs:create_with_setup`, which checks everything again and writes it all at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData

from foundry.app.programs import NAME_MAX, PHASES, PLATFORMS, SLUG, TEXT_MAX, default_workstreams
from foundry.app.team import PROGRAM_ROLES
from foundry.web.live import Region
from foundry.web.templating import render

STEPS = ("Basics", "Workstreams", "Team", "Review")
BASICS = ("name", "clientName", "slug", "description", "targetPlatform", "phase", "startDate")
CUSTOM_ROWS = 3
SHORT_CODE = re.compile(r"^[A-Z0-9]{2,6}$")
MEMBERS_REGION = "wizard-members"
MEMBERS_PAGE = 200
PLATFORM_LABELS = {
    "magento": "Adobe Commerce (Magento)",
    "salesforce_b2b": "Salesforce B2B Commerce",
    "bigcommerce_b2b": "BigCommerce B2B",
    "sitecore": "Sitecore",
    "wordpress": "WordPress",
    "none": "Other / none",
}
ROLE_LABELS = {
    "director": "Director",
    "architect": "Architect",
    "developer": "Developer",
    "ba": "Business analyst",
    "qa": "QA",
    "client": "Client (read-only)",
}
assert set(PLATFORM_LABELS) == set(PLATFORMS) and set(ROLE_LABELS) == set(PROGRAM_ROLES)


@dataclass
class Draft:
    """Everything entered so far."""

    basics: dict[str, str] = field(default_factory=dict)
    workstreams: list[tuple[str, str]] = field(default_factory=list)
    ws_seen: bool = False
    team: list[tuple[str, str]] = field(default_factory=list)
    custom: list[tuple[str, str]] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """The program's address: the typed slug, or one derived from the name."""
        return self.basics.get("slug") or slugify(self.basics.get("name", ""))


def slugify(name: str) -> str:
    """The slug the backend derives from a name (foundry.app.programs.slugify)."""
    from foundry.app.programs import slugify as backend_slugify

    return backend_slugify(name) if name.strip() else ""


def _pairs(values: list[str]) -> list[tuple[str, str]]:
    out = []
    for raw in values:
        key, sep, rest = raw.partition("|")
        if sep and key:
            out.append((key, rest))
    return out


def parse(form: FormData, step: int) -> Draft:
    """The draft a wizard post carries: hidden values plus the current step's visible fields."""
    draft = Draft(
        basics={k: str(form.get(k, "")).strip() for k in BASICS},
        workstreams=_pairs([str(x) for x in form.getlist("ws")]),
        ws_seen=form.get("ws_seen") == "1" or step == 2,
        team=_pairs([str(x) for x in form.getlist("team")]),
    )
    if step == 2:
        names, codes = form.getlist("new_name"), form.getlist("new_code")
        draft.custom = [
            (str(c).strip().upper(), str(n).strip()) for n, c in zip(names, codes, strict=False)
        ]
    if step == 3:
        draft.team = [
            (key.removeprefix("role_"), str(value))
            for key, value in form.multi_items()
            if key.startswith("role_") and value in PROGRAM_ROLES
        ]
    return draft


def check_basics(draft: Draft, slug_taken: bool) -> dict[str, str]:
    """Errors of step 1, by field."""
    b, errors = draft.basics, {}
    for key, label in (("name", "Name"), ("clientName", "Client")):
        if not b.get(key):
            errors[key] = f"{label} is required."
        elif len(b[key]) > NAME_MAX:
            errors[key] = f"{label} must be at most {NAME_MAX} characters."
    if b.get("slug") and (not SLUG.match(b["slug"]) or len(b["slug"]) > 60):
        errors["slug"] = "Use lowercase letters and digits separated by single hyphens."
    elif slug_taken:
        errors["slug"] = f"The address /p/{draft.slug} is taken; choose another."
    if len(b.get("description", "")) > TEXT_MAX:
        errors["description"] = f"Description must be at most {TEXT_MAX} characters."
    if b.get("targetPlatform") and b["targetPlatform"] not in PLATFORMS:
        errors["targetPlatform"] = "Choose a platform from the list."
    if b.get("phase", "discovery") not in PHASES:
        errors["phase"] = "Choose a phase from the list."
    if b.get("startDate") and start_ms(b["startDate"]) is None:
        errors["startDate"] = "Enter a date like 2025-03-01."
    return errors


def start_ms(text: str) -> int | None:
    """A yyyy-mm-dd date as milliseconds since the epoch (UTC midnight), or None if invalid."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def merge_custom(draft: Draft, *, strict: bool) -> dict[str, str]:
    """Add the typed workstreams to the chosen ones; errors by field when `strict`."""
    errors: dict[str, str] = {}
    codes = {code for code, _ in draft.workstreams}
    for i, (code, name) in enumerate(draft.custom):
        if not code and not name:
            continue
        if not name:
            errors[f"new_name_{i}"] = "Give the workstream a name."
        elif not SHORT_CODE.match(code):
            errors[f"new_code_{i}"] = "Short code: 2-6 letters or digits."
        elif code in codes:
            errors[f"new_code_{i}"] = f"{code} is already used."
        else:
            draft.workstreams.append((code, name[:NAME_MAX]))
            codes.add(code)
    if not errors:
        draft.custom = []
    if strict and not errors and not draft.workstreams:
        errors["ws"] = "Choose at least one workstream or type your own."
    return errors if strict else {}


def options(draft: Draft) -> list[tuple[str, str, bool]]:
    """Step 2's checkboxes: the platform's defaults and the typed ones, with whether chosen."""
    chosen = dict(draft.workstreams)
    out = [
        (code, chosen.get(code, name), code in chosen or not draft.ws_seen)
        for code, name in default_workstreams(draft.basics.get("targetPlatform") or None)
    ]
    shown = {code for code, _, _ in out}
    out += [(code, name, True) for code, name in draft.workstreams if code not in shown]
    return out


def create_args(org_id: str, draft: Draft) -> dict[str, Any]:
    """The arguments of programs:create_with_setup for this draft."""
    b = draft.basics
    args: dict[str, Any] = {
        "orgId": org_id,
        "name": b.get("name", ""),
        "clientName": b.get("clientName", ""),
        "phase": b.get("phase") or "discovery",
        "workstreams": [{"shortCode": c, "name": n} for c, n in draft.workstreams],
        "team": [{"userId": u, "role": r} for u, r in draft.team],
    }
    for key in ("slug", "description", "targetPlatform"):
        if b.get(key):
            args[key] = b[key]
    if b.get("startDate") and (ms := start_ms(b["startDate"])) is not None:
        args["startDate"] = ms
    return args


def step_of_error(path: str) -> int:
    """The wizard step whose field a backend error names."""
    if path.startswith("workstreams"):
        return 2
    if path.startswith("team"):
        return 3
    return 1


def members_region(org_id: str, draft: Draft, *, review: bool = False) -> Region:
    """The organisation's members, live: step 3's role pickers, or the team on the review."""
    return Region(
        MEMBERS_REGION,
        "accounts/orgs:members",
        {"orgId": org_id, "numItems": MEMBERS_PAGE},
        lambda value: render(
            "programs/wizard_members.html",
            members=value["page"],
            chosen=dict(draft.team),
            roles=ROLE_LABELS,
            review=review,
        ),
    )


def wizard(
    step: int,
    draft: Draft,
    csrf: str,
    errors: dict[str, str] | None = None,
    members: Markup | None = None,
) -> Markup:
    """The wizard at `step` (1-4) with the draft, its errors and step 3's live member list."""
    return render(
        "programs/wizard.html",
        step=step,
        steps=STEPS,
        draft=draft,
        b=draft.basics,
        csrf=csrf,
        errors=errors or {},
        members=members,
        options=options(draft),
        custom=(draft.custom + [("", "")] * CUSTOM_ROWS)[:CUSTOM_ROWS],
        platforms=PLATFORM_LABELS,
        phases=PHASES,
        roles=ROLE_LABELS,
    )
