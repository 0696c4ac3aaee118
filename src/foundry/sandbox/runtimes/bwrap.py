"""The default runtime: bubblewrap namespaces on the host.

Each command runs in a fresh `bwrap --unshare-all`: the host's /usr and /etc read-only (or an
unpacked root filesystem), a private read-write /workspace and /home/sandbox bound from open
file descriptors, its own PID/IPC/UTS/user/network namespaces, no capabilities, a cleared
environment, `--new-session` (no TIOCSTI onto a host terminal) and `--die-with-parent`. When
the policy allows egress, pasta joins the sandbox's network namespace and forwards exactly one
loopback port to the session's egress proxy on the host; there is no other route, so the
host's loopback services, the LAN and metadata addresses are unreachable. rlimits bound
memory, CPU time, file size and open files. When the worker runs as root the sandbox runs as
an unprivileged host uid, so root-only host files stay unreadable.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import resource
import signal
import stat
import termios
import time
from collections.abc import Callable
from pathlib import Path

from foundry.sandbox.egress import EgressProxy
from foundry.sandbox.runner_protocol import ExecResult
from foundry.sandbox.runtimes.base import (
    HOME,
    WORKDIR,
    Pty,
    RuntimePolicy,
    SandboxSpec,
    resolve_cwd,
)
from foundry.sandbox.runtimes.pty import FdPty

_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
_PROXY_PORT_IN_SANDBOX = 3128
_SETUP_ATTEMPTS = 3


def _limits(policy: RuntimePolicy, ctty: bool) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (policy.memory_bytes, policy.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (policy.cpu_seconds, policy.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_FSIZE, (policy.file_bytes, policy.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (policy.open_files, policy.open_files))
        if ctty:
            import fcntl

            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    return apply


class BwrapBackend:
    """Creates bubblewrap sandboxes."""

    name = "bwrap"

    def __init__(self, *, allow_private: tuple[str, ...] = ()) -> None:
        self.allow_private = allow_private

    async def start(self, spec: SandboxSpec) -> BwrapRuntime:
        """Open the session's directories and start its egress proxy."""
        runtime = BwrapRuntime(spec, self.allow_private)
        await runtime.start()
        return runtime


class BwrapRuntime:
    """One session's bubblewrap sandbox; every command is a fresh bwrap in its namespaces."""

    workdir = WORKDIR
    copies_workspace = False

    def __init__(self, spec: SandboxSpec, allow_private: tuple[str, ...] = ()) -> None:
        self.spec = spec
        self.proxy: EgressProxy | None = None
        self._allow_private = allow_private
        self._procs: set[asyncio.subprocess.Process] = set()
        self._as_root = os.geteuid() == 0

    async def start(self) -> None:
        """Start the egress proxy when the policy allows any egress."""
        policy = self.spec.policy
        if (policy.egress_allow or policy.egress_routes) and self.proxy is None:
            routes = {(n, p): (h, hp) for n, p, h, hp in policy.egress_routes}
            self.proxy = EgressProxy(
                policy.egress_allow, allow_private=self._allow_private, routes=routes
            )
            await self.proxy.start()

    def _env(self, pty: bool) -> list[str]:
        env = {"PATH": _PATH, "HOME": HOME, "USER": "sandbox", "LANG": "C.UTF-8"}
        env["TERM"] = "xterm-256color" if pty else "dumb"
        if self.proxy is not None:
            url = f"http://127.0.0.1:{_PROXY_PORT_IN_SANDBOX}"
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
                env[name] = url
            env["NO_PROXY"] = env["no_proxy"] = "localhost,127.0.0.1"
        env.update(self.spec.env)
        args: list[str] = []
        for key, value in env.items():
            args += ["--setenv", key, value]
        return args

    def _fs(self, fds: dict[str, int]) -> list[str]:
        image = self.spec.policy.image
        if image:
            args = ["--ro-bind", image, "/"]
        else:
            args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
            for name in ("bin", "lib", "lib64", "sbin", "lib32", "libx32"):
                host = Path("/") / name
                if host.is_symlink():
                    args += ["--symlink", os.readlink(host), f"/{name}"]
                elif host.is_dir():
                    args += ["--ro-bind", str(host), f"/{name}"]
            for path, is_dir in private_host_paths():
                args += ["--tmpfs", path] if is_dir else ["--ro-bind", "/dev/null", path]
        args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run"]
        args += ["--bind-fd", str(fds["workspace"]), WORKDIR]
        args += ["--bind-fd", str(fds["home"]), HOME]
        for i, (_, target) in enumerate(self.spec.ro_binds):
            args += ["--ro-bind-fd", str(fds[f"ro{i}"]), target]
        return args

    async def _spawn(
        self, command: list[str], cwd: str, *, pty_slave: int | None = None
    ) -> tuple[asyncio.subprocess.Process, int | None]:
        fds = {
            "workspace": os.open(self.spec.workspace, os.O_PATH | os.O_DIRECTORY),
            "home": os.open(self.spec.home, os.O_PATH | os.O_DIRECTORY),
        }
        for i, (host, _) in enumerate(self.spec.ro_binds):
            fds[f"ro{i}"] = os.open(host, os.O_PATH)
        info_r, info_w = os.pipe()
        block_r, block_w = os.pipe()
        argv = ["bwrap", *self._fs(fds), "--unshare-all", "--hostname", "sandbox"]
        argv += ["--uid", "1000", "--gid", "1000", "--cap-drop", "ALL", "--die-with-parent"]
        if pty_slave is None:
            argv.append("--new-session")  # no TIOCSTI into a terminal outside the sandbox
        argv += ["--clearenv", *self._env(pty_slave is not None), "--chdir", cwd]
        argv += ["--info-fd", str(info_w), "--block-fd", str(block_r), "--", *command]
        std = pty_slave if pty_slave is not None else asyncio.subprocess.DEVNULL
        out = pty_slave if pty_slave is not None else asyncio.subprocess.PIPE
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=std,
                stdout=out,
                stderr=out,
                pass_fds=(info_w, block_r, *fds.values()),
                start_new_session=True,
                env={"PATH": _PATH},
                preexec_fn=_limits(self.spec.policy, pty_slave is not None),
            )
        finally:
            for fd in (info_w, block_r, *fds.values()):
                os.close(fd)
        self._procs.add(proc)
        pasta_pid: int | None = None
        try:
            info = await asyncio.get_running_loop().run_in_executor(None, _read_info, info_r)
            if self.proxy is not None and info is not None:
                pasta_pid = await self._attach_network(info["child-pid"])
            with contextlib.suppress(OSError):
                os.write(block_w, b"1")
        finally:
            os.close(info_r)
            os.close(block_w)
        return proc, pasta_pid

    async def _attach_network(self, child_pid: int) -> int | None:
        assert self.proxy is not None  # checked by the caller
        pidfile = self.spec.home.parent / f"pasta-{child_pid}.pid"
        port = self.proxy.port
        argv = ["pasta", "--quiet", "-t", "none", "-u", "none", "-U", "none"]
        argv += ["-T", f"{_PROXY_PORT_IN_SANDBOX}:{port}"]
        argv += ["--netns", f"/proc/{child_pid}/ns/net", "--netns-only", "--pid", str(pidfile)]
        if self._as_root:
            argv += ["--runas", "0"]  # pasta would switch to nobody and lose the namespace
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdout=asyncio.subprocess.DEVNULL,
            env={"PATH": _PATH},
        )
        await proc.wait()  # pasta daemonises once the namespace is configured
        try:
            return int(pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        finally:
            pidfile.unlink(missing_ok=True)

    async def execute(
        self, command: str | list[str], cwd: str | None = None, timeout: float = 60.0
    ) -> ExecResult:
        """Run `command` in a fresh sandboxed process; on timeout kill its process group."""
        argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
        for _ in range(_SETUP_ATTEMPTS):
            result = await self._execute_once(argv, resolve_cwd(cwd), timeout)
            # bwrap's own setup failed before the command ran (seen under load: "loopback:
            # Failed RTM_NEWADDR"), so running it again cannot repeat any of its effects.
            if not (result.exit_code == 1 and result.stderr.startswith("bwrap: ")):
                break
        return result

    async def _execute_once(self, argv: list[str], cwd: str, timeout: float) -> ExecResult:
        started = time.monotonic()
        proc, pasta_pid = await self._spawn(argv, cwd)
        timed_out = False
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            timed_out = True
            _killpg(proc.pid)
            out, err = await proc.communicate()
        finally:
            self._procs.discard(proc)
            _kill(pasta_pid)
        return ExecResult(
            exit_code=-1 if timed_out else (proc.returncode or 0),
            stdout=out.decode("utf-8", "replace"),
            stderr=err.decode("utf-8", "replace")
            + (f"\ncommand timed out after {timeout:g}s" if timed_out else ""),
            timed_out=timed_out,
            duration_ms=(time.monotonic() - started) * 1000,
        )

    async def open_pty(self, cols: int, rows: int) -> Pty:
        """Start `bash -i` in the sandbox on a new pseudo-terminal."""
        master, slave = os.openpty()
        FdPty.set_size(master, cols, rows)
        try:
            proc, pasta_pid = await self._spawn(["/bin/bash", "-i"], WORKDIR, pty_slave=slave)
        finally:
            os.close(slave)
        self._procs.add(proc)

        def cleanup() -> None:
            self._procs.discard(proc)
            _killpg(proc.pid)
            _kill(pasta_pid)

        return FdPty(master, proc, cleanup)

    async def sync_from_sandbox(self) -> None:
        """Nothing to do: the workspace is a bind mount of the host's directory."""

    async def sync_to_sandbox(self) -> None:
        """Nothing to do: the workspace is a bind mount of the host's directory."""

    async def close(self) -> None:
        """Kill every sandboxed process of this session and stop its egress proxy."""
        for proc in list(self._procs):
            _killpg(proc.pid)
            with contextlib.suppress(TimeoutError, ProcessLookupError):
                await asyncio.wait_for(proc.wait(), 5)
        self._procs.clear()
        if self.proxy is not None:
            await self.proxy.close()
            self.proxy = None


@functools.cache
def private_host_paths(root: str = "/etc") -> tuple[tuple[str, bool], ...]:
    """Host files and directories under `root` that other users may not read, as (path, is_dir).

    The sandbox's uid maps to the worker's own, so these are masked: the sandbox sees only what
    any unprivileged user of the host could see.
    """
    found: list[tuple[str, bool]] = []
    for directory, dirs, files in os.walk(root):
        for name in list(dirs):
            path = os.path.join(directory, name)
            st = os.lstat(path)
            if stat.S_ISDIR(st.st_mode) and (st.st_mode & 0o005) != 0o005:
                found.append((path, True))
                dirs.remove(name)
        for name in files:
            path = os.path.join(directory, name)
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode) and not st.st_mode & 0o004:
                found.append((path, False))
    return tuple(found)


def _read_info(fd: int) -> dict[str, int] | None:
    data = b""
    while chunk := os.read(fd, 4096):
        data += chunk
        with contextlib.suppress(ValueError):
            parsed: dict[str, int] = json.loads(data)
            return parsed
    return None


def _killpg(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _kill(pid: int | None) -> None:
    if pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
