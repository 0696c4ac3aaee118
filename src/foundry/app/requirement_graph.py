"""Dependencies between requirements: same program, never itself, never a cycle.

A requirement lists what it depends on in its `dependencies` field (what readers show); the
`requirementDependencies` edges mirror that list so "who depends on me" is an index lookup.
`set_edges` is the only writer of the edges and is called whenever `dependencies` changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from foundry.app.model.access import get_in_program
from foundry.engine.context import MutationCtx, QueryCtx
from foundry.engine.errors import ArgumentError
from foundry.engine.schema import define_table
from foundry.engine.values import v

MAX_DEPENDENCIES = 100
MAX_GRAPH_VISIT = 5_000

TABLES = {
    "requirementDependencies": define_table(
        {
            "orgId": v.id("organizations"),
            "programId": v.id("programs"),
            "requirementId": v.id("requirements"),
            "dependsOnId": v.id("requirements"),
        }
    )
    # Used to drop a requirement's own edges, and (by_depends_on) to find its dependents.
    .index("by_requirement", ["orgId", "programId", "requirementId"])
    .index("by_depends_on", ["orgId", "programId", "dependsOnId"]),
}


def check_dependencies(
    ctx: QueryCtx, program: Mapping[str, Any], requirement_id: str | None, ids: Iterable[str]
) -> list[str]:
    """The dependency ids, de-duplicated; raises on another program, self or a cycle."""
    out: list[str] = []
    for i, dep_id in enumerate(ids):
        path = f"dependencies[{i}]"
        get_in_program(ctx, "requirements", dep_id, dict(program), path)
        if dep_id == requirement_id:
            raise ArgumentError("a requirement cannot depend on itself", {"path": path})
        if dep_id not in out:
            out.append(dep_id)
    if requirement_id is not None and reaches(ctx, out, requirement_id):
        raise ArgumentError("these dependencies would form a cycle", {"path": "dependencies"})
    return out


def reaches(ctx: QueryCtx, starts: Iterable[str], goal: str) -> bool:
    """Whether following `dependencies` from `starts` arrives at `goal` (bounded walk)."""
    seen: set[str] = set()
    todo = [*starts]
    while todo:
        current = todo.pop()
        if current == goal:
            return True
        if current in seen:
            continue
        seen.add(current)
        if len(seen) > MAX_GRAPH_VISIT:
            raise ArgumentError(
                "the dependency graph is too large to check", {"path": "dependencies"}
            )
        doc = ctx.db.get(current)
        todo.extend((doc or {}).get("dependencies") or ())
    return False


def set_edges(
    ctx: MutationCtx, req: Mapping[str, Any], old: Iterable[str], new: Iterable[str]
) -> None:
    """Bring the `requirementDependencies` edges of `req` from `old` to `new`."""
    old_set, new_set = set(old), set(new)
    if old_set - new_set:
        for edge in (
            ctx.db.query("requirementDependencies")
            .with_index(
                "by_requirement",
                lambda q: (
                    q.eq("orgId", req["orgId"])
                    .eq("programId", req["programId"])
                    .eq("requirementId", req["_id"])
                ),
            )
            .take(MAX_DEPENDENCIES * 2)
        ):
            if edge["dependsOnId"] not in new_set:
                ctx.db.delete(edge["_id"])
    for dep_id in new:
        if dep_id not in old_set:
            edge = {
                "orgId": req["orgId"],
                "programId": req["programId"],
                "requirementId": req["_id"],
                "dependsOnId": dep_id,
            }
            ctx.db.insert("requirementDependencies", edge)


def dependents_of(ctx: QueryCtx, req: Mapping[str, Any], limit: int = 500) -> list[str]:
    """Ids of the requirements that depend on `req`."""
    edges = (
        ctx.db.query("requirementDependencies")
        .with_index(
            "by_depends_on",
            lambda q: (
                q.eq("orgId", req["orgId"])
                .eq("programId", req["programId"])
                .eq("dependsOnId", req["_id"])
            ),
        )
        .take(limit)
    )
    return [e["requirementId"] for e in edges]
