"""Reading tunables from environment variables, with a clear error for a malformed value.

Every package's `knobs.py` declares its defaults with these, so an operator's typo fails at
start-up naming the variable, never deep inside a request.
"""

from __future__ import annotations

import os


def env_str(name: str, default: str) -> str:
    """The variable's value, or `default` when it is unset or empty."""
    return os.environ.get(name) or default


def env_float(name: str, default: float) -> float:
    """The variable as a number, or `default` when it is unset or empty."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be a number, got {raw!r}") from None


def env_int(name: str, default: int) -> int:
    """The variable as an integer, or `default` when it is unset or empty."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from None
