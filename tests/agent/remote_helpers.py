"""Shared set-up of the remote-provider tests: an agent app pointed at a fake model server."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from foundry.agent.config import AgentConfig
from foundry.agent.providers.factory import build_provider
from foundry.agent.providers.retry import RetryPolicy
from tests.agent.conftest import client_for, payload
from tests.agent.fakes import API_KEY, Fake, Reply, anthropic_app, openai_app, serving

FAST_RETRIES = RetryPolicy(attempts=3, base_s=0.01, overload_factor=2, cap_s=0.05)


@contextlib.asynccontextmanager
async def remote_client(
    provider: str, fake: Fake, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """An agent client whose `provider` talks to a fake server answering from `fake`."""
    app = anthropic_app(fake) if provider == "anthropic" else openai_app(fake)
    async with serving(app) as url:
        if provider == "anthropic":
            config = AgentConfig(
                provider="anthropic", anthropic_api_key=API_KEY, anthropic_base_url=url, **overrides
            )
        else:
            config = AgentConfig(
                provider="openai",
                openai_api_key=API_KEY,
                openai_base_url=f"{url}/v1",
                openai_model="local-llm",
                **overrides,
            )
        chosen = build_provider(config, policy=FAST_RETRIES)
        try:
            async with client_for(config, chosen) as client:
                yield client
        finally:
            await chosen.aclose()


async def local_answer(local: httpx.AsyncClient, route: str, repo: Path) -> str:
    """A valid model answer for `route`: the local provider's result without metadata."""
    body = (await local.post(f"/{route}", json=payload(route, repo))).json()
    del body["metadata"]
    return json.dumps(body)


def reply(text: str, **kwargs: Any) -> Reply:
    """A scripted model answer."""
    return Reply(text=text, **kwargs)
