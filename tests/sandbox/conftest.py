"""Fixtures for the sandbox worker: real git remotes and a real worker on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from foundry.engine.testing import free_port
from foundry.sandbox.app import create_app
from foundry.sandbox.gateway import Gateway
from foundry.sandbox.runtimes.base import RuntimePolicy
from foundry.sandbox.runtimes.bwrap import BwrapBackend

SECRET = "worker-secret-0123456789abcdef"
GIT_ENV = {
    **os.environ,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git for test setup."""
    return subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A private temporary directory outside pytest's tmp tree."""
    path = Path(tempfile.mkdtemp(prefix="foundry-sbx-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def bare_repo(scratch: Path) -> Path:
    """A bare repository with one commit on `main` (README.md and package.json-free)."""
    src = scratch / "src"
    src.mkdir()
    git("init", "-q", "-b", "main", cwd=src)
    (src / "README.md").write_text("# demo\n")
    (src / "app.py").write_text("print('hello')\n")
    git("add", "-A", cwd=src)
    git("commit", "-q", "-m", "initial", cwd=src)
    bare = scratch / "remote.git"
    git("clone", "-q", "--bare", str(src), str(bare))
    return bare


@dataclass
class Worker:
    """A running sandbox worker."""

    url: str
    client: httpx.AsyncClient
    data_dir: Path

    async def create(self, repo: Path | str, **extra: Any) -> dict[str, Any]:
        body = {
            "repoUrl": repo if isinstance(repo, str) else f"file://{repo}",
            "branch": "main",
            "worktreeBranch": "agent/abc-demo",
            **extra,
        }
        response = await self.client.post("/sandbox/create", json=body)
        assert response.status_code == 202, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    async def wait_status(
        self, sandbox_id: str, *wanted: str, timeout: float = 20
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            response = await self.client.get(f"/sandbox/{sandbox_id}/logs", params={"mode": "poll"})
            data: dict[str, Any] = response.json()["data"]
            if data["status"] in wanted:
                return data
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"status {data['status']}, wanted {wanted}: {data.get('error')}"
                )
            await asyncio.sleep(0.05)

    async def execute(self, sandbox_id: str, runner: str = "script", **body: Any) -> None:
        response = await self.client.post(
            f"/sandbox/{sandbox_id}/execute", json={"taskPrompt": "x", "runner": runner, **body}
        )
        assert response.status_code == 202, response.text

    async def record(self, sandbox_id: str) -> dict[str, Any]:
        data: dict[str, Any] = (await self.client.get(f"/sandbox/{sandbox_id}")).json()["data"]
        return data

    async def logs(self, sandbox_id: str) -> list[str]:
        response = await self.client.get(f"/sandbox/{sandbox_id}/logs", params={"mode": "poll"})
        return [e["message"] for e in response.json()["data"]["entries"]]


@contextlib.asynccontextmanager
async def running_worker(
    data_dir: Path, *, gateway: Gateway | None = None, **backend: Any
) -> AsyncIterator[Worker]:
    """Serve a worker on a free port until the block ends."""
    policy = RuntimePolicy(egress_allow=("allowed.test",))
    app = create_app(
        data_dir, secret=SECRET, backend=BwrapBackend(**backend), policy=policy, gateway=gateway
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
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


@pytest.fixture
async def worker(scratch: Path) -> AsyncIterator[Worker]:
    """A worker with its data directory in `scratch`."""
    async with running_worker(scratch / "data") as w:
        yield w
