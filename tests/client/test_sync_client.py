"""The blocking Client, used from plain synchronous code against a backend on another thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from foundry.client import Client, ClientError, FunctionError
from tests.client.support import WAIT_S, backend_in_thread


@pytest.fixture
def threaded_url(db_path: Path) -> Iterator[str]:
    with backend_in_thread(db_path) as url:
        yield url


def test_query_mutation_action(threaded_url: str) -> None:
    with Client(threaded_url, timeout_s=WAIT_S) as client:
        assert client.query("messages:count", {"channel": "a"}) == 0
        assert client.mutation("messages:send_many", {"channel": "a", "bodies": ["x", "y"]}) == 2
        assert (
            client.action("messages:send_via_action", {"channel": "a", "body": "z"})["count"] == 3
        )
        with pytest.raises(FunctionError) as caught:
            client.mutation("messages:send_then_fail", {"channel": "a", "body": "x"})
        assert caught.value.data == {"reason": "test"}
        assert client.max_observed_ts is not None


def test_subscribe_calls_back_before_the_mutation_returns(threaded_url: str) -> None:
    seen: list[Any] = []
    first = threading.Event()

    def on_value(value: Any) -> None:
        seen.append(value)
        first.set()

    with Client(threaded_url, timeout_s=WAIT_S) as client:
        unsubscribe = client.subscribe("messages:count", {"channel": "a"}, on_value)
        assert first.wait(WAIT_S)
        assert seen == [0]
        client.mutation("messages:send", {"channel": "a", "body": "x"})
        assert seen == [0, 1]
        unsubscribe()
        unsubscribe()  # harmless twice
        client.mutation("messages:send", {"channel": "a", "body": "y"})
        assert client.query("messages:count", {"channel": "a"}) == 2
        assert seen == [0, 1]


def test_calls_after_close_fail(threaded_url: str) -> None:
    client = Client(threaded_url, timeout_s=WAIT_S)
    client.close()
    client.close()
    with pytest.raises(ClientError, match="closed"):
        client.query("messages:count", {"channel": "a"})


def test_calling_back_into_the_client_from_a_callback_is_refused(threaded_url: str) -> None:
    errors: list[Exception] = []
    done = threading.Event()

    with Client(threaded_url, timeout_s=WAIT_S) as client:

        def on_value(value: Any) -> None:
            try:
                client.query("messages:count", {"channel": "a"})
            except ClientError as error:
                errors.append(error)
            done.set()

        client.subscribe("messages:count", {"channel": "a"}, on_value)
        assert done.wait(WAIT_S)
    assert "subscription callback" in str(errors[0])
