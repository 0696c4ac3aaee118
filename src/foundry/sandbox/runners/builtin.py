"""The `builtin` runner: the small tool-using agent of loop.py over the gateway.

Config keys (all optional): provider ("anthropic" | "openai"), model, max_turns, max_tokens,
max_wall_s, max_reply_tokens, loop_repeats, command_timeout_s, gateway_url (the gateway as seen
from the worker, when it differs from the URL handed to the sandbox).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from foundry.sandbox.runner_protocol import RunContext, RunResult
from foundry.sandbox.runners import knobs
from foundry.sandbox.runners.exceptions import InterruptAgentFlow, Submitted
from foundry.sandbox.runners.loop import Agent, Limits
from foundry.sandbox.runners.models import AnthropicModel, Model, OpenAIModel
from foundry.sandbox.runners.tools import Toolbox

DEFAULT_MODELS = {"anthropic": "claude-sonnet-4-5", "openai": "gpt-4.1"}


@dataclass(frozen=True)
class BuiltinConfig:
    """The builtin runner's settings, read from the run's config dict."""

    provider: str = "anthropic"
    model: str = ""
    max_turns: int = knobs.MAX_TURNS
    max_tokens: int = knobs.MAX_TOKENS
    max_wall_s: float = knobs.MAX_WALL_S
    max_reply_tokens: int = knobs.MAX_REPLY_TOKENS
    loop_repeats: int = knobs.LOOP_REPEATS
    command_timeout_s: float = knobs.COMMAND_TIMEOUT_S
    gateway_url: str = ""

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> BuiltinConfig:
        """Validate `raw`; unknown keys and wrong types are a ValueError naming the key."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ValueError(f"unknown builtin runner option(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in raw.items():
            kind = type(getattr(cls, key))
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f"builtin runner option {key} must be {kind.__name__}")
            values[key] = value
        config = cls(**values)
        if config.provider not in DEFAULT_MODELS:
            raise ValueError(f"provider must be one of {', '.join(DEFAULT_MODELS)}")
        return config


class BuiltinRunner:
    """Runs the builtin agent; every exit becomes a RunResult."""

    name = "builtin"

    async def run(self, ctx: RunContext, prompt: str, config: dict[str, Any]) -> RunResult:
        """Work on `prompt` with the builtin agent."""
        try:
            settings = BuiltinConfig.parse(config)
        except ValueError as error:
            return RunResult(False, "invalid runner config", str(error))
        # This loop runs on the host: it reaches the gateway directly, not through the sandbox.
        base_url = settings.gateway_url or ctx.host_gateway_url or ctx.gateway_url
        if not base_url or not ctx.gateway_token:
            return RunResult(
                False, "no model gateway", "the builtin runner needs a gateway URL and token"
            )
        model_name = settings.model or DEFAULT_MODELS[settings.provider]
        model_class = AnthropicModel if settings.provider == "anthropic" else OpenAIModel
        model: Model = model_class(
            base_url, ctx.gateway_token, model_name, settings.max_reply_tokens
        )
        limits = Limits(
            settings.max_turns, settings.max_tokens, settings.max_wall_s, settings.loop_repeats
        )
        agent = Agent(ctx, model, Toolbox(ctx, settings.command_timeout_s), limits)
        await ctx.log(f"Builtin agent started | {settings.provider} {model_name}", stream="system")
        exit_ = await agent.run(prompt)
        return _result(exit_, agent)


def _result(exit_: InterruptAgentFlow, agent: Agent) -> RunResult:
    extra = {"exit": type(exit_).__name__, "turns": agent.calls}
    if isinstance(exit_, Submitted):
        return RunResult(True, exit_.message, None, agent.tokens, extra)
    summary = f"{type(exit_).__name__} after {agent.calls} model calls"
    return RunResult(False, summary, exit_.message, agent.tokens, extra)
