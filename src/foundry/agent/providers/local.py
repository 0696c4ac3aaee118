"""The local provider: offline, deterministic, CPU work in worker threads off the event loop."""

from __future__ import annotations

from typing import Any

import anyio
from pydantic import ValidationError

from foundry.agent import knobs
from foundry.agent.errors import AgentError
from foundry.agent.local.adapters import ADAPTERS
from foundry.agent.local.fallback import CONFIDENCE
from foundry.agent.providers.base import Job, Outcome, Progress, ResultT

MODEL = "foundry-local"


class LocalProvider:
    """Runs each route's local function (algorithm or labelled heuristic) in a worker thread."""

    name = "local"

    def __init__(self, workers: int = knobs.LOCAL_WORKERS) -> None:
        self._workers = workers
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, job: Job[ResultT], progress: Progress | None) -> Outcome[ResultT]:
        """Run the route's local function and validate what it returns."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._workers)
        adapter = ADAPTERS[job.route]
        if progress:
            await progress("progress", {"stage": "analysing", "percent": 5})
        data, heuristic = await anyio.to_thread.run_sync(
            adapter, job.request, limiter=self._limiter
        )
        context: dict[str, Any] = {"coercions": []}
        try:
            result = job.result_type.model_validate(data, context=context)
        except ValidationError as error:
            raise AgentError(
                f"The local {job.route} analysis produced an invalid result (a bug).",
                code="LOCAL_OUTPUT_INVALID",
                details={"errors": [e["msg"] for e in error.errors()[:10]]},
            ) from None
        if progress:
            await _report_sections(result.model_dump(mode="json"), progress)
        return Outcome(
            result=result,
            model=MODEL,
            heuristic=heuristic,
            confidence=CONFIDENCE if heuristic else None,
            coercions=list(context["coercions"]),
        )

    async def aclose(self) -> None:
        """Nothing to release: the worker threads belong to anyio."""


async def _report_sections(body: dict[str, Any], progress: Progress) -> None:
    """One `partial` event per top-level section, so a client can render sections as they come."""
    sections = [k for k, v in body.items() if isinstance(v, list | dict)]
    for index, key in enumerate(sections, 1):
        await progress("partial", {"section": key, "value": body[key]})
        await progress(
            "progress", {"stage": key, "percent": 5 + round(90 * index / max(1, len(sections)))}
        )
