from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from foundry.engine import knobs
from tests.client.support import backend


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db.sqlite"


@pytest.fixture
async def url(db_path: Path) -> AsyncIterator[str]:
    async with backend(db_path) as url:
        yield url


@pytest.fixture
async def auth_url(db_path: Path) -> AsyncIterator[str]:
    async with backend(db_path, auth=True) as url:
        yield url


@pytest.fixture
def no_leeway(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens expire exactly at `exp` (request it before `auth_url`)."""
    monkeypatch.setattr(knobs, "AUTH_LEEWAY_S", 0)
