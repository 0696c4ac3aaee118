"""`AsyncClient`: the live client, over the sync WebSocket (`docs/protocol.md`).

    async with AsyncClient("http://127.0.0.1:8000", token=get_token) as client:
        await client.mutation("messages:send", {"channel": "a", "body": "hi"})
        async with client.subscribe("messages:list", {"channel": "a"}) as messages:
            async for value in messages:
                ...

One task owns the socket: it connects, replays the session (`Connect`, `Authenticate`, one
`ModifyQuerySet` with every query), reads frames and applies them to `LocalSyncState`, and on any
close, error or protocol mismatch reconnects with jittered exponential backoff. A second task per
socket writes the outgoing frames in order. All protocol bookkeeping lives in the pure
`LocalSyncState`; this module only does I/O and wakes callers.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from foundry.client.errors import (
    AuthenticationError,
    ClientError,
    ConnectionLost,
    FunctionError,
    ProtocolMismatch,
)
from foundry.client.local_state import (
    AuthEvent,
    AuthOutcome,
    Effects,
    FunctionResult,
    LocalSyncState,
    Message,
    Phase,
    query_key,
)
from foundry.client.subscription import CallbackListener, FirstResult, Listener, Subscription

log = logging.getLogger("foundry.client")

TokenProvider = Callable[[], str | Awaitable[str | None] | None]
"""Returns a fresh token (or None); called on every connect and when the token expires."""

TokenSource = str | None | TokenProvider

INITIAL_BACKOFF_S = 0.1
"""Delay before the first reconnect attempt; it doubles with each failed attempt."""

MAX_BACKOFF_S = 10.0
"""Longest delay between two reconnect attempts."""

OPEN_TIMEOUT_S = 10.0
"""How long one attempt to open the socket may take."""

MAX_FRAME_BYTES = 64 * 1024 * 1024
"""Largest server frame accepted (one transition carries every changed result)."""

_AUTH_ERROR_CODES = ("TokenExpired", "InvalidToken", "UnknownIssuer", "KeyNotFound")


def sync_url(url: str) -> str:
    """The socket URL for a deployment URL: http(s)://host/prefix → ws(s)://host/prefix/api/sync."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"deployment URL must look like http(s)://host[:port], got {url!r}")
    path = parts.path.rstrip("/")
    if not path.endswith("/api/sync"):
        path += "/api/sync"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def backoff_delay(failures: int, initial_s: float, max_s: float) -> float:
    """Jittered exponential backoff: uniform in [d/2, d] with d = min(max, initial·2^failures)."""
    ceiling = min(max_s, initial_s * 2 ** min(failures, 32))
    # Jitter spreads a fleet of clients out after a server restart instead of a stampede.
    return random.uniform(ceiling / 2, ceiling)


def auth_error(text: str) -> AuthenticationError:
    """An AuthenticationError from the server's "Code: message" text."""
    code, sep, rest = text.partition(": ")
    if sep and code in _AUTH_ERROR_CODES:
        return AuthenticationError(rest, code)
    return AuthenticationError(text)


class AsyncClient:
    """A live connection to a deployment: reactive queries, mutations and actions.

    `token` is a JWT, None (anonymous), or a callable (sync or async) returning one, which is
    called on every (re)connect and again when the server reports the token expired.
    `on_auth_error` is called with an `AuthenticationError` whenever the server refuses or
    expires a token (without it, the refusal is logged).

    The client connects on first use (or on `async with`), and reconnects by itself on any
    socket failure, resubscribing every query; waiting calls simply wait across reconnects, so
    bound them with `asyncio.wait_for` or `asyncio.timeout` when needed.
    """

    def __init__(
        self,
        url: str,
        token: TokenSource = None,
        *,
        on_auth_error: Callable[[AuthenticationError], None] | None = None,
        initial_backoff_s: float = INITIAL_BACKOFF_S,
        max_backoff_s: float = MAX_BACKOFF_S,
        open_timeout_s: float = OPEN_TIMEOUT_S,
    ) -> None:
        self.url = sync_url(url)
        self._provider: TokenProvider | None = token if callable(token) else None
        self._state = LocalSyncState(None if callable(token) else token)
        self._on_auth_error = on_auth_error
        self._initial_backoff_s = initial_backoff_s
        self._max_backoff_s = max_backoff_s
        self._open_timeout_s = open_timeout_s
        self._listeners: dict[str, list[Listener]] = {}
        self._requests: dict[int, asyncio.Future[FunctionResult]] = {}
        self._auth_waiters: list[tuple[int, asyncio.Future[None]]] = []
        # Invariant: set exactly while the state is CONNECTED; each socket gets a fresh queue,
        # so frames meant for a dead socket are never written to the next one.
        self._outbox: asyncio.Queue[tuple[str, int | None]] | None = None
        self._runner: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._healthy = False
        self._closed = False

    # --- observation -------------------------------------------------------------------------

    @property
    def max_observed_ts(self) -> int | None:
        """The newest transition timestamp seen on any socket (None before the first)."""
        return self._state.max_observed_ts

    @property
    def session_id(self) -> str:
        """The id this client's Connect carries (stable across reconnects)."""
        return str(self._state.session_id)

    @property
    def connection_count(self) -> int:
        """How many sockets the client has opened (1 until the first reconnect)."""
        return self._state.connection_count

    @property
    def connected(self) -> bool:
        """Whether a socket is open right now."""
        return self._state.phase is Phase.CONNECTED

    def local_result(self, udf_path: str, args: Mapping[str, Any] | None = None) -> Any:
        """A subscribed query's current value without waiting (None if not yet known).

        Raises FunctionError if the query's current result is a failure.
        """
        result = self._state.result(query_key(udf_path, dict(args or {})))
        return None if result is None else result.unwrap()

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start connecting (idempotent; every other method calls it). Needs a running loop."""
        if self._closed:
            raise ClientError("the client is closed")
        if self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(
                self._run(), name="foundry-client"
            )

    async def close(self) -> None:
        """Close the socket; waiting calls fail with ConnectionLost and iterators end."""
        if self._closed:
            return
        self._closed = True
        tasks = [task for task in (self._runner, *self._background) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for request_id in self._state.close():
            self._fail_request(request_id, ConnectionLost("the client was closed"))
        for _, waiter in self._auth_waiters:
            if not waiter.done():
                waiter.set_exception(ConnectionLost("the client was closed"))
        for listeners in self._listeners.values():
            for listener in listeners:
                listener.end()

    async def __aenter__(self) -> AsyncClient:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- functions ---------------------------------------------------------------------------

    async def query(self, udf_path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run a query once, over the socket: subscribe, take the first result, unsubscribe.

        Going through the socket (not HTTP) makes the answer consistent with this client's own
        writes and subscriptions: it reflects every mutation that already returned. A query
        already subscribed answers at once from the current result.
        """
        future: asyncio.Future[FunctionResult] = asyncio.get_running_loop().create_future()
        listener = FirstResult(future)
        key = self._attach(udf_path, args, listener, deliver_current=True)
        try:
            result = await future
        finally:
            self._detach(key, listener)
        return result.unwrap()

    async def mutation(self, udf_path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run a mutation and return its value; FunctionError if it failed.

        When it returns, every subscription of this client already shows the mutation's
        effect. If the socket drops after the mutation was sent, it fails with ConnectionLost
        and is not re-sent (it may have committed). One issued while disconnected waits and is
        sent once a socket is open.
        """
        return await self._request("Mutation", udf_path, args)

    async def action(self, udf_path: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run an action and return its value; FunctionError if it failed.

        Unlike a mutation, an action's writes may show up in subscriptions after it returns.
        """
        return await self._request("Action", udf_path, args)

    def subscribe(self, udf_path: str, args: Mapping[str, Any] | None = None) -> Subscription:
        """Subscribe to a query; iterate the returned `Subscription` for its values.

        Subscriptions with equal path and arguments share one server query. Close it (or use
        `async with`) to unsubscribe.
        """
        subscription = Subscription(udf_path, dict(args or {}))
        key = self._attach(udf_path, args, subscription, deliver_current=True)
        subscription._bind(lambda: self._detach(key, subscription))
        return subscription

    def on_update(
        self,
        udf_path: str,
        args: Mapping[str, Any] | None,
        callback: Callable[[Any], None],
        on_error: Callable[[FunctionError], None] | None = None,
    ) -> Callable[[], None]:
        """Call `callback(value)` for the current value and every change; returns unsubscribe.

        The callback runs on the event loop, inside the client's reader, and sees every result
        the server sends (no skipping). A failed query calls `on_error(FunctionError)` instead
        (or is logged). Exceptions from either are logged, never propagated.
        """
        listener = CallbackListener(udf_path, callback, on_error)
        key = self._attach(udf_path, args, listener, deliver_current=False)

        def deliver_current() -> None:
            # Deferred so the caller holds the unsubscribe handle before the first call; skipped
            # if a transition already delivered something newer.
            result = self._state.result(key)
            if result is not None and listener.active and not listener.delivered:
                listener.deliver(result)

        asyncio.get_running_loop().call_soon(deliver_current)

        def unsubscribe() -> None:
            if listener.active:
                listener.active = False
                self._detach(key, listener)

        return unsubscribe

    async def set_auth(self, token: TokenSource) -> None:
        """Replace the identity on the open socket, keeping every subscription.

        Returns once the server uses the new identity (subscriptions then show the new
        identity's results); raises AuthenticationError if it refused the token, in which case
        the previous identity stays. `None` signs out. Accepts a token provider like `__init__`.
        """
        self.start()
        if callable(token):
            self._provider = token
            value = await self._fetch_token()
        else:
            self._provider = None
            value = token
        generation, message = self._state.set_auth(value)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (generation, waiter)
        self._auth_waiters.append(entry)
        if message is not None:
            self._send(message)
        try:
            await waiter
        finally:
            self._auth_waiters.remove(entry)

    # --- listeners and requests --------------------------------------------------------------

    def _attach(
        self,
        udf_path: str,
        args: Mapping[str, Any] | None,
        listener: Listener,
        *,
        deliver_current: bool,
    ) -> str:
        self.start()
        plain_args = dict(args or {})
        key, message = self._state.subscribe(udf_path, plain_args)
        self._listeners.setdefault(key, []).append(listener)
        if message is not None:
            self._send(message)
        current = self._state.result(key)
        if deliver_current and current is not None:
            listener.deliver(current)
        return key

    def _detach(self, key: str, listener: Listener) -> None:
        listeners = self._listeners.get(key)
        if listeners is None or listener not in listeners:
            return
        listeners.remove(listener)
        if not listeners:
            del self._listeners[key]
        message = self._state.unsubscribe(key)
        if message is not None:
            self._send(message)

    async def _request(self, kind: str, udf_path: str, args: Mapping[str, Any] | None) -> Any:
        self.start()
        plain_args = dict(args or {})
        orjson.dumps(plain_args)  # arguments that are not JSON fail here, in the caller
        request_id, message = self._state.request(kind, udf_path, plain_args)
        future: asyncio.Future[FunctionResult] = asyncio.get_running_loop().create_future()
        self._requests[request_id] = future
        if message is not None:
            self._send(message)
        try:
            result = await future
        except asyncio.CancelledError:
            # The caller gave up: never send it if it is still queued, ignore a late answer.
            self._state.forget(request_id)
            self._requests.pop(request_id, None)
            raise
        return result.unwrap()

    def _fail_request(self, request_id: int, error: Exception) -> None:
        future = self._requests.pop(request_id, None)
        if future is not None and not future.done():
            future.set_exception(error)

    # --- the socket --------------------------------------------------------------------------

    def _send(self, message: Message) -> None:
        outbox = self._outbox
        if outbox is None:
            return  # disconnected: connect() replays whatever the state still wants
        kind = message["type"]
        request_id = message["requestId"] if kind in ("Mutation", "Action") else None
        outbox.put_nowait((orjson.dumps(message).decode(), request_id))

    async def _run(self) -> None:
        failures = 0
        while True:
            if self._provider is not None:
                self._state.replace_token(await self._fetch_token())
            self._healthy = False
            try:
                socket = await connect(
                    self.url, open_timeout=self._open_timeout_s, max_size=MAX_FRAME_BYTES
                )
            except (OSError, TimeoutError, WebSocketException) as error:
                log.info("could not connect to %s: %s", self.url, error)
            else:
                await self._serve(socket)
            failures = 0 if self._healthy else failures + 1
            await asyncio.sleep(
                backoff_delay(failures, self._initial_backoff_s, self._max_backoff_s)
            )

    async def _serve(self, socket: ClientConnection) -> None:
        outbox: asyncio.Queue[tuple[str, int | None]] = asyncio.Queue()
        self._outbox = outbox
        self._apply(self._state.connect())
        writer = asyncio.create_task(self._write(socket, outbox), name="foundry-client-writer")
        reason = "closed"
        try:
            reason = await self._read(socket)
        except ConnectionClosed as closed:
            reason = f"closed: {closed}"
        except ProtocolMismatch as mismatch:
            log.warning("reconnecting: %s", mismatch)
            reason = f"protocol mismatch: {mismatch}"
        except Exception:
            # A bug here must not kill the client for good: log it and start afresh.
            log.exception("sync client failed; reconnecting")
            reason = "client error"
        finally:
            self._outbox = None
            if self._state.phase is Phase.CONNECTED:
                self._apply(self._state.disconnect(reason))
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
            await socket.close()

    async def _read(self, socket: ClientConnection) -> str:
        async for frame in socket:
            self._state.validate()
            try:
                message = orjson.loads(frame)
            except orjson.JSONDecodeError:
                raise ProtocolMismatch("the server sent a frame that is not JSON") from None
            effects = self._state.receive(message)
            self._apply(effects)
            # A socket the server talks sensibly on resets the backoff; one it rejects does not.
            self._healthy = self._healthy or effects.fatal is None
            if effects.fatal is not None:
                log.warning("server reported a protocol violation: %s", effects.fatal)
                return f"FatalError: {effects.fatal}"
        return f"closed with code {socket.close_code}"

    async def _write(
        self, socket: ClientConnection, outbox: asyncio.Queue[tuple[str, int | None]]
    ) -> None:
        while True:
            text, request_id = await outbox.get()
            if request_id is not None and not self._state.mark_sent(request_id):
                continue  # forgotten by its caller
            await socket.send(text)

    def _apply(self, effects: Effects) -> None:
        for message in effects.send:
            self._send(message)
        # Subscribers first, then the requests: a mutation resolves after its effect is seen.
        for key in effects.changed:
            result = self._state.result(key)
            assert result is not None
            for listener in list(self._listeners.get(key, ())):
                listener.deliver(result)
        for request_id, result in effects.completed:
            future = self._requests.pop(request_id, None)
            if future is not None and not future.done():
                future.set_result(result)
        for request_id in effects.lost:
            self._fail_request(
                request_id,
                ConnectionLost(
                    "the connection dropped before the server answered; the request may or "
                    "may not have run, and it was not re-sent"
                ),
            )
        if effects.auth is not None:
            self._on_auth(effects.auth)

    # --- identity ----------------------------------------------------------------------------

    def _on_auth(self, event: AuthEvent) -> None:
        if event.outcome is AuthOutcome.ACCEPTED:
            for generation, waiter in self._auth_waiters:
                if generation <= event.generation and not waiter.done():
                    waiter.set_result(None)
            return
        text = event.message or "token refused"
        self._report_auth_error(auth_error(text))
        # Waiters up to the event's generation asked for a token that is not in force.
        for generation, waiter in self._auth_waiters:
            if generation <= event.generation and not waiter.done():
                waiter.set_exception(auth_error(text))
        if event.outcome is AuthOutcome.EXPIRED and self._provider is not None:
            task = asyncio.get_running_loop().create_task(self._refresh_token(event.token))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _refresh_token(self, expired: str | None) -> None:
        token = await self._fetch_token()
        if token is not None and token == expired:
            # The server would expire it again at once; re-sending it would loop.
            self._report_auth_error(
                AuthenticationError("the token provider returned the expired token again")
            )
            return
        _, message = self._state.set_auth(token)
        if message is not None:
            self._send(message)

    async def _fetch_token(self) -> str | None:
        provider = self._provider
        if provider is None:
            return None
        try:
            token = provider()
            if inspect.isawaitable(token):
                token = await token
            if token is not None and not isinstance(token, str):
                raise TypeError(f"token provider returned {type(token).__name__}, not str")
        except Exception as error:
            log.warning("token provider failed; continuing without a token", exc_info=True)
            self._report_auth_error(AuthenticationError(f"token provider failed: {error!r}"))
            return None
        return token

    def _report_auth_error(self, error: AuthenticationError) -> None:
        if self._on_auth_error is None:
            log.warning("authentication failed: %s", error)
            return
        try:
            self._on_auth_error(error)
        except Exception:
            log.exception("on_auth_error raised")
