"""Several backend replicas on one PostgreSQL database: one committer, the others follow it.

    app = build_app(deployment, start=functools.partial(
        start_replica, replica_id="b1", advertise_url="http://10.0.0.5:3210", secret=secret))
    # and mount internal_commit_route(deployment, secret) on the same app

The lease row `_lease(id = 1)` names the replica that may commit and the URL it serves on. Its
holder renews it every `LEASE_RENEW_S`; once it has not been renewed for `LEASE_TTL_S` any other
replica may take it. Each replica is in one of two roles:

- LEADING: its committer assigns timestamps and writes. The driver's write transaction
  share-locks the lease row and checks the holder (`PostgresStorage.fence_holder`), so a replica
  that lost the lease cannot write even if it has not noticed yet.
- FOLLOWING: it tails the commit log (LISTEN `foundry_commits`, or every `FOLLOWER_POLL_S`)
  into its write log, which drives its own subscriptions, and forwards prepared transactions to
  the leader's `POST /_internal/commit` through `RemoteCommitSink`. A conflict found by the
  leader comes back as the same `ConflictDetected`, so the mutation is re-run here.

A follower that takes an expired lease first reads the commit log up to its end, then starts
committing: timestamps keep following commit order across the hand-over.
"""

from __future__ import annotations

import asyncio
import enum
import hmac
import logging
import secrets
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import psycopg
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from foundry.engine import knobs
from foundry.engine.committer import Conflict, ConflictDetected
from foundry.engine.deployment import Deployment
from foundry.engine.errors import EngineError, OverloadedError
from foundry.engine.reads import Interval, ReadSet
from foundry.engine.storage.base import DocumentChange
from foundry.engine.storage.postgres import NOTIFY_CHANNEL, LeaseLost, PostgresStorage

log = logging.getLogger("foundry.replication")

COMMIT_PATH = "/_internal/commit"
"""The leader's route that commits transactions prepared on followers."""

SECRET_HEADER = "x-foundry-instance-secret"
"""The header carrying the cluster secret on internal requests."""

TAIL_BATCH = 1000
"""Commit records a follower reads from the log per query while catching up."""

COMMIT_FAILED = "CommitFailed"
"""The leader's answer when writing a forwarded commit failed unexpectedly."""

RETRY_S = 0.05
"""Pause between attempts to reach a leader while the lease changes hands."""

CONNECT_TIMEOUT_S = 5
"""How long opening a database connection for the lease or the tail may take."""

FORWARD_CONNECT_TIMEOUT_S = 2.0
"""How long connecting to the leader may take before the commit is sent elsewhere."""


class NotLeaderError(EngineError):
    """No replica could take the commit: the lease is changing hands, or nobody holds it."""

    code = "NotLeader"
    http_status = 503


class CommitOutcomeUnknown(EngineError):
    """The leader stopped answering after receiving a commit; it may or may not have landed."""

    code = "CommitOutcomeUnknown"
    http_status = 503


class RemoteCommitError(EngineError):
    """The leader refused a forwarded commit for a reason other than a conflict."""

    code = "RemoteCommitError"


# --- the wire format of a forwarded commit -----------------------------------------------------


def _keys(keys: Any) -> dict[str, bytes] | None:
    if keys is None:
        return None
    return {str(name): bytes.fromhex(key) for name, key in dict(keys).items()}


def encode_commit(
    begin_ts: int, reads: ReadSet, changes: tuple[DocumentChange, ...], function: str | None
) -> bytes:
    """A prepared transaction as JSON (keys as hex), for `POST /_internal/commit`."""
    return orjson.dumps(
        {
            "beginTs": begin_ts,
            "function": function,
            "reads": [
                [table, index, lo.hex(), None if hi is None else hi.hex()]
                for table, index, lo, hi in reads.intervals()
            ],
            "changes": [
                [
                    c.table,
                    c.id,
                    None if c.old_keys is None else {k: v.hex() for k, v in c.old_keys.items()},
                    None if c.new_keys is None else {k: v.hex() for k, v in c.new_keys.items()},
                    None if c.new_doc is None else dict(c.new_doc),
                ]
                for c in changes
            ],
        }
    )


def decode_commit(
    raw: bytes,
) -> tuple[int, ReadSet, tuple[DocumentChange, ...], str | None]:
    """Inverse of `encode_commit`; ValueError (or KeyError, TypeError) when malformed."""
    data = orjson.loads(raw)
    begin_ts, function = data["beginTs"], data["function"]
    if not isinstance(begin_ts, int) or not (function is None or isinstance(function, str)):
        raise ValueError("beginTs must be an integer and function a string or null")
    ranges: dict[tuple[str, str], list[Interval]] = {}
    for table, index, lo, hi in data["reads"]:
        interval = (bytes.fromhex(lo), None if hi is None else bytes.fromhex(hi))
        ranges.setdefault((str(table), str(index)), []).append(interval)
    changes = []
    for table, doc_id, old, new, doc in data["changes"]:
        if doc is not None and not isinstance(doc, dict):
            raise ValueError("a changed document must be an object or null")
        changes.append(DocumentChange(str(table), str(doc_id), _keys(old), _keys(new), doc))
    reads = ReadSet({name: tuple(intervals) for name, intervals in ranges.items()})
    return begin_ts, reads, tuple(changes), function


def _answer(status: int, body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def _error_body(error: EngineError) -> dict[str, Any]:
    return {"code": error.code, "message": error.message, "data": error.data}


# --- the follower's side ---------------------------------------------------------------------

LeaderLookup = Callable[[bool], Awaitable[str | None]]
"""`lookup(refresh)`: the leader's base URL (re-read from the lease row when `refresh`)."""


class RemoteCommitSink:
    """A `CommitSink` that forwards prepared transactions to the replica holding the lease."""

    def __init__(
        self, leader: LeaderLookup, secret: str, client: httpx.AsyncClient | None = None
    ) -> None:
        self._leader = leader
        self._headers = {SECRET_HEADER: secret, "content-type": "application/json"}
        # The leader itself waits up to COMMIT_TIMEOUT_S for its committer; give it time to say so.
        timeout = httpx.Timeout(2 * knobs.COMMIT_TIMEOUT_S, connect=FORWARD_CONNECT_TIMEOUT_S)
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def commit(
        self,
        begin_ts: int,
        reads: ReadSet,
        changes: tuple[DocumentChange, ...],
        function: str | None,
    ) -> int:
        """Commit on the leader and return the timestamp; raises ConflictDetected on a conflict.

        A request that never reached a leader (refused connection, a replica that is not or no
        longer the leader) is sent again until `COMMIT_TIMEOUT_S`; one that reached it and got
        no answer is not, since it may have committed: that raises `CommitOutcomeUnknown`.
        """
        if not changes:
            return begin_ts  # a read-only transaction is serializable at its own snapshot
        body = encode_commit(begin_ts, reads, changes, function)
        deadline = time.monotonic() + knobs.COMMIT_TIMEOUT_S
        refresh = False
        while True:
            url = await self._leader(refresh)
            if url is not None:
                ts = await self._send(url, body)
                if ts is not None:
                    return ts
            if time.monotonic() >= deadline:
                raise NotLeaderError(
                    f"No backend replica took the commit within {knobs.COMMIT_TIMEOUT_S:g} s: "
                    "the committer lease is unheld or changing hands. Retry later.",
                    {"leader": url},
                )
            refresh = True
            await asyncio.sleep(RETRY_S)

    async def _send(self, url: str, body: bytes) -> int | None:
        try:
            response = await self._client.post(
                url + COMMIT_PATH, content=body, headers=self._headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            return None  # the request never left: sending it again cannot apply it twice
        except httpx.HTTPError as error:
            raise CommitOutcomeUnknown(
                "The committer replica stopped answering while it held this mutation; it may or "
                "may not have been applied. Check the data before retrying.",
                {"leader": url, "error": type(error).__name__},
            ) from error
        try:
            answer = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            answer = {}
        if response.status_code == 200:
            return int(answer["ts"])
        if response.status_code == 409 and "conflict" in answer:
            c = answer["conflict"]
            raise ConflictDetected(Conflict(c["table"], c["id"], c["function"], c["ts"]))
        code = answer.get("code")
        if code in (NotLeaderError.code, LeaseLost.code):
            return None  # refused before writing anything: try the new leader
        if code == COMMIT_FAILED:
            raise CommitOutcomeUnknown(
                "The committer replica failed while writing this mutation; it may or may not "
                "have been applied. Check the data before retrying.",
                {"leader": url},
            )
        message = str(answer.get("message") or f"HTTP {response.status_code}")
        if code == OverloadedError.code:
            raise OverloadedError(message, answer.get("data"))
        if response.status_code == 401:
            message = f"the leader at {url} refused this replica's instance secret"
        raise RemoteCommitError(message, {"leader": url, "code": code})

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()


# --- the lease --------------------------------------------------------------------------------


class Lease:
    """The committer lease row, read and written with the database's clock."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._connecting = asyncio.Lock()

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        async with self._connecting:
            if self._conn is None or self._conn.closed:
                self._conn = await psycopg.AsyncConnection.connect(
                    self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                )
            return self._conn

    async def _one(self, query: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        conn = await self._connection()
        try:
            cursor = await conn.execute(query, params)
            return await cursor.fetchone()
        except psycopg.OperationalError:
            await self.close()  # reconnect next time
            raise

    async def acquire(self, holder: str, url: str) -> bool:
        """Take the lease if nobody holds an unexpired one."""
        row = await self._one(
            "INSERT INTO _lease (id, holder, url, expires_at) "
            "VALUES (1, %s, %s, now() + make_interval(secs => %s)) "
            "ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, url = excluded.url, "
            "expires_at = excluded.expires_at WHERE _lease.expires_at <= now() "
            "RETURNING holder",
            (holder, url, knobs.LEASE_TTL_S),
        )
        return row is not None

    async def renew(self, holder: str, url: str) -> bool:
        """Extend the lease; False when another replica holds it now."""
        row = await self._one(
            "UPDATE _lease SET expires_at = now() + make_interval(secs => %s), url = %s "
            "WHERE id = 1 AND holder = %s RETURNING holder",
            (knobs.LEASE_TTL_S, url, holder),
        )
        return row is not None

    async def release(self, holder: str) -> None:
        """Let another replica take the lease at once."""
        await self._one(
            "UPDATE _lease SET expires_at = now() WHERE id = 1 AND holder = %s RETURNING holder",
            (holder,),
        )

    async def current(self) -> tuple[str, str] | None:
        """(holder, url) of the unexpired lease, or None when the lease is free."""
        row = await self._one(
            "SELECT holder, url FROM _lease WHERE id = %s AND expires_at > now()", (1,)
        )
        return None if row is None else (str(row[0]), str(row[1]))

    async def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()


# --- one replica ---------------------------------------------------------------------------


class Role(enum.Enum):
    """What a replica does with commits."""

    FOLLOWING = "following"
    """Tails the commit log and forwards its transactions to the leader."""
    LEADING = "leading"
    """Holds the lease; its committer writes."""


_replicas: weakref.WeakKeyDictionary[Deployment, Replica] = weakref.WeakKeyDictionary()


class Replica:
    """One backend process's part in replication: its role, lease and commit-log tail."""

    def __init__(
        self,
        deployment: Deployment,
        storage: PostgresStorage,
        *,
        replica_id: str,
        advertise_url: str,
        secret: str,
    ) -> None:
        self.deployment = deployment
        self.storage = storage
        # A fresh suffix per process: a restarted replica never mistakes an old lease for its own.
        self.holder = f"{replica_id}:{secrets.token_hex(4)}"
        self.url = advertise_url.rstrip("/")
        self.role = Role.FOLLOWING
        self.lease = Lease(storage.url)
        self.sink = RemoteCommitSink(self.leader_url, secret)
        self._leader: str | None = None
        self._valid_until = 0.0  # monotonic time the lease surely lasts until
        self._next_check = 0.0
        self._listener: psycopg.AsyncConnection[Any] | None = None

    # --- roles ---------------------------------------------------------------------------------

    def _become(self, role: Role) -> None:
        expected = Role.LEADING if role is Role.FOLLOWING else Role.FOLLOWING
        if self.role is not expected:
            raise RuntimeError(f"replica role: expected {expected.value}, got {self.role.value}")
        self.role = role

    async def fence(self) -> None:
        """Fail fast before a write once the lease may have lapsed (the driver re-checks it)."""
        if self.role is not Role.LEADING or time.monotonic() >= self._valid_until:
            raise LeaseLost()

    async def _promote(self) -> None:
        self.storage.fence_holder = self.holder
        await self._close_listener()  # a leader appends its own commits; it must not tail
        await self._catch_up()
        self._become(Role.LEADING)
        self._leader = self.url
        committer = self.deployment.committer
        if committer is None:
            await self.deployment.become_leader(self.fence)
        else:
            # Re-elected after losing the lease: its committer sat idle and is still current.
            self.deployment.sink = committer.client()
        log.warning("replica %s now holds the committer lease", self.holder)

    async def _step_down(self) -> None:
        self._become(Role.FOLLOWING)
        self._leader = None
        self.deployment.sink = self.sink
        # A write already running finishes (or fails the fence) and is appended by the
        # committer before the tail starts, so no commit is appended twice.
        await asyncio.get_running_loop().run_in_executor(self.deployment.io_pool, lambda: None)
        log.warning("replica %s lost the committer lease and follows again", self.holder)

    # --- lease -----------------------------------------------------------------------------------

    async def leader_url(self, refresh: bool = False) -> str | None:
        """The leader's base URL; `refresh` re-reads the lease row (a failed read gives None)."""
        if refresh or self._leader is None:
            try:
                current = await self.lease.current()
            except (psycopg.Error, OSError) as error:
                log.warning("cannot read the committer lease: %s", error)
                current = None
            self._leader = None if current is None else current[1]
        return self._leader

    async def _check_lease(self) -> bool:
        """Learn who leads; take the lease if it is free. True when this replica now leads."""
        self._next_check = time.monotonic() + knobs.LEASE_RENEW_S
        current = await self.lease.current()
        started = time.monotonic()
        if current is None:
            if not await self.lease.acquire(self.holder, self.url):
                current = await self.lease.current()
                self._leader = None if current is None else current[1]
                return False
        elif current[0] == self.holder:
            # Taken earlier, but promotion failed half-way (say, the log could not be read).
            if not await self.lease.renew(self.holder, self.url):
                return False
        else:
            self._leader = current[1]
            return False
        self._valid_until = started + knobs.LEASE_TTL_S
        await self._promote()
        return True

    async def _renew(self) -> bool:
        """Extend the lease, or step down if it was lost. True while this replica leads."""
        started = time.monotonic()
        if await self.lease.renew(self.holder, self.url):
            self._valid_until = started + knobs.LEASE_TTL_S
            return True
        await self._step_down()
        return False

    # --- tailing -------------------------------------------------------------------------------

    async def _catch_up(self) -> None:
        """Append every commit in the database that the write log has not seen yet."""
        loop = asyncio.get_running_loop()
        reader, writer = self.deployment.log_reader, self.deployment.log_writer
        while True:
            records = await loop.run_in_executor(
                self.deployment.io_pool, self.storage.read_commits, reader.latest_ts, TAIL_BATCH
            )
            for record in records:
                if record.ts > reader.latest_ts:
                    writer.append(record)
            if len(records) < TAIL_BATCH:
                return

    async def _listen(self) -> None:
        self._listener = await psycopg.AsyncConnection.connect(
            self.storage.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
        )
        await self._listener.execute(f"LISTEN {NOTIFY_CHANNEL}")

    async def _wait_for_commits(self, timeout: float) -> None:
        if self._listener is None or self._listener.closed:
            await self._listen()
            return  # commits may have landed before LISTEN: read the log first
        async for _ in self._listener.notifies(timeout=timeout, stop_after=1):
            pass

    async def _close_listener(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            await listener.close()

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the deployment as a follower, then lead if the lease is free."""
        await self.deployment.start(leader=False, sink=self.sink)
        try:
            await self._listen()
            await self._catch_up()
            await self._check_lease()
        except BaseException:
            await self._shutdown()
            raise
        self.deployment.spawn(asyncio.create_task(self.run(), name="replication"))

    async def run(self) -> None:
        """Renew the lease (leading) or tail the log and watch the lease (following), forever."""
        try:
            while True:
                try:
                    await self._step()
                except (psycopg.Error, OSError) as error:
                    log.warning("replication: %s; retrying", error)
                    await self._close_listener()
                    await asyncio.sleep(knobs.LEASE_RENEW_S)
                except Exception:
                    log.exception("replication step failed; retrying")
                    await asyncio.sleep(knobs.LEASE_RENEW_S)
        finally:
            await self._shutdown()

    async def _step(self) -> None:
        if self.role is Role.LEADING:
            if await self._renew():
                await asyncio.sleep(knobs.LEASE_RENEW_S)
            return
        await self._catch_up()
        if time.monotonic() >= self._next_check and await self._check_lease():
            return
        wait = min(knobs.FOLLOWER_POLL_S, max(0.0, self._next_check - time.monotonic()))
        await self._wait_for_commits(wait)

    async def _shutdown(self) -> None:
        if self.role is Role.LEADING:
            self._become(Role.FOLLOWING)  # the fence refuses writes from here on
            try:
                await asyncio.wait_for(self.lease.release(self.holder), knobs.LEASE_RENEW_S)
            except (TimeoutError, psycopg.Error, OSError) as error:
                log.warning("could not release the committer lease: %s", error)
        await self._close_listener()
        await self.lease.close()
        await self.sink.aclose()


async def start_replica(
    deployment: Deployment, *, replica_id: str, advertise_url: str, secret: str
) -> None:
    """Start `deployment` as one replica of several on its PostgreSQL database.

    Use it as `build_app(start=...)` (bind the keywords with functools.partial) and mount
    `internal_commit_route(deployment, secret)` on the same app. `advertise_url` is where other
    replicas reach this one; `replica_id` names it in logs and in the lease row.
    """
    storage = deployment.storage
    if not isinstance(storage, PostgresStorage):
        raise TypeError("replication needs the PostgreSQL driver (a postgresql:// database URL)")
    if not secret:
        raise ValueError("replication needs a cluster secret (FOUNDRY_INSTANCE_SECRET)")
    replica = Replica(
        deployment, storage, replica_id=replica_id, advertise_url=advertise_url, secret=secret
    )
    _replicas[deployment] = replica
    await replica.start()


def replica_of(deployment: Deployment) -> Replica | None:
    """The replica `start_replica` started for `deployment`, if any."""
    return _replicas.get(deployment)


# --- the leader's side ---------------------------------------------------------------------


def internal_commit_route(deployment: Deployment, secret: str) -> Route:
    """`POST /_internal/commit`: commit a follower's prepared transaction on this replica."""
    if not secret:
        raise ValueError("the internal commit route needs a cluster secret")
    expected = secret.encode()

    async def endpoint(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return _answer(401, {"code": "Unauthorized", "message": "bad instance secret"})
        replica = _replicas.get(deployment)
        if replica is None or replica.role is not Role.LEADING:
            leader = None if replica is None else replica._leader
            body = {"code": NotLeaderError.code, "message": "not the leader", "data": leader}
            return _answer(503, body)
        try:
            begin_ts, reads, changes, function = decode_commit(await request.body())
        except (ValueError, KeyError, TypeError) as error:
            return _answer(400, {"code": "BadRequest", "message": f"malformed commit: {error}"})
        try:
            ts = await deployment.sink.commit(begin_ts, reads, changes, function)
        except ConflictDetected as detected:
            c = detected.conflict
            conflict = {"table": c.table, "id": c.document_id, "function": c.function, "ts": c.ts}
            return _answer(409, {"conflict": conflict})
        except EngineError as error:
            return _answer(error.http_status, _error_body(error))
        except Exception:
            log.exception("forwarded commit failed")
            return _answer(500, {"code": COMMIT_FAILED, "message": "the commit failed"})
        return _answer(200, {"ts": ts})

    return Route(COMMIT_PATH, endpoint, methods=["POST"])
