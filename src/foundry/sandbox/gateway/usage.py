"""Reading token usage out of upstream answers: whole JSON bodies and server-sent event streams.

Anthropic reports input tokens in `message_start` and cumulative output tokens in `message_delta`;
OpenAI-compatible servers put `usage` on the last chunk when asked with
`stream_options.include_usage`, which the gateway always sets.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson

from foundry.sandbox.gateway.pricing import Usage

Provider = Literal["anthropic", "openai"]


def usage_from_body(provider: Provider, body: Any) -> tuple[str | None, Usage]:
    """The model and usage stated in a non-streaming answer (zero usage if absent)."""
    if not isinstance(body, dict):
        return None, Usage()
    model = body.get("model") if isinstance(body.get("model"), str) else None
    return model, _usage(provider, body.get("usage"))


def _usage(provider: Provider, raw: Any) -> Usage:
    if not isinstance(raw, dict):
        return Usage()

    def num(key: str) -> int:
        value = raw.get(key)
        return value if isinstance(value, int) and value >= 0 else 0

    if provider == "anthropic":
        return Usage(
            input_tokens=num("input_tokens"),
            output_tokens=num("output_tokens"),
            cache_write_tokens=num("cache_creation_input_tokens"),
            cache_read_tokens=num("cache_read_input_tokens"),
        )
    return Usage(input_tokens=num("prompt_tokens"), output_tokens=num("completion_tokens"))


class StreamMeter:
    """Watches an SSE byte stream as it passes through and keeps the usage it reports."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.model: str | None = None
        self.usage = Usage()
        self._buffer = b""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> None:
        """Consume the next bytes of the stream, in whatever pieces the network delivers."""
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            line = line.rstrip(b"\r")
            if not line:
                self._dispatch()
            elif line.startswith(b"data:"):
                self._data.append(line[5:].lstrip(b" "))

    def close(self) -> None:
        """The stream ended: handle a last event that had no trailing blank line."""
        if self._buffer.startswith(b"data:"):
            self._data.append(self._buffer[5:].strip())
        self._buffer = b""
        self._dispatch()

    def _dispatch(self) -> None:
        data, self._data = b"\n".join(self._data), []
        if not data or data == b"[DONE]":
            return
        try:
            event = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        if isinstance(event, dict):
            self._observe(event)

    def _observe(self, event: dict[str, Any]) -> None:
        if self.provider == "openai":
            if isinstance(event.get("model"), str):
                self.model = event["model"]
            if isinstance(event.get("usage"), dict):
                self.usage = _usage("openai", event["usage"])
            return
        kind = event.get("type")
        if kind == "message_start" and isinstance(event.get("message"), dict):
            model, self.usage = usage_from_body("anthropic", event["message"])
            self.model = model or self.model
        elif kind == "message_delta" and isinstance(event.get("usage"), dict):
            delta = _usage("anthropic", event["usage"])
            # Counts in message_delta are cumulative: keep the larger of what we have and it.
            self.usage = Usage(
                input_tokens=max(self.usage.input_tokens, delta.input_tokens),
                output_tokens=max(self.usage.output_tokens, delta.output_tokens),
                cache_write_tokens=max(self.usage.cache_write_tokens, delta.cache_write_tokens),
                cache_read_tokens=max(self.usage.cache_read_tokens, delta.cache_read_tokens),
            )
