"""Users: sign-up with a password, the caller's own profile, and users of outside issuers.

A user who signs up here gets the token identifier `"<our issuer>|<user id>"`, the subject of the
tokens the backend mints for them. A user of an outside OIDC issuer (Clerk, Auth0, Keycloak) is
created by that issuer's webhook or by `store`, keyed by the issuer's own `"<iss>|<sub>"`.
"""

from __future__ import annotations

from typing import Any

from foundry.app.accounts import config
from foundry.app.accounts.invitations import do_accept_invitation
from foundry.app.accounts.orgs import (
    check_org_name,
    do_add_member,
    do_create_org,
    membership_of,
    org_for_identity,
    orgs_of,
)
from foundry.app.accounts.roles import role_from_claim
from foundry.app.accounts.user_model import (
    EMAIL_MAX,
    NAME_MAX,
    check_name,
    must_get,
    normalize_email,
    public_user,
    user_by_email,
    user_by_token_identifier,
)
from foundry.app.model.access import current_user
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError, AuthRequired
from foundry.engine.functions import internal_mutation, internal_query, mutation, query
from foundry.engine.values import v


def the_single_org(ctx: QueryCtx) -> dict[str, Any] | None:
    """In single-tenant mode: the one organisation (the oldest), once the first user made it."""
    return ctx.db.query("organizations").with_index("by_creation_time").first()


@internal_query(args={"email": v.string()})
def credentials_for(ctx: QueryCtx, email: str) -> dict[str, Any] | None:
    """The user id, password hash and state behind an email, for the log-in action."""
    try:
        user = user_by_email(ctx, normalize_email(email))
    except ArgumentError:
        return None
    if user is None:
        return None
    return {
        "userId": user["_id"],
        "passwordHash": user.get("passwordHash"),
        "disabled": bool(user.get("disabled")),
    }


@internal_mutation(
    args={
        "email": v.string(),
        "name": v.string(),
        "passwordHash": v.string(),
        "orgName": v.optional(v.string()),
        "invitationHash": v.optional(v.string()),
    }
)
def create_with_password(
    ctx: MutationCtx,
    email: str,
    name: str,
    passwordHash: str,
    orgName: str | None = None,
    invitationHash: str | None = None,
) -> str:
    """Create a password user and place them: by invitation, in the single org, or a new org."""
    email, name = normalize_email(email), check_name(name)
    org_name = check_org_name(orgName, "orgName") if orgName is not None else None
    if user_by_email(ctx, email) is not None:
        raise ArgumentError("An account with this email already exists.", {"path": "email"})
    settings = config.current()
    user_id = ctx.db.insert(
        "users", {"email": email, "name": name, "tokenIdentifier": "", "passwordHash": passwordHash}
    )
    ctx.db.patch(user_id, {"tokenIdentifier": f"{settings.issuer}|{user_id}"})
    user = must_get(ctx, user_id)
    if invitationHash is not None:
        do_accept_invitation(ctx, user, invitationHash)
    elif settings.single_tenant:
        org = the_single_org(ctx)
        if org is None:
            do_create_org(ctx, user, org_name or settings.single_tenant_org_name)
        else:
            do_add_member(ctx, org["_id"], user, "member")
    elif org_name is not None:
        do_create_org(ctx, user, org_name)
    return user_id


@internal_mutation(args={"userId": v.id("users"), "passwordHash": v.string()})
def set_password_hash(ctx: MutationCtx, userId: str, passwordHash: str) -> None:
    """Store a re-hashed password (after the hasher's parameters were raised)."""
    ctx.db.patch(userId, {"passwordHash": passwordHash})


@query(args={})
def me(ctx: QueryCtx) -> dict[str, Any]:
    """The caller, their organisations, and the organisation their token is acting in."""
    user = current_user(ctx)
    orgs = orgs_of(ctx, user["_id"])
    active = org_for_identity(ctx) or user.get("activeOrgId")
    if active is not None and membership_of(ctx, active, user["_id"]) is None:
        active = None
    return {"user": public_user(user), "orgs": orgs, "activeOrgId": active}


@mutation(args={})
def store(ctx: MutationCtx) -> str:
    """Create or update the caller's user from an outside issuer's token claims.

    When the token names an organisation (its org claim, and `org_role`), the organisation is
    created on first sight (keyed by that id) and the caller's membership follows the claim.
    Tokens we minted ourselves are refused: those users sign up with a password.
    """
    identity = ctx.auth.get_user_identity()
    if identity is None:
        raise AuthRequired("Sign in to do this.")
    if identity.issuer == config.current().issuer:
        raise ArgumentError("Tokens of this backend belong to existing users.", {})
    fields: dict[str, Any] = {"tokenIdentifier": identity.token_identifier}
    if identity.name:
        fields["name"] = identity.name[:NAME_MAX]
    if identity.email:
        fields["email"] = identity.email.strip().lower()[:EMAIL_MAX]
    user = user_by_token_identifier(ctx, identity.token_identifier)
    if user is None:
        user_id = ctx.db.insert(
            "users",
            {"name": identity.subject, "email": "", **fields, "externalId": identity.subject},
        )
    else:
        user_id = user["_id"]
        if user.get("disabled"):
            raise AuthRequired("This account is disabled.")
        ctx.db.patch(user_id, fields)
    org_claim = identity.org_id
    if org_claim is not None and ctx.db.normalize_id("organizations", org_claim) is None:
        fresh = must_get(ctx, user_id)
        org_id = org_for_identity(ctx)
        if org_id is None:
            org_name = identity.claims.get("org_name") or identity.claims.get("org_slug")
            name = org_name[:120] if isinstance(org_name, str) and org_name.strip() else org_claim
            org_id = do_create_org(ctx, fresh, name, external_id=org_claim)
        do_add_member(ctx, org_id, fresh, role_from_claim(identity.org_role))
    return user_id
