"""score-health for the local provider: a weighted rubric over five 0-100 factors.

Factors (each 0-100, higher is healthier): velocity (done vs planned), task aging (share of open
tasks older than the aging threshold), risk (open risks weighted by severity), gate pass rate
and dependencies (share not blocked). Any blocked critical dependency or critical risk caps
the health at `blocked`.
"""

from __future__ import annotations

from typing import Any

_WEIGHTS = {
    "velocityScore": 0.3,
    "taskAgingScore": 0.2,
    "riskScore": 0.2,
    "gatePassRate": 0.15,
    "dependencyScore": 0.15,
}
_SEVERITY = {"critical": 30, "high": 15, "medium": 6, "low": 2}
_AGING_DAYS = 14.0


def score_health(factors: dict[str, Any]) -> dict[str, Any]:
    """{health, healthScore, reasoning, factors} from raw workstream inputs."""
    counts = factors.get("taskCounts") or {}
    done = float(counts.get("done", 0))
    total = sum(float(v) for v in counts.values()) or 0.0
    planned = float(factors.get("plannedPoints") or 0)
    completed = float(factors.get("completedPoints") or 0)
    velocity = (
        100 * min(1.0, completed / planned) if planned else (100 * done / total if total else 50.0)
    )
    ages = [float(a) for a in factors.get("openTaskAgesDays") or []]
    aging = 100 * (1 - sum(1 for a in ages if a > _AGING_DAYS) / len(ages)) if ages else 100.0
    risks = factors.get("openRisks") or {}
    risk_penalty = sum(_SEVERITY.get(str(k), 5) * float(v) for k, v in risks.items())
    risk = max(0.0, 100 - risk_penalty)
    gates = factors.get("gateResults") or []
    passed = sum(
        1
        for g in gates
        if str(g.get("status") if isinstance(g, dict) else g) in ("passed", "pass", "true")
    )
    gate_rate = 100 * passed / len(gates) if gates else 100.0
    deps_total = float(factors.get("dependencies") or 0)
    deps_blocked = float(factors.get("blockedDependencies") or 0)
    dependency = (
        100 * (1 - deps_blocked / deps_total) if deps_total else (0.0 if deps_blocked else 100.0)
    )
    scores = {
        "velocityScore": velocity,
        "taskAgingScore": aging,
        "riskScore": risk,
        "gatePassRate": gate_rate,
        "dependencyScore": dependency,
    }
    score = sum(_WEIGHTS[k] * v for k, v in scores.items())
    blocked = float(counts.get("blocked", 0))
    critical = (
        float(risks.get("critical", 0)) > 0
        or float(factors.get("blockedCriticalDependencies") or 0) > 0
    )
    if critical or (total and blocked / total >= 0.3):
        health = "blocked"
    elif score >= 70:
        health = "on_track"
    else:
        health = "at_risk"
    weakest = sorted(scores.items(), key=lambda kv: kv[1])[:2]
    reasoning = (
        f"Weighted score {score:.0f}/100 ({', '.join(f'{k} {v:.0f}' for k, v in scores.items())}). "
        f"Weakest: {', '.join(k for k, _ in weakest)}."
        + (" A critical risk or blocked critical dependency forces 'blocked'." if critical else "")
        + (f" {blocked:g} of {total:g} tasks are blocked." if blocked else "")
    )
    return {
        "health": health,
        "healthScore": round(score),
        "reasoning": reasoning,
        "factors": {k: round(v) for k, v in scores.items()},
    }
