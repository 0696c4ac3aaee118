"""Contract tests of every route with the local provider: shapes, metadata, 400 codes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from foundry.agent.analyses import ANALYSES
from foundry.agent.schemas.codebase import EmbedResponse
from foundry.agent.schemas.common import ErrorResponse
from tests.agent.conftest import payload
from tests.agent.payloads import MALFORMED, MISSING, PAYLOADS

SPECS = {spec.route: spec for spec in ANALYSES}


def test_every_route_has_fixtures() -> None:
    assert set(PAYLOADS) == set(SPECS) == set(MISSING)


@pytest.mark.parametrize("route", sorted(SPECS))
async def test_route_answers_its_response_schema(
    route: str, local_client: httpx.AsyncClient, git_repo: Path
) -> None:
    answer = await local_client.post(f"/{route}", json=payload(route, git_repo))
    assert answer.status_code == 200, answer.text
    body = SPECS[route].response_type.model_validate(answer.json())
    meta = body.metadata  # type: ignore[attr-defined]
    assert meta.provider == "local"
    assert meta.estimatedCostUsd == 0
    assert meta.durationMs >= 0
    if meta.heuristic:
        assert meta.confidence is not None and meta.confidence <= 0.5


@pytest.mark.parametrize("route", sorted(SPECS))
async def test_missing_field_gives_the_routes_code(
    route: str, local_client: httpx.AsyncClient, git_repo: Path
) -> None:
    field, code = MISSING[route]
    body = payload(route, git_repo)
    del body[field]
    answer = await local_client.post(f"/{route}", json=body)
    assert answer.status_code == 400
    assert ErrorResponse.model_validate(answer.json()).error.code == code


@pytest.mark.parametrize("route", sorted(MALFORMED))
async def test_malformed_field_gives_the_routes_code(
    route: str, local_client: httpx.AsyncClient, git_repo: Path
) -> None:
    field, value, code = MALFORMED[route]
    answer = await local_client.post(f"/{route}", json={**payload(route, git_repo), field: value})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code


async def test_body_that_is_not_json_is_rejected(local_client: httpx.AsyncClient) -> None:
    answer = await local_client.post("/analyze-document", content=b"{not json")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "INVALID_REQUEST"


async def test_repo_url_that_is_neither_git_nor_a_directory(
    local_client: httpx.AsyncClient,
) -> None:
    answer = await local_client.post("/analyze-codebase", json={"repoUrl": "not a repo"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "INVALID_REPO_URL"


async def test_codebase_from_a_local_path_and_a_git_url_agree(
    local_client: httpx.AsyncClient, git_repo: Path
) -> None:
    by_path = await local_client.post("/analyze-codebase", json={"repoUrl": str(git_repo)})
    by_url = await local_client.post("/analyze-codebase", json={"repoUrl": f"file://{git_repo}"})
    names = {n["name"] for n in by_path.json()["analysis"]["nodes"]}
    assert {"Order", "create_order", "Quote"} <= names
    assert names == {n["name"] for n in by_url.json()["analysis"]["nodes"]}


async def test_embed_reports_the_models_vector_length(local_client: httpx.AsyncClient) -> None:
    answer = await local_client.post("/embed", json={"text": "orders are created from quotes"})
    body = EmbedResponse.model_validate(answer.json())
    assert body.dimensions == len(body.embedding) > 0
    assert body.model
    missing = await local_client.post("/embed", json={})
    assert missing.json()["error"]["code"] == "MISSING_TEXT"


async def test_document_findings_point_at_their_exact_spans(
    local_client: httpx.AsyncClient,
) -> None:
    text = PAYLOADS["analyze-document"]["text"]
    body = (await local_client.post("/analyze-document", json={"text": text})).json()
    assert body["requirements"]
    for finding in body["requirements"] + body["risks"] + body["decisions"]:
        span = finding["sourceSpan"]
        assert text[span["start"] : span["end"]] == finding["sourceExcerpt"]


async def test_service_routes(local_client: httpx.AsyncClient) -> None:
    status = (await local_client.get("/auth/status")).json()
    assert status["isConfigured"] is True and status["provider"] == "local"
    health = await local_client.get("/atlassian/connection-health")
    assert health.status_code == 503
    assert health.json()["checks"]["env"]["missingEnvVars"] == [
        "ATLASSIAN_CLIENT_ID",
        "ATLASSIAN_CLIENT_SECRET",
    ]
    oauth = await local_client.post(
        "/atlassian/oauth", json={"action": "refresh_token", "refreshToken": "r"}
    )
    assert oauth.status_code == 503
    assert oauth.json()["error"]["code"] == "MISSING_ATLASSIAN_CONFIG"
