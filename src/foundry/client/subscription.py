"""The three ways a caller listens to a query: an async iterator, a callback, a one-shot future.

Each is a *listener* of one query key. `AsyncClient` hands every new result of the key to each of
its listeners, synchronously, while it applies the transition that carried it — so a listener has
seen a mutation's effect before that mutation's future resolves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol

from foundry.client.errors import ConnectionLost, FunctionError
from foundry.client.local_state import FunctionResult

log = logging.getLogger("foundry.client")


class Listener(Protocol):
    """Receives the results of one query."""

    def deliver(self, result: FunctionResult) -> None:
        """Take a new result; must not block (it runs inside the client's reader)."""
        ...

    def end(self) -> None:
        """The client closed; no result will follow."""
        ...


class Subscription:
    """An async iterator over the values of one query.

        async with client.subscribe("messages:list", {"channel": "a"}) as messages:
            async for value in messages:
                ...

    The iterator yields the query's current value as soon as the server sent one, then each
    newer value. It keeps only the newest unread result: a consumer slower than the updates
    skips intermediate values, never falls behind (use `AsyncClient.on_update` to see every
    update). A failed query raises `FunctionError` from `__anext__`; the subscription stays open
    and the next `__anext__` waits for the next result. Iteration ends when the subscription or
    the client is closed.
    """

    def __init__(self, udf_path: str, args: Any) -> None:
        self.udf_path = udf_path
        self.args = args
        self.ts: int | None = None
        """The timestamp of the result `__anext__` returned last (None before the first)."""
        self._latest: FunctionResult | None = None
        self._unread = False
        self._wakeup = asyncio.Event()
        self._closed = False
        self._release: Callable[[], None] | None = None

    def _bind(self, release: Callable[[], None]) -> None:
        self._release = release

    @property
    def latest(self) -> FunctionResult | None:
        """The newest result received, read or not (None until the server answered)."""
        return self._latest

    def deliver(self, result: FunctionResult) -> None:
        """Listener: keep `result` as the newest unread one."""
        self._latest = result
        self._unread = True
        self._wakeup.set()

    def end(self) -> None:
        """Listener: the client closed."""
        self._closed = True
        self._wakeup.set()

    def close(self) -> None:
        """Unsubscribe (the server query stays while other subscribers of it remain)."""
        if self._closed:
            return
        self._closed = True
        self._wakeup.set()
        if self._release is not None:
            self._release()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Any:
        while not self._unread:
            if self._closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        self._unread = False
        result = self._latest
        assert result is not None
        self.ts = result.ts
        return result.unwrap()

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class CallbackListener:
    """Calls `on_value(value)` or `on_error(FunctionError)` for every new result."""

    def __init__(
        self,
        udf_path: str,
        on_value: Callable[[Any], None],
        on_error: Callable[[FunctionError], None] | None,
    ) -> None:
        self.udf_path = udf_path
        self.on_value = on_value
        self.on_error = on_error
        self.delivered = False
        self.active = True

    def deliver(self, result: FunctionResult) -> None:
        """Listener: call the callback; its exceptions are logged, never break the client."""
        if not self.active:
            return
        self.delivered = True
        try:
            if result.success:
                self.on_value(result.value)
            elif self.on_error is not None:
                self.on_error(FunctionError(result.error_message or "", result.error_data))
            else:
                log.warning("query %s failed: %s", self.udf_path, result.error_message)
        except Exception:
            log.exception("a subscription callback for %s raised", self.udf_path)

    def end(self) -> None:
        """Listener: the client closed."""
        self.active = False


class FirstResult:
    """Resolves a future with the first result (the one-shot `AsyncClient.query`)."""

    def __init__(self, future: asyncio.Future[FunctionResult]) -> None:
        self.future = future

    def deliver(self, result: FunctionResult) -> None:
        """Listener: resolve the future once."""
        if not self.future.done():
            self.future.set_result(result)

    def end(self) -> None:
        """Listener: the client closed before the query was answered."""
        if not self.future.done():
            self.future.set_exception(ConnectionLost("the client was closed"))
