"""Calls from the worker to the backend: completion and hook events, with the session's secret.

The backend gives each session its own `hookSecret` and callback URL on create (or execute);
the worker's own SANDBOX_API_SECRET is never sent here and never stored in a session.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from foundry.sandbox import knobs

log = logging.getLogger("foundry.sandbox.callbacks")
_pending: set[asyncio.Task[None]] = set()


async def post(url: str, secret: str | None, body: dict[str, Any]) -> bool:
    """POST `body` to `url` with `Bearer secret`; True on a 2xx answer. Never raises."""
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    try:
        async with httpx.AsyncClient(timeout=knobs.CALLBACK_TIMEOUT_S) as client:
            response = await client.post(url, json=body, headers=headers)
    except httpx.HTTPError as error:
        log.warning("callback to %s failed: %s", url, type(error).__name__)
        return False
    return response.is_success


def fire(url: str | None, secret: str | None, body: dict[str, Any]) -> None:
    """Send a callback in the background (fire-and-forget, as the reference does)."""
    if not url:
        return
    task = asyncio.get_running_loop().create_task(_send(url, secret, body))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def _send(url: str, secret: str | None, body: dict[str, Any]) -> None:
    await post(url, secret, body)


async def drain(timeout: float = 5.0) -> None:
    """Wait for callbacks still in flight (used at shutdown and by tests)."""
    if _pending:
        await asyncio.wait(list(_pending), timeout=timeout)
