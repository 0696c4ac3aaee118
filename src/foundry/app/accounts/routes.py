"""The sign-in endpoints a browser's web process (or a script) calls, and our public keys.

    POST /auth/signup      {email, password, name, orgName?, invitation?}
    POST /auth/login       {email, password}
    POST /auth/refresh     {refreshToken}
    POST /auth/switch-org  {refreshToken, orgId}
    POST /auth/logout      {refreshToken}
    POST /auth/token       Authorization: Bearer fnd_…   (a personal API token)
    GET  /.well-known/jwks.json

Each sign-in answers `{accessToken, refreshToken, expiresAt, user, orgs, orgId}` (no refresh
token for API-token exchanges). Errors use the backend's `{"status": "error", …}` shape with a
stable `errorData.code`. Passwords are hashed here, in the action, never inside a mutation.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from foundry.app.accounts import config
from foundry.app.accounts.credentials import (
    API_TOKEN_PREFIX,
    check_password,
    hash_password,
    new_secret,
    sha256_hex,
    verify_password,
)
from foundry.app.accounts.sessions import SESSION_ENDED, split_refresh_token
from foundry.app.accounts.user_model import check_name, normalize_email
from foundry.engine.context import ActionCtx
from foundry.engine.errors import ArgumentError, AuthRequired, NotFoundError
from foundry.engine.functions import HttpRouter

MAX_BODY_BYTES = 64 * 1024
BAD_CREDENTIALS = "Email or password is incorrect."
TOKEN_REUSED = (
    "This refresh token was already used, so the session was ended to protect the account; "
    "sign in again."
)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object body; an ArgumentError when it is missing or malformed."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ArgumentError(f"request body is larger than {MAX_BODY_BYTES} bytes", {})
    try:
        payload = orjson.loads(body or b"{}")
    except orjson.JSONDecodeError:
        raise ArgumentError("request body must be a JSON object", {}) from None
    if not isinstance(payload, dict):
        raise ArgumentError("request body must be a JSON object", {})
    return payload


def text(body: dict[str, Any], name: str) -> str:
    """A required string field; an ArgumentError naming it."""
    value = body.get(name)
    if not isinstance(value, str):
        raise ArgumentError(f"{name} is required and must be a string", {"path": name})
    return value


def optional_text(body: dict[str, Any], name: str) -> str | None:
    """An optional string field; an ArgumentError naming it when it is not a string."""
    if body.get(name) is None:
        return None
    return text(body, name)


def token_response(grant: dict[str, Any], refresh_token: str | None = None) -> Response:
    """Mint an access token for `grant` and answer with it (and the refresh token, if any)."""
    settings = config.current()
    signer = settings.require_signer()
    now = int(time.time())
    user = grant["user"]
    claims: dict[str, Any] = {
        "iss": settings.issuer,
        "aud": settings.audience,
        "sub": user["_id"],
        "iat": now,
        "exp": now + settings.access_ttl_s,
        "name": user.get("name", ""),
        "email": user.get("email", ""),
    }
    if grant.get("orgId") is not None:
        claims["org_id"] = grant["orgId"]
        claims["org_role"] = grant["orgRole"]
    body: dict[str, Any] = {
        "accessToken": signer.sign(claims, settings.access_ttl_s),
        "expiresAt": claims["exp"] * 1000,
        "user": user,
        "orgs": grant["orgs"],
        "orgId": grant.get("orgId"),
    }
    if refresh_token is not None:
        body["refreshToken"] = refresh_token
    return JSONResponse(body, headers=NO_STORE)


async def start_session(ctx: ActionCtx, user_id: str) -> Response:
    """Open a session for a user who just proved who they are."""
    secret = new_secret()
    started = await ctx.run_mutation(
        "accounts/sessions:start", {"userId": user_id, "refreshTokenHash": sha256_hex(secret)}
    )
    return token_response(started["grant"], f"{started['sessionId']}.{secret}")


async def rotate_session(ctx: ActionCtx, refresh_token: str, org_id: str | None) -> Response:
    """Exchange a refresh token for a new pair (acting in `org_id` when given)."""
    parts = split_refresh_token(refresh_token)
    if parts is None:
        raise AuthRequired(SESSION_ENDED, {"code": "SessionEnded"})
    session_id, secret = parts
    fresh = new_secret()
    args: dict[str, Any] = {
        "sessionId": session_id,
        "presentedHash": sha256_hex(secret),
        "newHash": sha256_hex(fresh),
    }
    if org_id is not None:
        args["orgId"] = org_id
    result = await ctx.run_mutation("accounts/sessions:rotate", args)
    if result["status"] == "reused":
        ctx.log.warn("refresh token reuse detected; session", session_id, "revoked")
        raise AuthRequired(TOKEN_REUSED, {"code": "RefreshTokenReused"})
    return token_response(result["grant"], f"{session_id}.{fresh}")


async def signup(ctx: ActionCtx, request: Request) -> Response:
    """Create a password account and sign it in."""
    body = await read_json(request)
    email, password, name = text(body, "email"), text(body, "password"), text(body, "name")
    normalize_email(email)
    check_name(name)
    check_password(password)
    args: dict[str, Any] = {
        "email": email,
        "name": name,
        "passwordHash": await hash_password(password),
    }
    if (org_name := optional_text(body, "orgName")) is not None:
        args["orgName"] = org_name
    if (invitation := optional_text(body, "invitation")) is not None:
        args["invitationHash"] = sha256_hex(invitation)
    user_id = await ctx.run_mutation("accounts/users:create_with_password", args)
    return await start_session(ctx, user_id)


async def login(ctx: ActionCtx, request: Request) -> Response:
    """Sign in with email and password; unknown email and wrong password look the same."""
    body = await read_json(request)
    email, password = text(body, "email"), text(body, "password")
    found = await ctx.run_query("accounts/users:credentials_for", {"email": email})
    valid, rehashed = await verify_password(password, found["passwordHash"] if found else None)
    if not valid or found is None:
        raise AuthRequired(BAD_CREDENTIALS, {"code": "InvalidCredentials"})
    if rehashed is not None:
        await ctx.run_mutation(
            "accounts/users:set_password_hash",
            {"userId": found["userId"], "passwordHash": rehashed},
        )
    return await start_session(ctx, found["userId"])


async def refresh(ctx: ActionCtx, request: Request) -> Response:
    """A new access token and a new refresh token; the old refresh token stops working."""
    body = await read_json(request)
    return await rotate_session(ctx, text(body, "refreshToken"), None)


async def switch_org(ctx: ActionCtx, request: Request) -> Response:
    """Like refresh, acting in another of the user's organisations from now on."""
    body = await read_json(request)
    return await rotate_session(ctx, text(body, "refreshToken"), text(body, "orgId"))


async def logout(ctx: ActionCtx, request: Request) -> Response:
    """End the session of a refresh token (always answers ok: there is nothing to learn)."""
    body = await read_json(request)
    parts = split_refresh_token(text(body, "refreshToken"))
    if parts is not None:
        await ctx.run_mutation(
            "accounts/sessions:revoke",
            {"sessionId": parts[0], "presentedHash": sha256_hex(parts[1])},
        )
    return JSONResponse({"ok": True}, headers=NO_STORE)


async def api_token(ctx: ActionCtx, request: Request) -> Response:
    """Exchange a personal API token (bearer) for a short-lived access token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(API_TOKEN_PREFIX):
        raise AuthRequired(
            f"Send the API token as 'Authorization: Bearer {API_TOKEN_PREFIX}…'.",
            {"code": "InvalidApiToken"},
        )
    grant = await ctx.run_mutation("accounts/api_tokens:exchange", {"tokenHash": sha256_hex(token)})
    return token_response(grant)


async def jwks(ctx: ActionCtx, request: Request) -> Response:
    """The public keys our access tokens are signed with."""
    signer = config.current().signer
    if signer is None:
        raise NotFoundError("This backend does not issue tokens.", {})
    return JSONResponse(signer.jwks(), headers={"Cache-Control": "public, max-age=300"})


http = HttpRouter()
http.route("/auth/signup", "POST", signup)
http.route("/auth/login", "POST", login)
http.route("/auth/refresh", "POST", refresh)
http.route("/auth/switch-org", "POST", switch_org)
http.route("/auth/logout", "POST", logout)
http.route("/auth/token", "POST", api_token)
http.route("/.well-known/jwks.json", "GET", jwks)
