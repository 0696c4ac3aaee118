"""decompose-task and generate-subtasks for the local provider, from task-type templates.

The requirement or task text picks a template (bug fix, data migration, integration, API
endpoint, UI component, test, feature); each template step becomes a task or subtask whose
acceptance criteria combine the template's criteria with measurable clauses from the text.
"""

from __future__ import annotations

import re
from typing import Any

from foundry.agent.local.algorithms.requirements import split_requirement, weak_phrases
from foundry.agent.local.algorithms.templates import TEMPLATES, detect_task_type
from foundry.agent.local.algorithms.text import keywords, title_from

_MINUTES_PER_COMPLEXITY = 90_000


def _subject(text: str) -> str:
    words = keywords(text, 4)
    return " ".join(words) if words else "the change"


def _own_criteria(text: str) -> list[str]:
    """Measurable clauses of the text itself, each rewritten as a criterion."""
    out = []
    for clause in split_requirement(text):
        clause = clause.strip().rstrip(".")
        if re.search(r"\d|\bwhen\b|\bif\b|\bwithin\b", clause, re.I):
            out.append(f"Verified: {clause}")
    return out


def decompose_task(requirement: dict[str, Any], context: dict[str, Any] | None) -> dict[str, Any]:
    """The decompose-task `decomposition` object for `requirement` ({title, description, …})."""
    text = f"{requirement.get('title', '')}. {requirement.get('description', '')}".strip(". ")
    task_type = detect_task_type(text)
    subject = _subject(text)
    extra = _own_criteria(text)
    clauses = split_requirement(
        str(requirement.get("description") or requirement.get("title") or "")
    )
    steps = TEMPLATES[task_type][1]
    tasks: list[dict[str, Any]] = []
    for i, (title, desc, criteria, points, skills, _files, _cx) in enumerate(steps):
        acceptance = [*criteria, *(extra if i == min(1, len(steps) - 1) else [])]
        tasks.append(
            {
                "title": title.format(subject=subject),
                "description": desc.format(subject=subject),
                "acceptance_criteria": acceptance,
                "story_points": points + (1 if len(clauses) > 1 and i == 1 else 0),
                "dependencies": [tasks[i - 1]["title"]] if i else [],
                "required_skills": list(skills),
                "risk_factors": _risks(text, task_type, i),
                "suggested_assignee_role": _role(skills),
            }
        )
    total = sum(t["story_points"] for t in tasks)
    velocity = int((context or {}).get("teamVelocity") or (context or {}).get("velocity") or 20)
    weak = [w for w, _, _ in weak_phrases(text)]
    considerations = [
        f"Detected a {task_type.replace('_', ' ')} from the wording; tasks follow that template."
    ]
    if len(clauses) > 1:
        considerations.append(
            f"The requirement bundles {len(clauses)} actions; each needs its own acceptance test."
        )
    if weak:
        considerations.append(
            f"Ambiguous terms to resolve before estimating firmly: {', '.join(weak)}."
        )
    return {
        "decomposition_rationale": (
            f"Split '{title_from(text, 60)}' into {len(tasks)} sequential "
            f"{task_type.replace('_', ' ')} steps, each independently verifiable."
        ),
        "critical_considerations": considerations,
        "tasks": tasks,
        "estimated_total_points": total,
        "estimated_sprint_count": max(1, -(-total // max(1, velocity))),
    }


def _risks(text: str, task_type: str, index: int) -> list[str]:
    risks = []
    if task_type in ("integration", "data_migration") and index == 1:
        risks.append("Depends on access to an external system or production-like data.")
    if re.search(r"\breal-time|\bperformance|\bwithin \d", text, re.I) and index == 1:
        risks.append("Performance target needs measurement on realistic volumes.")
    if weak_phrases(text) and index == 0:
        risks.append("Ambiguous wording may change scope.")
    return risks


def _role(skills: tuple[str, ...]) -> str:
    return {
        "testing": "qa_engineer",
        "frontend": "frontend_developer",
        "data": "data_engineer",
        "devops": "devops_engineer",
        "integration": "integration_engineer",
        "analysis": "business_analyst",
        "documentation": "technical_writer",
    }.get(skills[0], "backend_developer")


def generate_subtasks(task: dict[str, Any], context: dict[str, Any] | None) -> dict[str, Any]:
    """{decomposition_rationale, subtasks[...]} sized for a coding agent: 1-3 files, ordered."""
    text = f"{task.get('title', '')}. {task.get('description', '')}".strip(". ")
    task_type = detect_task_type(text)
    subject = _subject(text)
    files = [
        str(f) for f in ((context or {}).get("files") or (context or {}).get("repoFiles") or [])
    ]
    subtasks = []
    steps = TEMPLATES[task_type][1]
    for i, (title, desc, criteria, _points, _skills, globs, complexity) in enumerate(steps):
        allowed = _narrow(globs, files, text)
        prompt = (
            f"{desc.format(subject=subject)}\n\nTask: {text}\n\n"
            f"Only change files matching: {', '.join(allowed)}.\n"
            "Done when:\n" + "\n".join(f"- {c}" for c in criteria)
        )
        subtasks.append(
            {
                "title": title.format(subject=subject),
                "description": desc.format(subject=subject),
                "prompt": prompt,
                "estimatedFiles": min(3, max(1, len(allowed))),
                "complexityScore": complexity,
                "estimatedDurationMs": complexity * _MINUTES_PER_COMPLEXITY,
                "allowedFiles": allowed,
                "isPausePoint": (task_type in ("data_migration", "integration") and i == 0)
                or i == len(steps) - 1,
                "order": i,
                "acceptanceCriteria": list(criteria),
            }
        )
    return {
        "decomposition_rationale": (
            f"A {task_type.replace('_', ' ')} task: {len(subtasks)} sequential, self-contained "
            f"subtasks, pausing for review where a human must confirm."
        ),
        "subtasks": subtasks,
    }


def _narrow(globs: tuple[str, ...], files: list[str], text: str) -> list[str]:
    """Prefer concrete repository files whose names share words with the task."""
    words = {w for w in keywords(text, 8) if len(w) > 3}
    named = [f for f in files if any(w in f.lower() for w in words)]
    return named[:3] if named else list(globs)
