"""Service routes: health, auth/status and the Atlassian connection."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from foundry.agent.schemas.common import RequestModel


class HealthData(BaseModel):
    status: Literal["ok"] = "ok"
    service: Literal["foundry-agent"] = "foundry-agent"
    timestamp: str
    version: str


class HealthResponse(BaseModel):
    """GET /health: `{ok: true, data: {...}}`, the reference worker's envelope."""

    ok: Literal[True] = True
    data: HealthData


class AuthStatusResponse(BaseModel):
    """GET /auth/status: whether the configured provider has credentials."""

    isConfigured: bool
    source: Literal["environment", "none"]
    provider: str
    checkedAt: str


class EnvCheck(BaseModel):
    configured: bool
    requiredEnvVars: list[str]
    missingEnvVars: list[str]


class ConnectionChecks(BaseModel):
    env: EnvCheck
    tokenValidation: str = "not_checked"
    apiAccessibility: str = "not_checked"
    webhookStatus: str = "not_checked"


class ConnectionHealthResponse(BaseModel):
    """GET /atlassian/connection-health (503 when degraded)."""

    provider: Literal["atlassian"] = "atlassian"
    status: Literal["ok", "degraded"]
    checkedAt: str
    authEndpoint: str
    checks: ConnectionChecks


class AtlassianOAuthRequest(RequestModel):
    """Exchange an authorisation code or refresh a token."""

    action: Literal["exchange_code", "refresh_token"]
    code: str | None = Field(default=None, min_length=1)
    redirectUri: str | None = None
    refreshToken: str | None = Field(default=None, min_length=1)


class AtlassianToken(BaseModel):
    accessToken: str
    expiresIn: int
    tokenType: str
    scope: str
    refreshToken: str | None = None
    obtainedAt: str


class AtlassianOAuthResponse(BaseModel):
    """POST /atlassian/oauth's 200 body."""

    action: str
    token: AtlassianToken
