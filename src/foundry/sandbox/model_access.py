"""The worker's model gateway, wired into sessions: tokens, egress route and sandbox variables.

The worker serves the gateway (`gateway/`) in its own event loop on a loopback port, with the
host's provider keys from its environment. Each session gets a revocable token with its budget;
its egress proxy forwards `http://<GATEWAY_SANDBOX_NAME>:<port>` (and only that) to the
gateway; its processes see the gateway's URL and the token, never a provider key. The builtin
runner, which runs on the host, uses `host_url` with the same token.

A session created with its own model key (`anthropicApiKey`) has it attached to its token: the
gateway uses it upstream instead of the host's key. The key exists only in the gateway's memory,
never in the session store, a log or the sandbox, and goes when the token is revoked.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from foundry.sandbox import knobs
from foundry.sandbox.gateway import Gateway, serving
from foundry.sandbox.gateway.ledger import OwnKeys


@dataclass
class ModelAccess:
    """A running gateway and how sandboxes reach it."""

    gateway: Gateway
    host_url: str
    """The gateway's base URL on the host's loopback."""

    @property
    def port(self) -> int:
        """The gateway's loopback port."""
        return int(self.host_url.rsplit(":", 1)[1])

    @property
    def sandbox_url(self) -> str:
        """The gateway's base URL as seen from inside a sandbox (through its egress proxy)."""
        return f"http://{knobs.GATEWAY_SANDBOX_NAME}:{self.port}"

    def route(self) -> tuple[str, int, str, int]:
        """The egress route (name, port, host, host_port) that leads a sandbox to the gateway."""
        host = self.host_url.split("://", 1)[1].rsplit(":", 1)[0]
        return (knobs.GATEWAY_SANDBOX_NAME, self.port, host, self.port)

    def issue(
        self,
        session_id: str,
        budget_usd: float | None,
        max_tokens: int | None,
        own_keys: OwnKeys | None = None,
    ) -> str:
        """A new token for `session_id` with its budget (defaults from the knobs) and, if
        given, the session's own provider keys."""
        return self.gateway.issue(
            session_id,
            budget_usd or knobs.GATEWAY_BUDGET_USD,
            max_tokens or knobs.GATEWAY_MAX_TOKENS,
            own_keys,
        )

    def set_anthropic_key(self, session_id: str, key: str) -> None:
        """From now on the session's calls to Anthropic go upstream with its own `key`."""
        self.gateway.set_own_key(session_id, "anthropic", key)

    def revoke(self, session_id: str) -> None:
        """Refuse every token of `session_id` from now on."""
        self.gateway.revoke_session(session_id)

    def sandbox_env(self, token: str) -> dict[str, str]:
        """The variables every sandboxed process gets: the gateway's URL and the token only."""
        return {
            "ANTHROPIC_BASE_URL": self.sandbox_url,
            "ANTHROPIC_AUTH_TOKEN": token,
            "OPENAI_BASE_URL": self.sandbox_url + "/v1",
            "OPENAI_API_KEY": token,
        }


@contextlib.asynccontextmanager
async def running_gateway(gateway: Gateway | None = None) -> AsyncIterator[ModelAccess]:
    """Serve `gateway` (default: keys and upstreams from the environment) until the block ends."""
    gateway = gateway or Gateway()
    try:
        async with serving(gateway.app, knobs.GATEWAY_HOST, knobs.GATEWAY_PORT) as url:
            yield ModelAccess(gateway, url)
    finally:
        await gateway.aclose()
