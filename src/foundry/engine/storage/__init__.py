"""Storage drivers: SQLite (embedded default) and PostgreSQL, behind `base.Storage`."""

from __future__ import annotations

from pathlib import Path

from foundry.engine.storage.base import Storage


def open_storage(url: str) -> Storage:
    """Open the database named by `url`: `sqlite:///path/to/file.db` or `postgresql://…`."""
    if url.startswith("sqlite:///"):
        from foundry.engine.storage.sqlite import SqliteStorage

        return SqliteStorage(Path(url.removeprefix("sqlite:///")))
    if url.startswith(("postgresql://", "postgres://")):
        from foundry.engine.storage.postgres import PostgresStorage

        storage: Storage = PostgresStorage(url)
        return storage
    raise ValueError(
        f"unsupported database URL {url.split(':', 1)[0]!r}: use sqlite:/// or postgresql://"
    )
