"""Real backends for the client tests: the engine's fixture app over SQLite, on a real port."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import jwt

from foundry.client import Subscription
from foundry.engine import knobs
from foundry.engine.auth import AuthConfig, TokenVerifier
from foundry.engine.deployment import Deployment
from foundry.engine.storage.sqlite import SqliteStorage
from foundry.engine.testing import deployment_for_testing, serve_for_testing
from tests.engine.fixtures import messages

ISSUER = "https://issuer.client.test"
SECRET = "x" * 32
WAIT_S = 5.0
"""Bound on every wait in these tests."""


def deployment(db_path: Path, extra: dict[str, ModuleType] | None = None) -> Deployment:
    """The fixture app (plus `extra` modules) over the SQLite file at `db_path`."""
    modules = {"messages": messages, **(extra or {})}
    return deployment_for_testing(SqliteStorage(db_path), messages.schema, modules)


def verifier() -> TokenVerifier:
    """Accepts HS256 tokens signed with SECRET for ISSUER."""
    return TokenVerifier(
        [AuthConfig(issuer=ISSUER, hs256_secret=SECRET, leeway_s=knobs.AUTH_LEEWAY_S)]
    )


def token(subject: str, ttl_s: float = 3600.0) -> str:
    """A token for `subject` that the verifier accepts."""
    claims = {"iss": ISSUER, "sub": subject, "exp": time.time() + ttl_s}
    return jwt.encode(claims, SECRET, "HS256")


@contextlib.asynccontextmanager
async def backend(
    db_path: Path,
    *,
    port: int | None = None,
    auth: bool = False,
    extra: dict[str, ModuleType] | None = None,
) -> AsyncIterator[str]:
    """Serve the fixture app in this event loop; yields its http:// URL."""
    async with serve_for_testing(
        deployment(db_path, extra), port=port, verifier=verifier() if auth else None
    ) as url:
        yield url


@contextlib.contextmanager
def backend_in_thread(db_path: Path) -> Iterator[str]:
    """Serve the fixture app from a thread of its own, for blocking clients."""
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def serve() -> None:
        box["loop"] = asyncio.get_running_loop()
        box["stop"] = stop = asyncio.Event()
        async with backend(db_path) as url:
            box["url"] = url
            ready.set()
            await stop.wait()

    def main() -> None:
        try:
            asyncio.run(serve())
        except BaseException as error:
            box["error"] = error
            ready.set()

    thread = threading.Thread(target=main, name="test-backend")
    thread.start()
    ready.wait(WAIT_S)
    if "url" not in box:
        thread.join(WAIT_S)
        raise RuntimeError(f"backend did not start: {box.get('error')!r}")
    try:
        yield box["url"]
    finally:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join(WAIT_S)
        if "error" in box:
            raise box["error"]


async def next_value(
    subscription: Subscription, predicate: Callable[[Any], bool] = lambda _: True
) -> Any:
    """The subscription's first value (current or future) satisfying `predicate`."""
    async with asyncio.timeout(WAIT_S):
        async for value in subscription:
            if predicate(value):
                return value
    raise AssertionError("the subscription ended")
