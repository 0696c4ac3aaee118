"""The session's state machines: worker status, runtime mode and setup stages.

Every allowed status change is in `TRANSITIONS`; anything else raises `IllegalTransition`
("expected X, got Y"). A session is changed only by its actor, one change at a time.

    provisioning ─► cloning ─► ready ◄──► executing
         │             │         │  ▲          │
         │             │         ▼  │          ▼
         │             │      sleeping     finalizing ─► completed
         └─────────────┴─────────┴──────────┴────────► failed      (any live status)
    any status except deleted ─► deleted
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from foundry.sandbox.errors import Conflict


class IllegalTransition(Conflict):
    """A status change that `TRANSITIONS` does not allow."""


class SandboxStatus(enum.StrEnum):
    """The worker status of one session (the reference's `SandboxStatus` plus sleeping)."""

    PROVISIONING = "provisioning"
    """The runtime is being created and the setup stages before the clone run."""
    CLONING = "cloning"
    """The repository is being cloned and the remaining stages run."""
    READY = "ready"
    """Setup finished; the session waits for a run, a terminal or a finalize."""
    EXECUTING = "executing"
    """An agent run is in progress."""
    SLEEPING = "sleeping"
    """The runtime is released; the workspace is kept for wake."""
    FINALIZING = "finalizing"
    """The final commit and push are being made."""
    COMPLETED = "completed"
    """Finalized; the branch is pushed."""
    FAILED = "failed"
    """Setup or a run failed, or the TTL expired; `error` says why."""
    DELETED = "deleted"
    """Deleted: processes and files are gone, only the record stays."""

    @property
    def terminal(self) -> bool:
        """True when no further work can happen in this session."""
        return self in (SandboxStatus.COMPLETED, SandboxStatus.FAILED, SandboxStatus.DELETED)

    @property
    def done(self) -> bool:
        """The reference's poll `done` flag: nothing is running right now."""
        return self in (
            SandboxStatus.READY,
            SandboxStatus.FINALIZING,
            SandboxStatus.COMPLETED,
            SandboxStatus.DELETED,
        )


S = SandboxStatus
TRANSITIONS: dict[SandboxStatus, frozenset[SandboxStatus]] = {
    S.PROVISIONING: frozenset({S.CLONING, S.READY, S.FAILED, S.DELETED}),
    S.CLONING: frozenset({S.READY, S.FAILED, S.DELETED}),
    S.READY: frozenset({S.EXECUTING, S.SLEEPING, S.FINALIZING, S.FAILED, S.DELETED}),
    S.EXECUTING: frozenset({S.READY, S.FINALIZING, S.FAILED, S.DELETED}),
    S.SLEEPING: frozenset({S.READY, S.FAILED, S.DELETED}),
    S.FINALIZING: frozenset({S.COMPLETED, S.FAILED, S.DELETED}),
    S.COMPLETED: frozenset({S.DELETED}),
    S.FAILED: frozenset({S.DELETED}),
    S.DELETED: frozenset(),
}


def check_transition(current: SandboxStatus, new: SandboxStatus) -> None:
    """Raise `IllegalTransition` unless `current -> new` is in `TRANSITIONS`."""
    if new not in TRANSITIONS[current]:
        allowed = "|".join(sorted(s.value for s in TRANSITIONS[current])) or "nothing"
        raise IllegalTransition(
            f"expected {allowed} after {current.value}, got {new.value}",
            {"from": current.value, "to": new.value},
        )


def require_status(current: SandboxStatus, *expected: SandboxStatus) -> None:
    """Raise `Conflict` ("expected X, got Y") unless the session is in one of `expected`."""
    if current not in expected:
        want = "|".join(s.value for s in expected)
        raise Conflict(
            f"expected {want}, got {current.value}", {"status": current.value, "expected": want}
        )


class RuntimeMode(enum.StrEnum):
    """What the runtime is doing: the reference's runtimeMode."""

    IDLE = "idle"
    EXECUTING = "executing"
    INTERACTIVE = "interactive"
    HIBERNATING = "hibernating"


class StageStatus(enum.StrEnum):
    """State of one setup stage."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"


STAGES = (
    "containerProvision",
    "systemSetup",
    "authSetup",
    "claudeConfig",
    "gitClone",
    "depsInstall",
    "mcpInstall",
    "workspaceCustomization",
    "healthCheck",
    "ready",
)
# The reference's grouping: stages in one group run in parallel, groups run in order.
STAGE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("containerProvision",),
    ("systemSetup", "authSetup", "claudeConfig"),
    ("gitClone",),
    ("depsInstall", "mcpInstall", "workspaceCustomization"),
    ("healthCheck",),
    ("ready",),
)


def now_iso() -> str:
    """The current UTC time as the reference writes it (ISO 8601, milliseconds, Z)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_setup_progress() -> dict[str, dict[str, Any]]:
    """A `setupProgress` with every stage pending."""
    return {stage: {"status": StageStatus.PENDING.value} for stage in STAGES}
