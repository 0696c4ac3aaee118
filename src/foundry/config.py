"""Settings shared by the four processes, read from environment variables.

Secrets are held here but never shown: `repr(settings)` masks them, so a settings
object can be logged safely.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

# The process names, in start order, and the port each listens on by default.
DEFAULT_PORTS = {"backend": 3210, "agent": 3001, "sandbox": 8788, "web": 3000}

DEFAULT_BACKEND_URL = "http://127.0.0.1:3210"
DEFAULT_AGENT_SERVICE_URL = "http://127.0.0.1:3001"
DEFAULT_SANDBOX_WORKER_URL = "http://127.0.0.1:8788"

# Field names whose values must never appear in logs or output.
_SECRET_FIELDS = frozenset({"agent_service_secret", "sandbox_api_secret", "instance_secret"})


@dataclass(frozen=True)
class Settings:
    """Where the processes find each other and the secrets they share."""

    data_dir: Path
    database_url: str
    backend_url: str = DEFAULT_BACKEND_URL
    agent_service_url: str = DEFAULT_AGENT_SERVICE_URL
    sandbox_worker_url: str = DEFAULT_SANDBOX_WORKER_URL
    agent_service_secret: str | None = None
    sandbox_api_secret: str | None = None
    instance_secret: str | None = None

    @classmethod
    def from_env(cls, data_dir: Path, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from `environ` (default `os.environ`); unset or empty means default."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env.get(name) or None

        return cls(
            data_dir=data_dir,
            database_url=get("FOUNDRY_DATABASE_URL") or default_database_url(data_dir),
            backend_url=get("FOUNDRY_BACKEND_URL") or DEFAULT_BACKEND_URL,
            agent_service_url=get("AGENT_SERVICE_URL") or DEFAULT_AGENT_SERVICE_URL,
            sandbox_worker_url=get("SANDBOX_WORKER_URL") or DEFAULT_SANDBOX_WORKER_URL,
            agent_service_secret=get("AGENT_SERVICE_SECRET"),
            sandbox_api_secret=get("SANDBOX_API_SECRET"),
            instance_secret=get("FOUNDRY_INSTANCE_SECRET"),
        )

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRET_FIELDS and value is not None:
                parts.append(f"{f.name}='***'")
            else:
                parts.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(parts)})"


def default_database_url(data_dir: Path) -> str:
    """The embedded default: one SQLite file in the data directory."""
    return f"sqlite:///{data_dir / 'foundry.db'}"
