"""Executions: what agents ran, the audit trail of sandbox runs, and what AI calls cost.

- `agentExecutions`: one row per agent run (a skill applied to a task, a review, …), reviewed by
  a person afterwards (`REVIEW_MOVES`).
- `executionAuditRecords`: an immutable trail of sandbox and subtask events per task.
- `aiUsageRecords`: tokens and cost of every model call, with per-program totals maintained in
  `aiUsageTotals` so the usage panel reads one document.

The agent service, sandbox worker and AI callers record through the internal mutations here.
"""

from __future__ import annotations

import math
from typing import Any

from foundry.app.activity import page_size
from foundry.app.audit import PAGE
from foundry.app.model.access import get_for_member, get_in_program, get_program_for_member
from foundry.app.model.audit import record_audit
from foundry.app.programs import check_text
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import internal_mutation, mutation, query
from foundry.engine.schema import define_table
from foundry.engine.values import v

REVIEW_STATUSES = ("pending", "accepted", "revised", "rejected")
REVIEW_MOVES = {
    "pending": {"accepted", "revised", "rejected"},
    "revised": {"accepted", "revised", "rejected"},
    "accepted": set(),
    "rejected": set(),
}
AUDIT_EVENTS = (
    "sandbox_started", "sandbox_completed", "sandbox_failed", "sandbox_cancelled",
    "review_accepted", "review_rejected", "review_revised", "subtask_started",
    "subtask_completed", "subtask_failed", "subtask_retried",
)  # fmt: skip
USAGE_SOURCES = (
    "document_analysis", "design_analysis", "video_analysis", "skill_execution",
    "subtask_generation", "health_scoring", "dependency_detection", "sprint_planning",
    "risk_assessment", "gate_evaluation", "daily_digest", "pr_review", "requirement_refinement",
    "task_decomposition", "sandbox_chat", "other",
)  # fmt: skip
TOKEN_FIELDS = ("inputTokens", "outputTokens", "cacheReadTokens", "cacheCreationTokens")
SUMMARY_MAX = 5_000
PROMPT_MAX = 50_000

ENVIRONMENT = v.object(
    {
        "sandboxId": v.optional(v.string()),
        "worktreeBranch": v.optional(v.string()),
        "repositoryId": v.optional(v.string()),
        "executionMode": v.optional(v.string()),
    }
)
OUTCOME = v.object(
    {
        "status": v.string(),
        "prUrl": v.optional(v.string()),
        "prNumber": v.optional(v.number()),
        "commitSha": v.optional(v.string()),
        "filesChanged": v.optional(v.number()),
        "tokensUsed": v.optional(v.number()),
        "durationMs": v.optional(v.number()),
        "error": v.optional(v.string()),
    }
)

TABLES = {
    "agentExecutions": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "skillId": v.optional(v.id("skills")),
            "workstreamId": v.optional(v.id("workstreams")),
            "taskId": v.optional(v.id("tasks")),
            "executionMode": v.literal("local", "platform"),
            "trigger": v.literal("manual", "pr_event", "gate_trigger", "scheduled"),
            "taskType": v.string(),
            "inputSummary": v.optional(v.string()),
            "outputSummary": v.optional(v.string()),
            "reviewStatus": v.literal(*REVIEW_STATUSES),
            "reviewedBy": v.optional(v.id("users")),
            "reviewedAt": v.optional(v.number()),
            "reviewNotes": v.optional(v.string()),
            "tokensUsed": v.optional(v.number()),
            "durationMs": v.optional(v.number()),
            "userId": v.optional(v.id("users")),
            "modelId": v.optional(v.string()),
            "createdAt": v.number(),
        }
    )
    # Used by `list_agent_executions` (the activity page's execution feed).
    .index("by_program", ["orgId", "programId", "createdAt"])
    # Used to show a skill's or a task's executions.
    .index("by_skill", ["orgId", "skillId", "createdAt"])
    .index("by_task", ["orgId", "taskId", "createdAt"]),
    "executionAuditRecords": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "taskId": v.id("tasks"),
            "sandboxSessionId": v.optional(v.string()),
            "agentExecutionId": v.optional(v.id("agentExecutions")),
            "eventType": v.literal(*AUDIT_EVENTS),
            "initiatedBy": v.id("users"),
            "initiatedByName": v.string(),
            "timestamp": v.number(),
            "executionStartedAt": v.optional(v.number()),
            "executionCompletedAt": v.optional(v.number()),
            "taskTitle": v.string(),
            "taskPrompt": v.optional(v.string()),
            "skillId": v.optional(v.id("skills")),
            "skillName": v.optional(v.string()),
            "workstreamId": v.optional(v.id("workstreams")),
            "environment": ENVIRONMENT,
            "outcome": OUTCOME,
            "metadata": v.optional(v.any()),
        }
    )
    # Used by `list_audit_records`, per program or (filtered) per task.
    .index("by_program", ["orgId", "programId", "timestamp"])
    .index("by_task", ["orgId", "taskId", "timestamp"])
    # Used by the sandbox views to show one session's trail.
    .index("by_session", ["orgId", "sandboxSessionId", "timestamp"])
    .index("by_event_type", ["orgId", "eventType", "timestamp"]),
    "aiUsageRecords": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.optional(v.id("programs")),
            "source": v.literal(*USAGE_SOURCES),
            "claudeModelId": v.string(),
            "inputTokens": v.number(),
            "outputTokens": v.number(),
            "cacheReadTokens": v.number(),
            "cacheCreationTokens": v.number(),
            "costUsd": v.number(),
            "durationMs": v.optional(v.number()),
            "sourceEntityId": v.optional(v.string()),
            "sourceEntityTable": v.optional(v.string()),
            "recordedAt": v.number(),
        }
    )
    # Used by `list_ai_usage`, whole program or one source.
    .index("by_program_recorded", ["orgId", "programId", "recordedAt"])
    .index("by_program_source", ["orgId", "programId", "source", "recordedAt"])
    # Used by billing (organisation-wide usage per period).
    .index("by_org_recorded", ["orgId", "recordedAt"])
    .index("by_source_entity", ["orgId", "sourceEntityId"]),
    "aiUsageTotals": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "totals": v.record(v.number()),
            "bySource": v.record(v.record(v.number())),
        }
    )
    # Used by `usage_summary` and every `record_ai_usage`.
    .index("by_program", ["orgId", "programId"]),
}


def _program(ctx: QueryCtx, program_id: str) -> dict[str, Any]:
    program = ctx.db.get(program_id)
    if program is None:
        raise ArgumentError("programId does not exist", {"path": "programId"})
    return program


def _check_member(ctx: QueryCtx, org_id: str, user_id: str, field: str) -> dict[str, Any]:
    membership = (
        ctx.db.query("memberships")
        .with_index("by_org_user", lambda q: q.eq("orgId", org_id).eq("userId", user_id))
        .unique()
    )
    user = ctx.db.get(user_id) if membership is not None else None
    if user is None:
        raise ArgumentError(f"{field} is not a member of this organisation", {"path": field})
    return user


def _check_count(field: str, value: float | None) -> None:
    if value is not None and (not math.isfinite(value) or value < 0):
        raise ArgumentError(f"{field} must be a non-negative number", {"path": field})


@internal_mutation(
    args={
        "programId": v.id("programs"),
        "skillId": v.optional(v.id("skills")),
        "workstreamId": v.optional(v.id("workstreams")),
        "taskId": v.optional(v.id("tasks")),
        "executionMode": v.literal("local", "platform"),
        "trigger": v.literal("manual", "pr_event", "gate_trigger", "scheduled"),
        "taskType": v.string(),
        "inputSummary": v.optional(v.string()),
        "outputSummary": v.optional(v.string()),
        "tokensUsed": v.optional(v.number()),
        "durationMs": v.optional(v.number()),
        "userId": v.optional(v.id("users")),
        "modelId": v.optional(v.string()),
    }
)
def record_agent_execution(ctx: MutationCtx, programId: str, **fields: Any) -> str:
    """Record an agent run (review status pending); references must be in the program."""
    program = _program(ctx, programId)
    for field, table in (
        ("skillId", "skills"),
        ("workstreamId", "workstreams"),
        ("taskId", "tasks"),
    ):
        if fields.get(field) is not None:
            get_in_program(ctx, table, fields[field], program, field)
    if fields.get("userId") is not None:
        _check_member(ctx, program["orgId"], fields["userId"], "userId")
    check_text("taskType", fields["taskType"], 100, required=True)
    check_text("inputSummary", fields.get("inputSummary"), SUMMARY_MAX)
    check_text("outputSummary", fields.get("outputSummary"), SUMMARY_MAX)
    _check_count("tokensUsed", fields.get("tokensUsed"))
    _check_count("durationMs", fields.get("durationMs"))
    row = {
        "orgId": program["orgId"],
        "programId": programId,
        **{k: val for k, val in fields.items() if val is not None},
        "reviewStatus": "pending",
        "createdAt": ctx.now_ms,
    }
    return ctx.db.insert("agentExecutions", row)


@internal_mutation(
    args={
        "executionId": v.id("agentExecutions"),
        "outputSummary": v.optional(v.string()),
        "tokensUsed": v.optional(v.number()),
        "durationMs": v.optional(v.number()),
    }
)
def complete_agent_execution(ctx: MutationCtx, executionId: str, **fields: Any) -> None:
    """Add what a finished agent run produced."""
    if ctx.db.get(executionId) is None:
        raise ArgumentError("executionId does not exist", {"path": "executionId"})
    check_text("outputSummary", fields.get("outputSummary"), SUMMARY_MAX)
    _check_count("tokensUsed", fields.get("tokensUsed"))
    _check_count("durationMs", fields.get("durationMs"))
    ctx.db.patch(executionId, {k: val for k, val in fields.items() if val is not None})


@mutation(
    args={
        "executionId": v.id("agentExecutions"),
        "reviewStatus": v.literal("accepted", "revised", "rejected"),
        "notes": v.optional(v.string()),
    }
)
def review_agent_execution(
    ctx: MutationCtx, executionId: str, reviewStatus: str, notes: str | None = None
) -> None:
    """Accept, revise or reject what an agent produced."""
    member, execution = get_for_member(ctx, "agentExecutions", executionId, write=True)
    current = execution["reviewStatus"]
    if reviewStatus not in REVIEW_MOVES[current]:
        raise ArgumentError(
            f"reviewStatus: expected one of {sorted(REVIEW_MOVES[current])} from {current!r}, "
            f"got {reviewStatus!r}",
            {"path": "reviewStatus", "from": current},
        )
    check_text("notes", notes, SUMMARY_MAX)
    changes: dict[str, Any] = {
        "reviewStatus": reviewStatus,
        "reviewedBy": member.user_id,
        "reviewedAt": ctx.now_ms,
        "reviewNotes": notes,
    }
    ctx.db.patch(executionId, changes)
    record_audit(
        ctx,
        member,
        program_id=execution["programId"],
        entity_type="agentExecution",
        entity_id=executionId,
        action="status_change",
        description=f"Agent execution {execution['taskType']}: {current} → {reviewStatus}",
        before={"reviewStatus": current},
        after={"reviewStatus": reviewStatus},
    )


@internal_mutation(
    args={
        "programId": v.id("programs"),
        "taskId": v.id("tasks"),
        "eventType": v.literal(*AUDIT_EVENTS),
        "initiatedBy": v.id("users"),
        "sandboxSessionId": v.optional(v.string()),
        "agentExecutionId": v.optional(v.id("agentExecutions")),
        "executionStartedAt": v.optional(v.number()),
        "executionCompletedAt": v.optional(v.number()),
        "taskPrompt": v.optional(v.string()),
        "skillId": v.optional(v.id("skills")),
        "workstreamId": v.optional(v.id("workstreams")),
        "environment": ENVIRONMENT,
        "outcome": OUTCOME,
        "metadata": v.optional(v.any()),
    }
)
def record_audit_record(
    ctx: MutationCtx, programId: str, taskId: str, initiatedBy: str, **fields: Any
) -> str:
    """Append one event to a task's execution trail (task and skill names copied in)."""
    program = _program(ctx, programId)
    task = get_in_program(ctx, "tasks", taskId, program, "taskId")
    user = _check_member(ctx, program["orgId"], initiatedBy, "initiatedBy")
    row: dict[str, Any] = {
        "orgId": program["orgId"],
        "programId": programId,
        "taskId": taskId,
        "initiatedBy": initiatedBy,
        "initiatedByName": user["name"],
        "timestamp": ctx.now_ms,
        "taskTitle": str(task.get("title", "")),
        **{k: val for k, val in fields.items() if val is not None},
    }
    check_text("taskPrompt", row.get("taskPrompt"), PROMPT_MAX)
    if row.get("skillId") is not None:
        row["skillName"] = get_in_program(ctx, "skills", row["skillId"], program, "skillId")["name"]
    if row.get("workstreamId") is not None:
        get_in_program(ctx, "workstreams", row["workstreamId"], program, "workstreamId")
    if row.get("agentExecutionId") is not None:
        get_in_program(ctx, "agentExecutions", row["agentExecutionId"], program, "agentExecutionId")
    return ctx.db.insert("executionAuditRecords", row)


@internal_mutation(
    args={
        "orgId": v.optional(v.id("organizations")),
        "programId": v.optional(v.id("programs")),
        "source": v.literal(*USAGE_SOURCES),
        "claudeModelId": v.string(),
        "inputTokens": v.number(),
        "outputTokens": v.number(),
        "cacheReadTokens": v.optional(v.number()),
        "cacheCreationTokens": v.optional(v.number()),
        "costUsd": v.number(),
        "durationMs": v.optional(v.number()),
        "sourceEntityId": v.optional(v.string()),
        "sourceEntityTable": v.optional(v.string()),
    }
)
def record_ai_usage(
    ctx: MutationCtx, orgId: str | None = None, programId: str | None = None, **fields: Any
) -> str:
    """Record one model call's tokens and cost (and add it to the program's totals)."""
    if programId is not None:
        orgId = _program(ctx, programId)["orgId"]
    if orgId is None:
        raise ArgumentError("give programId or orgId", {"path": "programId"})
    row: dict[str, Any] = {
        "orgId": orgId,
        "cacheReadTokens": 0,
        "cacheCreationTokens": 0,
        **{k: val for k, val in fields.items() if val is not None},
        "recordedAt": ctx.now_ms,
    }
    for field in (*TOKEN_FIELDS, "costUsd", "durationMs"):
        _check_count(field, row.get(field))
    if programId is not None:
        row["programId"] = programId
        _add_totals(ctx, orgId, programId, row)
    return ctx.db.insert("aiUsageRecords", row)


def _add_totals(ctx: MutationCtx, org_id: str, program_id: str, row: dict[str, Any]) -> None:
    doc = (
        ctx.db.query("aiUsageTotals")
        .with_index("by_program", lambda q: q.eq("orgId", org_id).eq("programId", program_id))
        .unique()
    )
    totals = dict(doc["totals"]) if doc else {}
    by_source = {k: dict(val) for k, val in doc["bySource"].items()} if doc else {}
    source = by_source.setdefault(row["source"], {})
    for target in (totals, source):
        target["calls"] = target.get("calls", 0) + 1
        for field in TOKEN_FIELDS:
            target[field] = target.get(field, 0) + row[field]
        # Rounded to micro-dollars so repeated float addition does not drift visibly.
        target["costUsd"] = round(target.get("costUsd", 0) + row["costUsd"], 6)
    if doc is None:
        ctx.db.insert(
            "aiUsageTotals",
            {"orgId": org_id, "programId": program_id, "totals": totals, "bySource": by_source},
        )
    else:
        ctx.db.patch(doc["_id"], {"totals": totals, "bySource": by_source})


@query(args={"programId": v.id("programs")})
def usage_summary(ctx: QueryCtx, programId: str) -> dict[str, Any]:
    """The program's AI usage totals, overall and per source (maintained counters)."""
    _, program = get_program_for_member(ctx, programId)
    doc = (
        ctx.db.query("aiUsageTotals")
        .with_index(
            "by_program", lambda q: q.eq("orgId", program["orgId"]).eq("programId", programId)
        )
        .unique()
    )
    if doc is None:
        return {"totals": {}, "bySource": {}}
    return {"totals": doc["totals"], "bySource": doc["bySource"]}


@query(
    args={"programId": v.id("programs"), "source": v.optional(v.literal(*USAGE_SOURCES)), **PAGE}
)
def list_ai_usage(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    source: str | None = None,
    cursor: str | None = None,
) -> Any:
    """The program's AI usage records, newest first, optionally of one source."""
    _, program = get_program_for_member(ctx, programId)
    org_id = program["orgId"]
    if source is None:
        q = ctx.db.query("aiUsageRecords").with_index(
            "by_program_recorded", lambda r: r.eq("orgId", org_id).eq("programId", programId)
        )
    else:
        q = ctx.db.query("aiUsageRecords").with_index(
            "by_program_source",
            lambda r: r.eq("orgId", org_id).eq("programId", programId).eq("source", source),
        )
    return q.order("desc").paginate(cursor, page_size(numItems))


def _task_trail(
    ctx: QueryCtx,
    table: str,
    programId: str,
    taskId: str | None,
    cursor: str | None,
    numItems: float,
) -> Any:
    """A page of `table` for a program (or one of its tasks), newest first."""
    _, program = get_program_for_member(ctx, programId)
    org_id = program["orgId"]
    if taskId is None:
        q = ctx.db.query(table).with_index(
            "by_program", lambda r: r.eq("orgId", org_id).eq("programId", programId)
        )
    else:
        q = (
            ctx.db.query(table)
            .with_index("by_task", lambda r: r.eq("orgId", org_id).eq("taskId", taskId))
            .filter(lambda d: d["programId"] == programId)
        )
    return q.order("desc").paginate(cursor, page_size(numItems))


@query(args={"programId": v.id("programs"), "taskId": v.optional(v.id("tasks")), **PAGE})
def list_agent_executions(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    taskId: str | None = None,
    cursor: str | None = None,
) -> Any:
    """The program's agent executions, newest first, optionally for one task."""
    return _task_trail(ctx, "agentExecutions", programId, taskId, cursor, numItems)


@query(args={"programId": v.id("programs"), "taskId": v.optional(v.id("tasks")), **PAGE})
def list_audit_records(
    ctx: QueryCtx,
    programId: str,
    numItems: float,
    taskId: str | None = None,
    cursor: str | None = None,
) -> Any:
    """The program's execution audit trail, newest first, optionally for one task."""
    return _task_trail(ctx, "executionAuditRecords", programId, taskId, cursor, numItems)
