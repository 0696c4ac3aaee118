"""`foundry bench domain`: the product's main lists and filters on a large program.

A program with 10,000 requirements, 50,000 tasks and 100,000 audit rows is loaded straight into
the tables (in large transactions, to keep set-up short); then every list and filter query runs
through the engine exactly as a signed-in user calls it. The baseline beside each list is the same
page read by a bare indexed SQL query on the same database file, so the engine's own overhead
shows as a ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

from foundry.app.schema import build_schema
from foundry.bench.reactive import BenchConnection, _percentiles
from foundry.engine.auth import UserIdentity
from foundry.engine.deployment import Deployment
from foundry.engine.functions import Registry
from foundry.engine.storage.base import key_column, table_sql_name
from foundry.engine.storage.sqlite import SqliteStorage
from foundry.engine.testing import serve_for_testing
from foundry.engine.transaction import Transaction

ISSUER = "https://bench.foundry.local"
PRIORITIES = ("must_have", "should_have", "nice_to_have", "deferred")
FIT_GAPS = ("native", "config", "custom_dev", "third_party", "not_feasible")
REQ_STATUSES = ("draft", "approved", "in_progress", "complete", "deferred")
TASK_STATUSES = ("backlog", "todo", "in_progress", "review", "done")
TASK_PRIORITIES = ("critical", "high", "medium", "low")
CHUNK = 2000


class Program:
    """The ids of the benchmark's organisation, program, user and some rows to aim at."""

    org_id = ""
    program_id = ""
    user_id = ""
    workstream_ids: list[str]
    requirement_ids: list[str]

    def __init__(self) -> None:
        self.workstream_ids = []
        self.requirement_ids = []


async def _load(dep: Deployment, requirements: int, tasks: int, audit_rows: int) -> Program:
    program = Program()

    def base(tx: Transaction) -> list[str]:
        user = tx.insert(
            "users",
            {"email": "b@bench.test", "name": "Bench", "tokenIdentifier": f"{ISSUER}|bench"},
        )
        org = tx.insert("organizations", {"name": "Bench", "slug": "bench"})
        tx.insert("memberships", {"orgId": org, "userId": user, "role": "admin"})
        prog = tx.insert(
            "programs",
            {
                "orgId": org,
                "name": "Large",
                "slug": "large",
                "clientName": "Bench",
                "phase": "build",
                "status": "active",
            },
        )
        ws = [
            tx.insert(
                "workstreams",
                {
                    "orgId": org,
                    "programId": prog,
                    "name": f"Stream {i}",
                    "shortCode": f"WS{i}",
                    "status": "on_track",
                    "sortOrder": i,
                },
            )
            for i in range(1, 8)
        ]
        tx.insert(
            "requirementCounters", {"orgId": org, "programId": prog, "next": requirements + 1}
        )
        return [user, org, prog, *ws]

    ids: list[str] = await dep.transact(base, "bench:load")
    program.user_id, program.org_id, program.program_id, *program.workstream_ids = ids
    org, prog = program.org_id, program.program_id

    for start in range(0, requirements, CHUNK):

        def reqs(tx: Transaction, start: int = start) -> list[str]:
            out = []
            for n in range(start, min(start + CHUNK, requirements)):
                out.append(
                    tx.insert(
                        "requirements",
                        {
                            "orgId": org,
                            "programId": prog,
                            "refId": f"REQ-{n + 1:05d}",
                            "title": f"Requirement {n + 1}: buyers can manage order templates",
                            "description": "Bench data. " * 8,
                            "priority": PRIORITIES[n % 4],
                            "fitGap": FIT_GAPS[n % 5],
                            "status": REQ_STATUSES[n % 5],
                            "batch": f"Batch {n % 7}",
                            "workstreamId": program.workstream_ids[n % 7],
                        },
                    )
                )
            return out

        program.requirement_ids += await dep.transact(reqs, "bench:load")

    for start in range(0, tasks, CHUNK):

        def task_rows(tx: Transaction, start: int = start) -> None:
            for n in range(start, min(start + CHUNK, tasks)):
                tx.insert(
                    "tasks",
                    {
                        "orgId": org,
                        "programId": prog,
                        "title": f"Task {n + 1}",
                        "priority": TASK_PRIORITIES[n % 4],
                        "status": TASK_STATUSES[n % 5],
                        "rank": f"a{n:07d}",
                        "requirementId": program.requirement_ids[n % requirements],
                        "workstreamId": program.workstream_ids[n % 7],
                        "assigneeId": program.user_id,
                    },
                )

        await dep.transact(task_rows, "bench:load")

    for start in range(0, audit_rows, CHUNK):

        def audit(tx: Transaction, start: int = start) -> None:
            for n in range(start, min(start + CHUNK, audit_rows)):
                target = program.requirement_ids[n % requirements]
                tx.insert(
                    "auditLog",
                    {
                        "orgId": org,
                        "programId": prog,
                        "entityType": "requirement",
                        "entityId": target,
                        "action": "update",
                        "userId": program.user_id,
                        "userName": "Bench",
                        "description": "Changed a field",
                        "timestamp": 1_700_000_000_000 + n,
                    },
                )

        await dep.transact(audit, "bench:load")
    return program


async def _timed(call: Callable[[], Awaitable[Any]], rounds: int) -> dict[str, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return _percentiles(samples)


def _raw_page_ms(db_path: Path, table: str, index: str, rounds: int) -> dict[str, float]:
    """The same page of 50 read by a bare indexed SQL query: the floor under the engine's figure."""
    conn = sqlite3.connect(db_path)
    column = key_column(index)
    sql = f'SELECT doc FROM "{table_sql_name(table)}" ORDER BY {column} DESC LIMIT 50'
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        rows = conn.execute(sql).fetchall()
        [orjson.loads(r[0]) for r in rows]
        samples.append((time.perf_counter() - start) * 1000)
    conn.close()
    return _percentiles(samples)


async def _run(quick: bool) -> dict[str, Any]:
    sizes = (500, 2_500, 5_000) if quick else (10_000, 50_000, 100_000)
    rounds = 20 if quick else 200
    registry = Registry()
    registry.add_package("foundry.app")
    with tempfile.TemporaryDirectory(prefix="foundry-bench-domain-") as tmp:
        db_path = Path(tmp) / "domain.db"
        dep = Deployment(SqliteStorage(db_path), build_schema(), registry)
        await dep.start()
        try:
            load_start = time.perf_counter()
            program = await _load(dep, *sizes)
            load_s = time.perf_counter() - load_start
            me = UserIdentity.from_claims({"iss": ISSUER, "sub": "bench"})
            prog = program.program_id

            async def q(path: str, **args: Any) -> Any:
                run = await dep.run_query(path, args, me)
                if run.outcome.error is not None:
                    raise RuntimeError(f"{path}: {run.outcome.error.message}")
                return run.outcome.value

            results: dict[str, Any] = {
                "sizes": {"requirements": sizes[0], "tasks": sizes[1], "auditRows": sizes[2]}
            }
            results["load_s"] = round(load_s, 1)
            queries = {
                "requirements_list_ms": lambda: q("requirements:list", programId=prog, numItems=50),
                "requirements_filter_ms": lambda: q(
                    "requirements:list",
                    programId=prog,
                    status="approved",
                    priority="must_have",
                    workstreamId=program.workstream_ids[2],
                    numItems=50,
                ),
                "tasks_list_ms": lambda: q("task_views:list", programId=prog, numItems=50),
                "tasks_filter_ms": lambda: q(
                    "task_views:list",
                    programId=prog,
                    status="in_progress",
                    priority="high",
                    numItems=50,
                ),
                "board_list_ms": lambda: q("task_views:board", programId=prog),
                "audit_list_ms": lambda: q("audit:list_for_program", programId=prog, numItems=50),
                "audit_filter_ms": lambda: q(
                    "audit:list_for_entity",
                    orgId=program.org_id,
                    entityType="requirement",
                    entityId=program.requirement_ids[5],
                    numItems=50,
                ),
                "mission_control_list_ms": lambda: q("mission_control:overview", programId=prog),
            }
            for name, call in queries.items():
                results[name] = await _timed(call, rounds)
            results["baseline_raw_sql_page_ms"] = _raw_page_ms(
                db_path, "requirements", "by_program", rounds
            )

            targets = program.requirement_ids[::5][:500]  # drafts, which may all be deferred
            start = time.perf_counter()
            outcome, _ = await dep.run_mutation(
                "requirements_bulk:set_status",
                {"programId": prog, "requirementIds": targets, "status": "deferred"},
                me,
            )
            if outcome.error is not None:
                raise RuntimeError(outcome.error.message)
            results["bulk_status_count"] = len(targets)
            results["bulk_status_500_ms"] = round((time.perf_counter() - start) * 1000, 1)
            results["subscriber_update_ms"] = await _subscriber_latency(
                dep, program, 20 if quick else 100
            )
        finally:
            await dep.stop()
    return results


async def _subscriber_latency(dep: Deployment, program: Program, rounds: int) -> dict[str, float]:
    """Another user edits a requirement on page one; how soon the list's subscriber sees it."""
    import jwt

    from foundry.engine.auth import AuthConfig, TokenVerifier

    secret = "b" * 40
    verifier = TokenVerifier([AuthConfig(issuer=ISSUER, hs256_secret=secret)])
    token = jwt.encode(
        {"iss": ISSUER, "sub": "bench", "exp": int(time.time()) + 3600}, secret, "HS256"
    )
    async with serve_for_testing(dep, verifier=verifier, start=_already_started) as url:
        watcher, writer = await BenchConnection.open(url), await BenchConnection.open(url)
        for conn in (watcher, writer):
            await conn.ws.send(
                orjson.dumps(
                    {"type": "Authenticate", "baseVersion": 0, "tokenType": "User", "value": token}
                )
            )
        await watcher.subscribe(
            1, "requirements:list", {"programId": program.program_id, "numItems": 50}
        )
        async with asyncio.timeout(30):
            while 1 not in watcher.values:
                await asyncio.sleep(0.005)
        first = watcher.values[1]["page"][0]
        samples = []
        for r in range(rounds):
            title = f"Edited title {r}"
            seen: asyncio.Future[float] = asyncio.get_running_loop().create_future()

            def check(value: Any, title: str = title, seen: asyncio.Future[float] = seen) -> None:
                if value["page"][0]["title"] == title and not seen.done():
                    seen.set_result(time.perf_counter())

            watcher.on_value = check
            start = time.perf_counter()
            response = await writer.mutation(
                "requirements:update", {"requirementId": first["_id"], "title": title}
            )
            if not response["success"]:
                raise RuntimeError(response["result"])
            async with asyncio.timeout(30):
                arrived = await seen
            samples.append((arrived - start) * 1000)
        await watcher.close()
        await writer.close()
    return _percentiles(samples)


async def _already_started(dep: Deployment) -> None:
    """The benchmark started the deployment itself."""


def _print(result: dict[str, Any]) -> None:
    sizes = result["sizes"]
    print(
        f"domain benchmark: {sizes['requirements']:,} requirements, {sizes['tasks']:,} tasks, "
        f"{sizes['auditRows']:,} audit rows (loaded in {result['load_s']} s)"
    )
    for key, value in result.items():
        if isinstance(value, dict) and "p50" in value:
            print(f"  {key:32} p50 {value['p50']:8.2f}   p99 {value['p99']:8.2f}")
    print(f"  bulk status change of 500 requirements: {result['bulk_status_500_ms']} ms")


def main(argv: list[str]) -> int:
    """Entry point of `foundry bench domain`."""
    parser = argparse.ArgumentParser(prog="foundry bench domain", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="a small program (for smoke tests)")
    args = parser.parse_args(argv)
    result = asyncio.run(_run(args.quick))
    if args.json:
        print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    else:
        _print(result)
    return 0
