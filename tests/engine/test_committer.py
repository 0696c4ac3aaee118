"""Serializability: the write-skew test, conflict errors, and group commit, on each driver."""

from __future__ import annotations

import asyncio

import pytest

from foundry.engine import knobs
from foundry.engine.deployment import BEFORE_COMMIT, Deployment
from foundry.engine.errors import ConflictError
from foundry.engine.pause import pause


async def _two_doctors(dep: Deployment) -> tuple[str, str]:
    a, _ = await dep.run_mutation("messages:add_doctor", {"name": "alice"}, None)
    b, _ = await dep.run_mutation("messages:add_doctor", {"name": "bob"}, None)
    return a.value, b.value


async def test_write_skew_is_prevented(deployment: Deployment) -> None:
    alice, bob = await _two_doctors(deployment)
    async with pause.hold(BEFORE_COMMIT) as point:
        first = asyncio.create_task(
            deployment.run_mutation("messages:go_off_call", {"id": alice}, None)
        )
        second = asyncio.create_task(
            deployment.run_mutation("messages:go_off_call", {"id": bob}, None)
        )
        # Both bodies have run at the same snapshot and each saw two doctors on call.
        await point.reached(count=2)
        point.release()
        results = await asyncio.gather(first, second)
    left = sorted(outcome.value for outcome, _ in results)
    assert left == [False, True], "exactly one doctor may leave; the other re-ran and saw that"
    on_call = await deployment.run_query("messages:on_call", {}, None)
    assert on_call.outcome.value == 1


async def test_persistent_conflict_names_table_document_and_function(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = await _two_doctors(deployment)
    monkeypatch.setattr(knobs, "MUTATION_MAX_RETRIES", 0)
    async with pause.hold(BEFORE_COMMIT) as point:
        first = asyncio.create_task(
            deployment.run_mutation("messages:go_off_call", {"id": alice}, None)
        )
        second = asyncio.create_task(
            deployment.run_mutation("messages:go_off_call", {"id": bob}, None)
        )
        await point.reached(count=2)
        point.release()
        results = await asyncio.gather(first, second, return_exceptions=True)
    errors = [r for r in results if isinstance(r, ConflictError)]
    assert len(errors) == 1
    error = errors[0]
    assert error.data["table"] == "doctors"
    assert error.data["id"] in (alice, bob)
    assert error.data["function"] == "messages:go_off_call"
    assert "doctors" in error.message and "messages:go_off_call" in error.message


async def test_concurrent_increments_are_serializable(deployment: Deployment) -> None:
    results = await asyncio.gather(
        *(deployment.run_mutation("messages:increment", {"name": "c"}, None) for _ in range(40))
    )
    assert all(outcome.error is None for outcome, _ in results)
    timestamps = [ts for _, ts in results]
    assert len(set(timestamps)) == 40
    assert sorted(outcome.value for outcome, _ in results) == list(range(1, 41))
    final = await deployment.run_query("messages:counter", {"name": "c"}, None)
    assert final.outcome.value == 40


async def test_inserts_do_not_conflict_and_are_grouped(deployment: Deployment) -> None:
    results = await asyncio.gather(
        *(
            deployment.run_mutation("messages:send", {"channel": "g", "body": str(i)}, None)
            for i in range(100)
        )
    )
    assert all(ts is not None for _, ts in results)
    committer = deployment.committer
    assert committer is not None
    assert committer.groups < committer.commits, "concurrent commits share database transactions"
    count = await deployment.run_query("messages:count", {"channel": "g"}, None)
    assert count.outcome.value == 100
