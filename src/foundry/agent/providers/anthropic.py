"""The Anthropic Messages API client (official SDK; its retries are off, ours are the one layer)."""

from __future__ import annotations

from typing import Any

import anthropic

from foundry.agent import knobs
from foundry.agent.config import AgentConfig
from foundry.agent.errors import UpstreamError
from foundry.agent.providers.base import ModelCall, ModelReply, Progress, Usage

RETRYABLE = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
PROGRESS_EVERY_CHARS = 400


def retry_after(headers: Any) -> float | None:
    """Seconds from a Retry-After header, if it holds a number."""
    try:
        return float(headers.get("retry-after")) if headers.get("retry-after") else None
    except (TypeError, ValueError):
        return None


def upstream_error(error: Exception) -> UpstreamError:
    """An SDK exception as an `UpstreamError`, retryable when the status says so."""
    if isinstance(error, anthropic.APIStatusError):
        return UpstreamError(
            f"Anthropic answered {error.status_code}.",
            status=error.status_code,
            retryable=error.status_code in RETRYABLE,
            retry_after=retry_after(error.response.headers),
        )
    return UpstreamError(f"Anthropic unreachable: {type(error).__name__}.", retryable=True)


class AnthropicClient:
    """Sends one `ModelCall` as a Messages request, streaming when progress is wanted."""

    def __init__(self, config: AgentConfig, http_client: Any = None) -> None:
        self.native_schema = config.anthropic_native_schema
        self.sdk = anthropic.AsyncAnthropic(
            api_key=config.anthropic_api_key,
            base_url=config.anthropic_base_url,
            max_retries=0,
            timeout=knobs.MODEL_TIMEOUT_S,
            http_client=http_client,
        )

    async def aclose(self) -> None:
        """Close the SDK's HTTP connections."""
        await self.sdk.close()

    def request(self, call: ModelCall) -> dict[str, Any]:
        """The Messages API keyword arguments for `call` (stable blocks marked for caching)."""
        cache = {"type": "ephemeral"}
        content = [
            {"type": "text", "text": b.text, **({"cache_control": cache} if b.cache else {})}
            for b in call.blocks
        ]
        kwargs: dict[str, Any] = {
            "model": call.model,
            "max_tokens": call.max_tokens,
            "system": [{"type": "text", "text": call.system, "cache_control": cache}],
            "messages": [{"role": "user", "content": content}],
        }
        if call.thinking_budget:
            kwargs["thinking"] = {"type": "enabled", "budget_tokens": call.thinking_budget}
        if self.native_schema:
            kwargs["output_config"] = {"format": {"type": "json_schema", "schema": call.schema}}
        return kwargs

    async def complete(self, call: ModelCall, progress: Progress | None) -> ModelReply:
        """Send `call`; with `progress`, stream and report the characters received."""
        kwargs = self.request(call)
        try:
            if progress is None:
                message = await self.sdk.messages.create(**kwargs)
            else:
                received, reported = 0, 0
                async with self.sdk.messages.stream(**kwargs) as stream:
                    async for event in stream:
                        if event.type == "text":
                            received += len(event.text)
                            if received - reported >= PROGRESS_EVERY_CHARS:
                                reported = received
                                await progress(
                                    "progress", {"stage": "generating", "chars": received}
                                )
                    message = await stream.get_final_message()
        except anthropic.AnthropicError as error:
            raise upstream_error(error) from None
        text = "".join(block.text for block in message.content if block.type == "text")
        usage = message.usage
        return ModelReply(
            text=text,
            model=message.model,
            usage=Usage(
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cache_read_tokens=usage.cache_read_input_tokens or 0,
                cache_write_tokens=usage.cache_creation_input_tokens or 0,
            ),
            truncated=message.stop_reason == "max_tokens",
        )
