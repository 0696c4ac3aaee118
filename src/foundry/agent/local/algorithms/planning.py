"""plan-sprint for the local provider: dependency-ordered, priority-weighted capacity packing.

Capacity is the team's points (per-member capacity, or velocity * availability) minus a risk
buffer. Tasks are visited in a topological order of their dependencies where ties go to the
higher priority-per-point ratio; a task is planned only if everything it depends on is done or
already planned and it still fits, otherwise it is deferred with the reason.
"""

from __future__ import annotations

import heapq
from typing import Any

from foundry.agent.local.algorithms import knobs

_PRIORITY_WEIGHT = {
    "critical": 5.0,
    "must_have": 4.0,
    "high": 4.0,
    "should_have": 3.0,
    "medium": 2.5,
    "nice_to_have": 1.5,
    "low": 1.0,
    "could_have": 1.5,
    "deferred": 0.2,
}
_DONE = {"done", "completed", "complete", "closed"}


def _tid(task: dict[str, Any], i: int) -> str:
    return str(task.get("id") or task.get("_id") or task.get("taskId") or f"task-{i}")


def _points(task: dict[str, Any]) -> float:
    raw = task.get(
        "storyPoints", task.get("story_points", task.get("points", task.get("estimate")))
    )
    try:
        return max(0.0, float(raw)) if raw is not None else 3.0
    except (TypeError, ValueError):
        return 3.0


def plan_sprint(
    tasks: list[dict[str, Any]], team: list[dict[str, Any]], sprint_config: dict[str, Any]
) -> dict[str, Any]:
    """The plan-sprint `sprint_plan` object."""
    buffer = float(
        sprint_config.get(
            "riskBufferPercent",
            sprint_config.get("risk_buffer_percent", knobs.SPRINT_RISK_BUFFER_PERCENT),
        )
    )
    members = [m for m in team if m.get("available", True) is not False]
    capacity = 0.0
    for m in members:
        if m.get("capacity") is not None:
            capacity += float(m["capacity"])
        else:
            capacity += float(m.get("velocity", 8)) * float(m.get("availability", 1.0))
    if sprint_config.get("capacity") is not None:
        capacity = float(sprint_config["capacity"])
    effective = capacity * (1 - buffer / 100)

    ids = [_tid(t, i) for i, t in enumerate(tasks)]
    index = {tid: i for i, tid in enumerate(ids)}
    done = {ids[i] for i, t in enumerate(tasks) if str(t.get("status", "")).lower() in _DONE}
    deps = [[str(d) for d in (t.get("dependencies") or t.get("blockedBy") or [])] for t in tasks]
    indegree = [sum(1 for d in ds if d in index and d not in done) for ds in deps]
    dependants: dict[str, list[int]] = {}
    for i, ds in enumerate(deps):
        for d in ds:
            dependants.setdefault(d, []).append(i)

    def rank(i: int) -> tuple[float, int]:
        weight = _PRIORITY_WEIGHT.get(str(tasks[i].get("priority", "medium")).lower(), 2.5)
        return (-weight / max(1.0, _points(tasks[i])) - weight, i)

    ready = [rank(i) for i in range(len(tasks)) if indegree[i] == 0 and ids[i] not in done]
    heapq.heapify(ready)
    planned: list[int] = []
    planned_ids: set[str] = set()
    deferred: list[dict[str, Any]] = []
    used = 0.0
    load = {str(m.get("id") or m.get("name")): 0.0 for m in members}
    recommended = []
    while ready:
        _, i = heapq.heappop(ready)
        blocked = [d for d in deps[i] if d not in done and d not in planned_ids]
        pts = _points(tasks[i])
        if blocked:
            deferred.append(_defer(tasks[i], ids[i], f"Waits for {', '.join(blocked)}."))
        elif used + pts > effective:
            deferred.append(
                _defer(
                    tasks[i],
                    ids[i],
                    f"Does not fit: {pts:g} points with {effective - used:g} left.",
                )
            )
        else:
            used += pts
            planned.append(i)
            planned_ids.add(ids[i])
            assignee = _assign(tasks[i], members, load)
            recommended.append(
                {
                    "task_id": ids[i],
                    "title": str(tasks[i].get("title", "")),
                    "story_points": pts,
                    "priority": str(tasks[i].get("priority", "medium")),
                    "assigned_to": assignee,
                    "rationale": (
                        f"Priority {tasks[i].get('priority', 'medium')}, dependencies met, fits "
                        f"remaining capacity."
                    ),
                }
            )
        for j in dependants.get(ids[i], []):
            indegree[j] -= 1
            if indegree[j] == 0 and ids[j] not in done:
                heapq.heappush(ready, rank(j))
    seen = planned_ids | {d["task_id"] for d in deferred} | done
    for i, tid in enumerate(ids):
        if tid not in seen:
            deferred.append(
                _defer(tasks[i], tid, "Part of a dependency cycle or waits on a deferred task.")
            )

    skills_needed = {
        s for i in planned for s in tasks[i].get("requiredSkills", tasks[i].get("skills", [])) or []
    }
    skills_have = {s for m in members for s in m.get("skills", []) or []}
    coverage = 1.0 if not skills_needed else len(skills_needed & skills_have) / len(skills_needed)
    cross_deps = sum(1 for i in planned for d in deps[i] if d in planned_ids)
    return {
        "capacity_analysis": {
            "total_capacity_points": round(capacity, 1),
            "available_team_members": len(members),
            "risk_buffer_percent": buffer,
            "effective_capacity": round(effective, 1),
        },
        "recommended_tasks": recommended,
        "deferred_to_next_sprint": deferred,
        "total_planned_points": round(used, 1),
        "capacity_utilization_percent": round(100 * used / effective, 1) if effective else 0.0,
        "sprint_health_indicators": {
            "dependency_risk": "high" if cross_deps >= 3 else "medium" if cross_deps else "low",
            "skill_coverage": "full" if coverage >= 1 else "partial" if coverage >= 0.5 else "poor",
            "scope_stability": "stable" if len(deferred) <= len(recommended) else "at_risk",
            "overall_confidence": round(
                max(0.1, min(0.95, 0.9 - 0.1 * cross_deps - 0.3 * (1 - coverage))), 2
            ),
        },
    }


def _defer(task: dict[str, Any], tid: str, reason: str) -> dict[str, Any]:
    return {"task_id": tid, "title": str(task.get("title", "")), "reason": reason}


def _assign(
    task: dict[str, Any], members: list[dict[str, Any]], load: dict[str, float]
) -> str | None:
    if not members:
        return None
    wanted = set(task.get("requiredSkills", task.get("skills", [])) or [])

    def score(m: dict[str, Any]) -> tuple[float, float, str]:
        key = str(m.get("id") or m.get("name"))
        match = len(wanted & set(m.get("skills", []) or []))
        return (-match, load.get(key, 0.0), key)

    best = min(members, key=score)
    key = str(best.get("id") or best.get("name"))
    load[key] = load.get(key, 0.0) + _points(task)
    return key
