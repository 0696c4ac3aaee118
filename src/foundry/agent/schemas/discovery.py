"""Discovery: continuous-discovery and summarize-discovery."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from foundry.agent.schemas.common import RequestModel, ResultModel, WithMetadata, clamp, closest

Level = Annotated[
    Literal["critical", "high", "medium", "low"], closest("critical", "high", "medium", "low")
]


class ContinuousDiscoveryRequest(RequestModel):
    """A discovery prompt with optional program context."""

    prompt: str = Field(min_length=1)
    context: Any = None


class SuggestedRequirement(ResultModel):
    title: str
    description: str
    category: str = "functional"
    priority: Level = "medium"
    rationale: str = ""


class IdentifiedGap(ResultModel):
    area: str
    description: str
    severity: Level = "medium"
    suggested_action: str = ""


class RiskIndicator(ResultModel):
    indicator: str
    risk_level: Level = "medium"
    affected_workstreams: list[str] = Field(default_factory=list)
    mitigation_suggestion: str = ""


class KeyInsight(ResultModel):
    insight: str
    confidence: Annotated[float, clamp(0, 1)] = 0.5
    source_context: str = ""


class Findings(ResultModel):
    suggested_requirements: list[SuggestedRequirement] = Field(default_factory=list)
    identified_gaps: list[IdentifiedGap] = Field(default_factory=list)
    risk_indicators: list[RiskIndicator] = Field(default_factory=list)
    key_insights: list[KeyInsight] = Field(default_factory=list)


class ContinuousDiscoveryResult(ResultModel):
    """What the provider produces for continuous-discovery."""

    findings: Findings


class ContinuousDiscoveryResponse(ContinuousDiscoveryResult, WithMetadata):
    """continuous-discovery's 200 body."""


class DiscoveryRequirement(RequestModel):
    title: str
    status: str
    priority: str
    fitGap: str
    workstream: str | None = None
    description: str | None = None
    effortEstimate: str | None = None


class SummarizeDiscoveryRequest(RequestModel):
    """The program's requirements to summarise."""

    requirements: list[DiscoveryRequirement]
    programName: str | None = None
    targetPlatform: str | None = None


class DiscoverySummary(ResultModel):
    overview: str
    statusBreakdown: dict[str, int] = Field(default_factory=dict)
    priorityDistribution: dict[str, int] = Field(default_factory=dict)
    fitGapAnalysis: str = ""
    keyInsights: list[str] = Field(default_factory=list)
    recommendations: list[str] = Field(default_factory=list)
    riskFlags: list[str] = Field(default_factory=list)


class SummarizeDiscoveryResult(ResultModel):
    """What the provider produces for summarize-discovery."""

    summary: DiscoverySummary


class SummarizeDiscoveryResponse(SummarizeDiscoveryResult, WithMetadata):
    """summarize-discovery's 200 body."""
