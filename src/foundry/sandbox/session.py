"""One sandbox session: its record, its actor, its log, its git and its runtime.

The actor is the only writer of the record: every state change is a message on its bounded
queue, applied one at a time and persisted before the caller hears back (the Durable Object's
role in the reference). Long work (provisioning, agent runs) runs in tasks that ask the actor
for each change, so two requests can never interleave halfway through a transition.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from foundry.sandbox import callbacks, knobs
from foundry.sandbox.errors import Conflict
from foundry.sandbox.gitops import Git
from foundry.sandbox.logbus import LogBus
from foundry.sandbox.redact import Redactor
from foundry.sandbox.runtimes.base import SessionRuntime
from foundry.sandbox.status import RuntimeMode, SandboxStatus, check_transition, now_iso
from foundry.sandbox.store import Store

log = logging.getLogger("foundry.sandbox.session")
T = TypeVar("T")

# Record fields never shown to API clients.
PRIVATE_FIELDS = frozenset({"hookSecret", "runnerConfig"})


@dataclass(frozen=True)
class _Call:
    fn: Callable[[], Awaitable[Any]]
    future: asyncio.Future[Any]


@dataclass(frozen=True)
class ChatMessage:
    """A chat message waiting for the running agent."""

    id: str
    content: str


@dataclass
class SessionPaths:
    """Where a session's files live on the host."""

    root: Path
    workspace: Path = field(init=False)
    """Agent-writable; mounted at /workspace."""
    home: Path = field(init=False)
    """Agent-writable; mounted at /home/sandbox."""
    private: Path = field(init=False)
    """Worker-only: the git dir, credentials, temporary indexes."""
    git_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.workspace = self.root / "workspace"
        self.home = self.root / "home"
        self.private = self.root / "private"
        self.git_dir = self.private / "git"

    def create(self) -> None:
        """Create the directories (the private area is 0700). The git dir exists, empty, from
        the start so the sandbox can bind it before the clone fills it."""
        for path in (self.workspace, self.home):
            path.mkdir(parents=True, exist_ok=True)
        self.private.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.git_dir.mkdir(exist_ok=True)

    def remove(self) -> None:
        """Delete every file of the session."""
        shutil.rmtree(self.root, ignore_errors=True)


class Session:
    """A sandbox session and its actor."""

    def __init__(self, record: dict[str, Any], store: Store, sessions_dir: Path) -> None:
        self.record = record
        self.store = store
        self.id: str = record["sandboxId"]
        self.paths = SessionPaths(sessions_dir / self.id)
        self.redactor = Redactor([record.get("hookSecret")])
        self.log = LogBus(store, self.id, self.redactor)
        self.git = Git(self.paths.git_dir, self.paths.workspace, self.paths.private, self.redactor)
        self.runtime: SessionRuntime | None = None
        self.inbox: asyncio.Queue[ChatMessage] = asyncio.Queue()
        self.stop_event = asyncio.Event()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.run_task: asyncio.Task[Any] | None = None
        self.ready_event = asyncio.Event()
        self.gateway_token: str | None = None  # this session's gateway token; memory only
        self.revoke_token: Callable[[str], None] | None = None  # set by the manager
        self._queue: asyncio.Queue[_Call | None] = asyncio.Queue(knobs.ACTOR_QUEUE_SIZE)
        self._actor = asyncio.get_running_loop().create_task(self._run_actor())

    @property
    def status(self) -> SandboxStatus:
        """The current worker status."""
        return SandboxStatus(self.record["status"])

    async def _run_actor(self) -> None:
        while (call := await self._queue.get()) is not None:
            if call.future.cancelled():
                continue
            try:
                result = await call.fn()
            except BaseException as error:  # the caller gets it; the actor keeps going
                if not call.future.done():
                    call.future.set_exception(error)
                if isinstance(error, asyncio.CancelledError):
                    raise
            else:
                if not call.future.done():
                    call.future.set_result(result)

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run `fn` on the actor, after every change queued before it."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait(_Call(fn, future))
        except asyncio.QueueFull:
            raise Conflict(
                f"sandbox {self.id} is busy with {self._queue.qsize()} pending changes; retry",
                {"sandboxId": self.id},
            ) from None
        return await asyncio.wait_for(future, knobs.ACTOR_CALL_TIMEOUT_S)

    async def transition(
        self, new: SandboxStatus, message: str | None = None, **fields: Any
    ) -> None:
        """Change the status through the actor (checked against `TRANSITIONS`)."""

        async def apply() -> None:
            self.apply_transition(new, message, **fields)

        await self.call(apply)

    def apply_transition(
        self, new: SandboxStatus, message: str | None = None, **fields: Any
    ) -> None:
        """Change the status now; call only on the actor (or before it serves requests)."""
        old = self.status
        check_transition(old, new)
        self.record["status"] = new.value
        self.record.update(fields)
        if new.terminal and "completedAt" not in fields:
            self.record["completedAt"] = now_iso()
        if new is SandboxStatus.READY:
            self.ready_event.set()
        self.save()
        self.log.append(
            "error" if new is SandboxStatus.FAILED else "system",
            message or f"Status transitioned: {old.value} -> {new.value}",
            {"status": new.value, "previousStatus": old.value},
        )
        self.publish_status(message)

    async def update(self, **fields: Any) -> None:
        """Change record fields (not the status) through the actor."""

        async def apply() -> None:
            self.record.update(fields)
            self.save()

        await self.call(apply)

    async def set_runtime_mode(self, mode: RuntimeMode) -> None:
        """Change the runtime mode, logged as the reference does."""

        async def apply() -> None:
            old = self.record.get("runtimeMode")
            if old == mode.value:
                return
            self.record["runtimeMode"] = mode.value
            self.save()
            self.log.append("system", f"Runtime mode transitioned: {old} -> {mode.value}")
            self.publish_status(None)

        await self.call(apply)

    async def set_stage(self, stage: str, status: str, error: str | None = None) -> None:
        """Record a setup stage's state with its timestamps and stream it."""

        async def apply() -> None:
            progress = self.record["setupProgress"]
            state = dict(progress.get(stage) or {})
            state["status"] = status
            if status == "running":
                state["startedAt"] = now_iso()
                state["startedMs"] = time.time() * 1000
            elif status in ("completed", "failed", "skipped"):
                state["completedAt"] = now_iso()
                if "startedMs" in state:
                    state["durationMs"] = round(time.time() * 1000 - state["startedMs"], 1)
            if error is not None:
                state["error"] = self.redactor(error)
            progress[stage] = state
            self.save()
            verb = {"running": "started", "completed": "completed", "failed": "failed"}
            text = f"Stage {verb.get(status, status)}: {stage}" + (f" ({error})" if error else "")
            self.log.append(
                "error" if status == "failed" else "system",
                text,
                {"stage": stage, "stageStatus": status},
            )
            self.publish_status(None)
            self.hook("StageProgress", {"stage": stage, "stageStatus": status, "error": error})

        await self.call(apply)

    def hook(self, name: str, data: dict[str, Any]) -> None:
        """Queue hook event `name` for the backend (signed with the session's hookSecret)."""
        callbacks.hook_event(
            self.id,
            self.record.get("callbackUrl"),
            self.record.get("hookSecret"),
            name,
            _redacted(self.redactor, data),
        )

    async def chat_set(
        self, message_id: str, content: str, status: str, reason: str | None = None
    ) -> None:
        """Record a chat message's delivery state (pending, delivered, failed), log it and tell
        the backend."""

        async def apply() -> None:
            history: list[dict[str, Any]] = self.record.setdefault("chat", [])
            entry = next((m for m in history if m["id"] == message_id), None)
            if entry is None:
                entry = {"id": message_id, "content": content[:2000], "createdAt": now_iso()}
                history.append(entry)
                del history[: -knobs.CHAT_HISTORY]
            entry.update(status=status, updatedAt=now_iso())
            if reason:
                entry["reason"] = reason
            self.save()
            chat = {"id": message_id, "status": status, "reason": reason}
            if status == "pending":
                text, level = f"User message: {content[:500]}", "info"
            elif status == "delivered":
                text, level = f"Chat message delivered to the agent: {content[:200]}", "system"
            else:
                text, level = f"Chat message failed ({reason}): {content[:200]}", "error"
            self.log.append(level, text, {"chat": chat})
            if status != "pending":
                name = "ChatDelivered" if status == "delivered" else "ChatFailed"
                self.hook(name, {"messageId": message_id, "reason": reason})

        await self.call(apply)

    def publish_status(self, message: str | None) -> None:
        """Send a status event to live subscribers."""
        payload: dict[str, Any] = {
            "status": self.record["status"],
            "timestamp": now_iso(),
            "setupProgress": self.record["setupProgress"],
            "runtimeMode": self.record.get("runtimeMode"),
        }
        if message:
            payload["message"] = self.redactor(message)
        self.log.status(payload)

    def save(self) -> None:
        """Persist the record."""
        self.store.save_session(self.record)

    def public(self) -> dict[str, Any]:
        """The record as API clients see it (no secrets)."""
        return {k: v for k, v in self.record.items() if k not in PRIVATE_FIELDS}

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        """Run background work owned by this session (cancelled on delete)."""
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("session %s: background work failed", self.id, exc_info=error)
            self.log.append("error", f"Internal error: {type(error).__name__}: {error}")

    def end_model_access(self) -> None:
        """Revoke the session's gateway token (the session will make no more model calls)."""
        if self.revoke_token is not None:
            self.revoke_token(self.id)
        self.gateway_token = None

    async def sync_from_sandbox(self) -> None:
        """Bring the sandbox's changes into the host's workspace; call before reading it."""
        if self.runtime is not None:
            await self.runtime.sync_from_sandbox()

    async def sync_to_sandbox(self) -> None:
        """Send the worker's changes on the host into the sandbox; call after writing."""
        if self.runtime is not None:
            await self.runtime.sync_to_sandbox()

    async def release_runtime(self) -> None:
        """Kill the sandbox's processes and free its runtime (the workspace stays)."""
        runtime, self.runtime = self.runtime, None
        if runtime is not None:
            await runtime.close()

    async def shutdown(self, *, remove_files: bool) -> None:
        """Cancel background work, free the runtime, optionally delete files, stop the actor."""
        self.stop_event.set()
        current = asyncio.current_task()
        others = [task for task in self.tasks if task is not current]
        for task in others:
            task.cancel()
        if others:  # let them unwind before their files disappear
            await asyncio.wait(others, timeout=10)
        await self.release_runtime()
        if remove_files:
            self.end_model_access()
            self.paths.remove()
        self.log.close()

    async def stop_actor(self) -> None:
        """Stop the actor after the changes already queued."""
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(self._actor, 5)


def _redacted(redactor: Redactor, value: Any) -> Any:
    # Tool inputs nest (a command inside a dict): every string at any depth is redacted.
    if isinstance(value, str):
        return redactor(value)
    if isinstance(value, dict):
        return {k: _redacted(redactor, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(redactor, v) for v in value]
    return value
