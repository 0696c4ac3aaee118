"""Notifications: per-user feed, the maintained unread counter, marking read in batches."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from foundry.app import notifications
from foundry.engine.errors import ArgumentError, NotFoundError
from tests.app.harness import Actor, Harness


async def send(app: Harness, org: str, user: Actor, **extra: Any) -> Any:
    args = {"orgId": org, "userId": user.user_id, "type": "pr_ready", "title": "PR", "body": "b"}
    outcome, _ = await app.deployment.run_mutation(
        "notifications:send", {**args, **extra}, None, public=False
    )
    if outcome.error is not None:
        raise outcome.error
    return outcome.value


async def setup(app: Harness) -> tuple[Actor, Actor, Actor, str]:
    alice, carl, mallory = (
        await app.user("alice"),
        await app.user("carl"),
        await app.user("mallory"),
    )
    org = await app.org("Acme", {"alice": (alice, "admin"), "carl": (carl, "client")})
    await app.org("Evil", {"mallory": (mallory, "admin")})
    return alice, carl, mallory, org


async def test_unread_counter_follows_reads(app: Harness) -> None:
    alice, carl, _, org = await setup(app)
    ids = [await send(app, org, alice, title=f"PR {i}", link=f"/p/{i}") for i in range(3)]
    await send(app, org, carl)
    assert await alice.query("notifications:unread_count", orgId=org) == 3
    page = await alice.query("notifications:mine", orgId=org, numItems=2)
    assert len(page["page"]) == 2 and not page["isDone"]
    times = [n["createdAt"] for n in page["page"]]
    assert times == sorted(times, reverse=True)  # newest first
    await alice.mutation("notifications:mark_read", notificationId=ids[0])
    await alice.mutation("notifications:mark_read", notificationId=ids[0])
    assert await alice.query("notifications:unread_count", orgId=org) == 2
    unread = await alice.query("notifications:mine", orgId=org, unreadOnly=True, numItems=10)
    assert {n["_id"] for n in unread["page"]} == set(ids[1:])
    assert await alice.mutation("notifications:mark_all_read", orgId=org) is True
    assert await alice.query("notifications:unread_count", orgId=org) == 0
    unread = await alice.query("notifications:mine", orgId=org, unreadOnly=True, numItems=10)
    assert unread["page"] == []
    # Carl's counter is his own; as a client he may still mark his own notifications read.
    assert await carl.query("notifications:unread_count", orgId=org) == 1
    assert await carl.mutation("notifications:mark_all_read", orgId=org) is True
    assert await carl.query("notifications:unread_count", orgId=org) == 0


async def test_mark_all_read_continues_in_batches(
    app: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, _, _, org = await setup(app)
    monkeypatch.setattr(notifications, "MARK_ALL_BATCH", 2)
    for i in range(5):
        await send(app, org, alice, title=str(i))
    assert await alice.mutation("notifications:mark_all_read", orgId=org) is False
    for _ in range(200):
        if await alice.query("notifications:unread_count", orgId=org) == 0:
            break
        await asyncio.sleep(0.02)
    assert await alice.query("notifications:unread_count", orgId=org) == 0
    unread = await alice.query("notifications:mine", orgId=org, unreadOnly=True, numItems=10)
    assert unread["page"] == []


async def test_bad_input_and_strangers(app: Harness) -> None:
    alice, carl, mallory, org = await setup(app)
    for link in ("javascript:alert(1)", "https://evil.test", "//evil.test/x"):
        with pytest.raises(ArgumentError) as info:
            await send(app, org, alice, link=link)
        assert info.value.data["path"] == "link"
    assert await send(app, org, mallory) is None  # not a member: nothing sent
    assert await alice.query("notifications:unread_count", orgId=org) == 0
    note = await send(app, org, alice)
    for call in (
        carl.mutation("notifications:mark_read", notificationId=note),
        mallory.mutation("notifications:mark_read", notificationId=note),
        mallory.query("notifications:unread_count", orgId=org),
        mallory.query("notifications:mine", orgId=org, numItems=5),
    ):
        with pytest.raises(NotFoundError):
            await call
    assert await alice.query("notifications:unread_count", orgId=org) == 1
