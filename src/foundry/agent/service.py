"""Run one analysis: pick the job's settings, call the provider, attach metadata, log coercions."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from foundry.agent.config import AgentConfig
from foundry.agent.providers.base import Job, Outcome, Progress, Provider, Tier, Usage
from foundry.agent.schemas.common import Metadata, RequestModel, ResultModel

log = logging.getLogger("foundry.agent")


def snake(name: str) -> str:
    """camelCase → snake_case, for the local functions' keyword arguments."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def default_local_kwargs(request: BaseModel) -> dict[str, Any]:
    """The request's top-level fields as snake_case keywords with JSON (wire-shaped) values."""
    return {snake(k): v for k, v in request.model_dump(mode="json").items()}


@dataclass(frozen=True)
class Analysis:
    """Everything the service needs to know about one analysis route."""

    path: str
    request_type: type[RequestModel]
    response_type: type[BaseModel]
    result_type: type[ResultModel]
    local_function: str
    missing_code: str
    invalid_code: str = "INVALID_REQUEST"
    missing_codes: Mapping[str, str] = field(default_factory=dict)
    """Per top-level field, the code for its absence when it differs from `missing_code`."""
    tier: Tier = "standard"
    thinking_budget: int = 0
    streams: bool = False
    """Answers `Accept: text/event-stream` with progress events."""
    settings: Callable[[Any], tuple[Tier, int]] | None = None
    """Per-request (tier, thinking budget), e.g. from `config.modelTier`."""
    local_kwargs: Callable[[Any], dict[str, Any]] = default_local_kwargs
    prepare: Callable[[Any], Awaitable[dict[str, Any]]] | None = None
    """Gathers what a remote model's prompt needs beyond the request (local needs none)."""

    @property
    def route(self) -> str:
        """The route's name, which is also its prompt template's name."""
        return self.path.strip("/")

    def job(self, request: RequestModel, extra: Mapping[str, Any]) -> Job[Any]:
        """The provider job for one validated request."""
        tier, budget = (
            self.settings(request) if self.settings else (self.tier, self.thinking_budget)
        )
        return Job(
            route=self.route,
            request=request,
            result_type=self.result_type,
            template=self.route,
            tier=tier,
            thinking_budget=budget,
            local_function=self.local_function,
            local_kwargs=self.local_kwargs(request),
            extra=extra,
        )


def metadata(
    provider: str, outcome: Outcome[Any], config: AgentConfig, duration_s: float
) -> Metadata:
    """What the call cost, priced from the configured table."""
    usage: Usage = outcome.usage
    price = config.price_of(outcome.model if provider != "local" else "local")
    cost = (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_read_tokens * price.cache_read
        + usage.cache_write_tokens * price.cache_write
    ) / 1_000_000
    return Metadata(
        provider=provider,
        model=outcome.model,
        inputTokens=usage.input_tokens,
        outputTokens=usage.output_tokens,
        cacheReadTokens=usage.cache_read_tokens,
        cacheWriteTokens=usage.cache_write_tokens,
        totalTokensUsed=usage.input_tokens + usage.output_tokens,
        estimatedCostUsd=round(cost, 6),
        durationMs=round(duration_s * 1000, 1),
        processedAt=datetime.now(UTC).isoformat(timespec="milliseconds"),
        heuristic=outcome.heuristic,
        confidence=outcome.confidence,
        coercions=len(outcome.coercions),
        retries=outcome.retries,
    )


async def analyse(
    spec: Analysis,
    request: RequestModel,
    provider: Provider,
    config: AgentConfig,
    *,
    org_id: str,
    progress: Progress | None = None,
    extra: Mapping[str, Any] | None = None,
) -> BaseModel:
    """Run `spec` on `request` with `provider`; the validated response, metadata included."""
    started = time.perf_counter()
    outcome = await provider.run(spec.job(request, extra or {}), progress)
    for note in outcome.coercions:
        log.info("[coercion] org=%s route=%s %s", org_id, spec.route, note)
    meta = metadata(provider.name, outcome, config, time.perf_counter() - started)
    body = outcome.result.model_dump(mode="json")
    return spec.response_type.model_validate({**body, "metadata": meta.model_dump(mode="json")})
