"""Fixtures for the product's backend: the real app on a fresh database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from foundry.app.schema import build_schema
from foundry.engine.deployment import Deployment
from foundry.engine.functions import Registry
from foundry.engine.storage.sqlite import SqliteStorage
from tests.app.harness import Harness


def app_registry() -> Registry:
    """Every function of the product."""
    registry = Registry()
    registry.add_package("foundry.app")
    return registry


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Harness]:
    """The product's backend, started on SQLite."""
    deployment = Deployment(SqliteStorage(tmp_path / "app.sqlite"), build_schema(), app_registry())
    await deployment.start()
    try:
        yield Harness(deployment)
    finally:
        await deployment.stop()
