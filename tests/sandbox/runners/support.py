"""A real, in-process RunContext for runner tests: commands run with subprocess in a temp
workspace (the same Runtime protocol the bwrap runtime implements), logs and chat are lists."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import deque
from pathlib import Path
from typing import Any

from foundry.sandbox.runner_protocol import ExecResult, Runtime


class LocalRuntime:
    """Runs commands as host subprocesses in the workspace; kills the process group on timeout."""

    def __init__(self, workspace: Path, path_prefix: Path | None = None) -> None:
        self.workdir = str(workspace)
        path = os.environ.get("PATH", "/usr/bin:/bin")
        self.env = {"PATH": f"{path_prefix}:{path}" if path_prefix else path, "HOME": self.workdir}
        self.commands: list[str | list[str]] = []

    async def execute(
        self, command: str | list[str], cwd: str | None = None, timeout: float = 60.0
    ) -> ExecResult:
        self.commands.append(command)
        argv = ["sh", "-c", command] if isinstance(command, str) else command
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=os.path.join(self.workdir, cwd or ""),
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(), timeout)
        except (TimeoutError, asyncio.CancelledError) as error:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            if isinstance(error, asyncio.CancelledError):
                raise
            return ExecResult(
                -1, "", "", timed_out=True, duration_ms=(time.monotonic() - started) * 1000
            )
        assert process.returncode is not None
        return ExecResult(
            process.returncode,
            out.decode(errors="replace"),
            err.decode(errors="replace"),
            duration_ms=(time.monotonic() - started) * 1000,
        )


class LocalContext:
    """A RunContext whose log is a list and whose chat inbox is a deque."""

    def __init__(
        self,
        workspace: Path,
        *,
        gateway_url: str | None = None,
        gateway_token: str | None = None,
        path_prefix: Path | None = None,
    ) -> None:
        self.session_id = "session-1"
        self.workspace = workspace
        self.local = LocalRuntime(workspace, path_prefix)
        self.runtime: Runtime = self.local
        self.gateway_url = gateway_url
        self.gateway_token = gateway_token
        self.host_gateway_url = gateway_url
        self.failed_messages: list[tuple[str, str]] = []
        self.lines: list[tuple[str, str]] = []
        self.inbox: deque[str] = deque()
        self.stop = False
        self.changes = 0
        self.hooks: list[tuple[str, dict[str, Any]]] = []

    async def log(self, line: str, *, stream: str = "agent", metadata: Any = None) -> None:
        self.lines.append((stream, line))

    async def next_message(self) -> str | None:
        return self.inbox.popleft() if self.inbox else None

    async def message_failed(self, content: str, reason: str) -> None:
        self.failed_messages.append((content, reason))
        self.lines.append(("error", f"chat failed: {reason}: {content}"))

    def stop_requested(self) -> bool:
        return self.stop

    def files_changed(self) -> None:
        self.changes += 1

    def hook(self, name: str, data: dict[str, Any]) -> None:
        self.hooks.append((name, data))

    def text(self) -> str:
        """Every log line, one per line, prefixed by its stream."""
        return "\n".join(f"{stream}: {line}" for stream, line in self.lines)
