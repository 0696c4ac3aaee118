"""AsyncClient over the real sync socket."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import pytest

from foundry.client import (
    AsyncClient,
    AuthenticationError,
    ClientError,
    ConnectionLost,
    FunctionError,
    HttpClient,
)
from foundry.engine.committer import AFTER_CONFLICT_CHECK
from foundry.engine.pause import pause
from foundry.engine.testing import free_port
from tests.client import slow_app
from tests.client.support import WAIT_S, backend, next_value, token

A = {"channel": "a"}


async def within(awaitable: Any) -> Any:
    return await asyncio.wait_for(awaitable, WAIT_S)


async def test_query_mutation_action(url: str) -> None:
    async with AsyncClient(url) as client:
        assert await within(client.query("messages:count", A)) == 0
        message_id = await within(client.mutation("messages:send", {**A, "body": "hi"}))
        [message] = await within(client.query("messages:list", A))
        assert message["_id"] == message_id
        result = await within(client.action("messages:send_via_action", {**A, "body": "2"}))
        assert result["count"] == 2
        assert client.connection_count == 1


async def test_subscription_gets_initial_value_then_another_clients_write(url: str) -> None:
    async with AsyncClient(url) as client, HttpClient(url) as other:
        await other.mutation("messages:send", {**A, "body": "before"})
        async with client.subscribe("messages:count", A) as counts:
            assert await next_value(counts) == 1
            first_ts = counts.ts
            await other.mutation("messages:send", {**A, "body": "after"})
            assert await next_value(counts) == 2
            assert first_ts is not None and counts.ts is not None and counts.ts > first_ts
            assert client.max_observed_ts is not None and client.max_observed_ts >= counts.ts
            # Every pushed value equals a fresh read of the same data.
            assert await other.query("messages:count", A) == 2


async def test_own_mutation_is_visible_before_mutation_returns(url: str) -> None:
    async with AsyncClient(url) as client:
        seen: list[int] = []
        unsubscribe = client.on_update("messages:count", A, seen.append)
        async with client.subscribe("messages:count", A) as counts:
            assert await next_value(counts) == 0
            for expected in (1, 2, 3):
                await within(client.mutation("messages:send", {**A, "body": str(expected)}))
                # No await in between: the effect was delivered before the future resolved.
                assert seen[-1] == expected
                assert counts.latest is not None and counts.latest.value == expected
                assert client.local_result("messages:count", A) == expected
        unsubscribe()
        assert seen == [0, 1, 2, 3]


async def test_app_error_arrives_with_its_data(url: str) -> None:
    async with AsyncClient(url) as client:
        with pytest.raises(FunctionError) as caught:
            await within(client.mutation("messages:send_then_fail", {**A, "body": "x"}))
        assert caught.value.message == "refused on purpose"
        assert caught.value.data == {"reason": "test"}
        assert await within(client.query("messages:count", A)) == 0  # rolled back


async def test_crash_reports_only_a_request_id(url: str) -> None:
    async with AsyncClient(url) as client:
        with pytest.raises(FunctionError) as caught:
            await within(client.mutation("messages:crash", A))
        assert caught.value.message.startswith("Server Error (request id ")
        assert "secret" not in caught.value.message
        assert caught.value.data == {"requestId": caught.value.message[25:-1]}
        # The connection survives a failed function.
        assert await within(client.query("messages:count", A)) == 0


async def test_failed_query_raises_from_the_iterator_and_stays_subscribed(url: str) -> None:
    async with AsyncClient(url) as client:
        errors: list[FunctionError] = []
        client.on_update("messages:nope", {}, lambda value: None, errors.append)
        async with client.subscribe("messages:nope", {}) as failing:
            with pytest.raises(FunctionError, match="messages:nope"):
                await within(failing.__anext__())
            assert failing.latest is not None and not failing.latest.success
        with pytest.raises(FunctionError):
            await within(client.query("messages:count", {"channel": 5}))
        assert len(errors) == 1


async def test_equal_subscriptions_share_one_server_query(url: str) -> None:
    async with AsyncClient(url) as client, HttpClient(url) as other:
        first = client.subscribe("messages:count", A)
        second = client.subscribe("messages:count", {"channel": "a"})
        assert await next_value(first) == 0
        assert await next_value(second) == 0
        first.close()
        # The server query stays while one subscriber remains.
        await other.mutation("messages:send", {**A, "body": "x"})
        assert await next_value(second) == 1
        second.close()
        with pytest.raises(StopAsyncIteration):
            await within(second.__anext__())


async def test_late_subscriber_gets_the_current_value_at_once(url: str) -> None:
    async with (
        AsyncClient(url) as client,
        client.subscribe("messages:count", A) as counts,
    ):
        assert await next_value(counts) == 0
        late = client.subscribe("messages:count", A)
        assert late.latest is not None and late.latest.value == 0
        assert await within(client.query("messages:count", A)) == 0
        late.close()


async def test_close_ends_iterators_and_fails_waiting_calls(url: str) -> None:
    client = AsyncClient(url)
    waiting = client.subscribe("messages:count", A)
    await client.close()
    with pytest.raises(StopAsyncIteration):
        await within(waiting.__anext__())
    with pytest.raises(ClientError, match="closed"):
        await client.mutation("messages:send", {**A, "body": "x"})


async def test_reconnects_to_a_restarted_server_and_converges(db_path: Path) -> None:
    port = free_port()
    async with backend(db_path, port=port) as url:
        client = AsyncClient(url, initial_backoff_s=0.05, max_backoff_s=0.2)
        counts = client.subscribe("messages:count", A)
        assert await next_value(counts) == 0
        await within(client.mutation("messages:send", {**A, "body": "1"}))
        assert await next_value(counts) == 1
    try:
        # The server is gone: a mutation issued now waits and is sent once a socket is open.
        queued = asyncio.create_task(client.mutation("messages:send", {**A, "body": "2"}))
        async with backend(db_path, port=port) as url, HttpClient(url) as other:
            await within(queued)
            await other.mutation("messages:send", {**A, "body": "3"})
            assert await next_value(counts, lambda n: n == 3) == 3
            assert client.connection_count >= 2
            assert await within(client.query("messages:count", A)) == 3
            counts.close()
    finally:
        await client.close()


async def test_mutation_in_flight_at_disconnect_fails_with_connection_lost(
    db_path: Path,
) -> None:
    port = free_port()
    async with AsyncClient(f"http://127.0.0.1:{port}", initial_backoff_s=0.05) as client:
        async with contextlib.AsyncExitStack() as server:
            await server.enter_async_context(backend(db_path, port=port))
            # Connected, and the server's own start-up commits are done: the commit held
            # below can only be this mutation's.
            assert await within(client.query("messages:count", A)) == 0
            async with pause.hold(AFTER_CONFLICT_CHECK) as point:
                in_flight = asyncio.create_task(
                    client.mutation("messages:send", {**A, "body": "lost"})
                )
                await point.reached(timeout=WAIT_S)
                await server.aclose()  # the server stops while the commit is held
                with pytest.raises(ConnectionLost):
                    await within(in_flight)
        async with backend(db_path, port=port):
            # Not re-sent behind the caller's back: the message never committed.
            assert await within(client.query("messages:count", A)) == 0


async def test_set_auth_changes_results_without_reconnecting(auth_url: str) -> None:
    async with (
        AsyncClient(auth_url, token=token("alice")) as client,
        client.subscribe("messages:whoami", {}) as whoami,
    ):
        assert await next_value(whoami) == "alice"
        await within(client.set_auth(token("bob")))
        # set_auth returned after the transition to the new identity was applied.
        assert whoami.latest is not None and whoami.latest.value == "bob"
        assert await next_value(whoami) == "bob"
        await within(client.set_auth(None))
        assert await next_value(whoami) is None
        assert client.connection_count == 1


async def test_mutation_runs_as_the_current_identity(auth_url: str) -> None:
    async with AsyncClient(auth_url, token=token("alice")) as client:
        await within(client.mutation("messages:send", {**A, "body": "x"}))
        await within(client.set_auth(token("bob")))
        await within(client.mutation("messages:send", {**A, "body": "y"}))
        messages = await within(client.query("messages:list", A))
        assert [m["author"] for m in messages] == ["alice", "bob"]


async def test_refused_token_fails_set_auth_and_keeps_the_identity(auth_url: str) -> None:
    reported: list[AuthenticationError] = []
    async with (
        AsyncClient(auth_url, token("alice"), on_auth_error=reported.append) as client,
        client.subscribe("messages:whoami", {}) as whoami,
    ):
        assert await next_value(whoami) == "alice"
        with pytest.raises(AuthenticationError) as caught:
            await within(client.set_auth("not-a-jwt"))
        assert caught.value.code == "InvalidToken"
        assert [error.code for error in reported] == ["InvalidToken"]
        # The previous identity stays in force, on the same socket.
        assert await within(client.query("messages:whoami", {})) == "alice"
        await within(client.set_auth(token("bob")))
        assert await next_value(whoami) == "bob"
        assert client.connection_count == 1


async def test_token_provider_is_called_on_connect(auth_url: str) -> None:
    calls: list[str] = []

    async def provide() -> str:
        calls.append("called")
        return token("carol")

    async with AsyncClient(auth_url, token=provide) as client:
        assert await within(client.query("messages:whoami", {})) == "carol"
        await within(client.set_auth(lambda: token("dave")))
        assert await within(client.query("messages:whoami", {})) == "dave"
    assert calls == ["called"]


async def test_expired_token_is_reported_and_refreshed_from_the_provider(
    no_leeway: None, auth_url: str
) -> None:
    ttls = iter([2.0, 3600.0])
    reported: list[AuthenticationError] = []
    async with AsyncClient(
        auth_url, token=lambda: token("erin", next(ttls)), on_auth_error=reported.append
    ) as client:
        seen: list[Any] = []
        client.on_update("messages:whoami", {}, seen.append)
        async with asyncio.timeout(WAIT_S):
            while len(seen) < 3:
                await asyncio.sleep(0.02)
        # Signed out by the expiry, then signed in again with the provider's fresh token.
        assert seen == ["erin", None, "erin"]
        assert [error.message for error in reported] == ["token expired"]
        assert client.connection_count == 1


async def test_refused_initial_token_leaves_the_client_anonymous(auth_url: str) -> None:
    reported: list[AuthenticationError] = []
    async with AsyncClient(auth_url, "not-a-jwt", on_auth_error=reported.append) as client:
        assert await within(client.query("messages:whoami", {})) is None
        assert [error.code for error in reported] == ["InvalidToken"]


async def test_set_auth_while_the_server_reruns_a_query(db_path: Path) -> None:
    async with (
        backend(db_path, auth=True, extra={"slow": slow_app}) as url,
        AsyncClient(url, token=token("alice")) as client,
        HttpClient(url) as other,
        client.subscribe("slow:viewer_and_count", A) as view,
    ):
        assert await next_value(view) == {"viewer": "alice", "count": 0}
        # The write makes the server re-run the query, which takes RUN_S; the Authenticate
        # arrives in the middle of that run.
        await other.mutation("messages:send", {**A, "body": "x"})
        await asyncio.sleep(slow_app.RUN_S / 3)
        await within(client.set_auth(token("bob")))
        expected = {"viewer": "bob", "count": 1}
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(next_value(view, lambda value: value == expected), 1.0)
        assert view.latest is not None
        assert view.latest.value == expected


async def test_provider_of_an_expiring_token_does_not_loop(no_leeway: None, auth_url: str) -> None:
    # Valid for two seconds, after which the provider keeps handing out the same token.
    stale = token("frank", 2.0)
    reported: list[AuthenticationError] = []
    async with (
        AsyncClient(auth_url, token=lambda: stale, on_auth_error=reported.append) as client,
        client.subscribe("messages:whoami", {}) as whoami,
    ):
        assert await next_value(whoami, lambda value: value is None) is None
        async with asyncio.timeout(WAIT_S):
            while len(reported) < 2:
                await asyncio.sleep(0.02)
        # One expiry, one refusal to re-send the same token, and nothing more.
        assert [error.message for error in reported] == [
            "token expired",
            "the token provider returned the expired token again",
        ]
        with pytest.raises(AuthenticationError, match=r"(?i)expired"):
            await within(client.set_auth(stale))
        assert client.connection_count == 1


async def test_token_inside_the_leeway_is_honoured(auth_url: str) -> None:
    reported: list[AuthenticationError] = []
    async with (
        AsyncClient(auth_url, token=token("alice"), on_auth_error=reported.append) as client,
        client.subscribe("messages:whoami", {}) as whoami,
    ):
        assert await next_value(whoami) == "alice"
        # Five seconds past `exp` is inside the 30 s leeway: accepted, and not expired at once.
        await within(client.set_auth(token("frank", -5)))
        assert await next_value(whoami, lambda value: value == "frank") == "frank"
        await asyncio.sleep(0.5)
        assert whoami.latest is not None and whoami.latest.value == "frank"
        assert reported == []
