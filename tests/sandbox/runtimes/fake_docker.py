"""A fake Docker engine on a unix socket, speaking the Engine API calls the docker runtime makes.

HTTP/1.1 by hand (the attach stream hijacks the connection, which no ASGI server allows):
containers create/start/delete, networks create/inspect/delete, images create (pull), exec
create/start (the multiplexed stdout/stderr framing, or a raw TTY stream after a 101 Upgrade),
exec inspect and resize. Every request is recorded for assertions. Exec commands run as local
processes in a `FakeBox` with the container's mounts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.sandbox.runtimes.fakebox import FakeBox, Mount, pump_pty_to, set_winsize


@dataclass
class Request:
    """One recorded API request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class Exec:
    """An exec instance."""

    container: str
    config: dict[str, Any]
    running: bool = False
    exit_code: int | None = None
    master: int | None = None


@dataclass
class FakeDocker:
    """The engine's state and its unix-socket server."""

    root: Path
    images: set[str] = field(default_factory=set)
    requests: list[Request] = field(default_factory=list)
    containers: dict[str, dict[str, Any]] = field(default_factory=dict)
    boxes: dict[str, FakeBox] = field(default_factory=dict)
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    execs: dict[str, Exec] = field(default_factory=dict)
    _server: asyncio.Server | None = None

    @property
    def socket(self) -> str:
        return str(self.root / "docker.sock")

    @property
    def host(self) -> str:
        return f"unix://{self.socket}"

    async def start(self) -> None:
        self._server = await asyncio.start_unix_server(self._connection, self.socket)

    async def close(self) -> None:
        for box in self.boxes.values():
            await box.kill_all()
            shutil.rmtree(box.tmp, ignore_errors=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def calls(self, method: str, pattern: str) -> list[Request]:
        """Recorded requests whose path matches `pattern`."""
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode().split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {
                    k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)
                }
                raw = await reader.readexactly(int(headers.get("content-length", "0")))
                url = urlsplit(target)
                path = re.sub(r"^/v1\.\d+", "", url.path)
                request = Request(
                    method, path, parse_qs(url.query), headers, json.loads(raw) if raw else None
                )
                self.requests.append(request)
                if await self._route(request, reader, writer):
                    return  # the connection was hijacked and is finished
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(data)}\r\n"
        if data:
            head += "Content-Type: application/json\r\n"
        writer.write(head.encode() + b"\r\n" + data)
        await writer.drain()

    def _container(self, ref: str) -> str | None:
        if ref in self.containers:
            return ref
        return next((cid for cid, c in self.containers.items() if c["name"] == ref), None)

    async def _route(
        self, r: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        reply = self._reply
        cid: str | None
        nid: str | None
        parts = r.path.strip("/").split("/")
        if r.method == "POST" and r.path == "/images/create":
            image = r.query["fromImage"][0]
            lines: list[dict[str, Any]] = [{"status": f"Pulling from {image}"}]
            if "missing" in image:
                lines.append(
                    {"errorDetail": {"message": "manifest unknown"}, "error": "manifest unknown"}
                )
            else:
                self.images.add(image)
            body = "".join(json.dumps(line) + "\r\n" for line in lines).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            writer.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
        elif r.method == "POST" and r.path == "/containers/create":
            name = r.query["name"][0]
            if r.body["Image"] not in self.images:
                await reply(writer, 404, {"message": f"No such image: {r.body['Image']}"})
            elif self._container(name):
                await reply(
                    writer,
                    409,
                    {"message": f"Conflict. The container name {name} is already in use"},
                )
            else:
                cid = uuid.uuid4().hex
                self.containers[cid] = {"name": name, "config": r.body, "running": False}
                await reply(writer, 201, {"Id": cid, "Warnings": []})
        elif r.method == "POST" and parts[0] == "containers" and parts[2:] == ["start"]:
            cid = self._container(parts[1])
            if cid is None:
                await reply(writer, 404, {"message": "No such container"})
                return False
            self._start_box(cid)
            await reply(writer, 204)
        elif r.method == "DELETE" and parts[0] == "containers":
            cid = self._container(parts[1])
            if cid is None:
                await reply(writer, 404, {"message": f"No such container: {parts[1]}"})
                return False
            box = self.boxes.pop(cid, None)
            if box is not None:
                await box.kill_all()
                shutil.rmtree(box.tmp, ignore_errors=True)
            del self.containers[cid]
            await reply(writer, 204)
        elif r.method == "POST" and r.path == "/networks/create":
            nid = uuid.uuid4().hex
            self.networks[nid] = {
                "Id": nid,
                "Name": r.body["Name"],
                "Internal": r.body.get("Internal", False),
            }
            await reply(writer, 201, {"Id": nid, "Warning": ""})
        elif parts[0] == "networks" and r.method in ("GET", "DELETE"):
            nid = next((k for k, v in self.networks.items() if parts[1] in (k, v["Name"])), None)
            if nid is None:
                await reply(writer, 404, {"message": "network not found"})
            elif r.method == "DELETE":
                del self.networks[nid]
                await reply(writer, 204)
            else:
                config = {"Subnet": "127.0.0.0/8", "Gateway": "127.0.0.1"}
                await reply(writer, 200, {**self.networks[nid], "IPAM": {"Config": [config]}})
        elif r.method == "POST" and parts[0] == "containers" and parts[2:] == ["exec"]:
            cid = self._container(parts[1])
            if cid is None or cid not in self.boxes:
                await reply(writer, 409, {"message": "container is not running"})
                return False
            eid = uuid.uuid4().hex
            self.execs[eid] = Exec(cid, r.body)
            await reply(writer, 201, {"Id": eid})
        elif r.method == "POST" and parts[0] == "exec" and parts[2:] == ["start"]:
            await self._exec_start(self.execs[parts[1]], r, reader, writer)
            return True
        elif r.method == "GET" and parts[0] == "exec" and parts[2:] == ["json"]:
            e = self.execs[parts[1]]
            await reply(
                writer, 200, {"ID": parts[1], "Running": e.running, "ExitCode": e.exit_code}
            )
        elif r.method == "POST" and parts[0] == "exec" and parts[2:] == ["resize"]:
            e = self.execs[parts[1]]
            if e.master is not None:
                set_winsize(e.master, int(r.query["w"][0]), int(r.query["h"][0]))
            await reply(writer, 201)
        else:
            await reply(writer, 404, {"message": f"page not found: {r.method} {r.path}"})
        return False

    def _start_box(self, cid: str) -> None:
        config = self.containers[cid]["config"]
        mounts = [
            Mount(Path(m["Source"]), m["Target"], bool(m.get("ReadOnly")))
            for m in config["HostConfig"]["Mounts"]
        ]
        env = dict(item.split("=", 1) for item in config["Env"])
        tmp = Path(tempfile.mkdtemp(prefix="fake-ctr-tmp-"))
        os.chmod(tmp, 0o1777)
        uid, _, gid = config["User"].partition(":")
        self.boxes[cid] = FakeBox(mounts, env, config["WorkingDir"], tmp, int(uid), int(gid or uid))
        self.containers[cid]["running"] = True

    async def _exec_start(
        self, e: Exec, r: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        box = self.boxes[e.container]
        env = dict(item.split("=", 1) for item in e.config.get("Env") or [])
        e.running = True
        if e.config.get("Tty"):
            assert r.headers.get("upgrade") == "tcp", "a TTY exec needs the upgraded connection"
            writer.write(
                b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
            )
            proc, e.master = await box.spawn_tty(e.config["Cmd"], env)
            queue: asyncio.Queue[bytes | None] = asyncio.Queue()
            out = asyncio.ensure_future(pump_pty_to(e.master, queue))

            async def keystrokes() -> None:
                while data := await reader.read(65536):
                    os.write(e.master or -1, data)

            keys = asyncio.ensure_future(keystrokes())
            while (chunk := await queue.get()) is not None:
                writer.write(chunk)
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
            keys.cancel()
            await out
            e.exit_code = await proc.wait()
            os.close(e.master)
            e.master = None
        else:
            writer.write(
                b"HTTP/1.1 200 OK\r\n"
                b"Content-Type: application/vnd.docker.multiplexed-stream\r\n\r\n"
            )
            proc = await box.spawn(e.config["Cmd"], env)

            async def frames(stream: asyncio.StreamReader, kind: int) -> None:
                while data := await stream.read(65536):
                    writer.write(bytes([kind, 0, 0, 0]) + len(data).to_bytes(4, "big") + data)
                    with contextlib.suppress(ConnectionError):
                        await writer.drain()

            assert proc.stdout is not None and proc.stderr is not None
            await asyncio.gather(frames(proc.stdout, 1), frames(proc.stderr, 2))
            e.exit_code = await proc.wait()
        box.procs.discard(proc)
        e.running = False
