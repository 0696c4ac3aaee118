"""The model gateway against fake Anthropic and OpenAI servers, over real HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

import httpx
import pytest

from foundry.engine.testing import free_port
from foundry.sandbox.gateway import Gateway, UpstreamConfig, serving
from tests.sandbox.gateway.conftest import ANTHROPIC_KEY, OPENAI_KEY, Stack

TOOL_REPLY = {"content": [{"type": "text", "text": "hi"}]}
BODY = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 100,
    "messages": [{"role": "user", "content": "hello"}],
}


async def post(
    url: str, path: str, token: str, body: Mapping[str, object], *, bearer: bool = False
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if bearer else {"x-api-key": token}
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(url + path, json=body, headers=headers)


async def test_forwards_anthropic_call_with_host_key_and_charges_usage(stack: Stack) -> None:
    token = stack.gateway.issue("s1", budget_usd=1.0, max_tokens=10_000)
    stack.anthropic.replies.append(TOOL_REPLY)
    response = await post(stack.url, "/v1/messages", token, BODY)
    assert response.status_code == 200
    assert response.json()["content"] == [{"type": "text", "text": "hi"}]
    (seen,) = stack.anthropic.seen
    assert seen.headers["x-api-key"] == ANTHROPIC_KEY
    assert "authorization" not in seen.headers
    assert token not in json.dumps(seen.headers) and token.encode() not in seen.raw
    assert seen.headers["anthropic-version"] == "2023-06-01"
    usage = stack.gateway.usage("s1")
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.calls) == (10, 5, 1)
    assert usage.cost_usd == pytest.approx((10 * 3.0 + 5 * 15.0) / 1_000_000)


async def test_accepts_bearer_token(stack: Stack) -> None:
    token = stack.gateway.issue("s1", 1.0, 10_000)
    response = await post(stack.url, "/v1/messages", token, BODY, bearer=True)
    assert response.status_code == 200


@pytest.mark.parametrize("token", ["", "sk-ant-guess", "fgw_0011223344556677.wrong-secret"])
async def test_refuses_unknown_tokens_without_calling_upstream(stack: Stack, token: str) -> None:
    stack.gateway.issue("s1", 1.0, 10_000)
    response = await post(stack.url, "/v1/messages", token, BODY)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert stack.anthropic.seen == []


async def test_a_revoked_token_is_refused_at_once(stack: Stack) -> None:
    token = stack.gateway.issue("s1", 1.0, 10_000)
    assert (await post(stack.url, "/v1/messages", token, BODY)).status_code == 200
    assert stack.gateway.revoke(token) is True
    response = await post(stack.url, "/v1/messages", token, BODY)
    assert response.status_code == 401
    assert len(stack.anthropic.seen) == 1


async def test_token_cap_refuses_once_spent(stack: Stack) -> None:
    token = stack.gateway.issue("s1", budget_usd=1.0, max_tokens=20)
    assert (await post(stack.url, "/v1/messages", token, BODY)).status_code == 200  # 15 used
    assert (await post(stack.url, "/v1/messages", token, BODY)).status_code == 200  # 30 used
    refused = await post(stack.url, "/v1/messages", token, BODY)
    assert refused.status_code == 402
    assert refused.json()["error"]["type"] == "budget_exceeded"
    assert "30 of 20 tokens" in refused.json()["error"]["message"]
    assert len(stack.anthropic.seen) == 2


async def test_usd_budget_refuses_once_spent_in_openai_shape(stack: Stack) -> None:
    token = stack.gateway.issue("s2", budget_usd=0.00001, max_tokens=10_000)
    stack.openai.replies.append({"message": {"content": "ok"}})
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}
    assert (
        await post(stack.url, "/v1/chat/completions", token, body, bearer=True)
    ).status_code == 200
    refused = await post(stack.url, "/v1/chat/completions", token, body, bearer=True)
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "budget_exceeded"


async def test_streams_anthropic_events_through_and_counts_their_usage(stack: Stack) -> None:
    token = stack.gateway.issue("s1", 1.0, 10_000)
    stack.anthropic.input_tokens, stack.anthropic.output_tokens = 123, 45
    stack.anthropic.replies.append(TOOL_REPLY)
    async with (
        httpx.AsyncClient(timeout=10) as client,
        client.stream(
            "POST",
            stack.url + "/v1/messages",
            json={**BODY, "stream": True},
            headers={"x-api-key": token},
        ) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        text = (await response.aread()).decode()
    assert text.index("message_start") < text.index("message_delta") < text.index("message_stop")
    usage = stack.gateway.usage("s1")
    assert usage is not None and (usage.input_tokens, usage.output_tokens) == (123, 45)


async def test_openai_streaming_asks_for_usage_and_counts_it(stack: Stack) -> None:
    token = stack.gateway.issue("s3", 1.0, 10_000)
    stack.openai.replies.append({"message": {"content": "streamed"}})
    body = {"model": "gpt-4.1", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            stack.url + "/v1/chat/completions",
            json=body,
            headers={"authorization": f"Bearer {token}"},
        )
    assert "streamed" in response.text and "[DONE]" in response.text
    (seen,) = stack.openai.seen
    assert seen.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert seen.body["stream_options"] == {"include_usage": True}
    usage = stack.gateway.usage("s3")
    assert usage is not None and (usage.input_tokens, usage.output_tokens) == (10, 5)


async def test_upstream_errors_pass_through_uncharged(stack: Stack) -> None:
    token = stack.gateway.issue("s1", 1.0, 10_000)
    stack.anthropic.status = 529
    response = await post(stack.url, "/v1/messages", token, BODY)
    assert response.status_code == 529
    usage = stack.gateway.usage("s1")
    assert usage is not None and usage.calls == 0


async def test_missing_host_key_and_unreachable_upstream_are_clear_errors() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gateway = Gateway(UpstreamConfig(dead, "sk-ant-x", dead, None))
    try:
        async with serving(gateway.app, "127.0.0.1", free_port()) as url:
            token = gateway.issue("s1", 1.0, 1000)
            no_key = await post(
                url, "/v1/chat/completions", token, {"model": "gpt-4.1"}, bearer=True
            )
            assert no_key.status_code == 503
            assert "OPENAI_API_KEY" in no_key.json()["error"]["message"]
            unreachable = await post(url, "/v1/messages", token, BODY)
            assert unreachable.status_code == 502
            assert "unreachable" in unreachable.json()["error"]["message"]
    finally:
        await gateway.aclose()


async def test_logs_never_show_keys_or_tokens(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = stack.gateway.issue("s1", 1.0, 10_000)
    await post(stack.url, "/v1/messages", token, BODY)
    await post(stack.url, "/v1/messages", token + "x", BODY)
    assert "session s1" in caplog.text
    for secret in (ANTHROPIC_KEY, OPENAI_KEY, token, token.split(".")[1]):
        assert secret not in caplog.text
    assert ANTHROPIC_KEY not in repr(stack.gateway.upstream)


async def test_rejects_non_object_bodies(stack: Stack) -> None:
    token = stack.gateway.issue("s1", 1.0, 10_000)
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            stack.url + "/v1/messages", content=b"[1,2]", headers={"x-api-key": token}
        )
    assert response.status_code == 400
    assert stack.anthropic.seen == []


def test_issue_needs_a_positive_allowance() -> None:
    gateway = Gateway(UpstreamConfig())
    with pytest.raises(ValueError, match="positive"):
        gateway.issue("s", 0.0, 100)
