"""One adapter per route: typed request → local function call → result dict (minus metadata).

The algorithm package's functions take plain dicts in the wire's camelCase shape; routes whose
algorithm module does not exist yet call the fallback of the same name with the request's
fields as snake_case keywords (`service.default_local_kwargs`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from foundry.agent.codebase_source import clone, is_git_url
from foundry.agent.errors import BadRequest
from foundry.agent.local.resolve import resolve

Adapted = tuple[dict[str, Any], bool]


def _dump(model: BaseModel) -> dict[str, Any]:
    # Absent optional fields stay absent: algorithms read them with .get(key, default).
    return model.model_dump(mode="json", exclude_none=True)


def _as_requirement(value: Any, prompt: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    text = value if isinstance(value, str) and value.strip() else prompt
    return {"title": text.strip().split("\n")[0][:120], "description": text}


def _context(value: Any) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    return {"notes": value}


def _call(key: str, *args: Any) -> Adapted:
    function, heuristic = resolve(key)
    return function(*args), heuristic


def analyze_document(r: Any) -> Adapted:
    program = _dump(r.program) if r.program else None
    return _call("documents.analyze_document", r.text, r.fileName, program)


def refine_requirement(r: Any) -> Adapted:
    out, h = _call(
        "requirements.refine_requirement",
        _as_requirement(r.requirement, r.prompt),
        _context(r.context),
    )
    return {"refinement": out}, h


def decompose_task(r: Any) -> Adapted:
    out, h = _call(
        "tasks.decompose_task", _as_requirement(r.requirement, r.prompt), _context(r.context)
    )
    return {"decomposition": out}, h


def generate_subtasks(r: Any) -> Adapted:
    body = _dump(r)
    context = {k: v for k, v in body.items() if k != "task"}
    return _call("tasks.generate_subtasks", body["task"], context)


def plan_sprint(r: Any) -> Adapted:
    out, h = _call("planning.plan_sprint", r.tasks, r.team, r.sprintConfig)
    return {"sprint_plan": out}, h


def evaluate_gate(r: Any) -> Adapted:
    gate = (
        r.gateDefinition
        if isinstance(r.gateDefinition, dict)
        else {"criteria": r.gateDefinition or []}
    )
    status = r.projectStatus if isinstance(r.projectStatus, dict) else {}
    out, h = _call("gates.evaluate_gate", gate, status)
    return {"gate_evaluation": out}, h


def score_health(r: Any) -> Adapted:
    return _call("health.score_health", _dump(r.metrics))


def detect_dependencies(r: Any) -> Adapted:
    return _call("dependencies.detect_dependencies", _dump(r)["requirements"], r.workstreams)


def analyze_codebase(r: Any) -> Adapted:
    local = Path(r.repoUrl).expanduser()
    if local.is_dir():
        out, h = _call("codebase.analyze_codebase", str(local))
        return {"analysis": out}, h
    if not is_git_url(r.repoUrl):
        raise BadRequest(
            "repoUrl must be a git URL (https, ssh, git, file) or an existing directory.",
            code="INVALID_REPO_URL",
        )
    with tempfile.TemporaryDirectory(prefix="foundry-codebase-") as tmp:
        clone(r.repoUrl, r.accessToken, Path(tmp) / "repo")
        out, h = _call("codebase.analyze_codebase", str(Path(tmp) / "repo"))
    return {"analysis": out}, h


def analyze_requirement(r: Any) -> Adapted:
    text = "\n".join(
        [r.requirementText, r.requirementDescription or "", *(r.acceptanceCriteria or [])]
    ).strip()
    body = _dump(r)
    return _call(
        "codebase.analyze_requirement", text, body["candidateFiles"], body["knowledgeGraphNodes"]
    )


def _by_keywords(key: str) -> Callable[[Any], Adapted]:
    """An adapter passing the request's fields as snake_case keywords (routes without a module)."""
    from foundry.agent.service import default_local_kwargs

    def adapt(r: Any) -> Adapted:
        function, heuristic = resolve(key)
        return function(**default_local_kwargs(r)), heuristic

    return adapt


ADAPTERS: dict[str, Callable[[Any], Adapted]] = {
    "analyze-document": analyze_document,
    "refine-requirement": refine_requirement,
    "decompose-task": decompose_task,
    "generate-subtasks": generate_subtasks,
    "plan-sprint": plan_sprint,
    "evaluate-gate": evaluate_gate,
    "score-health": score_health,
    "detect-dependencies": detect_dependencies,
    "analyze-codebase": analyze_codebase,
    "analyze-requirement": analyze_requirement,
    "continuous-discovery": _by_keywords("discovery.continuous_discovery"),
    "summarize-discovery": _by_keywords("discovery.summarize_discovery"),
    "evaluate-risks": _by_keywords("risks.evaluate_risks"),
    "codebase-chat": _by_keywords("codebase.codebase_chat"),
    "analyze-task-subtasks": _by_keywords("tasks.analyze_task_subtasks"),
    "generate-team": _by_keywords("team.generate_team"),
    "dispatch-agent": _by_keywords("team.dispatch_agent"),
    "plan-assignments": _by_keywords("team.plan_assignments"),
    "daily-digest": _by_keywords("digest.daily_digest"),
    "execute-skill": _by_keywords("skills.execute_skill"),
    "review-pr": _by_keywords("pullrequests.review_pr"),
    "link-pr": _by_keywords("pullrequests.link_pr"),
    "branch-strategy": _by_keywords("branches.branch_strategy"),
}
