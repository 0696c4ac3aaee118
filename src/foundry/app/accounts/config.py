"""How the built-in account system is set up in this process: signing key, issuer, modes.

The backend process (`app/server.py`) calls `configure` once at start-up; tests call it with their
own values. Functions read it with `current()`. Without a call, accounts run in multi-tenant mode
and cannot mint tokens (a clear error says so), which is what the domain-module tests need.

    configure(AccountsConfig(issuer="http://127.0.0.1:3210", signer=LocalSigner.generate()))
"""

from __future__ import annotations

from dataclasses import dataclass, field

from foundry.engine.auth import AuthConfig, LocalSigner
from foundry.engine.errors import AppError

LOCAL_AUDIENCE = "foundry"
"""The `aud` of every token the backend mints, so tokens issued for other purposes never pass."""

ACCESS_TOKEN_TTL_S = 15 * 60
"""Lifetime of an access token; membership is checked on every call, so this bounds only
how long a signed-out browser's last token keeps working."""

REFRESH_TOKEN_TTL_S = 30 * 24 * 3600
"""A session ends after this long without a refresh (each refresh extends it)."""

INVITATION_TTL_S = 7 * 24 * 3600
"""Default lifetime of an invitation link."""


@dataclass(frozen=True)
class AccountsConfig:
    """Settings of the account system; `signer` is None where no tokens are minted."""

    issuer: str = "foundry-local"
    signer: LocalSigner | None = field(default=None, repr=False)
    audience: str = LOCAL_AUDIENCE
    access_ttl_s: int = ACCESS_TOKEN_TTL_S
    refresh_ttl_s: int = REFRESH_TOKEN_TTL_S
    single_tenant: bool = False
    single_tenant_org_name: str = "Foundry"
    clerk_webhook_secret: str | None = field(default=None, repr=False)
    clerk_issuer: str | None = None

    def require_signer(self) -> LocalSigner:
        """The signing key; an AppError when this process was started without one."""
        if self.signer is None:
            raise AppError(
                "Built-in sign-in is not configured on this backend (no signing key).",
                {"setting": "accounts.signer"},
                code="AccountsNotConfigured",
            )
        return self.signer


_current = AccountsConfig()


def configure(config: AccountsConfig) -> None:
    """Install `config` for this process (called by the backend at start-up and by tests)."""
    global _current
    _current = config


def current() -> AccountsConfig:
    """The configuration in force."""
    return _current


def local_auth_config(config: AccountsConfig) -> AuthConfig:
    """The verifier entry for our own tokens: a static public key, so no HTTP round trip."""
    signer = config.require_signer()
    return AuthConfig(
        issuer=config.issuer,
        audience=config.audience,
        public_keys_pem=(signer.public_key_pem(),),
    )
