"""A tiny run of the web benchmark in a real browser: it works end to end and prints its keys."""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest


@pytest.mark.browser
def test_web_benchmark_smoke() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "foundry", "bench", "web", "--quick", "--json"],
        capture_output=True,
        check=True,
        timeout=300,
    )
    result = orjson.loads(out.stdout)
    assert set(result["render_ms"]) == {"118", "600"}
    figures = result["commit_to_visible_ms"]
    assert 0 < figures["p50"] <= figures["p99"] < 10_000
