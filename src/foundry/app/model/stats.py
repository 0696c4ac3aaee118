"""Maintained per-program counters, so dashboards read one document instead of scanning tables.

Every `do_*` function that creates, deletes or changes the status of a counted entity calls
`adjust` in the same mutation, with keys of the form `<table>.<status>` (for example
`tasks.done: +1, tasks.review: -1`). Dashboards subscribe to the program's single stats document:
one write touches one counter document, never every dashboard's read set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.schema import define_table
from foundry.engine.values import v

TABLES = {
    "programStats": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "counts": v.record(v.number()),
        }
    ).index("by_program", ["orgId", "programId"]),
}


def adjust(ctx: MutationCtx, org_id: str, program_id: str, deltas: Mapping[str, int]) -> None:
    """Add `deltas` to the program's counters (creating the stats document on first use)."""
    deltas = {k: d for k, d in deltas.items() if d}
    if not deltas:
        return
    row = (
        ctx.db.query("programStats")
        .with_index("by_program", lambda q: q.eq("orgId", org_id).eq("programId", program_id))
        .unique()
    )
    if row is None:
        ctx.db.insert(
            "programStats", {"orgId": org_id, "programId": program_id, "counts": dict(deltas)}
        )
        return
    counts = dict(row["counts"])
    for key, delta in deltas.items():
        counts[key] = counts.get(key, 0) + delta
    ctx.db.patch(row["_id"], {"counts": counts})


def status_move(table: str, before: str | None, after: str | None) -> dict[str, int]:
    """The deltas for one document of `table` moving from status `before` to `after`."""
    deltas: dict[str, int] = {}
    if before is not None:
        deltas[f"{table}.{before}"] = deltas.get(f"{table}.{before}", 0) - 1
    if after is not None:
        deltas[f"{table}.{after}"] = deltas.get(f"{table}.{after}", 0) + 1
    return deltas


def counts_of(ctx: QueryCtx, org_id: str, program_id: str) -> dict[str, Any]:
    """The program's counters (empty before anything was counted). Call after an access check."""
    row = (
        ctx.db.query("programStats")
        .with_index("by_program", lambda q: q.eq("orgId", org_id).eq("programId", program_id))
        .unique()
    )
    return {} if row is None else dict(row["counts"])
