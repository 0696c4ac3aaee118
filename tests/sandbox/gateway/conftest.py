"""Fixtures: fake upstreams and a gateway on real ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from foundry.engine.testing import free_port
from foundry.sandbox.gateway import Gateway, UpstreamConfig, serving
from tests.sandbox.gateway.fakes import FakeUpstream, anthropic_app, openai_app

ANTHROPIC_KEY = "sk-ant-host-secret-0123456789"
OPENAI_KEY = "sk-openai-host-secret-9876543210"


@dataclass
class Stack:
    """A gateway in front of a fake Anthropic and a fake OpenAI server."""

    gateway: Gateway
    url: str
    anthropic: FakeUpstream
    openai: FakeUpstream


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    anthropic, openai = FakeUpstream(), FakeUpstream()
    async with (
        serving(anthropic_app(anthropic), "127.0.0.1", free_port()) as anthropic_url,
        serving(openai_app(openai), "127.0.0.1", free_port()) as openai_url,
    ):
        gateway = Gateway(
            UpstreamConfig(anthropic_url, ANTHROPIC_KEY, openai_url + "/v1", OPENAI_KEY)
        )
        try:
            async with serving(gateway.app, "127.0.0.1", free_port()) as url:
                yield Stack(gateway, url, anthropic, openai)
        finally:
            await gateway.aclose()
