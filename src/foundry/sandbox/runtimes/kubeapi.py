"""The Kubernetes API calls the kubernetes runtime makes: REST over httpx, pods/exec over a
WebSocket speaking the channel protocol (v5, falling back to v4): one leading byte per frame,
0 stdin, 1 stdout, 2 stderr, 3 the exec's Status, 4 a resize, 255 close (v5 only).
"""

from __future__ import annotations

import contextlib
import json
import ssl
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlencode

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

from foundry.sandbox import knobs
from foundry.sandbox.runtimes.container import ContainerRuntimeError

PROTOCOLS = [Subprotocol("v5.channel.k8s.io"), Subprotocol("v4.channel.k8s.io")]
STDIN, _STDOUT, _STDERR, _ERROR, RESIZE, _CLOSE = 0, 1, 2, 3, 4, 255
CONTAINER = "sandbox"


@dataclass
class RawExec:
    """One exec's bytes and outcome."""

    out: bytearray = field(default_factory=bytearray)
    err: bytearray = field(default_factory=bytearray)
    code: int = -1
    problem: str = ""
    timed_out: bool = False
    duration_ms: float = 0.0

    def message(self) -> str:
        return (self.err.decode("utf-8", "replace") + self.problem).strip() or f"exit {self.code}"


class KubeApi:
    """The API server: REST over httpx, pods/exec over a WebSocket."""

    def __init__(self, url: str, token: str, ca_file: str | None, namespace: str) -> None:
        self.url = url.rstrip("/")
        self.namespace = namespace
        self._headers = {"Authorization": f"Bearer {token}"}
        self._ssl: ssl.SSLContext | None = None
        if self.url.startswith("https://"):
            self._ssl = ssl.create_default_context(cafile=ca_file or None)
        self.client = httpx.AsyncClient(
            base_url=self.url, headers=self._headers, verify=self._ssl or True, timeout=30.0
        )

    def path(self, kind: str, name: str = "") -> str:
        """The REST path of a namespaced pod or NetworkPolicy collection or object."""
        group = "/apis/networking.k8s.io/v1" if kind == "networkpolicies" else "/api/v1"
        return f"{group}/namespaces/{self.namespace}/{kind}" + (f"/{name}" if name else "")

    async def call(self, method: str, path: str, body: Any = None, missing_ok: bool = False) -> Any:
        """One request; failures raise `ContainerRuntimeError` (a 404 is None if `missing_ok`)."""
        response = await self.client.request(method, path, json=body)
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code >= 400:
            message = response.text[:300]
            with contextlib.suppress(ValueError):
                message = response.json().get("message", message)
            raise ContainerRuntimeError(
                f"kubernetes {method} {path}: {response.status_code} {message}"
            )
        return response.json() if response.content else None

    def exec_connect(self, pod: str, argv: list[str], *, tty: bool) -> Any:
        """Open pods/exec on the sandbox container (an async context manager)."""
        query = [("command", arg) for arg in argv] + [
            ("container", CONTAINER),
            ("stdin", "true"),
            ("stdout", "true"),
            ("stderr", "false" if tty else "true"),
            ("tty", "true" if tty else "false"),
        ]
        base = "wss://" + self.url[8:] if self._ssl else "ws://" + self.url.split("://", 1)[1]
        url = f"{base}{self.path('pods', pod)}/exec?{urlencode(query)}"
        extra: dict[str, Any] = {"ssl": self._ssl} if self._ssl else {}
        return connect(
            url,
            subprotocols=PROTOCOLS,
            additional_headers=self._headers,
            max_size=None,
            open_timeout=30,
            **extra,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()


def exit_code_of(status: dict[str, Any]) -> tuple[int, str]:
    """The exit code in an exec's channel-3 Status, and a message when it is not the command's."""
    if status.get("status") == "Success":
        return 0, ""
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            return int(cause.get("message", "1")), ""
    return 126, str(status.get("message", "exec failed"))  # the command never ran


async def stream_exec(
    ws: ClientConnection, stdin: IO[bytes] | None, out: bytearray, err: bytearray
) -> tuple[int, str]:
    if stdin is not None:
        while chunk := stdin.read(65536):
            await ws.send(bytes([STDIN]) + chunk)
        if ws.subprotocol == PROTOCOLS[0]:
            await ws.send(bytes([_CLOSE, STDIN]))
    status: tuple[int, str] = (-1, "the exec stream ended without a status")
    with contextlib.suppress(WebSocketException):
        async for message in ws:
            if not isinstance(message, bytes) or not message:
                continue
            channel, data = message[0], message[1:]
            if channel == _STDOUT:
                out.extend(data)
                if len(out) > knobs.K8S_SYNC_MAX_BYTES:
                    raise ContainerRuntimeError("exec output is larger than the sync limit")
            elif channel == _STDERR:
                err.extend(data)
            elif channel == _ERROR:
                status = exit_code_of(json.loads(data))
    return status
