"""Three backend processes on one PostgreSQL database: one commits, all serve live queries.

Each replica runs `tests/engine/replica_main.py` in its own process. Clients speak the sync
protocol over real WebSockets to every replica at once; the leader is then killed with SIGKILL
and another replica must take the lease while mutations keep working everywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from websockets.asyncio.client import ClientConnection, connect

from foundry.engine import knobs
from foundry.engine.committer import Conflict, ConflictDetected
from foundry.engine.reads import ReadSet
from foundry.engine.replication import (
    SECRET_HEADER,
    NotLeaderError,
    RemoteCommitSink,
    Replica,
    Role,
    decode_commit,
    encode_commit,
    internal_commit_route,
    replica_of,
    start_replica,
)
from foundry.engine.storage.base import CommitRecord, DocumentChange
from foundry.engine.storage.postgres import LeaseLost, PostgresStorage
from foundry.engine.storage.sqlite import SqliteStorage
from foundry.engine.testing import deployment_for_testing, free_port
from tests.engine.fixtures import messages

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(90)]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-cluster-secret"
FAST_LEASE = {
    "FOUNDRY_LEASE_TTL_S": "1.5",
    "FOUNDRY_LEASE_RENEW_S": "0.25",
    "FOUNDRY_FOLLOWER_POLL_S": "0.2",
}


# --- processes ---------------------------------------------------------------------------------


@dataclass
class Process:
    replica_id: str
    url: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def spawn(database: str, replica_id: str, logs: Path) -> Process:
    port = free_port()
    log = logs / f"{replica_id}.log"
    env = {**os.environ, **FAST_LEASE, "FOUNDRY_INSTANCE_SECRET": SECRET, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        popen = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.engine.replica_main",
                "--database",
                database,
                "--port",
                str(port),
                "--replica-id",
                replica_id,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Process(replica_id, f"http://127.0.0.1:{port}", popen, log)


async def wait_healthy(process: Process, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise AssertionError(f"{process.replica_id} exited:\n{process.output()}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(process.url + "/health")).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise AssertionError(f"{process.replica_id} did not start:\n{process.output()}")


@pytest.fixture
def cluster(pg_database: str, tmp_path: Path) -> Iterator[list[Process]]:
    processes = [spawn(pg_database, f"r{i}", tmp_path) for i in (1, 2, 3)]
    try:
        yield processes
    finally:
        for process in processes:
            if process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.popen.wait(10)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()


async def lease_holder(database: str) -> str | None:
    """The replica id holding an unexpired lease."""
    async with await psycopg.AsyncConnection.connect(database) as conn:
        cursor = await conn.execute("SELECT holder FROM _lease WHERE id = 1 AND expires_at > now()")
        row = await cursor.fetchone()
    return None if row is None else str(row[0]).split(":")[0]


# --- a bare sync-protocol client ---------------------------------------------------------------


class SyncClient:
    """Speaks docs/protocol.md and checks its ordering guarantees as messages arrive."""

    def __init__(self, name: str, ws: ClientConnection) -> None:
        self.name = name
        self.ws = ws
        self.version = {"querySet": 0, "identity": 0, "ts": 0}
        self.query_set = 0
        self.values: dict[int, Any] = {}
        self.problems: list[str] = []
        self._changed = asyncio.Event()
        self._requests: dict[int, asyncio.Future[tuple[dict[str, Any], dict[int, Any]]]] = {}
        self._next_request = 0
        self._reader = asyncio.create_task(self._read())

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, name: str, base_url: str) -> AsyncIterator[SyncClient]:
        async with connect(base_url.replace("http", "ws", 1) + "/api/sync") as ws:
            await ws.send(
                json.dumps(
                    {
                        "type": "Connect",
                        "sessionId": str(uuid.uuid4()),
                        "connectionCount": 0,
                        "lastCloseReason": None,
                        "maxObservedTimestamp": None,
                    }
                )
            )
            client = cls(name, ws)
            try:
                yield client
            finally:
                client._reader.cancel()

    async def subscribe(self, query_id: int, path: str, args: dict[str, Any]) -> None:
        add = {"type": "Add", "queryId": query_id, "udfPath": path, "args": args}
        message = {
            "type": "ModifyQuerySet",
            "baseVersion": self.query_set,
            "newVersion": self.query_set + 1,
            "modifications": [add],
        }
        self.query_set += 1
        await self.ws.send(json.dumps(message))

    async def mutation(self, path: str, args: dict[str, Any]) -> tuple[Any, dict[int, Any]]:
        """The mutation's result, and the query values the client held when the answer came."""
        self._next_request += 1
        request_id = self._next_request
        answer = asyncio.get_running_loop().create_future()
        self._requests[request_id] = answer
        await self.ws.send(
            json.dumps({"type": "Mutation", "requestId": request_id, "udfPath": path, "args": args})
        )
        response, values = await asyncio.wait_for(answer, 30)
        assert response["success"], f"{self.name}: {path} failed: {response}"
        return response["result"], values

    async def wait_until(
        self, check: Callable[[dict[int, Any]], bool], timeout: float = 15
    ) -> None:
        deadline = time.monotonic() + timeout
        while not check(self.values):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.name} did not converge; it holds {self.values}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def _read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            kind = message["type"]
            if kind == "Transition":
                if message["startVersion"] != self.version:
                    self.problems.append(f"transition from {message['startVersion']}")
                if message["endVersion"]["ts"] < self.version["ts"]:
                    self.problems.append("a transition went back in time")
                self.version = message["endVersion"]
                for change in message["modifications"]:
                    if change["type"] == "QueryUpdated":
                        self.values[change["queryId"]] = change["value"]
                    elif change["type"] == "QueryFailed":
                        self.problems.append(f"query failed: {change['errorMessage']}")
                self._changed.set()
            elif kind == "MutationResponse":
                if message["success"] and message["ts"] > self.version["ts"]:
                    self.problems.append("a mutation answered before its transition")
                answer = self._requests.pop(message["requestId"])
                answer.set_result((message, dict(self.values)))
            elif kind == "FatalError":
                self.problems.append(message["error"])


async def fresh_query(base_url: str, path: str, args: dict[str, Any]) -> Any:
    async with httpx.AsyncClient() as client:
        response = await client.post(base_url + "/api/query", json={"path": path, "args": args})
    body = response.json()
    assert body["status"] == "success", body
    return body["value"]


# --- the test ----------------------------------------------------------------------------------

MESSAGES, HITS = 1, 2


async def burst(client: SyncClient, round_: int, count: int) -> None:
    """Send messages and contended counter increments; each reply must already show its write."""

    async def send(i: int) -> None:
        message_id, values = await client.mutation(
            "messages:send", {"channel": "room", "body": f"{client.name}-{round_}-{i}"}
        )
        assert message_id in {m["_id"] for m in values[MESSAGES]}, "own write not yet visible"

    async def hit() -> None:
        await client.mutation("messages:increment", {"name": "hits"})

    await asyncio.gather(*(send(i) for i in range(count)), *(hit() for _ in range(count)))


async def converge(clients: list[SyncClient], base_url: str) -> list[dict[str, Any]]:
    expected = await fresh_query(base_url, "messages:list", {"channel": "room"})
    hits = await fresh_query(base_url, "messages:counter", {"name": "hits"})
    for client in clients:
        await client.wait_until(lambda v: v.get(MESSAGES) == expected and v.get(HITS) == hits)
    assert [c.problems for c in clients] == [[] for _ in clients]
    return list(expected)


async def test_three_replicas_converge_and_survive_losing_the_leader(
    cluster: list[Process], pg_database: str
) -> None:
    await asyncio.gather(*(wait_healthy(p) for p in cluster))
    holder = await lease_holder(pg_database)
    leader = next(p for p in cluster if p.replica_id == holder)

    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(SyncClient.open(p.replica_id, p.url)) for p in cluster
        ]
        for client in clients:
            await client.subscribe(MESSAGES, "messages:list", {"channel": "room"})
            await client.subscribe(HITS, "messages:counter", {"name": "hits"})
        await asyncio.gather(
            *(c.wait_until(lambda v: MESSAGES in v and HITS in v) for c in clients)
        )

        count = 6
        await asyncio.gather(*(burst(c, 1, count) for c in clients))
        messages = await converge(clients, cluster[0].url)
        assert len(messages) == 3 * count
        assert clients[0].values[HITS] == 3 * count  # every contended increment counted once

        leader.popen.send_signal(signal.SIGKILL)
        leader.popen.wait(5)
        survivors = [c for c, p in zip(clients, cluster, strict=True) if p is not leader]
        alive = [p for p in cluster if p is not leader]
        # Sent at once: followers hold the commits until a survivor has taken the lease.
        await asyncio.gather(*(burst(c, 2, count) for c in survivors))
        new_holder = await lease_holder(pg_database)
        assert new_holder in {p.replica_id for p in alive}

        messages = await converge(survivors, alive[0].url)
        assert len(messages) == 5 * count
        assert survivors[0].values[HITS] == 5 * count


# --- the forwarding wire format and the internal route ----------------------------------------


def test_commit_wire_format_round_trips() -> None:
    reads = ReadSet(
        {
            ("messages", "by_channel"): ((b"\x06a\x00\x01", b"\x06b"), (b"\x07", None)),
            ("messages", "by_id"): ((b"\x06x\x00\x01", b"\x06x\x00\x01\x00"),),
        }
    )
    changes = (
        DocumentChange(
            "messages",
            "m1",
            None,
            {"by_id": b"\x01", "by_channel": b"\x02\xff"},
            {"_id": "m1", "body": "hé", "n": 1.5, "tags": ["a"]},
        ),
        DocumentChange("messages", "m2", {"by_id": b"\x03"}, None, None),
    )
    assert decode_commit(encode_commit(41, reads, changes, "messages:send")) == (
        41,
        reads,
        changes,
        "messages:send",
    )
    with pytest.raises((ValueError, KeyError, TypeError)):
        decode_commit(b'{"beginTs": "x", "function": null, "reads": [], "changes": []}')


async def test_internal_route_requires_the_secret_and_the_lease(
    cluster: list[Process], pg_database: str
) -> None:
    await asyncio.gather(*(wait_healthy(p) for p in cluster))
    holder = await lease_holder(pg_database)
    leader = next(p for p in cluster if p.replica_id == holder)
    follower = next(p for p in cluster if p is not leader)
    body = encode_commit(0, ReadSet({}), (), None)
    async with httpx.AsyncClient() as client:
        wrong = await client.post(
            leader.url + "/_internal/commit", content=body, headers={SECRET_HEADER: "nope"}
        )
        missing = await client.post(leader.url + "/_internal/commit", content=body)
        not_leader = await client.post(
            follower.url + "/_internal/commit", content=body, headers={SECRET_HEADER: SECRET}
        )
        malformed = await client.post(
            leader.url + "/_internal/commit", content=b"[]", headers={SECRET_HEADER: SECRET}
        )
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert not_leader.status_code == 503 and not_leader.json()["code"] == "NotLeader"
    assert malformed.status_code == 400

    async def lookup(refresh: bool) -> str | None:
        return leader.url

    sink = RemoteCommitSink(lookup, SECRET)
    try:
        # A forwarded transaction whose reads a later commit overwrote comes back as the
        # same conflict the leader found, naming the document and the function that wrote it.
        async with httpx.AsyncClient() as client:
            response = await client.post(
                follower.url + "/api/mutation",
                json={"path": "messages:send", "args": {"channel": "c", "body": "x"}},
            )
        message_id = response.json()["value"]
        stale = ReadSet({("messages", "by_id"): ((b"", None),)})
        with pytest.raises(ConflictDetected) as info:
            await sink.commit(
                1, stale, (DocumentChange("messages", message_id, None, None, None),), "t"
            )
        assert info.value.conflict == Conflict(
            "messages", message_id, "messages:send", info.value.conflict.ts
        )
    finally:
        await sink.aclose()


# --- one replica losing and regaining the lease, in this process --------------------------------


async def wait_for_role(replica: Replica, role: Role) -> None:
    deadline = time.monotonic() + 10
    while replica.role is not role:
        assert time.monotonic() < deadline, f"replica stayed {replica.role}"
        await asyncio.sleep(0.01)


async def test_a_deposed_leader_stops_writing_and_can_lead_again(
    pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(knobs, "LEASE_RENEW_S", 0.05)
    monkeypatch.setattr(knobs, "FOLLOWER_POLL_S", 0.05)
    monkeypatch.setattr(knobs, "COMMIT_TIMEOUT_S", 0.3)
    storage = PostgresStorage(pg_database)
    deployment = deployment_for_testing(storage, messages.schema, {"messages": messages})
    nobody = f"http://127.0.0.1:{free_port()}"
    await start_replica(deployment, replica_id="a", advertise_url=nobody, secret=SECRET)
    try:
        replica = replica_of(deployment)
        assert replica is not None and replica.role is Role.LEADING
        _, first = await deployment.run_mutation(
            "messages:send", {"channel": "c", "body": "1"}, None
        )
        assert first is not None

        # Another replica took the lease (as if this one had stalled for longer than its TTL).
        async with await psycopg.AsyncConnection.connect(pg_database, autocommit=True) as conn:
            await conn.execute(
                "UPDATE _lease SET holder = 'b:1', url = %s, "
                "expires_at = now() + interval '1 minute'",
                (nobody,),
            )
            await wait_for_role(replica, Role.FOLLOWING)
            with pytest.raises(LeaseLost):
                storage.write([CommitRecord(first + 1, None, ())])
            # Its mutations now go to the new holder, which does not answer here.
            with pytest.raises(NotLeaderError):
                await deployment.run_mutation("messages:send", {"channel": "c", "body": "2"}, None)

            await conn.execute("UPDATE _lease SET expires_at = now()")  # the new holder died
            await wait_for_role(replica, Role.LEADING)
        _, second = await deployment.run_mutation(
            "messages:send", {"channel": "c", "body": "3"}, None
        )
        assert second is not None and second > first
        run = await deployment.run_query("messages:list", {"channel": "c"}, None)
        assert [m["body"] for m in run.outcome.value] == ["1", "3"]
    finally:
        await deployment.stop()
    assert await lease_holder(pg_database) is None  # released on the way out


async def test_replication_needs_postgres(tmp_path: Path) -> None:
    deployment = deployment_for_testing(
        SqliteStorage(tmp_path / "db.sqlite"), messages.schema, {"messages": messages}
    )
    with pytest.raises(TypeError, match="PostgreSQL"):
        await start_replica(deployment, replica_id="a", advertise_url="http://x", secret=SECRET)
    with pytest.raises(ValueError, match="secret"):
        internal_commit_route(deployment, "")
    deployment.storage.close()
