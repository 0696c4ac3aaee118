"""Find a local function: the algorithm package's when importable, else the labelled fallback."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from functools import cache
from typing import Any

log = logging.getLogger("foundry.agent")

ALGORITHMS = "foundry.agent.local.algorithms"


@cache
def algorithm(key: str) -> Callable[..., Any] | None:
    """`algorithms.<module>.<function>` for `key` = "module.function", or None."""
    module_name, _, function_name = key.rpartition(".")
    try:
        module = importlib.import_module(f"{ALGORITHMS}.{module_name}")
    except ModuleNotFoundError as error:
        if error.name and not f"{ALGORITHMS}.{module_name}".startswith(error.name):
            raise  # the module exists but one of its own imports is missing: a real bug
        return None
    function = getattr(module, function_name, None)
    return function if callable(function) else None


def resolve(key: str) -> tuple[Callable[..., Any], bool]:
    """The function for `key` and whether it is the heuristic fallback."""
    found = algorithm(key)
    if found is not None:
        return found, False
    from foundry.agent.local import fallback

    log.info("[local] %s not available, using the heuristic fallback", key)
    return getattr(fallback, key.rpartition(".")[2]), True
