"""refine-requirement for the local provider: weak words, scores, suggestions and splits.

Clarity falls with each ambiguous or weak phrase; completeness rises with an actor, a modal,
an object, a condition and a measurable criterion; testability needs a measurable outcome and
no unverifiable adjectives. A requirement with several modal clauses or conjoined actions is
proposed for splitting into one requirement per action.
"""

from __future__ import annotations

import re
from typing import Any

from foundry.agent.local.algorithms.cues import classify_category
from foundry.agent.local.algorithms.embedding import similarity

# Weak word → (why it is weak, what to write instead).
WEAK_WORDS: dict[str, tuple[str, str]] = {
    "fast": ("not measurable", "within <N> seconds at the 95th percentile"),
    "quickly": ("not measurable", "within <N> seconds"),
    "quick": ("not measurable", "within <N> seconds"),
    "user-friendly": (
        "subjective",
        "a first-time user completes <task> in under <N> minutes without help",
    ),
    "easy": ("subjective", "completes <task> in at most <N> steps"),
    "intuitive": ("subjective", "<N>% of test users complete <task> unaided"),
    "simple": ("subjective", "in at most <N> steps"),
    "flexible": ("vague", "name the variations that must be supported"),
    "robust": ("vague", "recovers from <failure> within <N> minutes without data loss"),
    "efficient": ("vague", "uses at most <N> <resource> per <unit>"),
    "adequate": ("vague", "state the minimum acceptable value"),
    "appropriate": ("vague", "state the rule that decides what is appropriate"),
    "as appropriate": ("leaves the decision open", "state the condition explicitly"),
    "as needed": ("leaves the decision open", "state when it is needed"),
    "as required": ("leaves the decision open", "state when it is required"),
    "if possible": ("makes the requirement optional", "decide whether it is required"),
    "where possible": ("makes the requirement optional", "decide whether it is required"),
    "etc.": ("open-ended list", "list every item"),
    "and so on": ("open-ended list", "list every item"),
    "and/or": ("ambiguous conjunction", "say 'and', 'or', or 'either … or … but not both'"),
    "some": ("unquantified", "give the exact number or set"),
    "several": ("unquantified", "give the exact number"),
    "many": ("unquantified", "give the exact number"),
    "various": ("unquantified", "list them"),
    "normally": ("unstated exceptions", "state the exceptional cases"),
    "usually": ("unstated exceptions", "state the exceptional cases"),
    "generally": ("unstated exceptions", "state the exceptional cases"),
    "minimal": ("not measurable", "at most <N>"),
    "maximize": ("no target", "at least <N>"),
    "minimize": ("no target", "at most <N>"),
    "optimal": ("no target", "state the target value"),
    "state-of-the-art": ("subjective", "name the standard or benchmark"),
    "modern": ("subjective", "name the standard or style guide"),
    "support": ("unclear action", "say what the system does: stores, displays, imports …"),
    "handle": ("unclear action", "say what the system does with it"),
    "secure": ("vague", "name the control: encryption, authentication, audit"),
    "reliable": ("vague", "availability of <N>% per month"),
    "scalable": ("vague", "supports <N> concurrent users with response time <T>"),
    "tbd": ("unfinished", "resolve the open value"),
    "tbc": ("unfinished", "resolve the open value"),
}
_WEAK_RX = {w: re.compile(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", re.I) for w in WEAK_WORDS}
_MODAL = re.compile(r"\b(?:shall|must|should|will|may|needs? to|is required to)\b", re.I)
_ACTOR = re.compile(
    r"\b(?:system|application|platform|portal|service|user|customer|admin\w*|manager|staff|"
    r"agent|api|as an? )",
    re.I,
)
_MEASURE = re.compile(
    r"\d|\b(?:percent|seconds?|minutes?|hours?|days?|ms|one|two|three|five|ten)\b", re.I
)
_CONDITION = re.compile(
    r"\b(?:when|if|after|before|once|unless|within|upon|whenever|so that)\b", re.I
)
_PASSIVE = re.compile(r"\b(?:is|are|be|been)\s+\w+ed\b", re.I)
_CONJUNCTION = re.compile(
    r",?\s+\b(?:and|as well as|and also|in addition)\b\s+(?=(?:shall|must|should|will|"
    r"\w+s?\b\s+(?:the|a|an|all|each|their|its|new|them|it|this|those|\w+s)\b))",
    re.I,
)


def weak_phrases(text: str) -> list[tuple[str, int, int]]:
    """Every weak word or phrase in `text` with its character span."""
    found = [(w, m.start(), m.end()) for w, rx in _WEAK_RX.items() for m in rx.finditer(text)]
    # a phrase ("as appropriate") hides the word inside it ("appropriate")
    found.sort(key=lambda f: (f[1], -(f[2] - f[1])))
    kept: list[tuple[str, int, int]] = []
    for f in found:
        if not kept or f[1] >= kept[-1][2]:
            kept.append(f)
    return kept


def split_requirement(text: str) -> list[str]:
    """One clause per action when `text` is compound; `[text]` when it is atomic."""
    body = text.strip().rstrip(".")
    head = re.match(r"^(.*?\b(?:shall|must|should|will)\b(?:\s+be able to)?)\s+", body, re.I)
    if head is None:
        return [text]
    subject = head.group(1)
    rest = body[head.end() :]
    parts = [
        p.strip(" ,;")
        for p in re.split(
            r";|,?\s+\band\s+(?:shall|must|should|will|also)\b\s+|" + _CONJUNCTION.pattern,
            rest,
            flags=re.I,
        )
    ]
    parts = [p for p in parts if p and len(p.split()) >= 2]
    if len(parts) < 2:
        return [text]
    return [f"{subject} {p}." for p in parts]


def refine_requirement(
    requirement: dict[str, Any], context: dict[str, Any] | None
) -> dict[str, Any]:
    """The refine-requirement `refinement` object for `requirement` ({title, description, …})."""
    title = str(requirement.get("title") or "")
    description = str(requirement.get("description") or "")
    text = description or title
    weak = weak_phrases(text)
    has_actor = bool(_ACTOR.search(text))
    has_modal = bool(_MODAL.search(text))
    has_measure = bool(_MEASURE.search(text))
    has_condition = bool(_CONDITION.search(text))
    criteria = requirement.get("acceptanceCriteria") or requirement.get("acceptance_criteria") or []
    n_words = len(text.split())

    clarity = (
        10
        - 2 * len(weak)
        - (2 if n_words > 45 else 0)
        - (1 if _PASSIVE.search(text) and not has_actor else 0)
    )
    completeness = (
        2
        + 2 * has_actor
        + 2 * has_modal
        + 2 * has_measure
        + 1 * has_condition
        + (1 if criteria else 0)
        + (1 if n_words >= 8 else 0)
    )
    subjective = sum(
        1 for w, _, _ in weak if WEAK_WORDS[w][0] in ("subjective", "not measurable", "vague")
    )
    testability = (
        3
        + 3 * has_measure
        + 2 * bool(criteria)
        + 1 * has_condition
        + 1 * has_modal
        - 2 * subjective
    )
    scores = [max(1, min(10, s)) for s in (clarity, completeness, testability)]

    suggestions: list[dict[str, Any]] = []
    for word, start, end in weak:
        why, instead = WEAK_WORDS[word]
        suggestions.append(
            {
                "area": "ambiguity",
                "current_text": text[start:end],
                "suggested_text": instead,
                "reason": f"'{text[start:end]}' is {why}.",
                "priority": "high"
                if why in ("not measurable", "subjective", "unfinished")
                else "medium",
            }
        )
    if not has_modal:
        suggestions.append(
            _suggest(
                "structure",
                text,
                f"The system shall {text[:1].lower()}{text[1:]}",
                "State the obligation with 'shall' or 'must'.",
                "medium",
            )
        )
    if not has_measure:
        suggestions.append(
            _suggest(
                "testability",
                text,
                text.rstrip(".") + ", measured by <metric> of <N>.",
                "Add a measurable acceptance criterion so a tester can decide pass or fail.",
                "high",
            )
        )
    if not criteria:
        suggestions.append(
            _suggest(
                "completeness",
                "",
                "Given <context>, when <action>, then <observable result>.",
                "Add acceptance criteria in Given/When/Then form.",
                "medium",
            )
        )

    parts = split_requirement(text)
    modal_count = len(_MODAL.findall(text))
    category, _ = classify_category(text)
    summary = (
        f"A {category} requirement of {n_words} words; "
        f"{len(weak)} ambiguous "
        f"term(s){': ' + ', '.join(repr(w) for w, _, _ in weak) if weak else ''}; "
        f"{'measurable' if has_measure else 'no measurable criterion'}; "
        f"{'compound, should be split' if len(parts) > 1 else 'atomic'}."
    )
    refinement: dict[str, Any] = {
        "overall_assessment": {
            "clarity_score": scores[0],
            "completeness_score": scores[1],
            "testability_score": scores[2],
            "summary": summary,
        },
        "suggestions": suggestions,
        "potential_split": {
            "should_split": len(parts) > 1,
            "reason": (
                f"It states {len(parts)} separate actions ({modal_count} modal verb(s)); each "
                f"should be verifiable on its own."
                if len(parts) > 1
                else "It states a single action."
            ),
            "proposed_sub_requirements": parts if len(parts) > 1 else [],
        },
        "related_requirements": _related(
            text,
            (context or {}).get("existingRequirements")
            or (context or {}).get("requirements")
            or [],
        ),
    }
    return refinement


def _suggest(area: str, current: str, suggested: str, reason: str, priority: str) -> dict[str, Any]:
    return {
        "area": area,
        "current_text": current,
        "suggested_text": suggested,
        "reason": reason,
        "priority": priority,
    }


def _related(text: str, others: list[Any]) -> list[dict[str, Any]]:
    related = []
    for other in others[:200]:
        if not isinstance(other, dict):
            continue
        other_text = f"{other.get('title', '')}. {other.get('description', '')}"
        sim = similarity(text, other_text)
        if sim < 0.45:
            continue
        lowered = other_text.lower()
        relationship = (
            "duplicates"
            if sim >= 0.8
            else "depends_on"
            if re.search(r"\b(?:login|authenticat|account|data model|master data)\w*", lowered)
            else "extends"
        )
        if re.search(r"\bnot\b|\bnever\b", text.lower()) != re.search(
            r"\bnot\b|\bnever\b", lowered
        ):
            relationship = "conflicts_with" if sim >= 0.6 else relationship
        related.append(
            {
                "requirement_id": str(
                    other.get("refId") or other.get("id") or other.get("_id") or ""
                ),
                "relationship": relationship,
                "description": f"Similarity {sim:.2f} with '{str(other.get('title', ''))[:80]}'.",
            }
        )
    related.sort(key=lambda r: r["description"], reverse=True)
    return related[:5]
