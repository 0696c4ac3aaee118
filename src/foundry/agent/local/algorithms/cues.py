"""Lexicons and feature scoring that turn one sentence into requirement signals.

Scores are additive weights of hand-written cues (modal verbs, subjects, user-story shape,
category lexicons). The lexicons were written from general requirements-engineering practice
and tuned only on the development half of this project's own evaluation set (evaluation/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from foundry.agent.local.algorithms import knobs

CATEGORIES = (
    "availability",
    "fault tolerance",
    "legal",
    "look and feel",
    "maintainability",
    "operability",
    "performance",
    "portability",
    "scalability",
    "security",
    "usability",
)

_MODALS: list[tuple[re.Pattern[str], float, str]] = [
    (re.compile(r"\bshall\b", re.I), 3.0, "must_have"),
    (re.compile(r"\bmust(?!\s+not\s+have)\b", re.I), 2.5, "must_have"),
    (
        re.compile(r"\b(?:is|are) required to\b|\bneeds? to\b|\bhas to\b|\bhave to\b", re.I),
        2.0,
        "must_have",
    ),
    (re.compile(r"\bshould\b", re.I), 2.0, "should_have"),
    (re.compile(r"\bwill\b", re.I), 1.2, "should_have"),
    (re.compile(r"\b(?:may|could|can)\b", re.I), 0.6, "nice_to_have"),
]
_SUBJECT = re.compile(
    r"^(?:\W*)(?:the|each|every|all|an?|any)?\s*(?:[\w-]+\s+){0,2}(?:system|application|app|"
    r"platform|"
    r"solution|portal|site|website|service|api|software|tool|module|dashboard|interface|ui|"
    r"database|users?|customers?|administrators?|admins?|managers?|staff|agents?|reports?|"
    r"data|page|pages|screens?|mobile app|backend|frontend|integration|checkout|search|"
    r"passwords?|sessions?|files?|records?|emails?|notifications?|orders?|invoices?)\b",
    re.I,
)
_USER_STORY = re.compile(r"^\W*as an?\s+[^,]{2,60},?\s+i\s+(?:want|need|would like)\b", re.I)
_ACTOR_ABILITY = re.compile(r"\b(?:allow|enable|let|permit)s?\s+(?:the\s+)?\w+", re.I)
_NARRATIVE = re.compile(
    r"\b(?:was|were|had|did|discussed|mentioned|explained|noted|asked|said|agreed|decided|"
    r"attended|presented|currently|today|yesterday|last (?:week|month|year)|historically|"
    r"we met|meeting|in the past|used to)\b",
    re.I,
)
_SECOND_PERSON = re.compile(r"^\W*(?:you|please|ignore|disregard|forget)\b", re.I)
_PERSON_TASK = re.compile(
    r"^\W*(?:[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?|we|I|the team|team)\s+(?:will|to|must|should|"
    r"needs? to)\s+"
    r"(?:send|share|schedule|follow|confirm|check|review|prepare|draft|circulate|set up|book|"
    r"investigate|ask|contact|reach|update|provide|get back)\b"
)
_DEFERRED = re.compile(
    r"\b(?:phase (?:2|3|two|three)|future (?:phase|release)|later (?:phase|release)|post[- ]launch|"
    r"out of scope|deferred|not in (?:the )?(?:first|initial) release|v2|next year)\b",
    re.I,
)
_NICE = re.compile(
    r"\b(?:nice to have|nice-to-have|optional(?:ly)?|if possible|ideally|would be nice|could)\b",
    re.I,
)
_MUST = re.compile(r"\b(?:mandatory|critical|required|essential|non-negotiable|must)\b", re.I)
_MOSCOW = re.compile(r"[\[(]\s*(must|should|could|won'?t|nice to have)(?:\s+have)?\s*[\])]", re.I)

# Each category maps to (regex, weight) cues; a number-with-unit cue carries the most weight.
_CATEGORY_CUES: dict[str, list[tuple[str, float]]] = {
    "performance": [
        (r"\bwithin \d+(?:\.\d+)?\s*(?:ms|milliseconds?|seconds?|secs?|s)\b", 2.0),
        (
            r"\b(?:under|below|less than|in under|at most)\s+\d+(?:\.\d+)?\s*(?:ms|"
            r"milliseconds?|seconds?|secs?|s)\b",
            2.0,
        ),
        (
            r"\bresponse times?\b|\blatency\b|\bthroughput\b|\bload(?:s|ed)? (?:in|within)\b|"
            r"\bpage loads?\b",
            1.5,
        ),
        (
            r"\bper second\b|\btransactions per\b|\brequests per\b|\bperformance\b|"
            r"\bfast(?:er)?\b|\bquickly\b",
            1.0,
        ),
        (r"\b(?:p95|p99|95th|99th) percentile\b", 1.5),
    ],
    "scalability": [
        (r"\bscal(?:e|able|ability|ing)\b|\bhorizontal(?:ly)?\b|\belastic", 1.8),
        (
            r"\b\d[\d,]*\s+(?:concurrent|simultaneous)\b|\bconcurrent users\b|\bpeak (?:load|"
            r"traffic|season)\b",
            1.8,
        ),
        (
            r"\bgrowth\b|\bgrow(?:s|ing)? to\b|\bup to \d[\d,]*\s*(?:users|orders|records|"
            r"stores|transactions|tenants)\b",
            1.3,
        ),
        (r"\bwithout (?:degradation|redesign)\b|\bvolumes?\b|\bten ?fold\b|\bdouble\b", 0.8),
    ],
    "availability": [
        (
            r"\b99(?:\.\d+)?\s*%|\buptime\b|\bavailab(?:le|ility)\b\s*(?:24|\d)|\b24\s*/\s*7\b|"
            r"\b24x7\b",
            2.0,
        ),
        (
            r"\bavailability\b|\bdowntime\b|\bmaintenance windows?\b|"
            r"\bavailable (?:to users )?(?:during|between|around)\b",
            1.8,
        ),
        (r"\bhours of operation\b|\bbusiness hours\b|\boutages?\b", 1.0),
    ],
    "fault tolerance": [
        (r"\bfail[- ]?over\b|\bredundan(?:t|cy)\b|\bdisaster recovery\b|\bRPO\b|\bRTO\b", 2.0),
        (
            r"\brecover(?:y|s|ed)?\b|\bbackups?\b|\bbacked up\b|\bretr(?:y|ies|ied)\b|"
            r"\bno data (?:is )?lost\b|\bdata loss\b",
            1.6,
        ),
        (r"\bfailures?\b|\bfails?\b|\bcrash(?:es)?\b|\bdegrade[sd]? gracefully\b|\bresilien", 1.2),
        (
            r"\bqueue(?:d)? (?:and|until)\b|\boffline\b|\bno signal\b|\bconnection is (?:back|"
            r"lost|restored)\b",
            1.2,
        ),
    ],
    "security": [
        (r"\bencrypt(?:ed|ion|s)?\b|\bTLS\b|\bSSL\b|\bAES\b|\bhash(?:ed)?\b", 2.0),
        (
            r"\bauthenticat|\bauthori[sz]|\bsingle sign-on\b|\bSSO\b|\bMFA\b|\bmulti-factor\b|"
            r"\btwo-factor\b|\b2FA\b",
            1.8,
        ),
        (
            r"\bpasswords?\b|\baccess control\b|\brole-based\b|\bRBAC\b|\bpermissions?\b|"
            r"\bunauthori[sz]ed\b",
            1.5,
        ),
        (
            r"\bsecur(?:e|ity)\b|\bvulnerabilit|\bpenetration\b|\bOWASP\b|\baudit (?:trail|"
            r"log)\b|\bsession (?:timeout|expires?)\b|\block(?:ed)? out\b|\btokens?\b|\bPII\b|"
            r"\bmasked\b|\blocked after\b|\bfailed log ?in attempts\b|"
            r"\bonly [\w ,]{3,40} (?:may|can|shall) (?:see|access|view)\b",
            1.2,
        ),
    ],
    "legal": [
        (
            r"\bGDPR\b|\bHIPAA\b|\bCCPA\b|\bSOX\b|\bPCI(?:[- ]DSS)?\b|\bFERPA\b|\bADA\b|\beIDAS\b",
            2.0,
        ),
        (
            r"\bcompl(?:y|ies|iance|iant)\b|\bregulat(?:ion|ory|ions)\b|\blaws?\b|"
            r"\blegal(?:ly)?\b|\bstatut",
            1.8,
        ),
        (
            r"\bretain(?:ed)?\b.*\byears?\b|\bretention\b|\bconsent\b|"
            r"\bright to (?:be forgotten|erasure)\b|\blicen[cs]e\b|\bterms (?:of|"
            r"and) (?:service|conditions)\b|\bjurisdiction\b|\bworks council\b|\bagreements?\b|"
            r"\bauditors?\b|\btax authorit",
            1.5,
        ),
    ],
    "look and feel": [
        (r"\bbrand(?:ing)?\b|\bstyle guide\b|\bcolou?rs?\b|\bfonts?\b|\blogo\b|\btypograph", 1.8),
        (
            r"\blook and feel\b|\bvisual(?:ly)?\b|\bappearance\b|\btheme\b|\blayout\b|"
            r"\bicons?\b|\bmodern\b|\bconsistent (?:look|design)\b|\bdesign system\b|"
            r"\bdark mode\b",
            1.4,
        ),
    ],
    "maintainability": [
        (
            r"\bmaintainab|\bmodular\b|\bcoding standards?\b|\bcode coverage\b|\bunit tests?\b|"
            r"\btest coverage\b|\brefactor",
            1.8,
        ),
        (
            r"\bmaintained by\b|\bdocumented\b|\bupgrad(?:e|es|ed|ing)\b|"
            r"\bwithout (?:code changes|a code change|redeploy)|\bchange (?:requests?|"
            r"without)\b|\btechnical debt\b|\bversion(?:ed)? control\b|"
            r"\bdependencies up to date\b",
            1.3,
        ),
    ],
    "operability": [
        (
            r"\bmonitor(?:ing|ed)?\b|\balert(?:s|ing)?\b|\bhealth checks?\b|\bobservab|"
            r"\bmetrics\b|\bdashboards? for (?:operations|ops|support)\b",
            1.8,
        ),
        (
            r"\blog(?:s|ged|ging)?\b|\bdeploy(?:ed|ment|ments)?\b|\brunbooks?\b|\bon-call\b|"
            r"\bsupport team\b|\boperations team\b|\bbatch jobs?\b|\bscheduled jobs?\b|"
            r"\bconfigurable by (?:an )?admin",
            1.3,
        ),
    ],
    "portability": [
        (
            r"\bbrowsers?\b|\bChrome\b|\bFirefox\b|\bSafari\b|\bEdge\b|\biOS\b|\bAndroid\b|"
            r"\bWindows\b|\bmacOS\b|\bLinux\b",
            1.8,
        ),
        (
            r"\bportab|\bcross-platform\b|\bplatform[- ]independent\b|\bany (?:cloud|device)\b|"
            r"\bmobile devices?\b|\btablets?\b|\biPads?\b|\biPhones?\b|\bresponsive\b|"
            r"\bcontaineri[sz]ed\b|\bcloud provider\b|\bvendor lock-in\b|\bscreen sizes?\b",
            1.5,
        ),
    ],
    "usability": [
        (
            r"\buser-friendly\b|\bintuitive\b|\beasy to (?:use|learn)\b|\bease of use\b|"
            r"\busab(?:le|ility)\b|\bWCAG\b|\baccessib(?:le|ility)\b|\bscreen readers?\b",
            1.8,
        ),
        (
            r"\b(?:no more than|at most|within|in)\s+\w+\s+clicks?\b|\bclicks?\b|\bkeyboard\b|"
            r"\b(?:no|without) training\b|\btraining (?:time|needed)\b|\blearn\b|"
            r"\bwithout help\b|\bfirst-time \w+\b|\blow vision\b|\bfont size settings?\b|"
            r"\bhelp text\b|\btooltips?\b|\bplain language\b|\bclear error messages?\b|"
            r"\blocali[sz]|\btranslat|\blanguages?\b|\bfirst[- ]time users\b|\bnew users\b",
            1.3,
        ),
    ],
}
_COMPILED = {c: [(re.compile(p, re.I), w) for p, w in cues] for c, cues in _CATEGORY_CUES.items()}
_FUNCTIONAL = re.compile(
    r"\b(?:allow|enable|let|permit|display|show|send|create|generate|calculate|record|store|save|"
    r"export|import|notify|search|filter|sort|assign|approve|reject|submit|upload|download|print|"
    r"track|view|edit|update|delete|cancel|book|schedule|register|add|remove|list|capture|"
    r"sync|synchroni[sz]e|route|match|validate|reconcile|invoice|pay|refund|publish|archive)s?\b",
    re.I,
)


@dataclass(frozen=True)
class RequirementSignal:
    """The cue score of one sentence and the evidence behind it."""

    score: float
    priority: str
    cues: tuple[str, ...]


def requirement_signal(sentence: str, in_list: bool, heading: bool) -> RequirementSignal:
    """Score how much `sentence` reads as a requirement; higher is more certain."""
    cues: list[str] = []
    score = 0.0
    priority = "should_have"
    if _USER_STORY.search(sentence):
        score += 3.5
        cues.append("user story")
        priority = "should_have"
    best = 0.0
    for pattern, weight, prio in _MODALS:
        if pattern.search(sentence) and weight > best:
            best, priority = weight, prio
    if best:
        score += best
        cues.append("modal")
    if _SUBJECT.search(sentence):
        score += 1.0 if best else 0.4
        cues.append("system subject")
    if _ACTOR_ABILITY.search(sentence):
        score += 0.6
        cues.append("ability")
    if in_list:
        score += 0.5
        cues.append("list item")
    if heading:
        score -= 3.0
    if sentence.rstrip().endswith("?"):
        score -= 2.5
    if _NARRATIVE.search(sentence):
        score -= 1.6
        cues.append("narrative")
    if _SECOND_PERSON.search(sentence) or _PERSON_TASK.search(sentence):
        score -= 3.0
        cues.append("instruction or action item")
    if len(sentence.split()) < 4:
        score -= 1.5
    return RequirementSignal(score, _priority(sentence, priority), tuple(cues))


def _priority(sentence: str, modal_priority: str) -> str:
    explicit = _MOSCOW.search(sentence)
    if explicit:
        word = explicit.group(1).lower()
        return {"must": "must_have", "should": "should_have", "could": "nice_to_have"}.get(
            word, "deferred" if word.startswith("won") else "nice_to_have"
        )
    if _DEFERRED.search(sentence):
        return "deferred"
    if _NICE.search(sentence) and modal_priority != "must_have":
        return "nice_to_have"
    if (
        _MUST.search(sentence)
        and modal_priority == "should_have"
        and "should" not in sentence.lower()
    ):
        return "must_have"
    return modal_priority


def category_scores(sentence: str) -> dict[str, float]:
    """Lexicon score of each non-functional category for `sentence`."""
    scores: dict[str, float] = {}
    for cat, cues in _COMPILED.items():
        total = sum(w for p, w in cues if p.search(sentence))
        if total:
            scores[cat] = total
    return scores


def classify_category(sentence: str) -> tuple[str, float]:
    """`functional` or one non-functional category, with a confidence in [0, 1]."""
    scores = category_scores(sentence)
    functional = 1.2 * len(_FUNCTIONAL.findall(sentence)) + (
        1.5 if _USER_STORY.search(sentence) else 0
    )
    if scores:
        cat, best = max(sorted(scores.items()), key=lambda kv: kv[1])
        if best >= knobs.NFR_MIN_SCORE and best >= 0.9 * functional:
            return cat, min(0.95, 0.5 + 0.12 * (best - functional * 0.5))
    return "functional", min(0.95, 0.55 + 0.1 * functional)
