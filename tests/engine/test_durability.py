"""Crash safety and the scheduler across restarts: the backend runs as a real process we kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from foundry.engine.testing import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite'}"
    url: str = request.getfixturevalue("pg_database")
    return url


class Backend:
    """The test app served by a child process."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.engine.serve_main", self.database_url, str(self.port)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("backend did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def backend(database_url: str) -> Iterator[Backend]:
    server = Backend(database_url)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def call(http: httpx.AsyncClient, kind: str, path: str, **args: object) -> object:
    response = await http.post(f"/api/{kind}", json={"path": path, "args": args})
    body = response.json()
    assert body["status"] == "success", body
    return body["value"]


async def test_kill_9_loses_no_acknowledged_mutation_and_no_half_transaction(
    backend: Backend,
) -> None:
    acknowledged: list[str] = []
    per_mutation = 5

    async def writer(http: httpx.AsyncClient, worker: int) -> None:
        for n in range(10_000):
            channel = f"w{worker}-{n}"
            try:
                await call(
                    http,
                    "mutation",
                    "messages:send_many",
                    channel=channel,
                    bodies=["x"] * per_mutation,
                )
            except (httpx.HTTPError, ValueError):
                return
            acknowledged.append(channel)

    async with httpx.AsyncClient(base_url=backend.url, timeout=5) as http:
        writers = [asyncio.create_task(writer(http, w)) for w in range(4)]
        while len(acknowledged) < 150:
            await asyncio.sleep(0.01)
        backend.kill()
        await asyncio.gather(*writers)
    attempted = {f"w{w}-{n}" for w in range(4) for n in range(200)}
    backend.start()
    async with httpx.AsyncClient(base_url=backend.url, timeout=5) as http:
        for channel in acknowledged:
            assert await call(http, "query", "messages:count", channel=channel) == per_mutation
        for channel in sorted(attempted - set(acknowledged))[:100]:
            assert await call(http, "query", "messages:count", channel=channel) in (0, per_mutation)


async def test_scheduled_mutations_run_exactly_once_across_a_restart(backend: Backend) -> None:
    async with httpx.AsyncClient(base_url=backend.url, timeout=5) as http:
        for i in range(20):
            await call(
                http,
                "mutation",
                "messages:schedule_tick",
                delay=1.0 + (i % 4) * 0.1,
                source="restart",
            )
        await call(http, "mutation", "messages:schedule_tick", delay=0, source="soon")
        # Rolled back with its mutation: never runs.
        response = await http.post(
            "/api/mutation",
            json={
                "path": "messages:schedule_tick_then_fail",
                "args": {"delay": 0, "source": "ghost"},
            },
        )
        assert response.status_code == 400
        deadline = time.monotonic() + 10
        while await call(http, "query", "messages:ticks", source="soon") != 1:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
    backend.kill()  # the 20 delayed jobs are still pending
    backend.start()
    async with httpx.AsyncClient(base_url=backend.url, timeout=5) as http:
        deadline = time.monotonic() + 15
        while await call(http, "query", "messages:ticks", source="restart") < 20:
            assert time.monotonic() < deadline, "scheduled jobs did not survive the restart"
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        assert await call(http, "query", "messages:ticks", source="restart") == 20
        assert await call(http, "query", "messages:ticks", source="soon") == 1
        assert await call(http, "query", "messages:ticks", source="ghost") == 0


async def test_commit_log_is_pruned_to_its_retention(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foundry.engine import knobs
    from foundry.engine.storage.sqlite import SqliteStorage
    from foundry.engine.testing import deployment_for_testing
    from tests.engine.fixtures import messages

    monkeypatch.setattr(knobs, "COMMIT_LOG_RETENTION", 5)
    monkeypatch.setattr(knobs, "COMMIT_LOG_PRUNE_INTERVAL_S", 0.05)
    storage = SqliteStorage(tmp_path / "db.sqlite")
    dep = deployment_for_testing(storage, messages.schema, {"messages": messages})
    await dep.start()
    try:
        for i in range(20):
            await dep.run_mutation("messages:send", {"channel": "p", "body": str(i)}, None)
        deadline = time.monotonic() + 5
        while len(storage.read_commits(0, 1000)) > 5:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert (await dep.run_query("messages:count", {"channel": "p"}, None)).outcome.value == 20
    finally:
        await dep.stop()
