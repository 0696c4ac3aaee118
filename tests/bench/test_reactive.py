"""A tiny run of the reactive benchmark: it works end to end and prints the pinned keys."""

from __future__ import annotations

import subprocess
import sys

import orjson


def test_reactive_benchmark_smoke() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "foundry", "bench", "reactive", "--quick", "--json"],
        capture_output=True,
        check=True,
        timeout=180,
    )
    result = orjson.loads(out.stdout)
    assert set(result["update_latency_ms"]) == {"1", "10"}
    for figures in result["update_latency_ms"].values():
        assert 0 < figures["p50"] <= figures["p99"]
    assert set(result["commit_rate"]) >= {"engine_per_s", "raw_per_s", "ratio"}
    assert result["commit_rate"]["engine_per_s"] > 0 and result["commit_rate"]["raw_per_s"] > 0
    assert set(result["invalidation_us_per_commit"]) == {"100", "1000"}
    assert result["polling_staleness_ms"]["p50"] >= 0
