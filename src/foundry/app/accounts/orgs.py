"""Organisations (tenants) and their members: create, rename, list, remove, change roles.

Only organisation admins manage members and settings; every member may list the members. An
organisation always keeps at least one admin. Organisations synced from an outside identity
provider (they carry an `externalId`) have their members managed there, not here.
"""

from __future__ import annotations

import re
from typing import Any

from foundry.app.accounts import config
from foundry.app.accounts.tables import ORG_ROLES
from foundry.app.model.access import Member, assert_org_access, current_user, not_found
from foundry.app.model.audit import record_audit
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError, ForbiddenError
from foundry.engine.functions import mutation, query
from foundry.engine.values import v

ORG_NAME_MAX = 120
MAX_ORGS_PER_USER = 200


def check_org_name(name: str, field: str = "name") -> str:
    """The trimmed name; an ArgumentError naming `field` when it is empty or too long."""
    name = name.strip()
    if not name:
        raise ArgumentError(f"{field} must not be empty", {"path": field})
    if len(name) > ORG_NAME_MAX:
        raise ArgumentError(
            f"{field} is longer than {ORG_NAME_MAX} characters",
            {"path": field, "limit": ORG_NAME_MAX},
        )
    return name


def slug_taken(ctx: QueryCtx, slug: str) -> bool:
    """Whether an organisation already uses `slug`."""
    return (
        ctx.db.query("organizations").with_index("by_slug", lambda q: q.eq("slug", slug)).first()
        is not None
    )


def unique_slug(ctx: QueryCtx, name: str) -> str:
    """A slug for `name` that no organisation uses yet."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "org"
    for n in range(1, 100):
        slug = base if n == 1 else f"{base}-{n}"
        if not slug_taken(ctx, slug):
            return slug
    return f"{base}-{ctx.random.getrandbits(40):x}"


def membership_of(ctx: QueryCtx, org_id: str, user_id: str) -> dict[str, Any] | None:
    """The membership of `user_id` in `org_id`, if any."""
    return (
        ctx.db.query("memberships")
        .with_index("by_org_user", lambda q: q.eq("orgId", org_id).eq("userId", user_id))
        .unique()
    )


def orgs_of(ctx: QueryCtx, user_id: str) -> list[dict[str, Any]]:
    """`[{_id, name, slug, role}]` for every organisation the user belongs to."""
    rows = (
        ctx.db.query("memberships")
        .with_index("by_user", lambda q: q.eq("userId", user_id))
        .take(MAX_ORGS_PER_USER)
    )
    out = []
    for row in rows:
        org = ctx.db.get(row["orgId"])
        if org is not None:
            out.append(
                {"_id": org["_id"], "name": org["name"], "slug": org["slug"], "role": row["role"]}
            )
    return out


def org_for_identity(ctx: QueryCtx) -> str | None:
    """Our organisation id for the caller's token's organisation claim, if it names one.

    The claim is either our own id (tokens we mint) or an outside provider's organisation id
    (Clerk's `org_…`), mapped through `organizations.externalId`. Membership is not checked here:
    pass the result to `assert_org_access`.
    """
    identity = ctx.auth.get_user_identity()
    claim = identity.org_id if identity is not None else None
    if claim is None:
        return None
    if ctx.db.normalize_id("organizations", claim) is not None:
        return claim if ctx.db.get(claim) is not None else None
    org = (
        ctx.db.query("organizations")
        .with_index("by_external_id", lambda q: q.eq("externalId", claim))
        .first()
    )
    return org["_id"] if org is not None else None


def admin_count(ctx: QueryCtx, org_id: str, limit: int = 2) -> int:
    """How many admins the organisation has, counting at most `limit`."""
    rows = (
        ctx.db.query("memberships")
        .with_index("by_org_role", lambda q: q.eq("orgId", org_id).eq("role", "admin"))
        .take(limit)
    )
    return len(rows)


def do_create_org(
    ctx: MutationCtx, user: dict[str, Any], name: str, *, external_id: str | None = None
) -> str:
    """Insert an organisation with `user` as its admin (and active org if they have none)."""
    doc: dict[str, Any] = {"name": name, "slug": unique_slug(ctx, name), "createdBy": user["_id"]}
    if external_id is not None:
        doc["externalId"] = external_id
    org_id = ctx.db.insert("organizations", doc)
    do_add_member(ctx, org_id, user, "admin")
    member = Member(user["_id"], user["name"], org_id, "admin")
    record_audit(
        ctx,
        member,
        program_id=None,
        entity_type="organization",
        entity_id=org_id,
        action="create",
        description=f"Created organisation {name}",
        after=doc,
    )
    return org_id


def do_add_member(ctx: MutationCtx, org_id: str, user: dict[str, Any], role: str) -> str:
    """Make `user` a member with `role` (updating an existing membership's role)."""
    existing = membership_of(ctx, org_id, user["_id"])
    if existing is not None:
        if existing["role"] != role:
            ctx.db.patch(existing["_id"], {"role": role})
        membership_id: str = existing["_id"]
    else:
        membership_id = ctx.db.insert(
            "memberships", {"orgId": org_id, "userId": user["_id"], "role": role}
        )
    if user.get("activeOrgId") is None:
        ctx.db.patch(user["_id"], {"activeOrgId": org_id})
    return membership_id


def do_remove_member(ctx: MutationCtx, membership: dict[str, Any]) -> None:
    """Delete a membership, the user's API tokens for that organisation, and their active org."""
    org_id, user_id = membership["orgId"], membership["userId"]
    ctx.db.delete(membership["_id"])
    tokens = (
        ctx.db.query("apiTokens")
        .with_index("by_user", lambda q: q.eq("userId", user_id))
        .filter(lambda t: t["orgId"] == org_id and not t["revoked"])
        .take(500)
    )
    for token in tokens:
        ctx.db.patch(token["_id"], {"revoked": True})
    user = ctx.db.get(user_id)
    if user is not None and user.get("activeOrgId") == org_id:
        ctx.db.patch(user_id, {"activeOrgId": None})


def check_locally_managed(ctx: QueryCtx, org_id: str) -> dict[str, Any]:
    """The organisation; ForbiddenError when an outside provider manages its members."""
    org = ctx.db.get(org_id)
    if org is None:
        raise not_found("organization", org_id)
    if org.get("externalId") is not None:
        raise ForbiddenError(
            "This organisation's members are managed by its identity provider; change them there.",
            {"orgId": org_id},
        )
    return org


def check_target_membership(ctx: QueryCtx, org_id: str, user_id: str) -> dict[str, Any]:
    """The membership of `user_id`; an ArgumentError naming userId when there is none."""
    membership = membership_of(ctx, org_id, user_id)
    if membership is None:
        raise ArgumentError("userId is not a member of this organisation", {"path": "userId"})
    return membership


def check_keeps_an_admin(ctx: QueryCtx, membership: dict[str, Any], new_role: str | None) -> None:
    """Refuse a change that would leave the organisation without an admin."""
    stepping_down = membership["role"] == "admin" and new_role != "admin"
    if stepping_down and admin_count(ctx, membership["orgId"]) < 2:
        raise ArgumentError(
            "An organisation needs at least one admin: make someone else admin first.",
            {"path": "userId"},
        )


@mutation(args={"name": v.string()})
def create(ctx: MutationCtx, name: str) -> str:
    """Create an organisation; the caller becomes its admin."""
    user = current_user(ctx)
    if config.current().single_tenant:
        raise ForbiddenError(
            "This installation has a single organisation; new ones cannot be created.", {}
        )
    return do_create_org(ctx, user, check_org_name(name))


@mutation(args={"orgId": v.id("organizations"), "name": v.string()})
def rename(ctx: MutationCtx, orgId: str, name: str) -> None:
    """Rename an organisation (admins only)."""
    member = assert_org_access(ctx, orgId, admin=True)
    name = check_org_name(name)
    before = ctx.db.get(orgId)
    ctx.db.patch(orgId, {"name": name})
    record_audit(
        ctx,
        member,
        program_id=None,
        entity_type="organization",
        entity_id=orgId,
        action="update",
        description=f"Renamed organisation to {name}",
        before=before,
        after=ctx.db.get(orgId),
    )


@query(args={})
def list_mine(ctx: QueryCtx) -> list[dict[str, Any]]:
    """The caller's organisations with their role in each (needs no active organisation)."""
    user = current_user(ctx)
    return orgs_of(ctx, user["_id"])


@query(
    args={"orgId": v.id("organizations"), "cursor": v.optional(v.string()), "numItems": v.number()}
)
def members(ctx: QueryCtx, orgId: str, numItems: float, cursor: str | None = None) -> Any:
    """One page of the organisation's members with name, email and role."""
    assert_org_access(ctx, orgId)
    result = (
        ctx.db.query("memberships")
        .with_index("by_org_user", lambda q: q.eq("orgId", orgId))
        .paginate(cursor, int(numItems))
    )
    page = []
    for row in result["page"]:
        user = ctx.db.get(row["userId"]) or {}
        page.append(
            {
                "userId": row["userId"],
                "role": row["role"],
                "name": user.get("name", ""),
                "email": user.get("email", ""),
            }
        )
    return {**result, "page": page}


@mutation(args={"orgId": v.id("organizations"), "userId": v.id("users")})
def remove_member(ctx: MutationCtx, orgId: str, userId: str) -> None:
    """Remove a member (admins only; anyone may remove themselves). Ends their access at once."""
    caller = assert_org_access(ctx, orgId, admin=(userId != current_user(ctx)["_id"]))
    check_locally_managed(ctx, orgId)
    membership = check_target_membership(ctx, orgId, userId)
    check_keeps_an_admin(ctx, membership, None)
    do_remove_member(ctx, membership)
    record_audit(
        ctx,
        caller,
        program_id=None,
        entity_type="membership",
        entity_id=userId,
        action="delete",
        description=f"Removed member {userId}",
        before=membership,
    )


@mutation(
    args={"orgId": v.id("organizations"), "userId": v.id("users"), "role": v.literal(*ORG_ROLES)}
)
def set_role(ctx: MutationCtx, orgId: str, userId: str, role: str) -> None:
    """Change a member's role (admins only); the last admin cannot step down."""
    caller = assert_org_access(ctx, orgId, admin=True)
    check_locally_managed(ctx, orgId)
    membership = check_target_membership(ctx, orgId, userId)
    check_keeps_an_admin(ctx, membership, role)
    ctx.db.patch(membership["_id"], {"role": role})
    record_audit(
        ctx,
        caller,
        program_id=None,
        entity_type="membership",
        entity_id=userId,
        action="update",
        description=f"Changed role of {userId} to {role}",
        before=membership,
        after={**membership, "role": role},
    )
