"""The openai provider against a local server speaking the chat-completions API."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from foundry.agent.analyses import ANALYSES
from tests.agent.conftest import payload
from tests.agent.fakes import API_KEY, Fake, Reply
from tests.agent.payloads import PAYLOADS
from tests.agent.remote_helpers import local_answer, remote_client
from tests.agent.test_anthropic import HEALTHY, SCORE
from tests.agent.test_http import sse_events

SPECS = {spec.route: spec for spec in ANALYSES}


@pytest.mark.parametrize("route", sorted(SPECS))
async def test_every_route_through_chat_completions(
    route: str, local_client: httpx.AsyncClient, git_repo: Path
) -> None:
    fake = Fake([Reply(await local_answer(local_client, route, git_repo))])
    async with remote_client("openai", fake) as client:
        answer = await client.post(f"/{route}", json=payload(route, git_repo))
    assert answer.status_code == 200, answer.text
    meta = SPECS[route].response_type.model_validate(answer.json()).metadata  # type: ignore[attr-defined]
    assert (meta.provider, meta.model, meta.inputTokens, meta.outputTokens) == (
        "openai",
        "local-llm",
        900,
        200,
    )
    sent = fake.requests[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert (
        sent["response_format"]["json_schema"]["schema"]
        == SPECS[route].result_type.model_json_schema()
    )
    assert fake.auth_headers[0]["authorization"] == f"Bearer {API_KEY}"


async def test_streaming_chunks_end_with_the_result() -> None:
    fake = Fake(
        [
            Reply(
                '{"decomposition_rationale": "small", '
                '"subtasks": [{"title": "a", "description": "b", '
                '"prompt": "do a"}]}'
            )
        ]
    )
    async with remote_client("openai", fake) as client:
        answer = await client.post(
            "/generate-subtasks",
            json=PAYLOADS["generate-subtasks"],
            headers={"accept": "text/event-stream"},
        )
    assert fake.requests[0]["stream"] is True
    name, data = sse_events(answer.text)[-1]
    assert name == "result"
    assert data["subtasks"][0]["prompt"] == "do a"
    assert data["metadata"]["inputTokens"] == 900


async def test_a_429_is_retried_then_succeeds() -> None:
    fake = Fake([Reply(status=429), Reply(HEALTHY)])
    async with remote_client("openai", fake) as client:
        answer = await client.post("/score-health", json=SCORE)
    assert answer.status_code == 200 and answer.json()["metadata"]["retries"] == 1


@pytest.mark.parametrize(
    ("script", "code"),
    [
        (Reply("not json at all"), "MODEL_OUTPUT_INVALID"),
        (Reply(HEALTHY[:30], stop_reason="max_tokens"), "MODEL_OUTPUT_TRUNCATED"),
    ],
)
async def test_bad_output_is_a_502(script: Reply, code: str) -> None:
    async with remote_client("openai", Fake([script])) as client:
        answer = await client.post("/score-health", json=SCORE)
    assert answer.status_code == 502 and answer.json()["error"]["code"] == code


async def test_unreachable_endpoint_is_a_502_after_retries() -> None:
    from foundry.agent.config import AgentConfig
    from foundry.agent.providers.factory import build_provider
    from foundry.engine.testing import free_port
    from tests.agent.conftest import client_for
    from tests.agent.remote_helpers import FAST_RETRIES

    config = AgentConfig(provider="openai", openai_base_url=f"http://127.0.0.1:{free_port()}/v1")
    provider = build_provider(config, policy=FAST_RETRIES)
    async with client_for(config, provider) as client:
        answer = await client.post("/score-health", json=SCORE)
    await provider.aclose()
    assert answer.status_code == 502 and answer.json()["error"]["code"] == "UPSTREAM_ERROR"
