"""Hook events and completion: signed with the per-session secret, retried, never blocking;
the secret is stored encrypted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import stat
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
import uvicorn

from foundry.engine.testing import free_port
from foundry.sandbox import callbacks, knobs
from tests.sandbox.conftest import SECRET, Worker, running_worker
from tests.sandbox.runners.test_claude_code import EVENTS, FAKE

HOOK_SECRET = "per-session-hook-secret-5f3a9c"


@dataclass
class Backend:
    """A stand-in for the backend's sandbox routes; answers 503 to the first `fail_first`."""

    url: str = ""
    fail_first: int = 0
    attempts: int = 0
    received: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        return [b for p, _, b in self.received if name is None or b.get("hook_event_name") == name]

    async def until(self, predicate: Any, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, [b.get("hook_event_name") for b in self.events()]
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def backend(fail_first: int = 0) -> AsyncIterator[Backend]:
    state = Backend(fail_first=fail_first)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        state.attempts += 1
        status = 503 if state.attempts <= state.fail_first else 200
        if status == 200:
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            assert callbacks.verify(HOOK_SECRET, headers, body), headers
            state.received.append((scope["path"], headers, orjson.loads(body)))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    state.url = f"http://127.0.0.1:{port}/api/sandbox"
    try:
        yield state
    finally:
        server.should_exit = True
        await task


async def test_hook_events_are_signed_ordered_and_cover_the_run(
    worker: Worker, bare_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(knobs, "AUTOCOMMIT_DEBOUNCE_S", 0.2)
    async with backend() as be:
        await worker.create(bare_repo, sandboxId="hk", hookSecret=HOOK_SECRET, callbackUrl=be.url)
        await worker.wait_status("hk", "ready")
        steps = [{"run": "echo x > made.txt; sleep 0.6"}, {"wait_message": 5}]
        await worker.execute("hk", runnerConfig={"steps": steps})
        await worker.wait_status("hk", "executing")
        await asyncio.sleep(0.3)
        await worker.client.post("/sandbox/hk/message", json={"content": "go on"})
        await worker.wait_status("hk", "ready")
        await be.until(lambda: any(p.endswith("/completion") for p, _, _ in be.received))
    for path, headers, body in be.received:
        assert headers["authorization"] == f"Bearer {HOOK_SECRET}" and SECRET not in str(headers)
        assert body["session_id"] == "hk"
        assert path.endswith("/completion" if "hook_event_name" not in body else "/hook-events")
    names = [b["hook_event_name"] for b in be.events() if "hook_event_name" in b]
    stages = [(b["stage"], b["stageStatus"]) for b in be.events("StageProgress")]
    assert stages[0] == ("containerProvision", "running") and ("ready", "completed") in stages
    order = [names.index(n) for n in ("RunStarted", "FileChanged", "ChatDelivered")]
    assert order == sorted(order)
    changed = be.events("FileChanged")[0]["changes"]
    assert {"type": "added", "path": "made.txt"} in changed
    assert be.received[-1][2]["status"] == "completed"


async def test_hooks_retry_with_backoff_and_never_block_the_session(
    worker: Worker, bare_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(knobs, "HOOK_RETRY_BASE_S", 0.3)
    async with backend(fail_first=3) as be:
        await worker.create(bare_repo, sandboxId="rt", hookSecret=HOOK_SECRET, callbackUrl=be.url)
        await worker.wait_status("rt", "ready")
        assert be.received == []  # still retrying the first event (0.3 + 0.6 + 1.2 s)
        await be.until(lambda: bool(be.events("StageProgress")))
    first = be.events("StageProgress")[0]
    assert (first["stage"], first["stageStatus"]) == ("containerProvision", "running")


async def test_hook_secret_is_encrypted_at_rest_and_survives_a_restart(
    scratch: Path, bare_repo: Path
) -> None:
    data_dir = scratch / "data"
    async with backend() as be:
        async with running_worker(data_dir) as worker:
            await worker.create(
                bare_repo, sandboxId="enc", hookSecret=HOOK_SECRET, callbackUrl=be.url
            )
            await worker.wait_status("enc", "ready")
            raw = b"".join(p.read_bytes() for p in (data_dir / "sandbox").glob("sessions.db*"))
            assert HOOK_SECRET.encode() not in raw and b"hookSecretSealed" in raw
        async with running_worker(data_dir) as worker:
            await worker.wait_status("enc", "ready")
            await worker.execute("enc", runnerConfig={"steps": [{"log": "after restart"}]})
            await worker.wait_status("enc", "ready")
            await be.until(lambda: any(p.endswith("/completion") for p, _, _ in be.received))
    raw = b"".join(p.read_bytes() for p in (data_dir / "sandbox").glob("sessions.db*"))
    assert HOOK_SECRET.encode() not in raw
    completion = [h for p, h, _ in be.received if p.endswith("/completion")]
    assert completion[0]["authorization"] == f"Bearer {HOOK_SECRET}"  # opened after restart


async def test_claude_code_tool_calls_become_signed_post_tool_use_events(
    worker: Worker, bare_repo: Path
) -> None:
    async with backend() as be:
        await worker.create(bare_repo, sandboxId="cc", hookSecret=HOOK_SECRET, callbackUrl=be.url)
        await worker.wait_status("cc", "ready")
        # A fake `claude` in the sandbox's home prints a recorded stream-json run.
        home = worker.data_dir / "sandbox" / "sessions" / "cc" / "home"
        (home / "bin").mkdir()
        claude = home / "bin" / "claude"
        claude.write_text(FAKE)
        claude.chmod(claude.stat().st_mode | stat.S_IEXEC)
        leaky = {
            "type": "assistant",
            "message": {
                "content": [
                    {
                        "type": "tool_use",
                        "id": "tu_3",
                        "name": "Bash",
                        "input": {"command": f"echo {HOOK_SECRET}", "env": {"K": HOOK_SECRET}},
                    }
                ]
            },
        }
        done = {
            "type": "user",
            "message": {
                "content": [{"type": "tool_result", "tool_use_id": "tu_3", "content": "ok"}]
            },
        }
        events = [*EVENTS[:-1], leaky, done, EVENTS[-1]]
        (home / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
        await worker.execute(
            "cc", runner="claude-code", runnerConfig={"cli": "/home/sandbox/bin/claude"}
        )
        data = await worker.wait_status("cc", "ready", "failed")
        assert data["status"] == "ready", data["error"]
        await be.until(lambda: bool(be.events("Stop")))
    for _path, headers, body in be.received:  # every one verified by the fake backend
        assert headers["authorization"] == f"Bearer {HOOK_SECRET}"
        assert HOOK_SECRET not in json.dumps(body)
    used = be.events("PostToolUse")
    assert [(u["tool_name"], u["summary"], u["is_error"]) for u in used] == [
        ("Bash", "Running: ls -la", False),
        ("Edit", "Editing /workspace/app.py", True),
        ("Bash", "Running: echo ***", False),
    ]
    assert used[0]["tool_input"] == {"command": "ls -la"} and used[0]["session_id"] == "cc"
    assert used[2]["tool_input"] == {"command": "echo ***", "env": {"K": "***"}}
    stop = be.events("Stop")[0]
    assert stop["claude_session_id"] == "cs-42" and stop["num_turns"] == 3
    names = [b.get("hook_event_name") for b in be.events()]
    assert names.index("RunStarted") < names.index("PostToolUse") < names.index("Stop")
