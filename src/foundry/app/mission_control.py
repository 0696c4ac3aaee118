"""Mission control: a program's dashboard in one query, from counters and bounded reads.

Everything here reads the program's counters (`programStats`, one document), at most 100
workstreams, the 10 newest audit rows, at most 10 open critical risks and, when the tasks
table declares the index `by_status_due` (["orgId", "programId", "status", "dueDate"]), at most
20 overdue tasks per open status, and for the onboarding checklist the program's first audit row
(its creator) and at most two team members. Counters of other modules are read by the keys in
docs/domain.md; a module that does not keep them yet shows zeros.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from foundry.app import workstreams
from foundry.app.model.access import get_program_for_member
from foundry.app.model.stats import counts_of
from foundry.app.pipeline import summarize
from foundry.app.requirements import PRIORITIES
from foundry.app.requirements import STATUSES as REQUIREMENT_STATUSES
from foundry.app.skills import STATUSES as SKILL_STATUSES
from foundry.engine.context import QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import query
from foundry.engine.values import v

TASK_STATUSES = ("backlog", "todo", "in_progress", "review", "done")
OPEN_TASK_STATUSES = TASK_STATUSES[:-1]
RISK_STATUSES = ("open", "mitigating", "resolved", "accepted")
SEVERITIES = ("critical", "high", "medium", "low")
SPRINT_STATUSES = ("planning", "active", "completed", "cancelled")
GATE_STATUSES = ("pending", "passed", "failed", "overridden")
RECENT_ACTIVITY = 10
OVERDUE_MAX = 20
CRITICAL_RISKS = 10
ONBOARDING_STEPS = ("requirements", "workstreams", "team", "skills", "sprints", "risks")
"""The "Get started" checklist's steps, in the order a new program usually takes them."""


def group(counts: Mapping[str, Any], prefix: str, names: Sequence[str]) -> dict[str, int]:
    """`{name: counts[prefix + name]}` with zeros for missing counters."""
    return {name: int(counts.get(prefix + name, 0)) for name in names}


def kpis(counts: Mapping[str, Any]) -> dict[str, Any]:
    """The KPI cards: requirements, tasks, risks, sprints, gates and dependencies."""
    tasks = group(counts, "tasks.", TASK_STATUSES)
    sprints = group(counts, "sprints.", SPRINT_STATUSES)
    planned = sum(n for s, n in sprints.items() if s != "cancelled")
    gates = group(counts, "sprintGates.", GATE_STATUSES)
    return {
        "requirements": {
            "total": int(counts.get("requirements.total", 0)),
            "byStatus": group(counts, "requirements.", REQUIREMENT_STATUSES),
            "byPriority": group(counts, "requirements.priority.", PRIORITIES),
        },
        "tasks": {"total": sum(tasks.values()), "byStatus": tasks},
        "risks": {
            "byStatus": group(counts, "risks.", RISK_STATUSES),
            "openBySeverity": group(counts, "risks.open.", SEVERITIES),
        },
        "sprints": {
            "byStatus": sprints,
            "progress": round(100 * sprints["completed"] / planned, 1) if planned else 0.0,
        },
        "gates": {"byStatus": gates, "passed": gates["passed"] + gates["overridden"]},
        "workstreamDependencies": group(
            counts,
            "workstreamDependencies.",
            ("suggested", "approved", "active", "blocked", "resolved"),
        ),
    }


def total(counts: Mapping[str, Any], prefix: str, names: Sequence[str]) -> int:
    """The sum of the `prefix + name` counters."""
    return sum(group(counts, prefix, names).values())


def has_team_beyond_creator(ctx: QueryCtx, program: Mapping[str, Any]) -> bool:
    """Whether someone other than the program's creator is on its team (two bounded reads).

    The creator is whoever wrote the program's first audit row (its creation).
    """
    org_id, program_id = program["orgId"], program["_id"]
    first = (
        ctx.db.query("auditLog")
        .with_index("by_program", lambda q: q.eq("orgId", org_id).eq("programId", program_id))
        .order("asc")
        .first()
    )
    creator = None if first is None else first.get("userId")
    team = (
        ctx.db.query("teamMembers")
        .with_index("by_program_user", lambda q: q.eq("orgId", org_id).eq("programId", program_id))
        .take(2)
    )
    return any(row["userId"] != creator for row in team)


def onboarding(
    ctx: QueryCtx, program: Mapping[str, Any], counts: Mapping[str, Any]
) -> dict[str, Any]:
    """The "Get started" checklist: `{"steps": {step: done}, "done": n, "total": 6}`.

    Every step but the team is read from the counters; the team is two bounded index reads.
    """
    steps = {
        "requirements": int(counts.get("requirements.total", 0)) > 0,
        "workstreams": total(counts, "workstreams.", workstreams.STATUSES) > 0,
        "team": has_team_beyond_creator(ctx, program),
        "skills": total(counts, "skills.", SKILL_STATUSES) > 0,
        "sprints": total(counts, "sprints.", SPRINT_STATUSES) > 0,
        "risks": total(counts, "risks.", RISK_STATUSES) > 0,
    }
    done = sum(steps.values())
    return {"steps": steps, "done": done, "total": len(steps)}


def overdue_in(ctx: QueryCtx, program: Mapping[str, Any], status: str) -> Any:
    """The query for `status` tasks due before now; raises ArgumentError without the index."""
    return ctx.db.query("tasks").with_index(
        "by_status_due",
        lambda q: (
            q.eq("orgId", program["orgId"])
            .eq("programId", program["_id"])
            .eq("status", status)
            .gte("dueDate", 0)  # skips tasks without a due date
            .lt("dueDate", ctx.now_ms)
        ),
    )


def overdue_tasks(ctx: QueryCtx, program: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """Open tasks whose due date has passed (None when the tasks index is not declared)."""
    found: list[dict[str, Any]] = []
    for status in OPEN_TASK_STATUSES:
        try:
            query_ = overdue_in(ctx, program, status)
        except ArgumentError:
            return None  # the tasks module does not declare the index (yet)
        found.extend(query_.take(OVERDUE_MAX))
    found.sort(key=lambda t: t["dueDate"])
    return [
        {k: t.get(k) for k in ("_id", "title", "status", "dueDate", "assigneeId", "requirementId")}
        for t in found[:OVERDUE_MAX]
    ]


def critical_risks(ctx: QueryCtx, program: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Up to CRITICAL_RISKS open critical risks (risks index `by_status`)."""
    rows = (
        ctx.db.query("risks")
        .with_index(
            "by_status",
            lambda q: (
                q.eq("orgId", program["orgId"])
                .eq("programId", program["_id"])
                .eq("status", "open")
                .eq("severity", "critical")
            ),
        )
        .take(CRITICAL_RISKS)
    )
    return [{k: r.get(k) for k in ("_id", "title", "probability", "ownerId")} for r in rows]


@query(args={"programId": v.id("programs")})
def overview(ctx: QueryCtx, programId: str) -> Any:
    """The program dashboard: KPI cards, workstream grid, pipeline, activity, needs attention."""
    _, program = get_program_for_member(ctx, programId)
    counts = counts_of(ctx, program["orgId"], programId)
    per_workstream: dict[str, dict[str, Any]] = {}  # one pass over the keys, not one per row
    for key, n in counts.items():
        if key.startswith("ws."):
            per_workstream.setdefault(key.split(".", 2)[1], {})[key] = n
    grid = [
        {
            **{
                k: ws.get(k)
                for k in (
                    "_id",
                    "name",
                    "shortCode",
                    "status",
                    "sortOrder",
                    "ownerId",
                    "currentSprint",
                )
            },
            **workstreams.health_inputs(per_workstream.get(ws["_id"], {}), ws["_id"]),
        }
        for ws in workstreams.of_program(ctx, program)
    ]
    activity = (
        ctx.db.query("auditLog")
        .with_index(
            "by_program", lambda q: q.eq("orgId", program["orgId"]).eq("programId", programId)
        )
        .order("desc")
        .take(RECENT_ACTIVITY)
    )
    complete = int(counts.get("requirements.complete", 0))
    return {
        "program": {k: program.get(k) for k in ("_id", "name", "clientName", "phase", "status")},
        "kpis": kpis(counts),
        "workstreams": grid,
        "pipeline": summarize(counts, "", complete),
        "recentActivity": activity,
        "onboarding": onboarding(ctx, program, counts),
        "needsAttention": {
            "blockedWorkstreams": [w for w in grid if w["status"] == "blocked"],
            "atRiskWorkstreams": [w for w in grid if w["status"] == "at_risk"],
            "criticalOpenRisks": int(counts.get("risks.open.critical", 0)),
            "criticalRisks": critical_risks(ctx, program),
            "blockedDependencies": int(counts.get("workstreamDependencies.blocked", 0)),
            "overdueTasks": overdue_tasks(ctx, program),
        },
    }
