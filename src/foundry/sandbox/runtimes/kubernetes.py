"""The kubernetes runtime: one pod per session, its workspace copied in and synced on request.

Client (`kubeapi.py`): httpx for the REST calls and `websockets` for pods/exec, both
dependencies, against the documented API. The official `kubernetes` client is synchronous and
its exec goes through a websocket-client thread; `kubernetes_asyncio` and lightkube bring large
generated models and neither speaks the v5 channel protocol (lightkube has no exec at all). We
make five REST calls and one WebSocket, so the channel framing, exit-status parsing and resize
are our own code, which the tests run end to end against a fake API server.

Policy: the pod runs the policy's image with `runtimeClassName` from the policy (gVisor, Kata),
no service-account token, no service links, `runAsNonRoot` with a fixed uid, every capability
dropped, `allowPrivilegeEscalation: false`, a read-only root filesystem, the RuntimeDefault
seccomp profile, CPU and memory limits, size-limited emptyDirs for /workspace, /home/sandbox and
/tmp, and `activeDeadlineSeconds` so a lost worker's pods still die.

Egress: a per-session NetworkPolicy denies all ingress and all egress (DNS included), except,
when the allowlist is not empty, TCP to the worker's own address (`FOUNDRY_SANDBOX_K8S_EGRESS_HOST`,
its pod IP) on the port of a relay to the session's allowlisting egress proxy; HTTP(S)_PROXY point
there. The cluster's CNI must enforce NetworkPolicy (Calico, Cilium; not kindnet or flannel).

Workspace: the worker's git, editor API and watcher work on the host's copy, so the pod's
emptyDirs are populated with tar over exec at start (the wrapper reads exactly the archive's
size, which also works on channel protocol v4 where stdin cannot be half-closed). From then on
the worker keeps the two in step through the seam's hooks (`treesync`): `sync_to_sandbox` sends
only what changed on the host since the last sync (and deletes what the host deleted), so it
never overwrites the pod's other changes; `sync_from_sandbox` does that, then copies the pod's
/workspace and /home/sandbox back when anything in them changed, deletions included, through the
`data` tar filter and a size cap. Commands do not copy anything back themselves; before each one
the host's pending changes are sent. Read-only binds (the git dir) are sent, never read back.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import tarfile
import tempfile
import time
from pathlib import Path
from typing import IO, Any

import httpx
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import WebSocketException

from foundry.sandbox import knobs
from foundry.sandbox.egress import EgressProxy
from foundry.sandbox.runner_protocol import ExecResult
from foundry.sandbox.runtimes.base import HOME, WORKDIR, Pty, SandboxSpec, resolve_cwd
from foundry.sandbox.runtimes.container import (
    INTERACTIVE_SHELL,
    KEEPALIVE,
    LABEL,
    ContainerRuntimeError,
    ProxyRelay,
    container_user,
    kill_exec,
    needs_egress,
    new_token,
    resource_name,
    sandbox_env,
    session_proxy,
    wrap_exec,
)
from foundry.sandbox.runtimes.kubeapi import (
    CONTAINER,
    RESIZE,
    STDIN,
    KubeApi,
    RawExec,
    stream_exec,
)
from foundry.sandbox.runtimes.treesync import (
    Delta,
    Snapshot,
    delta,
    mirror_archive,
    snapshot,
    write_archive,
)

_PUSH = 'cd -- "$1" && find . -mindepth 1 -delete && head -c "$0" | tar -x -f -'
_EXTRACT = 'cd -- "$1" && head -c "$0" | tar -x -f -'
_REMOVE = 'cd -- "$0" && rm -rf -- "$@"'
_REMOVE_BATCH = 500  # paths per rm, well under the exec argument limits
_CHANGED = "find /workspace /home/sandbox -newer /tmp/.foundry-synced 2>/dev/null | head -n 1"
_MARK = "touch /tmp/.foundry-synced"


class KubernetesBackend:
    """Creates one pod per session in `namespace`."""

    name = "kubernetes"

    def __init__(
        self,
        *,
        api_url: str | None = None,
        token: str | None = None,
        ca_file: str | None = None,
        namespace: str | None = None,
        egress_host: str | None = None,
        allow_private: tuple[str, ...] = (),
    ) -> None:
        self.api_url = api_url or knobs.K8S_API_URL
        self.token = token
        self.ca_file = ca_file if ca_file is not None else knobs.K8S_CA_FILE
        self.namespace = namespace or knobs.K8S_NAMESPACE
        self.egress_host = egress_host if egress_host is not None else knobs.K8S_EGRESS_HOST
        self.allow_private = allow_private

    async def start(self, spec: SandboxSpec) -> KubernetesRuntime:
        """Create the session's pod, wait until it runs and copy the workspace in."""
        token = self.token or Path(knobs.K8S_TOKEN_FILE).read_text().strip()
        ca = self.ca_file if self.ca_file and Path(self.ca_file).exists() else None
        api = KubeApi(self.api_url, token, ca, self.namespace)
        runtime = KubernetesRuntime(spec, api, self.egress_host, self.allow_private)
        try:
            await runtime.start()
        except BaseException:
            await runtime.close()
            raise
        return runtime


class KubernetesRuntime:
    """One session's pod; commands go through pods/exec."""

    workdir = WORKDIR
    copies_workspace = True

    def __init__(
        self, spec: SandboxSpec, api: KubeApi, egress_host: str, allow_private: tuple[str, ...]
    ) -> None:
        self.spec = spec
        self.api = api
        self.name = resource_name(spec.session_id)
        self.egress_host = egress_host
        self.proxy: EgressProxy | None = None
        self.relay: ProxyRelay | None = None
        self._allow_private = allow_private
        self._created = False
        self._synced: dict[Path, Snapshot] = {}  # each pushed host root as of the last sync
        self._sync_lock = asyncio.Lock()

    async def start(self) -> None:
        """NetworkPolicy, pod, wait for Running, then copy the session's files in."""
        uid, gid = container_user()
        await self._delete_pod(wait=True)
        await self.api.call("DELETE", self.api.path("networkpolicies", self.name), missing_ok=True)
        proxy_url = await self._egress() if needs_egress(self.spec.policy) else None
        await self.api.call("POST", self.api.path("networkpolicies"), self.network_policy())
        await self.api.call("POST", self.api.path("pods"), self.pod_manifest(uid, gid, proxy_url))
        self._created = True
        await self._wait_running()
        await self._push()

    async def _egress(self) -> str:
        if not self.egress_host:
            raise ContainerRuntimeError(
                "egress is allowed but FOUNDRY_SANDBOX_K8S_EGRESS_HOST (the worker's pod IP) "
                "is not set, so the sandbox would have no way to the egress proxy"
            )
        self.proxy = session_proxy(self.spec.policy, self._allow_private)
        await self.proxy.start()
        self.relay = ProxyRelay(self.egress_host, self.proxy.port)
        await self.relay.start()
        return f"http://{self.egress_host}:{self.relay.port}"

    def _labels(self) -> dict[str, str]:
        return {LABEL: self.name, "app.kubernetes.io/managed-by": "foundry"}

    def network_policy(self) -> dict[str, Any]:
        """Deny all ingress and egress but, when egress is allowed, the worker's relay port."""
        egress: list[dict[str, Any]] = []
        if self.relay is not None:
            egress.append(
                {
                    "to": [{"ipBlock": {"cidr": f"{self.egress_host}/32"}}],
                    "ports": [{"protocol": "TCP", "port": self.relay.port}],
                }
            )
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": self.name, "labels": self._labels()},
            "spec": {
                "podSelector": {"matchLabels": {LABEL: self.name}},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [],
                "egress": egress,
            },
        }

    def pod_manifest(self, uid: int, gid: int, proxy_url: str | None) -> dict[str, Any]:
        """The pod: the image plus the whole policy."""
        policy = self.spec.policy
        size = knobs.K8S_VOLUME_BYTES
        volumes: list[dict[str, Any]] = [
            {"name": "workspace", "emptyDir": {"sizeLimit": str(size)}},
            {"name": "home", "emptyDir": {"sizeLimit": str(size // 4)}},
            {"name": "tmp", "emptyDir": {"sizeLimit": str(knobs.CONTAINER_TMP_BYTES)}},
        ]
        mounts = [
            {"name": "workspace", "mountPath": WORKDIR},
            {"name": "home", "mountPath": HOME},
            {"name": "tmp", "mountPath": "/tmp"},
        ]
        for i, (_, target) in enumerate(self.spec.ro_binds):
            volumes.append({"name": f"ro{i}", "emptyDir": {"sizeLimit": str(size // 4)}})
            mounts.append({"name": f"ro{i}", "mountPath": target})
        env = sandbox_env(self.spec, proxy_url)
        pod_spec: dict[str, Any] = {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "hostNetwork": False,
            "hostPID": False,
            "hostIPC": False,
            "terminationGracePeriodSeconds": 1,
            "activeDeadlineSeconds": knobs.K8S_POD_DEADLINE_S,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": uid,
                "runAsGroup": gid,
                "fsGroup": gid,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": CONTAINER,
                    "image": policy.image or knobs.CONTAINER_IMAGE,
                    "command": ["/bin/sh", "-c", KEEPALIVE],
                    "workingDir": WORKDIR,
                    "env": [{"name": k, "value": v} for k, v in env.items()],
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": uid,
                        "allowPrivilegeEscalation": False,
                        "privileged": False,
                        "readOnlyRootFilesystem": True,
                        "capabilities": {"drop": ["ALL"]},
                    },
                    "resources": {
                        "limits": {
                            "cpu": str(knobs.CONTAINER_CPUS),
                            "memory": str(policy.memory_bytes),
                        },
                        "requests": {
                            "cpu": "100m",
                            "memory": str(min(policy.memory_bytes, 256 * 1024**2)),
                        },
                    },
                    "volumeMounts": mounts,
                }
            ],
            "volumes": volumes,
        }
        if policy.runtime_class:
            pod_spec["runtimeClassName"] = policy.runtime_class
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": self.name, "labels": self._labels()},
            "spec": pod_spec,
        }

    async def _wait_running(self) -> None:
        deadline = time.monotonic() + knobs.K8S_POD_START_TIMEOUT_S
        while True:
            pod = await self.api.call("GET", self.api.path("pods", self.name))
            status = pod.get("status") or {}
            phase = status.get("phase")
            if phase == "Running" and all(
                c.get("ready") for c in status.get("containerStatuses") or [{}]
            ):
                return
            if phase in ("Failed", "Succeeded"):
                raise ContainerRuntimeError(
                    f"sandbox pod {self.name} is {phase}: {status.get('message', '')}"
                )
            for container in status.get("containerStatuses") or []:
                waiting = (container.get("state") or {}).get("waiting") or {}
                if waiting.get("reason") in (
                    "ErrImagePull",
                    "ImagePullBackOff",
                    "InvalidImageName",
                    "CreateContainerConfigError",
                ):
                    raise ContainerRuntimeError(
                        f"sandbox pod {self.name}: {waiting['reason']}: "
                        f"{waiting.get('message', '')}"
                    )
            if time.monotonic() > deadline:
                raise ContainerRuntimeError(
                    f"sandbox pod {self.name} still {phase} "
                    f"after {knobs.K8S_POD_START_TIMEOUT_S:g}s"
                )
            await asyncio.sleep(knobs.K8S_POLL_INTERVAL_S)

    async def _delete_pod(self, *, wait: bool) -> None:
        path = self.api.path("pods", self.name)
        gone = (
            await self.api.call("DELETE", path, {"gracePeriodSeconds": 0}, missing_ok=True) is None
        )
        deadline = time.monotonic() + knobs.K8S_POD_START_TIMEOUT_S
        while wait and not gone and time.monotonic() < deadline:
            gone = await self.api.call("GET", path, missing_ok=True) is None
            if not gone:
                await asyncio.sleep(knobs.K8S_POLL_INTERVAL_S)

    async def _run(
        self,
        argv: list[str],
        timeout: float,
        *,
        stdin: IO[bytes] | None = None,
        token: str | None = None,
    ) -> RawExec:
        started = time.monotonic()
        raw = RawExec()
        async with self.api.exec_connect(self.name, argv, tty=False) as ws:
            task = asyncio.ensure_future(stream_exec(ws, stdin, raw.out, raw.err))
            try:
                raw.code, raw.problem = await asyncio.wait_for(asyncio.shield(task), timeout)
            except asyncio.CancelledError:
                task.cancel()
                raise
            except TimeoutError:
                raw.timed_out, raw.code = True, -1
                raw.problem = f"command timed out after {timeout:g}s"
                if token is not None:
                    await self._run(kill_exec(token), knobs.CONTAINER_KILL_GRACE_S)
                with contextlib.suppress(TimeoutError, ContainerRuntimeError):
                    await asyncio.wait_for(task, knobs.CONTAINER_KILL_GRACE_S)
                task.cancel()
        raw.duration_ms = (time.monotonic() - started) * 1000
        return raw

    async def _exec(self, argv: list[str], timeout: float, token: str | None = None) -> ExecResult:
        raw = await self._run(argv, timeout, token=token)
        return ExecResult(
            exit_code=raw.code,
            stdout=raw.out.decode("utf-8", "replace"),
            stderr=raw.err.decode("utf-8", "replace") + (f"\n{raw.problem}" if raw.problem else ""),
            timed_out=raw.timed_out,
            duration_ms=raw.duration_ms,
        )

    async def execute(
        self, command: str | list[str], cwd: str | None = None, timeout: float = 60.0
    ) -> ExecResult:
        """Run the command through pods/exec after sending the host's pending changes."""
        argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
        token = new_token()
        async with self._sync_lock:
            await self._push_changes()
        return await self._exec(wrap_exec(token, resolve_cwd(cwd), argv), timeout, token)

    async def sync_to_sandbox(self) -> None:
        """Send what changed on the host since the last sync into the pod."""
        async with self._sync_lock:
            await self._push_changes()

    async def sync_from_sandbox(self) -> None:
        """Send the host's pending changes, then copy the pod's workspace and home back if
        anything in them changed (the host's edit wins for a file changed on both sides)."""
        async with self._sync_lock:
            await self._push_changes()
            await self._pull()

    def _roots(self) -> list[tuple[Path, str]]:
        return [(self.spec.workspace, WORKDIR), (self.spec.home, HOME)]

    async def _push(self) -> None:
        """Replace the pod's copy of every root with the host's (at start)."""
        for host, target in [*self._roots(), *self.spec.ro_binds]:
            with tempfile.TemporaryFile() as archive:
                with tarfile.open(fileobj=archive, mode="w") as tar:
                    tar.add(host, arcname=".")
                await self._send(archive, [_PUSH], target)
            self._synced[host] = snapshot(host)
        await self._exec(["/bin/sh", "-c", _MARK], knobs.STAGE_TIMEOUT_S)

    async def _push_changes(self) -> None:
        for host, target in [*self._roots(), *self.spec.ro_binds]:
            now = snapshot(host)
            change = delta(self._synced.get(host, {}), now)
            if change:
                await self._patch(host, target, change)
            self._synced[host] = now

    async def _patch(self, host: Path, target: str, change: Delta) -> None:
        for i in range(0, len(change.remove), _REMOVE_BATCH):
            batch = [f"./{path}" for path in change.remove[i : i + _REMOVE_BATCH]]
            raw = await self._run(["/bin/sh", "-c", _REMOVE, target, *batch], knobs.STAGE_TIMEOUT_S)
            if raw.code != 0:
                raise ContainerRuntimeError(
                    f"deleting in the pod's {target} failed: {raw.message()}"
                )
        if change.send:
            with tempfile.TemporaryFile() as archive:
                write_archive(host, change.send, archive)
                await self._send(archive, [_EXTRACT], target)

    async def _send(self, archive: IO[bytes], script: list[str], target: str) -> None:
        size = archive.tell()
        archive.seek(0)
        argv = ["/bin/sh", "-c", *script, str(size), target]
        raw = await self._run(argv, knobs.INSTALL_TIMEOUT_S, stdin=archive)
        if raw.code != 0:
            raise ContainerRuntimeError(f"copying {target} into the pod failed: {raw.message()}")

    async def _pull(self) -> None:
        changed = await self._exec(["/bin/sh", "-c", _CHANGED], knobs.STAGE_TIMEOUT_S)
        if changed.ok and not changed.stdout.strip():
            return
        await self._exec(["/bin/sh", "-c", _MARK], knobs.STAGE_TIMEOUT_S)
        for host, target in self._roots():
            tar = ["tar", "-c", "-f", "-", "-C", target, "."]
            raw = await self._run(tar, knobs.INSTALL_TIMEOUT_S)
            if raw.code != 0:
                raise ContainerRuntimeError(
                    f"copying {target} out of the pod failed: {raw.message()}"
                )
            mirror_archive(io.BytesIO(raw.out), host)
            self._synced[host] = snapshot(host)

    async def open_pty(self, cols: int, rows: int) -> Pty:
        """An interactive shell on a TTY exec; resizes go on channel 4."""
        async with self._sync_lock:
            await self._push_changes()
        token = new_token()
        cm = self.api.exec_connect(
            self.name, wrap_exec(token, WORKDIR, INTERACTIVE_SHELL), tty=True
        )
        ws = await cm.__aenter__()
        pty = KubePty(self, cm, ws, token)
        pty.resize(cols, rows)
        return pty

    async def kill(self, token: str) -> None:
        """Kill the process group of the wrapped command `token`."""
        await self._exec(kill_exec(token), knobs.CONTAINER_KILL_GRACE_S)

    async def close(self) -> None:
        """Delete the pod (and with it everything running) and its NetworkPolicy."""
        with contextlib.suppress(ContainerRuntimeError, httpx.HTTPError):
            if self._created:
                await self._delete_pod(wait=False)
                self._created = False
            await self.api.call(
                "DELETE", self.api.path("networkpolicies", self.name), missing_ok=True
            )
        if self.relay is not None:
            await self.relay.close()
            self.relay = None
        if self.proxy is not None:
            await self.proxy.close()
            self.proxy = None
        await self.api.aclose()


class KubePty:
    """A TTY exec: keystrokes on channel 0, output on 1, window size on 4."""

    def __init__(
        self, runtime: KubernetesRuntime, cm: Any, ws: ClientConnection, token: str
    ) -> None:
        self.runtime = runtime
        self.token = token
        self._cm = cm
        self._ws = ws
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._tasks: set[asyncio.Future[None]] = set()
        self._pump = asyncio.ensure_future(self._read_all())
        self._closed = False

    async def _read_all(self) -> None:
        try:
            async for message in self._ws:
                if isinstance(message, bytes) and len(message) > 1 and message[0] in (1, 2):
                    self._queue.put_nowait(message[1:])
        except WebSocketException:
            pass
        finally:
            self._queue.put_nowait(b"")

    async def read(self) -> bytes:
        """The next output bytes; b"" once the shell has exited."""
        if self._closed:
            return b""
        return await self._queue.get()

    async def write(self, data: bytes) -> None:
        """Send keystrokes to the shell."""
        if not self._closed:
            await self._ws.send(bytes([STDIN]) + data)

    def resize(self, cols: int, rows: int) -> None:
        """Set the terminal size (sent in the background)."""
        size = json.dumps({"Width": cols, "Height": rows}).encode()
        task = asyncio.ensure_future(self._ws.send(bytes([RESIZE]) + size))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Kill the shell's process group and close the stream (its edits reach the host at
        the worker's next `sync_from_sandbox`)."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(ContainerRuntimeError, WebSocketException, OSError):
            await self.runtime.kill(self.token)
        with contextlib.suppress(Exception):
            await self._cm.__aexit__(None, None, None)
        self._pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._pump
        self._queue.put_nowait(b"")
