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


@pytest.fixture
async def kube_worker(scratch: Path) -> AsyncIterator[tuple[FakeKube, Worker]]:
    scratch.chmod(0o755)
    fake = FakeKube(scratch)
    async for url in serve(fake):
        backend = KubernetesBackend(
            api_url=url, token=TOKEN, namespace="sbx", egress_host="127.0.0.1"
        )
        async for w in run_worker(scratch / "data", backend):
            yield fake, w


async def test_kubernetes_keeps_one_pod_and_the_worker_sees_the_pods_files(
    kube_worker: tuple[FakeKube, Worker], bare_repo: Path
) -> None:
    fake, worker = kube_worker
    await worker.create(bare_repo, sandboxId="k1")
    ready = await worker.wait_status("k1", "ready", "failed", timeout=30)
    assert ready["status"] == "ready", ready.get("error")
    assert len(fake.calls("POST", "/namespaces/sbx/pods")) == 1, "the clone restarted the pod"
    (pod,) = fake.boxes
    # the clone reached the running pod: its files and the git dir behind /workspace/.git
    code, out = await fake.sh(pod, 'cat README.md && cat "$(sed "s/^gitdir: //" .git)/HEAD"')
    assert code == 0 and "ref: refs/heads/agent/abc-demo" in out, out

    code, out = await fake.sh(pod, "echo from-pod > pod.txt && echo changed >> README.md")
    assert code == 0, out
    read = await worker.client.get("/sandbox/k1/fs/read", params={"path": "pod.txt"})
    assert read.json()["data"]["content"] == "from-pod\n", read.text
    listed = await worker.client.get("/sandbox/k1/fs/list", params={"path": ""})
    assert "pod.txt" in {e["name"] for e in listed.json()["data"]["entries"]}, listed.text
    diff = (await worker.client.get("/sandbox/k1/diff")).json()["data"]
    assert {"pod.txt", "README.md"} <= {f["path"] for f in diff["files"]}, diff

    wrote = await worker.client.post(
        "/sandbox/k1/fs/write", json={"path": "editor.txt", "content": "from the editor\n"}
    )
    assert wrote.status_code == 200, wrote.text
    code, out = await fake.sh(pod, "cat editor.txt pod.txt && echo late > late.txt")
    assert (code, out) == (0, "from the editor\nfrom-pod\n")

    done = await worker.client.post("/sandbox/k1/stop", json={})
    assert done.json()["data"]["status"] == "completed", done.text
    for name, content in [("pod.txt", "from-pod\n"), ("editor.txt", "from the editor\n"),
                          ("late.txt", "late\n")]:  # fmt: skip
        assert git("show", f"agent/abc-demo:{name}", cwd=bare_repo) == content
    assert len(fake.calls("POST", "/namespaces/sbx/pods")) == 1
