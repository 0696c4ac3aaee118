"""Calls from the worker to the backend: completion and hook events, with the session's secret.

The backend gives each session its own `hookSecret` and callback URL on create (or execute);
the worker's own SANDBOX_API_SECRET is never sent here and never stored in a session.

Every POST carries `Authorization: Bearer <hookSecret>` (the reference's contract) and a
Standard-Webhooks style signature over the exact body: `webhook-id`, `webhook-timestamp` and
`webhook-signature: v1,<base64 HMAC-SHA256(hookSecret, "<id>.<timestamp>.<body>")>`.
One session's events leave in order from its own outbox, each retried with exponential backoff
on network errors, 408, 429 and 5xx; producers only enqueue, so a slow backend never blocks a
run. Hook events go to `<callbackUrl>/hook-events`, completion to `<callbackUrl>/completion`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from foundry.sandbox import knobs

log = logging.getLogger("foundry.sandbox.callbacks")
_RETRYABLE = frozenset({408, 425, 429})


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for `body`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """True when `headers` carry a valid signature of `body` by `secret` (for receivers)."""
    try:
        expected = sign(secret, headers["webhook-id"], int(headers["webhook-timestamp"]), body)
    except (KeyError, ValueError):
        return False
    offered = headers.get("webhook-signature", "").split(" ")
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


async def post(url: str, secret: str | None, body: dict[str, Any]) -> int | None:
    """POST `body` once, signed; the HTTP status, or None when the backend was unreachable."""
    raw = orjson.dumps(body)
    headers = {"content-type": "application/json"}
    if secret:
        message_id, timestamp = f"msg_{uuid.uuid4().hex}", int(time.time())
        headers["authorization"] = f"Bearer {secret}"
        headers["webhook-id"] = message_id
        headers["webhook-timestamp"] = str(timestamp)
        headers["webhook-signature"] = sign(secret, message_id, timestamp, raw)
    try:
        async with httpx.AsyncClient(timeout=knobs.CALLBACK_TIMEOUT_S) as client:
            response = await client.post(url, content=raw, headers=headers)
    except httpx.HTTPError as error:
        log.warning("callback to %s failed: %s", url, type(error).__name__)
        return None
    return response.status_code


async def deliver(url: str, secret: str | None, body: dict[str, Any]) -> bool:
    """POST with retries and exponential backoff; True once the backend answered 2xx."""
    delay = knobs.HOOK_RETRY_BASE_S
    for attempt in range(1, knobs.HOOK_RETRY_ATTEMPTS + 1):
        status = await post(url, secret, body)
        if status is not None and 200 <= status < 300:
            return True
        if status is not None and status < 500 and status not in _RETRYABLE:
            log.warning("callback to %s refused with %d; dropped", url, status)
            return False
        if attempt < knobs.HOOK_RETRY_ATTEMPTS:
            await asyncio.sleep(delay)
            delay *= 2
    log.warning("callback to %s failed %d times; dropped", url, knobs.HOOK_RETRY_ATTEMPTS)
    return False


@dataclass
class _Outbox:
    queue: deque[tuple[str, str | None, dict[str, Any]]] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


_outboxes: dict[str, _Outbox] = {}


def enqueue(key: str, url: str | None, secret: str | None, body: dict[str, Any]) -> None:
    """Queue `body` for `url` behind everything `key` (a session id) queued before; never waits."""
    if not url:
        return
    box = _outboxes.setdefault(key, _Outbox())
    if len(box.queue) >= knobs.HOOK_QUEUE_SIZE:
        box.queue.popleft()
        log.warning("hook outbox of %s is full; dropped its oldest event", key)
    box.queue.append((url, secret, body))
    if box.task is None or box.task.done():
        box.task = asyncio.get_running_loop().create_task(_drain_outbox(key, box))


async def _drain_outbox(key: str, box: _Outbox) -> None:
    try:
        while box.queue:
            url, secret, body = box.queue.popleft()
            await deliver(url, secret, body)
    finally:
        if not box.queue and _outboxes.get(key) is box:
            del _outboxes[key]


def fire(url: str | None, secret: str | None, body: dict[str, Any]) -> None:
    """Send a completion event in the background, after the session's earlier events."""
    enqueue(str(body.get("session_id", "")), url, secret, body)


def hook_event(
    session_id: str, base_url: str | None, secret: str | None, name: str, data: dict[str, Any]
) -> None:
    """Queue hook event `name` (e.g. StageProgress, RunStarted, PostToolUse, FileChanged,
    ChatDelivered, ChatFailed) for `<base_url>/hook-events`."""
    if not base_url:
        return
    body = {"session_id": session_id, "hook_event_name": name, "timestamp": time.time(), **data}
    enqueue(session_id, f"{base_url.rstrip('/')}/hook-events", secret, body)


async def drain(timeout: float = 5.0) -> None:
    """Wait for events still queued or in flight (used at shutdown and by tests)."""
    tasks = [box.task for box in _outboxes.values() if box.task is not None]
    if tasks:
        with contextlib.suppress(Exception):
            await asyncio.wait(tasks, timeout=timeout)
