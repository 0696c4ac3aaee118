"""Registration, HTTP routes and function logs."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from foundry.engine.deployment import Deployment
from foundry.engine.errors import SchemaError
from foundry.engine.functions import Crons, HttpRouter, Registry


async def _handler(ctx: object, request: object) -> None:
    return None


@pytest.mark.parametrize("path", ["/api/sync", "/api/query", "/api/mutation/x", "/health"])
def test_reserved_routes_are_refused_at_start_up(path: str) -> None:
    http = HttpRouter()
    http.route(path, "POST", _handler)
    with pytest.raises(SchemaError, match="collides with the reserved"):
        Registry().add_module("hooks", SimpleNamespace(http=http))


def test_duplicate_routes_and_unknown_cron_targets_are_refused() -> None:
    http = HttpRouter()
    http.route("/hook", "POST", _handler)
    http.route("/hook", "post", _handler)
    with pytest.raises(SchemaError, match="declared twice"):
        Registry().add_module("hooks", SimpleNamespace(http=http))
    crons = Crons()
    crons.interval("x", "nowhere:nothing", seconds=1)
    registry = Registry()
    registry.add_module("jobs", SimpleNamespace(crons=crons))
    with pytest.raises(SchemaError, match="unknown function"):
        registry.validate()


async def test_function_logs_carry_the_function_and_request_id(
    deployment: Deployment, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="foundry.functions"):
        outcome, _ = await deployment.run_mutation("messages:noisy", {"channel": "log"}, None)
    assert outcome.log_lines == ("[INFO] sending to log",)
    record = next(r for r in caplog.records if "sending to log" in r.getMessage())
    assert record.getMessage().startswith("messages:noisy [")


async def test_actions_store_files_and_hand_out_signed_urls(tmp_path: Path) -> None:
    import httpx

    from foundry.engine.files import LocalFileStore, UrlSigner
    from foundry.engine.storage.sqlite import SqliteStorage
    from foundry.engine.testing import serve_for_testing
    from tests.engine.fixtures import messages

    registry = Registry()
    registry.add_module("messages", messages)
    deployment = Deployment(
        SqliteStorage(tmp_path / "db.sqlite"),
        messages.schema,
        registry,
        files=LocalFileStore(tmp_path / "files"),
        url_signer=UrlSigner(b"k" * 32),
    )
    async with serve_for_testing(deployment) as url, httpx.AsyncClient(base_url=url) as http:
        response = await http.post(
            "/api/action", json={"path": "messages:store_note", "args": {"text": "hello"}}
        )
        link = response.json()["value"]
        assert link.startswith("/api/storage/") and "signature=" in link
        download = await http.get(link)
        assert download.status_code == 200 and download.text == "hello"
        assert (await http.get(link.replace("signature=", "signature=x"))).status_code == 403
