"""A fake Kubernetes API server speaking the calls the kubernetes runtime makes.

Starlette on a real port: pods create/get/delete (a new pod is Pending, then Running), the
NetworkPolicy create/delete, and the pods/exec WebSocket with the channel protocol (v4 and v5:
one leading byte per frame, 0 stdin, 1 stdout, 2 stderr, 3 the Status, 4 resize, 255 close).
Bearer tokens are checked, every request is recorded, and each pod is a `FakeBox` whose
emptyDir volumes are temporary directories.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tests.sandbox.runtimes.fakebox import FakeBox, Mount, pump_pty_to, set_winsize

TOKEN = "fake-service-account-token"


def _status(code: int, reason: str, message: str) -> JSONResponse:
    body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message,
            "reason": reason, "code": code}  # fmt: skip
    return JSONResponse(body, status_code=code)


@dataclass
class FakeKube:
    """The cluster's state and its ASGI app."""

    root: Path
    protocols: tuple[str, ...] = ("v5.channel.k8s.io", "v4.channel.k8s.io")
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    pods: dict[str, dict[str, Any]] = field(default_factory=dict)
    boxes: dict[str, FakeBox] = field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    exec_commands: list[list[str]] = field(default_factory=list)
    chosen_protocols: list[str] = field(default_factory=list)
    _reads: int = 0

    def app(self) -> Starlette:
        pods = "/api/v1/namespaces/{ns}/pods"
        policies = "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies"
        return Starlette(
            routes=[
                Route(pods, self.create_pod, methods=["POST"]),
                Route(pods + "/{name}", self.pod, methods=["GET", "DELETE"]),
                Route(policies, self.create_policy, methods=["POST"]),
                Route(policies + "/{name}", self.delete_policy, methods=["DELETE"]),
                WebSocketRoute(pods + "/{name}/exec", self.exec),
            ]
        )

    def calls(self, method: str, suffix: str) -> list[Any]:
        """Bodies of recorded requests whose path ends with `suffix`."""
        return [body for m, path, body in self.requests if m == method and path.endswith(suffix)]

    async def sh(self, pod: str, script: str) -> tuple[int, str]:
        """Run `script` inside `pod` the way an agent's process would; (exit code, output)."""
        proc = await self.boxes[pod].spawn(["/bin/sh", "-c", script], {})
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        self.boxes[pod].procs.discard(proc)
        return proc.returncode or 0, (out + err).decode()

    async def close(self) -> None:
        for name in list(self.boxes):
            await self._remove(name)

    async def _record(self, request: Request) -> Any:
        body = await request.body()
        parsed = json.loads(body) if body else None
        self.requests.append((request.method, request.url.path, parsed))
        return parsed

    @staticmethod
    def _authorized(headers: Any) -> bool:
        return bool(headers.get("authorization") == f"Bearer {TOKEN}")

    async def create_pod(self, request: Request) -> Response:
        pod = await self._record(request)
        if not self._authorized(request.headers):
            return _status(401, "Unauthorized", "Unauthorized")
        name = pod["metadata"]["name"]
        if name in self.pods:
            return _status(409, "AlreadyExists", f'pods "{name}" already exists')
        pod["metadata"]["namespace"] = request.path_params["ns"]
        pod["status"] = {"phase": "Pending"}
        self.pods[name] = pod
        self._reads = 0
        return JSONResponse(pod, status_code=201)

    async def pod(self, request: Request) -> Response:
        await self._record(request)
        if not self._authorized(request.headers):
            return _status(401, "Unauthorized", "Unauthorized")
        name = request.path_params["name"]
        pod = self.pods.get(name)
        if pod is None:
            return _status(404, "NotFound", f'pods "{name}" not found')
        if request.method == "DELETE":
            await self._remove(name)
            return JSONResponse(pod)
        container = pod["spec"]["containers"][0]
        if pod["status"]["phase"] == "Pending":
            self._reads += 1
            if "missing" in container["image"]:
                waiting = {"reason": "ErrImagePull", "message": "manifest unknown"}
                pod["status"]["containerStatuses"] = [
                    {"ready": False, "state": {"waiting": waiting}}
                ]
            elif self._reads >= 2:  # the first read sees it Pending, like a real scheduler
                self._start_box(name)
                pod["status"] = {"phase": "Running", "containerStatuses": [{"ready": True}]}
        return JSONResponse(pod)

    def _start_box(self, name: str) -> None:
        pod = self.pods[name]
        scratch = Path(tempfile.mkdtemp(prefix="fkv-", dir=self.root))
        scratch.chmod(0o755)
        volumes = {}
        for volume in pod["spec"]["volumes"]:
            assert "emptyDir" in volume, "sandbox pods use emptyDir volumes only"
            path = scratch / volume["name"]
            path.mkdir()
            volumes[volume["name"]] = path
        container = pod["spec"]["containers"][0]
        uid = container["securityContext"]["runAsUser"]
        gid = pod["spec"]["securityContext"]["runAsGroup"]
        for path in volumes.values():  # fsGroup makes emptyDirs writable by the pod's user
            os.chown(path, uid, gid)
        mounts = [Mount(volumes[m["name"]], m["mountPath"]) for m in container["volumeMounts"]]
        tmp = volumes["tmp"]
        mounts = [m for m in mounts if m.target != "/tmp"]
        env = {e["name"]: e["value"] for e in container["env"]}
        self.boxes[name] = FakeBox(mounts, env, container["workingDir"], tmp, uid, gid)

    async def _remove(self, name: str) -> None:
        self.pods.pop(name, None)
        box = self.boxes.pop(name, None)
        if box is not None:
            await box.kill_all()
            shutil.rmtree(box.tmp.parent, ignore_errors=True)

    async def create_policy(self, request: Request) -> Response:
        policy = await self._record(request)
        if not self._authorized(request.headers):
            return _status(401, "Unauthorized", "Unauthorized")
        self.policies[policy["metadata"]["name"]] = policy
        return JSONResponse(policy, status_code=201)

    async def delete_policy(self, request: Request) -> Response:
        await self._record(request)
        if self.policies.pop(request.path_params["name"], None) is None:
            return _status(404, "NotFound", "networkpolicy not found")
        return JSONResponse({"kind": "Status", "status": "Success"})

    async def exec(self, ws: WebSocket) -> None:
        if not self._authorized(ws.headers):
            await ws.close(code=4401)
            return
        offered = [p.strip() for p in ws.headers.get("sec-websocket-protocol", "").split(",")]
        protocol = next((p for p in offered if p in self.protocols), None)
        box = self.boxes.get(ws.path_params["name"])
        if protocol is None or box is None:
            await ws.close(code=4400)
            return
        await ws.accept(subprotocol=protocol)
        self.chosen_protocols.append(protocol)
        params = ws.query_params
        command = params.getlist("command")
        assert params["container"] == "sandbox"
        self.exec_commands.append(command)
        if params["tty"] == "true":
            await self._exec_tty(ws, box, command)
        else:
            await self._exec_pipes(ws, box, command, protocol)

    async def _exec_pipes(
        self, ws: WebSocket, box: FakeBox, command: list[str], protocol: str
    ) -> None:
        proc = await box.spawn_with_stdin(command, {})
        assert proc.stdin and proc.stdout and proc.stderr

        async def feed() -> None:
            assert proc.stdin
            with contextlib.suppress(WebSocketDisconnect, ConnectionError):
                while True:
                    data = await ws.receive_bytes()
                    if data[:1] == b"\x00":
                        proc.stdin.write(data[1:])
                        await proc.stdin.drain()
                    elif data == b"\xff\x00" and protocol.startswith("v5"):
                        proc.stdin.close()

        async def pump(stream: asyncio.StreamReader, channel: int) -> None:
            while data := await stream.read(65536):
                with contextlib.suppress(Exception):
                    await ws.send_bytes(bytes([channel]) + data)

        feeder = asyncio.ensure_future(feed())
        await asyncio.gather(pump(proc.stdout, 1), pump(proc.stderr, 2))
        code = await proc.wait()
        box.procs.discard(proc)
        feeder.cancel()
        if code == 0:
            status: dict[str, Any] = {"metadata": {}, "status": "Success"}
        else:
            status = {
                "metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
                "message": f"command terminated with non-zero exit code: exit status {code}",
                "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
            }  # fmt: skip
        with contextlib.suppress(Exception):
            await ws.send_bytes(b"\x03" + json.dumps(status).encode())
            await ws.close()

    async def _exec_tty(self, ws: WebSocket, box: FakeBox, command: list[str]) -> None:
        proc, master = await box.spawn_tty(command, {"TERM": "xterm"})
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        out = asyncio.ensure_future(pump_pty_to(master, queue))

        async def keys() -> None:
            with contextlib.suppress(WebSocketDisconnect, OSError):
                while True:
                    data = await ws.receive_bytes()
                    if data[:1] == b"\x00":
                        os.write(master, data[1:])
                    elif data[:1] == b"\x04":
                        size = json.loads(data[1:])
                        set_winsize(master, size["Width"], size["Height"])

        typist = asyncio.ensure_future(keys())
        while (chunk := await queue.get()) is not None:
            with contextlib.suppress(Exception):
                await ws.send_bytes(b"\x01" + chunk)
        typist.cancel()
        await out
        await proc.wait()
        box.procs.discard(proc)
        os.close(master)
        with contextlib.suppress(Exception):
            await ws.send_bytes(b'\x03{"metadata":{},"status":"Success"}')
            await ws.close()
