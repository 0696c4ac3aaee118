"""Non-requirement findings in a document: risks, integrations, decisions and action items.

Each detector looks at one sentence span and returns a finding dict, or None; every finding
carries its exact source span so a reviewer can see the words it came from.
"""

from __future__ import annotations

import re
from typing import Any

from foundry.agent.local.algorithms.text import Span, title_from

_RISK = re.compile(
    r"\b(?:risks?|concerns?|worr(?:y|ied)|threat|might (?:not|delay|slip|fail)|may (?:not|"
    r"delay|slip|fail)|"
    r"could (?:delay|slip|fail|impact|block)|blockers?|uncertain(?:ty)?|unknown|"
    r"tight (?:timeline|deadline)|"
    r"dependen(?:t|cy) on|lack of|shortage|limited (?:budget|resources|availability)|at risk|"
    r"jeopardi[sz]e)\b",
    re.I,
)
_SEVERE = re.compile(
    r"\b(?:critical|severe|major|go-live|launch|cannot|blocker|legal|breach|fine)\b", re.I
)
_LIKELY = re.compile(r"\b(?:likely|already|will|expected|known|always)\b", re.I)
_MITIGATION = re.compile(
    r"\b(?:mitigat\w*|to reduce this|we (?:can|could|will|should)|plan is to|workaround)\b(.*)$",
    re.I,
)

_INTEGRATION = re.compile(
    r"\b(?:integrat\w*|interface\w* with|sync\w*|synchroni[sz]\w*|feed|import\w* from|export\w* to|"
    r"push\w* to|pull\w* from|send\w* to|receiv\w* from|webhooks?|API|SFTP|EDI|connector)\b",
    re.I,
)
_PROTOCOLS = [
    ("REST", r"\bREST\b|\bJSON\b|\bAPI\b"),
    ("SOAP", r"\bSOAP\b|\bWSDL\b"),
    ("SFTP", r"\bS?FTP\b|\bflat files?\b|\bCSV (?:file|feed)\b"),
    ("EDI", r"\bEDI\b|\bX12\b|\bEDIFACT\b"),
    ("webhook", r"\bwebhooks?\b"),
    ("message queue", r"\bKafka\b|\bqueue\b|\bMQ\b|\bevent bus\b"),
    ("GraphQL", r"\bGraphQL\b"),
    ("database", r"\bJDBC\b|\bODBC\b|\bdatabase link\b"),
]
_SYSTEM_NAME = re.compile(r"\b(?:[A-Z][A-Za-z0-9]+(?:\s+[A-Z][A-Za-z0-9]+){0,2}|[A-Z]{2,}[a-z]?)\b")
_NOT_SYSTEMS = frozenset(
    [
        "The",
        "This",
        "That",
        "These",
        "We",
        "Our",
        "It",
        "A",
        "An",
        "All",
        "Each",
        "Every",
        "When",
        "If",
        "As",
        "API",
        "REST",
        "SOAP",
        "SFTP",
        "EDI",
        "JSON",
        "CSV",
        "Data",
        "System",
        "Users",
        "User",
        "Customers",
        "Orders",
        "Phase",
        "Must",
        "Should",
        "Shall",
        "Will",
    ]
)

_DECISION = re.compile(
    r"\b(?:we (?:have )?(?:decided|agreed|chose|selected|will use|are going with)|"
    r"decision(?:\s+was made)?:?|"
    r"it was (?:decided|agreed)|(?:has|have) been (?:approved|selected|chosen)|agreed to|approved|"
    r"going forward)\b",
    re.I,
)
_ALTERNATIVES = re.compile(r"\b(?:instead of|rather than|over|versus|vs\.?)\s+([^,.;]+)", re.I)
_ACTION = re.compile(
    r"^\W*(?:action(?: item)?s?\s*:|todo\s*:|ai\s*:|follow[- ]up\s*:)|"
    r"^\W*(?P<owner>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?|we|the team)\s+(?:will|to|needs? to|should)\s+"
    r"(?:send|share|schedule|follow|confirm|check|review|prepare|draft|circulate|set up|book|"
    r"investigate|ask|contact|reach|update|provide|get back|look into|organi[sz]e|email)\b",
    re.I,
)
_DUE = re.compile(
    r"\bby\s+((?:next\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|EOD|"
    r"end of (?:day|week|month)|"
    r"tomorrow|\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+|[A-Z][a-z]+\s+\d{1,2}(?:st|nd|rd|th)?|"
    r"\d{4}-\d{2}-\d{2}))",
)


def _base(span: Span, confidence: float) -> dict[str, Any]:
    return {
        "sourceSpan": {"start": span.start, "end": span.end},
        "sourceExcerpt": span.text,
        "confidence": round(confidence, 2),
    }


def detect_risk(span: Span, workstreams: list[str]) -> dict[str, Any] | None:
    """A risk finding when the sentence names a risk, concern or likely slip."""
    hits = _RISK.findall(span.text)
    if not hits or span.heading:
        return None
    severe = bool(_SEVERE.search(span.text))
    mitigation = _MITIGATION.search(span.text)
    return {
        "title": title_from(span.text, 70),
        "description": span.text,
        "severity": "high" if severe else "medium",
        "probability": "likely" if _LIKELY.search(span.text) else "possible",
        "mitigation": mitigation.group(0).strip() if mitigation else None,
        "affectedWorkstreams": workstreams,
        **_base(span, min(0.9, 0.5 + 0.15 * len(hits))),
    }


def detect_integration(span: Span) -> dict[str, Any] | None:
    """An integration finding when the sentence moves data between named systems."""
    if not _INTEGRATION.search(span.text) or span.heading:
        return None
    names = [n for n in _SYSTEM_NAME.findall(span.text) if n.split()[0] not in _NOT_SYSTEMS]
    names = list(dict.fromkeys(names))
    if not names:
        return None
    lowered = span.text.lower()
    protocol = next((p for p, rx in _PROTOCOLS if re.search(rx, span.text)), "unspecified")
    outbound = re.search(r"\b(?:to|into|push|send|export)\b", lowered) is not None
    inbound = re.search(r"\b(?:from|pull|receive|import)\b", lowered) is not None
    direction = (
        "bidirectional"
        if (outbound and inbound) or "sync" in lowered
        else ("outbound" if outbound else "inbound")
    )
    other = names[0]
    source, target = ("our platform", other) if direction == "outbound" else (other, "our platform")
    if len(names) >= 2:
        source, target = names[0], names[1]
    return {
        "name": f"{source} ↔ {target}" if direction == "bidirectional" else f"{source} → {target}",
        "sourceSystem": source,
        "targetSystem": target,
        "protocol": protocol,
        "direction": direction,
        "dataEntities": _entities(span.text),
        "complexity": "high"
        if direction == "bidirectional" or "real-time" in lowered
        else "medium",
        "description": span.text,
        **_base(span, 0.75 if protocol != "unspecified" else 0.55),
    }


def _entities(sentence: str) -> list[str]:
    found = re.findall(
        r"\b(orders?|invoices?|customers?|products?|inventory|prices?|payments?|employees?|"
        r"accounts?|shipments?|contacts?|leads?|tickets?|claims?|patients?|appointments?|"
        r"students?|grades?|transactions?|stock levels?|catalog(?:ue)?)\b",
        sentence,
        re.I,
    )
    return list(dict.fromkeys(f.lower() for f in found))


def detect_decision(span: Span) -> dict[str, Any] | None:
    """A decision finding when the sentence records something decided or approved."""
    if not _DECISION.search(span.text) or span.heading:
        return None
    alternatives = [a.strip() for a in _ALTERNATIVES.findall(span.text)]
    lowered = span.text.lower()
    category = (
        "architecture"
        if re.search(r"\b(?:platform|database|cloud|framework|architecture|api)\b", lowered)
        else "scope"
        if re.search(r"\b(?:scope|phase|release|defer|mvp)\b", lowered)
        else "process"
    )
    return {
        "title": title_from(span.text, 70),
        "description": span.text,
        "impact": "high" if _SEVERE.search(span.text) or category == "architecture" else "medium",
        "category": category,
        "alternatives": alternatives,
        **_base(span, 0.8),
    }


def detect_action_item(span: Span) -> dict[str, Any] | None:
    """An action item when the sentence assigns a follow-up to a person or the team."""
    m = _ACTION.search(span.text)
    if not m:
        return None
    due = _DUE.search(span.text)
    return {
        "title": title_from(
            re.sub(
                r"^\W*(?:action(?: item)?s?|todo|ai|follow[- ]up)\s*:\s*", "", span.text, flags=re.I
            ),
            70,
        ),
        "description": span.text,
        "owner": m.group("owner") if m.group("owner") else None,
        "dueDate": due.group(1) if due else None,
        **_base(span, 0.8 if m.group("owner") else 0.7),
    }
