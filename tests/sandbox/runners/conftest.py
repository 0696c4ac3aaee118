"""Fixtures: a gateway in front of scripted fake model servers, and a workspace context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.sandbox.gateway.conftest import Stack
from tests.sandbox.gateway.conftest import stack as stack
from tests.sandbox.runners.support import LocalContext


@pytest.fixture
async def ctx(stack: Stack, tmp_path: Path) -> AsyncIterator[LocalContext]:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    token = stack.gateway.issue("session-1", budget_usd=5.0, max_tokens=1_000_000)
    yield LocalContext(workspace, gateway_url=stack.url, gateway_token=token)
