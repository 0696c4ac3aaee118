"""Full-text search indexes: one tokenizer for every driver, and the search request they answer.

    table.search_index("search", ["title", "description"], ["orgId", "programId"])

    ctx.db.query("requirements").with_search_index(
        "search", lambda q: q.search("*", "checkout flow").eq("orgId", org_id)
    ).take(10)

Text is tokenized here, in Python, before any driver sees it: NFKD, case-folded, diacritics
dropped, split into runs of letters and digits. SQLite's FTS5 and PostgreSQL's tsvector both store
those tokens, so a query matches the same documents on either driver and inside a mutation's own
pending writes. A search matches documents containing *any* of its terms (the last one also as a
prefix, for type-ahead), ranked by relevance: bm25 on SQLite, ts_rank on PostgreSQL.

Filter fields are compared by their key encoding (`keys.encode_value`), as index fields are. Each
search index also has a hidden regular index `__search_<name>` over its filter fields: every
commit writes its keys, and a search records the range of its equality prefix there, so a search
in one organisation is invalidated only by writes to that organisation's documents.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from foundry.engine.errors import ArgumentError
from foundry.engine.keys import KeyEncodingError, encode_value, prefix_successor
from foundry.engine.schema import Index, SearchIndex, Table, _field

MAX_RESULTS = 1024
"""At most this many documents come back from one search (Convex's limit)."""

MAX_TERMS = 16
"""Search text is cut to this many distinct terms; the rest are ignored."""

MAX_TERM_CHARS = 64
"""Longer tokens are cut to this length, in documents and in queries alike."""

MAX_DOCUMENT_TOKENS = 10_000
"""Only a document's first this many tokens (over its text fields, in order) are indexed;
this keeps every PostgreSQL tsvector well under its 1 MB limit."""

ALL_FIELDS = "*"
"""`q.search("*", text)` searches every text field of the index."""

HIDDEN_PREFIX = "__search_"

_TOKEN = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    """The search tokens of `text`, in order: lower-case runs of letters and digits."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return [token[:MAX_TERM_CHARS] for token in _TOKEN.findall(plain)]


def query_terms(text: str) -> tuple[str, ...]:
    """The distinct terms a search for `text` looks for; the last one typed comes last."""
    tokens = tokenize(text)
    if not tokens:
        return ()
    last = tokens[-1]
    others = [t for t in dict.fromkeys(tokens[:-1]) if t != last]
    return (*others[: MAX_TERMS - 1], last)


def field_text(doc: Mapping[str, Any], path: str) -> str:
    """The searchable text of a field: a string, or the strings of a list joined by spaces."""
    value = _field(doc, path)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(item for item in value if isinstance(item, str))
    return ""


def indexed_tokens(doc: Mapping[str, Any], spec: SearchIndex) -> list[list[str]]:
    """Per text field of `spec`, the tokens drivers store for `doc`."""
    out: list[list[str]] = []
    budget = MAX_DOCUMENT_TOKENS
    for path in spec.fields:
        tokens = tokenize(field_text(doc, path))[:budget] if budget else []
        budget -= len(tokens)
        out.append(tokens)
    return out


def filter_values(doc: Mapping[str, Any], spec: SearchIndex) -> list[bytes]:
    """The key encodings of `doc`'s filter fields, in declared order."""
    return [encode_value(_field(doc, f)) for f in spec.filter_fields]


def filter_token(position: int, encoded: bytes) -> str:
    """A single FTS token standing for "filter field `position` equals this value"."""
    return f"f{position}x{hashlib.blake2b(encoded, digest_size=16).hexdigest()}"


def hidden_index(spec: SearchIndex) -> Index:
    """The regular index whose keys tell subscriptions which searches a write can change."""
    return Index(HIDDEN_PREFIX + spec.name, spec.filter_fields)


def hidden_indexes(table: Table) -> dict[str, Index]:
    """The hidden index of each search index of `table`, by name."""
    return {i.name: i for i in (hidden_index(s) for s in table.search_indexes.values())}


def is_hidden(index: str) -> bool:
    """Whether `index` is a hidden search index (its keys are never stored)."""
    return index.startswith(HIDDEN_PREFIX)


@dataclass(frozen=True)
class SearchRequest:
    """One search, as drivers run it.

    `columns` are positions in the index's `fields`; `filters` are (position in
    `filter_fields`, key encoding of the value); `terms` match any, the last also as a prefix.
    """

    table: str
    index: str
    columns: tuple[int, ...]
    terms: tuple[str, ...]
    filters: tuple[tuple[int, bytes], ...]
    limit: int

    def read_interval(self) -> tuple[bytes, bytes | None]:
        """The hidden-index range covering every document this search could return."""
        given = dict(self.filters)
        prefix = b""
        for position in range(len(given)):
            if position not in given:
                break
            prefix += given[position]
        return prefix, prefix_successor(prefix)


class SearchFilter:
    """Builds a search: `q.search("title", "checkout flow").eq("orgId", org_id)`."""

    def __init__(self, table: str, spec: SearchIndex) -> None:
        self._table = table
        self._spec = spec
        self._columns: tuple[int, ...] | None = None
        self._terms: tuple[str, ...] = ()
        self._filters: dict[int, bytes] = {}

    def search(self, field: str, text: str) -> SearchFilter:
        """Look for the terms of `text` in `field` (one of the index's fields, or "*")."""
        if self._columns is not None:
            raise ArgumentError("a search takes exactly one q.search(field, text)", {})
        if field == ALL_FIELDS:
            self._columns = tuple(range(len(self._spec.fields)))
        elif field in self._spec.fields:
            self._columns = (self._spec.fields.index(field),)
        else:
            raise ArgumentError(
                f"search index {self._spec.name!r} has no text field {field!r} (fields: "
                f"{', '.join(self._spec.fields)}, or '*' for all)",
                {"index": self._spec.name, "field": field},
            )
        if not isinstance(text, str):
            raise ArgumentError(
                f"search text must be a string, got {type(text).__name__}", {"field": field}
            )
        self._terms = query_terms(text)
        return self

    def eq(self, field: str, value: Any) -> SearchFilter:
        """Keep only documents whose filter field `field` equals `value`."""
        if field not in self._spec.filter_fields:
            raise ArgumentError(
                f"search index {self._spec.name!r} cannot filter on {field!r} (filter fields: "
                f"{', '.join(self._spec.filter_fields) or 'none'})",
                {"index": self._spec.name, "field": field},
            )
        position = self._spec.filter_fields.index(field)
        if position in self._filters:
            raise ArgumentError(f"search filter on {field!r} is given twice", {"field": field})
        try:
            self._filters[position] = encode_value(value)
        except KeyEncodingError as error:
            raise ArgumentError(str(error), {"field": field}) from None
        return self

    def request(self, limit: int) -> SearchRequest:
        """The finished search, returning at most `limit` documents."""
        if self._columns is None:
            raise ArgumentError(
                f"with_search_index({self._spec.name!r}, ...) needs q.search(field, text)",
                {"index": self._spec.name},
            )
        return SearchRequest(
            self._table,
            self._spec.name,
            self._columns,
            self._terms,
            tuple(sorted(self._filters.items())),
            limit,
        )


def filters_match(doc: Mapping[str, Any], spec: SearchIndex, request: SearchRequest) -> bool:
    """Whether `doc` passes every equality filter of `request`."""
    values = filter_values(doc, spec)
    return all(values[position] == encoded for position, encoded in request.filters)


def matched_terms(doc: Mapping[str, Any], spec: SearchIndex, request: SearchRequest) -> int:
    """How many of the request's terms `doc` contains (0: it does not match)."""
    tokens: set[str] = set()
    indexed = indexed_tokens(doc, spec)
    for column in request.columns:
        tokens.update(indexed[column])
    *whole, last = request.terms
    count = sum(1 for term in whole if term in tokens)
    if any(token.startswith(last) for token in tokens):
        count += 1
    return count
