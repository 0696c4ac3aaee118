"""The docker runtime: one container per session on a Docker engine on the worker's host.

Client: the Engine API over httpx's unix-socket transport. httpx is already a dependency;
docker-py is synchronous (every call would block the event loop or need a thread) and aiodocker
brings aiohttp. We make ten documented calls, and httpx hands over the hijacked connection of a
101 Upgrade (`response.extensions["network_stream"]`), so the exec stream's demultiplexing and
the interactive terminal are our own code, which the tests run end to end against a fake engine.

Policy: the container runs the policy's image (`FOUNDRY_SANDBOX_CONTAINER_IMAGE` by default,
pulled when missing) as a non-root uid with every capability dropped, `no-new-privileges`, a
read-only root filesystem, a size-limited tmpfs `/tmp`, `/workspace` and `/home/sandbox` bound
read-write from the session's host directories, the git dir bound read-only, and memory (no
extra swap), CPU, PID and rlimit (CPU time, file size, open files) limits; an init reaps zombies.

Egress: none (`NetworkMode: none`) when the allowlist is empty. Otherwise the container joins its
own `Internal` bridge network, which Docker gives no route out, and the worker listens on that
bridge's gateway address with a relay to the session's allowlisting egress proxy; HTTP(S)_PROXY
point there. The host must not expose other services on the bridge address (docs/sandbox-runtimes.md
gives the firewall rule). `FOUNDRY_SANDBOX_DOCKER_EGRESS_PROXY` names an operator-run proxy on
the sandbox network instead.

Commands run through `docker exec` with a small wrapper that records the command's process id
(runc makes each exec a session leader), so a timeout kills the whole process group.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from typing import Any

import httpx

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
    chown_tree,
    container_user,
    kill_exec,
    needs_egress,
    new_token,
    resource_name,
    sandbox_env,
    session_proxy,
    wrap_exec,
)


class StreamDemux:
    """Splits Docker's multiplexed stream (8-byte header: stream, 0, 0, 0, size) into frames."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """Append `data`; return every complete (stream, payload) frame, 1 stdout, 2 stderr."""
        self._buffer += data
        frames: list[tuple[int, bytes]] = []
        while len(self._buffer) >= 8:
            size = int.from_bytes(self._buffer[4:8], "big")
            if len(self._buffer) < 8 + size:
                break
            frames.append((self._buffer[0], bytes(self._buffer[8 : 8 + size])))
            del self._buffer[: 8 + size]
        return frames


class Engine:
    """The Docker Engine API calls the runtime makes, over a unix socket."""

    def __init__(self, docker_host: str = knobs.DOCKER_HOST) -> None:
        if not docker_host.startswith("unix://"):
            raise ContainerRuntimeError(f"only unix:// Docker hosts are supported: {docker_host}")
        transport = httpx.AsyncHTTPTransport(uds=docker_host[len("unix://") :])
        self.client = httpx.AsyncClient(
            transport=transport,
            base_url=f"http://docker/v{knobs.DOCKER_API_VERSION}",
            timeout=httpx.Timeout(30.0, read=None),
        )

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        missing_ok: bool = False,
    ) -> Any:
        """One request; a 4xx/5xx raises `ContainerRuntimeError` (a 404 is None if `missing_ok`)."""
        response = await self.client.request(method, path, json=json, params=params)
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code >= 400:
            raise ContainerRuntimeError(f"docker {method} {path}: {_message(response)}")
        if response.content and response.headers.get("content-type", "").startswith(
            "application/json"
        ):
            return response.json()
        return None

    async def pull(self, image: str) -> None:
        """Pull `image`; the engine reports failures inside a 200 stream of JSON lines."""
        async with self.client.stream(
            "POST", "/images/create", params={"fromImage": image}
        ) as response:
            if response.status_code >= 400:
                await response.aread()
                raise ContainerRuntimeError(f"docker pull {image}: {_message(response)}")
            async for line in response.aiter_lines():
                if '"error"' in line:
                    raise ContainerRuntimeError(f"docker pull {image}: {line.strip()}")

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()


def _message(response: httpx.Response) -> str:
    with contextlib.suppress(ValueError):
        body = response.json()
        if isinstance(body, dict) and "message" in body:
            return f"{response.status_code} {body['message']}"
    return f"{response.status_code} {response.text[:200]}"


class DockerBackend:
    """Creates one container per session on the engine at `docker_host`."""

    name = "docker"

    def __init__(
        self, *, docker_host: str | None = None, allow_private: tuple[str, ...] = ()
    ) -> None:
        self.docker_host = docker_host or knobs.DOCKER_HOST
        self.allow_private = allow_private

    async def start(self, spec: SandboxSpec) -> DockerRuntime:
        """Create and start the session's container (replacing a stale one of the same name)."""
        runtime = DockerRuntime(spec, Engine(self.docker_host), self.allow_private)
        try:
            await runtime.start()
        except BaseException:
            await runtime.close()
            raise
        return runtime


class DockerRuntime:
    """One session's container; commands are `docker exec`s in it."""

    workdir = WORKDIR
    copies_workspace = False

    def __init__(self, spec: SandboxSpec, engine: Engine, allow_private: tuple[str, ...]) -> None:
        self.spec = spec
        self.engine = engine
        self.name = resource_name(spec.session_id)
        self.container_id: str | None = None
        self.network_id: str | None = None
        self.proxy: EgressProxy | None = None
        self.relay: ProxyRelay | None = None
        self._allow_private = allow_private

    async def start(self) -> None:
        """Set up the network and egress path, then create and start the container."""
        uid, gid = container_user()
        if os.geteuid() == 0 and uid != 0:
            for path in (self.spec.workspace, self.spec.home):
                chown_tree(path, uid, gid)
        await self.engine.call(
            "DELETE", f"/containers/{self.name}", params={"force": "true"}, missing_ok=True
        )
        await self.engine.call("DELETE", f"/networks/{self.name}", missing_ok=True)
        proxy_url = await self._egress() if needs_egress(self.spec.policy) else None
        body = self.container_body(f"{uid}:{gid}", proxy_url)
        params = {"name": self.name}
        try:
            created = await self.engine.call("POST", "/containers/create", json=body, params=params)
        except ContainerRuntimeError as error:
            if "No such image" not in str(error):
                raise
            await asyncio.wait_for(self.engine.pull(body["Image"]), knobs.DOCKER_PULL_TIMEOUT_S)
            created = await self.engine.call("POST", "/containers/create", json=body, params=params)
        self.container_id = created["Id"]
        await self.engine.call("POST", f"/containers/{self.container_id}/start")

    async def _egress(self) -> str:
        created = await self.engine.call(
            "POST",
            "/networks/create",
            json={
                "Name": self.name,
                "Driver": "bridge",
                "Internal": True,  # no route out: the proxy below is the only way
                "CheckDuplicate": True,
                "Labels": {LABEL: self.spec.session_id},
            },
        )
        self.network_id = created["Id"]
        if knobs.DOCKER_EGRESS_PROXY:
            return knobs.DOCKER_EGRESS_PROXY
        network = await self.engine.call("GET", f"/networks/{self.network_id}")
        gateway = network["IPAM"]["Config"][0]["Gateway"]
        self.proxy = session_proxy(self.spec.policy, self._allow_private)
        await self.proxy.start()
        self.relay = ProxyRelay(gateway, self.proxy.port)
        await self.relay.start()
        return f"http://{gateway}:{self.relay.port}"

    def container_body(self, user: str, proxy_url: str | None) -> dict[str, Any]:
        """The `containers/create` request: the image plus the whole policy."""
        policy = self.spec.policy
        mounts: list[dict[str, Any]] = [
            {"Type": "bind", "Source": str(self.spec.workspace), "Target": WORKDIR},
            {"Type": "bind", "Source": str(self.spec.home), "Target": HOME},
        ]
        for host, target in self.spec.ro_binds:
            mounts.append({"Type": "bind", "Source": str(host), "Target": target, "ReadOnly": True})
        env = sandbox_env(self.spec, proxy_url)
        return {
            "Image": policy.image or knobs.CONTAINER_IMAGE,
            "Entrypoint": ["/bin/sh", "-c", KEEPALIVE],
            "Cmd": [],
            "User": user,
            "WorkingDir": WORKDIR,
            "Hostname": "sandbox",
            "Env": [f"{key}={value}" for key, value in env.items()],
            "Labels": {LABEL: self.spec.session_id},
            "HostConfig": {
                "Mounts": mounts,
                "Tmpfs": {"/tmp": f"rw,nosuid,nodev,size={knobs.CONTAINER_TMP_BYTES}"},
                "ReadonlyRootfs": True,
                "CapDrop": ["ALL"],
                "SecurityOpt": ["no-new-privileges:true"],
                "Privileged": False,
                "Init": True,
                "IpcMode": "private",
                "NetworkMode": self.name if proxy_url else "none",
                "PidsLimit": knobs.CONTAINER_PIDS,
                "Memory": policy.memory_bytes,
                "MemorySwap": policy.memory_bytes,  # equal to Memory: no swap on top
                "NanoCpus": int(knobs.CONTAINER_CPUS * 1e9),
                "Ulimits": [
                    {"Name": "cpu", "Soft": policy.cpu_seconds, "Hard": policy.cpu_seconds},
                    {"Name": "fsize", "Soft": policy.file_bytes, "Hard": policy.file_bytes},
                    {"Name": "nofile", "Soft": policy.open_files, "Hard": policy.open_files},
                ],
                "RestartPolicy": {"Name": "no"},
            },
        }

    async def _create_exec(self, argv: list[str], *, tty: bool) -> str:
        body = {
            "AttachStdin": tty,
            "AttachStdout": True,
            "AttachStderr": True,
            "Tty": tty,
            "Cmd": argv,
            "Env": ["TERM=xterm-256color" if tty else "TERM=dumb"],
        }
        created = await self.engine.call("POST", f"/containers/{self.container_id}/exec", json=body)
        exec_id: str = created["Id"]
        return exec_id

    async def _run(self, argv: list[str], timeout: float, token: str | None) -> ExecResult:
        started = time.monotonic()
        exec_id = await self._create_exec(argv, tty=False)
        out, err = bytearray(), bytearray()
        timed_out = False
        async with self.engine.client.stream(
            "POST", f"/exec/{exec_id}/start", json={"Detach": False, "Tty": False}
        ) as response:
            if response.status_code >= 400:
                await response.aread()
                raise ContainerRuntimeError(f"docker exec start: {_message(response)}")

            async def pump() -> None:
                demux = StreamDemux()
                async for chunk in response.aiter_raw():
                    for stream, payload in demux.feed(chunk):
                        (err if stream == 2 else out).extend(payload)

            task = asyncio.ensure_future(pump())
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout)
            except asyncio.CancelledError:
                task.cancel()
                raise
            except TimeoutError:
                timed_out = True
                if token is not None:
                    await self._run(kill_exec(token), knobs.CONTAINER_KILL_GRACE_S, None)
                try:
                    await asyncio.wait_for(task, knobs.CONTAINER_KILL_GRACE_S)
                except (TimeoutError, httpx.HTTPError):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                        await task
        exit_code = -1 if timed_out else await self._exit_code(exec_id)
        return ExecResult(
            exit_code=exit_code,
            stdout=out.decode("utf-8", "replace"),
            stderr=err.decode("utf-8", "replace")
            + (f"\ncommand timed out after {timeout:g}s" if timed_out else ""),
            timed_out=timed_out,
            duration_ms=(time.monotonic() - started) * 1000,
        )

    async def _exit_code(self, exec_id: str) -> int:
        for _ in range(50):  # the stream can end a moment before the engine records the exit
            info = await self.engine.call("GET", f"/exec/{exec_id}/json")
            if not info.get("Running") and info.get("ExitCode") is not None:
                return int(info["ExitCode"])
            await asyncio.sleep(0.02)
        return -1

    async def execute(
        self, command: str | list[str], cwd: str | None = None, timeout: float = 60.0
    ) -> ExecResult:
        """`docker exec` the command; on timeout kill its process group inside the container."""
        argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
        token = new_token()
        return await self._run(wrap_exec(token, resolve_cwd(cwd), argv), timeout, token)

    async def open_pty(self, cols: int, rows: int) -> Pty:
        """An interactive shell on a TTY exec, over the hijacked attach connection."""
        token = new_token()
        exec_id = await self._create_exec(wrap_exec(token, WORKDIR, INTERACTIVE_SHELL), tty=True)
        request = self.engine.client.build_request(
            "POST",
            f"/exec/{exec_id}/start",
            json={"Detach": False, "Tty": True},
            headers={"Connection": "Upgrade", "Upgrade": "tcp"},
        )
        response = await self.engine.client.send(request, stream=True)
        if response.status_code != 101:
            await response.aread()
            await response.aclose()
            raise ContainerRuntimeError(f"docker exec attach: {_message(response)}")
        pty = DockerPty(self, exec_id, token, response)
        await self.resize_exec(exec_id, cols, rows)
        return pty

    async def resize_exec(self, exec_id: str, cols: int, rows: int) -> None:
        """Set a TTY exec's window size."""
        await self.engine.call("POST", f"/exec/{exec_id}/resize", params={"h": rows, "w": cols})

    async def kill(self, token: str) -> None:
        """Kill the process group of the wrapped command `token`."""
        await self._run(kill_exec(token), knobs.CONTAINER_KILL_GRACE_S, None)

    async def sync_from_sandbox(self) -> None:
        """Nothing to do: the workspace is a bind mount of the host's directory."""

    async def sync_to_sandbox(self) -> None:
        """Nothing to do: the workspace is a bind mount of the host's directory."""

    async def close(self) -> None:
        """Remove the container (killing everything in it), its network and its egress path."""
        with contextlib.suppress(ContainerRuntimeError, httpx.HTTPError):
            if self.container_id is not None:
                await self.engine.call(
                    "DELETE",
                    f"/containers/{self.container_id}",
                    params={"force": "true", "v": "true"},
                    missing_ok=True,
                )
                self.container_id = None
            if self.network_id is not None:
                await self.engine.call("DELETE", f"/networks/{self.network_id}", missing_ok=True)
                self.network_id = None
        if self.relay is not None:
            await self.relay.close()
            self.relay = None
        if self.proxy is not None:
            await self.proxy.close()
            self.proxy = None
        await self.engine.aclose()


class DockerPty:
    """A TTY exec's raw, unframed byte stream over a hijacked HTTP connection."""

    def __init__(
        self, runtime: DockerRuntime, exec_id: str, token: str, response: httpx.Response
    ) -> None:
        self.runtime = runtime
        self.exec_id = exec_id
        self.token = token
        self._response = response
        self._stream: Any = response.extensions["network_stream"]
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    async def read(self) -> bytes:
        """The next output bytes; b"" once the shell has exited."""
        if self._closed:
            return b""
        try:
            data: bytes = await self._stream.read(65536)
        except Exception:  # the connection ended under us: the shell is gone
            return b""
        return data

    async def write(self, data: bytes) -> None:
        """Send keystrokes to the shell."""
        if not self._closed:
            await self._stream.write(data)

    def resize(self, cols: int, rows: int) -> None:
        """Set the terminal size (the engine call runs in the background)."""
        task = asyncio.ensure_future(self.runtime.resize_exec(self.exec_id, cols, rows))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Kill the shell's process group and close the connection."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(ContainerRuntimeError, httpx.HTTPError):
            await self.runtime.kill(self.token)
        with contextlib.suppress(Exception):
            await self._stream.aclose()
        await self._response.aclose()
