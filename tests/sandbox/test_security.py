"""Attacks from inside a real bubblewrap sandbox: every one must fail."""

from __future__ import annotations

import asyncio
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from foundry.sandbox.runtimes.base import RuntimePolicy, SandboxSpec
from foundry.sandbox.runtimes.bwrap import BwrapBackend, BwrapRuntime
from tests.sandbox.conftest import SECRET, Worker, git

VIA_PROXY = "--noproxy none.invalid -x http://127.0.0.1:3128"  # even for localhost


def _spec(root: Path, name: str, allow: tuple[str, ...] = ("allowed.test",)) -> SandboxSpec:
    (root / name / "ws").mkdir(parents=True)
    (root / name / "home").mkdir()
    return SandboxSpec(
        name, root / name / "ws", root / name / "home", RuntimePolicy(egress_allow=allow)
    )


@pytest.fixture
async def sandbox(scratch: Path):
    runtime = await BwrapBackend().start(_spec(scratch, "a"))
    yield runtime
    await runtime.close()


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"host-secret-service")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def host_service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


async def test_worker_environment_and_secrets_are_invisible(sandbox: BwrapRuntime) -> None:
    os.environ["FOUNDRY_TEST_WORKER_SECRET"] = SECRET
    try:
        result = await sandbox.execute(
            f"env; cat /proc/1/environ; grep -r {SECRET} /proc/*/environ 2>/dev/null;"
            " cat /etc/shadow"
        )
    finally:
        del os.environ["FOUNDRY_TEST_WORKER_SECRET"]
    assert SECRET not in result.stdout
    assert "FOUNDRY_TEST_WORKER_SECRET" not in result.stdout
    assert "root:" not in result.stdout  # /etc/shadow is masked


async def test_writes_outside_the_workspace_fail(sandbox: BwrapRuntime, scratch: Path) -> None:
    target = scratch / "outside.txt"
    result = await sandbox.execute(
        f"echo pwned > {target}; echo pwned > /usr/x; echo pwned > /etc/x; echo ok > /workspace/in"
    )
    assert not target.exists()
    assert not Path("/usr/x").exists() and not Path("/etc/x").exists()
    assert (sandbox.spec.workspace / "in").read_text() == "ok\n"
    assert "Read-only file system" in result.stderr


async def test_host_loopback_is_unreachable(sandbox: BwrapRuntime, host_service: int) -> None:
    result = await sandbox.execute(
        f"curl -s --noproxy '*' -m 3 http://127.0.0.1:{host_service}/; echo rc=$?;"
        f"curl -s -m 3 http://127.0.0.1:{host_service}/; echo rc=$?"
    )
    assert "host-secret-service" not in result.stdout
    assert "rc=7" in result.stdout  # connection refused: nothing listens in the sandbox's netns


async def test_only_allowed_domains_pass_the_egress_proxy(
    sandbox: BwrapRuntime, host_service: int
) -> None:
    result = await sandbox.execute(
        f"curl -s -m 5 {VIA_PROXY} -o /dev/null -w '%{{http_code}}' http://localhost:{host_service}/;"
        " echo; curl -s -m 5 -o /dev/null -w '%{http_code}' https://example.com/; echo;"
        " curl -s -m 5 -o /dev/null -w '%{http_code}' http://169.254.169.254/latest/meta-data/"
    )
    assert result.stdout.split() == ["403", "000", "403"]
    assert sandbox.proxy is not None
    assert {"localhost", "example.com", "169.254.169.254"} <= set(sandbox.proxy.denied)


async def test_egress_proxy_forwards_allowed_hosts(scratch: Path, host_service: int) -> None:
    runtime = await BwrapBackend(allow_private=("localhost",)).start(
        _spec(scratch, "p", ("x.test",))
    )
    try:
        result = await runtime.execute(f"curl -s -m 5 {VIA_PROXY} http://localhost:{host_service}/")
    finally:
        await runtime.close()
    assert result.stdout == "host-secret-service"


async def test_another_sessions_files_are_invisible(scratch: Path) -> None:
    backend = BwrapBackend()
    first = await backend.start(_spec(scratch, "one"))
    second = await backend.start(_spec(scratch, "two"))
    try:
        await first.execute("echo private > /workspace/mine.txt")
        result = await second.execute(
            f"cat {scratch}/one/ws/mine.txt; find / -name mine.txt 2>/dev/null; echo end"
        )
    finally:
        await first.close()
        await second.close()
    assert "private" not in result.stdout
    assert result.stdout.strip() == "end"


async def test_host_processes_cannot_be_signalled(sandbox: BwrapRuntime) -> None:
    result = await sandbox.execute(f"kill -9 {os.getpid()}; echo rc=$?; ps -e | wc -l")
    assert "rc=1" in result.stdout
    assert int(result.stdout.split()[-1]) < 10  # only the sandbox's own processes exist


async def test_timeout_kills_the_whole_process_group(sandbox: BwrapRuntime, scratch: Path) -> None:
    result = await sandbox.execute(
        "(sleep 30; echo late > /workspace/late) & sleep 30", timeout=0.5
    )
    assert result.timed_out and result.exit_code == -1
    await asyncio.sleep(0.3)
    assert not (sandbox.spec.workspace / "late").exists()
    probe = await asyncio.create_subprocess_exec(
        "pgrep", "-f", "sleep 30", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await probe.communicate()
    assert out == b""


async def test_symlinks_cannot_lead_the_editor_api_outside(
    worker: Worker, bare_repo: Path, scratch: Path
) -> None:
    await worker.create(bare_repo, sandboxId="sym")
    await worker.wait_status("sym", "ready")
    outside = scratch / "victim"
    outside.mkdir()
    (outside / "secret.txt").write_text("host secret")
    steps = [{"run": f"ln -s {outside} escape && ln -s {outside}/secret.txt link.txt"}]
    await worker.client.post(
        "/sandbox/sym/execute",
        json={"taskPrompt": "x", "runner": "script", "runnerConfig": {"steps": steps}},
    )
    await worker.wait_status("sym", "ready")
    read = await worker.client.get("/sandbox/sym/fs/read", params={"path": "link.txt"})
    assert read.status_code == 400 and "leaves the workspace" in read.text
    write = await worker.client.post(
        "/sandbox/sym/fs/write", json={"path": "escape/new.txt", "content": "x"}
    )
    assert write.status_code == 400
    assert not (outside / "new.txt").exists()
    listing = await worker.client.get("/sandbox/sym/fs/list", params={"path": "escape"})
    assert listing.status_code == 400


async def test_a_planted_git_hook_or_fsmonitor_never_runs(
    worker: Worker, bare_repo: Path, scratch: Path
) -> None:
    marker = scratch / "hook-ran"
    await worker.create(bare_repo, sandboxId="hook")
    await worker.wait_status("hook", "ready")
    evil = (
        f"mkdir -p .githooks && printf '#!/bin/sh\\ntouch {marker}\\n' > .githooks/pre-commit"
        f" && chmod +x .githooks/pre-commit && rm -f .git && mkdir -p .git/hooks"
        f" && cp .githooks/pre-commit .git/hooks/pre-commit"
        f" && printf '[core]\\n\\tfsmonitor = touch {marker}\\n\\thooksPath = .githooks\\n'"
        f" > .git/config; echo change > file.txt"
    )
    git_dir = worker.data_dir / "sandbox" / "sessions" / "hook" / "private" / "git"
    tried = await worker.client.post(
        "/sandbox/hook/execute",
        json={
            "taskPrompt": "x",
            "runner": "script",
            "runnerConfig": {
                "steps": [
                    {"run": evil},
                    {"run": f"echo x > {git_dir}/hooks/pre-commit || echo blocked"},
                ]
            },
        },
    )
    assert tried.status_code == 202
    await worker.wait_status("hook", "ready")
    assert "blocked" in await worker.logs("hook")  # the real git dir is read-only in the sandbox
    finished = await worker.client.post("/sandbox/hook/stop", json={})
    assert finished.json()["data"]["status"] == "completed"
    assert not marker.exists()
    assert "file.txt" in git("ls-tree", "--name-only", "agent/abc-demo", cwd=bare_repo)


async def test_the_sandbox_runs_as_an_unprivileged_user(sandbox: BwrapRuntime) -> None:
    result = await sandbox.execute(
        "id -u; id -g; echo written > /workspace/mine.txt && cat /workspace/mine.txt;"
        " grep -E '^Cap(Eff|Prm)' /proc/self/status; cat /proc/self/uid_map"
    )
    lines = result.stdout.split("\n")
    assert lines[0] == "1000" and lines[1] == "1000"  # a user namespace, even when we are root
    assert lines[2] == "written" and (sandbox.spec.workspace / "mine.txt").exists()
    assert "CapEff:\t0000000000000000" in result.stdout
    assert "CapPrm:\t0000000000000000" in result.stdout
    inside, outside, count = result.stdout.strip().splitlines()[-1].split()
    assert (inside, count) == ("1000", "1") and int(outside) == os.geteuid()  # one uid, no root
