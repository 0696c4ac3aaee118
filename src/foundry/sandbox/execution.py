"""Agent runs and finalization of one session.

A run: executing → the runner works (a file watcher auto-commits after quiet spells) →
change summary, auto-commit, push → completion callback → ready. A run that crashes, times out
or is stopped fails the session: its processes are killed and its files removed (the record and
logs stay). Finalize: finalizing → final commit and push → completed, runtime released.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foundry.sandbox import callbacks, watcher
from foundry.sandbox.gitops import GitError
from foundry.sandbox.model_access import ModelAccess
from foundry.sandbox.runner_protocol import ExecResult, Runner, RunResult, Runtime
from foundry.sandbox.runtimes.base import SessionRuntime
from foundry.sandbox.session import Session
from foundry.sandbox.status import RuntimeMode, SandboxStatus, now_iso


@dataclass
class SessionRunContext:
    """The `RunContext` a runner gets."""

    session: Session
    session_id: str
    workspace: Path
    runtime: Runtime
    gateway_url: str | None = None
    gateway_token: str | None = None
    host_gateway_url: str | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    _taken: dict[str, str] = field(default_factory=dict)

    async def log(self, line: str, *, stream: str = "agent", metadata: Any = None) -> None:
        """Append a (redacted) line to the session's log; tool calls also become hook events."""
        self.session.log.append("info" if stream == "agent" else stream, line, metadata)
        if isinstance(metadata, dict) and isinstance(metadata.get("toolUse"), dict):
            self.session.hook("PostToolUse", {"summary": line[:300], **metadata["toolUse"]})

    async def next_message(self) -> str | None:
        """The next pending chat message (now marked delivered), or None."""
        try:
            message = self.session.inbox.get_nowait()
        except asyncio.QueueEmpty:
            return None
        self._taken[message.content] = message.id
        await self.session.chat_set(message.id, message.content, "delivered")
        return message.content

    async def message_failed(self, content: str, reason: str) -> None:
        """A message the runner took but could not give to its agent: mark it failed."""
        message_id = self._taken.pop(content, None)
        if message_id is not None:
            await self.session.chat_set(message_id, content, "failed", reason)

    def stop_requested(self) -> bool:
        """True once a stop, a timeout or the TTL asked the run to end."""
        return self.session.stop_event.is_set()

    def files_changed(self) -> None:
        """Mark the workspace dirty (the file watcher does this too, on its own)."""
        self.changed.set()

    def hook(self, name: str, data: dict[str, Any]) -> None:
        """Queue hook event `name` for the backend (through the session's signed outbox)."""
        self.session.hook(name, data)


class TurnSync:
    """A runner's view of a runtime whose sandbox has its own copy of the workspace.

    Runners read and write the workspace on the host between commands, and the host's file
    watcher cannot see inside the sandbox, so every command turn ends by bringing the sandbox's
    changes to the host and marking the tree dirty (the auto-commit's trigger).
    """

    def __init__(self, runtime: SessionRuntime, changed: asyncio.Event) -> None:
        self.runtime = runtime
        self.workdir = runtime.workdir
        self.changed = changed

    async def execute(
        self, command: str | list[str], cwd: str | None = None, timeout: float = 60.0
    ) -> ExecResult:
        """Run the command, then sync its changes back and mark the workspace dirty."""
        result = await self.runtime.execute(command, cwd, timeout)
        await self.runtime.sync_from_sandbox()
        self.changed.set()
        return result


async def run_agent(
    session: Session,
    runner: Runner,
    prompt: str,
    config: dict[str, Any],
    timeout_s: float,
    access: ModelAccess | None = None,
) -> None:
    """Run `runner` on `prompt` and bring the session back to ready (or failed)."""
    assert session.runtime is not None  # execute only starts runs on a ready session
    token = session.gateway_token if access is not None else None
    runtime: Runtime = session.runtime
    changed = asyncio.Event()
    if session.runtime.copies_workspace:
        runtime = TurnSync(session.runtime, changed)
    ctx = SessionRunContext(
        session,
        session.id,
        session.paths.workspace,
        runtime,
        gateway_url=access.sandbox_url if access and token else None,
        gateway_token=token,
        host_gateway_url=access.host_url if access and token else None,
        changed=changed,
    )
    await session.set_runtime_mode(RuntimeMode.EXECUTING)
    started = time.monotonic()
    stop_watch = asyncio.Event()
    helpers = [
        asyncio.ensure_future(watcher.watch(session, ctx.changed, stop_watch)),
        asyncio.ensure_future(watcher.autocommit(session, ctx.changed)),
    ]
    try:
        result = await asyncio.wait_for(runner.run(ctx, prompt, config), timeout_s)
    except TimeoutError:
        session.stop_event.set()
        result = RunResult(False, "timed out", f"the agent ran past its {timeout_s:g}s timeout")
    except asyncio.CancelledError:
        raise
    except Exception as error:
        result = RunResult(False, "crashed", f"the agent crashed: {type(error).__name__}: {error}")
    finally:
        stop_watch.set()
        for helper in helpers:
            helper.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
    await _fail_undelivered(session, "the run ended before the agent took the message")
    elapsed = time.monotonic() - started
    files, commit_sha = await _summarise_and_commit(session)
    level = "info" if result.ok else "error"
    session.log.append(
        level,
        f"Execution complete | {elapsed:.1f}s | {result.summary}"
        + (f" | {result.error}" if result.error else ""),
    )
    body: dict[str, Any] = {
        "session_id": session.id,
        "status": "completed" if result.ok else "failed",
        "commitSha": commit_sha,
        "filesChanged": len(files),
    }
    if result.error:
        body["error"] = result.error
    callbacks.fire(completion_url(session), session.record.get("hookSecret"), body)
    run = {
        **session.record.get("run", {}),
        "finishedAt": now_iso(),
        "ok": result.ok,
        "summary": result.summary,
        "error": result.error,
    }
    if access is not None and (usage := access.gateway.usage(session.id)) is not None:
        run["modelUsage"] = {
            "calls": usage.calls,
            "inputTokens": usage.input_tokens,
            "outputTokens": usage.output_tokens,
            "costUsd": round(usage.cost_usd, 6),
        }
    if result.ok:
        await session.transition(
            SandboxStatus.READY,
            "Execution finished",
            run=run,
            filesChanged=len(files),
            lastCommitSha=commit_sha,
        )
        await session.set_runtime_mode(RuntimeMode.IDLE)
        session.stop_event.clear()
        return
    await session.transition(
        SandboxStatus.FAILED,
        f"Run failed: {result.error}",
        run=run,
        error=result.error,
        filesChanged=len(files),
    )
    await session.set_runtime_mode(RuntimeMode.HIBERNATING)
    await session.release_runtime()
    session.end_model_access()
    session.paths.remove()


async def _fail_undelivered(session: Session, reason: str) -> None:
    while True:
        try:
            message = session.inbox.get_nowait()
        except asyncio.QueueEmpty:
            return
        await session.chat_set(message.id, message.content, "failed", reason)


async def _summarise_and_commit(session: Session) -> tuple[list[dict[str, str]], str | None]:
    base = session.record.get("baseSha") or "HEAD"
    try:
        await session.sync_from_sandbox()
    except Exception as error:  # commit what the host has rather than lose the run's summary
        session.log.append("error", f"Copying the workspace out of the sandbox failed: {error}")
    files, diffs = await session.git.changes(base)
    session.log.append(
        "system",
        f"{len(files)} files changed",
        {"fileChangeSummary": {"files": files, "diffs": diffs, "totalFiles": len(files)}},
    )
    try:
        sha = await session.git.commit_all(
            f"chore(sandbox): auto-commit after execution [sandbox:{session.id}]"
        )
    except GitError as error:
        session.log.append("error", str(error))
        return files, None
    if sha:
        pushed = await session.git.push(session.record["worktreeBranch"])
        session.log.append(
            "system" if pushed.ok else "error",
            f"Pushed {sha[:12]} to {session.record['worktreeBranch']}"
            if pushed.ok
            else f"Push failed: {pushed.stderr.strip()[-300:]}",
        )
    return files, sha or session.record.get("lastCommitSha")


async def finalize(session: Session, message: str | None, push: bool) -> dict[str, Any]:
    """Stop any run, make the final commit, push, and complete the session."""
    if session.run_task is not None and not session.run_task.done():
        session.stop_event.set()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(session.run_task), 120)
    await session.transition(SandboxStatus.FINALIZING)
    await session.sync_from_sandbox()
    files, _ = await session.git.changes(session.record.get("baseSha") or "HEAD")
    sha = await session.git.commit_all(
        message or f"chore(sandbox): final commit [sandbox:{session.id}]"
    )
    sha = sha or await session.git.head()
    if push:
        pushed = await session.git.push(session.record["worktreeBranch"])
        if not pushed.ok:
            error = f"push failed: {pushed.stderr.strip()[-300:]}"
            await session.transition(SandboxStatus.FAILED, error, error=error)
            await session.release_runtime()
            session.end_model_access()
            raise GitError(error)
    await session.transition(
        SandboxStatus.COMPLETED, "Session completed", lastCommitSha=sha, filesChanged=len(files)
    )
    await session.set_runtime_mode(RuntimeMode.HIBERNATING)
    await session.release_runtime()
    session.end_model_access()
    callbacks.fire(
        completion_url(session),
        session.record.get("hookSecret"),
        {
            "session_id": session.id,
            "status": "completed",
            "commitSha": sha,
            "filesChanged": len(files),
        },
    )
    return {
        "sandboxId": session.id,
        "status": "completed",
        "completedAt": now_iso(),
        "commitSha": sha,
        "filesChanged": len(files),
    }


def completion_url(session: Session) -> str | None:
    """Where completion events go: `<callbackUrl>/completion`."""
    base = session.record.get("callbackUrl")
    return f"{base.rstrip('/')}/completion" if base else None
