"""Non-deterministic queries are caught by re-running them at the same snapshot."""

from __future__ import annotations

import pytest

from foundry.engine import knobs
from foundry.engine.deployment import Deployment


async def test_a_query_using_outside_randomness_is_refused(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(knobs, "CHECK_DETERMINISM", True)
    run = await deployment.run_query("messages:impure", {}, None)
    assert run.outcome.error is not None
    assert "not deterministic" in run.outcome.error.message
    # The transaction's own clock is fine: both runs see the same time.
    clock = await deployment.run_query("messages:clock", {}, None)
    assert clock.outcome.error is None and clock.outcome.value > 0
    listed = await deployment.run_query("messages:list", {"channel": "p"}, None)
    assert listed.outcome.error is None
