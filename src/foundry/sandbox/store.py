"""Durable session state: one SQLite file in the worker's data directory.

`sessions` holds each session's record as JSON (the reference's `session_meta`); `logs` holds
every log entry with a global sequence, which is the cursor clients resume from. Written by the
session actors only; a worker restart reads everything back (`Manager.recover`). Secret fields
(`SEALED_FIELDS`) are stored encrypted (`sealing.SecretBox`), never in clear.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson

from foundry.sandbox.sealing import SecretBox

SEALED_FIELDS = ("hookSecret",)
"""Record fields written to disk only encrypted, under `<name>Sealed`."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, record TEXT NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS logs (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT, sandbox_id TEXT NOT NULL,
    timestamp TEXT NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL, metadata TEXT);
CREATE INDEX IF NOT EXISTS logs_by_sandbox ON logs (sandbox_id, sequence);
CREATE INDEX IF NOT EXISTS logs_by_level ON logs (sandbox_id, level, sequence DESC);
"""


class Store:
    """The worker's SQLite database (WAL, one connection, used from the event loop thread)."""

    def __init__(self, path: Path, box: SecretBox | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.box = box or SecretBox.for_worker(None, path.parent / "store.key")
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def save_session(self, record: dict[str, Any]) -> None:
        """Insert or replace one session's record."""
        self.db.execute(
            "INSERT OR REPLACE INTO sessions (id, record, updated_at) VALUES (?, ?, ?)",
            (record["sandboxId"], orjson.dumps(self._seal(record)).decode(), time.time()),
        )

    def load_sessions(self) -> list[dict[str, Any]]:
        """Every session's record."""
        rows = self.db.execute("SELECT record FROM sessions ORDER BY updated_at").fetchall()
        return [self._open(orjson.loads(r[0])) for r in rows]

    def _seal(self, record: dict[str, Any]) -> dict[str, Any]:
        stored = dict(record)
        for name in SEALED_FIELDS:
            value = stored.pop(name, None)
            if value:
                stored[f"{name}Sealed"] = self.box.seal(value, record["sandboxId"])
        return stored

    def _open(self, stored: dict[str, Any]) -> dict[str, Any]:
        for name in SEALED_FIELDS:
            sealed = stored.pop(f"{name}Sealed", None)
            stored[name] = self.box.open(sealed, stored["sandboxId"]) if sealed else None
        return stored

    def append_log(
        self, sandbox_id: str, timestamp: str, level: str, message: str, metadata: Any
    ) -> int:
        """Store one log entry; return its sequence."""
        cur = self.db.execute(
            "INSERT INTO logs (sandbox_id, timestamp, level, message, metadata)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                sandbox_id,
                timestamp,
                level,
                message,
                None if metadata is None else orjson.dumps(metadata).decode(),
            ),
        )
        return int(cur.lastrowid or 0)

    def logs_after(self, sandbox_id: str, cursor: int, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` entries of `sandbox_id` with a sequence above `cursor`, in order."""
        rows = self.db.execute(
            "SELECT sequence, timestamp, level, message, metadata FROM logs"
            " WHERE sandbox_id = ? AND sequence > ? ORDER BY sequence LIMIT ?",
            (sandbox_id, cursor, limit),
        ).fetchall()
        return [_entry(sandbox_id, row) for row in rows]

    def last_error(self, sandbox_id: str) -> str | None:
        """The newest error or stderr line of a session."""
        row = self.db.execute(
            "SELECT message FROM logs WHERE sandbox_id = ? AND level IN ('error', 'stderr')"
            " ORDER BY sequence DESC LIMIT 1",
            (sandbox_id,),
        ).fetchone()
        return None if row is None else str(row[0])

    def delete_logs(self, sandbox_id: str) -> None:
        """Drop a session's logs (its record stays, marked deleted)."""
        self.db.execute("DELETE FROM logs WHERE sandbox_id = ?", (sandbox_id,))


def _entry(sandbox_id: str, row: tuple[Any, ...]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "sequence": row[0],
        "sandboxId": sandbox_id,
        "timestamp": row[1],
        "level": row[2],
        "message": row[3],
    }
    if row[4] is not None:
        entry["metadata"] = orjson.loads(row[4])
    return entry
