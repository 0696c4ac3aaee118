"""The egress proxy: the only way out of a sandbox's network namespace.

Each session gets its own listener on the host's loopback; the runtime forwards one port inside
the sandbox to it (pasta `-T`), and nothing else is routed. The proxy speaks HTTP CONNECT and
absolute-form plain HTTP, and connects only to hosts whose name is on the allowlist (a domain
allows its subdomains). Names that resolve to loopback, private, link-local (metadata) or
reserved addresses are refused too, unless the operator lists them in `allow_private`.
`routes` name host-side endpoints (the model gateway): a request for `name:port` goes to the
fixed address it maps to, whatever the name would resolve to, and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import Iterable, Mapping

from foundry.sandbox import knobs

log = logging.getLogger("foundry.sandbox.egress")

_MAX_HEADER_BYTES = 16384


def host_allowed(host: str, allow: Iterable[str]) -> bool:
    """True when `host` is one of `allow` or a subdomain of one."""
    host = host.lower().rstrip(".")
    for domain in allow:
        domain = domain.lower().strip().lstrip(".")
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return (
        not (
            ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast
        )
        and not ip.is_unspecified
    )


class EgressProxy:
    """An allowlisting HTTP proxy bound to 127.0.0.1 on an ephemeral port."""

    def __init__(
        self,
        allow: Iterable[str],
        *,
        allow_private: Iterable[str] = (),
        allow_endpoints: Iterable[tuple[str, int]] = (),
        routes: Mapping[tuple[str, int], tuple[str, int]] | None = None,
    ) -> None:
        self.allow = [a for a in allow if a]
        self.allow_private = list(allow_private)
        # Exact host:port pairs on the host (the model gateway), reachable whatever they resolve to.
        self.allow_endpoints = set(allow_endpoints)
        self.routes = {
            (name.lower(), port): target for (name, port), target in (routes or {}).items()
        }
        self.denied: list[str] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> int:
        """Start listening; return the port."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        """Stop accepting connections (open tunnels end with their clients)."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            writer.close()
            return
        if len(head) > _MAX_HEADER_BYTES:
            await self._reply(writer, 431, "Request Header Fields Too Large")
            return
        request_line, _, rest = head.decode("latin-1").partition("\r\n")
        parts = request_line.split(" ")
        if len(parts) != 3:
            await self._reply(writer, 400, "Bad Request")
            return
        method, target, version = parts
        if method == "CONNECT":
            host, _, port_s = target.rpartition(":")
            forward = b""
        elif target.startswith("http://"):
            hostport, _, path = target[len("http://") :].partition("/")
            host, _, port_s = hostport.partition(":")
            port_s = port_s or "80"
            # One request per upstream connection: later requests on a piped keep-alive
            # connection would reach the upstream in absolute form, unchecked.
            headers = [
                line
                for line in rest.split("\r\n")
                if line and not line.lower().startswith(("connection:", "proxy-connection:"))
            ]
            headers.append("Connection: close")
            head_out = "\r\n".join(headers)
            forward = f"{method} /{path} {version}\r\n{head_out}\r\n\r\n".encode("latin-1")
        else:
            await self._reply(writer, 400, "Bad Request")
            return
        host = host.strip("[]")
        routed = self.routes.get((host.lower(), int(port_s))) if port_s.isdigit() else None
        if routed is not None:
            host, port_s = routed[0], str(routed[1])
        elif not port_s.isdigit() or not await self._permitted(host, int(port_s)):
            self.denied.append(host)
            log.info("egress denied: %s", host)
            await self._reply(writer, 403, "Forbidden by sandbox egress policy")
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(host, int(port_s)), knobs.EGRESS_CONNECT_TIMEOUT_S
            )
        except (OSError, TimeoutError):
            await self._reply(writer, 502, "Bad Gateway")
            return
        if forward:
            up_writer.write(forward)
        else:
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def _permitted(self, host: str, port: int) -> bool:
        if not 0 < port < 65536:
            return False
        if (host, port) in self.allow_endpoints:
            return True
        if host_allowed(host, self.allow_private):
            return True
        if not host_allowed(host, self.allow):
            return False
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError:
            return False
        return all(_public(str(info[4][0])) for info in infos)

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, status: int, reason: str) -> None:
        body = f"{reason}\n".encode()
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()
