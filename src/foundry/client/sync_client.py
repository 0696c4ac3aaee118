"""`Client`: the live client for synchronous code.

    with Client("http://127.0.0.1:8000") as client:
        unsubscribe = client.subscribe("messages:count", {"channel": "a"}, print)
        client.mutation("messages:send", {"channel": "a", "body": "hi"})
        unsubscribe()

It runs an `AsyncClient` on an event loop in a background thread and blocks the caller on each
call. Subscription callbacks run on that background thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Mapping
from types import TracebackType
from typing import Any, TypeVar

from foundry.client.errors import AuthenticationError, ClientError, FunctionError
from foundry.client.sync import AsyncClient, TokenSource

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 60.0
"""How long a blocking call waits before it raises TimeoutError (None waits forever)."""


class Client:
    """A blocking client with live subscriptions; see `AsyncClient` for the semantics.

    `timeout_s` bounds every blocking call; on a timeout the call raises TimeoutError and is
    cancelled (a mutation already sent may still commit).
    """

    def __init__(
        self,
        url: str,
        token: TokenSource = None,
        *,
        on_auth_error: Callable[[AuthenticationError], None] | None = None,
        timeout_s: float | None = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.timeout_s = timeout_s
        self._async = AsyncClient(url, token, on_auth_error=on_auth_error)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="foundry-client", daemon=True
        )
        self._thread.start()
        self._closed = False

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            coroutine.close()
            raise ClientError("the client is closed")
        if threading.current_thread() is self._thread:
            # The loop would wait on itself forever.
            coroutine.close()
            raise ClientError(
                "Client methods cannot be called from a subscription callback; use AsyncClient"
            )
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(self.timeout_s)
        except TimeoutError:
            future.cancel()
            raise

    def query(self, path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run a query once (consistent with this client's own mutations)."""
        return self._call(self._async.query(path, args))

    def mutation(self, path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run a mutation; when it returns, subscription callbacks have seen its effect."""
        return self._call(self._async.mutation(path, args))

    def action(self, path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run an action and return its value."""
        return self._call(self._async.action(path, args))

    def set_auth(self, token: TokenSource) -> None:
        """Replace the identity without dropping subscriptions (AuthenticationError if refused)."""
        self._call(self._async.set_auth(token))

    def subscribe(
        self,
        path: str,
        args: Mapping[str, Any] | None,
        callback: Callable[[Any], None],
        on_error: Callable[[FunctionError], None] | None = None,
    ) -> Callable[[], None]:
        """Call `callback(value)` (on the client's thread) now and on every change.

        Returns a function that unsubscribes; calling it more than once is harmless.
        """

        async def attach() -> Callable[[], None]:
            return self._async.on_update(path, args, callback, on_error)

        detach = self._call(attach())

        def unsubscribe() -> None:
            if not self._closed:
                self._loop.call_soon_threadsafe(detach)

        return unsubscribe

    @property
    def max_observed_ts(self) -> int | None:
        """The newest transition timestamp the client has seen."""
        return self._async.max_observed_ts

    def close(self) -> None:
        """Close the socket and stop the background thread."""
        if self._closed:
            return
        try:
            self._call(self._async.close())
        finally:
            self._closed = True
            self._call_shutdown()

    def _call_shutdown(self) -> None:
        async def drain() -> None:
            await self._loop.shutdown_asyncgens()
            await self._loop.shutdown_default_executor()

        asyncio.run_coroutine_threadsafe(drain(), self._loop).result(self.timeout_s)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.timeout_s)
        self._loop.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
