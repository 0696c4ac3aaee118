"""Sign-in sessions: one per log-in, renewed by a refresh token that changes on every use.

A refresh token reads `"<session id>.<secret>"`; the session stores the secret's SHA-256 and the
hashes of the last few secrets it replaced. Presenting a replaced secret means two parties hold
the session (a stolen token was used, or the rightful owner is using a stale one): the whole
session is revoked and both must sign in again. A secret that was never part of the session is
just refused, so guessing a session id cannot sign anyone out.

Each function here returns a *grant*: what the HTTP layer needs to mint an access token.
"""

from __future__ import annotations

from typing import Any

from foundry.app.accounts import config
from foundry.app.accounts.credentials import same_secret
from foundry.app.accounts.orgs import membership_of, orgs_of
from foundry.app.accounts.user_model import public_user
from foundry.app.model.access import not_found
from foundry.engine.context import MutationCtx
from foundry.engine.errors import AuthRequired
from foundry.engine.functions import internal_mutation
from foundry.engine.values import v

REFRESH_HISTORY = 20
"""How many replaced refresh-token hashes a session remembers for reuse detection."""

SESSION_ENDED = "Your session has ended; sign in again."


def split_refresh_token(token: str) -> tuple[str, str] | None:
    """`(session id, secret)` of a well-formed refresh token, else None."""
    session_id, dot, secret = token.partition(".")
    if not dot or not session_id or not secret or len(token) > 200:
        return None
    return session_id, secret


def grant_for(
    ctx: MutationCtx, user: dict[str, Any], org_id: str | None = None, *, remember: bool = True
) -> dict[str, Any]:
    """The user, their organisations and the organisation to act in (`org_id` or their active one).

    Raises AuthRequired for a disabled user. With `remember`, the organisation becomes the user's
    active one (an active organisation they left is replaced by another of theirs, or none).
    """
    if user.get("disabled"):
        raise AuthRequired("This account is disabled.")
    ensure_local_identifier(ctx, user)
    orgs = orgs_of(ctx, user["_id"])
    wanted = org_id or user.get("activeOrgId")
    active = next((org for org in orgs if org["_id"] == wanted), None)
    if active is None and org_id is None and orgs:
        active = orgs[0]
    active_id = active["_id"] if active is not None else None
    if remember and active_id != user.get("activeOrgId"):
        ctx.db.patch(user["_id"], {"activeOrgId": active_id})
    fresh = ctx.db.get(user["_id"]) or user
    return {
        "user": public_user(fresh),
        "orgs": orgs,
        "orgId": active_id,
        "orgRole": active["role"] if active is not None else None,
    }


def ensure_local_identifier(ctx: MutationCtx, user: dict[str, Any]) -> None:
    """Keep a password user's token identifier on our current issuer (it moves with the URL)."""
    if user.get("passwordHash") is None or user.get("externalId") is not None:
        return
    expected = f"{config.current().issuer}|{user['_id']}"
    if user["tokenIdentifier"] != expected:
        ctx.db.patch(user["_id"], {"tokenIdentifier": expected})


def live_session(ctx: MutationCtx, session_id: str) -> dict[str, Any]:
    """The session if it is neither revoked nor expired; AuthRequired otherwise."""
    session = None
    if ctx.db.normalize_id("sessions", session_id) is not None:
        session = ctx.db.get(session_id)
    if session is None or session["revoked"] or session["expiresAt"] <= ctx.now_ms:
        raise AuthRequired(SESSION_ENDED, {"code": "SessionEnded"})
    return session


def known_hash(session: dict[str, Any], presented: str) -> str | None:
    """ "current", "previous" or None: where `presented` appears in the session."""
    if same_secret(session["refreshTokenHash"], presented):
        return "current"
    if any(same_secret(old, presented) for old in session.get("previousHashes") or ()):
        return "previous"
    return None


@internal_mutation(args={"userId": v.id("users"), "refreshTokenHash": v.string()})
def start(ctx: MutationCtx, userId: str, refreshTokenHash: str) -> dict[str, Any]:
    """Start a session for a user who just proved who they are: `{sessionId, grant}`."""
    user = ctx.db.get(userId)
    if user is None:
        raise not_found("users", userId)
    grant = grant_for(ctx, user)
    session_id = ctx.db.insert(
        "sessions",
        {
            "userId": userId,
            "refreshTokenHash": refreshTokenHash,
            "expiresAt": ctx.now_ms + config.current().refresh_ttl_s * 1000,
            "revoked": False,
        },
    )
    return {"sessionId": session_id, "grant": grant}


@internal_mutation(
    args={
        "sessionId": v.string(),
        "presentedHash": v.string(),
        "newHash": v.string(),
        "orgId": v.optional(v.id("organizations")),
    }
)
def rotate(
    ctx: MutationCtx, sessionId: str, presentedHash: str, newHash: str, orgId: str | None = None
) -> dict[str, Any]:
    """Swap the refresh token (optionally switching organisation): `{status, grant?}`.

    Status "reused" means the session was just revoked because an old token came back; that
    revocation must commit, so it is returned rather than raised.
    """
    session = live_session(ctx, sessionId)
    where = known_hash(session, presentedHash)
    if where is None:
        raise AuthRequired(SESSION_ENDED, {"code": "SessionEnded"})
    if where == "previous":
        ctx.db.patch(sessionId, {"revoked": True})
        return {"status": "reused"}
    user = ctx.db.get(session["userId"])
    if user is None:
        raise AuthRequired(SESSION_ENDED, {"code": "SessionEnded"})
    if orgId is not None and membership_of(ctx, orgId, user["_id"]) is None:
        raise not_found("organization", orgId)
    grant = grant_for(ctx, user, orgId)
    history = [*(session.get("previousHashes") or ()), session["refreshTokenHash"]]
    ctx.db.patch(
        sessionId,
        {
            "refreshTokenHash": newHash,
            "previousHashes": history[-REFRESH_HISTORY:],
            "expiresAt": ctx.now_ms + config.current().refresh_ttl_s * 1000,
            "lastRefreshedAt": ctx.now_ms,
        },
    )
    return {"status": "ok", "grant": grant}


@internal_mutation(args={"sessionId": v.string(), "presentedHash": v.string()})
def revoke(ctx: MutationCtx, sessionId: str, presentedHash: str) -> bool:
    """End a session (log-out) when the token belongs to it; False when there was nothing to end."""
    if ctx.db.normalize_id("sessions", sessionId) is None:
        return False
    session = ctx.db.get(sessionId)
    if session is None or session["revoked"] or known_hash(session, presentedHash) is None:
        return False
    ctx.db.patch(sessionId, {"revoked": True})
    return True
