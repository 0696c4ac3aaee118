"""`foundry bench agent [--json]`: the local provider's throughput and latency per route.

Every analysis route is called through the real ASGI app (in-process httpx transport, so the
numbers include validation, middleware and serialisation but not sockets) with its example
request, sequentially: requests/s = calls / wall time, and p50/p99 of single-call latency.
Then analyze-document runs on a synthetic 20-page specification (narrative, requirement lists,
non-functional sections, decisions and risks), generated deterministically.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from foundry.agent.analyses import ANALYSES
from foundry.agent.app import create_app
from foundry.agent.config import AgentConfig
from foundry.agent.examples import EXAMPLES

WORDS_PER_PAGE = 500

_ACTORS = ("customer", "account manager", "warehouse clerk", "finance officer", "administrator")
_ACTIONS = (
    "create a quote for an existing account",
    "convert an approved quote into a sales order",
    "export the monthly invoice report as PDF",
    "reset their password through a verified email link",
    "see the stock level of every warehouse in real time",
    "approve discounts above ten percent",
    "attach signed contracts to the opportunity",
    "filter orders by status, region and date range",
)
_NFR = (
    "Search results must be returned within two seconds for 95% of queries.",
    "The service shall be available 99.9% of the time outside planned maintenance.",
    "All personal data must be encrypted at rest and in transit.",
    "The portal should follow WCAG 2.1 AA so that screen-reader users can place orders.",
    "The platform must scale to 5,000 concurrent users during the seasonal peak.",
    "Audit logs shall be retained for seven years to meet legal obligations.",
)
_NARRATIVE = (
    "During the workshop the team walked through the current order process step by step.",
    "Several participants noted that the legacy screens were designed twenty years ago.",
    "The finance team explained how month-end closing depends on manual spreadsheets.",
    "Attendees agreed that the pilot region would be the Nordics.",
    "The discussion then moved to the integration with the warehouse management system.",
    "It was observed that most support tickets concern order status questions.",
)


def synthetic_spec(pages: int = 20, seed: int = 7) -> str:
    """A realistic requirements document of about `pages` x 500 words."""
    rng = random.Random(seed)
    parts: list[str] = ["Order Management Platform — Functional and Technical Specification\n"]
    section, words = 1, 0
    while words < pages * WORDS_PER_PAGE:
        lines = [
            f"\n{section}. {rng.choice(['Sales', 'Fulfilment', 'Finance', 'Platform'])} scope\n"
        ]
        lines += [rng.choice(_NARRATIVE) for _ in range(rng.randint(3, 6))]
        for n in range(rng.randint(3, 6)):
            actor, action = rng.choice(_ACTORS), rng.choice(_ACTIONS)
            lines.append(f"REQ-{section}.{n + 1}: The system shall allow the {actor} to {action}.")
        lines.append(rng.choice(_NFR))
        if rng.random() < 0.4:
            lines.append("We decided to keep the existing ERP as the system of record for prices.")
        if rng.random() < 0.4:
            lines.append(
                "There is a risk that the data migration slips because of poor data quality."
            )
        chunk = "\n".join(lines)
        parts.append(chunk)
        words += len(chunk.split())
        section += 1
    return "\n".join(parts)


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _measure(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], n: int
) -> dict[str, Any]:
    latencies = []
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        answer = await client.post(path, json=body)
        latencies.append((time.perf_counter() - t0) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}: {answer.text[:200]}")
    wall = time.perf_counter() - started
    return {
        "route": path,
        "calls": n,
        "requests_per_s": round(n / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(_percentile(latencies, 0.99), 2),
    }


async def run(iterations: int, doc_iterations: int) -> dict[str, Any]:
    """Measure every route, then analyze-document on the 20-page document."""
    app = create_app(AgentConfig())
    transport = httpx.ASGITransport(app=app)
    results = []
    with tempfile.TemporaryDirectory() as repo:
        (Path(repo) / "orders.py").write_text(
            "class Order:\n    pass\n\n\ndef create_order(q):\n    return Order()\n"
        )
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=600
        ) as c:
            for spec in ANALYSES:
                body = dict(EXAMPLES[spec.route])
                if spec.route == "analyze-codebase":
                    body["repoUrl"] = repo
                await c.post(spec.path, json=body)  # warm caches and models
                results.append(await _measure(c, spec.path, body, iterations))
            document = synthetic_spec()
            big = await _measure(c, "/analyze-document", {"text": document}, doc_iterations)
            found = (await c.post("/analyze-document", json={"text": document})).json()
    big |= {
        "route": "/analyze-document (20 pages)",
        "chars": len(document),
        "words": len(document.split()),
        "requirements_found": len(found["requirements"]),
    }
    return {"routes": results, "document_20_pages": big}


def main(argv: list[str]) -> int:
    """Entry point of `foundry bench agent`."""
    parser = argparse.ArgumentParser(prog="foundry bench agent", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--iterations", type=int, default=30, help="calls per route")
    parser.add_argument(
        "--doc-iterations", type=int, default=5, help="calls on the 20-page document"
    )
    args = parser.parse_args(argv)
    for name in ("foundry.agent", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
    report = asyncio.run(run(args.iterations, args.doc_iterations))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{'route':<34} {'req/s':>8} {'p50 ms':>9} {'p99 ms':>9}")
    for row in [*report["routes"], report["document_20_pages"]]:
        print(
            f"{row['route']:<34} {row['requests_per_s']:>8} {row['p50_ms']:>9} {row['p99_ms']:>9}"
        )
    doc = report["document_20_pages"]
    print(f"20-page document: {doc['words']} words, {doc['requirements_found']} requirements found")
    return 0
