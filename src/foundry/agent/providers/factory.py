"""Build the provider the configuration names."""

from __future__ import annotations

from typing import Any

from foundry.agent.config import AgentConfig
from foundry.agent.providers.base import Provider
from foundry.agent.providers.retry import RetryPolicy


def build_provider(
    config: AgentConfig, *, http_client: Any = None, policy: RetryPolicy | None = None
) -> Provider:
    """`local`, `anthropic` or `openai`, as `config.provider` says."""
    if config.provider == "anthropic":
        from foundry.agent.providers.anthropic import AnthropicClient
        from foundry.agent.providers.remote import ModelProvider

        client = AnthropicClient(config, http_client)
        return ModelProvider("anthropic", client, config.model_for, policy)
    if config.provider == "openai":
        from foundry.agent.providers.openai_compat import OpenAIClient
        from foundry.agent.providers.remote import ModelProvider

        model = config.openai_model
        return ModelProvider("openai", OpenAIClient(config, http_client), lambda _: model, policy)
    from foundry.agent.providers.local import LocalProvider

    return LocalProvider()
