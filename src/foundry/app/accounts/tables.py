"""Who the users are and which organisations (tenants) they belong to."""

from __future__ import annotations

from foundry.engine.schema import define_table
from foundry.engine.values import v

ORG_ROLES = ("admin", "member", "client")

TABLES = {
    "users": define_table(
        {
            "email": v.string(),
            "name": v.string(),
            # "<issuer>|<subject>" of the tokens this user signs in with.
            "tokenIdentifier": v.string(),
            "passwordHash": v.optional(v.string()),
            "avatarUrl": v.optional(v.string()),
            # The user's id at an external identity provider (Clerk), when synced from one.
            "externalId": v.optional(v.string()),
            "activeOrgId": v.optional(v.id("organizations")),
            "disabled": v.optional(v.boolean()),
        }
    )
    .index("by_token_identifier", ["tokenIdentifier"])
    .index("by_email", ["email"])
    .index("by_external_id", ["externalId"]),
    "organizations": define_table(
        {
            "name": v.string(),
            "slug": v.string(),
            "createdBy": v.optional(v.id("users")),
            "externalId": v.optional(v.string()),
        }
    )
    .index("by_slug", ["slug"])
    .index("by_external_id", ["externalId"]),
    "memberships": define_table(
        {
            "orgId": v.id("organizations"),
            "userId": v.id("users"),
            "role": v.literal(*ORG_ROLES),
        }
    )
    .index("by_org_user", ["orgId", "userId"])
    # Used by the last-admin rule to find an organisation's admins without reading every member.
    .index("by_org_role", ["orgId", "role"])
    .index("by_user", ["userId"]),
    "invitations": define_table(
        {
            "orgId": v.id("organizations"),
            "email": v.string(),
            "role": v.literal(*ORG_ROLES),
            # SHA-256 of the secret in the invitation link; the secret itself is never stored.
            "tokenHash": v.string(),
            "invitedBy": v.id("users"),
            "expiresAt": v.number(),
            "status": v.literal("pending", "accepted", "revoked", "expired"),
            "acceptedBy": v.optional(v.id("users")),
        }
    )
    .index("by_org_status", ["orgId", "status"])
    .index("by_token_hash", ["tokenHash"]),
    "apiTokens": define_table(
        {
            "userId": v.id("users"),
            "orgId": v.id("organizations"),
            "name": v.string(),
            "tokenHash": v.string(),
            "prefix": v.string(),
            "lastUsedAt": v.optional(v.number()),
            "revoked": v.boolean(),
        }
    )
    .index("by_user", ["userId"])
    .index("by_token_hash", ["tokenHash"]),
    "sessions": define_table(
        {
            "userId": v.id("users"),
            # SHA-256 of the current refresh token, replaced on every refresh.
            "refreshTokenHash": v.string(),
            # Hashes of refresh tokens already rotated away: presenting one again means the
            # token was stolen, so the whole session is revoked (bounded, newest last).
            "previousHashes": v.optional(v.array(v.string())),
            "expiresAt": v.number(),
            "revoked": v.boolean(),
            "lastRefreshedAt": v.optional(v.number()),
        }
    ).index("by_user", ["userId", "revoked"]),
    "webhookEvents": define_table(
        {"source": v.string(), "eventId": v.string(), "receivedAt": v.number()}
    ).index("by_source_event", ["source", "eventId"]),
}
