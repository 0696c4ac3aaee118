"""Log entries and status events of one session, stored and fanned out to live subscribers.

Every line passes the session's `Redactor` before it is stored or sent, so no secret reaches a
client. Subscribers (SSE streams) get a bounded queue each; a subscriber that falls too far
behind is dropped and reconnects with its cursor, which replays from the store.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from foundry.sandbox import knobs
from foundry.sandbox.redact import Redactor
from foundry.sandbox.status import now_iso
from foundry.sandbox.store import Store

LEVELS = frozenset({"info", "stdout", "stderr", "system", "error"})
_SUBSCRIBER_QUEUE = 10_000


class LogBus:
    """The log of one session."""

    def __init__(self, store: Store, sandbox_id: str, redactor: Redactor) -> None:
        self.store = store
        self.sandbox_id = sandbox_id
        self.redact = redactor
        self._subscribers: set[asyncio.Queue[dict[str, Any] | None]] = set()

    def append(self, level: str, message: str, metadata: Any = None) -> dict[str, Any]:
        """Redact, store and publish one log line; return the entry."""
        level = level if level in LEVELS else "info"
        message = self.redact(message)[: knobs.LOG_LINE_MAX_CHARS]
        if metadata is not None:
            metadata = _redact_tree(metadata, self.redact)
        timestamp = now_iso()
        seq = self.store.append_log(self.sandbox_id, timestamp, level, message, metadata)
        entry: dict[str, Any] = {
            "sequence": seq,
            "sandboxId": self.sandbox_id,
            "timestamp": timestamp,
            "level": level,
            "message": message,
        }
        if metadata is not None:
            entry["metadata"] = metadata
        self._publish({"type": "log", "log": entry})
        return entry

    def status(self, payload: dict[str, Any]) -> None:
        """Publish a status event (not stored: the record holds the status)."""
        self._publish({"type": "status", "sandboxId": self.sandbox_id, **payload})

    def _publish(self, event: dict[str, Any]) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                self._subscribers.discard(queue)
                with contextlib.suppress(asyncio.QueueFull):
                    queue.get_nowait()
                    queue.put_nowait(None)  # tells the stream to end; the client resumes

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue[dict[str, Any] | None]]:
        """A queue of events published from now until the block ends."""
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(_SUBSCRIBER_QUEUE)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    def close(self) -> None:
        """End every subscriber's stream."""
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        self._subscribers.clear()


def _redact_tree(value: Any, redact: Redactor) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_tree(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_tree(v, redact) for v in value]
    return value
