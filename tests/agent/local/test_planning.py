"""plan-sprint, evaluate-gate, score-health and detect-dependencies."""

from __future__ import annotations

from foundry.agent.local.algorithms.dependencies import detect_dependencies
from foundry.agent.local.algorithms.gates import evaluate_gate
from foundry.agent.local.algorithms.health import score_health
from foundry.agent.local.algorithms.planning import plan_sprint

TASKS = [
    {"id": "a", "title": "Schema", "storyPoints": 3, "priority": "must_have"},
    {"id": "b", "title": "API", "storyPoints": 5, "priority": "must_have", "dependencies": ["a"]},
    {"id": "c", "title": "UI", "storyPoints": 5, "priority": "should_have", "dependencies": ["b"]},
    {"id": "d", "title": "Polish", "storyPoints": 2, "priority": "nice_to_have"},
    {"id": "e", "title": "Report", "storyPoints": 8, "priority": "high"},
    {
        "id": "f",
        "title": "Waits on big",
        "storyPoints": 1,
        "priority": "critical",
        "dependencies": ["e"],
    },
]
TEAM = [
    {"id": "u1", "capacity": 8, "skills": ["backend"]},
    {"id": "u2", "capacity": 8, "skills": ["frontend"]},
]


def test_plan_respects_capacity_and_dependencies() -> None:
    plan = plan_sprint(TASKS, TEAM, {"riskBufferPercent": 25})
    cap = plan["capacity_analysis"]
    assert cap["total_capacity_points"] == 16 and cap["effective_capacity"] == 12
    planned = [t["task_id"] for t in plan["recommended_tasks"]]
    assert plan["total_planned_points"] <= 12
    assert sum(t["story_points"] for t in plan["recommended_tasks"]) == plan["total_planned_points"]
    for t in TASKS:
        if t["id"] in planned:
            for dep in t.get("dependencies", []):
                assert dep in planned and planned.index(dep) < planned.index(t["id"])
    deferred = {d["task_id"] for d in plan["deferred_to_next_sprint"]}
    assert deferred | set(planned) == {t["id"] for t in TASKS} and not deferred & set(planned)
    assert "a" in planned and "b" in planned  # must-haves first
    assert plan_sprint(TASKS, TEAM, {"riskBufferPercent": 25}) == plan


def test_done_dependencies_count_as_met_and_cycles_are_deferred() -> None:
    tasks = [
        {"id": "x", "status": "done", "storyPoints": 3},
        {"id": "y", "storyPoints": 2, "dependencies": ["x"]},
        {"id": "p", "storyPoints": 1, "dependencies": ["q"]},
        {"id": "q", "storyPoints": 1, "dependencies": ["p"]},
    ]
    plan = plan_sprint(tasks, TEAM, {})
    assert [t["task_id"] for t in plan["recommended_tasks"]] == ["y"]
    assert {d["task_id"] for d in plan["deferred_to_next_sprint"]} == {"p", "q"}


def test_gate_evaluation() -> None:
    gate = {
        "name": "UAT exit",
        "criteria": [
            "Test pass rate at least 95%",
            "Code coverage ≥ 80%",
            "No open critical defects",
            "Security review signed",
        ],
    }
    result = evaluate_gate(gate, {"testPassRate": 97, "codeCoverage": 70, "openCriticalDefects": 2})
    status = {s["criterion"]: s["status"] for s in result["gate_criteria_status"]}
    assert status == {
        "Test pass rate at least 95%": "passed",
        "Code coverage ≥ 80%": "partial",
        "No open critical defects": "failed",
        "Security review signed": "not_evaluated",
    }
    assert [b["blocker"] for b in result["critical_blockers"]] == ["No open critical defects"]
    assert 0 <= result["overall_readiness_percent"] <= 100


def test_health_scores() -> None:
    good = score_health(
        {
            "taskCounts": {"done": 8, "in_progress": 2},
            "plannedPoints": 20,
            "completedPoints": 19,
            "openTaskAgesDays": [2, 3],
            "openRisks": {"low": 1},
            "gateResults": ["passed"],
            "dependencies": 4,
            "blockedDependencies": 0,
        }
    )
    bad = score_health(
        {
            "taskCounts": {"done": 1, "blocked": 5, "todo": 4},
            "plannedPoints": 20,
            "completedPoints": 4,
            "openTaskAgesDays": [30, 40, 2],
            "openRisks": {"critical": 1, "high": 2},
            "gateResults": ["failed", "passed"],
            "dependencies": 4,
            "blockedDependencies": 3,
        }
    )
    mid = score_health(
        {
            "taskCounts": {"done": 3, "todo": 7},
            "plannedPoints": 20,
            "completedPoints": 9,
            "openTaskAgesDays": [20, 25, 3],
            "openRisks": {"high": 2},
            "gateResults": [],
            "dependencies": 2,
            "blockedDependencies": 1,
        }
    )
    assert good["health"] == "on_track" and good["healthScore"] >= 85
    assert bad["health"] == "blocked" and bad["healthScore"] < 50
    assert mid["health"] == "at_risk"
    assert set(good["factors"]) == {
        "velocityScore",
        "taskAgingScore",
        "riskScore",
        "gatePassRate",
        "dependencyScore",
    }


def test_dependencies_from_cues_and_data_flow() -> None:
    reqs = [
        {
            "id": "R1",
            "title": "Import products",
            "description": "The system shall import the product catalogue from SAP every night.",
            "workstreamId": "W1",
        },
        {
            "id": "R2",
            "title": "Product report",
            "description": "Managers shall view a report of product catalogue sales by week.",
            "workstreamId": "W2",
        },
        {
            "id": "R3",
            "title": "Refund approval",
            "description": "This depends on R1 being live before refunds can be approved.",
            "workstreamId": "W2",
        },
        {
            "id": "R4",
            "title": "Dark mode",
            "description": "Offer a dark colour theme.",
            "workstreamId": "W3",
        },
    ]
    result = detect_dependencies(
        reqs, [{"id": "W1", "name": "Data"}, {"id": "W2", "name": "Reporting"}]
    )
    pairs = {(d["sourceId"], d["targetId"]): d for d in result["dependencies"]}
    assert ("R3", "R1") in pairs and pairs[("R3", "R1")]["confidence"] >= 0.8
    assert ("R2", "R1") in pairs and pairs[("R2", "R1")]["dependencyType"] == "data"
    assert not any("R4" in k for k in pairs)
    assert {
        (w["sourceWorkstreamId"], w["targetWorkstreamId"]) for w in result["workstreamDependencies"]
    } == {("W2", "W1")}
