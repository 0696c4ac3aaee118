"""The program's audit timeline: time-window pages, filters through indexes, tenancy."""

from __future__ import annotations

from typing import Any

import pytest

from foundry.app import audit
from foundry.engine.errors import AuthRequired, NotFoundError
from tests.app.harness import Harness
from tests.app.test_tasks import World, make_world


async def pages(w: World, num: int, **args: Any) -> list[list[dict[str, Any]]]:
    """Every timeline page of `num` entries, following `before` until done."""
    out: list[list[dict[str, Any]]] = []
    before = args.pop("before", None)
    for _ in range(100):
        page = await w.alice.query(
            "audit:timeline", programId=w.program, numItems=num, before=before, **args
        )
        out.append(page["page"])
        if page["isDone"]:
            return out
        before = page["before"]
    raise AssertionError("the timeline never ended")


async def test_pages_cover_the_trail_once_newest_first(app: Harness) -> None:
    w = await make_world(app)
    for i in range(5):
        await w.task(f"Task {i}")
    trail = await w.alice.query("audit:list_for_program", programId=w.program, numItems=200)
    every = [row["_id"] for row in trail["page"]]
    seen = [row["_id"] for page in await pages(w, 2) for row in page]
    assert sorted(seen) == sorted(every) and len(seen) == len(set(seen))
    rows = [row for page in await pages(w, 3) for row in page]
    times = [row["timestamp"] for row in rows]
    assert times == sorted(times, reverse=True)


async def test_a_head_anchored_at_since_grows_and_older_pages_stay(app: Harness) -> None:
    w = await make_world(app)
    for i in range(4):
        await w.task(f"Task {i}")
    first = await w.alice.query("audit:timeline", programId=w.program, numItems=3)
    assert not first["isDone"]
    since = first["page"][-1]["timestamp"]
    older = await w.alice.query(
        "audit:timeline", programId=w.program, numItems=50, before=first["before"]
    )
    assert first["before"] == since
    new = await w.task("Newest")
    head = await w.alice.query("audit:timeline", programId=w.program, numItems=50, since=since)
    assert head["page"][0]["entityId"] == new and head["isDone"]
    assert {r["_id"] for r in first["page"]} <= {r["_id"] for r in head["page"]}
    again = await w.alice.query(
        "audit:timeline", programId=w.program, numItems=50, before=first["before"]
    )
    assert again["page"] == older["page"]


async def test_filters_narrow_the_timeline(app: Harness) -> None:
    w = await make_world(app)
    task = await w.task("Filtered")
    await w.alice.mutation("tasks:set_status", taskId=task, status="todo")
    await w.bob.mutation("tasks:create", programId=w.program, title="Bob's")

    async def rows(**filters: Any) -> list[dict[str, Any]]:
        return [row for page in await pages(w, 50, **filters) for row in page]

    assert {r["entityType"] for r in await rows(entityType="task")} == {"task"}
    changes = await rows(action="status_change")
    assert [r["entityId"] for r in changes] == [task]
    bobs = await rows(userId=w.bob.user_id)
    assert [r["userName"] for r in bobs] == ["Bob"]
    both = await rows(entityType="task", action="create", userId=w.alice.user_id)
    assert task in {r["entityId"] for r in both} and all(r["action"] == "create" for r in both)
    at = changes[0]["timestamp"]
    window = await rows(since=at, entityType="task")
    assert all(r["timestamp"] >= at for r in window) and task in {r["entityId"] for r in window}
    assert await rows(before=0) == []
    assert await rows(userId="not-a-user") == []


async def test_a_filtered_page_stops_after_a_bounded_scan(
    app: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await make_world(app)
    for i in range(4):
        await w.task(f"Task {i}")
    monkeypatch.setattr(audit, "SCAN_MAX", 2)
    monkeypatch.setattr(audit, "CHUNK", 1)
    page = await w.alice.query(
        "audit:timeline", programId=w.program, numItems=10, entityType="task", action="delete"
    )
    assert page["page"] == [] and not page["isDone"] and page["before"] is not None


async def test_strangers_and_anonymous_see_nothing(app: Harness) -> None:
    w = await make_world(app)
    with pytest.raises(NotFoundError):
        await w.mallory.query("audit:timeline", programId=w.program, numItems=5)
    with pytest.raises(AuthRequired):
        await app.anonymous().query("audit:timeline", programId=w.program, numItems=5)


async def test_a_filtered_page_keeps_to_its_size(app: Harness) -> None:
    w = await make_world(app)
    for i in range(6):
        await w.task(f"Task {i}")
    seen: list[str] = []
    for page in await pages(w, 2, entityType="task", action="create"):
        assert len(page) <= 2 or len({r["timestamp"] for r in page}) < len(page)
        seen.extend(r["_id"] for r in page)
    assert len(seen) == len(set(seen)) == 6
