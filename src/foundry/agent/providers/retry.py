"""The one retry layer: exponential backoff with full jitter, longer after 429/529, capped."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from foundry.agent import knobs
from foundry.agent.errors import UpstreamError

T = TypeVar("T")
log = logging.getLogger("foundry.agent")

OVERLOAD_STATUSES = frozenset({429, 529})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a retryable upstream failure."""

    attempts: int = knobs.RETRY_ATTEMPTS
    base_s: float = knobs.RETRY_BASE_S
    overload_factor: float = knobs.RETRY_OVERLOAD_FACTOR
    cap_s: float = knobs.RETRY_CAP_S

    def delay(self, attempt: int, error: UpstreamError) -> float:
        """Seconds to wait before retry number `attempt` (1-based) after `error`."""
        ceiling = self.base_s * 2 ** (attempt - 1)
        if error.status in OVERLOAD_STATUSES:
            ceiling *= self.overload_factor
        delay = random.uniform(ceiling / 2, ceiling)
        if error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return min(delay, self.cap_s)


async def with_retries(
    call: Callable[[], Awaitable[T]], policy: RetryPolicy, route: str
) -> tuple[T, int]:
    """Run `call`, retrying retryable `UpstreamError`s; return its value and the retry count."""
    attempt = 0
    while True:
        try:
            return await call(), attempt
        except UpstreamError as error:
            attempt += 1
            if not error.retryable or attempt >= policy.attempts:
                raise
            delay = policy.delay(attempt, error)
            log.warning(
                "[retry] route=%s status=%s attempt=%d delay=%.2fs",
                route,
                error.status,
                attempt,
                delay,
            )
            await asyncio.sleep(delay)
