"""Agent runners by name: our own `script` plus `foundry.sandbox.runners.REGISTRY`."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from foundry.sandbox.runner_protocol import Runner
from foundry.sandbox.script_runner import ScriptRunner

log = logging.getLogger("foundry.sandbox.runners")


def registry() -> dict[str, Runner]:
    """Every runner this worker can use, by name."""
    runners: dict[str, Runner] = {"script": ScriptRunner()}
    try:
        module = importlib.import_module("foundry.sandbox.runners")
    except ImportError:
        return runners
    extra: dict[str, Any] = getattr(module, "REGISTRY", {})
    for name, runner in extra.items():
        runners[name] = runner() if isinstance(runner, type) else runner
    return runners
