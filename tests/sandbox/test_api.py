"""The worker's API end to end: create, setup stages, execute, logs, files, finalize, delete."""

from __future__ import annotations

import httpx

from tests.sandbox.conftest import SECRET, Worker, git


async def test_health_is_open_and_everything_else_needs_the_secret(worker: Worker) -> None:
    async with httpx.AsyncClient(base_url=worker.url) as anonymous:
        health = (await anonymous.get("/health")).json()
        assert health["status"] == "ok" and health["service"] == "sandbox-worker"
        denied = await anonymous.get("/sandboxes")
        assert denied.status_code == 401
        assert denied.json()["error"]["code"] == "UNAUTHORIZED"
        wrong = await anonymous.get("/sandboxes", headers={"Authorization": f"Bearer {SECRET}x"})
        assert wrong.status_code == 401


async def test_create_runs_every_stage_and_becomes_ready(worker: Worker, bare_repo) -> None:
    created = await worker.create(bare_repo, sandboxId="s1")
    assert created["status"] == "provisioning" and created["sdkAvailable"] is True
    data = await worker.wait_status("s1", "ready", "failed")
    assert data["status"] == "ready", data["error"]
    progress = data["setupProgress"]
    assert progress["gitClone"]["status"] == "completed"
    assert progress["depsInstall"]["status"] == "skipped"
    assert progress["authSetup"]["status"] == "skipped"
    assert all(progress[s]["status"] in ("completed", "skipped") for s in progress)
    messages = [e["message"] for e in data["entries"]]
    assert "Stage started: containerProvision" in messages
    assert "Stage completed: ready" in messages
    again = await worker.client.post(
        "/sandbox/create",
        json={
            "sandboxId": "s1",
            "repoUrl": f"file://{bare_repo}",
            "branch": "main",
            "worktreeBranch": "agent/abc-demo",
        },
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "CONFLICT"


async def test_bad_create_body_is_a_bad_request(worker: Worker) -> None:
    response = await worker.client.post("/sandbox/create", json={"repoUrl": "nope"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BAD_REQUEST"
    assert {d["field"] for d in error["details"]} >= {"repoUrl", "branch", "worktreeBranch"}


async def test_execute_commits_pushes_and_reports_changes(worker: Worker, bare_repo) -> None:
    await worker.create(bare_repo, sandboxId="s2")
    await worker.wait_status("s2", "ready")
    steps = [
        {"write": "hello.txt", "content": "hi\n"},
        {"run": "echo generated > gen.txt && echo done"},
    ]
    response = await worker.client.post(
        "/sandbox/s2/execute",
        json={"taskPrompt": "add files", "runner": "script", "runnerConfig": {"steps": steps}},
    )
    assert response.status_code == 202, response.text
    data = await worker.wait_status("s2", "ready", "failed")
    assert data["status"] == "ready", data["error"]
    logs = await worker.logs("s2")
    assert "done" in logs and any(m.startswith("Execution complete") for m in logs)
    assert git("show", "agent/abc-demo:gen.txt", cwd=bare_repo) == "generated\n"
    diff = (await worker.client.get("/sandbox/s2/diff")).json()["data"]
    assert {f["path"] for f in diff["files"]} == {"hello.txt", "gen.txt"}
    assert "+hi" in diff["diffs"]["hello.txt"]
    busy = await worker.client.post("/sandbox/s2/message", json={"content": "x"})
    assert (
        busy.status_code == 409
        and "expected executing, got ready" in busy.json()["error"]["message"]
    )
    done = await worker.client.post("/sandbox/s2/stop", json={})
    assert done.json()["data"]["status"] == "completed"
    deleted = await worker.client.delete("/sandbox/s2")
    assert deleted.json()["data"]["deleted"] is True
    assert (await worker.client.get("/sandbox/s2/logs")).status_code == 404
    assert not (worker.data_dir / "sandbox" / "sessions" / "s2").exists()


async def test_editor_file_api(worker: Worker, bare_repo) -> None:
    await worker.create(bare_repo, sandboxId="s3")
    await worker.wait_status("s3", "ready")
    wrote = await worker.client.post(
        "/sandbox/s3/fs/write", json={"path": "src/a.py", "content": "x=1\n"}
    )
    assert wrote.json()["data"]["bytes"] == 4
    read = (await worker.client.get("/sandbox/s3/fs/read", params={"path": "src/a.py"})).json()
    assert read["data"]["content"] == "x=1\n"
    listed = (await worker.client.get("/sandbox/s3/fs/list", params={"path": ""})).json()["data"]
    assert listed["entries"][0] == {
        "name": "src",
        "type": "directory",
        "size": listed["entries"][0]["size"],
    }
    assert "README.md" in {e["name"] for e in listed["entries"]}
    escape = await worker.client.post("/sandbox/s3/fs/write", json={"path": "../x", "content": ""})
    assert escape.status_code == 400


async def test_chat_message_reaches_the_running_agent(worker: Worker, bare_repo) -> None:
    await worker.create(bare_repo, sandboxId="s4")
    await worker.wait_status("s4", "ready")
    await worker.client.post(
        "/sandbox/s4/execute",
        json={
            "taskPrompt": "wait",
            "runner": "script",
            "runnerConfig": {"steps": [{"wait_message": 10}]},
        },
    )
    await worker.wait_status("s4", "executing")
    sent = await worker.client.post("/sandbox/s4/message", json={"content": "use tabs"})
    assert sent.json()["data"]["delivered"] is True
    await worker.wait_status("s4", "ready")
    assert "received: use tabs" in await worker.logs("s4")


async def test_sleep_frees_the_runtime_and_wake_restores_it(worker: Worker, bare_repo) -> None:
    await worker.create(bare_repo, sandboxId="s5")
    await worker.wait_status("s5", "ready")
    await worker.client.post("/sandbox/s5/fs/write", json={"path": "keep.txt", "content": "kept"})
    slept = await worker.client.post("/sandbox/s5/sleep")
    assert slept.json()["data"]["status"] == "sleeping"
    refused = await worker.client.post(
        "/sandbox/s5/execute", json={"taskPrompt": "x", "runner": "script"}
    )
    assert refused.status_code == 409
    await worker.client.post("/sandbox/s5/wake")
    await worker.client.post(
        "/sandbox/s5/execute",
        json={
            "taskPrompt": "x",
            "runner": "script",
            "runnerConfig": {"steps": [{"run": "cat keep.txt"}]},
        },
    )
    await worker.wait_status("s5", "ready")
    assert "kept" in await worker.logs("s5")
    fleet = (await worker.client.get("/sandboxes")).json()["data"]["sandboxes"]
    assert [s["sandboxId"] for s in fleet] == ["s5"]
