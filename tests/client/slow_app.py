"""An extra module for the fixture app: a query slow enough to interleave a message with its run."""

from __future__ import annotations

import time
from typing import Any

from foundry.engine.context import QueryCtx
from foundry.engine.functions import query
from foundry.engine.values import v

RUN_S = 0.3
"""How long `viewer_and_count` takes; well under the engine's 1 s query limit."""


@query(args={"channel": v.string()})
def viewer_and_count(ctx: QueryCtx, channel: str) -> Any:
    """Reads both the identity and the data, so a write and an Authenticate both re-run it."""
    time.sleep(RUN_S)
    identity = ctx.auth.get_user_identity()
    rows = (
        ctx.db.query("messages")
        .with_index("by_channel", lambda r: r.eq("channel", channel))
        .collect()
    )
    return {"viewer": None if identity is None else identity.subject, "count": len(rows)}
