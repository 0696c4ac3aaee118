"""`foundry dev` as a real subprocess: four real children, real health checks, real signals."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from foundry.dev import DevConfig, Running, run

SERVICES = ("backend", "agent", "sandbox", "web")
SECRET_NAMES = ("AGENT_SERVICE_SECRET", "SANDBOX_API_SECRET", "FOUNDRY_INSTANCE_SECRET")
READY = "all four processes are up"
TABLE_ROW = re.compile(r"^\s+(backend|agent|sandbox|web)\s+(http://\S+)\s+pid (\d+)$")


def free_ports(count: int) -> list[int]:
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]


class Dev:
    """A running `foundry dev` and everything it has printed so far."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        ports = dict(zip(SERVICES, free_ports(4), strict=True))
        argv = [sys.executable, "-m", "foundry", "dev", "--data-dir", str(data_dir)]
        for name, port in ports.items():
            argv += [f"--{name}-port", str(port)]
        self.process = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                with self._changed:
                    self.lines.append(line.rstrip("\n"))
                    self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float) -> None:
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(text in line for line in self.lines) or self.process.poll() is not None,
                timeout,
            )
        assert found and text in self.output, f"no {text!r} within {timeout} s:\n{self.output}"

    def wait_until_ready(self) -> tuple[dict[str, str], dict[str, int]]:
        """Wait for the table of processes; return their URLs and PIDs."""
        self.wait_for(READY, timeout=30)
        self.wait_for("Ctrl-C stops everything", timeout=5)
        urls, pids = {}, {}
        for line in self.lines:
            if match := TABLE_ROW.match(line):
                urls[match[1]] = match[2]
                pids[match[1]] = int(match[3])
        assert set(pids) == set(SERVICES), self.output
        return urls, pids

    def exit_code(self, timeout: float = 20) -> int:
        return self.process.wait(timeout)


@contextmanager
def foundry_dev(data_dir: Path, **extra_env: str) -> Iterator[Dev]:
    env = {k: v for k, v in os.environ.items() if k not in SECRET_NAMES}
    env.update(extra_env, PYTHONUNBUFFERED="1")
    dev = Dev(data_dir, env)
    try:
        yield dev
    finally:
        if dev.process.poll() is None:
            dev.process.send_signal(signal.SIGINT)
            try:
                dev.process.wait(20)
            except subprocess.TimeoutExpired:
                dev.process.kill()
                dev.process.wait(5)
        dev.reader.join(5)


def is_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"  # a zombie is dead: only its exit status is left to collect


def child_environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode()
    return dict(entry.split("=", 1) for entry in raw.split("\0") if "=" in entry)


def read_secrets(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_dev_starts_all_four_and_ctrl_c_stops_them(tmp_path: Path) -> None:
    with foundry_dev(tmp_path / "data") as dev:
        urls, pids = dev.wait_until_ready()
        with httpx.Client(timeout=5, trust_env=False) as client:
            for name in SERVICES:
                assert client.get(f"{urls[name]}/health").status_code == 200, name
        env = child_environment(pids["web"])
        assert env["FOUNDRY_BACKEND_URL"] == urls["backend"]
        assert env["AGENT_SERVICE_URL"] == urls["agent"]
        assert env["SANDBOX_WORKER_URL"] == urls["sandbox"]

        dev.process.send_signal(signal.SIGINT)
        assert dev.exit_code() == 0, dev.output

    assert all(is_gone(pid) for pid in pids.values()), pids
    for name in SERVICES:
        assert (
            "Application startup complete" in (tmp_path / "data/logs" / f"{name}.log").read_text()
        )


def test_dev_stops_everything_when_one_child_dies(tmp_path: Path) -> None:
    with foundry_dev(tmp_path / "data") as dev:
        _, pids = dev.wait_until_ready()
        os.kill(pids["agent"], signal.SIGKILL)
        assert dev.exit_code() != 0

    output = dev.output
    assert "agent was killed by SIGKILL" in output
    assert "last 20 lines of agent's log" in output
    tail = output.split("last 20 lines of agent's log", 1)[1]
    assert "agent | INFO:     Application startup complete." in tail
    assert all(is_gone(pid) for pid in pids.values()), pids


def test_dev_secrets_are_private_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    secrets_path = data_dir / "secrets.env"
    with foundry_dev(data_dir) as dev:
        _, pids = dev.wait_until_ready()
        first = read_secrets(secrets_path)
        assert set(first) == set(SECRET_NAMES)
        assert secrets_path.stat().st_mode & 0o777 == 0o600
        env = child_environment(pids["backend"])
        assert all(env[name] == first[name] for name in SECRET_NAMES)
        assert all(value not in dev.output for value in first.values())

    # A second run reuses the file; a variable set in the environment wins over it.
    with foundry_dev(data_dir, AGENT_SERVICE_SECRET="set-by-the-operator") as dev:
        _, pids = dev.wait_until_ready()
        assert read_secrets(secrets_path) == first
        env = child_environment(pids["agent"])
        assert env["AGENT_SERVICE_SECRET"] == "set-by-the-operator"
        assert env["SANDBOX_API_SECRET"] == first["SANDBOX_API_SECRET"]


def test_dev_refuses_a_port_that_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = [sys.executable, "-m", "foundry", "dev", "--data-dir", str(tmp_path)]
        result = subprocess.run(
            [*argv, "--agent-port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert f"agent cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--agent-port" in result.stderr
    assert not (tmp_path / "logs").exists()


def test_on_ready_runs_once_all_four_are_healthy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ports = dict(zip(SERVICES, free_ports(4), strict=True))
    seen: list[Running] = []
    statuses: list[int] = []

    def seed(running: Running) -> None:
        seen.append(running)
        with httpx.Client(timeout=5, trust_env=False) as client:
            statuses.extend(
                client.get(f"{running.urls[name]}/health").status_code for name in SERVICES
            )
        raise RuntimeError("demo data could not be seeded")

    # A failing hook stops everything, like a dying child.
    assert run(DevConfig(data_dir=tmp_path, ports=ports), on_ready=seed) == 1
    assert statuses == [200, 200, 200, 200]
    assert seen[0].settings.backend_url == seen[0].urls["backend"]
    assert seen[0].settings.data_dir == tmp_path.resolve()
    err = capsys.readouterr().err
    assert "on_ready failed" in err
    assert "demo data could not be seeded" in err
    with httpx.Client(timeout=5, trust_env=False) as client:
        for url in seen[0].urls.values():
            with pytest.raises(httpx.ConnectError):
                client.get(f"{url}/health")


def test_dev_gives_up_on_processes_that_never_become_healthy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ports = dict(zip(SERVICES, free_ports(4), strict=True))
    # No Python process answers within 0 s, so this exercises the give-up path.
    assert run(DevConfig(data_dir=tmp_path, ports=ports, health_timeout=0.0)) == 1
    err = capsys.readouterr().err
    assert "gave up after 0 s: backend, agent, sandbox, web never answered GET /health" in err
    assert "last 20 lines of web's log" in err
