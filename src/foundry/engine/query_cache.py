"""Results of queries already run at a snapshot, shared between subscribers.

Queries are deterministic, so the same function with the same arguments and the same identity at
the same commit timestamp has one answer. When a commit invalidates a query that a thousand
clients watch, it runs once and the other connections reuse the result.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import orjson

from foundry.engine import knobs
from foundry.engine.auth import UserIdentity
from foundry.engine.execution import QueryRun

CacheKey = tuple[str, bytes, str | None, int]


class QueryCache:
    """A bounded, thread-safe map from (function, args, identity, ts) to a query run."""

    def __init__(self, capacity: int = knobs.QUERY_CACHE_ENTRIES) -> None:
        self._entries: OrderedDict[CacheKey, QueryRun] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(path: str, args: object, identity: UserIdentity | None, ts: int) -> CacheKey:
        """The cache key of one query execution."""
        token = None if identity is None else identity.token_identifier
        return (path, orjson.dumps(args, option=orjson.OPT_SORT_KEYS), token, ts)

    def get_or_run(self, key: CacheKey, run: Callable[[], QueryRun]) -> QueryRun:
        """The cached run for `key`, or the result of `run()` (then cached)."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        result = run()
        with self._lock:
            self._entries[key] = result
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return result
