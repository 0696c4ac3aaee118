"""The remote-model provider: prompt → `ModelClient` (via the retry layer) → validated result."""

from __future__ import annotations

from collections.abc import Callable

import anyio

from foundry.agent import knobs
from foundry.agent.errors import ModelOutputError, UpstreamError
from foundry.agent.prompts import render, schema_of
from foundry.agent.providers.base import (
    Job,
    ModelCall,
    ModelClient,
    ModelReply,
    Outcome,
    Progress,
    ResultT,
)
from foundry.agent.providers.normalise import validate
from foundry.agent.providers.retry import RetryPolicy, with_retries


class ModelProvider:
    """A provider backed by a chat model API; only the `ModelClient` differs between APIs."""

    def __init__(
        self,
        name: str,
        client: ModelClient,
        model_for: Callable[[str], str],
        policy: RetryPolicy | None = None,
        timeout_s: float = knobs.MODEL_TIMEOUT_S,
    ) -> None:
        self.name = name
        self.client = client
        self.model_for = model_for
        self.policy = policy or RetryPolicy()
        self.timeout_s = timeout_s

    async def run(self, job: Job[ResultT], progress: Progress | None) -> Outcome[ResultT]:
        """Render, call (with retries), reject truncated output, normalise and validate."""
        system, blocks = render(job)
        budget = job.thinking_budget
        call = ModelCall(
            route=job.route,
            model=self.model_for(job.tier),
            system=system,
            blocks=blocks,
            schema=schema_of(job.result_type),
            max_tokens=max(knobs.MAX_OUTPUT_TOKENS_THINKING, budget + knobs.MAX_OUTPUT_TOKENS)
            if budget
            else knobs.MAX_OUTPUT_TOKENS,
            thinking_budget=budget,
        )

        async def attempt() -> ModelReply:
            with anyio.fail_after(self.timeout_s):
                return await self.client.complete(call, progress)

        try:
            reply, retries = await with_retries(attempt, self.policy, job.route)
        except TimeoutError:
            raise UpstreamError(
                f"The model did not answer within {self.timeout_s:.0f} s.", code="UPSTREAM_TIMEOUT"
            ) from None
        if reply.truncated:
            raise ModelOutputError(
                "The model's answer was cut off at the output token limit.",
                code="MODEL_OUTPUT_TRUNCATED",
                details={"outputTokens": reply.usage.output_tokens},
            )
        result, coercions = validate(reply.text, job.result_type)
        return Outcome(
            result=result,
            model=reply.model,
            usage=reply.usage,
            coercions=coercions,
            retries=retries,
        )

    async def aclose(self) -> None:
        """Close the model client's connections."""
        await self.client.aclose()
