"""`foundry dev`: run the four processes on one machine and supervise them.

Each process is a child in its own process group, so the supervisor alone decides when it
stops (a terminal's Ctrl-C reaches only the supervisor) and a signal reaches everything the
child started. Each child's output goes to `<data-dir>/logs/<name>.log` and to the console,
prefixed with its name. The supervisor waits until every child answers `GET /health`, prints
where they are, and stops them all together on Ctrl-C, SIGTERM or SIGHUP, or when any dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any, TextIO

import httpx

from foundry.config import DEFAULT_PORTS, Settings
from foundry.secrets_file import ensure_secrets

SERVICES = tuple(DEFAULT_PORTS)  # start order: backend, agent, sandbox, web
TAIL_LINES = 20


@dataclass(frozen=True)
class DevConfig:
    """Where `foundry dev` puts the four processes and how patient it is with them."""

    data_dir: Path
    host: str = "127.0.0.1"
    ports: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    health_timeout: float = 60.0
    grace_period: float = 10.0


@dataclass(frozen=True)
class Running:
    """What the `on_ready` hook receives once all four processes are healthy."""

    urls: Mapping[str, str]
    settings: Settings


OnReady = Callable[[Running], None]
_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


def run(config: DevConfig, on_ready: OnReady | None = None) -> int:
    """Run the four processes until asked to stop.

    Returns 0 after a requested stop, 1 if a process died, never became healthy or
    `on_ready` raised, and 2 if the configuration cannot work (a port is taken).
    """
    console = _Console(sys.stdout, sys.stderr)
    data_dir = config.data_dir.resolve()
    problems = _port_problems(config.host, config.ports)
    if problems:
        for problem in problems:
            console.error(problem)
        return 2

    secrets = ensure_secrets(data_dir / "secrets.env")
    urls = {name: _url(config.host, config.ports[name]) for name in SERVICES}
    env = _child_env(urls, secrets)
    settings = Settings.from_env(data_dir, env)

    stop = _StopSignal()
    stop.install()
    children: list[Child] = []
    try:
        console.say(f"starting {', '.join(SERVICES)} (data in {data_dir})")
        for name in SERVICES:
            argv = [sys.executable, "-m", "foundry", name, "--host", config.host]
            argv += ["--port", str(config.ports[name]), "--data-dir", str(data_dir)]
            children.append(Child(name, argv, env, data_dir / "logs" / f"{name}.log", console))
        outcome = _supervise(children, urls, settings, config, stop, console, on_ready)
    finally:
        _stop_all(children, config.grace_period, stop, console)
        stop.restore()

    if outcome.message:
        console.error(outcome.message)
    for child in outcome.blame:
        console.error(f"last {TAIL_LINES} lines of {child.name}'s log ({child.log_path}):")
        for line in child.tail():
            console.error(f"  {child.name} | {line}")
    if outcome.code == 0:
        console.say("stopped")
    return outcome.code


class Child:
    """One supervised process: its handle, its log file and the tail of its output."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        log_path: Path,
        console: _Console,
    ) -> None:
        self.name = name
        self.log_path = log_path
        self._console = console
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._lock = threading.Lock()
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("a", encoding="utf-8")
        log.write(f"--- foundry dev started {name} at {datetime.now().isoformat()} ---\n")
        log.flush()
        try:
            self.process = subprocess.Popen(
                argv,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                errors="replace",
                process_group=0,
            )
        except BaseException:
            log.close()
            raise
        self._pump_thread = threading.Thread(
            target=self._pump, args=(self.process.stdout, log), name=f"dev-{name}", daemon=True
        )
        self._pump_thread.start()

    @property
    def pid(self) -> int:
        """The child's process id (also its process group id)."""
        return self.process.pid

    def exit_code(self) -> int | None:
        """The child's exit status, or None while it runs."""
        return self.process.poll()

    def signal(self, sig: signal.Signals) -> None:
        """Send `sig` to the child's whole process group, if any of it is left."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def drain(self, timeout: float) -> None:
        """Wait until everything the child printed has reached the log and the console."""
        self._pump_thread.join(timeout)

    def tail(self) -> list[str]:
        """The last lines the child printed."""
        with self._lock:
            return list(self._tail)

    def _pump(self, stream: IO[str], log: IO[str]) -> None:
        with log, stream:
            for raw in stream:
                line = raw.rstrip("\n")
                with self._lock:
                    self._tail.append(line)
                log.write(raw if raw.endswith("\n") else raw + "\n")
                log.flush()
                self._console.child_line(self.name, line)


@dataclass(frozen=True)
class _Outcome:
    code: int
    message: str | None = None
    blame: Sequence[Child] = ()


def _supervise(
    children: Sequence[Child],
    urls: Mapping[str, str],
    settings: Settings,
    config: DevConfig,
    stop: _StopSignal,
    console: _Console,
    on_ready: OnReady | None,
) -> _Outcome:
    by_name = {child.name: child for child in children}
    pending = list(SERVICES)
    started = time.monotonic()
    last_report = started
    with httpx.Client(timeout=1.0, trust_env=False) as client:
        while pending:
            if stop.requested:
                return _Outcome(0)
            if (dead := _first_dead(children)) is not None:
                return _died(dead, "while starting")
            pending = [name for name in pending if not _healthy(client, urls[name])]
            elapsed = time.monotonic() - started
            if pending and elapsed > config.health_timeout:
                message = f"gave up after {config.health_timeout:.0f} s: {', '.join(pending)}"
                message += " never answered GET /health with 200"
                return _Outcome(1, message, [by_name[name] for name in pending])
            if pending and time.monotonic() - last_report >= 3.0:
                console.say(f"still starting: {', '.join(pending)} ({elapsed:.0f} s)")
                last_report = time.monotonic()
            stop.wait(0.2)

    _print_table(children, urls, settings.data_dir, console)
    if os.environ.get("FOUNDRY_SEED_DEMO", "1") == "1":
        from foundry.app.seed.acme_data import DEMO_LOGIN

        console.say(
            f"demo login (development only): {DEMO_LOGIN['email']} / {DEMO_LOGIN['password']}"
        )
    if on_ready is not None:
        try:
            on_ready(Running(urls=dict(urls), settings=settings))
        except Exception:
            return _Outcome(1, f"on_ready failed:\n{traceback.format_exc()}")

    while not stop.requested:
        if (dead := _first_dead(children)) is not None:
            return _died(dead, "")
        stop.wait(0.5)
    return _Outcome(0)


def _died(child: Child, when: str) -> _Outcome:
    code = child.exit_code()
    how = f"exited ({code})"
    if code is not None and code < 0:
        try:
            how = f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"was killed by signal {-code}"
    return _Outcome(1, f"{child.name} {how} {when}".rstrip() + "; stopped the others", [child])


def _first_dead(children: Sequence[Child]) -> Child | None:
    return next((child for child in children if child.exit_code() is not None), None)


def _healthy(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(f"{url}/health").status_code == 200
    except httpx.HTTPError:
        return False


def _print_table(
    children: Sequence[Child], urls: Mapping[str, str], data_dir: Path, console: _Console
) -> None:
    lines = ["all four processes are up:"]
    for child in children:
        lines.append(f"  {child.name:<8} {urls[child.name]:<28} pid {child.pid}")
    lines.append(f"  open {urls['web']} ; logs in {data_dir / 'logs'} ; Ctrl-C stops everything")
    console.say("\n".join(lines))


def _stop_all(
    children: Sequence[Child], grace: float, stop: _StopSignal, console: _Console
) -> None:
    running = [child for child in children if child.exit_code() is None]
    if running:
        console.say(f"stopping {', '.join(child.name for child in running)}")
    for child in children:
        child.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    # A second Ctrl-C means "don't wait": stop.count counts every signal received.
    while _first_alive(children) and time.monotonic() < deadline and stop.count < 2:
        time.sleep(0.05)
    for child in children:
        if child.exit_code() is None:
            console.error(f"{child.name} did not stop after SIGTERM; sending SIGKILL")
        # Also sweeps any process the child started and left behind in its group.
        child.signal(signal.SIGKILL)
        child.process.wait()
    for child in children:
        child.drain(timeout=2.0)


def _first_alive(children: Sequence[Child]) -> Child | None:
    return next((child for child in children if child.exit_code() is None), None)


def _child_env(urls: Mapping[str, str], secrets: Mapping[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(secrets)
    # The supervisor chose the ports, so its URLs replace any inherited ones.
    env["FOUNDRY_BACKEND_URL"] = urls["backend"]
    env["AGENT_SERVICE_URL"] = urls["agent"]
    env["SANDBOX_WORKER_URL"] = urls["sandbox"]
    env["PYTHONUNBUFFERED"] = "1"  # so log lines reach the console as they are written
    # Development installs start with the demo organisation (the backend seeds only an empty db).
    env.setdefault("FOUNDRY_SEED_DEMO", "1")
    return env


def _url(host: str, port: int) -> str:
    # A wildcard address is where a server listens, not where a client connects.
    connect = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in connect:
        connect = f"[{connect}]"
    return f"http://{connect}:{port}"


def _port_problems(host: str, ports: Mapping[str, int]) -> list[str]:
    problems = []
    seen: dict[int, str] = {}
    for name in SERVICES:
        port = ports[name]
        if port in seen:
            problems.append(f"{name} and {seen[port]} both want port {port}")
            continue
        seen[port] = name
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
            )[0]
            with socket.socket(family, kind, proto) as sock:
                # Servers set SO_REUSEADDR too, so sockets in TIME_WAIT don't count as taken.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(address)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            problems.append(
                f"{name} cannot listen on {host}:{port} ({reason}); "
                f"choose another with --{name}-port"
            )
    return problems


class _StopSignal:
    """Turns SIGINT, SIGTERM and SIGHUP into a flag that the supervisor polls."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.count = 0
        self._event = threading.Event()
        self._previous: dict[signal.Signals, _Handler] = {}

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float) -> None:
        self._event.wait(timeout)

    def install(self) -> None:
        # Python only lets the main thread set handlers; elsewhere the caller owns signals.
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            if handler is not None:  # None means a handler set outside Python; leave ours
                signal.signal(sig, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        self._event.set()


class _Console:
    """Serialises the output threads' lines and the supervisor's messages."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self._out = out
        self._err = err
        self._lock = threading.Lock()

    def child_line(self, name: str, line: str) -> None:
        self._write(self._out, f"{name:<8}| {line}\n")

    def say(self, message: str) -> None:
        self._write(self._out, f"foundry dev: {message}\n")

    def error(self, message: str) -> None:
        self._write(self._err, f"foundry dev: {message}\n")

    def _write(self, stream: TextIO, text: str) -> None:
        with self._lock:
            try:
                stream.write(text)
                stream.flush()
            except (OSError, ValueError):
                pass  # a closed console must not stop the supervisor or the log files
