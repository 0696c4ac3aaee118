"""Programs: one client engagement, the root of all delivery knowledge below it.

The pattern every domain module follows: public functions are thin; `check_*` helpers do access
and validation; `do_*` helpers write, audit and schedule (call them only after the checks).
"""

from __future__ import annotations

import builtins
import re
from typing import Any

from foundry.app.model.access import Member, assert_org_access, get_program_for_member
from foundry.app.model.audit import record_audit
from foundry.app.team import PROGRAM_ROLES
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

PLATFORMS = ("magento", "salesforce_b2b", "bigcommerce_b2b", "sitecore", "wordpress", "none")
ENGAGEMENTS = ("greenfield", "migration", "integration", "ongoing_product_dev")
PHASES = ("discovery", "build", "test", "deploy", "complete")
STATUSES = ("active", "paused", "complete", "archived")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NAME_MAX = 200
TEXT_MAX = 20_000

TECH_STACK = v.array(
    v.object({"category": v.string(), "technologies": v.array(v.string())}), max_length=50
)

TABLES = {
    "programs": define_table(
        {
            "orgId": v.id("organizations"),
            "name": v.string(),
            "slug": v.string(),
            "clientName": v.string(),
            "description": v.optional(v.string()),
            "sourcePlatform": v.optional(v.literal(*PLATFORMS)),
            "targetPlatform": v.optional(v.literal(*PLATFORMS)),
            "engagementType": v.optional(v.literal(*ENGAGEMENTS)),
            "techStack": v.optional(TECH_STACK),
            "phase": v.literal(*PHASES),
            "status": v.literal(*STATUSES),
            "startDate": v.optional(v.number()),
            "targetEndDate": v.optional(v.number()),
        }
    )
    .index("by_org", ["orgId", "status"])
    .index("by_org_slug", ["orgId", "slug"]),
}

EDITABLE = {
    "name": v.optional(v.string()),
    "clientName": v.optional(v.string()),
    "description": v.optional(v.string()),
    "sourcePlatform": v.optional(v.literal(*PLATFORMS)),
    "targetPlatform": v.optional(v.literal(*PLATFORMS)),
    "engagementType": v.optional(v.literal(*ENGAGEMENTS)),
    "techStack": v.optional(TECH_STACK),
    "phase": v.optional(v.literal(*PHASES)),
    "startDate": v.optional(v.number()),
    "targetEndDate": v.optional(v.number()),
}


def slugify(name: str) -> str:
    """A URL slug from a name: lowercase words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "program"


def check_text(field: str, value: str | None, limit: int, *, required: bool = False) -> None:
    """Raise an ArgumentError naming `field` when text is missing or too long."""
    if value is None:
        if required:
            raise ArgumentError(f"{field} is required", {"path": field})
        return
    if required and not value.strip():
        raise ArgumentError(f"{field} must not be empty", {"path": field})
    if len(value) > limit:
        raise ArgumentError(
            f"{field} is longer than {limit} characters", {"path": field, "limit": limit}
        )


def check_fields(fields: dict[str, Any]) -> None:
    """Validate the free-text and date fields of a program."""
    check_text("name", fields.get("name"), NAME_MAX, required="name" in fields)
    check_text("clientName", fields.get("clientName"), NAME_MAX, required="clientName" in fields)
    check_text("description", fields.get("description"), TEXT_MAX)
    start, end = fields.get("startDate"), fields.get("targetEndDate")
    if start is not None and end is not None and end < start:
        raise ArgumentError("targetEndDate must not be before startDate", {"path": "targetEndDate"})


def check_slug_free(ctx: QueryCtx, org_id: str, slug: str, program_id: str | None = None) -> None:
    """Raise unless `slug` is well formed and no other program of the organisation uses it."""
    if not SLUG.match(slug) or len(slug) > 60:
        raise ArgumentError(
            "slug must be lowercase letters and digits separated by single hyphens",
            {"path": "slug"},
        )
    taken = (
        ctx.db.query("programs")
        .with_index("by_org_slug", lambda q: q.eq("orgId", org_id).eq("slug", slug))
        .first()
    )
    if taken is not None and taken["_id"] != program_id:
        raise ArgumentError(f"slug {slug!r} is already used by another program", {"path": "slug"})


def do_create_program(ctx: MutationCtx, member: Member, fields: dict[str, Any]) -> str:
    """Insert a program and its audit row (fields already checked)."""
    doc = {"orgId": member.org_id, "phase": "discovery", "status": "active", **fields}
    program_id = ctx.db.insert("programs", doc)
    record_audit(
        ctx,
        member,
        program_id=program_id,
        entity_type="program",
        entity_id=program_id,
        action="create",
        description=f"Created program {doc['name']}",
        after=doc,
    )
    return program_id


@mutation(
    args={
        "orgId": v.id("organizations"),
        "name": v.string(),
        "clientName": v.string(),
        "slug": v.optional(v.string()),
        **{k: val for k, val in EDITABLE.items() if k not in ("name", "clientName")},
    }
)
def create(ctx: MutationCtx, orgId: str, **fields: Any) -> str:
    """Create a program in an organisation."""
    member = assert_org_access(ctx, orgId, write=True)
    check_fields(fields)
    slug = fields.pop("slug", None) or slugify(fields["name"])
    check_slug_free(ctx, orgId, slug)
    return do_create_program(ctx, member, {**fields, "slug": slug})


CLEARABLE: tuple[str, ...] = ("description", "sourcePlatform", "targetPlatform", "engagementType")
CLEARABLE += ("techStack", "startDate", "targetEndDate")


@mutation(
    args={
        "programId": v.id("programs"),
        "slug": v.optional(v.string()),
        **EDITABLE,
        "unset": v.optional(v.array(v.literal(*CLEARABLE))),
    }
)
def update(
    ctx: MutationCtx, programId: str, unset: builtins.list[str] | None = None, **fields: Any
) -> None:
    """Change a program's details; the optional fields named in `unset` go back to not set."""
    member, program = get_program_for_member(ctx, programId, write=True)
    check_fields(fields)
    if fields.get("slug") is not None:
        check_slug_free(ctx, program["orgId"], fields["slug"], programId)
    changes = {k: val for k, val in fields.items() if val is not None}
    for field in unset or ():
        if field in changes:
            raise ArgumentError(f"{field} cannot be both set and unset", {"path": field})
    cleared = dict.fromkeys(unset or ())
    ctx.db.patch(programId, {**changes, **cleared})
    after = {k: val for k, val in {**program, **changes}.items() if k not in cleared}
    record_audit(
        ctx,
        member,
        program_id=programId,
        entity_type="program",
        entity_id=programId,
        action="update",
        description=f"Updated program {after['name']}",
        before=program,
        after=after,
    )


STATUS_MOVES = {
    "active": {"paused", "complete", "archived"},
    "paused": {"active", "archived"},
    "complete": {"active", "archived"},
    "archived": {"active"},
}


@mutation(args={"programId": v.id("programs"), "status": v.literal(*STATUSES)})
def set_status(ctx: MutationCtx, programId: str, status: str) -> None:
    """Move a program to another status (allowed moves are in STATUS_MOVES)."""
    member, program = get_program_for_member(ctx, programId, write=True)
    if status not in STATUS_MOVES[program["status"]]:
        raise ArgumentError(
            f"status: expected one of {sorted(STATUS_MOVES[program['status']])} from "
            f"{program['status']!r}, got {status!r}",
            {"path": "status", "from": program["status"]},
        )
    ctx.db.patch(programId, {"status": status})
    record_audit(
        ctx,
        member,
        program_id=programId,
        entity_type="program",
        entity_id=programId,
        action="status_change",
        description=f"Program {program['name']}: {program['status']} → {status}",
        before={"status": program["status"]},
        after={"status": status},
    )


@query(args={"orgId": v.id("organizations"), "status": v.optional(v.literal(*STATUSES))})
def list(ctx: QueryCtx, orgId: str, status: str | None = None) -> Any:
    """The organisation's programs (at most 500), optionally of one status."""
    assert_org_access(ctx, orgId)
    if status is None:
        return (
            ctx.db.query("programs").with_index("by_org", lambda q: q.eq("orgId", orgId)).take(500)
        )
    return (
        ctx.db.query("programs")
        .with_index("by_org", lambda q: q.eq("orgId", orgId).eq("status", status))
        .take(500)
    )


@query(args={"orgId": v.id("organizations"), "slug": v.string()})
def get_by_slug(ctx: QueryCtx, orgId: str, slug: str) -> Any:
    """The program with this slug in the organisation, or None."""
    assert_org_access(ctx, orgId)
    return (
        ctx.db.query("programs")
        .with_index("by_org_slug", lambda q: q.eq("orgId", orgId).eq("slug", slug))
        .first()
    )


@query(args={"programId": v.id("programs")})
def get(ctx: QueryCtx, programId: str) -> Any:
    """One program."""
    _, program = get_program_for_member(ctx, programId)
    return program


# Workstreams a new program starts with, by target platform (short code, name); the wizard offers
# them and anyone may type their own instead.
COMMON_WORKSTREAMS = (
    ("PM", "Program management"),
    ("DATA", "Data migration"),
    ("INT", "Integrations"),
    ("QA", "Quality assurance"),
)
DEFAULT_WORKSTREAMS: dict[str, tuple[tuple[str, str], ...]] = {
    "magento": (("CAT", "Catalog"), ("CHK", "Cart and checkout"), ("B2B", "B2B accounts")),
    "salesforce_b2b": (("CAT", "Catalog"), ("CHK", "Checkout"), ("ACC", "Buyer accounts")),
    "bigcommerce_b2b": (("CAT", "Catalog"), ("CHK", "Checkout"), ("B2B", "B2B edition")),
    "sitecore": (("CMS", "Content"), ("PERS", "Personalisation"), ("SRCH", "Search")),
    "wordpress": (("CMS", "Content"), ("THEME", "Theme"), ("SEO", "SEO")),
    "none": (("FE", "Front end"), ("BE", "Back end")),
}
SETUP_WORKSTREAMS_MAX = 30
SETUP_TEAM_MAX = 100


def default_workstreams(platform: str | None) -> builtins.list[tuple[str, str]]:
    """The workstreams (short code, name) suggested for a program on `platform`."""
    return [
        *DEFAULT_WORKSTREAMS.get(platform or "none", DEFAULT_WORKSTREAMS["none"]),
        *COMMON_WORKSTREAMS,
    ]


def check_setup(
    ctx: QueryCtx, org_id: str, workstreams: Any, team: Any
) -> tuple[builtins.list[dict[str, Any]], builtins.list[dict[str, Any]]]:
    """The wizard's workstreams and team, checked; an ArgumentError naming the bad entry."""
    from foundry.app.workstreams import SHORT_CODE

    seen: set[str] = set()
    streams = []
    for i, ws in enumerate(workstreams):
        name, code = ws["name"].strip(), ws["shortCode"].strip().upper()
        check_text(f"workstreams[{i}].name", name, NAME_MAX, required=True)
        if not SHORT_CODE.match(code):
            raise ArgumentError(
                f"workstreams[{i}].shortCode must be 2-6 uppercase letters or digits",
                {"path": f"workstreams[{i}].shortCode"},
            )
        if code in seen:
            raise ArgumentError(
                f"workstreams[{i}].shortCode {code!r} is given twice",
                {"path": f"workstreams[{i}].shortCode"},
            )
        seen.add(code)
        streams.append({"name": name, "shortCode": code, "sortOrder": i + 1})
    people: dict[str, str] = {}
    for i, row in enumerate(team):
        user_id = row["userId"]
        membership = (
            ctx.db.query("memberships")
            .with_index("by_org_user", lambda q: q.eq("orgId", org_id).eq("userId", user_id))  # noqa: B023 - used at once
            .unique()
        )
        if membership is None:
            raise ArgumentError(
                f"team[{i}].userId is not a member of the organisation",
                {"path": f"team[{i}].userId"},
            )
        people[row["userId"]] = row["role"]
    return streams, [{"userId": u, "role": r} for u, r in people.items()]


@mutation(
    args={
        "orgId": v.id("organizations"),
        "name": v.string(),
        "clientName": v.string(),
        "slug": v.optional(v.string()),
        **{k: val for k, val in EDITABLE.items() if k not in ("name", "clientName")},
        "workstreams": v.array(
            v.object({"name": v.string(), "shortCode": v.string()}),
            max_length=SETUP_WORKSTREAMS_MAX,
        ),
        "team": v.optional(
            v.array(
                v.object({"userId": v.id("users"), "role": v.literal(*PROGRAM_ROLES)}),
                max_length=SETUP_TEAM_MAX,
            )
        ),
    }
)
def create_with_setup(
    ctx: MutationCtx,
    orgId: str,
    workstreams: builtins.list[dict[str, Any]],
    team: builtins.list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, str]:
    """Create a program with its workstreams and team in one go (the new-program wizard).

    Everything is checked before anything is written, and it all commits together or not at all.
    Returns the new program's id and slug.
    """
    from foundry.app import workstreams as ws_module

    member = assert_org_access(ctx, orgId, write=True)
    fields = {k: val for k, val in fields.items() if val is not None}
    check_fields(fields)
    slug = fields.pop("slug", None) or slugify(fields["name"])
    check_slug_free(ctx, orgId, slug)
    streams, people = check_setup(ctx, orgId, workstreams, team or [])
    program_id = do_create_program(ctx, member, {**fields, "slug": slug})
    program = ctx.db.get(program_id)
    assert program is not None
    for stream in streams:
        ws_module.do_create(ctx, member, program, stream)
    for person in people:
        row = {"orgId": orgId, "programId": program_id, **person}
        row_id = ctx.db.insert("teamMembers", row)
        record_audit(
            ctx,
            member,
            program_id=program_id,
            entity_type="teamMember",
            entity_id=row_id,
            action="create",
            description=f"Added a {person['role']} to the team",
            after=row,
        )
    return {"programId": program_id, "slug": slug}
