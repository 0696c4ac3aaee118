"""The PostgreSQL driver keeps SQLite's semantics: migrations, ranges, snapshots, the commit log."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from foundry.engine.committer import AFTER_CONFLICT_CHECK
from foundry.engine.ids import new_id
from foundry.engine.keys import encode_key
from foundry.engine.pause import pause
from foundry.engine.schema import BY_CREATION_TIME, Schema, define_schema, define_table
from foundry.engine.storage import open_storage
from foundry.engine.storage.base import CommitRecord, DocumentChange, Storage
from foundry.engine.storage.postgres import LeaseLost, PostgresStorage
from foundry.engine.storage.sqlite import SqliteStorage
from foundry.engine.testing import deployment_for_testing
from foundry.engine.values import v
from tests.engine.fixtures import messages

pytestmark = pytest.mark.postgres


def notes_schema(*, by_author: bool = True, by_title: bool = False) -> Schema:
    table = define_table({"author": v.string(), "title": v.string(), "n": v.number()})
    if by_author:
        table.index("by_author", ["author"])
    if by_title:
        table.index("by_title", ["title"])
    return define_schema({"notes": table})


def note(n: int, author: str, title: str) -> dict[str, Any]:
    return {
        "_id": new_id(1, 1_700_000_000_000 + n),
        "_creation_time": 1.7e12 + n,
        "author": author,
        "title": title,
        "n": n,
    }


def put(schema: Schema, doc: dict[str, Any], old: dict[str, Any] | None = None) -> DocumentChange:
    indexes = schema.tables["notes"].all_indexes()
    return DocumentChange(
        "notes",
        doc["_id"],
        None if old is None else {name: i.key_of(old) for name, i in indexes.items()},
        {name: i.key_of(doc) for name, i in indexes.items()},
        doc,
    )


def delete(schema: Schema, doc: dict[str, Any]) -> DocumentChange:
    indexes = schema.tables["notes"].all_indexes()
    return DocumentChange("notes", doc["_id"], {n: i.key_of(doc) for n, i in indexes.items()}, None)


def scan(
    storage: Storage,
    index: str,
    lo: bytes = b"",
    hi: bytes | None = None,
    *,
    descending: bool = False,
    limit: int = 100,
) -> list[int]:
    snapshot = storage.snapshot()
    try:
        return [s.doc["n"] for _, s in snapshot.scan("notes", index, lo, hi, descending, limit)]
    finally:
        snapshot.close()


@pytest.fixture
def pg(pg_database: str) -> Iterator[PostgresStorage]:
    storage = PostgresStorage(pg_database)
    yield storage
    storage.close()


@pytest.fixture(params=["sqlite", "postgres"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """Both drivers, so every assertion holds for each (the SQLite run is the reference)."""
    if request.param == "sqlite":
        opened: Storage = SqliteStorage(tmp_path / "db.sqlite")
    else:
        opened = open_storage(request.getfixturevalue("pg_database"))
    yield opened
    opened.close()


def seeded(storage: Storage, schema: Schema) -> list[dict[str, Any]]:
    docs = [note(n, author, f"title {9 - n}") for n, author in enumerate("bacabcab")]
    storage.write([CommitRecord(10, "seed", tuple(put(schema, d) for d in docs))])
    return docs


def test_open_storage_picks_the_postgres_driver(pg_database: str) -> None:
    storage = open_storage(pg_database)
    try:
        assert isinstance(storage, PostgresStorage)
        assert storage.dialect == "postgres"
    finally:
        storage.close()


def test_ranges_ascending_descending_and_limited(storage: Storage) -> None:
    schema = notes_schema()
    storage.migrate(schema)
    seeded(storage, schema)
    author_a = encode_key(["a"])
    after_a = encode_key(["b"])

    assert scan(storage, "by_author") == [1, 3, 6, 0, 4, 7, 2, 5]
    assert scan(storage, "by_author", author_a, after_a) == [1, 3, 6]
    assert scan(storage, "by_author", author_a, after_a, descending=True) == [6, 3, 1]
    assert scan(storage, "by_author", author_a, after_a, descending=True, limit=2) == [6, 3]
    assert scan(storage, "by_author", after_a, limit=2) == [0, 4]
    assert scan(storage, BY_CREATION_TIME, descending=True, limit=3) == [7, 6, 5]
    assert scan(storage, "by_author", after_a, author_a) == []


def test_key_order_is_pythons_bytes_order(storage: Storage) -> None:
    """bytea compares like `bytes`: prefixes first, then byte by byte, 0x00 and 0xff included."""
    schema = notes_schema(by_author=False, by_title=True)
    storage.migrate(schema)
    titles = ["", "a", "a\x00", "a\x00b", "ab", "\xff", "é", "z" * 50, "Z", "\x00", "😀"]
    docs = [note(n, "x", title) for n, title in enumerate(titles)]
    storage.write([CommitRecord(1, None, tuple(put(schema, d) for d in docs))])
    index = schema.tables["notes"].all_indexes()["by_title"]
    expected = [d["n"] for d in sorted(docs, key=index.key_of)]

    assert scan(storage, "by_title") == expected
    assert scan(storage, "by_title", descending=True) == expected[::-1]


def test_get_update_and_delete(storage: Storage) -> None:
    schema = notes_schema()
    storage.migrate(schema)
    first, second, *_ = seeded(storage, schema)
    renamed = {**first, "author": "zed"}
    storage.write(
        [
            CommitRecord(11, "edit", (put(schema, renamed, first),)),
            CommitRecord(12, "remove", (delete(schema, second),)),
        ]
    )
    snapshot = storage.snapshot()
    try:
        assert snapshot.ts == 12
        stored = snapshot.get("notes", first["_id"])
        assert stored is not None and stored.doc == renamed and stored.size > 0
        assert snapshot.get("notes", second["_id"]) is None
    finally:
        snapshot.close()
    assert scan(storage, "by_author", encode_key(["zed"])) == [0]


def test_a_group_touching_one_document_twice_keeps_the_last_state(storage: Storage) -> None:
    schema = notes_schema()
    storage.migrate(schema)
    doc = note(1, "a", "t")
    gone = note(2, "a", "t")
    storage.write(
        [
            CommitRecord(1, None, (put(schema, doc), put(schema, gone))),
            CommitRecord(2, None, (put(schema, {**doc, "n": 5}, doc), delete(schema, gone))),
        ]
    )
    assert scan(storage, "by_author") == [5]


def test_snapshot_does_not_see_later_writes(storage: Storage) -> None:
    schema = notes_schema()
    storage.migrate(schema)
    docs = seeded(storage, schema)
    before = storage.snapshot()
    try:
        storage.write([CommitRecord(20, None, (delete(schema, docs[0]),))])
        extra = note(99, "a", "new")
        storage.write([CommitRecord(21, None, (put(schema, extra),))])

        assert before.ts == 10
        assert before.get("notes", docs[0]["_id"]) is not None
        assert before.get("notes", extra["_id"]) is None
        rows = before.scan("notes", "by_author", b"", None, False, 100)
        assert len(rows) == len(docs)
    finally:
        before.close()
    assert storage.latest_ts() == 21
    assert len(scan(storage, "by_author")) == len(docs)


def test_commit_log_read_and_prune(storage: Storage) -> None:
    schema = notes_schema()
    storage.migrate(schema)
    assert storage.latest_ts() == 0
    doc = note(1, "a", "t")
    storage.write([CommitRecord(ts, f"f{ts}", (put(schema, doc),)) for ts in (5, 6, 7, 9)])

    records = storage.read_commits(5, 2)
    assert [r.ts for r in records] == [6, 7]
    assert records[0].function == "f6"
    assert records[0].changes[0].new_keys == put(schema, doc).new_keys
    assert records[0].changes[0].new_doc is None  # the log keeps keys, not documents
    storage.prune_commits(2)
    assert [r.ts for r in storage.read_commits(0, 100)] == [7, 9]
    assert storage.latest_ts() == 9


def test_a_failed_group_writes_nothing(storage: Storage) -> None:
    schema = notes_schema()
    storage.migrate(schema)
    doc = note(1, "a", "t")
    storage.write([CommitRecord(5, None, (put(schema, doc),))])
    with pytest.raises(Exception):  # noqa: B017 - each driver raises its own integrity error
        storage.write(
            [
                CommitRecord(6, None, (delete(schema, doc),)),
                CommitRecord(5, None, ()),  # a duplicate timestamp
            ]
        )
    assert storage.latest_ts() == 5
    assert scan(storage, "by_author") == [1]


def test_migrations_add_with_backfill_and_drop_indexes(storage: Storage) -> None:
    first = notes_schema(by_author=True)
    numbers = storage.migrate(first)
    assert numbers == {"notes": 1}
    seeded(storage, first)

    second = notes_schema(by_author=False, by_title=True)
    assert storage.migrate(second) == numbers
    # Backfilled: every existing document has its key in the new index.
    assert scan(storage, "by_title") == [7, 6, 5, 4, 3, 2, 1, 0]
    with pytest.raises(Exception):  # noqa: B017 - the dropped index's column is gone
        scan(storage, "by_author")

    with_two = define_schema({**second.tables, "tags": define_table({"name": v.string()})})
    assert storage.migrate(with_two) == {"notes": 1, "tags": 2}
    assert storage.migrate(with_two) == {"notes": 1, "tags": 2}


def test_postgres_indexes_are_real_btree_indexes(pg: PostgresStorage, pg_database: str) -> None:
    pg.migrate(notes_schema(by_author=True, by_title=True))
    with psycopg.connect(pg_database) as conn:
        rows = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 't_notes'"
        ).fetchall()
        types = conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 't_notes' ORDER BY column_name"
        ).fetchall()
    definitions: dict[str, str] = dict(rows)
    column_types: dict[str, str] = dict(types)
    assert "btree (k_by_author)" in definitions["ix_notes__by_author"]
    assert "btree (k_by_title)" in definitions["ix_notes__by_title"]
    assert "btree (k_by_creation_time)" in definitions["ix_notes__by_creation_time"]
    assert column_types["k_by_title"] == "bytea"


def test_replicas_migrating_at_once_are_serialised(pg_database: str) -> None:
    schema = notes_schema(by_author=True, by_title=True)
    storages = [PostgresStorage(pg_database) for _ in range(4)]
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def migrate(storage: PostgresStorage) -> None:
        try:
            results.append(storage.migrate(schema))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=migrate, args=(s,)) for s in storages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for storage in storages:
        storage.close()
    assert errors == []
    assert results == [{"notes": 1}] * 4


def test_commits_notify_listeners_with_the_newest_timestamp(
    pg: PostgresStorage, pg_database: str
) -> None:
    schema = notes_schema()
    pg.migrate(schema)
    with psycopg.connect(pg_database, autocommit=True) as listener:
        listener.execute("LISTEN foundry_commits")
        pg.write([CommitRecord(ts, None, ()) for ts in (3, 4)])
        payloads = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
    assert payloads == ["4"]


def test_a_fenced_write_needs_the_lease(pg: PostgresStorage, pg_database: str) -> None:
    pg.migrate(notes_schema())
    pg.fence_holder = "replica-a"
    with pytest.raises(LeaseLost):
        pg.write([CommitRecord(1, None, ())])
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO _lease VALUES (1, 'replica-a', 'http://a', now() + interval '1 minute')"
        )
        pg.write([CommitRecord(1, None, ())])
        conn.execute("UPDATE _lease SET holder = 'replica-b'")
        with pytest.raises(LeaseLost):
            pg.write([CommitRecord(2, None, ())])
        conn.execute("UPDATE _lease SET holder = 'replica-a', expires_at = now()")
        with pytest.raises(LeaseLost):
            pg.write([CommitRecord(2, None, ())])
    assert pg.latest_ts() == 1


# --- the engine on PostgreSQL ---------------------------------------------------------------


async def test_deployment_round_trip(pg_database: str) -> None:
    deployment = deployment_for_testing(
        PostgresStorage(pg_database), messages.schema, {"messages": messages}
    )
    await deployment.start()
    try:
        outcome, ts = await deployment.run_mutation(
            "messages:send", {"channel": "pg", "body": "hello"}, None
        )
        assert outcome.error is None and ts is not None
        run = await deployment.run_query("messages:list", {"channel": "pg"}, None)
        assert run.ts == ts
        assert [m["body"] for m in run.outcome.value] == ["hello"]
        assert run.outcome.value[0]["_id"] == outcome.value
        await deployment.run_mutation("messages:edit", {"id": outcome.value, "body": "bye"}, None)
        await deployment.run_mutation("messages:send", {"channel": "other", "body": "x"}, None)
        run = await deployment.run_query("messages:list", {"channel": "pg"}, None)
        assert [m["body"] for m in run.outcome.value] == ["bye"]
    finally:
        await deployment.stop()


async def test_write_skew_is_prevented_on_postgres(pg_database: str) -> None:
    """Two doctors go off call at once; serializability keeps one of them on call."""
    deployment = deployment_for_testing(
        PostgresStorage(pg_database), messages.schema, {"messages": messages}
    )
    await deployment.start()
    try:
        alice = (await deployment.run_mutation("messages:add_doctor", {"name": "a"}, None))[0]
        bob = (await deployment.run_mutation("messages:add_doctor", {"name": "b"}, None))[0]
        async with pause.hold(AFTER_CONFLICT_CHECK) as point:
            first = asyncio.create_task(
                deployment.run_mutation("messages:go_off_call", {"id": alice.value}, None)
            )
            await point.reached()
            # Both ran at the same snapshot: each saw two doctors on call.
            second = asyncio.create_task(
                deployment.run_mutation("messages:go_off_call", {"id": bob.value}, None)
            )
            assert deployment.committer is not None
            while deployment.committer.queue.empty():
                await asyncio.sleep(0.001)  # until the second commit waits behind the first
            point.release()
            results = await asyncio.gather(first, second)
        assert sorted(outcome.value for outcome, _ in results) == [False, True]
        run = await deployment.run_query("messages:on_call", {}, None)
        assert run.outcome.value == 1
    finally:
        await deployment.stop()
