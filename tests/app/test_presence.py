"""Presence follows live connections: entering a page, moving, and the socket closing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from foundry.engine.errors import ArgumentError, NotFoundError
from foundry.engine.testing import serve_for_testing
from tests.app.harness import Harness
from tests.engine.rawsync import RawSync


async def _eventually(check: Callable[[], Any], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)


async def test_presence_follows_the_session(app: Harness) -> None:
    alice, bob, eve = await app.user("alice"), await app.user("bob"), await app.user("eve")
    org = await app.org("Acme", {"alice": (alice, "admin"), "bob": (bob, "member")})
    await app.org("Other", {"eve": (eve, "admin")})
    program = await alice.mutation("programs:create", orgId=org, name="P", clientName="C")
    await alice.mutation(
        "presence:enter", programId=program, page="/p/requirements", sessionId="s-alice"
    )
    await bob.mutation(
        "presence:enter", programId=program, page="/p/requirements", sessionId="s-bob"
    )
    here = await alice.query("presence:on_page", programId=program, page="/p/requirements")
    assert [p["name"] for p in here] == ["Alice", "Bob"]
    await bob.mutation("presence:enter", programId=program, page="/p/tasks", sessionId="s-bob")
    assert [
        p["name"]
        for p in await alice.query("presence:on_page", programId=program, page="/p/requirements")
    ] == ["Alice"]
    with pytest.raises(ArgumentError):
        await alice.mutation(
            "presence:enter", programId=program, page="/p/tasks", sessionId="s-bob"
        )
    with pytest.raises(NotFoundError):
        await eve.query("presence:on_page", programId=program, page="/p/tasks")


async def test_closing_the_socket_removes_the_session(app: Harness) -> None:
    alice = await app.user("alice")
    org = await app.org("Acme", {"alice": (alice, "admin")})
    program = await alice.mutation("programs:create", orgId=org, name="P", clientName="C")

    async def _started(dep: object) -> None:
        """The fixture started the deployment."""

    async with serve_for_testing(app.deployment, start=_started) as url:
        client = await RawSync.connect(url)  # Connect carries sessionId "test"
        await alice.mutation("presence:enter", programId=program, page="/p", sessionId="test")

        async def present() -> bool:
            return len(await alice.query("presence:on_page", programId=program, page="/p")) == 1

        await _eventually(present)
        await client.close()

        async def gone() -> bool:
            return await alice.query("presence:on_page", programId=program, page="/p") == []

        await _eventually(gone)
