"""Chat to the running agent: every message ends delivered or failed, in the logs and the record."""

from __future__ import annotations

from pathlib import Path

from tests.sandbox.conftest import Worker


def _chat(record: dict, message_id: str) -> dict:
    return next(m for m in record["chat"] if m["id"] == message_id)


async def test_delivered_and_undeliverable_messages_are_recorded(
    worker: Worker, bare_repo: Path
) -> None:
    await worker.create(bare_repo, sandboxId="chat")
    await worker.wait_status("chat", "ready")
    idle = await worker.client.post("/sandbox/chat/message", json={"content": "anyone?"})
    assert idle.status_code == 409
    refused = idle.json()["error"]["details"]
    assert refused["status"] == "failed" and "no agent is running" in refused["reason"]

    steps = [{"wait_message": 5}, {"sleep": 0.5}]
    await worker.execute("chat", runnerConfig={"steps": steps})
    await worker.wait_status("chat", "executing")
    sent = (await worker.client.post("/sandbox/chat/message", json={"content": "use tabs"})).json()
    assert sent["data"]["delivered"] is True and sent["data"]["status"] == "pending"
    await worker.client.post("/sandbox/chat/message", json={"content": "too late"})  # never read
    await worker.wait_status("chat", "ready")

    record = await worker.record("chat")
    assert _chat(record, refused["messageId"])["status"] == "failed"
    assert _chat(record, sent["data"]["messageId"])["status"] == "delivered"
    late = next(m for m in record["chat"] if m["content"] == "too late")
    assert late["status"] == "failed" and "run ended before the agent took" in late["reason"]
    logs = await worker.logs("chat")
    assert "received: use tabs" in logs
    assert "Chat message delivered to the agent: use tabs" in logs
    assert any(line.startswith("Chat message failed (no agent is running") for line in logs)
    assert any(line.startswith("Chat message failed (the run ended") for line in logs)


async def test_a_runner_without_a_chat_channel_fails_messages_at_once(
    worker: Worker, bare_repo: Path
) -> None:
    await worker.create(bare_repo, sandboxId="cmd")
    await worker.wait_status("cmd", "ready")
    await worker.execute("cmd", runner="command", runnerConfig={"command": "sleep 1.5"})
    await worker.wait_status("cmd", "executing")
    answer = await worker.client.post("/sandbox/cmd/message", json={"content": "hello"})
    assert answer.status_code == 409
    assert "command runner has no channel" in answer.json()["error"]["details"]["reason"]
    await worker.wait_status("cmd", "ready")
    record = await worker.record("cmd")
    assert record["chat"][-1]["status"] == "failed"
    assert any("Chat message failed (the command runner" in m for m in await worker.logs("cmd"))
