"""Fixtures of the agent-service tests: in-process clients and a small git repository."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from foundry.agent.app import create_app
from foundry.agent.config import AgentConfig
from foundry.agent.providers.base import Provider


def client_for(config: AgentConfig, provider: Provider | None = None) -> httpx.AsyncClient:
    """An httpx client talking to a fresh agent app in this process."""
    app = create_app(config, provider)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://agent")


@pytest.fixture
async def local_client() -> AsyncIterator[httpx.AsyncClient]:
    """A client of the agent service with the local provider and no secret."""
    async with client_for(AgentConfig()) as client:
        yield client


@pytest.fixture(scope="session")
def git_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Python project committed to a real git repository."""
    root = tmp_path_factory.mktemp("repo")
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "orders.py").write_text(
        "from app.quotes import Quote\n\n\nclass Order:\n    def __init__(self, quote: Quote):\n"
        "        self.quote = quote\n\n\ndef create_order(quote: Quote) -> Order:\n"
        "    return Order(quote)\n"
    )
    (root / "app" / "quotes.py").write_text("class Quote:\n    total = 0\n")
    env = {"GIT_TERMINAL_PROMPT": "0", "HOME": str(root), "PATH": "/usr/bin:/bin"}
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "."],
        ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, env=env)
    return root


def payload(route: str, repo: Path) -> dict[str, Any]:
    """The route's fixture body, with the test repository filled in where needed."""
    from tests.agent.payloads import PAYLOADS

    body = dict(PAYLOADS[route])
    if route == "analyze-codebase":
        body["repoUrl"] = f"file://{repo}"
    return body
