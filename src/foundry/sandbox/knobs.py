"""Every tunable of the sandbox worker: env-overridable defaults (`FOUNDRY_SANDBOX_<NAME>`)."""

from __future__ import annotations

from foundry.env import env_float, env_int, env_str

TTL_DEFAULT_MINUTES = env_int("FOUNDRY_SANDBOX_TTL_DEFAULT_MINUTES", 15)
"""A session's lifetime when create does not say."""
TTL_MIN_MINUTES = env_int("FOUNDRY_SANDBOX_TTL_MIN_MINUTES", 5)
"""The shortest lifetime create may ask for (shorter is clamped up)."""
TTL_MAX_MINUTES = env_int("FOUNDRY_SANDBOX_TTL_MAX_MINUTES", 60)
"""The longest lifetime create may ask for (longer is clamped down)."""
EXECUTE_TIMEOUT_MS = env_int("FOUNDRY_SANDBOX_EXECUTE_TIMEOUT_MS", 600_000)
"""How long one agent run may take when execute does not say."""
EXECUTE_WAIT_READY_S = env_float("FOUNDRY_SANDBOX_EXECUTE_WAIT_READY_S", 300.0)
"""How long execute waits for a provisioning session to become ready."""
ACTOR_QUEUE_SIZE = env_int("FOUNDRY_SANDBOX_ACTOR_QUEUE_SIZE", 64)
"""Bound on a session actor's pending state changes; a full queue is a CONFLICT."""
ACTOR_CALL_TIMEOUT_S = env_float("FOUNDRY_SANDBOX_ACTOR_CALL_TIMEOUT_S", 30.0)
"""How long a caller waits for a session actor to apply one state change."""
SSE_HEARTBEAT_S = env_float("FOUNDRY_SANDBOX_SSE_HEARTBEAT_S", 15.0)
"""Interval between SSE heartbeat events."""
SSE_MAX_DURATION_S = env_float("FOUNDRY_SANDBOX_SSE_MAX_DURATION_S", 600.0)
"""An SSE stream closes after this long, asking the client to reconnect."""
POLL_PAGE_SIZE = env_int("FOUNDRY_SANDBOX_POLL_PAGE_SIZE", 1000)
"""Most log entries returned by one poll."""
LOG_LINE_MAX_CHARS = env_int("FOUNDRY_SANDBOX_LOG_LINE_MAX_CHARS", 8000)
"""Longer log lines are truncated."""
TERMINAL_TOKEN_TTL_S = env_int("FOUNDRY_SANDBOX_TERMINAL_TOKEN_TTL_S", 300)
"""How long a terminal token is valid after it was minted."""
AUTOCOMMIT_DEBOUNCE_S = env_float("FOUNDRY_SANDBOX_AUTOCOMMIT_DEBOUNCE_S", 5.0)
"""Quiet time after the last file change before the worker auto-commits."""
GIT_TIMEOUT_S = env_float("FOUNDRY_SANDBOX_GIT_TIMEOUT_S", 120.0)
"""Bound on one git command the worker runs (clone, fetch, push, …)."""
INSTALL_TIMEOUT_S = env_float("FOUNDRY_SANDBOX_INSTALL_TIMEOUT_S", 600.0)
"""Bound on the dependency install stage."""
STAGE_TIMEOUT_S = env_float("FOUNDRY_SANDBOX_STAGE_TIMEOUT_S", 120.0)
"""Bound on every other setup stage's command."""
FS_READ_MAX_BYTES = env_int("FOUNDRY_SANDBOX_FS_READ_MAX_BYTES", 2_000_000)
"""Largest file fs/read returns."""
REQUEST_MAX_BYTES = env_int("FOUNDRY_SANDBOX_REQUEST_MAX_BYTES", 10_000_000)
"""Largest request body the API accepts."""
RUNTIME = env_str("FOUNDRY_SANDBOX_RUNTIME", "bwrap")
"""The default runtime: bwrap, docker or kubernetes."""
LIMIT_MEMORY_BYTES = env_int("FOUNDRY_SANDBOX_LIMIT_MEMORY_BYTES", 4 * 1024**3)
"""Address-space limit (RLIMIT_AS) of every sandboxed process."""
LIMIT_CPU_SECONDS = env_int("FOUNDRY_SANDBOX_LIMIT_CPU_SECONDS", 3600)
"""CPU-time limit (RLIMIT_CPU) of every sandboxed process."""
LIMIT_FILE_BYTES = env_int("FOUNDRY_SANDBOX_LIMIT_FILE_BYTES", 1024**3)
"""Largest file a sandboxed process may write (RLIMIT_FSIZE)."""
LIMIT_OPEN_FILES = env_int("FOUNDRY_SANDBOX_LIMIT_OPEN_FILES", 4096)
"""Open-file limit (RLIMIT_NOFILE) of every sandboxed process."""
SANDBOX_UID = env_int("FOUNDRY_SANDBOX_UID", 65534)
"""Host uid the sandbox runs as when the worker is root (so it cannot read root's files)."""
EGRESS_ALLOW = env_str(
    "FOUNDRY_SANDBOX_EGRESS_ALLOW",
    "pypi.org,files.pythonhosted.org,registry.npmjs.org,registry.yarnpkg.com,"
    "deb.debian.org,github.com,codeload.github.com,objects.githubusercontent.com",
)
"""Comma-separated domains the egress proxy allows (plus each session's git remote host)."""
EGRESS_CONNECT_TIMEOUT_S = env_float("FOUNDRY_SANDBOX_EGRESS_CONNECT_TIMEOUT_S", 10.0)
"""Bound on the egress proxy's upstream connect."""
CALLBACK_TIMEOUT_S = env_float("FOUNDRY_SANDBOX_CALLBACK_TIMEOUT_S", 5.0)
"""Bound on one completion or hook callback POST to the backend."""
