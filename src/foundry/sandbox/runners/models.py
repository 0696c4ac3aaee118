"""Model clients for the builtin agent: Anthropic Messages (tool use) and OpenAI-compatible chat
(function calling), both spoken to the gateway with the session token, never a real API key.

A reply the loop cannot use raises FormatError; an HTTP refusal raises ModelError.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import httpx
import orjson

from foundry.sandbox.runners import knobs
from foundry.sandbox.runners.exceptions import FormatError, ModelError
from foundry.sandbox.runners.messages import (
    AssistantTurn,
    ModelReply,
    ToolCall,
    ToolSpec,
    Turn,
)


class Model(Protocol):
    """Something that answers a conversation with an assistant turn."""

    async def query(
        self, system: str, turns: Sequence[Turn], tools: Sequence[ToolSpec]
    ) -> ModelReply:
        """The model's next turn; raises FormatError or ModelError."""
        ...


class _HttpModel:
    def __init__(self, base_url: str, token: str, model: str, max_reply_tokens: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.model = model
        self.max_reply_tokens = max_reply_tokens

    async def _post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        try:
            async with httpx.AsyncClient(timeout=knobs.MODEL_TIMEOUT_S) as client:
                response = await client.post(self.base_url + path, json=body, headers=headers)
        except httpx.HTTPError as error:
            raise ModelError(f"model gateway unreachable: {type(error).__name__}") from None
        if response.status_code >= 400:
            raise ModelError(
                f"model call refused ({response.status_code}): {_error_text(response)}"
            )
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise FormatError("the model API answered with something that is not JSON") from None


class AnthropicModel(_HttpModel):
    """Anthropic Messages API with tool use."""

    async def query(
        self, system: str, turns: Sequence[Turn], tools: Sequence[ToolSpec]
    ) -> ModelReply:
        """One `POST /v1/messages` call."""
        body = {
            "model": self.model,
            "max_tokens": self.max_reply_tokens,
            "system": system,
            "messages": [_anthropic_message(turn) for turn in turns],
            "tools": [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in tools
            ],
        }
        headers = {"x-api-key": self.token, "anthropic-version": "2023-06-01"}
        data = await self._post("/v1/messages", body, headers)
        content = data.get("content") if isinstance(data, dict) else None
        if not isinstance(content, list):
            raise FormatError("the reply has no content list")
        texts, calls = [], []
        for block in content:
            kind = block.get("type") if isinstance(block, dict) else None
            if kind == "text" and isinstance(block.get("text"), str):
                texts.append(block["text"])
            elif kind == "tool_use":
                if not isinstance(block.get("input"), dict) or not isinstance(
                    block.get("name"), str
                ):
                    raise FormatError("a tool_use block lacks a name or an object input")
                calls.append(ToolCall(str(block.get("id", "")), block["name"], block["input"]))
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        return ModelReply(
            AssistantTurn("\n".join(texts), tuple(calls)),
            int(usage.get("input_tokens", 0) or 0),
            int(usage.get("output_tokens", 0) or 0),
        )


def _anthropic_message(turn: Turn) -> dict[str, Any]:
    if isinstance(turn, AssistantTurn):
        blocks: list[dict[str, Any]] = [{"type": "text", "text": turn.text}] if turn.text else []
        blocks += [
            {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
            for c in turn.tool_calls
        ]
        return {"role": "assistant", "content": blocks}
    blocks = [
        {
            "type": "tool_result",
            "tool_use_id": r.call_id,
            "content": r.output,
            "is_error": r.is_error,
        }
        for r in turn.results
    ]
    blocks += [{"type": "text", "text": text} for text in turn.texts]
    return {"role": "user", "content": blocks}


class OpenAIModel(_HttpModel):
    """OpenAI-compatible chat completions with function calling (vLLM, Ollama, OpenAI…)."""

    async def query(
        self, system: str, turns: Sequence[Turn], tools: Sequence[ToolSpec]
    ) -> ModelReply:
        """One `POST /v1/chat/completions` call."""
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        for turn in turns:
            messages += _openai_messages(turn)
        body = {
            "model": self.model,
            "max_tokens": self.max_reply_tokens,
            "messages": messages,
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
                for t in tools
            ],
        }
        data = await self._post(
            "/v1/chat/completions", body, {"authorization": f"Bearer {self.token}"}
        )
        try:
            message = data["choices"][0]["message"]
            calls = tuple(
                ToolCall(
                    str(c["id"]), c["function"]["name"], _arguments(c["function"]["arguments"])
                )
                for c in message.get("tool_calls") or ()
            )
            text = message.get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise FormatError(
                "the reply lacks choices[0].message with well-formed tool_calls"
            ) from None
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        return ModelReply(
            AssistantTurn(str(text), calls),
            int(usage.get("prompt_tokens", 0) or 0),
            int(usage.get("completion_tokens", 0) or 0),
        )


def _arguments(raw: Any) -> dict[str, Any]:
    try:
        parsed = orjson.loads(raw) if isinstance(raw, str) else raw
    except orjson.JSONDecodeError:
        raise FormatError(f"tool arguments are not valid JSON: {str(raw)[:200]!r}") from None
    if not isinstance(parsed, dict):
        raise FormatError("tool arguments must be a JSON object")
    return parsed


def _openai_messages(turn: Turn) -> list[dict[str, Any]]:
    if isinstance(turn, AssistantTurn):
        message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
        if turn.tool_calls:
            message["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": orjson.dumps(c.arguments).decode()},
                }
                for c in turn.tool_calls
            ]
        return [message]
    out: list[dict[str, Any]] = [
        {"role": "tool", "tool_call_id": r.call_id, "content": r.output} for r in turn.results
    ]
    if turn.texts:
        out.append({"role": "user", "content": "\n\n".join(turn.texts)})
    return out


def _error_text(response: httpx.Response) -> str:
    try:
        data = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:300]
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    return response.text[:300]
