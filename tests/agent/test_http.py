"""Auth on and off, the org id, request/audit logs without secrets or content, and SSE streaming."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from foundry.agent.config import AgentConfig
from foundry.agent.schemas.service import HealthResponse
from tests.agent.conftest import client_for
from tests.agent.payloads import PAYLOADS

SECRET = "s3cret-value-for-tests"


def sse_events(text: str) -> list[tuple[str, Any]]:
    """(event, data) pairs of a text/event-stream body."""
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


async def test_no_secret_means_no_auth(local_client: httpx.AsyncClient) -> None:
    answer = await local_client.post("/score-health", json=PAYLOADS["score-health"])
    assert answer.status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {SECRET}", f"Bearer {SECRET}x"])
async def test_secret_rejects_bad_tokens(header: str | None) -> None:
    headers = {"authorization": header} if header else {}
    async with client_for(AgentConfig(service_secret=SECRET)) as client:
        answer = await client.post("/score-health", json=PAYLOADS["score-health"], headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "UNAUTHORIZED"


async def test_secret_accepts_the_right_token_and_health_stays_public(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="foundry.agent")
    async with client_for(AgentConfig(service_secret=SECRET)) as client:
        health = await client.get("/health")
        answer = await client.post(
            "/analyze-document",
            json={"text": "The portal shall export invoices as PDF. TOPSECRETCONTENT"},
            headers={"authorization": f"Bearer {SECRET}", "x-org-id": "org_42"},
        )
    assert HealthResponse.model_validate(health.json()).data.service == "foundry-agent"
    assert answer.status_code == 200
    audit = [r.getMessage() for r in caplog.records if r.getMessage().startswith("[audit]")]
    assert any(
        "org=org_42" in line and "path=/analyze-document" in line and "status=200" in line
        for line in audit
    )
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET not in logged
    assert "TOPSECRETCONTENT" not in logged


async def test_missing_org_id_is_unknown(
    local_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="foundry.agent")
    await local_client.get("/auth/status")
    assert any("org=unknown" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("route", ["analyze-document", "decompose-task", "generate-subtasks"])
async def test_long_routes_stream_progress_and_end_with_the_result(
    route: str, local_client: httpx.AsyncClient
) -> None:
    answer = await local_client.post(
        f"/{route}", json=PAYLOADS[route], headers={"accept": "text/event-stream"}
    )
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = sse_events(answer.text)
    names = [name for name, _ in events]
    assert names[0] == "progress" and "partial" in names
    assert names[-1] == "result" and names.count("result") == 1
    plain = (await local_client.post(f"/{route}", json=PAYLOADS[route])).json()
    final = events[-1][1]
    del final["metadata"], plain["metadata"]
    assert final == plain


async def test_short_routes_ignore_the_event_stream_accept(local_client: httpx.AsyncClient) -> None:
    answer = await local_client.post(
        "/score-health", json=PAYLOADS["score-health"], headers={"accept": "text/event-stream"}
    )
    assert answer.headers["content-type"] == "application/json"
