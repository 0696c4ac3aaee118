"""Settings read from the environment, and never showing their secrets."""

from __future__ import annotations

from pathlib import Path

from foundry.config import Settings


def test_defaults_when_nothing_is_set(tmp_path: Path) -> None:
    settings = Settings.from_env(tmp_path, {})
    assert settings.database_url == f"sqlite:///{tmp_path}/foundry.db"
    assert settings.backend_url == "http://127.0.0.1:3210"
    assert settings.agent_service_url == "http://127.0.0.1:3001"
    assert settings.sandbox_worker_url == "http://127.0.0.1:8788"
    assert settings.agent_service_secret is None
    assert settings.sandbox_api_secret is None


def test_environment_values_are_used(tmp_path: Path) -> None:
    env = {
        "FOUNDRY_DATABASE_URL": "postgresql://db.example/foundry",
        "FOUNDRY_BACKEND_URL": "http://backend:1",
        "AGENT_SERVICE_URL": "http://agent:2",
        "SANDBOX_WORKER_URL": "http://sandbox:3",
        "AGENT_SERVICE_SECRET": "agent-secret-value",
        "SANDBOX_API_SECRET": "sandbox-secret-value",
        "FOUNDRY_INSTANCE_SECRET": "instance-secret-value",
    }
    settings = Settings.from_env(tmp_path, env)
    assert settings.database_url == "postgresql://db.example/foundry"
    assert (settings.backend_url, settings.agent_service_url, settings.sandbox_worker_url) == (
        "http://backend:1",
        "http://agent:2",
        "http://sandbox:3",
    )
    assert settings.agent_service_secret == "agent-secret-value"
    assert settings.sandbox_api_secret == "sandbox-secret-value"
    assert settings.instance_secret == "instance-secret-value"


def test_repr_masks_secrets(tmp_path: Path) -> None:
    env = {"AGENT_SERVICE_SECRET": "agent-secret-value", "SANDBOX_API_SECRET": "sandbox-secret"}
    text = repr(Settings.from_env(tmp_path, env))
    assert "agent-secret-value" not in text
    assert "sandbox-secret" not in text
    assert "agent_service_secret='***'" in text
    assert "instance_secret=None" in text
    assert str(Settings.from_env(tmp_path, env)) == text
