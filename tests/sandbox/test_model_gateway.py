"""The worker's model gateway wired into runs: tokens, egress route, budget, revocation."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from foundry.engine.testing import free_port
from foundry.sandbox.gateway import Gateway, UpstreamConfig, serving
from tests.sandbox.conftest import SECRET, Worker, running_worker
from tests.sandbox.gateway.fakes import FakeUpstream, anthropic_app
from tests.sandbox.runners.test_builtin import tool_results, use

HOST_KEY = "sk-ant-host-key-never-in-a-sandbox-0123"
CURL_GATEWAY = (
    'curl -s -m 10 "$ANTHROPIC_BASE_URL/v1/messages"'
    ' -H "authorization: Bearer $ANTHROPIC_AUTH_TOKEN" -H "content-type: application/json"'
    """ -d '{"model":"claude-sonnet-4-5","max_tokens":5,"""
    """"messages":[{"role":"user","content":"hi"}]}'"""
)
SESSION_KEY = "customer-model-key-7d1e9c42b8f0"  # not sk-shaped: only exact redaction hides it
CODE = "curl -s -m 5 -o /dev/null -w '%{http_code}'"


def _env(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


async def test_runs_reach_models_only_through_the_gateway_with_a_session_token(
    scratch: Path, bare_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeUpstream()
    fake.replies += [
        use("run_command", command=CURL_GATEWAY),  # the builtin agent's first turn
        {"content": [{"type": "text", "text": "answer-from-upstream"}]},  # the curl, from bwrap
        use("finish", summary="asked the model from inside the sandbox"),
    ]
    async with serving(anthropic_app(fake), "127.0.0.1", free_port()) as upstream:
        # The worker's own environment holds the provider key; the gateway reads it from there.
        monkeypatch.setenv("ANTHROPIC_BASE_URL", upstream)
        monkeypatch.setenv("ANTHROPIC_API_KEY", HOST_KEY)
        async with running_worker(scratch / "data") as worker:
            monkeypatch.delenv("ANTHROPIC_API_KEY")
            await worker.create(bare_repo, sandboxId="gw", budgetUsd=1.0)
            await worker.wait_status("gw", "ready")
            await worker.execute("gw", runnerConfig={"steps": [{"run": "env > env.txt"}]})
            await worker.wait_status("gw", "ready")
            workspace = worker.data_dir / "sandbox" / "sessions" / "gw" / "workspace"
            env = _env(workspace / "env.txt")
            token = env["ANTHROPIC_AUTH_TOKEN"]
            assert token.startswith("fgw_") and env["OPENAI_API_KEY"] == token
            assert env["ANTHROPIC_BASE_URL"].startswith("http://model-gateway.internal:")
            assert "ANTHROPIC_API_KEY" not in env
            everything = (workspace / "env.txt").read_text()
            assert HOST_KEY not in everything and SECRET not in everything

            await worker.execute("gw", runner="builtin")
            data = await worker.wait_status("gw", "ready", "failed", timeout=30)
            assert data["status"] == "ready", data["error"]
            logs = "\n".join(await worker.logs("gw"))
            # The curl inside bwrap got the model's reply, and the agent saw it.
            assert "answer-from-upstream" in json.dumps(tool_results(fake.seen[2].body))
            assert token not in logs and HOST_KEY not in logs
            usage = (await worker.record("gw"))["run"]["modelUsage"]
            assert usage["calls"] == 3 and usage["inputTokens"] == 30 and usage["costUsd"] > 0
            assert len(fake.seen) == 3
            for seen in fake.seen:
                assert seen.headers["x-api-key"] == HOST_KEY
                assert token not in json.dumps(seen.headers) and token.encode() not in seen.raw

            gateway_url = "http://127.0.0.1:" + env["ANTHROPIC_BASE_URL"].rsplit(":", 1)[1]
            body = {"model": "claude-sonnet-4-5", "max_tokens": 5, "messages": []}
            async with httpx.AsyncClient(base_url=gateway_url) as client:
                fake.replies.append({"content": [{"type": "text", "text": "still valid"}]})
                alive = await client.post("/v1/messages", json=body, headers={"x-api-key": token})
                assert alive.status_code == 200
                await worker.client.delete("/sandbox/gw")
                refused = await client.post("/v1/messages", json=body, headers={"x-api-key": token})
            assert refused.status_code == 401
            assert refused.json()["error"]["type"] == "authentication_error"


async def test_a_sandbox_reaches_only_the_gateway_on_the_host(
    scratch: Path, bare_repo: Path
) -> None:
    async with running_worker(scratch / "data") as worker:
        await worker.create(bare_repo, sandboxId="net")
        await worker.wait_status("net", "ready")
        port = worker.url.rsplit(":", 1)[1]  # the worker's own API, on the host's loopback
        probe = (
            f"{CODE} http://model-gateway.internal:{port}/health; echo;"
            f" {CODE} http://localhost:{port}/health; echo;"
            f' {CODE} -X POST "$ANTHROPIC_BASE_URL/v1/messages"'
        )
        await worker.execute("net", runnerConfig={"steps": [{"run": probe}]})
        await worker.wait_status("net", "ready")
        logs = await worker.logs("net")
    codes = [line for line in logs if line.isdigit() or line == "000"]
    # Wrong port under the gateway's name, and localhost, are refused; the gateway itself
    # answers (401/503: no token presented, or no host key configured here).
    assert codes[:2] == ["403", "000"] and codes[2] in ("401", "503")


def _files_hold(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


async def _ask_model(worker: Worker, sandbox_id: str, **body: object) -> str:
    steps = [{"run": "env > env.txt; " + CURL_GATEWAY}]
    await worker.execute(sandbox_id, runnerConfig={"steps": steps}, **body)
    data = await worker.wait_status(sandbox_id, "ready", "failed")
    assert data["status"] == "ready", data["error"]
    return "\n".join(await worker.logs(sandbox_id))


async def test_a_session_own_model_key_is_used_upstream_and_held_only_in_memory(
    scratch: Path,
    bare_repo: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeUpstream()
    data_dir = scratch / "data"
    async with serving(anthropic_app(fake), "127.0.0.1", free_port()) as upstream:
        host = UpstreamConfig(anthropic_base_url=upstream, anthropic_api_key=HOST_KEY)
        gateway = Gateway(host)
        async with running_worker(data_dir, gateway=gateway) as worker:
            await worker.create(bare_repo, sandboxId="own", anthropicApiKey=SESSION_KEY)
            await worker.create(bare_repo, sandboxId="host")
            await worker.wait_status("own", "ready")
            await worker.wait_status("host", "ready")
            keys = {}
            for sid in ("own", "host"):
                fake.replies.append({"content": [{"type": "text", "text": f"hello {sid}"}]})
                assert f"hello {sid}" in await _ask_model(worker, sid)
                keys[sid] = fake.seen[-1].headers["x-api-key"]
            assert keys == {"own": SESSION_KEY, "host": HOST_KEY}
            env = (data_dir / "sandbox" / "sessions" / "own" / "workspace" / "env.txt").read_text()
            assert SESSION_KEY not in env and env.count("fgw_") == 2
            record = await worker.record("own")
            assert record["modelKey"] == "session" and SESSION_KEY not in json.dumps(record)
            assert record["setupProgress"]["authSetup"]["status"] == "completed"
            assert gateway.holds_own_keys("own") and not gateway.holds_own_keys("host")
            assert _files_hold(data_dir, SESSION_KEY) == []  # sessions.db, its WAL, workspaces

        # A restart loses the key: the session's calls are refused, never billed to the host.
        gateway = Gateway(host)
        async with running_worker(data_dir, gateway=gateway) as worker:
            await worker.wait_status("own", "ready")
            calls = len(fake.seen)
            assert "no longer held by the worker" in await _ask_model(worker, "own")
            assert len(fake.seen) == calls
            fake.replies.append({"content": [{"type": "text", "text": "hello again"}]})
            assert "hello again" in await _ask_model(worker, "own", anthropicApiKey=SESSION_KEY)
            assert fake.seen[-1].headers["x-api-key"] == SESSION_KEY
            await worker.client.delete("/sandbox/own")
            assert not gateway.holds_own_keys("own")  # revoked with its token
            assert _files_hold(data_dir, SESSION_KEY) == []
    assert _files_hold(data_dir, SESSION_KEY) == []
    out, err = capfd.readouterr()
    assert SESSION_KEY not in caplog.text + out + err
    assert caplog.records  # the worker did log (a silent logger would prove nothing)
