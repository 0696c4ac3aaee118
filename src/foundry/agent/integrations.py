"""Service routes that are not analyses: provider auth status and the Atlassian OAuth proxy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import httpx

from foundry.agent.config import AgentConfig
from foundry.agent.errors import BadRequest, ServiceUnavailable, UpstreamError
from foundry.agent.schemas.service import (
    AtlassianOAuthRequest,
    AtlassianOAuthResponse,
    AtlassianToken,
    AuthStatusResponse,
    ConnectionChecks,
    ConnectionHealthResponse,
    EnvCheck,
)

ATLASSIAN_ENV = ("ATLASSIAN_CLIENT_ID", "ATLASSIAN_CLIENT_SECRET")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def auth_status(config: AgentConfig) -> AuthStatusResponse:
    """Whether the configured provider has what it needs (the local one always has)."""
    configured = {
        "local": True,
        "anthropic": config.anthropic_api_key is not None,
        "openai": config.openai_base_url is not None or config.openai_api_key is not None,
    }[config.provider]
    source: Literal["environment", "none"] = (
        "environment" if configured and config.provider != "local" else "none"
    )
    return AuthStatusResponse(
        isConfigured=configured, source=source, provider=config.provider, checkedAt=_now()
    )


def atlassian_health(config: AgentConfig) -> ConnectionHealthResponse:
    """Which Atlassian settings are present; `degraded` when any is missing."""
    present = {
        "ATLASSIAN_CLIENT_ID": config.atlassian_client_id,
        "ATLASSIAN_CLIENT_SECRET": config.atlassian_client_secret,
    }
    missing = [name for name, value in present.items() if not value]
    return ConnectionHealthResponse(
        status="degraded" if missing else "ok",
        checkedAt=_now(),
        authEndpoint=config.atlassian_token_url,
        checks=ConnectionChecks(
            env=EnvCheck(
                configured=not missing, requiredEnvVars=list(ATLASSIAN_ENV), missingEnvVars=missing
            )
        ),
    )


async def atlassian_oauth(
    config: AgentConfig, request: AtlassianOAuthRequest
) -> AtlassianOAuthResponse:
    """Exchange a code or refresh a token at Atlassian's token endpoint."""
    if not (config.atlassian_client_id and config.atlassian_client_secret):
        raise ServiceUnavailable(
            "Set ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET.", code="MISSING_ATLASSIAN_CONFIG"
        )
    form: dict[str, str] = {
        "client_id": config.atlassian_client_id,
        "client_secret": config.atlassian_client_secret,
    }
    if request.action == "exchange_code":
        if not request.code:
            raise BadRequest("exchange_code needs `code`.", code="MISSING_CODE")
        form |= {"grant_type": "authorization_code", "code": request.code}
        if request.redirectUri:
            form["redirect_uri"] = request.redirectUri
    else:
        if not request.refreshToken:
            raise BadRequest("refresh_token needs `refreshToken`.", code="MISSING_REFRESH_TOKEN")
        form |= {"grant_type": "refresh_token", "refresh_token": request.refreshToken}
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(config.atlassian_token_url, json=form)
    except httpx.HTTPError as error:
        raise UpstreamError(
            f"Atlassian token request failed: {type(error).__name__}.",
            code="ATLASSIAN_TOKEN_REQUEST_FAILED",
        ) from None
    if answer.status_code != 200:
        raise UpstreamError(
            f"Atlassian answered {answer.status_code}.",
            code="ATLASSIAN_TOKEN_REQUEST_FAILED",
            details={"status": answer.status_code},
        )
    try:
        data = answer.json()
        token = AtlassianToken(
            accessToken=data["access_token"],
            expiresIn=int(data["expires_in"]),
            tokenType=data.get("token_type", "Bearer"),
            scope=data.get("scope", ""),
            refreshToken=data.get("refresh_token"),
            obtainedAt=_now(),
        )
    except (ValueError, KeyError, TypeError):
        raise UpstreamError(
            "Atlassian's answer lacks access_token or expires_in.",
            code="INVALID_ATLASSIAN_RESPONSE",
        ) from None
    return AtlassianOAuthResponse(action=request.action, token=token)
