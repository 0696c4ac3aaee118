"""Small local servers speaking the Anthropic Messages and OpenAI chat-completions protocols.

Each replies from a script (a list of replies, taken in order) and records every request it got,
so tests can check what reached "upstream". Usage is reported like the real APIs: Anthropic in
`message_start`/`message_delta` events when streaming, OpenAI on the last chunk when asked.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

Reply = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Seen:
    """One request as the fake upstream received it."""

    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes


@dataclass
class FakeUpstream:
    """A scripted fake of one provider; `replies` are consumed in order."""

    replies: list[Reply] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    input_tokens: int = 10
    output_tokens: int = 5
    status: int = 200

    def next_reply(self, body: dict[str, Any]) -> dict[str, Any]:
        if not self.replies:
            return {"content": [{"type": "text", "text": "script exhausted"}]}
        reply = self.replies.pop(0)
        return reply(body) if callable(reply) else reply

    async def record(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        body = json.loads(raw)
        self.seen.append(Seen(dict(request.headers), body, raw))
        return body  # type: ignore[no-any-return]


def anthropic_app(fake: FakeUpstream) -> Starlette:
    """Anthropic's `POST /v1/messages`; a reply is `{"content": [...blocks]}` or a raw body."""

    async def messages(request: Request) -> Response:
        body = await fake.record(request)
        if fake.status != 200:
            return JSONResponse(
                {"type": "error", "error": {"type": "api_error", "message": "boom"}}, fake.status
            )
        reply = fake.next_reply(body)
        if "raw" in reply:
            return JSONResponse(reply["raw"])
        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-sonnet-4-5"),
            "content": reply["content"],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": fake.input_tokens, "output_tokens": fake.output_tokens},
        }
        if body.get("stream"):
            return StreamingResponse(_anthropic_events(message), media_type="text/event-stream")
        return JSONResponse(message)

    return Starlette(routes=[Route("/v1/messages", messages, methods=["POST"])])


async def _anthropic_events(message: dict[str, Any]) -> AsyncIterator[bytes]:
    usage = message["usage"]
    start = {
        **message,
        "content": [],
        "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1},
    }
    yield _sse("message_start", {"type": "message_start", "message": start})
    for index, block in enumerate(message["content"]):
        yield _sse(
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": block},
        )
        yield _sse("content_block_stop", {"type": "content_block_stop", "index": index})
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn"},
        "usage": {"output_tokens": usage["output_tokens"]},
    }
    yield _sse("message_delta", delta)
    yield _sse("message_stop", {"type": "message_stop"})


def openai_app(fake: FakeUpstream) -> Starlette:
    """OpenAI's `POST /v1/chat/completions`; a reply is `{"message": {...}}` or a raw body."""

    async def completions(request: Request) -> Response:
        body = await fake.record(request)
        reply = fake.next_reply(body)
        if "raw" in reply:
            return JSONResponse(reply["raw"])
        usage = {"prompt_tokens": fake.input_tokens, "completion_tokens": fake.output_tokens}
        model = body.get("model", "gpt-4.1")
        if body.get("stream"):
            return StreamingResponse(
                _openai_chunks(model, reply["message"], body, usage), media_type="text/event-stream"
            )
        choice = {
            "index": 0,
            "message": {"role": "assistant", **reply["message"]},
            "finish_reason": "stop",
        }
        return JSONResponse(
            {
                "id": "c1",
                "object": "chat.completion",
                "model": model,
                "choices": [choice],
                "usage": usage,
            }
        )

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


async def _openai_chunks(
    model: str, message: dict[str, Any], body: dict[str, Any], usage: dict[str, int]
) -> AsyncIterator[bytes]:
    chunk = {"id": "c1", "object": "chat.completion.chunk", "model": model}
    yield _data(
        {
            **chunk,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": message.get("content", "")}}
            ],
        }
    )
    yield _data({**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if (body.get("stream_options") or {}).get("include_usage"):
        yield _data({**chunk, "choices": [], "usage": usage})
    yield b"data: [DONE]\n\n"


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _data(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data)}\n\n".encode()
