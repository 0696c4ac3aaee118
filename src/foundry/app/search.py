"""Global search: the command palette's one query across an organisation's delivery knowledge.

Each searchable table declares a full-text index named "search" over its text fields, filtered by
organisation (and program where it has one):

    .search_index("search", ["title", "description"], ["orgId", "programId"])

`search:global` searches every such table that exists, always with `eq("orgId", orgId)`: a table
whose search index cannot filter by organisation is skipped rather than searched across tenants.
Results of different tables are merged by how many of the query's terms they contain (in the
title first), then by each table's own relevance order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from foundry.app.model.access import assert_org_access, get_program_for_member, not_found
from foundry.engine.context import QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.functions import query
from foundry.engine.query import search_index_of
from foundry.engine.schema import SearchIndex
from foundry.engine.search import SearchFilter, field_text, query_terms, tokenize
from foundry.engine.values import v

INDEX = "search"
TEXT_MAX = 500
LIMIT_DEFAULT = 20
LIMIT_MAX = 50
TITLE_CHARS = 120
SNIPPET_CHARS = 160


@dataclass(frozen=True)
class Source:
    """A searchable table: where its title comes from, and what else a result carries."""

    table: str
    title: str
    extra: tuple[str, ...] = ()


SOURCES = (
    Source("requirements", "title", ("refId",)),
    Source("tasks", "title"),
    Source("risks", "title"),
    Source("skills", "name"),
    Source("comments", "content", ("entityType", "entityId")),
)


def check_search(text: str, limit: float | None) -> tuple[str, int]:
    """The trimmed search text and the result limit; ArgumentError naming the bad field."""
    if len(text) > TEXT_MAX:
        raise ArgumentError(f"text is limited to {TEXT_MAX} characters", {"path": "text"})
    if limit is None:
        return text.strip(), LIMIT_DEFAULT
    # The range test comes first: it also refuses NaN and infinities, which int() cannot take.
    if not 1 <= limit <= LIMIT_MAX or limit != int(limit):
        raise ArgumentError(
            f"limit must be a whole number from 1 to {LIMIT_MAX}, got {limit!r}", {"path": "limit"}
        )
    return text.strip(), int(limit)


def searchable(ctx: QueryCtx, source: Source) -> SearchIndex | None:
    """The table's "search" index, or None when the table or index is missing, or when the
    index cannot filter by organisation (searching it would cross tenants)."""
    spec = search_index_of(ctx.db, source.table, INDEX)
    return spec if spec is not None and "orgId" in spec.filter_fields else None


def search_source(
    ctx: QueryCtx,
    source: Source,
    spec: SearchIndex,
    org_id: str,
    program_id: str | None,
    text: str,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to `limit` documents of `source` in the organisation matching `text`, best first."""
    by_program = program_id is not None and "programId" in spec.filter_fields

    def build(q: SearchFilter) -> SearchFilter:
        q = q.search("*", text).eq("orgId", org_id)
        return q.eq("programId", program_id) if by_program else q

    search = ctx.db.query(source.table).with_search_index(INDEX, build)
    if program_id is not None and not by_program:
        search = search.filter(lambda doc: doc.get("programId") == program_id)
    return search.take(limit)


def to_result(source: Source, spec: SearchIndex, doc: dict[str, Any], text: str) -> dict[str, Any]:
    """What the palette shows for one document: table, id, title, snippet and program."""
    result = {
        "table": source.table,
        "id": doc["_id"],
        "title": _clip(field_text(doc, source.title), TITLE_CHARS),
        "snippet": snippet(doc, spec, source.title, text),
        "programId": doc.get("programId"),
    }
    result.update({name: doc.get(name) for name in source.extra})
    return result


def snippet(doc: dict[str, Any], spec: SearchIndex, title: str, text: str) -> str | None:
    """A short window of the first non-title text field that contains a search term."""
    terms = query_terms(text)
    for name in spec.fields:
        body = " ".join(field_text(doc, name).split())
        if name == title or not body:
            continue
        for term in terms:
            found = re.search(r"\b" + re.escape(term), body, re.IGNORECASE)
            if found is not None:
                start = max(0, found.start() - SNIPPET_CHARS // 3)
                window = body[start : start + SNIPPET_CHARS]
                return (
                    ("…" if start else "")
                    + window
                    + ("…" if start + len(window) < len(body) else "")
                )
    return None


def relevance(doc: dict[str, Any], spec: SearchIndex, title: str, text: str) -> tuple[int, int]:
    """(terms found anywhere, terms found in the title): comparable across tables."""
    *whole, last = query_terms(text)

    def count(tokens: set[str]) -> int:
        found = sum(1 for term in whole if term in tokens)
        return found + (1 if any(t.startswith(last) for t in tokens) else 0)

    everywhere = {t for name in spec.fields for t in tokenize(field_text(doc, name))}
    return count(everywhere), count(set(tokenize(field_text(doc, title))))


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_global(
    ctx: QueryCtx, org_id: str, text: str, program_id: str | None, limit: float | None
) -> list[dict[str, Any]]:
    """Check access and input, then search every searchable table of the organisation."""
    assert_org_access(ctx, org_id)
    if program_id is not None:
        _, program = get_program_for_member(ctx, program_id)
        if program["orgId"] != org_id:
            raise not_found("program", program_id)
    text, limit = check_search(text, limit)
    if not query_terms(text):
        return []
    ranked: list[tuple[tuple[int, ...], dict[str, Any]]] = []
    for order, source in enumerate(SOURCES):
        spec = searchable(ctx, source)
        if spec is None:
            continue
        found = search_source(ctx, source, spec, org_id, program_id, text, limit)
        for rank, doc in enumerate(found):
            anywhere, in_title = relevance(doc, spec, source.title, text)
            ranked.append(((-anywhere, -in_title, rank, order), to_result(source, spec, doc, text)))
    ranked.sort(key=lambda item: item[0])
    return [result for _, result in ranked[:limit]]


def _global(
    ctx: QueryCtx,
    orgId: str,
    text: str,
    programId: str | None = None,
    limit: float | None = None,
) -> list[dict[str, Any]]:
    """Search requirements, tasks, risks, skills and comments of one organisation.

    Returns up to `limit` (default 20, at most 50) rows of
    `{table, id, title, snippet, programId}` (comments add entityType and entityId,
    requirements refId), best matches first.
    """
    return run_global(ctx, orgId, text, programId, limit)


# `global` is a Python keyword, so the public name `search:global` is bound explicitly.
globals()["global"] = query(
    args={
        "orgId": v.id("organizations"),
        "text": v.string(),
        "programId": v.optional(v.id("programs")),
        "limit": v.optional(v.number()),
    }
)(_global)
