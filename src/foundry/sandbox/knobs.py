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

# --- container runtimes (runtimes/docker.py, runtimes/kubernetes.py) -------------------------

CONTAINER_IMAGE = env_str("FOUNDRY_SANDBOX_CONTAINER_IMAGE", "python:3.12-slim")
"""Image of a docker or kubernetes sandbox when the policy names none (needs sh; tar for k8s)."""
CONTAINER_USER = env_str("FOUNDRY_SANDBOX_CONTAINER_USER", "")
"""uid:gid the sandbox runs as; empty means the worker's own (1000:1000 when it is root)."""
CONTAINER_CPUS = env_float("FOUNDRY_SANDBOX_CONTAINER_CPUS", 2.0)
"""CPU cores a docker container or kubernetes pod may use."""
CONTAINER_PIDS = env_int("FOUNDRY_SANDBOX_CONTAINER_PIDS", 512)
"""Most processes a docker container may run at once (kubernetes: set on the node)."""
CONTAINER_TMP_BYTES = env_int("FOUNDRY_SANDBOX_CONTAINER_TMP_BYTES", 512 * 1024**2)
"""Size of the writable /tmp of a container whose root filesystem is read-only."""
CONTAINER_KILL_GRACE_S = env_float("FOUNDRY_SANDBOX_CONTAINER_KILL_GRACE_S", 5.0)
"""How long a timed-out command's output is drained after its process group was killed."""
DOCKER_HOST = env_str("DOCKER_HOST", "unix:///var/run/docker.sock")
"""The Docker engine's address (only unix:// sockets are supported)."""
DOCKER_API_VERSION = env_str("FOUNDRY_SANDBOX_DOCKER_API_VERSION", "1.41")
"""Engine API version the docker runtime speaks (1.41 = Docker 20.10 and later)."""
DOCKER_EGRESS_PROXY = env_str("FOUNDRY_SANDBOX_DOCKER_EGRESS_PROXY", "")
"""An operator-run proxy URL on the sandbox network; empty means a per-session worker proxy."""
DOCKER_PULL_TIMEOUT_S = env_float("FOUNDRY_SANDBOX_DOCKER_PULL_TIMEOUT_S", 600.0)
"""Bound on pulling a missing image."""
K8S_API_URL = env_str("FOUNDRY_SANDBOX_K8S_API_URL", "https://kubernetes.default.svc")
"""The Kubernetes API server (default: in-cluster)."""
K8S_TOKEN_FILE = env_str(
    "FOUNDRY_SANDBOX_K8S_TOKEN_FILE", "/var/run/secrets/kubernetes.io/serviceaccount/token"
)
"""Bearer token file of the worker's service account (re-read on every start)."""
K8S_CA_FILE = env_str(
    "FOUNDRY_SANDBOX_K8S_CA_FILE", "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
)
"""CA bundle that verifies the API server."""
K8S_NAMESPACE = env_str("FOUNDRY_SANDBOX_K8S_NAMESPACE", "foundry-sandboxes")
"""Namespace of the sandbox pods and their NetworkPolicies."""
K8S_EGRESS_HOST = env_str("FOUNDRY_SANDBOX_K8S_EGRESS_HOST", "")
"""The worker's pod IP, where per-session egress proxies listen; needed when egress is allowed."""
K8S_POD_START_TIMEOUT_S = env_float("FOUNDRY_SANDBOX_K8S_POD_START_TIMEOUT_S", 180.0)
"""Bound on a sandbox pod becoming Running (scheduling and image pull included)."""
K8S_POD_DEADLINE_S = env_int("FOUNDRY_SANDBOX_K8S_POD_DEADLINE_S", 2 * 3600)
"""activeDeadlineSeconds of a pod, so a lost worker's pods still die."""
K8S_VOLUME_BYTES = env_int("FOUNDRY_SANDBOX_K8S_VOLUME_BYTES", 4 * 1024**3)
"""sizeLimit of the workspace emptyDir (home and /tmp get a quarter each)."""
K8S_SYNC_MAX_BYTES = env_int("FOUNDRY_SANDBOX_K8S_SYNC_MAX_BYTES", 2 * 1024**3)
"""Largest workspace archive copied back from a pod (a bigger one fails the command)."""
K8S_POLL_INTERVAL_S = env_float("FOUNDRY_SANDBOX_K8S_POLL_INTERVAL_S", 0.25)
"""Interval between pod status reads while waiting for it to start or go."""

# --- end of container runtimes' knobs ---------------------------------------------------------

# --- Gateway wiring, hook events, chat and the file watcher (sandbox-worker engineer) ---------

GATEWAY_HOST = env_str("FOUNDRY_SANDBOX_GATEWAY_HOST", "127.0.0.1")
"""Host address the worker's in-process model gateway listens on (loopback only)."""
GATEWAY_PORT = env_int("FOUNDRY_SANDBOX_GATEWAY_PORT", 0)
"""Port of the in-process model gateway; 0 picks a free one."""
GATEWAY_SANDBOX_NAME = env_str("FOUNDRY_SANDBOX_GATEWAY_NAME", "model-gateway.internal")
"""Host name sandboxes use for the gateway; only their egress proxy resolves it."""
GATEWAY_BUDGET_USD = env_float("FOUNDRY_SANDBOX_GATEWAY_BUDGET_USD", 5.0)
"""Model spend one session may make when create does not say (USD)."""
GATEWAY_MAX_TOKENS = env_int("FOUNDRY_SANDBOX_GATEWAY_MAX_TOKENS", 5_000_000)
"""Model tokens (input plus output) one session may use when create does not say."""
HOOK_RETRY_ATTEMPTS = env_int("FOUNDRY_SANDBOX_HOOK_RETRY_ATTEMPTS", 4)
"""Tries of one hook or completion POST before it is dropped (logged)."""
HOOK_RETRY_BASE_S = env_float("FOUNDRY_SANDBOX_HOOK_RETRY_BASE_S", 0.5)
"""First retry delay of a hook POST; doubles on each further try."""
HOOK_QUEUE_SIZE = env_int("FOUNDRY_SANDBOX_HOOK_QUEUE_SIZE", 1000)
"""Hook events one session may have waiting; past it the oldest are dropped."""
CHAT_HISTORY = env_int("FOUNDRY_SANDBOX_CHAT_HISTORY", 200)
"""Chat messages kept (with their delivery state) in a session's record."""
WATCH_STEP_MS = env_int("FOUNDRY_SANDBOX_WATCH_STEP_MS", 50)
"""Quiet time after which the file watcher reports a batch of workspace changes."""
