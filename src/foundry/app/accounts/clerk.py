"""Clerk's user and organisation webhooks: `POST /clerk-users-webhook`, signed with Svix.

Clerk stays the source of truth for its users and organisations; each event updates our copy:

    user.created / user.updated             → users (tokenIdentifier "<CLERK_ISSUER>|<user id>")
    user.deleted                            → user disabled, memberships and API tokens removed
    organization.created / updated          → organizations (externalId = Clerk org id)
    organization.deleted                    → every membership of the organisation removed
    organizationMembership.created/updated  → membership with the mapped role
    organizationMembership.deleted          → membership removed (access ends at once)

An event is applied exactly once: its `svix-id` is recorded in `webhookEvents` in the same
transaction as its effects, so Svix's retries and replays change nothing.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from foundry.app.accounts import config, svix
from foundry.app.accounts.orgs import do_add_member, do_remove_member, membership_of, unique_slug
from foundry.app.accounts.roles import role_from_claim
from foundry.app.accounts.user_model import EMAIL_MAX, NAME_MAX, user_by_token_identifier
from foundry.app.model.access import Member
from foundry.app.model.audit import record_audit
from foundry.engine.context import ActionCtx, MutationCtx
from foundry.engine.errors import AppError, ArgumentError
from foundry.engine.functions import HttpRouter, internal_mutation
from foundry.engine.values import v

SOURCE = "clerk"
MAX_BODY_BYTES = 1024 * 1024
MAX_FANOUT = 1000


def clerk_token_identifier(clerk_user_id: str) -> str:
    """The token identifier Clerk session tokens of this user verify to."""
    issuer = config.current().clerk_issuer
    if not issuer:
        raise AppError("CLERK_ISSUER is not set.", {}, code="NotConfigured")
    return f"{issuer}|{clerk_user_id}"


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _clerk_id(data: dict[str, Any], key: str = "id") -> str:
    value = _text(data, key)
    if value is None:
        raise ArgumentError(f"data.{key} must be a non-empty string", {"path": f"data.{key}"})
    return value


def user_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Our user fields from a Clerk user object (or a membership's `public_user_data`)."""
    email = _text(data, "identifier") or ""
    primary = data.get("primary_email_address_id")
    for address in data.get("email_addresses") or ():
        if isinstance(address, dict) and (not email or address.get("id") == primary):
            email = _text(address, "email_address") or email
    full = " ".join(p for p in (_text(data, "first_name"), _text(data, "last_name")) if p)
    fields: dict[str, Any] = {
        "email": email.strip().lower()[:EMAIL_MAX],
        "name": (full or _text(data, "username") or email or "Clerk user")[:NAME_MAX],
    }
    if (avatar := _text(data, "image_url")) is not None:
        fields["avatarUrl"] = avatar
    return fields


def upsert_user(ctx: MutationCtx, clerk_user_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Create or update the user Clerk knows as `clerk_user_id`."""
    identifier = clerk_token_identifier(clerk_user_id)
    user = user_by_token_identifier(ctx, identifier)
    if user is None:
        doc = {**fields, "tokenIdentifier": identifier, "externalId": clerk_user_id}
        user_id = ctx.db.insert("users", doc)
    else:
        user_id = user["_id"]
        ctx.db.patch(user_id, {**fields, "disabled": None})
    fresh = ctx.db.get(user_id)
    return fresh if fresh is not None else {}


def upsert_org(ctx: MutationCtx, data: dict[str, Any], *, update: bool = True) -> str:
    """Create (or, with `update`, update) the organisation Clerk knows as `data.id`; our id."""
    clerk_org_id = _clerk_id(data)
    name = (_text(data, "name") or clerk_org_id)[:120]
    org = (
        ctx.db.query("organizations")
        .with_index("by_external_id", lambda q: q.eq("externalId", clerk_org_id))
        .first()
    )
    if org is not None:
        if update and org["name"] != name:
            ctx.db.patch(org["_id"], {"name": name})
        return str(org["_id"])
    doc = {"name": name, "slug": unique_slug(ctx, _text(data, "slug") or name)}
    return ctx.db.insert("organizations", {**doc, "externalId": clerk_org_id})


def audit_membership(
    ctx: MutationCtx, user: dict[str, Any], org_id: str, role: str, action: str
) -> None:
    """Record a membership change Clerk made (attributed to the member, by Clerk)."""
    record_audit(
        ctx,
        Member(user["_id"], "Clerk", org_id, role),
        program_id=None,
        entity_type="membership",
        entity_id=user["_id"],
        action="delete" if action == "deleted" else "update" if action == "updated" else "create",
        description=f"Clerk: membership of {user.get('name', '')} {action} ({role})",
    )


def on_user(ctx: MutationCtx, action: str, data: dict[str, Any]) -> None:
    clerk_user_id = _clerk_id(data)
    if action != "deleted":
        upsert_user(ctx, clerk_user_id, user_fields(data))
        return
    user = user_by_token_identifier(ctx, clerk_token_identifier(clerk_user_id))
    if user is None:
        return
    ctx.db.patch(user["_id"], {"disabled": True, "activeOrgId": None})
    rows = (
        ctx.db.query("memberships")
        .with_index("by_user", lambda q: q.eq("userId", user["_id"]))
        .take(MAX_FANOUT)
    )
    for row in rows:
        do_remove_member(ctx, row)


def on_org(ctx: MutationCtx, action: str, data: dict[str, Any]) -> None:
    org_id = upsert_org(ctx, data)
    if action != "deleted":
        return
    rows = (
        ctx.db.query("memberships")
        .with_index("by_org_user", lambda q: q.eq("orgId", org_id))
        .take(MAX_FANOUT)
    )
    for row in rows:
        do_remove_member(ctx, row)


def on_membership(ctx: MutationCtx, action: str, data: dict[str, Any]) -> None:
    org_data, user_data = data.get("organization"), data.get("public_user_data")
    if not isinstance(org_data, dict) or not isinstance(user_data, dict):
        raise ArgumentError(
            "a membership event needs data.organization and data.public_user_data",
            {"path": "data"},
        )
    # Events arrive in any order: a membership's copy of the organisation may be older than ours.
    org_id = upsert_org(ctx, org_data, update=False)
    clerk_user_id = _clerk_id(user_data, "user_id")
    user = user_by_token_identifier(ctx, clerk_token_identifier(clerk_user_id))
    role = role_from_claim(_text(data, "role"))
    if action == "deleted":
        membership = membership_of(ctx, org_id, user["_id"]) if user is not None else None
        if user is not None and membership is not None:
            do_remove_member(ctx, membership)
            audit_membership(ctx, user, org_id, membership["role"], action)
        return
    if user is None:
        user = upsert_user(ctx, clerk_user_id, user_fields(user_data))
    do_add_member(ctx, org_id, user, role)
    audit_membership(ctx, user, org_id, role, action)


HANDLERS = {"user": on_user, "organization": on_org, "organizationMembership": on_membership}


@internal_mutation(args={"eventId": v.string(), "type": v.string(), "data": v.any()})
def apply(ctx: MutationCtx, eventId: str, type: str, data: Any) -> str:
    """Apply one verified event exactly once: "applied", "ignored" or "duplicate"."""
    seen = (
        ctx.db.query("webhookEvents")
        .with_index("by_source_event", lambda q: q.eq("source", SOURCE).eq("eventId", eventId))
        .first()
    )
    if seen is not None:
        return "duplicate"
    ctx.db.insert("webhookEvents", {"source": SOURCE, "eventId": eventId, "receivedAt": ctx.now_ms})
    kind, _, action = type.rpartition(".")
    handler = HANDLERS.get(kind)
    if handler is None or action not in ("created", "updated", "deleted"):
        return "ignored"
    if not isinstance(data, dict):
        raise ArgumentError("data must be an object", {"path": "data"})
    handler(ctx, action, data)
    return "applied"


async def clerk_webhook(ctx: ActionCtx, request: Request) -> Response:
    """Verify a Clerk webhook's Svix signature and apply the event."""
    settings = config.current()
    if not settings.clerk_webhook_secret or not settings.clerk_issuer:
        raise AppError(
            "Clerk webhooks are not configured (set CLERK_WEBHOOK_SECRET and CLERK_ISSUER).",
            {},
            code="NotConfigured",
        )
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ArgumentError(f"webhook body is larger than {MAX_BODY_BYTES} bytes", {})
    event_id = svix.verify(settings.clerk_webhook_secret, request.headers, body, time.time())
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ArgumentError("webhook body must be JSON", {}) from None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise ArgumentError("webhook body needs a string 'type'", {"path": "type"})
    outcome = await ctx.run_mutation(
        "accounts/clerk:apply",
        {"eventId": event_id, "type": event["type"], "data": event.get("data")},
    )
    return JSONResponse({"ok": True, "outcome": outcome})


http = HttpRouter()
http.route("/clerk-users-webhook", "POST", clerk_webhook)
