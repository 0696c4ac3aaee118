"""Text primitives shared by the local algorithms: sentence spans, tokens, stems and TF-IDF.

Every span is a pair of character offsets into the caller's original string, so that
`text[start:end]` is exactly the excerpt reported; nothing here normalises the input in place.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "else",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "we",
        "you",
        "your",
        "our",
        "i",
        "me",
        "my",
        "us",
        "not",
        "no",
        "do",
        "does",
        "did",
        "done",
        "so",
        "such",
        "than",
        "too",
        "very",
        "can",
        "could",
        "will",
        "would",
        "shall",
        "should",
        "may",
        "might",
        "must",
        "have",
        "has",
        "had",
        "having",
        "into",
        "onto",
        "over",
        "under",
        "about",
        "above",
        "below",
        "up",
        "down",
        "out",
        "off",
        "all",
        "any",
        "each",
        "every",
        "both",
        "few",
        "more",
        "most",
        "other",
        "some",
        "same",
        "own",
        "only",
        "just",
        "also",
        "via",
        "per",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "why",
        "how",
        "while",
        "within",
        "without",
        "between",
        "through",
        "during",
        "before",
        "after",
        "again",
        "able",
        "etc",
        "e",
        "g",
        "ie",
        "eg",
    ]
)

_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "vs",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "inc",
        "ltd",
        "co",
        "no",
        "fig",
        "approx",
        "dept",
        "st",
        "jr",
        "sr",
        "cf",
        "al",
    ]
)
_BLOCK_START = re.compile(
    r"^\s*(?:[-*•▪◦]\s+|\(?\d+(?:\.\d+)*[.)]\s+|\(?[a-zA-Z][.)]\s+|#{1,6}\s+|"
    r"[A-Z]{1,6}-?\d+[.:)]?\s+|\[[ xX]?\]\s+)"
)
_SENTENCE_END = re.compile(r"[.!?](?:[\"')\]]*)\s+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'+-]*|\d+(?:[.,]\d+)*%?")


@dataclass(frozen=True)
class Span:
    """A sentence or list item: `text[start:end]` with list markers trimmed off the front."""

    start: int
    end: int
    text: str
    in_list: bool
    """True when the span began with a bullet, number or requirement id."""
    heading: bool
    """True when the span looks like a heading: short, no closing punctuation, own line."""


def _blocks(text: str) -> list[tuple[int, int, bool]]:
    """Split into blocks at blank lines and at lines that open a list item or heading."""
    blocks: list[tuple[int, int, bool]] = []
    pos = 0
    start: int | None = None
    listed = False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        marker = _BLOCK_START.match(line) is not None
        if not stripped:
            if start is not None:
                blocks.append((start, pos, listed))
                start = None
        elif start is None or marker:
            if start is not None:
                blocks.append((start, pos, listed))
            start, listed = pos, marker
        elif not listed and stripped[:1].isupper() and _looks_like_heading(text[start:pos].strip()):
            blocks.append((start, pos, listed))
            start, listed = pos, marker
        pos += len(line)
    if start is not None:
        blocks.append((start, pos, listed))
    return blocks


def _looks_like_heading(line: str) -> bool:
    if not line or "\n" in line.strip():
        return False
    words = line.split()
    if line.startswith("#"):
        return True
    return len(words) <= 8 and line[-1] not in ".!?;,"


def segment(text: str) -> list[Span]:
    """Segment `text` into sentences and list items with exact character spans."""
    spans: list[Span] = []
    for b_start, b_end, listed in _blocks(text):
        block = text[b_start:b_end]
        marker = _BLOCK_START.match(block)
        offset = marker.end() if marker else 0
        cursor = offset
        first = True
        for m in _SENTENCE_END.finditer(block, offset):
            if not _is_boundary(block, m.start()):
                continue
            spans.extend(_make(text, b_start + cursor, b_start + m.end(), listed and first))
            cursor, first = m.end(), False
        spans.extend(_make(text, b_start + cursor, b_end, listed and first))
    return spans


def _is_boundary(block: str, dot: int) -> bool:
    if block[dot] != ".":
        return True
    word = re.search(r"([A-Za-z.]+)$", block[:dot])
    if word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
        # "etc." still ends a sentence when a capitalised word follows
        nxt = block[dot + 1 :].lstrip()
        return word.group(1).lower() == "etc" and bool(nxt[:1].isupper())
    if word and len(word.group(1)) == 1 and word.group(1).isupper():
        return False  # an initial, as in "J. Smith"
    return not (dot > 0 and block[dot - 1].isdigit() and block[dot + 1 : dot + 2].isdigit())


def _make(text: str, start: int, end: int, listed: bool) -> list[Span]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start < 2:
        return []
    chunk = text[start:end]
    heading = (
        chunk.lstrip().startswith("#")
        or (len(chunk.split()) <= 8 and chunk[-1] not in ".!?;" and "\n" not in chunk)
    ) and not chunk.lower().startswith("as a")
    return [Span(start, end, chunk, listed, heading)]


def words(text: str) -> list[str]:
    """Word tokens of `text`, lower-cased, in order."""
    return [w.lower().strip("'") for w in _WORD.findall(text)]


def stem(word: str) -> str:
    """A light suffix-stripping stemmer; enough to match "exports"/"exporting"/"exported"."""
    for suffix in ("ational", "ization", "ations", "ation", "ments", "ment", "ings", "ing"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    for suffix in ("ies", "ied"):
        if word.endswith(suffix) and len(word) > 4:
            return word[: -len(suffix)] + "y"
    for suffix in ("ed", "es", "s", "ly", "er"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """Stemmed content words of `text`, stopwords removed."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def keywords(text: str, limit: int = 6) -> list[str]:
    """The most frequent content words of `text`, ties broken by first appearance."""
    seen: dict[str, int] = {}
    order: dict[str, int] = {}
    for i, w in enumerate(words(text)):
        if w in STOPWORDS or len(w) < 3 or w.isdigit():
            continue
        seen[w] = seen.get(w, 0) + 1
        order.setdefault(w, i)
    ranked = sorted(seen, key=lambda w: (-seen[w], order[w]))
    return ranked[:limit]


class TfIdf:
    """TF-IDF vectors over stemmed terms of a fixed corpus, with cosine similarity."""

    def __init__(self, documents: Sequence[str]) -> None:
        self.docs = [Counter(terms(d)) for d in documents]
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(self.docs) + 1
        self.idf = {t: math.log(n / (c + 0.5)) + 1.0 for t, c in df.items()}
        self.default_idf = math.log(n / 0.5) + 1.0

    def vector(self, text_terms: Iterable[str]) -> dict[str, float]:
        """Weighted, L2-normalised vector of a bag of terms."""
        counts = Counter(text_terms)
        vec = {t: (1 + math.log(c)) * self.idf.get(t, self.default_idf) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def cosine(self, a: str, b: str) -> float:
        """Cosine similarity of two texts under this corpus's weights."""
        va, vb = self.vector(terms(a)), self.vector(terms(b))
        return sum(w * vb.get(t, 0.0) for t, w in va.items())


def title_from(sentence: str, limit: int = 80) -> str:
    """A short title: the sentence without its modal lead-in, cut at a word boundary."""
    s = re.sub(
        r"^\s*(?:the\s+)?(?:system|application|platform|solution)\s+(?:shall|must|should|"
        r"will)\s+(?:be able to\s+)?",
        "",
        sentence,
        flags=re.I,
    )
    s = re.sub(r"^As an? [^,]+,\s*I (?:want|need) (?:to\s+)?", "", s, flags=re.I)
    s = s.strip().rstrip(".;:")
    if len(s) > limit:
        s = s[:limit].rsplit(" ", 1)[0] + "…"
    return s[:1].upper() + s[1:] if s else sentence.strip()[:limit]
