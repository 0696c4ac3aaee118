"""The only non-local exits of the builtin agent loop (mini-swe-agent's `exceptions.py`).

InterruptAgentFlow
├── Submitted          the model called `finish`: the run is done
├── LimitsExceeded     a cap on turns, tokens or wall time was reached
│   └── LoopDetected   the same action was repeated too many times in a row
├── FormatError        the model's reply could not be used; the loop tells the model and goes on
├── Stopped            the user (or the worker) asked the run to stop
└── ModelError         the model API (through the gateway) refused or failed
"""

from __future__ import annotations


class InterruptAgentFlow(Exception):
    """Leaves the current step; `message` says why in one sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Submitted(InterruptAgentFlow):
    """The agent finished; `message` is its summary."""


class LimitsExceeded(InterruptAgentFlow):
    """A cap on turns, tokens or wall time was reached."""


class LoopDetected(LimitsExceeded):
    """The same action was repeated too many times in a row."""


class FormatError(InterruptAgentFlow):
    """The model's reply was malformed; `message` is fed back to the model."""


class Stopped(InterruptAgentFlow):
    """The run was asked to stop."""


class ModelError(InterruptAgentFlow):
    """The model API refused the call or failed (budget spent, bad token, upstream down)."""
