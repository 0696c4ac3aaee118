"""Tunables read from the environment: defaults, values, and a clear error for a typo."""

from __future__ import annotations

import pytest

from foundry.env import env_float, env_int, env_str


def test_defaults_values_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FOUNDRY_TEST_KNOB", raising=False)
    assert env_int("FOUNDRY_TEST_KNOB", 3) == 3
    monkeypatch.setenv("FOUNDRY_TEST_KNOB", "")
    assert env_float("FOUNDRY_TEST_KNOB", 1.5) == 1.5
    assert env_str("FOUNDRY_TEST_KNOB", "x") == "x"
    monkeypatch.setenv("FOUNDRY_TEST_KNOB", "42")
    assert env_int("FOUNDRY_TEST_KNOB", 3) == 42 and env_float("FOUNDRY_TEST_KNOB", 1.0) == 42.0
    monkeypatch.setenv("FOUNDRY_TEST_KNOB", "forty")
    with pytest.raises(ValueError, match="FOUNDRY_TEST_KNOB must be an integer, got 'forty'"):
        env_int("FOUNDRY_TEST_KNOB", 3)
    with pytest.raises(ValueError, match="must be a number"):
        env_float("FOUNDRY_TEST_KNOB", 1.0)
