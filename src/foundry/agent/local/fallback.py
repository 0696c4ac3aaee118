"""Heuristic fallbacks for routes that have no algorithm in `algorithms/` (yet).

Extractive and rule-based: they give valid, useful answers built from the request's own words,
and the service labels them `metadata.heuristic: true` with a low confidence. They never follow
instructions found in the data they read.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from typing import Any

CONFIDENCE = 0.3
_WORD = re.compile(r"[a-z][a-z0-9_]+")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "is",
        "are",
        "be",
        "as",
        "at",
        "from",
        "that",
        "this",
        "it",
        "its",
        "will",
        "shall",
        "must",
        "should",
        "can",
        "may",
        "we",
        "our",
        "their",
        "into",
        "not",
        "all",
        "any",
        "each",
        "per",
    ]
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


def terms(text: str) -> list[str]:
    """Lower-case content words of `text`."""
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def overlap(a: str, b: str) -> float:
    """Jaccard overlap of the content words of two texts."""
    x, y = set(terms(a)), set(terms(b))
    return len(x & y) / len(x | y) if x and y else 0.0


def sentences(text: str) -> list[str]:
    """Non-empty sentences and lines of `text`."""
    return [s.strip() for s in _SENTENCE.findall(text) if len(s.strip()) > 3]


def _title(text: str, limit: int = 80) -> str:
    first = text.strip().split("\n")[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if isinstance(v, str))
    if isinstance(value, list):
        return " ".join(_text_of(v) for v in value)
    return ""


def embed(text: str) -> tuple[list[float], str]:
    """A 256-dimensional hashed bag-of-words vector (L2-normalised)."""
    vector = [0.0] * 256
    for word, count in Counter(terms(text)).items():
        digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
        vector[int.from_bytes(digest, "big") % 256] += count
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector], "foundry-hashed-bow-256"


_MODAL = re.compile(r"\b(must|shall|should|needs? to|required|will need)\b", re.I)
_RISK = re.compile(r"\b(risk|delay|depend\w*|unclear|concern|block\w*|shortage)\b", re.I)


def continuous_discovery(prompt: str, context: Any = None, **_: Any) -> dict[str, Any]:
    """Requirement-like sentences, risk-like sentences and word-frequency insights."""
    text = f"{prompt}\n{_text_of(context)}"
    found = sentences(text)
    reqs = [s for s in found if _MODAL.search(s)][:10]
    risks = [s for s in found if _RISK.search(s)][:10]
    top = [w for w, _ in Counter(terms(text)).most_common(3)]
    return {
        "findings": {
            "suggested_requirements": [
                {"title": _title(s), "description": s, "rationale": "Stated with a modal verb."}
                for s in reqs
            ],
            "identified_gaps": [],
            "risk_indicators": [{"indicator": s, "risk_level": "medium"} for s in risks],
            "key_insights": [
                {"insight": f"Most discussed: {', '.join(top)}.", "confidence": CONFIDENCE}
            ]
            if top
            else [],
        }
    }


def summarize_discovery(
    requirements: list[dict[str, Any]], program_name: str | None = None, **_: Any
) -> dict[str, Any]:
    """Counts by status, priority and fit/gap, with rule-based flags."""
    status = Counter(str(r["status"]) for r in requirements)
    priority = Counter(str(r["priority"]) for r in requirements)
    fit = Counter(str(r["fitGap"]) for r in requirements)
    custom = fit.get("custom_dev", 0)
    flags = []
    if requirements and custom / len(requirements) > 0.4:
        flags.append(f"{custom} of {len(requirements)} requirements need custom development.")
    if not requirements:
        flags.append("No requirements have been captured yet.")
    name = program_name or "The program"
    return {
        "summary": {
            "overview": f"{name} has {len(requirements)} requirements.",
            "statusBreakdown": dict(status),
            "priorityDistribution": dict(priority),
            "fitGapAnalysis": ", ".join(f"{k}: {v}" for k, v in fit.most_common()),
            "keyInsights": [f"Most common status: {status.most_common(1)[0][0]}."]
            if status
            else [],
            "recommendations": ["Review custom development items first."] if custom else [],
            "riskFlags": flags,
        }
    }


def evaluate_risks(
    prompt: str, changes: Any = None, existing_risks: Any = None, **_: Any
) -> dict[str, Any]:
    """Risk-like sentences become new risks; the overall level follows their count."""
    risky = [s for s in sentences(f"{prompt}\n{_text_of(changes)}") if _RISK.search(s)]
    level = "high" if len(risky) >= 3 else "medium" if risky else "low"
    return {
        "risk_assessment": {
            "change_impact_summary": {
                "overall_risk_level": level,
                "confidence": CONFIDENCE * 100,
                "summary": f"{len(risky)} statements mention a risk signal.",
            },
            "new_risks": [{"title": _title(s, 60), "description": s} for s in risky[:10]],
            "recommendations": [
                {"priority": "short_term", "action": "Review the flagged statements with the team."}
            ]
            if risky
            else [],
        }
    }


def codebase_chat(question: str, graph_context: Any = None, **_: Any) -> dict[str, Any]:
    """The graph nodes whose names or paths share the most words with the question."""
    nodes = (
        graph_context.get("nodes", []) if isinstance(graph_context, dict) else graph_context or []
    )
    scored = sorted(
        (
            (
                overlap(
                    question,
                    f"{n.get('name', '')} {n.get('filePath', '')} {n.get('description', '')}",
                ),
                n,
            )
            for n in nodes
            if isinstance(n, dict)
        ),
        key=lambda pair: -pair[0],
    )
    hits = [n for score, n in scored[:5] if score > 0]
    if not hits:
        return {
            "answer": "No part of the knowledge graph matches the question.",
            "referencedNodeNames": [],
        }
    lines = [
        f"- {n.get('name')} ({n.get('filePath', '?')}): {n.get('description', '')}".rstrip(": ")
        for n in hits
    ]
    return {
        "answer": "The most relevant parts of the codebase:\n" + "\n".join(lines),
        "referencedNodeNames": [str(n.get("name")) for n in hits],
    }


def analyze_task_subtasks(
    task_title: str,
    subtasks: list[dict[str, Any]],
    directory_contents: list[dict[str, Any]],
    **_: Any,
) -> dict[str, Any]:
    """A subtask counts as implemented when the files in scope mention most of its words."""
    corpus = " ".join(f["content"] for f in directory_contents)
    proposals, done = [], 0
    for s in subtasks:
        words = set(terms(s["title"]))
        seen = len(words & set(terms(corpus))) / len(words) if words else 0
        if s.get("status") == "executing" or seen < 0.8:
            continue
        done += 1
        if s.get("status") != "completed":
            proposals.append(
                {
                    "subtaskId": s.get("id"),
                    "proposalType": "status_change",
                    "currentState": {"title": s["title"], "status": s.get("status")},
                    "proposedState": {"status": "completed"},
                    "reasoning": f"{int(seen * 100)}% of its terms appear in the code in scope.",
                }
            )
    status = (
        "not_found"
        if not done
        else "fully_implemented"
        if done == len(subtasks)
        else "partially_implemented"
    )
    return {"taskImplementationStatus": status, "confidence": 30, "subtaskProposals": proposals}


_ROLES = {
    "frontend": ("ui", "page", "screen", "frontend", "design"),
    "backend": ("api", "service", "backend", "database", "server"),
    "integration": ("integration", "sync", "import", "export", "erp"),
    "qa": ("test", "quality", "qa"),
    "devops": ("deploy", "infrastructure", "pipeline", "ci"),
}


def generate_team(
    program: dict[str, Any], workstreams: list[Any], skills: list[Any], **kw: Any
) -> dict[str, Any]:
    """One agent per role the program's words call for, plus an architect; 4-8 agents."""
    text = " ".join([_text_of(program), _text_of(workstreams), _text_of(skills)]).lower()
    roles = [r for r, words in _ROLES.items() if any(w in text for w in words)]
    roles = ["architect", *roles, *[r for r in _ROLES if r not in roles]]
    count = max(1, min(kw.get("target_agent_count") or 4, 8))
    roster = [
        {
            "name": f"{role.title()} Agent",
            "description": f"Handles {role} work for {program.get('name', 'the program')}.",
            "role": f"{role}_engineer" if role != "architect" else "solution_architect",
            "tools": ["read", "edit", "bash"],
            "systemPrompt": f"You are the team's {role} specialist. Follow the conventions.",
            "specializations": list(_ROLES.get(role, ("design", "review"))),
        }
        for role in roles[:count]
    ]
    return {
        "rationale": "Roles chosen from keywords in the program context.",
        "coverage": roles[:count],
        "roster": roster,
    }


def dispatch_agent(agent: dict[str, Any], task: dict[str, Any], **_: Any) -> dict[str, Any]:
    """A checklist built from the task's own description and acceptance criteria."""
    criteria = task.get("acceptanceCriteria") or sentences(task.get("description") or "")
    return {
        "result": {
            "summary": f"{agent['name']} planned '{task['title']}' (heuristic, no model).",
            "findings": [f"Acceptance criterion: {c}" for c in criteria],
            "artifacts": [
                {
                    "type": "plan",
                    "title": f"Plan: {task['title']}",
                    "content": "\n".join(f"{i}. {c}" for i, c in enumerate(criteria, 1))
                    or task["title"],
                }
            ],
            "nextActions": ["Run the task in a sandbox with a model provider configured."],
        }
    }


def plan_assignments(
    tasks: list[dict[str, Any]],
    agents: list[dict[str, Any]],
    branch_pattern: str | None = None,
    **_: Any,
) -> dict[str, Any]:
    """Each task goes to the agent whose role and specialisations share most words with it."""
    out = []
    for i, task in enumerate(tasks):
        text = _text_of(task)
        best = max(agents, key=lambda a: overlap(text, _text_of(a)))
        task_id = str(task.get("id") or task.get("_id") or i)
        slug = "-".join(terms(str(task.get("title", task_id))))[:40] or task_id
        branch = (
            (branch_pattern or "foundry/{taskId}-{slug}")
            .replace("{taskId}", task_id)
            .replace("{slug}", slug)
        )
        out.append(
            {
                "taskId": task_id,
                "agentId": str(best.get("id") or best.get("_id") or best.get("name")),
                "confidence": int(30 + 60 * overlap(text, _text_of(best))),
                "branchName": branch,
                "rationale": "Best word overlap between the task and the agent's profile.",
            }
        )
    return {"assignments": out}


def daily_digest(program_name: str, events: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
    """Events grouped: blockers by type or severity, the rest as highlights."""
    blocked = [
        e for e in events if "block" in e["type"] or e.get("severity") in ("critical", "high")
    ]
    upcoming = [
        e for e in events if any(w in e["type"] for w in ("due", "upcoming", "gate", "sprint"))
    ]
    highlights = [e for e in events if e not in blocked and e not in upcoming]
    return {
        "headline": f"{program_name}: {len(events)} updates, {len(blocked)} blockers",
        "summary": f"{len(highlights)} highlights, {len(blocked)} blockers, "
        f"{len(upcoming)} upcoming.",
        "highlights": [e["title"] for e in highlights[:10]],
        "blockers": [e["title"] for e in blocked[:10]],
        "upcoming": [e["title"] for e in upcoming[:10]],
    }


def execute_skill(
    skill: dict[str, Any], task: dict[str, Any], requirements: list[dict[str, Any]], **_: Any
) -> dict[str, Any]:
    """The skill's checklist lines applied to the task, with the requirements that match it."""
    steps = [
        line.strip("-*# ").strip()
        for line in skill["content"].splitlines()
        if line.strip().startswith(("-", "*", "1", "2", "3"))
    ]
    related = sorted(requirements, key=lambda r: -overlap(task["title"], _text_of(r)))[:5]
    body = "\n".join(
        [
            f"# {skill['name']} for: {task['title']}",
            *[f"- [ ] {s}" for s in steps],
            "",
            "Related requirements:",
            *[f"- {r.get('refId', '')} {r.get('title', '')}" for r in related],
        ]
    )
    return {
        "output": body,
        "summary": f"Applied {len(steps)} skill steps to '{task['title']}'.",
        "artifacts": [{"type": "checklist", "title": skill["name"], "content": body}],
        "confidence": CONFIDENCE,
    }


_RISKY_LINE = re.compile(
    r"(password|secret|api[_-]?key|token)\s*=|eval\(|exec\(|TODO|FIXME|print\(|console\.log", re.I
)


def review_pr(pull_request: dict[str, Any], diff: str, **_: Any) -> dict[str, Any]:
    """Added lines that look like secrets, debug output or leftovers become comments."""
    comments, path, line = [], "", 0
    for raw in diff.splitlines():
        if raw.startswith("+++ "):
            path = raw[4:].removeprefix("b/")
        elif raw.startswith("@@"):
            match = re.search(r"\+(\d+)", raw)
            line = int(match.group(1)) - 1 if match else 0
        elif raw.startswith("+"):
            line += 1
            if _RISKY_LINE.search(raw):
                severe = re.search(r"password|secret|key|token|eval|exec", raw, re.I)
                comments.append(
                    {
                        "filePath": path,
                        "line": line,
                        "severity": "major" if severe else "minor",
                        "message": f"Check this added line: {raw[1:].strip()[:120]}",
                    }
                )
        elif not raw.startswith("-"):
            line += 1
    major = any(c["severity"] == "major" for c in comments)
    return {
        "summary": f"{pull_request['title']}: {len(comments)} lines flagged by pattern checks.",
        "verdict": "request_changes" if major else "comment",
        "riskLevel": "high" if major else "low",
        "comments": comments,
    }


def link_pr(pr: dict[str, Any], tasks: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
    """Tasks whose id appears in the PR, or whose title shares words with it."""
    text = " ".join(str(pr.get(k) or "") for k in ("title", "body", "branch"))
    links = []
    for t in tasks:
        if t["id"] in text:
            links.append(
                {"taskId": t["id"], "confidence": 0.9, "reason": "The task id appears in the PR."}
            )
        elif (score := overlap(text, f"{t['title']} {t.get('description') or ''}")) >= 0.2:
            links.append(
                {
                    "taskId": t["id"],
                    "confidence": round(min(0.7, score), 2),
                    "reason": "Shared words.",
                }
            )
    return {"links": links}


def branch_strategy(
    sprint_tasks: list[dict[str, Any]], repositories: list[dict[str, Any]], **_: Any
) -> dict[str, Any]:
    """One branch per task, merged in list order; tasks naming the same files are flagged."""
    branches, files_by_task = [], {}
    base = str((repositories[0] if repositories else {}).get("defaultBranch", "main"))
    for i, t in enumerate(sprint_tasks):
        task_id = str(t.get("id") or t.get("_id") or i)
        branches.append({"name": f"foundry/{task_id}", "baseBranch": base, "taskIds": [task_id]})
        files_by_task[task_id] = set(t.get("files") or t.get("predictedFiles") or [])
    risks = [
        {
            "description": f"Tasks {a} and {b} both touch {', '.join(sorted(fa & fb)[:3])}.",
            "taskIds": [a, b],
        }
        for a, fa in files_by_task.items()
        for b, fb in files_by_task.items()
        if a < b and fa & fb
    ]
    return {
        "strategy": "per_task",
        "rationale": "Independent branches keep reviews small; overlaps are flagged.",
        "branches": branches,
        "mergeOrder": [b["name"] for b in branches],
        "conflictRisks": risks,
    }
