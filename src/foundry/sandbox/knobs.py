"""Every tunable of the sandbox worker: env-overridable defaults (`FOUNDRY_SANDBOX_<NAME>`)."""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(f"FOUNDRY_SANDBOX_{name}", default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(f"FOUNDRY_SANDBOX_{name}", default))


def _str(name: str, default: str) -> str:
    return os.environ.get(f"FOUNDRY_SANDBOX_{name}", default)


TTL_DEFAULT_MINUTES = _int("TTL_DEFAULT_MINUTES", 15)
"""A session's lifetime when create does not say."""
TTL_MIN_MINUTES = _int("TTL_MIN_MINUTES", 5)
"""The shortest lifetime create may ask for (shorter is clamped up)."""
TTL_MAX_MINUTES = _int("TTL_MAX_MINUTES", 60)
"""The longest lifetime create may ask for (longer is clamped down)."""
EXECUTE_TIMEOUT_MS = _int("EXECUTE_TIMEOUT_MS", 600_000)
"""How long one agent run may take when execute does not say."""
EXECUTE_WAIT_READY_S = _float("EXECUTE_WAIT_READY_S", 300.0)
"""How long execute waits for a provisioning session to become ready."""
ACTOR_QUEUE_SIZE = _int("ACTOR_QUEUE_SIZE", 64)
"""Bound on a session actor's pending state changes; a full queue is a CONFLICT."""
ACTOR_CALL_TIMEOUT_S = _float("ACTOR_CALL_TIMEOUT_S", 30.0)
"""How long a caller waits for a session actor to apply one state change."""
SSE_HEARTBEAT_S = _float("SSE_HEARTBEAT_S", 15.0)
"""Interval between SSE heartbeat events."""
SSE_MAX_DURATION_S = _float("SSE_MAX_DURATION_S", 600.0)
"""An SSE stream closes after this long, asking the client to reconnect."""
POLL_PAGE_SIZE = _int("POLL_PAGE_SIZE", 1000)
"""Most log entries returned by one poll."""
LOG_LINE_MAX_CHARS = _int("LOG_LINE_MAX_CHARS", 8000)
"""Longer log lines are truncated."""
TERMINAL_TOKEN_TTL_S = _int("TERMINAL_TOKEN_TTL_S", 300)
"""How long a terminal token is valid after it was minted."""
AUTOCOMMIT_DEBOUNCE_S = _float("AUTOCOMMIT_DEBOUNCE_S", 5.0)
"""Quiet time after the last file change before the worker auto-commits."""
GIT_TIMEOUT_S = _float("GIT_TIMEOUT_S", 120.0)
"""Bound on one git command the worker runs (clone, fetch, push, …)."""
INSTALL_TIMEOUT_S = _float("INSTALL_TIMEOUT_S", 600.0)
"""Bound on the dependency install stage."""
STAGE_TIMEOUT_S = _float("STAGE_TIMEOUT_S", 120.0)
"""Bound on every other setup stage's command."""
FS_READ_MAX_BYTES = _int("FS_READ_MAX_BYTES", 2_000_000)
"""Largest file fs/read returns."""
REQUEST_MAX_BYTES = _int("REQUEST_MAX_BYTES", 10_000_000)
"""Largest request body the API accepts."""
RUNTIME = _str("RUNTIME", "bwrap")
"""The default runtime: bwrap, docker or kubernetes."""
LIMIT_MEMORY_BYTES = _int("LIMIT_MEMORY_BYTES", 4 * 1024**3)
"""Address-space limit (RLIMIT_AS) of every sandboxed process."""
LIMIT_CPU_SECONDS = _int("LIMIT_CPU_SECONDS", 3600)
"""CPU-time limit (RLIMIT_CPU) of every sandboxed process."""
LIMIT_FILE_BYTES = _int("LIMIT_FILE_BYTES", 1024**3)
"""Largest file a sandboxed process may write (RLIMIT_FSIZE)."""
LIMIT_OPEN_FILES = _int("LIMIT_OPEN_FILES", 4096)
"""Open-file limit (RLIMIT_NOFILE) of every sandboxed process."""
SANDBOX_UID = _int("UID", 65534)
"""Host uid the sandbox runs as when the worker is root (so it cannot read root's files)."""
EGRESS_ALLOW = _str(
    "EGRESS_ALLOW",
    "pypi.org,files.pythonhosted.org,registry.npmjs.org,registry.yarnpkg.com,"
    "deb.debian.org,github.com,codeload.github.com,objects.githubusercontent.com",
)
"""Comma-separated domains the egress proxy allows (plus each session's git remote host)."""
EGRESS_CONNECT_TIMEOUT_S = _float("EGRESS_CONNECT_TIMEOUT_S", 10.0)
"""Bound on the egress proxy's upstream connect."""
CALLBACK_TIMEOUT_S = _float("CALLBACK_TIMEOUT_S", 5.0)
"""Bound on one completion or hook callback POST to the backend."""
