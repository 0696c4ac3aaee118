"""The `foundry` command, run as a real subprocess, and the health endpoints it serves."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

import foundry

FOUNDRY = [sys.executable, "-m", "foundry"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_health(url: str, process: subprocess.Popen[str], timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            assert process.poll() is None, f"the process exited with {process.returncode}"
            try:
                return client.get(f"{url}/health")
            except httpx.TransportError:
                time.sleep(0.1)
    raise AssertionError(f"{url}/health did not answer within {timeout} s")


def test_version_from_console_script_and_module() -> None:
    script = Path(sys.executable).with_name("foundry")
    for command in ([str(script), "version"], [*FOUNDRY, "version"]):
        result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
        assert result.stdout == f"foundry {foundry.__version__}\n"


def _timestamp(value: Any) -> datetime:
    assert isinstance(value, str) and value.endswith("Z")
    return datetime.fromisoformat(value)


@pytest.mark.parametrize("command", ["agent", "sandbox", "web"])
def test_service_answers_health_in_its_shape(command: str, tmp_path: Path) -> None:
    port = free_port()
    data_dir = tmp_path / "data"
    process = subprocess.Popen(
        [*FOUNDRY, command, "--port", str(port), "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        response = wait_for_health(f"http://127.0.0.1:{port}", process, timeout=20)
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert response.status_code == 200
    body = response.json()
    version = foundry.__version__
    if command == "agent":
        assert body["ok"] is True
        assert set(body["data"]) == {"status", "service", "timestamp", "version"}
        assert body["data"]["status"] == "ok"
        assert body["data"]["service"] == "foundry-agent"
        assert body["data"]["version"] == version
        _timestamp(body["data"]["timestamp"])
    elif command == "sandbox":
        assert set(body) == {"status", "service", "timestamp", "version"}
        assert (body["status"], body["service"], body["version"]) == (
            "ok",
            "sandbox-worker",
            version,
        )
        _timestamp(body["timestamp"])
    else:
        assert body == {"status": "ok", "service": "foundry-web", "version": version}
    assert data_dir.is_dir()


def test_bench_rejects_an_unknown_benchmark() -> None:
    result = subprocess.run(
        [*FOUNDRY, "bench", "no-such-bench", "--json"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "unknown benchmark 'no-such-bench'" in result.stderr
    assert "reactive" in result.stderr


def test_unknown_command_is_a_usage_error() -> None:
    result = subprocess.run([*FOUNDRY, "frobnicate"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
