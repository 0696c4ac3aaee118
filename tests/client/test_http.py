"""HttpClient and SyncHttpClient against the real backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from foundry.client import (
    AuthenticationError,
    ConnectionLost,
    FunctionError,
    HttpClient,
    SyncHttpClient,
)
from foundry.engine.testing import free_port
from tests.client.support import backend_in_thread, token


async def test_query_mutation_action(url: str) -> None:
    async with HttpClient(url) as client:
        assert await client.query("messages:count", {"channel": "a"}) == 0
        message_id = await client.mutation("messages:send", {"channel": "a", "body": "hi"})
        assert isinstance(message_id, str)
        [message] = await client.query("messages:list", {"channel": "a"})
        assert (message["_id"], message["body"]) == (message_id, "hi")
        result = await client.action("messages:send_via_action", {"channel": "a", "body": "2"})
        assert result["count"] == 2
        assert await client.query("messages:count", {"channel": "a"}) == 2


async def test_app_error_carries_message_and_data(url: str) -> None:
    async with HttpClient(url) as client:
        with pytest.raises(FunctionError) as caught:
            await client.mutation("messages:send_then_fail", {"channel": "a", "body": "x"})
        assert caught.value.message == "refused on purpose"
        assert caught.value.data == {"reason": "test"}
        # The failed mutation's insert was rolled back.
        assert await client.query("messages:count", {"channel": "a"}) == 0


async def test_crash_hides_the_internal_message(url: str) -> None:
    async with HttpClient(url) as client:
        with pytest.raises(FunctionError) as caught:
            await client.mutation("messages:crash", {"channel": "a"})
    assert caught.value.message.startswith("Server Error (request id ")
    assert "secret" not in caught.value.message
    assert set(caught.value.data) == {"requestId"}


async def test_unknown_function_and_bad_arguments(url: str) -> None:
    async with HttpClient(url) as client:
        with pytest.raises(FunctionError, match="messages:nope"):
            await client.query("messages:nope", {})
        with pytest.raises(FunctionError):
            await client.query("messages:count", {"channel": 5})
        with pytest.raises(FunctionError, match="not a query"):
            await client.query("messages:send", {"channel": "a", "body": "x"})


async def test_token_is_sent_as_bearer(auth_url: str) -> None:
    async with HttpClient(auth_url, token=token("alice")) as client:
        assert await client.query("messages:whoami", {}) == "alice"
        client.set_auth(token("bob"))
        assert await client.query("messages:whoami", {}) == "bob"
        client.set_auth(None)
        assert await client.query("messages:whoami", {}) is None


async def test_refused_token_is_an_authentication_error(auth_url: str) -> None:
    async with HttpClient(auth_url, token="not-a-jwt") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.query("messages:whoami", {})
    assert caught.value.code == "InvalidToken"


async def test_unreachable_server_is_connection_lost() -> None:
    async with HttpClient(f"http://127.0.0.1:{free_port()}") as client:
        with pytest.raises(ConnectionLost):
            await client.mutation("messages:send", {"channel": "a", "body": "x"})


def test_sync_http_client(db_path: Path) -> None:
    with backend_in_thread(db_path) as url, SyncHttpClient(url) as client:
        assert client.mutation("messages:send_many", {"channel": "s", "bodies": ["a", "b"]}) == 2
        assert client.query("messages:count", {"channel": "s"}) == 2
        assert (
            client.action("messages:send_via_action", {"channel": "s", "body": "c"})["count"] == 3
        )
        with pytest.raises(FunctionError) as caught:
            client.mutation("messages:send_then_fail", {"channel": "s", "body": "x"})
        assert caught.value.data == {"reason": "test"}
