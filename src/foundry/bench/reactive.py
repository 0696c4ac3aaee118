"""`foundry bench reactive`: how fast a committed change reaches the one subscriber it affects.

The backend runs in its own process; this process plays the clients over real WebSockets. Every
figure has a baseline measured in the same run: raw one-row transactions through the same database
driver for the commit rate, and a client polling every second for the update latency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets

from foundry.engine.keys import encode_key, index_range
from foundry.engine.reads import ReadSet
from foundry.engine.storage.base import CommitRecord, DocumentChange
from foundry.engine.subscriptions import SubscriptionManager
from foundry.engine.testing import free_port
from foundry.engine.write_log import new_write_log


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {
        "p50": at(0.50),
        "p99": at(0.99),
        "mean": round(statistics.fmean(ordered), 3),
        "n": len(ordered),
    }


class BenchConnection:
    """A lean sync-protocol client: one socket, query values, request answers."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.query_sets = 0
        self.values: dict[int, Any] = {}
        self.expect: dict[int, tuple[Any, asyncio.Future[float]]] = {}
        self.requests: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.request_ids = itertools.count(1)
        self.on_value: Callable[[Any], None] | None = None
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str) -> BenchConnection:
        ws = await websockets.connect(
            url.replace("http", "ws", 1) + "/api/sync",
            compression=None,
            max_size=None,
            ping_interval=None,
            open_timeout=60,
        )
        conn = cls(ws)
        await ws.send(orjson.dumps({"type": "Connect", "sessionId": "bench", "connectionCount": 0}))
        return conn

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                now = time.perf_counter()
                message = orjson.loads(raw)
                kind = message["type"]
                if kind == "Transition":
                    for mod in message["modifications"]:
                        if mod["type"] != "QueryUpdated":
                            continue
                        self.values[mod["queryId"]] = mod["value"]
                        if self.on_value is not None:
                            self.on_value(mod["value"])
                        waiting = self.expect.get(mod["queryId"])
                        if (
                            waiting is not None
                            and waiting[0] == mod["value"]
                            and not waiting[1].done()
                        ):
                            waiting[1].set_result(now)
                elif kind == "MutationResponse":
                    future = self.requests.pop(message["requestId"], None)
                    if future is not None and not future.done():
                        future.set_result(message)

    async def subscribe(self, query_id: int, path: str, args: dict[str, Any]) -> None:
        base = self.query_sets
        self.query_sets += 1
        await self.ws.send(
            orjson.dumps(
                {
                    "type": "ModifyQuerySet",
                    "baseVersion": base,
                    "newVersion": base + 1,
                    "modifications": [
                        {"type": "Add", "queryId": query_id, "udfPath": path, "args": args}
                    ],
                }
            )
        )

    def watch(self, query_id: int, value: Any) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.expect[query_id] = (value, future)
        return future

    async def mutation(self, path: str, args: dict[str, Any]) -> dict[str, Any]:
        request_id = next(self.request_ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.requests[request_id] = future
        await self.ws.send(
            orjson.dumps(
                {"type": "Mutation", "requestId": request_id, "udfPath": path, "args": args}
            )
        )
        return await future

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader


@contextlib.contextmanager
def _backend(database_url: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "foundry.bench.server_main", database_url, str(port)],
        env={**os.environ, "FOUNDRY_SYNC_PING_INTERVAL_S": "3600"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the benchmark backend did not start")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(30)


async def _update_latency(url: str, counts: list[int], rounds: int) -> dict[str, dict[str, float]]:
    writer = await BenchConnection.open(url)
    subscribers: list[BenchConnection] = []
    results: dict[str, dict[str, float]] = {}
    try:
        for count in counts:
            while len(subscribers) < count:
                batch = [
                    BenchConnection.open(url) for _ in range(min(100, count - len(subscribers)))
                ]
                opened = await asyncio.gather(*batch)
                for conn in opened:
                    key = len(subscribers)
                    await writer.mutation("bench:set", {"key": key, "value": -1})
                    await conn.subscribe(1, "bench:get", {"key": key})
                    subscribers.append(conn)
            async with asyncio.timeout(120):
                while any(1 not in conn.values for conn in subscribers):
                    await asyncio.sleep(0.01)
            samples = []
            rng = random.Random(count)
            for r in range(rounds):
                key = rng.randrange(count)
                seen = subscribers[key].watch(1, r)
                start = time.perf_counter()
                await writer.mutation("bench:set", {"key": key, "value": r})
                async with asyncio.timeout(30):
                    arrived = await seen
                samples.append((arrived - start) * 1000)
            results[str(count)] = _percentiles(samples)
    finally:
        await writer.close()
        await asyncio.gather(*(conn.close() for conn in subscribers))
    return results


async def _engine_commit_rate(url: str, seconds: float, connections: int, in_flight: int) -> float:
    conns = [await BenchConnection.open(url) for _ in range(connections)]
    done = 0
    deadline = time.perf_counter() + seconds

    async def pump(conn: BenchConnection) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            response = await conn.mutation("bench:append", {"payload": "x" * 64})
            if response["success"]:
                done += 1

    start = time.perf_counter()
    await asyncio.gather(*(pump(conn) for conn in conns for _ in range(in_flight)))
    elapsed = time.perf_counter() - start
    await asyncio.gather(*(conn.close() for conn in conns))
    return done / elapsed


def _raw_sqlite_rate(path: Path, seconds: float) -> float:
    from foundry.engine.storage.sqlite import SYNCHRONOUS

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    conn.execute("CREATE TABLE raw (id TEXT PRIMARY KEY, doc BLOB NOT NULL, k BLOB NOT NULL)")
    conn.execute("CREATE INDEX raw_k ON raw (k)")
    doc = orjson.dumps({"payload": "x" * 64})
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO raw VALUES (?, ?, ?)", (f"id{n}", doc, os.urandom(16)))
        conn.execute("COMMIT")
        n += 1
    elapsed = time.perf_counter() - start
    conn.close()
    return n / elapsed


def _raw_postgres_rate(url: str, seconds: float) -> float:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS raw "
            "(id TEXT PRIMARY KEY, doc BYTEA NOT NULL, k BYTEA NOT NULL)"
        )
        conn.execute("CREATE INDEX IF NOT EXISTS raw_k ON raw (k)")
        doc = orjson.dumps({"payload": "x" * 64})
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            with conn.transaction():
                conn.execute(
                    "INSERT INTO raw VALUES (%s, %s, %s)", (f"id{n}-{start}", doc, os.urandom(16))
                )
            n += 1
        return n / (time.perf_counter() - start)


def _invalidation_us(counts: list[int], commits: int) -> dict[str, float]:
    """Subscription-manager CPU time per commit that touches none of its subscriptions."""
    results = {}
    for count in counts:
        _, reader, _ = new_write_log(0)
        manager = SubscriptionManager(reader)
        for i in range(count):
            lo, hi = index_range([float(i)], None, None)
            manager.subscribe(ReadSet({("items", "by_key"): ((lo, hi),)}), 0, lambda: None)
        records = []
        for j in range(commits):
            doc_id = f"doc{j:025d}"
            keys = {
                "by_id": encode_key([doc_id]),
                "by_creation_time": encode_key([float(j), doc_id]),
                "by_key": encode_key([float(count + j), float(j), doc_id]),
            }
            records.append(
                CommitRecord(j + 1, None, (DocumentChange("items", doc_id, keys, keys),))
            )
        start = time.process_time_ns()
        for record in records:
            manager.process(record)
        results[str(count)] = round((time.process_time_ns() - start) / commits / 1000, 3)
    return results


async def _polling_staleness(url: str, samples: int, interval_s: float = 1.0) -> dict[str, float]:
    """How old the data a client polling every `interval_s` sees is, when a change lands."""
    writer = await BenchConnection.open(url)
    await writer.mutation("bench:set", {"key": -1, "value": -1})
    latest_seen: dict[str, Any] = {"value": -1, "at": time.perf_counter()}
    stop = asyncio.Event()

    async def poller() -> None:
        async with httpx.AsyncClient(base_url=url) as http:
            while not stop.is_set():
                response = await http.post(
                    "/api/query", json={"path": "bench:get", "args": {"key": -1}}
                )
                value = response.json()["value"]
                if value != latest_seen["value"]:
                    latest_seen.update(value=value, at=time.perf_counter())
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(interval_s):
                        await stop.wait()

    task = asyncio.create_task(poller())
    rng = random.Random(1)
    staleness = []
    try:
        for n in range(samples):
            await asyncio.sleep(rng.uniform(0, interval_s))
            await writer.mutation("bench:set", {"key": -1, "value": n})
            committed = time.perf_counter()
            async with asyncio.timeout(interval_s * 3):
                while latest_seen["value"] != n:
                    await asyncio.sleep(0.002)
            staleness.append((latest_seen["at"] - committed) * 1000)
    finally:
        stop.set()
        await task
        await writer.close()
    return _percentiles(staleness)


@contextlib.contextmanager
def _database(driver: str) -> Iterator[tuple[str, str]]:
    """The engine's database URL and a separate one for the raw baseline."""
    if driver == "sqlite":
        with tempfile.TemporaryDirectory(prefix="foundry-bench-") as tmp:
            yield f"sqlite:///{tmp}/engine.db", str(Path(tmp) / "raw.db")
        return
    from foundry.engine.storage.pg_cluster import throwaway_databases

    with throwaway_databases(2) as (engine_url, raw_url):
        yield engine_url, raw_url


async def _run(driver: str, quick: bool) -> dict[str, Any]:
    counts = [1, 100, 1000] if not quick else [1, 10]
    rounds = 20 if quick else 200
    seconds = 0.5 if quick else 3.0
    with _database(driver) as (engine_url, raw_target):
        with _backend(engine_url) as url:
            latency = await _update_latency(url, counts, rounds)
            engine_rate = await _engine_commit_rate(url, seconds, connections=4, in_flight=16)
            staleness = await _polling_staleness(url, 3 if quick else 10)
        raw_rate = (
            _raw_sqlite_rate(Path(raw_target), seconds)
            if driver == "sqlite"
            else _raw_postgres_rate(raw_target, seconds)
        )
    invalidation = _invalidation_us(
        [100, 1000, 10_000] if not quick else [100, 1000], 2000 if quick else 20_000
    )
    return {
        "driver": driver,
        "update_latency_ms": latency,
        "commit_rate": {
            "engine_per_s": round(engine_rate, 1),
            "raw_per_s": round(raw_rate, 1),
            "ratio": round(engine_rate / raw_rate, 3),
        },
        "invalidation_us_per_commit": invalidation,
        "polling_staleness_ms": staleness,
    }


def _print_table(result: dict[str, Any]) -> None:
    print(f"reactive benchmark ({result['driver']})")
    print("update latency, mutation sent -> the affected subscriber has the new result (ms):")
    for count, figures in result["update_latency_ms"].items():
        print(f"  {count:>5} subscribers   p50 {figures['p50']:8.2f}   p99 {figures['p99']:8.2f}")
    polling = result["polling_staleness_ms"]
    print(
        f"  baseline: polling every second sees a change after p50 {polling['p50']:.0f} ms, "
        f"p99 {polling['p99']:.0f} ms"
    )
    rate = result["commit_rate"]
    print(
        f"commits/s: engine {rate['engine_per_s']:.0f} over WebSockets vs raw one-row transactions "
        f"{rate['raw_per_s']:.0f}  (ratio {rate['ratio']:.2f})"
    )
    print("subscription-manager CPU per commit touching none of N subscriptions (µs):")
    for count, micros in result["invalidation_us_per_commit"].items():
        print(f"  {count:>6} subscriptions   {micros:7.2f}")


def main(argv: list[str]) -> int:
    """Entry point of `foundry bench reactive`."""
    parser = argparse.ArgumentParser(prog="foundry bench reactive", description=__doc__)
    parser.add_argument("--driver", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="a tiny run (for smoke tests)")
    args = parser.parse_args(argv)
    result = asyncio.run(_run(args.driver, args.quick))
    if args.json:
        print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    else:
        _print_table(result)
    return 0
