"""analyze-document for the local provider: requirements and findings with exact spans.

Pipeline: segment the text into sentences and list items with character offsets → score each
with modal-verb, subject, list and user-story cues → classify category and priority from
lexicons → estimate fit/gap and effort → match against the program's existing requirements
with embeddings plus TF-IDF → suggest a workstream by similarity. The document is only ever
data: no sentence in it changes what this function does.
"""

from __future__ import annotations

import math
import re
from typing import Any

from foundry.agent.local.algorithms import knobs
from foundry.agent.local.algorithms.cues import classify_category, requirement_signal
from foundry.agent.local.algorithms.embedding import cosine, embed_many
from foundry.agent.local.algorithms.findings import (
    detect_action_item,
    detect_decision,
    detect_integration,
    detect_risk,
)
from foundry.agent.local.algorithms.text import Span, TfIdf, segment, title_from

_THIRD_PARTY = re.compile(
    r"\b(?:payment gateway|stripe|paypal|adyen|tax (?:engine|calculation|service)|avalara|docusign|"
    r"e-?signature|address (?:validation|verification)|maps?|geocod\w*|sms|twilio|credit check|"
    r"shipping carrier|ups|fedex|dhl|ocr|translation service)\b",
    re.I,
)
_CONFIG = re.compile(
    r"\b(?:configur\w*|settings?|roles?|permissions?|workflow|approval|fields?|picklists?|"
    r"templates?|notifications?|email alerts?|reports?|dashboards?|list views?|page layouts?)\b",
    re.I,
)
_CUSTOM = re.compile(
    r"\b(?:integrat\w*|calculat\w*|algorithm|custom|real-time|sync\w*|migrat\w*|rules? engine|"
    r"match\w*|reconcil\w*|optimi[sz]\w*|recommend\w*|predict\w*|api)\b",
    re.I,
)
_NATIVE = re.compile(
    r"\b(?:log ?in|sign in|search|export to (?:csv|excel|pdf)|print|upload|attach\w*|sort|"
    r"filter|password reset|audit (?:trail|log)|browsers?)\b",
    re.I,
)
_IMPOSSIBLE = re.compile(
    r"\b(?:100\s*% (?:uptime|availability|accura\w+)|zero (?:latency|downtime)|never (?:fail|"
    r"go down)|instantaneous\w*)\b",
    re.I,
)
_DOC_TYPES: list[tuple[str, re.Pattern[str]]] = [
    (
        "meeting_notes",
        re.compile(r"\b(?:attendees|minutes|agenda|action items?|meeting|discussed)\b", re.I),
    ),
    (
        "rfp",
        re.compile(
            r"\b(?:request for proposal|RFP|vendors? (?:shall|must|should)|bidders?|proposal)\b",
            re.I,
        ),
    ),
    (
        "statement_of_work",
        re.compile(r"\b(?:statement of work|SOW|deliverables?|milestones?|fees?)\b", re.I),
    ),
    ("user_stories", re.compile(r"\bas an? [^,]+, i (?:want|need)\b", re.I)),
    (
        "technical_spec",
        re.compile(r"\b(?:architecture|endpoint|schema|API|database|service|latency)\b", re.I),
    ),
    ("requirements_spec", re.compile(r"\b(?:shall|requirements?|must)\b", re.I)),
    ("email", re.compile(r"^\s*(?:from|to|subject|hi|hello|dear)\b", re.I | re.M)),
]


def analyze_document(
    text: str, file_name: str | None, program: dict[str, Any] | None
) -> dict[str, Any]:
    """The analyze-document response (without `metadata`) for `text`."""
    program = program or {}
    spans = segment(text)
    workstreams = [w for w in program.get("workstreams") or [] if isinstance(w, dict)]
    existing = [r for r in program.get("existingRequirements") or [] if isinstance(r, dict)]

    candidates: list[tuple[Span, float, str]] = []
    for span in spans:
        signal = requirement_signal(span.text, span.in_list, span.heading)
        if signal.score >= knobs.REQUIREMENT_THRESHOLD:
            candidates.append((span, signal.score, signal.priority))

    req_texts = [s.text for s, _, _ in candidates]
    ws_texts = [f"{w.get('name', '')}. {w.get('description', '')}" for w in workstreams]
    ex_texts = [f"{r.get('title', '')}. {r.get('description', '')}" for r in existing]
    vectors = embed_many(req_texts + ws_texts + ex_texts)
    req_vecs = vectors[: len(req_texts)]
    ws_vecs = vectors[len(req_texts) : len(req_texts) + len(ws_texts)]
    ex_vecs = vectors[len(req_texts) + len(ws_texts) :]
    tfidf = TfIdf(req_texts + ws_texts + ex_texts)

    requirements = []
    for i, (span, score, priority) in enumerate(candidates):
        category, cat_conf = classify_category(span.text)
        fit_gap = _fit_gap(span.text)
        match_type, match = _match(span.text, req_vecs[i], existing, ex_texts, ex_vecs, tfidf)
        requirements.append(
            {
                "title": title_from(span.text),
                "description": span.text,
                "priority": priority,
                "fitGap": fit_gap,
                "effortEstimate": _effort(span.text, fit_gap),
                "suggestedWorkstream": _workstream(
                    span.text, req_vecs[i], workstreams, ws_texts, ws_vecs, tfidf
                ),
                "category": category,
                "confidence": round(
                    _sigmoid(score - knobs.REQUIREMENT_THRESHOLD + 1.0) * (0.6 + 0.4 * cat_conf), 2
                ),
                "sourceSpan": {"start": span.start, "end": span.end},
                "sourceExcerpt": span.text,
                "matchType": match_type,
                "potentialMatch": match,
            }
        )

    risks, integrations, decisions, actions = [], [], [], []
    for span in spans:
        if (risk := detect_risk(span, _mentioned(span.text, workstreams) or [])) is not None:
            risks.append(risk)
        if (integration := detect_integration(span)) is not None:
            integrations.append(integration)
        if (decision := detect_decision(span)) is not None:
            decisions.append(decision)
        if (action := detect_action_item(span)) is not None:
            actions.append(action)
    doc_type = _document_type(text, file_name, len(requirements), len(spans))
    return {
        "requirements": requirements,
        "risks": risks,
        "integrations": integrations,
        "decisions": decisions,
        "actionItems": actions,
        "summary": _summary(doc_type, requirements, risks, integrations, decisions, actions, spans),
        "documentType": doc_type,
    }


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _fit_gap(sentence: str) -> str:
    if _IMPOSSIBLE.search(sentence):
        return "not_feasible"
    if _THIRD_PARTY.search(sentence):
        return "third_party"
    if _CUSTOM.search(sentence):
        return "custom_dev"
    if _CONFIG.search(sentence):
        return "config"
    if _NATIVE.search(sentence):
        return "native"
    return "config"


def _effort(sentence: str, fit_gap: str) -> str:
    base = {"native": 0, "config": 1, "third_party": 2, "custom_dev": 2, "not_feasible": 3}[fit_gap]
    lowered = sentence.lower()
    if len(sentence.split()) > 30 or re.search(
        r"\b(?:all|every|real-time|migrat\w*|multi-\w+)\b", lowered
    ):
        base += 1
    if sentence.count(",") + lowered.count(" and ") >= 3:
        base += 1
    return ("low", "medium", "high", "very_high")[min(base, 3)]


def _match(
    sentence: str,
    vec: list[float],
    existing: list[dict[str, Any]],
    ex_texts: list[str],
    ex_vecs: list[list[float]],
    tfidf: TfIdf,
) -> tuple[str, str | None]:
    best, best_ref = 0.0, None
    for req, text, ex_vec in zip(existing, ex_texts, ex_vecs, strict=True):
        score = 0.65 * cosine(vec, ex_vec) + 0.35 * tfidf.cosine(sentence, text)
        if score > best:
            best, best_ref = score, req.get("refId")
    if best_ref is not None and best >= knobs.DUPLICATE_SIMILARITY:
        return "duplicate", str(best_ref)
    if best_ref is not None and best >= knobs.UPDATE_SIMILARITY:
        return "update", str(best_ref)
    return "new", None


def _workstream(
    sentence: str,
    vec: list[float],
    workstreams: list[dict[str, Any]],
    ws_texts: list[str],
    ws_vecs: list[list[float]],
    tfidf: TfIdf,
) -> str | None:
    best, best_code = 0.0, None
    for ws, text, ws_vec in zip(workstreams, ws_texts, ws_vecs, strict=True):
        score = 0.6 * cosine(vec, ws_vec) + 0.4 * tfidf.cosine(sentence, text)
        if score > best:
            best, best_code = score, ws.get("shortCode")
    return str(best_code) if best_code and best >= knobs.WORKSTREAM_MIN_SIMILARITY else None


def _mentioned(sentence: str, workstreams: list[dict[str, Any]]) -> list[str]:
    lowered = sentence.lower()
    return [
        str(w["shortCode"])
        for w in workstreams
        if w.get("shortCode")
        and (
            str(w["shortCode"]).lower() in lowered.split()
            or str(w.get("name", "")).lower() in lowered
        )
        and str(w.get("name", "")).strip()
    ]


def _document_type(text: str, file_name: str | None, n_requirements: int, n_spans: int) -> str:
    name = (file_name or "").lower()
    for hint, doc_type in (
        ("minutes", "meeting_notes"),
        ("meeting", "meeting_notes"),
        ("rfp", "rfp"),
        ("sow", "statement_of_work"),
        ("spec", "requirements_spec"),
        ("brd", "requirements_spec"),
        ("stories", "user_stories"),
    ):
        if hint in name:
            return doc_type
    counts = {t: len(rx.findall(text)) for t, rx in _DOC_TYPES}
    if counts["user_stories"] >= 2:
        return "user_stories"
    if counts["meeting_notes"] >= 2:
        return "meeting_notes"
    if counts["rfp"] >= 2:
        return "rfp"
    if n_spans and n_requirements / n_spans > 0.4:
        return "requirements_spec"
    best = max(counts.items(), key=lambda kv: kv[1])
    return best[0] if best[1] >= 2 else "other"


def _summary(
    doc_type: str,
    requirements: list[dict[str, Any]],
    risks: list[dict[str, Any]],
    integrations: list[dict[str, Any]],
    decisions: list[dict[str, Any]],
    actions: list[dict[str, Any]],
    spans: list[Span],
) -> str:
    cats: dict[str, int] = {}
    for r in requirements:
        cats[r["category"]] = cats.get(r["category"], 0) + 1
    cat_text = ", ".join(
        f"{n} {c}" for c, n in sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    must = sum(1 for r in requirements if r["priority"] == "must_have")
    lead = next((s.text for s in spans if not s.heading and len(s.text.split()) >= 6), "")
    parts = [
        f"A {doc_type.replace('_', ' ')} of {len(spans)} sentences.",
        f"{len(requirements)} requirements found ({cat_text or 'none'}), {must} of them must-have.",
        f"{len(risks)} risks, {len(integrations)} integrations, {len(decisions)} decisions and "
        f"{len(actions)} action items.",
    ]
    if lead:
        parts.append(f'It opens: "{lead[:200]}"')
    return " ".join(parts)
