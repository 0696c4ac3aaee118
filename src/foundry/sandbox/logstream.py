"""GET /sandbox/:id/logs: poll with a cursor, or a server-sent event stream.

The stream subscribes first, then replays every stored entry after the cursor (`?cursor=` or
`Last-Event-ID`), then forwards live events, skipping any it already replayed, so a reconnect
never loses or repeats a line. Heartbeats every 15 s; the stream closes after 10 minutes with a
status event asking the client to reconnect.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from foundry.sandbox import knobs
from foundry.sandbox.api import enveloped, manager, ok, sid
from foundry.sandbox.errors import BadRequest
from foundry.sandbox.status import now_iso


def _frame(event: dict[str, Any]) -> bytes:
    head = f"id: {event['log']['sequence']}\n" if event["type"] == "log" else ""
    return f"{head}event: {event['type']}\ndata: ".encode() + orjson.dumps(event) + b"\n\n"


def _cursor(request: Request) -> int:
    raw = request.query_params.get("cursor") or request.headers.get("last-event-id") or "0"
    if not raw.isdigit():
        raise BadRequest("cursor must be a log sequence number", {"cursor": raw})
    return int(raw)


@enveloped
async def logs(request: Request) -> Response:
    """Poll (`?mode=poll`) or stream a session's log."""
    m = manager(request)
    sandbox_id = sid(request)
    cursor = _cursor(request)
    if request.query_params.get("mode") == "poll":
        return ok(m.poll(sandbox_id, cursor))
    m.get(sandbox_id)  # NOT_FOUND before the stream starts
    return StreamingResponse(
        _stream(request, sandbox_id, cursor),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _stream(request: Request, sandbox_id: str, cursor: int) -> AsyncIterator[bytes]:
    m = manager(request)
    session = m.get(sandbox_id)
    deadline = time.monotonic() + knobs.SSE_MAX_DURATION_S
    with session.log.subscribe() as queue:
        last = cursor
        while True:  # replay in pages until caught up
            page = m.store.logs_after(sandbox_id, last, knobs.POLL_PAGE_SIZE)
            for entry in page:
                yield _frame({"type": "log", "log": entry})
                last = entry["sequence"]
            if len(page) < knobs.POLL_PAGE_SIZE:
                break
        yield _frame(
            {
                "type": "status",
                "sandboxId": sandbox_id,
                "status": session.record["status"],
                "timestamp": now_iso(),
                "message": "Subscribed to sandbox logs",
                "setupProgress": session.record["setupProgress"],
                "runtimeMode": session.record.get("runtimeMode"),
            }
        )
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                event = await asyncio.wait_for(queue.get(), min(knobs.SSE_HEARTBEAT_S, remaining))
            except TimeoutError:
                yield _frame({"type": "heartbeat", "timestamp": now_iso()})
                continue
            if event is None:
                return  # the session ended or we fell behind: the client resumes by cursor
            if event["type"] == "log":
                if event["log"]["sequence"] <= last:
                    continue
                last = event["log"]["sequence"]
            yield _frame(event)
        yield _frame(
            {
                "type": "status",
                "sandboxId": sandbox_id,
                "status": session.record["status"],
                "timestamp": now_iso(),
                "message": "SSE connection timeout. Please reconnect.",
            }
        )
