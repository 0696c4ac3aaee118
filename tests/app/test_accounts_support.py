"""The real backend wiring for the account tests: server.py's config and verifier, a real port.

Not a test module itself: the `test_accounts*` modules import `backend_for_testing` from here.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from foundry.app.accounts import config as accounts
from foundry.app.schema import build_schema
from foundry.app.server import accounts_config_from_env, auth_configs_from_env, build_verifier
from foundry.client import HttpClient
from foundry.config import Settings
from foundry.engine.auth import TokenVerifier
from foundry.engine.deployment import Deployment
from foundry.engine.storage.sqlite import SqliteStorage
from foundry.engine.testing import free_port, serve_for_testing
from tests.app.conftest import app_registry

PASSWORD = "correct horse battery"


@dataclass
class Backend:
    """A served backend and an HTTP client pointed at it."""

    url: str
    http: httpx.AsyncClient
    deployment: Deployment
    settings: accounts.AccountsConfig
    verifier: TokenVerifier
    clients: list[HttpClient] = field(default_factory=list)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        """POST JSON to an HTTP action."""
        return await self.http.post(path, json=body, **kwargs)

    async def signup(self, email: str, **extra: Any) -> dict[str, Any]:
        """Sign up (asserting success) and return the token answer."""
        body = {"email": email, "password": PASSWORD, "name": email.split("@")[0], **extra}
        response = await self.post("/auth/signup", body)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def client(self, access_token: str | None) -> HttpClient:
        """A function-calling client using `access_token`."""
        client = HttpClient(self.url, access_token, http=self.http)
        self.clients.append(client)
        return client


@contextlib.asynccontextmanager
async def backend_for_testing(tmp_path: Path, **env: str) -> AsyncIterator[Backend]:
    """The product's backend wired as `app/server.py` wires it, with `env` as its environment."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'app.sqlite'}", backend_url=url
    )
    config = accounts_config_from_env(settings, env)
    accounts.configure(config)
    verifier = build_verifier(config, auth_configs_from_env(env))
    deployment = Deployment(SqliteStorage(tmp_path / "app.sqlite"), build_schema(), app_registry())
    try:
        async with (
            serve_for_testing(deployment, verifier=verifier, port=port) as served,
            httpx.AsyncClient(base_url=served, timeout=10) as http,
        ):
            yield Backend(served, http, deployment, config, verifier)
    finally:
        # Other tests run in multi-tenant mode without a signing key.
        accounts.configure(accounts.AccountsConfig())
