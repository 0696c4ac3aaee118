"""Index queries: `db.query(table).with_index(name, range).order(...).take(n)`.

    ctx.db.query("messages")
        .with_index("by_channel", lambda q: q.eq("channel", channel).gte("_creation_time", since))
        .order("desc")
        .take(20)

A range is equality on the index's leading fields, then at most one lower and one upper bound on
the next field. A query reads through exactly one index; reading a whole table is spelled
`full_scan()`, so it is always a visible choice. Only the part of the range a query actually
consumed is recorded in its read set, so `take(10)` is not invalidated by writes past its tenth row.

A full-text search reads through a search index instead (see `search.py`):

    ctx.db.query("messages")
        .with_search_index("search_body", lambda q: q.search("body", "hello hi").eq("channel", c))
        .take(10)
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal

from foundry.engine.errors import ArgumentError
from foundry.engine.keys import index_range
from foundry.engine.schema import BY_CREATION_TIME, BY_ID, Index, SearchIndex
from foundry.engine.search import MAX_RESULTS, SearchFilter
from foundry.engine.transaction import Transaction

if TYPE_CHECKING:
    from foundry.engine.context import DatabaseReader

Bound = tuple[Literal["gt", "gte", "lt", "lte"], Any]


class IndexRange:
    """Builds a range over one index: `q.eq("a", 1).eq("b", 2).gt("c", 3).lte("c", 9)`."""

    def __init__(self, index: Index) -> None:
        self._fields = [*index.fields, "_creation_time", "_id"]
        self._index = index
        self.eq_values: list[Any] = []
        self.lower: tuple[Literal["gt", "gte"], Any] | None = None
        self.upper: tuple[Literal["lt", "lte"], Any] | None = None

    def _next_field(self, name: str, op: str) -> None:
        position = len(self.eq_values)
        if position >= len(self._fields) or self._fields[position] != name:
            expected = self._fields[position] if position < len(self._fields) else "nothing"
            raise ArgumentError(
                f"index {self._index.name!r}: {op}({name!r}) is out of order; the next field "
                f"of this index is {expected!r}",
                {"index": self._index.name, "field": name},
            )

    def eq(self, name: str, value: Any) -> IndexRange:
        """Require `name` (the index's next field) to equal `value`."""
        if self.lower is not None or self.upper is not None:
            raise ArgumentError("eq() must come before gt/gte/lt/lte in an index range", {})
        self._next_field(name, "eq")
        self.eq_values.append(value)
        return self

    def gt(self, name: str, value: Any) -> IndexRange:
        """Lower bound, exclusive."""
        return self._bound(name, "gt", value)

    def gte(self, name: str, value: Any) -> IndexRange:
        """Lower bound, inclusive."""
        return self._bound(name, "gte", value)

    def lt(self, name: str, value: Any) -> IndexRange:
        """Upper bound, exclusive."""
        return self._bound(name, "lt", value)

    def lte(self, name: str, value: Any) -> IndexRange:
        """Upper bound, inclusive."""
        return self._bound(name, "lte", value)

    def _bound(self, name: str, op: Literal["gt", "gte", "lt", "lte"], value: Any) -> IndexRange:
        self._next_field(name, op)
        if op in ("gt", "gte"):
            if self.lower is not None:
                raise ArgumentError(f"index range has two lower bounds on {name!r}", {})
            self.lower = (op, value)
        else:
            if self.upper is not None:
                raise ArgumentError(f"index range has two upper bounds on {name!r}", {})
            self.upper = (op, value)  # type: ignore[assignment]
        return self

    def interval(self) -> tuple[bytes, bytes | None]:
        """The byte interval [lo, hi) this range covers."""
        return index_range(self.eq_values, self.lower, self.upper)


class Query:
    """A query over one table, not yet run. Terminal methods run it inside the transaction."""

    def __init__(self, tx: Transaction, table: str) -> None:
        self._tx = tx
        self._table = table
        self._spec = tx.schema.table(table)
        self._index: str | None = None
        self._range: IndexRange | None = None
        self._descending = False
        self._filter: Callable[[dict[str, Any]], bool] | None = None

    def with_index(
        self, name: str, build: Callable[[IndexRange], IndexRange] | None = None
    ) -> Query:
        """Read through index `name`, restricted to the range `build` describes."""
        indexes = self._spec.all_indexes()
        if name not in indexes or name == BY_ID:
            raise ArgumentError(
                f"table {self._table!r} has no index {name!r} (indexes: "
                f"{', '.join(n for n in indexes if n != BY_ID)})",
                {"table": self._table, "index": name},
            )
        self._index = name
        self._range = IndexRange(indexes[name])
        if build is not None:
            build(self._range)
        return self

    def with_search_index(
        self, name: str, build: Callable[[SearchFilter], SearchFilter]
    ) -> SearchQuery:
        """Full-text search through search index `name`; results come most relevant first."""
        indexes = self._spec.search_indexes
        if name not in indexes:
            raise ArgumentError(
                f"table {self._table!r} has no search index {name!r} (search indexes: "
                f"{', '.join(indexes) or 'none'})",
                {"table": self._table, "index": name},
            )
        search = SearchFilter(self._table, indexes[name])
        build(search)
        return SearchQuery(self._tx, search, self._filter)

    def full_scan(self) -> Query:
        """Read the whole table in creation order: cost grows with the table."""
        return self.with_index(BY_CREATION_TIME)

    def order(self, direction: Literal["asc", "desc"]) -> Query:
        """Ascending (the default) or descending index order."""
        if direction not in ("asc", "desc"):
            raise ArgumentError(f"order must be 'asc' or 'desc', got {direction!r}", {})
        self._descending = direction == "desc"
        return self

    def filter(self, predicate: Callable[[dict[str, Any]], bool]) -> Query:
        """Keep only documents for which `predicate` holds; scanned documents still count."""
        previous = self._filter
        self._filter = predicate if previous is None else (lambda d: previous(d) and predicate(d))
        return self

    # --- running -----------------------------------------------------------------------------

    def _rows(self, lo: bytes, hi: bytes | None) -> Iterator[tuple[bytes, dict[str, Any] | None]]:
        if self._index is None:
            raise ArgumentError(
                f"query on {self._table!r} needs .with_index(...) or an explicit .full_scan()",
                {"table": self._table},
            )
        for key, doc in self._tx.scan(self._table, self._index, lo, hi, self._descending):
            # Filtered-out rows still advance the consumed range, so they are yielded as None.
            yield key, doc if self._filter is None or self._filter(doc) else None

    def _run(
        self, limit: int | None, start: bytes | None = None
    ) -> tuple[list[dict[str, Any]], bytes | None, bool]:
        """Up to `limit` matching documents, the last key consumed, and whether the range ended."""
        lo, hi = self._range.interval() if self._range is not None else (b"", None)
        if start is not None:
            if self._descending:
                hi = start
            else:
                lo = start + b"\x00"
        results: list[dict[str, Any]] = []
        last: bytes | None = None
        done = True
        if limit is not None and limit <= 0:
            return results, None, False
        for key, doc in self._rows(lo, hi):
            last = key
            if doc is not None:
                results.append(doc)
                if limit is not None and len(results) >= limit:
                    done = False
                    break
        if self._index is not None:
            if done or last is None:
                self._tx.reads.record_range(self._table, self._index, lo, hi)
            elif self._descending:
                self._tx.reads.record_range(self._table, self._index, last, hi)
            else:
                self._tx.reads.record_range(self._table, self._index, lo, last + b"\x00")
        return results, last, done

    def collect(self) -> list[dict[str, Any]]:
        """Every matching document."""
        return self._run(None)[0]

    def take(self, n: int) -> list[dict[str, Any]]:
        """The first `n` matching documents."""
        if not isinstance(n, int) or n < 0:
            raise ArgumentError(f"take() needs a non-negative integer, got {n!r}", {})
        return self._run(n)[0]

    def first(self) -> dict[str, Any] | None:
        """The first matching document, or None."""
        found = self._run(1)[0]
        return found[0] if found else None

    def unique(self) -> dict[str, Any] | None:
        """The only matching document, None if there is none; an error if there are several."""
        found = self._run(2)[0]
        if len(found) > 1:
            raise ArgumentError(
                f"unique() found more than one document in {self._table!r}",
                {"table": self._table, "ids": [d["_id"] for d in found]},
            )
        return found[0] if found else None

    def paginate(self, cursor: str | None, num_items: int) -> dict[str, Any]:
        """One page: `{"page": [...], "isDone": bool, "continueCursor": str}`."""
        if not isinstance(num_items, int) or num_items <= 0:
            raise ArgumentError(f"numItems must be a positive integer, got {num_items!r}", {})
        start = _decode_cursor(cursor)
        page, last, done = self._run(num_items, start)
        next_cursor = _encode_cursor(last if last is not None else start)
        return {"page": page, "isDone": done, "continueCursor": next_cursor}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.collect())


class SearchQuery:
    """A full-text search, not yet run; it returns at most 1024 documents, like Convex's."""

    def __init__(
        self,
        tx: Transaction,
        search: SearchFilter,
        predicate: Callable[[dict[str, Any]], bool] | None,
    ) -> None:
        self._tx = tx
        self._search = search
        self._filter = predicate

    def filter(self, predicate: Callable[[dict[str, Any]], bool]) -> SearchQuery:
        """Keep only results for which `predicate` holds (among the 1024 most relevant)."""
        previous = self._filter
        self._filter = predicate if previous is None else (lambda d: previous(d) and predicate(d))
        return self

    def _run(self, limit: int) -> list[dict[str, Any]]:
        # A filter may drop results, so it looks through the whole cap before cutting.
        fetch = limit if self._filter is None else MAX_RESULTS
        found = self._tx.search(self._search.request(fetch))
        if self._filter is not None:
            found = [doc for doc in found if self._filter(doc)]
        return found[:limit]

    def take(self, n: int) -> list[dict[str, Any]]:
        """The `n` most relevant matching documents (n at most 1024)."""
        if not isinstance(n, int) or n < 0 or n > MAX_RESULTS:
            raise ArgumentError(
                f"take() on a search needs an integer from 0 to {MAX_RESULTS}, got {n!r}", {}
            )
        return self._run(n)

    def collect(self) -> list[dict[str, Any]]:
        """Every matching document, most relevant first, up to 1024."""
        return self._run(MAX_RESULTS)

    def first(self) -> dict[str, Any] | None:
        """The most relevant matching document, or None."""
        found = self._run(1)
        return found[0] if found else None

    def order(self, direction: str) -> SearchQuery:
        """Searches are ordered by relevance; asking for another order is an error."""
        raise ArgumentError("search results are ordered by relevance; order() is not allowed", {})

    def paginate(self, cursor: str | None, num_items: int) -> dict[str, Any]:
        """Not supported for searches yet: use take(n)."""
        raise ArgumentError("paginate() is not supported on a search yet; use take(n)", {})

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.collect())


def search_index_of(db: DatabaseReader, table: str, name: str) -> SearchIndex | None:
    """Search index `name` of `table` in the running deployment's schema, or None when the
    table or the index is not declared; lets code search whichever tables exist."""
    declared = db._tx.schema.tables.get(table)
    return None if declared is None else declared.search_indexes.get(name)


def _encode_cursor(key: bytes | None) -> str:
    return "" if key is None else base64.urlsafe_b64encode(key).decode()


def _decode_cursor(cursor: str | None) -> bytes | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode())
    except (binascii.Error, ValueError):
        raise ArgumentError("pagination cursor is malformed", {"cursor": cursor}) from None
