"""Named pause points for race tests: a no-op unless a test holds the label.

    async with pause.hold(AFTER_CONFLICT_CHECK) as point:
        task = asyncio.create_task(commit_something())
        await point.reached()     # the code is now blocked at the label
        await commit_something_else()
        point.release()

Production code calls `await pause.wait(LABEL)` at the interesting place; with no holder it
returns at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class PausePoint:
    """One held label: learn when code reaches it, then let it go on."""

    def __init__(self) -> None:
        self._arrivals = 0
        self._arrived = asyncio.Condition()
        self._released = asyncio.Event()

    async def reached(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until `count` callers in all are (or were) blocked at this label."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: self._arrivals >= count)

    def release(self) -> None:
        """Let the blocked code continue (and any later arrivals pass straight through)."""
        self._released.set()


class PauseController:
    """The registry of held labels."""

    def __init__(self) -> None:
        self._held: dict[str, PausePoint] = {}

    async def wait(self, label: str) -> None:
        """Block here while a test holds `label`."""
        point = self._held.get(label)
        if point is None:
            return
        async with point._arrived:
            point._arrivals += 1
            point._arrived.notify_all()
        await point._released.wait()

    @asynccontextmanager
    async def hold(self, label: str) -> AsyncIterator[PausePoint]:
        """Hold `label` for the duration of the block (test-only)."""
        point = PausePoint()
        self._held[label] = point
        try:
            yield point
        finally:
            point.release()
            self._held.pop(label, None)


pause = PauseController()
