"""The seam between the sandbox worker and the agent runners.

A runner gets a `RunContext` (the session's workspace, a `Runtime` that executes commands
inside the sandbox, the host gateway's URL and per-session token, a log sink and the chat
inbox) and returns a `RunResult`. Runners never see the worker's secret or the model API key:
model calls go through the gateway with `gateway_token`, which the worker revokes at the end.

Runners are selected by name from `foundry.sandbox.runners_registry.registry()`, which merges
the worker's own (`script`) with `foundry.sandbox.runners.REGISTRY` when that package exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class ExecResult:
    """The outcome of one command run inside a sandbox; failures are data, not exceptions."""

    exit_code: int
    """The command's exit status; -1 when it was killed for running past its timeout."""
    stdout: str
    """Standard output, decoded as UTF-8 with replacement."""
    stderr: str
    """Standard error, decoded as UTF-8 with replacement."""
    timed_out: bool = False
    """True when the whole process group was killed at the timeout."""
    duration_ms: float = 0.0
    """Wall time from spawn to exit."""

    @property
    def ok(self) -> bool:
        """True when the command exited with status 0 in time."""
        return self.exit_code == 0 and not self.timed_out


class Runtime(Protocol):
    """Runs commands inside one session's sandbox ("an image plus a policy")."""

    async def execute(
        self, command: str | list[str], cwd: str | None = None, timeout: float = 60.0
    ) -> ExecResult:
        """Run `command` (a shell string or an argv) in the sandbox with `cwd` relative to the
        workspace (or absolute inside it); on timeout kill the whole process group."""
        ...


@runtime_checkable
class RunContext(Protocol):
    """What a runner gets for one run."""

    session_id: str
    workspace: Path
    """The workspace directory on the host (inside the sandbox it is `runtime.workdir`)."""
    runtime: Runtime
    gateway_url: str | None
    """The host model gateway's base URL as seen from inside the sandbox, or None."""
    gateway_token: str | None
    """The revocable per-session token for the gateway, or None."""
    host_gateway_url: str | None
    """The gateway's base URL as seen from the worker's host (for runners that run there)."""

    async def log(self, line: str, *, stream: str = "agent", metadata: Any = None) -> None:
        """Append a line to the session's log (`stream` is a level: info, stdout, stderr,
        system, error; "agent" means info). Tokens are redacted before it is stored."""
        ...

    async def next_message(self) -> str | None:
        """The next chat message from the user, or None if none is pending; taking it marks
        it delivered."""
        ...

    async def message_failed(self, content: str, reason: str) -> None:
        """A message taken with `next_message` never reached the agent: mark it failed."""
        ...

    def stop_requested(self) -> bool:
        """True once the user (or the TTL or a timeout) asked the run to stop."""
        ...

    def files_changed(self) -> None:
        """Tell the worker files changed, so it schedules a debounced auto-commit."""
        ...

    def hook(self, name: str, data: dict[str, Any]) -> None:
        """Send hook event `name` (e.g. PostToolUse, Stop) with `data` to the backend: signed,
        redacted, in order, never blocking the run."""
        ...


@dataclass
class RunResult:
    """How a run ended."""

    ok: bool
    summary: str
    error: str | None = None
    tokens_used: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Runner(Protocol):
    """An agent that works on a prompt inside the sandbox.

    A runner with a class attribute `accepts_chat = False` has no way to pass chat messages to
    its agent; the worker then fails messages at once instead of queueing them."""

    name: str

    async def run(self, ctx: RunContext, prompt: str, config: dict[str, Any]) -> RunResult:
        """Work on `prompt` until done, stopped or failed; return the outcome as data."""
        ...
