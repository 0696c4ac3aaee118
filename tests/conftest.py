"""Fixtures shared by the whole suite."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from foundry.engine.storage import pg_cluster as pg


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL server for the session (a throwaway cluster unless one is configured)."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(pg.postgres_server())
        except pg.PostgresUnavailable as error:
            problem = str(error)
        else:
            yield url
            return
    pytest.fail(problem, pytrace=False)  # not a skip: a missing database must be noticed


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[str]:
    """The URL of a fresh, empty database, dropped after the test."""
    url = pg.create_database(pg_url)
    try:
        yield url
    finally:
        pg.drop_database(pg_url, url)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run after all others: sync Playwright keeps its own event loop current
    for the rest of the session, which the async tests' loops must not meet."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
