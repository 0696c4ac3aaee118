"""Reads, writes, indexes, validation and limits, through the deployment, on each driver."""

from __future__ import annotations

from typing import Any

import pytest

from foundry.engine.deployment import Deployment
from foundry.engine.errors import ArgumentError, NotFoundError


async def mutate(dep: Deployment, path: str, **args: Any) -> Any:
    outcome, ts = await dep.run_mutation(path, args, None)
    if outcome.error is not None:
        raise outcome.error
    assert ts is not None
    return outcome.value


async def read(dep: Deployment, path: str, **args: Any) -> Any:
    run = await dep.run_query(path, args, None)
    if run.outcome.error is not None:
        raise run.outcome.error
    return run.outcome.value


async def test_insert_get_patch_replace_delete(deployment: Deployment) -> None:
    doc_id = await mutate(deployment, "messages:send", channel="a", body="hello")
    doc = await read(deployment, "messages:get", id=doc_id)
    assert doc["body"] == "hello" and doc["_id"] == doc_id
    assert isinstance(doc["_creation_time"], int)
    await mutate(deployment, "messages:edit", id=doc_id, body="edited")
    assert (await read(deployment, "messages:get", id=doc_id))["body"] == "edited"
    await mutate(deployment, "messages:remove", id=doc_id)
    assert await read(deployment, "messages:get", id=doc_id) is None
    with pytest.raises(NotFoundError):
        await mutate(deployment, "messages:remove", id=doc_id)


async def test_index_ranges_order_and_pagination(deployment: Deployment) -> None:
    await mutate(deployment, "messages:send_many", channel="a", bodies=[f"m{i}" for i in range(25)])
    await mutate(deployment, "messages:send_many", channel="b", bodies=["other"])
    assert await read(deployment, "messages:count", channel="a") == 25
    assert await read(deployment, "messages:newest", channel="a", n=3) == ["m24", "m23", "m22"]
    seen: list[str] = []
    cursor = None
    while True:
        page = await read(deployment, "messages:page", channel="a", n=10, cursor=cursor)
        seen += [m["body"] for m in page["page"]]
        cursor = page["continueCursor"]
        if page["isDone"]:
            break
    assert seen == [f"m{i}" for i in range(25)]


async def test_range_on_creation_time(deployment: Deployment) -> None:
    await mutate(deployment, "messages:send", channel="t", body="early")
    docs = await read(deployment, "messages:list", channel="t")
    created = docs[0]["_creation_time"]
    assert await read(
        deployment, "messages:between", channel="t", since=created, until=created + 1
    ) == ["early"]
    assert (
        await read(
            deployment, "messages:between", channel="t", since=created + 1, until=created + 10**9
        )
        == []
    )


async def test_a_mutation_reads_its_own_writes(deployment: Deployment) -> None:
    result = await mutate(deployment, "messages:read_own_writes", channel="own")
    assert result == {"seen": ["uno", "two"], "after": ["two"], "get": None}
    assert [m["body"] for m in await read(deployment, "messages:list", channel="own")] == ["two"]


async def test_failed_mutations_write_nothing(deployment: Deployment) -> None:
    outcome, ts = await deployment.run_mutation(
        "messages:send_then_fail", {"channel": "f", "body": "x"}, None
    )
    assert ts is None and outcome.error is not None
    assert outcome.error.message == "refused on purpose" and outcome.error.data == {
        "reason": "test"
    }
    outcome, ts = await deployment.run_mutation("messages:crash", {"channel": "f"}, None)
    assert ts is None and outcome.error is not None
    assert "secret internal detail" not in outcome.error.message
    assert outcome.error.message.startswith("Server Error (request id ")
    assert await read(deployment, "messages:count", channel="f") == 0


async def test_bad_arguments_are_refused_with_the_field_named(deployment: Deployment) -> None:
    with pytest.raises(ArgumentError) as info:
        await deployment.run_mutation("messages:send", {"channel": 3, "body": "x"}, None)
    assert info.value.data["path"] == "args.channel"
    with pytest.raises(ArgumentError, match=r"args\.extra is not a known field"):
        await deployment.run_mutation(
            "messages:send", {"channel": "c", "body": "x", "extra": 1}, None
        )
    with pytest.raises(ArgumentError, match=r"args\.body is required"):
        await deployment.run_mutation("messages:send", {"channel": "c"}, None)
    with pytest.raises(NotFoundError):
        await deployment.run_query("messages:nope", {}, None)
    with pytest.raises(NotFoundError):
        await deployment.run_mutation("messages:tick", {"source": "x"}, None)  # internal
    with pytest.raises(ArgumentError, match="is a query, not a mutation"):
        await deployment.run_mutation("messages:list", {"channel": "c"}, None)
    assert await read(deployment, "messages:count", channel="c") == 0


async def test_queries_need_an_index_or_an_explicit_full_scan(deployment: Deployment) -> None:
    run = await deployment.run_query("messages:unindexed", {}, None)
    assert run.outcome.error is not None
    assert "needs .with_index(...) or an explicit .full_scan()" in run.outcome.error.message


async def test_limits_give_clear_errors(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foundry.engine import knobs

    outcome, ts = await deployment.run_mutation("messages:big", {"size": 2 * 1024 * 1024}, None)
    assert ts is None and outcome.error is not None and "too large" in outcome.error.message
    monkeypatch.setattr(knobs, "TRANSACTION_MAX_WRITTEN_DOCUMENTS", 10)
    outcome, ts = await deployment.run_mutation(
        "messages:send_many", {"channel": "l", "bodies": ["x"] * 11}, None
    )
    assert ts is None and outcome.error is not None
    assert outcome.error.data == {"limit": "documentsWritten"}
    assert await read(deployment, "messages:count", channel="l") == 0


async def test_query_time_limit(deployment: Deployment) -> None:
    run = await deployment.run_query("messages:slow", {}, None)
    assert run.outcome.error is not None
    assert run.outcome.error.data == {"limit": "executionTime"}


def test_ids_of_later_transactions_sort_later_within_a_millisecond() -> None:
    from foundry.engine.ids import new_id, random_base

    ids = [new_id(7, 1_000, random_base(1_000)) for _ in range(200)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 200
