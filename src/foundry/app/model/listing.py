"""Program lists narrowed by workstream and by one more field, through indexes only."""

from __future__ import annotations

from typing import Any

from foundry.app.model.access import get_in_program
from foundry.engine.context import QueryCtx


def in_program(
    ctx: QueryCtx,
    table: str,
    program: dict[str, Any],
    workstream_id: str | None,
    field: str,
    value: str | None,
    program_index: str,
) -> Any:
    """A query over the program's rows of `table`: a workstream's through its `by_workstream`
    index (then `field == value` as a bounded filter), else `program_index`, whose third
    component is `field`, narrowed to `value` when given."""
    org_id, program_id = program["orgId"], program["_id"]
    rows = ctx.db.query(table)
    if workstream_id is not None:
        get_in_program(ctx, "workstreams", workstream_id, program, "workstreamId")
        rows = rows.with_index(
            "by_workstream",
            lambda q: (
                q.eq("orgId", org_id).eq("programId", program_id).eq("workstreamId", workstream_id)
            ),
        )
        return rows if value is None else rows.filter(lambda d: d[field] == value)

    def by_field(q: Any) -> Any:
        q = q.eq("orgId", org_id).eq("programId", program_id)
        return q if value is None else q.eq(field, value)

    return rows.with_index(program_index, by_field)
