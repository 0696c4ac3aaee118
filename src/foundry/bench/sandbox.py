"""`foundry bench sandbox [--json]`: how fast the sandbox worker gets a session to work.

Runs a real worker (bwrap runtime) on a free port against a small local bare repository with
no dependency installation, and measures create → ready and create → first command output
(p50/p99, and each setup stage's duration) with 1 and with 5 concurrent sessions, the resident
memory an idle session costs, and log lines per second from the agent to an SSE client.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from foundry.engine.testing import free_port
from foundry.sandbox.app import create_app, default_policy
from foundry.sandbox.runtimes.bwrap import BwrapBackend
from foundry.sandbox.status import STAGES

_SECRET = "bench-secret"


def _pct(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 1), "p99": round(p99, 1)}


def _repo(root: Path) -> Path:
    src = root / "src"
    src.mkdir()
    env = {
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@b",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@b",
        "PATH": "/usr/bin:/bin",
    }
    for i in range(20):
        (src / f"module_{i}.py").write_text(f"VALUE = {i}\n" * 20)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *args], cwd=src, env=env, check=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(root / "r.git")], check=True)
    return root / "r.git"


@contextlib.asynccontextmanager
async def _worker(data_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(data_dir, secret=_SECRET, backend=BwrapBackend(), policy=default_policy())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    headers = {"Authorization": f"Bearer {_SECRET}"}
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60
    ) as client:
        try:
            yield client
        finally:
            server.should_exit = True
            await task


async def _one(client: httpx.AsyncClient, repo: Path, sid: str) -> dict[str, Any]:
    started = time.perf_counter()
    await client.post(
        "/sandbox/create",
        json={
            "sandboxId": sid,
            "repoUrl": f"file://{repo}",
            "branch": "main",
            "worktreeBranch": f"agent/{sid}",
        },
    )
    ready_ms = None
    while True:
        data = (await client.get(f"/sandbox/{sid}/logs", params={"mode": "poll"})).json()["data"]
        if data["status"] == "ready" and ready_ms is None:
            ready_ms = (time.perf_counter() - started) * 1000
            await client.post(
                f"/sandbox/{sid}/execute",
                json={
                    "taskPrompt": "bench",
                    "runner": "script",
                    "runnerConfig": {"steps": [{"run": "echo FIRST-OUTPUT"}]},
                },
            )
        if data["status"] == "failed":
            raise RuntimeError(f"session {sid} failed: {data['error']}")
        if any(e["message"] == "FIRST-OUTPUT" for e in data["entries"]):
            first_ms = (time.perf_counter() - started) * 1000
            break
        await asyncio.sleep(0.003)
    stages = {s: data["setupProgress"][s].get("durationMs", 0.0) for s in STAGES}
    await client.delete(f"/sandbox/{sid}")
    return {"ready": ready_ms, "first": first_ms, "stages": stages}


async def _latency(
    client: httpx.AsyncClient, repo: Path, concurrency: int, rounds: int
) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for r in range(rounds):
        results += await asyncio.gather(
            *(_one(client, repo, f"b{concurrency}-{r}-{i}") for i in range(concurrency))
        )
    return {
        "sessions": len(results),
        "create_to_ready_ms": _pct([x["ready"] for x in results]),
        "create_to_first_command_ms": _pct([x["first"] for x in results]),
        "stages_ms": {s: _pct([x["stages"][s] for x in results]) for s in STAGES},
    }


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def _idle_rss(client: httpx.AsyncClient, repo: Path, n: int = 10) -> float:
    before = _rss_kb()
    for i in range(n):
        await client.post(
            "/sandbox/create",
            json={
                "sandboxId": f"idle-{i}",
                "repoUrl": f"file://{repo}",
                "branch": "main",
                "worktreeBranch": f"agent/idle-{i}",
            },
        )
    for i in range(n):
        while (await client.get(f"/sandbox/idle-{i}/logs", params={"mode": "poll"})).json()["data"][
            "status"
        ] != "ready":
            await asyncio.sleep(0.01)
    per_session = (_rss_kb() - before) / n  # bwrap keeps no process alive while idle
    for i in range(n):
        await client.delete(f"/sandbox/idle-{i}")
    return round(per_session, 1)


async def _log_rate(client: httpx.AsyncClient, repo: Path, lines: int = 20000) -> float:
    await client.post(
        "/sandbox/create",
        json={
            "sandboxId": "rate",
            "repoUrl": f"file://{repo}",
            "branch": "main",
            "worktreeBranch": "agent/rate",
        },
    )
    while (await client.get("/sandbox/rate/logs", params={"mode": "poll"})).json()["data"][
        "status"
    ] != "ready":
        await asyncio.sleep(0.01)
    cursor = (await client.get("/sandbox/rate/logs", params={"mode": "poll"})).json()["data"][
        "nextCursor"
    ]
    seen = 0
    started = 0.0

    async def consume() -> None:
        nonlocal seen, started
        async with client.stream("GET", "/sandbox/rate/logs", params={"cursor": cursor}) as r:
            async for line in r.aiter_lines():
                if line.startswith("data: ") and '"level":"stdout"' in line:
                    started = started or time.perf_counter()
                    seen += 1
                    if seen >= lines:
                        return

    reader = asyncio.create_task(consume())
    await client.post(
        "/sandbox/rate/execute",
        json={
            "taskPrompt": "rate",
            "runner": "script",
            "runnerConfig": {"steps": [{"run": f"seq 1 {lines}"}]},
        },
    )
    await asyncio.wait_for(reader, 120)
    rate = seen / max(time.perf_counter() - started, 1e-9)
    await client.delete("/sandbox/rate")
    return round(rate)


async def run(rounds_single: int = 10, rounds_five: int = 3) -> dict[str, Any]:
    """Run every measurement and return the numbers."""
    root = Path(tempfile.mkdtemp(prefix="foundry-bench-sbx-"))
    try:
        repo = _repo(root)
        async with _worker(root / "data") as client:
            return {
                "runtime": "bwrap",
                "single": await _latency(client, repo, 1, rounds_single),
                "concurrent_5": await _latency(client, repo, 5, rounds_five),
                "idle_session_rss_kb": await _idle_rss(client, repo),
                "log_lines_per_s_to_sse": await _log_rate(client, repo),
            }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    """Entry point of `foundry bench sandbox`."""
    parser = argparse.ArgumentParser(prog="foundry bench sandbox")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--rounds", type=int, default=10, help="single-session samples")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.rounds))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for label in ("single", "concurrent_5"):
        part = result[label]
        print(
            f"{label}: create→ready {part['create_to_ready_ms']} ms, "
            f"create→first command {part['create_to_first_command_ms']} ms "
            f"({part['sessions']} sessions)"
        )
        for stage, pct in part["stages_ms"].items():
            print(f"  {stage:24} {pct}")
    print(f"idle session RSS: {result['idle_session_rss_kb']} kB (no runtime process while idle)")
    print(f"log lines/s to an SSE client: {result['log_lines_per_s_to_sse']}")
    return 0
