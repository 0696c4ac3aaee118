"""A stand-in for a container in the fake Docker engine and the fake Kubernetes API.

A `FakeBox` runs each exec as a local process under bubblewrap with the container's mounts at
their in-container paths (the root a fresh tmpfs with the host's /usr and /etc read-only, then
remounted read-only), so our clients' commands see /workspace, /home/sandbox and /tmp as they
would in a real container. Processes run as the container's uid on the host (in a user
namespace mapping it to itself). There is no PID namespace, so process groups, like runc's
session-leader execs, can be killed from another exec, and deleting the box kills them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import termios
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Mount:
    """A host directory at `target` inside the box."""

    source: Path
    target: str
    read_only: bool = False


@dataclass
class FakeBox:
    """One running "container": its mounts, environment and processes."""

    mounts: list[Mount]
    env: dict[str, str]
    workdir: str
    tmp: Path
    uid: int
    gid: int
    procs: set[asyncio.subprocess.Process] = field(default_factory=set)
    marker: str = field(default_factory=lambda: uuid.uuid4().hex)
    """Set in every process's environment, so removal finds the orphans (runc uses a cgroup)."""

    def argv(
        self, command: list[str], extra_env: dict[str, str], *, tty: bool
    ) -> tuple[list[str], list[int]]:
        """The bwrap command line that runs `command` inside the box, and the fds it needs."""
        args = ["bwrap", "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
        for name in ("bin", "lib", "lib64", "sbin"):
            host = Path("/") / name
            if host.is_symlink():
                args += ["--symlink", os.readlink(host), f"/{name}"]
            elif host.is_dir():
                args += ["--ro-bind", str(host), f"/{name}"]
        args += ["--dev", "/dev", "--proc", "/proc"]
        fds: list[int] = []
        for mount in [Mount(self.tmp, "/tmp"), *self.mounts]:
            fds.append(os.open(mount.source, os.O_PATH))
            flag = "--ro-bind-fd" if mount.read_only else "--bind-fd"
            args += [flag, str(fds[-1]), mount.target]
            reachable_for_testing(mount.source)
        args += [
            "--remount-ro",
            "/",
            "--unshare-user",
            "--uid",
            str(self.uid),
            "--gid",
            str(self.gid),
        ]
        args += ["--cap-drop", "ALL", "--die-with-parent", "--clearenv"]
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", **self.env, **extra_env}
        env["FAKEBOX"] = self.marker
        for key, value in env.items():
            args += ["--setenv", key, value]
        if not tty:
            args.append("--new-session")  # runc makes every exec a session leader
        args += ["--chdir", self.workdir, "--", *command]
        return args, fds

    async def _exec(
        self, command: list[str], extra_env: dict[str, str], **kw: Any
    ) -> asyncio.subprocess.Process:
        argv, fds = self.argv(command, extra_env, tty="preexec_fn" in kw)
        try:
            options: dict[str, Any] = {**self._as_user(), **kw}
            proc = await asyncio.create_subprocess_exec(
                argv[0], *argv[1:], pass_fds=fds, start_new_session=True, **options
            )
        finally:
            for fd in fds:
                os.close(fd)
        self.procs.add(proc)
        return proc

    async def spawn(
        self, command: list[str], extra_env: dict[str, str]
    ) -> asyncio.subprocess.Process:
        """Start `command` with its output on pipes."""
        pipe = asyncio.subprocess.PIPE
        return await self._exec(
            command, extra_env, stdin=asyncio.subprocess.DEVNULL, stdout=pipe, stderr=pipe
        )

    async def spawn_with_stdin(
        self, command: list[str], extra_env: dict[str, str]
    ) -> asyncio.subprocess.Process:
        """Start `command` with stdin, stdout and stderr on pipes."""
        pipe = asyncio.subprocess.PIPE
        return await self._exec(command, extra_env, stdin=pipe, stdout=pipe, stderr=pipe)

    async def spawn_tty(
        self, command: list[str], extra_env: dict[str, str]
    ) -> tuple[asyncio.subprocess.Process, int]:
        """Start `command` on a new pseudo-terminal; return it and the master fd."""
        master, slave = os.openpty()

        def ctty() -> None:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        try:
            proc = await self._exec(
                command, extra_env, stdin=slave, stdout=slave, stderr=slave, preexec_fn=ctty
            )
        finally:
            os.close(slave)
        return proc, master

    def _as_user(self) -> dict[str, Any]:
        # The container's uid on the host too, so its files and signals work as under runc.
        if os.geteuid() != 0:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    async def kill_all(self) -> None:
        """What removing a container does: kill every process in it."""
        needle = f"FAKEBOX={self.marker}".encode()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if needle in (entry / "environ").read_bytes().split(b"\0"):
                        os.kill(int(entry.name), signal.SIGKILL)
        for proc in list(self.procs):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                proc.kill()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 5)
        self.procs.clear()


def reachable_for_testing(path: Path) -> None:
    """Let any uid traverse (not list) the directories above `path`.

    A real engine binds as root; the fake's processes bind as the box's uid, which a session's
    0700 private area (above the read-only git dir) would otherwise stop.
    """
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & 0o001 and os.geteuid() in (0, parent.stat().st_uid):
            parent.chmod(mode | 0o001)


def set_winsize(fd: int, cols: int, rows: int) -> None:
    """Set a pseudo-terminal's window size."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


async def pump_pty_to(master: int, write: asyncio.Queue[bytes | None]) -> None:
    """Copy a PTY master's output into `write` until the shell exits (then put None)."""
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()
    os.set_blocking(master, False)
    loop.add_reader(master, ready.set)
    try:
        while True:
            await ready.wait()
            ready.clear()
            try:
                data = os.read(master, 65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                break
            await write.put(data)
    finally:
        loop.remove_reader(master)
        await write.put(None)
