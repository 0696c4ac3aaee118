"""Personal API tokens: long-lived secrets for scripts, each bound to one organisation.

A script exchanges its token for a short-lived access token at `POST /auth/token` and then
calls the backend like a browser does. The token is shown once, at creation; afterwards only its
prefix identifies it. Revoking it, or leaving its organisation, stops further exchanges.
"""

from __future__ import annotations

from typing import Any

from foundry.app.accounts.credentials import API_TOKEN_PREFIX, new_secret, sha256_hex
from foundry.app.accounts.orgs import membership_of
from foundry.app.accounts.sessions import grant_for
from foundry.app.model.access import Member, assert_org_access, current_user, not_found
from foundry.app.model.audit import record_audit
from foundry.engine.context import ActionCtx, MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError, AuthRequired
from foundry.engine.functions import action, internal_mutation, mutation, query
from foundry.engine.values import v

NAME_MAX = 100
MAX_ACTIVE_TOKENS = 50
PREFIX_LENGTH = len(API_TOKEN_PREFIX) + 8
INVALID_TOKEN = "This API token is not valid (revoked, or never issued)."


def public_token(row: dict[str, Any]) -> dict[str, Any]:
    """A token as its owner sees it later: never the secret nor its hash."""
    return {k: val for k, val in row.items() if k != "tokenHash"}


def check_token_name(name: str) -> str:
    """The trimmed token name; an ArgumentError naming `name`."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ArgumentError(f"name must be 1 to {NAME_MAX} characters", {"path": "name"})
    return name


@action(args={"orgId": v.id("organizations"), "name": v.string()})
async def create(ctx: ActionCtx, orgId: str, name: str) -> dict[str, Any]:
    """Create a token for scripts acting in `orgId`: `{tokenId, token, prefix}`, shown once."""
    token = new_secret(API_TOKEN_PREFIX)
    prefix = token[:PREFIX_LENGTH]
    token_id = await ctx.run_mutation(
        "accounts/api_tokens:insert",
        {"orgId": orgId, "name": name, "tokenHash": sha256_hex(token), "prefix": prefix},
    )
    return {"tokenId": token_id, "token": token, "prefix": prefix}


@internal_mutation(
    args={
        "orgId": v.id("organizations"),
        "name": v.string(),
        "tokenHash": v.string(),
        "prefix": v.string(),
    }
)
def insert(ctx: MutationCtx, orgId: str, name: str, tokenHash: str, prefix: str) -> str:
    """Store a token made by `create` for the caller, who must belong to `orgId`."""
    member = assert_org_access(ctx, orgId)
    name = check_token_name(name)
    active = (
        ctx.db.query("apiTokens")
        .with_index("by_user", lambda q: q.eq("userId", member.user_id))
        .filter(lambda row: not row["revoked"])
        .take(MAX_ACTIVE_TOKENS)
    )
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise ArgumentError(
            f"You already have {MAX_ACTIVE_TOKENS} active API tokens; revoke one first.",
            {"path": "name"},
        )
    doc = {
        "userId": member.user_id,
        "orgId": orgId,
        "name": name,
        "tokenHash": tokenHash,
        "prefix": prefix,
        "revoked": False,
    }
    token_id = ctx.db.insert("apiTokens", doc)
    record_audit(
        ctx,
        member,
        program_id=None,
        entity_type="apiToken",
        entity_id=token_id,
        action="create",
        description=f"Created API token {name} ({prefix}…)",
        after=public_token(doc),
    )
    return token_id


@query(args={"cursor": v.optional(v.string()), "numItems": v.number()})
def list(ctx: QueryCtx, numItems: float, cursor: str | None = None) -> Any:
    """One page of the caller's own API tokens, newest first."""
    user = current_user(ctx)
    result = (
        ctx.db.query("apiTokens")
        .with_index("by_user", lambda q: q.eq("userId", user["_id"]))
        .order("desc")
        .paginate(cursor, int(numItems))
    )
    return {**result, "page": [public_token(row) for row in result["page"]]}


@mutation(args={"tokenId": v.id("apiTokens")})
def revoke(ctx: MutationCtx, tokenId: str) -> None:
    """Revoke one of the caller's tokens; exchanges stop at once."""
    user = current_user(ctx)
    token = ctx.db.get(tokenId)
    if token is None or token["userId"] != user["_id"]:
        raise not_found("apiTokens", tokenId)
    if token["revoked"]:
        return
    ctx.db.patch(tokenId, {"revoked": True})
    member = Member(user["_id"], user["name"], token["orgId"], "member")
    record_audit(
        ctx,
        member,
        program_id=None,
        entity_type="apiToken",
        entity_id=tokenId,
        action="status_change",
        description=f"Revoked API token {token['name']} ({token['prefix']}…)",
        before={"revoked": False},
        after={"revoked": True},
    )


@internal_mutation(args={"tokenHash": v.string()})
def exchange(ctx: MutationCtx, tokenHash: str) -> dict[str, Any]:
    """The grant for the token behind `tokenHash`, acting in the token's organisation."""
    token = (
        ctx.db.query("apiTokens")
        .with_index("by_token_hash", lambda q: q.eq("tokenHash", tokenHash))
        .unique()
    )
    if token is None or token["revoked"]:
        raise AuthRequired(INVALID_TOKEN, {"code": "InvalidApiToken"})
    user = ctx.db.get(token["userId"])
    if user is None or membership_of(ctx, token["orgId"], user["_id"]) is None:
        raise AuthRequired(INVALID_TOKEN, {"code": "InvalidApiToken"})
    ctx.db.patch(token["_id"], {"lastUsedAt": ctx.now_ms})
    grant = grant_for(ctx, user, token["orgId"], remember=False)
    grant["apiTokenId"] = token["_id"]
    return grant
