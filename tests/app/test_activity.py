"""Activity: the program feed written by other modules, paginated and filtered by type."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from foundry.engine.errors import ArgumentError, AuthRequired, NotFoundError
from tests.app.harness import Harness


async def test_feed_newest_first_filtered_and_paginated(app: Harness) -> None:
    alice, carl, mallory = (
        await app.user("alice"),
        await app.user("carl"),
        await app.user("mallory"),
    )
    org = await app.org("Acme", {"alice": (alice, "admin"), "carl": (carl, "client")})
    await app.org("Evil", {"mallory": (mallory, "admin")})
    program_id = await alice.mutation("programs:create", orgId=org, name="P", clientName="Acme")
    skill_id = await alice.mutation(
        "skills:create", programId=program_id, name="S" * 200, domain="backend", content="c"
    )
    for text in ("one", "two"):
        await alice.mutation("comments:create", entityType="skill", entityId=skill_id, content=text)

    feed = await carl.query("activity:feed", programId=program_id, numItems=10)
    assert sorted(e["eventType"] for e in feed["page"]) == [
        "comment_added", "comment_added", "skill_created",
    ]  # fmt: skip
    times = [e["createdAt"] for e in feed["page"]]
    assert times == sorted(times, reverse=True)  # newest first
    created = next(e for e in feed["page"] if e["eventType"] == "skill_created")
    assert created["entityId"] == skill_id and created["userName"] == "Alice"
    assert created["message"] == "Alice created skill " + "S" * 200

    first = await alice.query(
        "activity:feed", programId=program_id, eventType="comment_added", numItems=1
    )
    assert len(first["page"]) == 1 and not first["isDone"]
    rest = await alice.query(
        "activity:feed", programId=program_id, eventType="comment_added", numItems=5,
        cursor=first["continueCursor"],
    )  # fmt: skip
    assert len(rest["page"]) == 1 and rest["page"][0]["_id"] != first["page"][0]["_id"]

    with pytest.raises(ArgumentError) as info:
        await alice.query("activity:feed", programId=program_id, numItems=0)
    assert info.value.data["path"] == "numItems"
    with pytest.raises(NotFoundError):
        await mallory.query("activity:feed", programId=program_id, numItems=5)
    with pytest.raises(AuthRequired):
        await app.anonymous().query("activity:feed", programId=program_id, numItems=5)


async def test_timeline_pages_by_time_window(app: Harness) -> None:
    alice, mallory = await app.user("alice"), await app.user("mallory")
    org = await app.org("Acme", {"alice": (alice, "admin")})
    await app.org("Evil", {"mallory": (mallory, "admin")})
    program_id = await alice.mutation("programs:create", orgId=org, name="P", clientName="Acme")
    skill_id = await alice.mutation(
        "skills:create", programId=program_id, name="S", domain="backend", content="c"
    )
    for text in ("one", "two", "three"):
        await alice.mutation("comments:create", entityType="skill", entityId=skill_id, content=text)

    first = await alice.query("activity:timeline", programId=program_id, numItems=2)
    assert len(first["page"]) >= 2 and not first["isDone"]
    rest = await alice.query(
        "activity:timeline", programId=program_id, numItems=50, before=first["before"]
    )
    ids = [e["_id"] for e in first["page"] + rest["page"]]
    assert len(ids) == len(set(ids)) == 4 and rest["isDone"]
    since = first["page"][-1]["createdAt"]
    await alice.mutation("comments:create", entityType="skill", entityId=skill_id, content="four")
    head = await alice.query("activity:timeline", programId=program_id, numItems=50, since=since)
    assert head["page"][0]["eventType"] == "comment_added" and head["isDone"]
    assert len(head["page"]) == len(first["page"]) + 1
    skills = await alice.query(
        "activity:timeline", programId=program_id, numItems=50, eventType="skill_created"
    )
    assert [e["entityId"] for e in skills["page"]] == [skill_id]
    with pytest.raises(NotFoundError):
        await mallory.query("activity:timeline", programId=program_id, numItems=5)
    with pytest.raises(AuthRequired):
        await app.anonymous().query("activity:timeline", programId=program_id, numItems=5)


async def test_requirement_and_task_moves_reach_the_feed_bulk_as_one_line(app: Harness) -> None:
    alice = await app.user("alice")
    org = await app.org("Acme", {"alice": (alice, "admin")})
    program_id = await alice.mutation("programs:create", orgId=org, name="P", clientName="Acme")
    new = {"programId": program_id, "priority": "must_have", "fitGap": "native"}
    first = await alice.mutation("requirements:create", title="Checkout", **new)
    second = await alice.mutation("requirements:create", title="Search", **new)
    await alice.mutation("requirements:set_status", requirementId=first, status="approved")
    await alice.mutation(
        "requirements_bulk:set_status",
        programId=program_id,
        requirementIds=[second],
        status="approved",
    )
    task = await alice.mutation("tasks:create", programId=program_id, title="Build checkout")
    await alice.mutation("tasks:set_status", taskId=task, status="todo")

    feed = await alice.query("activity:feed", programId=program_id, numItems=20)
    lines = [(e["eventType"], e["message"]) for e in reversed(feed["page"])]
    assert lines == [
        ("requirement_created", "Alice created requirement Checkout"),
        ("requirement_created", "Alice created requirement Search"),
        ("requirement_status", "Alice moved REQ-001 Checkout: draft → approved"),
        ("requirements_status", "Alice moved 1 requirements to approved"),
        ("task_created", "Alice created task Build checkout"),
        ("task_status", "Alice moved task Build checkout: backlog → todo"),
    ]


def test_the_filter_choices_cover_every_event_type_the_product_writes() -> None:
    """Every literal event type passed to `record_activity` (or `Moves.finish`) is a choice."""
    from foundry.app import activity

    written: set[str] = {"findings_approved", "findings_rejected"}  # f"findings_{to}"
    for path in Path(activity.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = {"record_activity": 3, "finish": 0}.get(str(name))
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                written.add(arg.value)
    assert "comment_added" in written and "findings_imported" in written
    assert written <= set(activity.EVENT_TYPES)


async def test_the_timeline_filters_by_event_type(app: Harness) -> None:
    alice = await app.user("alice")
    org = await app.org("Acme", {"alice": (alice, "admin")})
    program_id = await alice.mutation("programs:create", orgId=org, name="P", clientName="Acme")
    new = {"programId": program_id, "priority": "must_have", "fitGap": "native"}
    await alice.mutation("requirements:create", title="Checkout", **new)
    await alice.mutation("tasks:create", programId=program_id, title="Build checkout")
    page = await alice.query(
        "activity:timeline", programId=program_id, numItems=10, eventType="task_created"
    )
    assert [e["eventType"] for e in page["page"]] == ["task_created"]
