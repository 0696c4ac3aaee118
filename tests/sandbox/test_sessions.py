"""Statuses and transitions, SSE replay, the terminal, failures and restart recovery."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

import httpx
import pytest
import websockets

from foundry.sandbox.auth import mint_terminal_token
from foundry.sandbox.status import (
    TRANSITIONS,
    IllegalTransition,
    SandboxStatus,
    check_transition,
)
from tests.sandbox.conftest import SECRET, Worker, running_worker


def test_transitions_table_allows_the_lifecycle_and_rejects_the_rest() -> None:
    S = SandboxStatus
    path = [
        S.PROVISIONING,
        S.CLONING,
        S.READY,
        S.EXECUTING,
        S.READY,
        S.FINALIZING,
        S.COMPLETED,
        S.DELETED,
    ]
    for old, new in itertools.pairwise(path):
        check_transition(old, new)
    with pytest.raises(IllegalTransition, match="expected deleted after completed, got executing"):
        check_transition(S.COMPLETED, S.EXECUTING)
    assert TRANSITIONS[S.DELETED] == frozenset()
    assert all(S.DELETED in TRANSITIONS[s] for s in S if s is not S.DELETED)


async def _sse(worker: Worker, sandbox_id: str, last_id: int | None, count: int) -> list[dict]:
    headers = {"Last-Event-ID": str(last_id)} if last_id is not None else {}
    events: list[dict] = []
    async with worker.client.stream("GET", f"/sandbox/{sandbox_id}/logs", headers=headers) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        ident = None
        async for line in r.aiter_lines():
            if line.startswith("id: "):
                ident = int(line[4:])
            elif line.startswith("data: "):
                event = json.loads(line[6:])
                if event["type"] == "log":
                    assert event["log"]["sequence"] == ident
                    events.append(event)
                if len(events) >= count:
                    break
    return events


async def test_sse_replays_after_last_event_id(worker: Worker, bare_repo: Path) -> None:
    await worker.create(bare_repo, sandboxId="sse")
    await worker.wait_status("sse", "ready")
    first = await _sse(worker, "sse", None, 5)
    seqs = [e["log"]["sequence"] for e in first]
    assert seqs == sorted(seqs)
    steps = [{"log": f"line {i}"} for i in range(20)]
    await worker.client.post(
        "/sandbox/sse/execute",
        json={"taskPrompt": "x", "runner": "script", "runnerConfig": {"steps": steps}},
    )
    await worker.wait_status("sse", "ready")
    resumed = await _sse(worker, "sse", seqs[-1], 20)
    assert resumed[0]["log"]["sequence"] > seqs[-1]
    everything = (await worker.client.get("/sandbox/sse/logs", params={"mode": "poll"})).json()
    expected = [e["sequence"] for e in everything["data"]["entries"] if e["sequence"] > seqs[-1]]
    assert [e["log"]["sequence"] for e in resumed] == expected[:20]


async def test_sse_streams_live_lines(worker: Worker, bare_repo: Path) -> None:
    await worker.create(bare_repo, sandboxId="live")
    await worker.wait_status("live", "ready")
    cursor = (await worker.client.get("/sandbox/live/logs", params={"mode": "poll"})).json()
    start = cursor["data"]["nextCursor"]
    reader = asyncio.create_task(_sse(worker, "live", start, 6))
    await asyncio.sleep(0.2)
    await worker.client.post(
        "/sandbox/live/execute",
        json={
            "taskPrompt": "x",
            "runner": "script",
            "runnerConfig": {"steps": [{"log": "alpha"}, {"log": "beta"}]},
        },
    )
    events = await asyncio.wait_for(reader, 10)
    messages = [e["log"]["message"] for e in events]
    assert messages.index("beta") == messages.index("alpha") + 1


async def test_terminal_runs_a_shell_inside_the_sandbox(worker: Worker, bare_repo: Path) -> None:
    await worker.create(bare_repo, sandboxId="tty")
    await worker.wait_status("tty", "ready")
    ws_url = worker.url.replace("http", "ws") + "/sandbox/tty/terminal"
    token = mint_terminal_token(SECRET, "tty")
    async with websockets.connect(f"{ws_url}?token={token}&cols=100&rows=30") as ws:
        await ws.send(json.dumps({"type": "resize", "cols": 120, "rows": 40}))
        await ws.send(b"echo MARK$((40+2)); stty size; hostname; exit\n")
        output = b""
        async for frame in ws:
            output += frame if isinstance(frame, bytes) else frame.encode()
            if b"MARK42" in output and b"40 120" in output and b"sandbox" in output:
                break
    assert b"MARK42" in output
    for bad in (
        mint_terminal_token(SECRET, "other"),
        mint_terminal_token(SECRET, "tty", 1),
        "garbage",
    ):
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(f"{ws_url}?token={bad}"):
                pass


async def test_bad_repository_and_unreachable_remote_fail_the_clone(
    worker: Worker, scratch: Path
) -> None:
    await worker.create(f"file://{scratch}/missing.git", sandboxId="bad")
    data = await worker.wait_status("bad", "failed")
    assert data["setupProgress"]["gitClone"]["status"] == "failed"
    assert "git clone failed" in data["error"]
    assert not (worker.data_dir / "sandbox" / "sessions" / "bad").exists()
    await worker.create("http://127.0.0.1:9/none.git", sandboxId="down")
    data = await worker.wait_status("down", "failed")
    assert "git clone failed" in data["error"]
    refused = await worker.client.post("/sandbox/down/execute", json={"taskPrompt": "x"})
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "SDK_UNAVAILABLE"


async def test_failing_install_fails_deps_stage(worker: Worker, bare_repo: Path) -> None:
    await worker.create(bare_repo, sandboxId="deps", installCommand="echo broken >&2; exit 3")
    data = await worker.wait_status("deps", "failed")
    assert data["setupProgress"]["depsInstall"]["status"] == "failed"
    assert "install command failed" in data["error"] and "broken" in data["error"]


@pytest.mark.parametrize(
    "steps,needle",
    [
        ([{"fail": "boom"}], "the agent crashed: RuntimeError: boom"),
        ([{"run": "exit 4"}], "command exited with 4"),
        ([{"sleep": 30}], "ran past its 0.5s timeout"),
    ],
)
async def test_crashing_or_hanging_agent_fails_the_session(
    worker: Worker, bare_repo: Path, steps: list[dict], needle: str
) -> None:
    await worker.create(bare_repo, sandboxId="crash")
    await worker.wait_status("crash", "ready")
    await worker.client.post(
        "/sandbox/crash/execute",
        json={
            "taskPrompt": "x",
            "runner": "script",
            "timeoutMs": 500,
            "runnerConfig": {"steps": steps},
        },
    )
    data = await worker.wait_status("crash", "failed")
    assert needle in data["error"]
    assert not (worker.data_dir / "sandbox" / "sessions" / "crash").exists()


async def test_restart_recovers_sessions_and_fails_interrupted_runs(
    scratch: Path, bare_repo: Path
) -> None:
    data_dir = scratch / "data"
    async with running_worker(data_dir) as worker:
        await worker.create(bare_repo, sandboxId="calm")
        await worker.create(bare_repo, sandboxId="busy")
        await worker.wait_status("calm", "ready")
        await worker.wait_status("busy", "ready")
        await worker.client.post(
            "/sandbox/busy/execute",
            json={
                "taskPrompt": "x",
                "runner": "script",
                "runnerConfig": {"steps": [{"sleep": 30}]},
            },
        )
        await worker.wait_status("busy", "executing")
        before = await worker.logs("calm")
    async with running_worker(data_dir) as worker:
        calm = await worker.wait_status("calm", "ready")
        assert [e["message"] for e in calm["entries"]][: len(before)] == before
        busy = await worker.wait_status("busy", "failed")
        assert "Interrupted by a worker restart while executing" in busy["error"]
        ran = await worker.client.post(
            "/sandbox/calm/execute",
            json={
                "taskPrompt": "x",
                "runner": "script",
                "runnerConfig": {"steps": [{"run": "echo again"}]},
            },
        )
        assert ran.status_code == 202
        await worker.wait_status("calm", "ready")
        assert "again" in await worker.logs("calm")


async def test_completion_callback_uses_the_session_secret(worker: Worker, bare_repo: Path) -> None:
    received: list[tuple[str, dict]] = []

    async def backend(scope, receive, send):  # a stand-in for the backend's HTTP route
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        if scope["path"].endswith("/completion"):
            received.append((headers.get(b"authorization", b"").decode(), json.loads(body)))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    import uvicorn

    from foundry.engine.testing import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(backend, port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        await worker.create(
            bare_repo,
            sandboxId="cb",
            hookSecret="per-session-secret",
            callbackUrl=f"http://127.0.0.1:{port}/api/sandbox",
        )
        await worker.wait_status("cb", "ready")
        await worker.client.post(
            "/sandbox/cb/execute",
            json={
                "taskPrompt": "x",
                "runner": "script",
                "runnerConfig": {"steps": [{"log": "hi"}]},
            },
        )
        await worker.wait_status("cb", "ready")
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.05)
    finally:
        server.should_exit = True
        await task
    auth, body = received[0]
    assert auth == "Bearer per-session-secret" and SECRET not in auth
    assert body["session_id"] == "cb" and body["status"] == "completed"
    record = (await worker.client.get("/sandbox/cb")).json()["data"]
    assert "hookSecret" not in record


async def test_tokens_are_redacted_from_logs(worker: Worker, bare_repo: Path) -> None:
    token = "ghp_" + "A" * 36
    await worker.create(bare_repo, sandboxId="red", githubToken=token)
    await worker.wait_status("red", "ready")
    await worker.client.post(
        "/sandbox/red/execute",
        json={
            "taskPrompt": "x",
            "runner": "script",
            "runnerConfig": {
                "steps": [
                    {"log": f"token is {token}"},
                    {"log": "url https://user:hunter22@github.com/x"},
                ]
            },
        },
    )
    await worker.wait_status("red", "ready")
    text = "\n".join(await worker.logs("red"))
    assert token not in text and "hunter22" not in text and "token is ***" in text
    anonymous = httpx.AsyncClient(base_url=worker.url)
    async with anonymous:
        assert (await anonymous.get("/sandbox/red/logs")).status_code == 401
