"""Any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp, hosted) with JSON-schema output."""

from __future__ import annotations

import re
from typing import Any

import openai

from foundry.agent import knobs
from foundry.agent.config import AgentConfig
from foundry.agent.errors import UpstreamError
from foundry.agent.providers.anthropic import PROGRESS_EVERY_CHARS, RETRYABLE, retry_after
from foundry.agent.providers.base import ModelCall, ModelReply, Progress, Usage


def upstream_error(error: Exception) -> UpstreamError:
    """An SDK exception as an `UpstreamError`, retryable when the status says so."""
    if isinstance(error, openai.APIStatusError):
        return UpstreamError(
            f"The OpenAI-compatible endpoint answered {error.status_code}.",
            status=error.status_code,
            retryable=error.status_code in RETRYABLE,
            retry_after=retry_after(error.response.headers),
        )
    return UpstreamError(
        f"OpenAI-compatible endpoint unreachable: {type(error).__name__}.", retryable=True
    )


class OpenAIClient:
    """Sends one `ModelCall` as a chat completion with a `json_schema` response format."""

    def __init__(self, config: AgentConfig, http_client: Any = None) -> None:
        self.model = config.openai_model
        self.sdk = openai.AsyncOpenAI(
            # Local servers need no key, but the SDK insists on one.
            api_key=config.openai_api_key or "not-needed",
            base_url=config.openai_base_url,
            max_retries=0,
            timeout=knobs.MODEL_TIMEOUT_S,
            http_client=http_client,
        )

    async def aclose(self) -> None:
        """Close the SDK's HTTP connections."""
        await self.sdk.close()

    def request(self, call: ModelCall) -> dict[str, Any]:
        """The chat-completions keyword arguments for `call`."""
        name = re.sub(r"[^a-zA-Z0-9_-]", "_", call.route)[:64]
        return {
            "model": self.model,
            "max_tokens": call.max_tokens,
            "messages": [
                {"role": "system", "content": call.system},
                {"role": "user", "content": "\n\n".join(b.text for b in call.blocks)},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": call.schema, "strict": False},
            },
        }

    async def complete(self, call: ModelCall, progress: Progress | None) -> ModelReply:
        """Send `call`; with `progress`, stream and report the characters received."""
        kwargs = self.request(call)
        try:
            if progress is None:
                completion = await self.sdk.chat.completions.create(**kwargs)
                choice = completion.choices[0]
                text, finish = choice.message.content or "", choice.finish_reason
                model, usage = completion.model, completion.usage
            else:
                parts: list[str] = []
                finish, model, usage, reported = None, self.model, None, 0
                stream = await self.sdk.chat.completions.create(
                    **kwargs, stream=True, stream_options={"include_usage": True}
                )
                async for chunk in stream:
                    model = chunk.model or model
                    usage = chunk.usage or usage
                    for c in chunk.choices:
                        parts.append(c.delta.content or "")
                        finish = c.finish_reason or finish
                    received = sum(len(p) for p in parts)
                    if received - reported >= PROGRESS_EVERY_CHARS:
                        reported = received
                        await progress("progress", {"stage": "generating", "chars": received})
                text = "".join(parts)
        except openai.OpenAIError as error:
            raise upstream_error(error) from None
        details = getattr(usage, "prompt_tokens_details", None)
        return ModelReply(
            text=text,
            model=model,
            usage=Usage(
                input_tokens=usage.prompt_tokens if usage else 0,
                output_tokens=usage.completion_tokens if usage else 0,
                cache_read_tokens=(getattr(details, "cached_tokens", 0) or 0) if details else 0,
            ),
            truncated=finish == "length",
        )
