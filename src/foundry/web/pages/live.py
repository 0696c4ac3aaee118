"""The event stream that carries a tab's region updates."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

HEARTBEAT_S = 15.0
"""Idle time after which the stream sends a comment line, so proxies keep it open."""


async def live_stream(request: Request) -> Response:
    """GET /live/{tab}: the tab's region updates as server-sent events."""
    tab = request.app.state.tabs.get(request.path_params["tab"])
    if tab is None:
        return StreamingResponse(
            iter([b"event: reload\ndata: {}\n\n"]), media_type="text/event-stream"
        )

    async def events() -> Any:
        tab.streams += 1
        try:
            yield b"retry: 1000\n\n"
            while True:
                try:
                    async with asyncio.timeout(HEARTBEAT_S):
                        update = await tab.updates.get()
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                data = orjson.dumps({"region": update.region, "ts": update.ts, "html": update.html})
                yield b"event: region\ndata: " + data + b"\n\n"
        finally:
            tab.streams -= 1

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


ROUTES = [Route("/live/{tab}", live_stream)]
