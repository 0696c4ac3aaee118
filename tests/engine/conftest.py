"""Fixtures for engine tests: a storage per driver, and a started deployment of the test app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from foundry.engine.deployment import Deployment
from foundry.engine.storage.base import Storage
from foundry.engine.storage.sqlite import SqliteStorage
from foundry.engine.testing import deployment_for_testing
from tests.engine.fixtures import messages

StorageFactory = Callable[[], Storage]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> StorageFactory:
    """Opens the test database on each driver; every call opens a new handle on the same data."""
    if request.param == "sqlite":
        return lambda: SqliteStorage(tmp_path / "db.sqlite")
    url = request.getfixturevalue("pg_database")
    from foundry.engine.storage.postgres import PostgresStorage

    return lambda: PostgresStorage(url)


@pytest.fixture
def sqlite_storage(tmp_path: Path) -> StorageFactory:
    """SQLite only, for tests of behaviour the drivers share by construction."""
    return lambda: SqliteStorage(tmp_path / "db.sqlite")


@pytest.fixture
async def deployment(make_storage: StorageFactory) -> AsyncIterator[Deployment]:
    """The messages app, started as the committer."""
    dep = deployment_for_testing(make_storage(), messages.schema, {"messages": messages})
    await dep.start()
    try:
        yield dep
    finally:
        await dep.stop()
