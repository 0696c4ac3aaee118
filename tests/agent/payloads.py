"""Request bodies per route: valid ones (foundry.agent.examples) and what makes each invalid."""

from __future__ import annotations

from typing import Any

from foundry.agent.examples import EXAMPLES

PAYLOADS: dict[str, dict[str, Any]] = EXAMPLES
SPEC = EXAMPLES["analyze-document"]["text"]

# A field whose absence gives each route its code (the route's primary required field).
MISSING: dict[str, tuple[str, str]] = {
    "continuous-discovery": ("prompt", "MISSING_PROMPT"),
    "refine-requirement": ("prompt", "MISSING_PROMPT"),
    "summarize-discovery": ("requirements", "MISSING_REQUIREMENTS"),
    "decompose-task": ("prompt", "MISSING_PROMPT"),
    "evaluate-risks": ("prompt", "MISSING_PROMPT"),
    "evaluate-gate": ("prompt", "MISSING_PROMPT"),
    "plan-sprint": ("prompt", "MISSING_PROMPT"),
    "analyze-codebase": ("repoUrl", "MISSING_REPO_URL"),
    "codebase-chat": ("question", "MISSING_QUESTION"),
    "analyze-requirement": ("requirementText", "MISSING_REQUIREMENT"),
    "analyze-task-subtasks": ("taskTitle", "MISSING_TASK"),
    "generate-team": ("program", "MISSING_PROGRAM"),
    "dispatch-agent": ("agent", "MISSING_AGENT"),
    "plan-assignments": ("agents", "MISSING_AGENTS"),
    "generate-subtasks": ("task", "MISSING_TASK"),
    "score-health": ("metrics", "MISSING_METRICS"),
    "daily-digest": ("programName", "MISSING_PROGRAM"),
    "detect-dependencies": ("requirements", "MISSING_REQUIREMENTS"),
    "execute-skill": ("skill", "MISSING_SKILL"),
    "review-pr": ("diff", "MISSING_DIFF"),
    "link-pr": ("pr", "MISSING_PR"),
    "branch-strategy": ("sprintTasks", "MISSING_TASKS"),
    "analyze-document": ("text", "MISSING_TEXT"),
}

# A malformed value per route and the code it gets.
MALFORMED: dict[str, tuple[str, Any, str]] = {
    "summarize-discovery": ("requirements", "not a list", "INVALID_REQUIREMENTS"),
    "analyze-codebase": ("repoUrl", 42, "INVALID_REPO_URL"),
}
