"""Auto-commit while the agent works, driven by the workspace file watcher."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from foundry.sandbox import knobs
from tests.sandbox.conftest import Worker


def _history(worker: Worker, sandbox_id: str) -> list[tuple[str, list[str]]]:
    git_dir = worker.data_dir / "sandbox" / "sessions" / sandbox_id / "private" / "git"
    out = subprocess.run(
        ["git", "--git-dir", str(git_dir), "log", "--format=@%s", "--name-only", "agent/abc-demo"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commits = []
    for block in out.split("@")[1:]:
        subject, *files = [line for line in block.splitlines() if line]
        commits.append((subject, files))
    return commits


async def test_changes_are_committed_after_a_quiet_spell_while_the_agent_runs(
    worker: Worker, bare_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(knobs, "AUTOCOMMIT_DEBOUNCE_S", 0.3)
    await worker.create(bare_repo, sandboxId="watch")
    await worker.wait_status("watch", "ready")
    # One command, so the runner cannot signal anything between the two writes.
    steps = [{"run": "echo one > first.txt; sleep 1.5; echo two > second.txt"}]
    await worker.execute("watch", runnerConfig={"steps": steps})
    await worker.wait_status("watch", "ready")
    history = _history(worker, "watch")
    subjects = [subject for subject, _ in history]
    wip = [files for subject, files in history if subject.startswith("wip: auto-sync")]
    assert wip and wip[-1] == ["first.txt"]  # committed while the command still ran
    assert subjects[0].startswith("chore(sandbox): auto-commit after execution")
    assert history[0][1] == ["second.txt"]
    logs = await worker.logs("watch")
    assert "File added: first.txt" in logs
    assert not any(".foundry-agent" in name for _, files in history for name in files)


async def test_no_commit_before_the_tree_is_quiet(
    worker: Worker, bare_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(knobs, "AUTOCOMMIT_DEBOUNCE_S", 5.0)
    await worker.create(bare_repo, sandboxId="calm")
    await worker.wait_status("calm", "ready")
    await worker.execute("calm", runnerConfig={"steps": [{"run": "echo a > a.txt; sleep 1"}]})
    await worker.wait_status("calm", "ready")
    subjects = [subject for subject, _ in _history(worker, "calm")]
    assert not any(s.startswith("wip: auto-sync") for s in subjects)
