"""What the container runtimes (docker, kubernetes) share: how a command runs in a container.

A container engine or cluster runs an exec as a session leader with no handle on its process
group, so every command goes through a small `/bin/sh` wrapper that records its process id in
the sandbox's /tmp under a fresh token; a timeout then runs a second exec that SIGKILLs that
group. The sandbox user is never root, the environment is only the spec's plus the proxy
variables, and a `ProxyRelay` lets a container reach the session's allowlisting egress proxy
(which listens on the host's loopback) from the address the container can route to.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets

from foundry.sandbox import knobs
from foundry.sandbox.egress import EgressProxy
from foundry.sandbox.runtimes.base import HOME, RuntimePolicy, SandboxSpec

LABEL = "dev.foundry.sandbox"
_EXEC_SCRIPT = (
    'echo $$ >"/tmp/.foundry-exec-$0.pid" || exit 125; cd -- "$1" || exit 126; shift; exec "$@"'
)
_KILL_SCRIPT = (
    'p=$(cat "/tmp/.foundry-exec-$0.pid" 2>/dev/null) && [ -n "$p" ] && '
    '{ kill -9 "-$p" 2>/dev/null || kill -9 "$p"; }'  # dash and busybox take no "--"
)
KEEPALIVE = "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"
"""The container's pid 1: sleeps until stopped, so the image's own entrypoint never runs."""
INTERACTIVE_SHELL = ["/bin/sh", "-c", "command -v bash >/dev/null && exec bash -i; exec sh -i"]


class ContainerRuntimeError(RuntimeError):
    """A container engine or cluster refused a call; the message is its own explanation."""


def wrap_exec(token: str, cwd: str, argv: list[str]) -> list[str]:
    """`argv` run in `cwd` after recording its process id under `token` in /tmp."""
    return ["/bin/sh", "-c", _EXEC_SCRIPT, token, cwd, *argv]


def kill_exec(token: str) -> list[str]:
    """A command that SIGKILLs the process group of the command wrapped with `token`."""
    return ["/bin/sh", "-c", _KILL_SCRIPT, token]


def new_token() -> str:
    """A fresh name for one wrapped command."""
    return secrets.token_hex(8)


def container_user() -> tuple[int, int]:
    """The sandbox's uid and gid; never root."""
    raw = knobs.CONTAINER_USER
    if raw:
        uid_s, _, gid_s = raw.partition(":")
        uid, gid = int(uid_s), int(gid_s or uid_s)
    elif os.geteuid() != 0:
        uid, gid = os.geteuid(), os.getegid()
    else:
        uid, gid = 1000, 1000
    if uid == 0:
        raise ContainerRuntimeError("FOUNDRY_SANDBOX_CONTAINER_USER must not be root (uid 0)")
    return uid, gid


def sandbox_env(spec: SandboxSpec, proxy_url: str | None) -> dict[str, str]:
    """The environment of every process in a container sandbox."""
    env = {"HOME": HOME, "USER": "sandbox", "LANG": "C.UTF-8"}
    if proxy_url:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env[name] = proxy_url
        env["NO_PROXY"] = env["no_proxy"] = "localhost,127.0.0.1"
    env.update(spec.env)
    return env


def needs_egress(policy: RuntimePolicy) -> bool:
    """True when the sandbox may reach anything: allowed domains or routed host endpoints."""
    return bool(policy.egress_allow or policy.egress_routes)


def session_proxy(policy: RuntimePolicy, allow_private: tuple[str, ...]) -> EgressProxy:
    """The session's allowlisting egress proxy, with its routes to host endpoints (the gateway)."""
    routes = {
        (name, port): (host, host_port) for name, port, host, host_port in policy.egress_routes
    }
    return EgressProxy(policy.egress_allow, allow_private=allow_private, routes=routes)


def resource_name(session_id: str) -> str:
    """A container, network or pod name for the session (DNS-label safe)."""
    slug = re.sub(r"[^a-z0-9-]+", "-", session_id.lower()).strip("-")[:40]
    return f"foundry-sbx-{slug or 'x'}"


def chown_tree(path: os.PathLike[str] | str, uid: int, gid: int) -> None:
    """Give the sandbox's uid a host tree the root worker wrote (symlinks themselves only)."""
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            with contextlib.suppress(FileNotFoundError):
                os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


class ProxyRelay:
    """Listens on `host` and forwards each connection to the egress proxy on 127.0.0.1."""

    def __init__(self, host: str, target_port: int) -> None:
        self.host = host
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Start listening on an ephemeral port; return it."""
        self._server = await asyncio.start_server(self._handle, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()
