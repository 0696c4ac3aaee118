"""Invitations by link: an admin creates one, anyone holding the link may join until it expires.

The link's secret is shown once, when the invitation is created; only its SHA-256 is stored, so
the database alone cannot be used to join an organisation. The email is the admin's note of whom
they meant to invite: possession of the link is what admits.
"""

from __future__ import annotations

from typing import Any

from foundry.app.accounts import config
from foundry.app.accounts.credentials import new_secret, sha256_hex
from foundry.app.accounts.orgs import check_locally_managed, do_add_member, membership_of
from foundry.app.accounts.tables import ORG_ROLES
from foundry.app.accounts.user_model import normalize_email, user_by_email
from foundry.app.model.access import Member, assert_org_access, current_user, not_found
from foundry.app.model.audit import record_audit
from foundry.engine.context import ActionCtx, MutationCtx, QueryCtx
from foundry.engine.errors import AppError, ArgumentError, NotFoundError
from foundry.engine.functions import action, internal_mutation, mutation, query
from foundry.engine.values import v

MAX_TTL_S = 30 * 24 * 3600
STATUSES = ("pending", "accepted", "revoked", "expired")


def check_ttl(expires_in_s: float | None) -> int:
    """The invitation's lifetime in seconds; an ArgumentError naming expiresInSeconds."""
    if expires_in_s is None:
        return config.INVITATION_TTL_S
    if not 60 <= expires_in_s <= MAX_TTL_S:
        raise ArgumentError(
            f"expiresInSeconds must be between 60 and {MAX_TTL_S}", {"path": "expiresInSeconds"}
        )
    return int(expires_in_s)


def effective_status(invitation: dict[str, Any], now_ms: int) -> str:
    """The status, with a pending invitation past its expiry reported as expired."""
    if invitation["status"] == "pending" and invitation["expiresAt"] <= now_ms:
        return "expired"
    status: str = invitation["status"]
    return status


def public_invitation(invitation: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """An invitation as admins see it (never the hash of its secret)."""
    view = {k: val for k, val in invitation.items() if k != "tokenHash"}
    view["status"] = effective_status(invitation, now_ms)
    return view


def do_accept_invitation(ctx: MutationCtx, user: dict[str, Any], token_hash: str) -> dict[str, Any]:
    """Admit `user` with the invitation behind `token_hash`: `{orgId, role}`.

    Unknown, revoked and already used links give the usual not-found error (so a guessed link
    learns nothing); an expired one says so, since only someone holding the link can tell.
    """
    invitation = (
        ctx.db.query("invitations")
        .with_index("by_token_hash", lambda q: q.eq("tokenHash", token_hash))
        .unique()
    )
    if invitation is None or invitation["status"] in ("revoked", "expired"):
        raise not_found("invitation", None)
    org_id, role = invitation["orgId"], invitation["role"]
    if invitation["status"] == "accepted":
        if invitation.get("acceptedBy") == user["_id"]:
            return {"orgId": org_id, "role": role}
        raise not_found("invitation", None)
    if effective_status(invitation, ctx.now_ms) == "expired":
        raise AppError(
            "This invitation has expired; ask an admin for a new one.",
            {"kind": "invitation"},
            code="InvitationExpired",
        )
    if membership_of(ctx, org_id, user["_id"]) is None:
        do_add_member(ctx, org_id, user, role)
    ctx.db.patch(invitation["_id"], {"status": "accepted", "acceptedBy": user["_id"]})
    member = Member(user["_id"], user["name"], org_id, role)
    record_audit(
        ctx,
        member,
        program_id=None,
        entity_type="invitation",
        entity_id=invitation["_id"],
        action="status_change",
        description=f"{user['name']} joined by invitation as {role}",
        before={"status": "pending"},
        after={"status": "accepted"},
    )
    return {"orgId": org_id, "role": role}


@action(
    args={
        "orgId": v.id("organizations"),
        "email": v.string(),
        "role": v.literal(*ORG_ROLES),
        "expiresInSeconds": v.optional(v.number()),
    }
)
async def create(
    ctx: ActionCtx, orgId: str, email: str, role: str, expiresInSeconds: float | None = None
) -> dict[str, Any]:
    """Invite someone (admins only): `{invitationId, token, expiresAt}`; the token is shown once."""
    token = new_secret()
    result: dict[str, Any] = await ctx.run_mutation(
        "accounts/invitations:insert",
        {
            "orgId": orgId,
            "email": email,
            "role": role,
            "tokenHash": sha256_hex(token),
            "expiresInSeconds": expiresInSeconds,
        },
    )
    return {**result, "token": token}


@internal_mutation(
    args={
        "orgId": v.id("organizations"),
        "email": v.string(),
        "role": v.literal(*ORG_ROLES),
        "tokenHash": v.string(),
        "expiresInSeconds": v.optional(v.number()),
    }
)
def insert(
    ctx: MutationCtx,
    orgId: str,
    email: str,
    role: str,
    tokenHash: str,
    expiresInSeconds: float | None = None,
) -> dict[str, Any]:
    """Store an invitation created by `create` (the caller must be an admin)."""
    member = assert_org_access(ctx, orgId, admin=True)
    check_locally_managed(ctx, orgId)
    ttl_s = check_ttl(expiresInSeconds)
    email = normalize_email(email)
    invitee = user_by_email(ctx, email)
    if invitee is not None and membership_of(ctx, orgId, invitee["_id"]) is not None:
        raise ArgumentError("This person is already a member.", {"path": "email"})
    doc = {
        "orgId": orgId,
        "email": email,
        "role": role,
        "tokenHash": tokenHash,
        "invitedBy": member.user_id,
        "expiresAt": ctx.now_ms + ttl_s * 1000,
        "status": "pending",
    }
    invitation_id = ctx.db.insert("invitations", doc)
    record_audit(
        ctx,
        member,
        program_id=None,
        entity_type="invitation",
        entity_id=invitation_id,
        action="create",
        description=f"Invited {email} as {role}",
        after={k: val for k, val in doc.items() if k != "tokenHash"},
    )
    return {"invitationId": invitation_id, "expiresAt": doc["expiresAt"]}


@query(
    args={
        "orgId": v.id("organizations"),
        "status": v.optional(v.literal(*STATUSES)),
        "cursor": v.optional(v.string()),
        "numItems": v.number(),
    }
)
def list(
    ctx: QueryCtx,
    orgId: str,
    numItems: float,
    status: str | None = None,
    cursor: str | None = None,
) -> Any:
    """One page of the organisation's invitations, newest first (admins only)."""
    assert_org_access(ctx, orgId, admin=True)
    # "expired" is not stored: expired invitations are pending ones past their expiry.
    stored = "pending" if status == "expired" else status
    rows = ctx.db.query("invitations").with_index(
        "by_org_status",
        lambda q: (
            q.eq("orgId", orgId) if stored is None else q.eq("orgId", orgId).eq("status", stored)
        ),
    )
    if status in ("pending", "expired"):
        rows = rows.filter(lambda row: effective_status(row, ctx.now_ms) == status)
    result = rows.order("desc").paginate(cursor, int(numItems))
    return {**result, "page": [public_invitation(row, ctx.now_ms) for row in result["page"]]}


@mutation(args={"invitationId": v.id("invitations")})
def revoke(ctx: MutationCtx, invitationId: str) -> None:
    """Revoke a pending invitation (admins only); its link stops working at once."""
    invitation = ctx.db.get(invitationId)
    if invitation is None:
        raise not_found("invitations", invitationId)
    try:
        member = assert_org_access(ctx, invitation["orgId"], admin=True)
    except NotFoundError:
        raise not_found("invitations", invitationId) from None
    if invitation["status"] != "pending":
        raise ArgumentError(
            f"status: expected one of ['pending'] from {invitation['status']!r}, got 'revoked'",
            {"path": "invitationId"},
        )
    ctx.db.patch(invitationId, {"status": "revoked"})
    record_audit(
        ctx,
        member,
        program_id=None,
        entity_type="invitation",
        entity_id=invitationId,
        action="status_change",
        description=f"Revoked the invitation of {invitation['email']}",
        before={"status": "pending"},
        after={"status": "revoked"},
    )


@query(args={"token": v.string()})
def preview(ctx: QueryCtx, token: str) -> dict[str, Any]:
    """What an invitation link offers, for whoever holds it (signed in or not):
    `{orgName, role, status, expiresAt}`. The link is the capability; revoked, used and unknown
    links are not found, so guessing learns nothing."""
    invitation = (
        ctx.db.query("invitations")
        .with_index("by_token_hash", lambda q: q.eq("tokenHash", sha256_hex(token)))
        .unique()
    )
    if invitation is None or invitation["status"] != "pending":
        raise not_found("invitation", None)
    org = ctx.db.get(invitation["orgId"])
    return {
        "orgName": org["name"] if org else "",
        "role": invitation["role"],
        "status": effective_status(invitation, ctx.now_ms),
        "expiresAt": invitation["expiresAt"],
    }


@mutation(args={"token": v.string()})
def accept(ctx: MutationCtx, token: str) -> dict[str, Any]:
    """Join the organisation of an invitation link as the signed-in user: `{orgId, role}`."""
    user = current_user(ctx)
    return do_accept_invitation(ctx, user, sha256_hex(token))
