"""The credential path: clone and push through the host-side helper to a token-protected remote."""

from __future__ import annotations

import os
from pathlib import Path

from tests.sandbox.conftest import Worker, git
from tests.sandbox.githttp import git_http_remote

TOKEN = "ghs_" + "Q7" * 18  # shaped like a GitHub installation token


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    found = []
    for directory, _, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            if not path.is_symlink() and needle in path.read_bytes():
                found.append(path)
    return found


async def test_clone_and_push_use_the_credential_helper(
    worker: Worker, bare_repo: Path, scratch: Path
) -> None:
    with git_http_remote(bare_repo.parent, TOKEN) as remote:
        await worker.create(remote.url("remote.git"), sandboxId="auth", githubToken=TOKEN)
        data = await worker.wait_status("auth", "ready", "failed")
        assert data["status"] == "ready", data["error"]
        steps = [{"run": "echo pushed > pushed.txt && git config --list --show-origin; env"}]
        await worker.execute("auth", runnerConfig={"steps": steps})
        data = await worker.wait_status("auth", "ready", "failed")
        assert data["status"] == "ready", data["error"]
        assert remote.refused >= 1  # git first asked anonymously and was challenged
        assert any(r.startswith("POST /remote.git/git-receive-pack") for r in remote.requests)
        assert git("show", "agent/abc-demo:pushed.txt", cwd=bare_repo) == "pushed\n"
        logs = "\n".join(await worker.logs("auth"))
        assert "Pushed " in logs and TOKEN not in logs
        session = worker.data_dir / "sandbox" / "sessions" / "auth"
        for agent_visible in ("workspace", "home"):
            assert _files_containing(session / agent_visible, TOKEN.encode()) == []
        assert _files_containing(session / "private" / "git", TOKEN.encode()) == []
        assert TOKEN.encode() not in (worker.data_dir / "sandbox" / "sessions.db").read_bytes()


async def test_a_wrong_token_fails_the_clone_readably(worker: Worker, bare_repo: Path) -> None:
    wrong = "ghs_" + "W" * 36
    with git_http_remote(bare_repo.parent, TOKEN) as remote:
        await worker.create(remote.url("remote.git"), sandboxId="denied", githubToken=wrong)
        data = await worker.wait_status("denied", "failed")
        await worker.create(remote.url("remote.git"), sandboxId="anon")
        anonymous = await worker.wait_status("anon", "failed")
    clone = data["setupProgress"]["gitClone"]
    assert clone["status"] == "failed"
    assert "git clone failed" in clone["error"] and "Authentication failed" in clone["error"]
    assert "git clone failed" in anonymous["error"]
    text = "\n".join(await worker.logs("denied")) + str(data)
    assert wrong not in text and TOKEN not in text
