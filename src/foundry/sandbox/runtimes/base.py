"""The runtime seam: "an image plus a policy", behind one small interface.

A `RuntimeBackend` turns a `SandboxSpec` (the session's directories plus its `RuntimePolicy`)
into a `SessionRuntime`, which runs commands (`execute`) and terminals (`open_pty`) inside the
sandbox and is released with `close`. The worker reads and writes the session's workspace on its
own host (git, the editor API, the auto-commit watcher); a runtime whose sandbox works on a copy
of it (kubernetes) keeps the two in step through `sync_from_sandbox` (before the worker reads)
and `sync_to_sandbox` (after it writes), which are no-ops where the workspace is a bind mount.
Adding a runtime is one module in this package that defines a backend and registers it in
`foundry.sandbox.runtimes.BACKENDS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from foundry.sandbox import knobs
from foundry.sandbox.runner_protocol import ExecResult

WORKDIR = "/workspace"
HOME = "/home/sandbox"


@dataclass(frozen=True)
class RuntimePolicy:
    """What a sandbox may use: its root filesystem, its way out and its limits."""

    image: str | None = None
    """A root filesystem: an unpacked tree for bwrap, an image name for docker or kubernetes;
    None means the host's root, read-only (bwrap only)."""
    egress_allow: tuple[str, ...] = ()
    """Domains the egress proxy lets the sandbox reach; empty (and no routes) means no network."""
    egress_routes: tuple[tuple[str, int, str, int], ...] = ()
    """Named endpoints (name, port, host, host_port) the egress proxy forwards to a fixed
    host-side address: the model gateway. Nothing else on the host is reachable."""
    memory_bytes: int = knobs.LIMIT_MEMORY_BYTES
    """Address-space (or container memory) limit."""
    cpu_seconds: int = knobs.LIMIT_CPU_SECONDS
    """CPU-time limit per process."""
    file_bytes: int = knobs.LIMIT_FILE_BYTES
    """Largest file a process may write."""
    open_files: int = knobs.LIMIT_OPEN_FILES
    """Open-file limit per process."""
    runtime_class: str | None = None
    """Kubernetes RuntimeClass (gVisor, Kata); ignored elsewhere."""


@dataclass(frozen=True)
class SandboxSpec:
    """One session's sandbox: where its files live on the host and what it may do."""

    session_id: str
    workspace: Path
    """Host directory mounted read-write at /workspace."""
    home: Path
    """Host directory mounted read-write at /home/sandbox."""
    policy: RuntimePolicy
    ro_binds: tuple[tuple[Path, str], ...] = ()
    """Extra host paths mounted read-only (host path, sandbox path), e.g. the git dir."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Environment of every process (never a secret of the worker's)."""


class Pty(Protocol):
    """A terminal attached to a shell inside the sandbox."""

    async def read(self) -> bytes:
        """The next output bytes; b"" once the shell has exited."""
        ...

    async def write(self, data: bytes) -> None:
        """Send keystrokes to the shell."""
        ...

    def resize(self, cols: int, rows: int) -> None:
        """Set the terminal size."""
        ...

    async def close(self) -> None:
        """Kill the shell and free the terminal."""
        ...


class SessionRuntime(Protocol):
    """A running sandbox; implements `runner_protocol.Runtime`."""

    workdir: str
    copies_workspace: bool
    """True when the sandbox works on its own copy of the workspace, so its changes reach the
    host (and the host's file watcher) only through `sync_from_sandbox`."""

    async def execute(
        self, command: str | list[str], cwd: str | None = None, timeout: float = 60.0
    ) -> ExecResult:
        """Run `command` inside the sandbox; failures (and timeouts) come back as data."""
        ...

    async def open_pty(self, cols: int, rows: int) -> Pty:
        """Start an interactive shell on a new terminal."""
        ...

    async def sync_from_sandbox(self) -> None:
        """Make the host's workspace and home hold what the sandbox has (call before reading)."""
        ...

    async def sync_to_sandbox(self) -> None:
        """Send what the worker changed on the host (workspace, home, read-only binds such as
        the git dir) into the sandbox (call after writing)."""
        ...

    async def close(self) -> None:
        """Kill everything still running in the sandbox and release its resources."""
        ...


class RuntimeBackend(Protocol):
    """Creates sandboxes of one kind."""

    name: str

    async def start(self, spec: SandboxSpec) -> SessionRuntime:
        """Create the sandbox for `spec` (idempotent for the same session)."""
        ...


def resolve_cwd(cwd: str | None) -> str:
    """`cwd` as an absolute path inside the sandbox (relative paths are under /workspace)."""
    if not cwd:
        return WORKDIR
    if cwd.startswith("/"):
        return cwd
    return f"{WORKDIR}/{cwd}"
