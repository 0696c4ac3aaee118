"""The scheduler in process: crons, cancellation, actions at most once, job state rules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from foundry.engine.deployment import Deployment
from foundry.engine.errors import ArgumentError, SchemaError
from foundry.engine.functions import Crons
from foundry.engine.scheduler import JobState, transition
from foundry.engine.storage.base import Storage
from foundry.engine.testing import deployment_for_testing
from tests.engine.fixtures import clock, messages


@pytest.fixture
async def clock_deployment(make_storage: Callable[[], Storage]) -> AsyncIterator[Deployment]:
    dep = deployment_for_testing(
        make_storage(), messages.schema, {"messages": messages, "clock": clock}
    )
    await dep.start()
    try:
        yield dep
    finally:
        await dep.stop()


async def ticks(dep: Deployment, source: str) -> Any:
    return (await dep.run_query("messages:ticks", {"source": source}, None)).outcome.value


async def eventually(check: Callable[[], Any], timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)


async def test_interval_cron_runs_repeatedly(clock_deployment: Deployment) -> None:
    async def three() -> bool:
        return await ticks(clock_deployment, "cron") >= 3

    await eventually(three)


async def test_cancel_prevents_a_pending_job(clock_deployment: Deployment) -> None:
    outcome, _ = await clock_deployment.run_mutation("clock:schedule_beat", {"delay": 0.5}, None)
    job_id = outcome.value
    await clock_deployment.run_mutation("clock:cancel", {"id": job_id}, None)
    await asyncio.sleep(1.0)
    assert await ticks(clock_deployment, "canceled") == 0
    job = (await clock_deployment.run_query("clock:job", {"id": job_id}, None)).outcome.value
    assert job["state"] == "canceled"


async def test_actions_run_at_most_once_and_an_interrupted_one_ends_failed(
    make_storage: Callable[[], Storage],
) -> None:
    dep = deployment_for_testing(
        make_storage(), messages.schema, {"messages": messages, "clock": clock}
    )
    await dep.start()
    outcome, _ = await dep.run_mutation(
        "clock:schedule_nap", {"seconds": 30, "source": "nap"}, None
    )
    job_id = outcome.value

    async def started() -> bool:
        job = (await dep.run_query("clock:job", {"id": job_id}, None)).outcome.value
        return bool(job["state"] == "inProgress")

    await eventually(started)
    await dep.stop()  # the "restart": the action is cut off mid-run
    again = deployment_for_testing(
        make_storage(), messages.schema, {"messages": messages, "clock": clock}
    )
    await again.start()
    try:

        async def failed() -> bool:
            job = (await again.run_query("clock:job", {"id": job_id}, None)).outcome.value
            return bool(job["state"] == "failed" and "interrupted" in job["error"])

        await eventually(failed)
        await asyncio.sleep(0.5)
        assert await ticks(again, "nap") == 0, "an interrupted action is never run again"
    finally:
        await again.stop()


async def test_completed_action_job(clock_deployment: Deployment) -> None:
    outcome, _ = await clock_deployment.run_mutation(
        "clock:schedule_nap", {"seconds": 0, "source": "quick"}, None
    )

    async def done() -> bool:
        job = (
            await clock_deployment.run_query("clock:job", {"id": outcome.value}, None)
        ).outcome.value
        return bool(job["state"] == "success")

    await eventually(done)
    assert await ticks(clock_deployment, "quick") == 1


def test_job_state_transitions_are_checked() -> None:
    job = {"_id": "j", "state": "success"}
    with pytest.raises(
        ArgumentError, match="expected a state that can become canceled, got success"
    ):
        transition(job, JobState.CANCELED)
    assert transition({"_id": "j", "state": "pending"}, JobState.IN_PROGRESS) == {
        "state": "inProgress"
    }


def test_cron_declarations_are_validated() -> None:
    crons = Crons()
    with pytest.raises(SchemaError):
        crons.cron("bad", "not a cron", "clock:beat")
    with pytest.raises(SchemaError):
        crons.interval("zero", "clock:beat")
    crons.daily("nightly", "clock:beat", hour_utc=3)
    with pytest.raises(SchemaError):
        crons.daily("nightly", "clock:beat", hour_utc=4)
