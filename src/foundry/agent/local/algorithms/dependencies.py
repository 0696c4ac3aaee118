"""detect-dependencies for the local provider: which requirement needs which, and why.

Three kinds of evidence, each with its own confidence:
- explicit cues naming another requirement ("depends on REQ-4", "after the login is built");
- producer → consumer: one requirement creates or imports an entity another one reads, reports
  or exports;
- shared rare terms between requirements in different workstreams (a weaker, "related" link).
"""

from __future__ import annotations

import re
from typing import Any

from foundry.agent.local.algorithms import knobs
from foundry.agent.local.algorithms.text import TfIdf, stem, terms

_EXPLICIT = re.compile(
    r"\b(?:depends? on|dependent on|requires?|after|once|prerequisite|blocked by|needs?|"
    r"relies on|based on)\b",
    re.I,
)
_PRODUCE = re.compile(
    r"\b(create|import|capture|record|register|store|generate|ingest|migrate|load|sync|"
    r"calculate|define|set up|configure)\w*\s+(?:the\s+|a\s+|an\s+|all\s+|"
    r"new\s+)?((?:\w+\s+){0,2}\w+)",
    re.I,
)
_CONSUME = re.compile(
    r"\b(report|display|show|view|export|search|filter|analy[sz]e|notify|approve|invoice|track|"
    r"print|email|send|use|read|dashboard)\w*\s+(?:on\s+|the\s+|a\s+|an\s+|"
    r"all\s+)?((?:\w+\s+){0,2}\w+)",
    re.I,
)
_AUTH = re.compile(r"\b(?:log ?in|sign[- ]?in|authenticat\w*|sso|user accounts?|roles?)\b", re.I)


def _id(req: dict[str, Any], index: int) -> str:
    return str(req.get("id") or req.get("_id") or req.get("refId") or f"#{index}")


def _text(req: dict[str, Any]) -> str:
    return f"{req.get('title', '')}. {req.get('description', '')}"


def _nouns(match_group: str) -> set[str]:
    return {stem(w.lower()) for w in match_group.split() if len(w) > 3}


def detect_dependencies(
    requirements: list[dict[str, Any]], workstreams: list[dict[str, Any]]
) -> dict[str, Any]:
    """Suggested dependencies: {dependencies: [...], workstreamDependencies: [...], summary}."""
    texts = [_text(r) for r in requirements]
    ids = [_id(r, i) for i, r in enumerate(requirements)]
    tfidf = TfIdf(texts)
    produces = [set().union(*[_nouns(m.group(2)) for m in _PRODUCE.finditer(t)]) for t in texts]
    consumes = [set().union(*[_nouns(m.group(2)) for m in _CONSUME.finditer(t)]) for t in texts]
    found: dict[tuple[int, int], dict[str, Any]] = {}

    def add(src: int, dst: int, kind: str, reason: str, confidence: float) -> None:
        # src depends on dst; keep the strongest reason per ordered pair
        if src == dst or confidence < knobs.DEPENDENCY_MIN_CONFIDENCE:
            return
        old = found.get((src, dst))
        if old is None or old["confidence"] < confidence:
            found[(src, dst)] = {
                "sourceId": ids[src],
                "targetId": ids[dst],
                "sourceTitle": str(requirements[src].get("title", "")),
                "targetTitle": str(requirements[dst].get("title", "")),
                "dependencyType": kind,
                "reason": reason,
                "confidence": round(confidence, 2),
            }

    for i, text in enumerate(texts):
        for j, other_id in enumerate(ids):
            if i == j:
                continue
            if other_id in text and _EXPLICIT.search(text):
                add(i, j, "blocks", f"It names {other_id} with a dependency cue.", 0.9)
            title = str(requirements[j].get("title", "")).strip().lower()
            if title and len(title) > 6 and title in text.lower() and _EXPLICIT.search(text):
                add(
                    i,
                    j,
                    "blocks",
                    f"It refers to '{requirements[j].get('title')}' with a dependency cue.",
                    0.8,
                )
            shared = consumes[i] & produces[j]
            if shared and not (produces[i] & consumes[j] and i < j):
                add(
                    i,
                    j,
                    "data",
                    f"It uses {', '.join(sorted(shared))}, which "
                    f"'{requirements[j].get('title')}' produces.",
                    0.6 + 0.05 * len(shared),
                )
            if (
                _AUTH.search(texts[j])
                and re.search(r"\b(?:create|setup|set up|provision|register)\w*\b", texts[j], re.I)
                and not _AUTH.search(text)
            ):
                add(
                    i,
                    j,
                    "blocks",
                    "User accounts and sign-in come before features used by signed-in users.",
                    0.4,
                )
        for j in range(i + 1, len(texts)):
            sim = tfidf.cosine(text, texts[j])
            ws_i, ws_j = requirements[i].get("workstreamId"), requirements[j].get("workstreamId")
            if sim >= 0.35 and ws_i != ws_j and (i, j) not in found and (j, i) not in found:
                common = sorted(set(terms(text)) & set(terms(texts[j])))[:4]
                add(
                    j,
                    i,
                    "related",
                    f"They share the terms {', '.join(common)}.",
                    min(0.7, 0.3 + sim * 0.5),
                )

    dependencies = sorted(
        found.values(), key=lambda d: (-d["confidence"], d["sourceId"], d["targetId"])
    )
    return {
        "dependencies": dependencies,
        "workstreamDependencies": _workstream_edges(requirements, ids, dependencies, workstreams),
        "summary": (
            f"{len(dependencies)} suggested dependencies among {len(requirements)} requirements."
        ),
    }


def _workstream_edges(
    requirements: list[dict[str, Any]],
    ids: list[str],
    deps: list[dict[str, Any]],
    workstreams: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    by_id = {ids[i]: r.get("workstreamId") for i, r in enumerate(requirements)}
    names = {
        str(w.get("id") or w.get("_id") or w.get("shortCode")): str(
            w.get("name") or w.get("shortCode") or ""
        )
        for w in workstreams
    }
    edges: dict[tuple[str, str], list[float]] = {}
    for d in deps:
        a, b = by_id.get(d["sourceId"]), by_id.get(d["targetId"])
        if a and b and a != b and d["dependencyType"] != "related":
            edges.setdefault((str(a), str(b)), []).append(d["confidence"])
    return [
        {
            "sourceWorkstreamId": a,
            "targetWorkstreamId": b,
            "reason": f"{len(c)} requirement(s) in {names.get(a, a)} depend on {names.get(b, b)}.",
            "confidence": round(max(c), 2),
        }
        for (a, b), c in sorted(edges.items())
    ]
