"""Small local servers speaking the Anthropic Messages and OpenAI chat-completions protocols.

Each fake answers from a script (a list of replies, consumed in order; the last one repeats) and
records every request body, so tests can check what our real client code sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from foundry.engine.testing import free_port

API_KEY = "test-key-123"


@dataclass
class Reply:
    """One scripted answer: an HTTP error status, or a text with a stop reason."""

    text: str = ""
    status: int = 200
    stop_reason: str = "end_turn"
    text_from: Callable[[dict[str, Any]], str] | None = None
    """Builds the text from the request body (e.g. to echo the prompt)."""


@dataclass
class Fake:
    """The script and the recorded requests of a fake server."""

    script: list[Reply]
    requests: list[dict[str, Any]] = field(default_factory=list)
    auth_headers: list[dict[str, str | None]] = field(default_factory=list)

    def next_reply(self, body: dict[str, Any]) -> tuple[Reply, str]:
        reply = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        return reply, reply.text_from(body) if reply.text_from else reply.text


def _sse(events: list[tuple[str, Any]]) -> AsyncIterator[bytes]:
    async def gen() -> AsyncIterator[bytes]:
        for name, data in events:
            yield f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()

    return gen()


def anthropic_app(fake: Fake) -> Starlette:
    """POST /v1/messages, streaming or not, per the Messages API."""

    async def messages(request: Request) -> Response:
        key = request.headers.get("x-api-key")
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        fake.auth_headers.append({"x-api-key": key, "authorization": bearer or None})
        if API_KEY not in (key, bearer):
            err = {"type": "authentication_error", "message": "invalid x-api-key"}
            return JSONResponse({"type": "error", "error": err}, status_code=401)
        body = await request.json()
        fake.requests.append(body)
        reply, text = fake.next_reply(body)
        if reply.status != 200:
            err = {"type": "rate_limit_error", "message": "slow down"}
            return JSONResponse({"type": "error", "error": err}, status_code=reply.status)
        usage = {
            "input_tokens": 1200,
            "output_tokens": 300,
            "cache_read_input_tokens": 1000,
            "cache_creation_input_tokens": 0,
        }
        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "stop_sequence": None,
        }
        if not body.get("stream"):
            return JSONResponse(
                {
                    **message,
                    "content": [{"type": "text", "text": text}],
                    "stop_reason": reply.stop_reason,
                    "usage": usage,
                }
            )
        chunks = [text[i : i + 500] for i in range(0, len(text), 500)] or [""]
        events = [
            (
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        **message,
                        "content": [],
                        "stop_reason": None,
                        "usage": {**usage, "output_tokens": 1},
                    },
                },
            ),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
            *[
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": c},
                    },
                )
                for c in chunks
            ],
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": 300},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        return StreamingResponse(_sse(events), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/messages", messages, methods=["POST"])])


def openai_app(fake: Fake) -> Starlette:
    """POST /v1/chat/completions, streaming or not, per the chat-completions API."""

    async def completions(request: Request) -> Response:
        fake.auth_headers.append({"authorization": request.headers.get("authorization")})
        body = await request.json()
        fake.requests.append(body)
        reply, text = fake.next_reply(body)
        if reply.status != 200:
            return JSONResponse(
                {"error": {"message": "rate limited", "type": "rate_limit"}},
                status_code=reply.status,
            )
        finish = "length" if reply.stop_reason == "max_tokens" else "stop"
        usage = {"prompt_tokens": 900, "completion_tokens": 200, "total_tokens": 1100}
        base = {"id": "cmpl-1", "created": 1, "model": body["model"]}
        if not body.get("stream"):
            return JSONResponse(
                {
                    **base,
                    "object": "chat.completion",
                    "usage": usage,
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": finish,
                            "message": {"role": "assistant", "content": text},
                        }
                    ],
                }
            )

        async def gen() -> AsyncIterator[bytes]:
            chunk = {**base, "object": "chat.completion.chunk"}
            for i in range(0, len(text), 300):
                data = {
                    **chunk,
                    "choices": [
                        {"index": 0, "delta": {"content": text[i : i + 300]}, "finish_reason": None}
                    ],
                }
                yield f"data: {json.dumps(data)}\n\n".encode()
            done = {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
            yield f"data: {json.dumps(done)}\n\n".encode()
            yield f"data: {json.dumps({**chunk, 'choices': [], 'usage': usage})}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return StreamingResponse(gen(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on a free loopback port until the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
