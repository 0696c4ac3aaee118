"""The whole worker (create → stages → execute → commit → push) on the docker and kubernetes
runtimes, each against its fake API, through the real HTTP API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from foundry.engine.testing import free_port
from foundry.sandbox.app import create_app
from foundry.sandbox.runtimes.base import RuntimeBackend, RuntimePolicy
from foundry.sandbox.runtimes.docker import DockerBackend
from foundry.sandbox.runtimes.kubernetes import KubernetesBackend
from tests.sandbox.conftest import SECRET, Worker, git
from tests.sandbox.runtimes.fake_docker import FakeDocker
from tests.sandbox.runtimes.fake_kube import TOKEN, FakeKube
from tests.sandbox.runtimes.test_kubernetes import serve


async def run_worker(data_dir: Path, backend: RuntimeBackend) -> AsyncIterator[Worker]:
    app = create_app(data_dir, secret=SECRET, backend=backend, policy=RuntimePolicy())
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
        if task.done():
            task.result()
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {SECRET}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        try:
            yield Worker(url, client, data_dir)
        finally:
            server.should_exit = True
            await asyncio.wait_for(task, 15)


@pytest.fixture(params=["docker", "kubernetes"])
async def worker(request: pytest.FixtureRequest, scratch: Path) -> AsyncIterator[Worker]:
    scratch.chmod(0o755)  # the fakes' unprivileged processes bind the session's directories
    if request.param == "docker":
        engine = FakeDocker(scratch)
        engine.images.add("python:3.12-slim")
        await engine.start()
        try:
            async for w in run_worker(scratch / "data", DockerBackend(docker_host=engine.host)):
                yield w
        finally:
            await engine.close()
    else:
        fake = FakeKube(scratch)
        async for url in serve(fake):
            # the worker routes the model gateway through each session's proxy, so pods need
            # the worker's address (its pod IP in a cluster)
            backend = KubernetesBackend(
                api_url=url, token=TOKEN, namespace="sbx", egress_host="127.0.0.1"
            )
            async for w in run_worker(scratch / "data", backend):
                yield w


async def test_a_session_runs_commits_and_pushes(worker: Worker, bare_repo: Path) -> None:
    await worker.create(bare_repo, sandboxId="e2e")
    ready = await worker.wait_status("e2e", "ready", "failed", timeout=30)
    assert ready["status"] == "ready", ready.get("error")
    steps = [
        {"write": "hello.txt", "content": "hi\n"},
        {"run": "cat hello.txt && echo generated > gen.txt && echo done"},
    ]
    response = await worker.client.post(
        "/sandbox/e2e/execute",
        json={"taskPrompt": "add files", "runner": "script", "runnerConfig": {"steps": steps}},
    )
    assert response.status_code == 202, response.text
    data = await worker.wait_status("e2e", "ready", "failed", timeout=30)
    assert data["status"] == "ready", data.get("error")
    assert "done" in await worker.logs("e2e")
    done = await worker.client.post("/sandbox/e2e/stop", json={})
    assert done.json()["data"]["status"] == "completed", done.text
    assert git("show", "agent/abc-demo:gen.txt", cwd=bare_repo) == "generated\n"
    assert git("show", "agent/abc-demo:hello.txt", cwd=bare_repo) == "hi\n"
