"""The `ctx` a function receives: database, identity, scheduler, logs and clock.

Queries get a read-only database; mutations a read-write one and a transactional scheduler;
actions get no database at all, only `run_query` / `run_mutation` / `run_action`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from foundry.engine.auth import UserIdentity
from foundry.engine.errors import ArgumentError
from foundry.engine.query import Query
from foundry.engine.transaction import Transaction

if TYPE_CHECKING:
    from foundry.engine.files import FileStore, UrlSigner
    from foundry.engine.scheduler import ActionScheduler, TransactionScheduler

function_log = logging.getLogger("foundry.functions")


class Auth:
    """The verified identity of the caller, if any."""

    def __init__(self, identity: UserIdentity | None) -> None:
        self._identity = identity

    def get_user_identity(self) -> UserIdentity | None:
        """The caller's identity, or None when the call carried no valid token."""
        return self._identity


class FunctionLog:
    """`ctx.log.info(...)`: to the console (with function and request id) and to the client."""

    def __init__(self, function: str, request_id: str) -> None:
        self.function = function
        self.request_id = request_id
        self.lines: list[str] = []

    def _emit(self, level: int, label: str, parts: tuple[Any, ...]) -> None:
        text = " ".join(str(p) for p in parts)
        self.lines.append(f"[{label}] {text}")
        function_log.log(level, "%s [%s] %s", self.function, self.request_id, text)

    def debug(self, *parts: Any) -> None:
        """Log at debug level."""
        self._emit(logging.DEBUG, "DEBUG", parts)

    def info(self, *parts: Any) -> None:
        """Log at info level."""
        self._emit(logging.INFO, "INFO", parts)

    def warn(self, *parts: Any) -> None:
        """Log a warning."""
        self._emit(logging.WARNING, "WARN", parts)

    def error(self, *parts: Any) -> None:
        """Log an error."""
        self._emit(logging.ERROR, "ERROR", parts)


class DatabaseReader:
    """Reads inside a query or mutation; every read lands in the transaction's read set."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def get(self, doc_id: str) -> dict[str, Any] | None:
        """The document with this id, or None."""
        return self._tx.get(doc_id)

    def query(self, table: str) -> Query:
        """Start a query on `table` (then `.with_index(...)` or `.full_scan()`)."""
        return Query(self._tx, table)

    def normalize_id(self, table: str, doc_id: str) -> str | None:
        """`doc_id` if it is an id of `table`, else None."""
        return doc_id if self._tx.table_of(doc_id) == table else None


class DatabaseWriter(DatabaseReader):
    """Reads and writes inside a mutation; the writes commit together or not at all."""

    def insert(self, table: str, fields: Mapping[str, Any]) -> str:
        """Insert a document and return its id."""
        return self._tx.insert(table, fields)

    def patch(self, doc_id: str, fields: Mapping[str, Any]) -> None:
        """Update some fields (None removes a field)."""
        self._tx.patch(doc_id, fields)

    def replace(self, doc_id: str, fields: Mapping[str, Any]) -> None:
        """Replace all fields."""
        self._tx.replace(doc_id, fields)

    def delete(self, doc_id: str) -> None:
        """Delete the document."""
        self._tx.delete(doc_id)


class QueryCtx:
    """What a query receives."""

    def __init__(self, tx: Transaction, identity: UserIdentity | None, log: FunctionLog) -> None:
        self.db: DatabaseReader = DatabaseReader(tx)
        self.auth = Auth(identity)
        self.log = log
        self.now_ms = tx.now_ms
        """The transaction's clock: fixed for the whole execution."""
        self.random: random.Random = tx.random
        """The transaction's random generator (seeded, so a re-run repeats it)."""


class MutationCtx(QueryCtx):
    """What a mutation receives."""

    def __init__(
        self,
        tx: Transaction,
        identity: UserIdentity | None,
        log: FunctionLog,
        scheduler: TransactionScheduler,
    ) -> None:
        super().__init__(tx, identity, log)
        self.db: DatabaseWriter = DatabaseWriter(tx)
        self.scheduler = scheduler


Runner = Callable[[str, Mapping[str, Any] | None], Awaitable[Any]]


class ActionCtx:
    """What an action (or HTTP action) receives."""

    def __init__(
        self,
        identity: UserIdentity | None,
        log: FunctionLog,
        run_query: Runner,
        run_mutation: Runner,
        run_action: Runner,
        scheduler: ActionScheduler,
        storage: FileStore | None,
        url_signer: UrlSigner | None = None,
    ) -> None:
        self.auth = Auth(identity)
        self.log = log
        self.run_query = run_query
        self.run_mutation = run_mutation
        self.run_action = run_action
        self.scheduler = scheduler
        self._storage = storage
        self._url_signer = url_signer

    def storage_url(self, storage_id: str, ttl_s: float = 3600) -> str:
        """A download path for a stored file, signed to expire after `ttl_s` seconds.

        Check the caller's access first (through a query): anyone holding the URL can download.
        """
        if self._url_signer is None:
            raise ArgumentError("signed file URLs are not configured for this deployment", {})
        expires_ms = time.time_ns() // 1_000_000 + int(ttl_s * 1000)
        return f"/api/storage/{storage_id}" + self._url_signer.sign(storage_id, expires_ms)

    @property
    def storage(self) -> FileStore:
        """The deployment's file storage."""
        if self._storage is None:
            raise ArgumentError("file storage is not configured for this deployment", {})
        return self._storage
