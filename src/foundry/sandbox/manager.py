"""The fleet: every session of this worker, and the operations the API calls on them.

Each operation checks the session's state and then changes it through the session's actor.
`recover()` reloads every session after a restart: runs and setups that were in flight are
marked failed ("interrupted by a worker restart"), ready sessions get their runtime back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from pathlib import Path
from typing import Any

from foundry.sandbox import execution, fsops, knobs
from foundry.sandbox.errors import BadRequest, Conflict, NotFound, SdkUnavailable
from foundry.sandbox.gateway.ledger import OwnKeys
from foundry.sandbox.model_access import ModelAccess
from foundry.sandbox.runners_registry import registry
from foundry.sandbox.runtimes.base import RuntimeBackend, RuntimePolicy
from foundry.sandbox.schemas import CreateSandbox, Execute, Finalize
from foundry.sandbox.sealing import SecretBox
from foundry.sandbox.session import ChatMessage, Session
from foundry.sandbox.stages import Provisioner
from foundry.sandbox.status import (
    RuntimeMode,
    SandboxStatus,
    new_setup_progress,
    now_iso,
    require_status,
)
from foundry.sandbox.store import Store

log = logging.getLogger("foundry.sandbox.manager")
S = SandboxStatus
_INTERRUPTED = (S.PROVISIONING, S.CLONING, S.EXECUTING, S.FINALIZING)


class Manager:
    """All sessions of one worker process."""

    def __init__(
        self,
        data_dir: Path,
        backend: RuntimeBackend,
        policy: RuntimePolicy,
        *,
        secret: str | None = None,
        model_access: ModelAccess | None = None,
    ) -> None:
        self.root = data_dir / "sandbox"
        self.sessions_dir = self.root / "sessions"
        self.sessions_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(
            self.root / "sessions.db", SecretBox.for_worker(secret, self.root / "store.key")
        )
        self.backend = backend
        self.model_access = model_access
        self.provisioner = Provisioner(backend, policy, model_access)
        self.sessions: dict[str, Session] = {}
        self._ttl: dict[str, asyncio.TimerHandle] = {}

    def get(self, sandbox_id: str) -> Session:
        """The session, or NOT_FOUND (deleted sessions count as gone)."""
        session = self.sessions.get(sandbox_id)
        if session is None or session.status is S.DELETED:
            raise NotFound(f"no sandbox {sandbox_id!r}", {"sandboxId": sandbox_id})
        return session

    async def create(self, req: CreateSandbox) -> dict[str, Any]:
        """Register a session and provision it in the background."""
        sandbox_id = req.sandboxId or f"sbx-{secrets.token_hex(8)}"
        existing = self.sessions.get(sandbox_id)
        if existing is not None and existing.status is not S.DELETED:
            raise Conflict(f"sandbox {sandbox_id!r} already exists", {"sandboxId": sandbox_id})
        now = time.time()
        record: dict[str, Any] = {
            "sandboxId": sandbox_id,
            "orgId": req.orgId,
            "repoUrl": req.repoUrl,
            "branch": req.branch,
            "worktreeBranch": req.worktreeBranch,
            "createdAt": now_iso(),
            "createdMs": now * 1000,
            "ttlMinutes": req.ttl(),
            "expiresAt": now + req.ttl() * 60,
            "editorType": req.editorType,
            "authProvider": req.authProvider,
            "presetId": req.presetId,
            "installCommand": req.installCommand,
            "mcpServers": [s.model_dump() for s in req.mcpServers],
            "designFiles": req.designFiles,
            "status": S.PROVISIONING.value,
            "mode": self.backend.name,
            "setupProgress": new_setup_progress(),
            "runtimeMode": RuntimeMode.IDLE.value,
            "callbackUrl": req.callbackUrl,
            "hookSecret": req.hookSecret,
            "filesChanged": 0,
            "budgetUsd": req.budgetUsd,
            "maxTokens": req.maxTokens,
            # Whose key pays for model calls; the key itself is never stored.
            "modelKey": "session" if req.anthropicApiKey else "host",
            "chat": [],
        }
        session = Session(record, self.store, self.sessions_dir)
        session.redactor.add(req.githubToken)
        session.redactor.add(req.anthropicApiKey)
        self._grant_model_access(session, req.anthropicApiKey)
        session.save()
        self.sessions[sandbox_id] = session
        session.paths.create()
        session.git.set_token(req.githubToken)
        session.log.append("system", f"Sandbox created ({self.backend.name} runtime)")
        self._arm_ttl(session)
        session.spawn(self.provisioner.provision(session))
        return {
            "sandboxId": sandbox_id,
            "status": record["status"],
            "createdAt": record["createdAt"],
            "sdkAvailable": True,
            "mode": record["mode"],
            "ttlMinutes": record["ttlMinutes"],
            "setupProgress": record["setupProgress"],
            "runtimeMode": record["runtimeMode"],
        }

    async def execute(self, sandbox_id: str, req: Execute) -> dict[str, Any]:
        """Start an agent run (waiting for setup to finish first)."""
        session = self.get(sandbox_id)
        runners = registry()
        name = req.runner or ("claude-code" if "claude-code" in runners else "script")
        runner = runners.get(name)
        if runner is None:
            raise BadRequest(f"unknown runner {name!r}; known: {', '.join(sorted(runners))}")
        if session.status in (S.PROVISIONING, S.CLONING):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(session.ready_event.wait(), knobs.EXECUTE_WAIT_READY_S)
        if session.status is S.FAILED:
            raise SdkUnavailable(f"sandbox {sandbox_id} failed: {session.record.get('error')}")
        if req.hookSecret:
            session.redactor.add(req.hookSecret)
        if req.anthropicApiKey:
            session.redactor.add(req.anthropicApiKey)
        if session.gateway_token is None:
            self._grant_model_access(session, req.anthropicApiKey)
        elif req.anthropicApiKey and self.model_access is not None:
            self.model_access.set_anthropic_key(session.id, req.anthropicApiKey)
        started = now_iso()

        async def begin() -> None:
            require_status(session.status, S.READY)
            if req.convexUrl and not session.record.get("callbackUrl"):
                session.record["callbackUrl"] = req.convexUrl.rstrip("/") + "/api/sandbox"
            if req.hookSecret:
                session.record["hookSecret"] = req.hookSecret
            if req.anthropicApiKey:
                session.record["modelKey"] = "session"
            session.stop_event.clear()
            session.apply_transition(
                S.EXECUTING,
                "Execution started",
                run={"startedAt": started, "runner": name, "prompt": req.taskPrompt[:2000]},
            )
            session.hook("RunStarted", {"runner": name, "startedAt": started})

        await session.call(begin)
        session.run_task = session.spawn(
            execution.run_agent(
                session,
                runner,
                req.taskPrompt,
                req.runnerConfig,
                req.timeoutMs / 1000,
                self.model_access,
            )
        )
        return {
            "sandboxId": sandbox_id,
            "accepted": True,
            "startedAt": started,
            "status": S.EXECUTING.value,
            "runner": name,
            "runtimeMode": RuntimeMode.EXECUTING.value,
        }

    def poll(self, sandbox_id: str, cursor: int) -> dict[str, Any]:
        """The reference's PollLogsResponse."""
        session = self.get(sandbox_id)
        entries = self.store.logs_after(sandbox_id, cursor, knobs.POLL_PAGE_SIZE)
        status = session.status
        return {
            "sandboxId": sandbox_id,
            "status": status.value,
            "entries": entries,
            "done": status.done,
            "failed": status is S.FAILED,
            "nextCursor": entries[-1]["sequence"] if entries else cursor,
            "error": session.record.get("error")
            or (self.store.last_error(sandbox_id) if status is S.FAILED else None),
            "setupProgress": session.record["setupProgress"],
            "runtimeMode": session.record.get("runtimeMode"),
        }

    async def message(self, sandbox_id: str, content: str) -> dict[str, Any]:
        """Queue a chat message for the running agent; one it cannot take is marked failed."""
        session = self.get(sandbox_id)
        message = ChatMessage(f"msg-{secrets.token_hex(6)}", content)
        await session.chat_set(message.id, content, "pending")
        reason = self._chat_refusal(session)
        if reason is not None:
            await session.chat_set(message.id, content, "failed", reason)
            raise Conflict(
                f"chat message not delivered: {reason}",
                {"messageId": message.id, "status": "failed", "reason": reason},
            )
        session.inbox.put_nowait(message)
        return {"delivered": True, "messageId": message.id, "status": "pending"}

    def _chat_refusal(self, session: Session) -> str | None:
        if session.status is not S.EXECUTING:
            return f"no agent is running (expected executing, got {session.status.value})"
        if session.run_task is None or session.run_task.done():
            return "the agent has exited"
        runner = registry().get(session.record.get("run", {}).get("runner", ""))
        if runner is not None and not getattr(runner, "accepts_chat", True):
            return f"the {runner.name} runner has no channel into a running agent"
        return None

    async def stop(self, sandbox_id: str, req: Finalize) -> dict[str, Any]:
        """Finalize: stop the run, final commit, push, completed."""
        session = self.get(sandbox_id)
        require_status(session.status, S.READY, S.EXECUTING)
        return await execution.finalize(session, req.commitMessage, req.push)

    async def sleep(self, sandbox_id: str) -> dict[str, Any]:
        """Free the runtime, keep the workspace."""
        session = self.get(sandbox_id)
        await session.sync_from_sandbox()  # the workspace outlives the runtime
        await session.transition(S.SLEEPING, "Sandbox sleeping")
        await session.set_runtime_mode(RuntimeMode.HIBERNATING)
        await session.release_runtime()
        return {"sandboxId": sandbox_id, "status": S.SLEEPING.value}

    async def wake(self, sandbox_id: str) -> dict[str, Any]:
        """Restore the runtime of a sleeping session."""
        session = self.get(sandbox_id)
        require_status(session.status, S.SLEEPING)
        await self.provisioner.start_runtime(session)
        await session.transition(S.READY, "Sandbox awake")
        await session.set_runtime_mode(RuntimeMode.IDLE)
        self._arm_ttl(session, extend=True)
        return {"sandboxId": sandbox_id, "status": S.READY.value}

    async def delete(self, sandbox_id: str) -> dict[str, Any]:
        """Kill everything, delete the files and logs; the record stays, marked deleted."""
        session = self.get(sandbox_id)
        await session.shutdown(remove_files=True)
        await session.transition(
            S.DELETED, "Sandbox deleted", runtimeMode=RuntimeMode.HIBERNATING.value
        )
        self.store.delete_logs(sandbox_id)
        self._cancel_ttl(sandbox_id)
        await session.stop_actor()
        return {"sandboxId": sandbox_id, "deleted": True, "deletedAt": now_iso()}

    async def diff(self, sandbox_id: str) -> dict[str, Any]:
        """Files changed since the clone and their diffs."""
        session = self.get(sandbox_id)
        if not (session.paths.git_dir / "HEAD").exists():
            raise Conflict(
                f"sandbox {sandbox_id} has no repository yet", {"status": session.status.value}
            )
        await session.sync_from_sandbox()
        files, diffs = await session.git.changes(session.record.get("baseSha") or "HEAD")
        return {"sandboxId": sandbox_id, "files": files, "diffs": diffs, "totalFiles": len(files)}

    def _live(self, sandbox_id: str) -> Session:
        session = self.get(sandbox_id)
        if session.status.terminal or not session.paths.workspace.exists():
            raise Conflict(f"expected a live sandbox, got {session.status.value}")
        return session

    async def fs_list(self, sandbox_id: str, path: str) -> dict[str, Any]:
        """The editor API's directory listing, as the sandbox has it now."""
        session = self._live(sandbox_id)
        await session.sync_from_sandbox()
        return {"sandboxId": sandbox_id, **fsops.list_dir(session.paths.workspace, path)}

    async def fs_read(self, sandbox_id: str, path: str) -> dict[str, Any]:
        """The editor API's file read, as the sandbox has it now."""
        session = self._live(sandbox_id)
        await session.sync_from_sandbox()
        return {"sandboxId": sandbox_id, **fsops.read_file(session.paths.workspace, path)}

    async def fs_write(self, sandbox_id: str, path: str, content: str) -> dict[str, Any]:
        """The editor API's file write, handed on to the sandbox."""
        session = self._live(sandbox_id)
        await session.sync_from_sandbox()  # resolve the path against the sandbox's tree
        written = fsops.write_file(session.paths.workspace, path, content)
        await session.sync_to_sandbox()
        return {"sandboxId": sandbox_id, **written}

    def fleet(self) -> list[dict[str, Any]]:
        """Every session that is not deleted, newest first."""
        live = [s for s in self.sessions.values() if s.status is not S.DELETED]
        live.sort(key=lambda s: s.record.get("createdMs", 0), reverse=True)
        return [
            {
                k: s.record.get(k)
                for k in (
                    "sandboxId",
                    "orgId",
                    "status",
                    "runtimeMode",
                    "createdAt",
                    "ttlMinutes",
                    "worktreeBranch",
                    "error",
                    "mode",
                )
            }
            for s in live
        ]

    async def recover(self) -> None:
        """Reload every persisted session after a restart."""
        for record in self.store.load_sessions():
            session = Session(record, self.store, self.sessions_dir)
            self.sessions[session.id] = session
            if not session.status.terminal:
                self._grant_model_access(session)  # tokens live in memory only: a new one
            if session.status in _INTERRUPTED:
                message = f"Interrupted by a worker restart while {session.status.value}"
                session.apply_transition(
                    S.FAILED, message, error=message, runtimeMode=RuntimeMode.HIBERNATING.value
                )
                callbacks_fire_failed(session, message)
            elif session.status is S.READY:
                try:
                    await self.provisioner.start_runtime(session)
                    session.ready_event.set()
                except Exception as error:  # a broken runtime fails this session only
                    session.apply_transition(S.FAILED, f"Runtime restart failed: {error!r}")
            if not session.status.terminal:
                self._arm_ttl(session)

    def _grant_model_access(self, session: Session, own_key: str | None = None) -> None:
        access = self.model_access
        if access is None:
            return
        own_keys: OwnKeys = {}
        if own_key:
            own_keys = {"anthropic": own_key}
        elif session.record.get("modelKey") == "session":
            own_keys = {"anthropic": None}  # lost in a restart: refuse, never bill the host
        token = access.issue(
            session.id, session.record.get("budgetUsd"), session.record.get("maxTokens"), own_keys
        )
        session.gateway_token = token
        session.redactor.add(token)
        session.revoke_token = access.revoke

    def _arm_ttl(self, session: Session, *, extend: bool = False) -> None:
        self._cancel_ttl(session.id)
        if extend:
            session.record["expiresAt"] = time.time() + session.record["ttlMinutes"] * 60
            session.save()
        delay = max(0.0, session.record["expiresAt"] - time.time())
        loop = asyncio.get_running_loop()
        self._ttl[session.id] = loop.call_later(
            delay, lambda: session.spawn(self._expire(session)) and None
        )

    def _cancel_ttl(self, sandbox_id: str) -> None:
        handle = self._ttl.pop(sandbox_id, None)
        if handle is not None:
            handle.cancel()

    async def _expire(self, session: Session) -> None:
        if session.status.terminal:
            return
        session.log.append("system", "Session TTL reached; tearing down")
        await session.set_runtime_mode(RuntimeMode.HIBERNATING)
        message = "Session expired (TTL exceeded)"
        await session.transition(S.FAILED, message, error=message)
        await session.shutdown(remove_files=True)

    async def close(self) -> None:
        """Stop every session's work (state stays persisted for the next start)."""
        for handle in self._ttl.values():
            handle.cancel()
        for session in self.sessions.values():
            await session.shutdown(remove_files=False)
            await session.stop_actor()
        self.store.close()


def callbacks_fire_failed(session: Session, message: str) -> None:
    """Tell the backend a session failed (used by recovery)."""
    from foundry.sandbox import callbacks

    with contextlib.suppress(RuntimeError):
        callbacks.fire(
            execution.completion_url(session),
            session.record.get("hookSecret"),
            {"session_id": session.id, "status": "failed", "error": message},
        )
