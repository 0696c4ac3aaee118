"""evaluate-gate for the local provider: criteria checked against the project's status.

Each criterion is matched to a status metric by keywords (tests, coverage, requirements,
defects, risks, documentation, approval); thresholds in the criterion text ("≥ 80%") are
honoured, otherwise the metric's default bar applies.
"""

from __future__ import annotations

import re
from typing import Any

# metric key in project_status → (keywords, default bar, higher is better)
_METRICS: dict[str, tuple[str, float, bool]] = {
    "testPassRate": (r"\btest(?:s|ing)? pass|\bpass rate\b|\btests?\b", 95.0, True),
    "codeCoverage": (r"\bcoverage\b", 80.0, True),
    "requirementsComplete": (r"\brequirements?\b|\bscope\b|\bfeatures?\b|\bstories\b", 100.0, True),
    "tasksComplete": (r"\btasks?\b|\bwork items?\b|\bcomplet", 90.0, True),
    "openCriticalDefects": (r"\bdefects?\b|\bbugs?\b|\bissues?\b", 0.0, False),
    "openHighRisks": (r"\brisks?\b", 0.0, False),
    "documentationComplete": (r"\bdocument", 100.0, True),
    "approvals": (r"\bapprov|\bsign[- ]?off\b", 1.0, True),
}
_THRESHOLD = re.compile(r"(?:≥|>=|at least|minimum of|min\.?|above|over)?\s*(\d+(?:\.\d+)?)\s*%?")


def _criteria(gate: dict[str, Any]) -> list[str]:
    raw = gate.get("criteria") or gate.get("gateCriteria") or []
    out = []
    for c in raw:
        out.append(
            str(c.get("name") or c.get("criterion") or c.get("description") or "")
            if isinstance(c, dict)
            else str(c)
        )
    return [c for c in out if c]


def evaluate_gate(gate: dict[str, Any], project_status: dict[str, Any]) -> dict[str, Any]:
    """The evaluate-gate `gate_evaluation` object."""
    statuses: list[dict[str, Any]] = []
    blockers: list[dict[str, Any]] = []
    for criterion in _criteria(gate):
        metric = next(
            (k for k, (rx, _, _) in _METRICS.items() if re.search(rx, criterion, re.I)), None
        )
        if metric is None or project_status.get(metric) is None:
            statuses.append(
                {
                    "criterion": criterion,
                    "status": "not_evaluated",
                    "score": 0,
                    "evidence": "No matching metric in the project status.",
                    "notes": f"Provide one of: {', '.join(_METRICS)}.",
                }
            )
            continue
        _, bar, higher = _METRICS[metric]
        found = _THRESHOLD.search(criterion)
        if found and higher and metric != "approvals":
            bar = float(found.group(1))
        value = float(project_status[metric])
        if higher:
            ratio = 1.0 if bar == 0 else min(1.0, value / bar)
            status = "passed" if value >= bar else "partial" if ratio >= 0.75 else "failed"
        else:
            ratio = 1.0 if value <= bar else max(0.0, 1 - (value - bar) / (value + 1))
            status = "passed" if value <= bar else "failed"
        statuses.append(
            {
                "criterion": criterion,
                "status": status,
                "score": round(100 * ratio),
                "evidence": f"{metric} = {value:g} against a bar of {bar:g}.",
            }
        )
        if status == "failed":
            blockers.append(
                {
                    "blocker": criterion,
                    "severity": "critical" if not higher else "high",
                    "resolution_path": (
                        f"Bring {metric} from {value:g} to "
                        f"{'at most' if not higher else 'at least'} {bar:g}."
                    ),
                    "estimated_effort": "medium" if ratio >= 0.5 else "high",
                }
            )
    evaluated = [s for s in statuses if s["status"] != "not_evaluated"]
    readiness = round(sum(s["score"] for s in evaluated) / len(evaluated)) if evaluated else 0
    schedule = (
        "on_track" if float(project_status.get("scheduleVarianceDays", 0)) <= 2 else "at_risk"
    )
    quality = (
        "good"
        if all(
            s["status"] == "passed"
            for s in evaluated
            if re.search(r"test|coverage|defect|bug", s["criterion"], re.I)
        )
        else "concerning"
    )
    recommendations = [
        {
            "recommendation": b["resolution_path"],
            "priority": "high" if b["severity"] == "critical" else "medium",
            "category": "technical"
            if re.search(r"test|coverage|defect|bug", b["blocker"], re.I)
            else "process",
        }
        for b in blockers
    ]
    missing = [s for s in statuses if s["status"] == "not_evaluated"]
    if missing:
        recommendations.append(
            {
                "recommendation": f"Report status for {len(missing)} unevaluated criteria.",
                "priority": "medium",
                "category": "process",
            }
        )
    return {
        "overall_readiness_percent": readiness,
        "gate_criteria_status": statuses,
        "critical_blockers": blockers,
        "health_assessment": {
            "schedule_health": schedule,
            "quality_health": quality,
            "team_health": "strained"
            if float(project_status.get("teamUtilization", 0)) > 100
            else "healthy",
            "budget_health": "over"
            if float(project_status.get("budgetUsedPercent", 0))
            > float(project_status.get("percentComplete", 100)) + 10
            else "on_budget",
            "summary": (
                f"{len(evaluated) - len(blockers)} of {len(evaluated)} evaluated criteria pass or "
                f"partly pass; {len(blockers)} blocker(s); {len(missing)} not evaluated."
            ),
        },
        "recommendations": recommendations,
        "next_steps": [
            {"action": b["resolution_path"], "owner": None, "deadline": None, "dependency": None}
            for b in blockers
        ]
        or [
            {
                "action": f"Proceed past gate '{gate.get('name', 'gate')}'.",
                "owner": None,
                "deadline": None,
                "dependency": None,
            }
        ],
    }
