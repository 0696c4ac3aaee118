"""The agent service's configuration, read once from the environment.

FOUNDRY_AI_PROVIDER          local (default) | anthropic | openai
FOUNDRY_MODEL_FAST / _STANDARD / _THOROUGH   Anthropic model ids per tier
ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL
OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL
FOUNDRY_ANTHROPIC_NATIVE_SCHEMA   1 to send the result schema as native structured output
FOUNDRY_AI_PRICING           JSON {model: {input, output, cacheRead, cacheWrite}} in USD per MTok
AGENT_SERVICE_SECRET         bearer secret; unset means no authentication
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

ProviderName = Literal["local", "anthropic", "openai"]
PROVIDERS: tuple[ProviderName, ...] = ("local", "anthropic", "openai")


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cache_read: float = 0.0
    cache_write: float = 0.0


# The reference's MODEL_PRICING plus newer ids; verify against the vendor's price list and
# override with FOUNDRY_AI_PRICING. Unknown models are priced as `default`.
DEFAULT_PRICING: dict[str, Price] = {
    "claude-opus-4-7": Price(5, 25, 0.5, 6.25),
    "claude-opus-4-6": Price(15, 75, 1.5, 18.75),
    "claude-sonnet-4-6": Price(3, 15, 0.3, 3.75),
    "claude-sonnet-4-5": Price(3, 15, 0.3, 3.75),
    "claude-haiku-4-5": Price(1, 5, 0.1, 1.25),
    "local": Price(0, 0),
    "default": Price(3, 15, 0.3, 3.75),
}


@dataclass(frozen=True)
class AgentConfig:
    """Which provider answers, with which models and credentials, and what tokens cost."""

    provider: ProviderName = "local"
    model_fast: str = "claude-haiku-4-5"
    model_standard: str = "claude-sonnet-4-6"
    model_thorough: str = "claude-opus-4-7"
    anthropic_api_key: str | None = field(default=None, repr=False)
    anthropic_base_url: str | None = None
    anthropic_native_schema: bool = False
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    service_secret: str | None = field(default=None, repr=False)
    atlassian_client_id: str | None = None
    atlassian_client_secret: str | None = field(default=None, repr=False)
    atlassian_token_url: str = "https://auth.atlassian.com/oauth/token"
    pricing: Mapping[str, Price] = field(default_factory=lambda: dict(DEFAULT_PRICING))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AgentConfig:
        """Read the configuration; unset or empty variables keep their defaults."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env.get(name) or None

        provider = (get("FOUNDRY_AI_PROVIDER") or "local").lower()
        if provider not in PROVIDERS:
            raise ValueError(
                f"FOUNDRY_AI_PROVIDER must be one of {', '.join(PROVIDERS)}, got {provider!r}"
            )
        pricing = dict(DEFAULT_PRICING)
        raw_pricing = get("FOUNDRY_AI_PRICING")
        if raw_pricing:
            for model, p in json.loads(raw_pricing).items():
                pricing[model] = Price(
                    p["input"], p["output"], p.get("cacheRead", 0.0), p.get("cacheWrite", 0.0)
                )
        defaults = cls()
        return cls(
            provider=provider,
            model_fast=get("FOUNDRY_MODEL_FAST") or defaults.model_fast,
            model_standard=get("FOUNDRY_MODEL_STANDARD") or defaults.model_standard,
            model_thorough=get("FOUNDRY_MODEL_THOROUGH") or defaults.model_thorough,
            anthropic_api_key=get("ANTHROPIC_API_KEY"),
            anthropic_base_url=get("ANTHROPIC_BASE_URL"),
            anthropic_native_schema=get("FOUNDRY_ANTHROPIC_NATIVE_SCHEMA") == "1",
            openai_api_key=get("OPENAI_API_KEY"),
            openai_base_url=get("OPENAI_BASE_URL"),
            openai_model=get("OPENAI_MODEL") or defaults.openai_model,
            service_secret=get("AGENT_SERVICE_SECRET"),
            atlassian_client_id=get("ATLASSIAN_CLIENT_ID"),
            atlassian_client_secret=get("ATLASSIAN_CLIENT_SECRET"),
            atlassian_token_url=get("ATLASSIAN_TOKEN_URL") or defaults.atlassian_token_url,
            pricing=pricing,
        )

    def model_for(self, tier: str) -> str:
        """The Anthropic model id configured for a tier."""
        return {"fast": self.model_fast, "thorough": self.model_thorough}.get(
            tier, self.model_standard
        )

    def price_of(self, model: str) -> Price:
        """The price of `model`: exact id, then the longest configured prefix, then `default`."""
        if model in self.pricing:
            return self.pricing[model]
        prefixes = [m for m in self.pricing if model.startswith(m)]
        return self.pricing[max(prefixes, key=len)] if prefixes else self.pricing["default"]
