"""Executions: agent runs and their review, the execution audit trail, AI usage and its totals."""

from __future__ import annotations

from typing import Any

import pytest

from foundry.engine.errors import ArgumentError, ForbiddenError, NotFoundError
from tests.app.harness import Actor, Harness


async def internal(app: Harness, path: str, **args: Any) -> Any:
    outcome, _ = await app.deployment.run_mutation(path, args, None, public=False)
    if outcome.error is not None:
        raise outcome.error
    return outcome.value


async def setup(app: Harness) -> tuple[Actor, Actor, Actor, str, str, str]:
    alice, carl, mallory = (
        await app.user("alice"),
        await app.user("carl"),
        await app.user("mallory"),
    )
    org = await app.org("Acme", {"alice": (alice, "admin"), "carl": (carl, "client")})
    await app.org("Evil", {"mallory": (mallory, "admin")})
    program_id = await alice.mutation("programs:create", orgId=org, name="P", clientName="Acme")
    task = await alice.mutation("tasks:create", programId=program_id, title="Build checkout")
    skill = await alice.mutation(
        "skills:create", programId=program_id, name="Backend", domain="backend", content="c"
    )
    return alice, carl, mallory, program_id, task, skill


async def test_agent_executions_and_review(app: Harness) -> None:
    alice, carl, mallory, program_id, task, skill = await setup(app)
    run = {"programId": program_id, "executionMode": "platform", "trigger": "manual"}
    first = await internal(
        app, "executions:record_agent_execution", **run, taskType="implement", taskId=task,
        skillId=skill, userId=alice.user_id, inputSummary="Implement checkout",
    )  # fmt: skip
    second = await internal(app, "executions:record_agent_execution", **run, taskType="review")
    await internal(
        app, "executions:complete_agent_execution", executionId=first, outputSummary="Done",
        tokensUsed=1200, durationMs=5000,
    )  # fmt: skip
    page = await carl.query("executions:list_agent_executions", programId=program_id, numItems=5)
    assert {e["_id"] for e in page["page"]} == {first, second}
    times = [e["createdAt"] for e in page["page"]]
    assert times == sorted(times, reverse=True)  # newest first
    (for_task,) = (
        await alice.query(
            "executions:list_agent_executions", programId=program_id, taskId=task, numItems=5
        )
    )["page"]
    assert for_task["outputSummary"] == "Done" and for_task["reviewStatus"] == "pending"

    with pytest.raises(ForbiddenError):
        await carl.mutation(
            "executions:review_agent_execution", executionId=first, reviewStatus="accepted"
        )
    with pytest.raises(NotFoundError):
        await mallory.mutation(
            "executions:review_agent_execution", executionId=first, reviewStatus="accepted"
        )
    await alice.mutation(
        "executions:review_agent_execution", executionId=first, reviewStatus="accepted",
        notes="LGTM",
    )  # fmt: skip
    with pytest.raises(ArgumentError, match="expected one of"):
        await alice.mutation(
            "executions:review_agent_execution", executionId=first, reviewStatus="rejected"
        )
    trail = await alice.query("audit:list_for_program", programId=program_id, numItems=10)
    assert [r["action"] for r in trail["page"] if r["entityId"] == first] == ["status_change"]

    other = await alice.mutation(
        "programs:create", orgId=(await alice.query("programs:get", programId=program_id))["orgId"],
        name="Other", clientName="A",
    )  # fmt: skip
    with pytest.raises(ArgumentError) as info:
        await internal(
            app, "executions:record_agent_execution", **{**run, "programId": other},
            taskType="x", skillId=skill,
        )  # fmt: skip
    assert info.value.data["path"] == "skillId"
    with pytest.raises(ArgumentError) as info:
        await internal(
            app, "executions:record_agent_execution", **run, taskType="x", userId=mallory.user_id
        )
    assert info.value.data["path"] == "userId"


async def test_execution_audit_records(app: Harness) -> None:
    alice, _, mallory, program_id, task, skill = await setup(app)
    base = {
        "programId": program_id, "taskId": task, "initiatedBy": alice.user_id,
        "environment": {"sandboxId": "sb-1", "worktreeBranch": "task/checkout"},
    }  # fmt: skip
    await internal(
        app, "executions:record_audit_record", **base, eventType="sandbox_started",
        skillId=skill, outcome={"status": "running"},
    )  # fmt: skip
    await internal(
        app, "executions:record_audit_record", **base, eventType="sandbox_completed",
        outcome={"status": "completed", "prNumber": 12, "filesChanged": 4},
    )  # fmt: skip
    page = await alice.query(
        "executions:list_audit_records", programId=program_id, taskId=task, numItems=5
    )
    started, completed = sorted(page["page"], key=lambda r: r["eventType"] != "sandbox_started")
    assert completed["eventType"] == "sandbox_completed" and completed["outcome"]["prNumber"] == 12
    assert started["taskTitle"] == "Build checkout" and started["skillName"] == "Backend"
    assert started["initiatedByName"] == "Alice"
    with pytest.raises(ArgumentError) as info:
        await internal(
            app, "executions:record_audit_record", **{**base, "initiatedBy": mallory.user_id},
            eventType="sandbox_failed", outcome={"status": "failed"},
        )  # fmt: skip
    assert info.value.data["path"] == "initiatedBy"
    with pytest.raises(NotFoundError):
        await mallory.query("executions:list_audit_records", programId=program_id, numItems=5)


async def test_ai_usage_records_and_totals(app: Harness) -> None:
    alice, carl, mallory, program_id, _, _ = await setup(app)
    call = {"programId": program_id, "claudeModelId": "claude-sonnet-4", "costUsd": 0.1}
    await internal(
        app, "executions:record_ai_usage", **call, source="document_analysis", inputTokens=1000,
        outputTokens=200, cacheReadTokens=50,
    )  # fmt: skip
    await internal(
        app, "executions:record_ai_usage", **call, source="document_analysis", inputTokens=10,
        outputTokens=20,
    )  # fmt: skip
    await internal(
        app, "executions:record_ai_usage", **call, source="pr_review", inputTokens=5,
        outputTokens=5,
    )  # fmt: skip
    with pytest.raises(ArgumentError) as info:
        await internal(
            app, "executions:record_ai_usage", **call, source="other", inputTokens=-1,
            outputTokens=0,
        )  # fmt: skip
    assert info.value.data["path"] == "inputTokens"
    summary = await carl.query("executions:usage_summary", programId=program_id)
    assert summary["totals"] == {
        "calls": 3, "inputTokens": 1015, "outputTokens": 225, "cacheReadTokens": 50,
        "cacheCreationTokens": 0, "costUsd": 0.3,
    }  # fmt: skip
    assert summary["bySource"]["pr_review"]["calls"] == 1
    assert summary["bySource"]["document_analysis"]["inputTokens"] == 1010
    docs = await alice.query(
        "executions:list_ai_usage", programId=program_id, source="document_analysis", numItems=5
    )
    assert sorted(r["inputTokens"] for r in docs["page"]) == [10, 1000]
    with pytest.raises(NotFoundError):
        await mallory.query("executions:usage_summary", programId=program_id)
