"""POST /embed: the local embedding model (algorithms.embedding when present)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import anyio

from foundry.agent.local.resolve import resolve
from foundry.agent.schemas.codebase import EmbedResponse
from foundry.agent.schemas.common import Metadata


async def embed_response(text: str) -> EmbedResponse:
    """Embed `text` off the event loop; the vector's length is the model's own."""
    started = time.perf_counter()
    function, heuristic = resolve("embedding.embed")
    vector, model = await anyio.to_thread.run_sync(function, text)
    meta = Metadata(
        provider="local",
        model=model,
        durationMs=round((time.perf_counter() - started) * 1000, 1),
        processedAt=datetime.now(UTC).isoformat(timespec="milliseconds"),
        heuristic=heuristic,
    )
    values = [float(v) for v in vector]
    return EmbedResponse(embedding=values, model=model, dimensions=len(values), metadata=meta)
