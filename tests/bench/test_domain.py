"""A tiny run of the domain benchmark: it works end to end and prints the pinned keys."""

from __future__ import annotations

import subprocess
import sys

import orjson


def test_domain_benchmark_smoke() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "foundry", "bench", "domain", "--quick", "--json"],
        capture_output=True,
        check=True,
        timeout=300,
    )
    result = orjson.loads(out.stdout)
    for key in (
        "requirements_list_ms",
        "requirements_filter_ms",
        "tasks_list_ms",
        "tasks_filter_ms",
    ):
        assert 0 < result[key]["p50"] <= result[key]["p99"]
    assert result["bulk_status_500_ms"] > 0 and result["bulk_status_count"] == 100
    assert result["subscriber_update_ms"]["p50"] > 0
