"""analyze-document: requirements, risks, integrations, decisions and action items from a text."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from foundry.agent.schemas.common import RequestModel, ResultModel, WithMetadata, clamp, closest

CATEGORIES = (
    "functional",
    "availability",
    "fault tolerance",
    "legal",
    "look and feel",
    "maintainability",
    "operability",
    "performance",
    "portability",
    "scalability",
    "security",
    "usability",
)

Category = Annotated[
    Literal[
        "functional",
        "availability",
        "fault tolerance",
        "legal",
        "look and feel",
        "maintainability",
        "operability",
        "performance",
        "portability",
        "scalability",
        "security",
        "usability",
    ],
    closest(*CATEGORIES, default="functional"),
]
Priority = Annotated[
    Literal["must_have", "should_have", "nice_to_have", "deferred"],
    closest("must_have", "should_have", "nice_to_have", "deferred", default="should_have"),
]
FitGap = Annotated[
    Literal["native", "config", "custom_dev", "third_party", "not_feasible"],
    closest("native", "config", "custom_dev", "third_party", "not_feasible", default="custom_dev"),
]
Effort = Annotated[
    Literal["low", "medium", "high", "very_high"],
    closest("low", "medium", "high", "very_high", default="medium"),
]
MatchType = Annotated[
    Literal["new", "update", "duplicate"], closest("new", "update", "duplicate", default="new")
]
Level = Annotated[
    Literal["critical", "high", "medium", "low"],
    closest("critical", "high", "medium", "low", default="medium"),
]
Unit = Annotated[float, clamp(0, 1)]


class Workstream(RequestModel):
    shortCode: str
    name: str
    description: str | None = None


class ExistingRequirement(RequestModel):
    refId: str
    title: str
    description: str | None = None


class ProgramContext(RequestModel):
    name: str | None = None
    targetPlatform: str | None = None
    workstreams: list[Workstream] = Field(default_factory=list)
    existingRequirements: list[ExistingRequirement] = Field(default_factory=list)


class AnalyzeDocumentRequest(RequestModel):
    """A document's extracted text and the program it belongs to."""

    text: str = Field(min_length=1)
    fileName: str | None = None
    program: ProgramContext | None = None


class SourceSpan(ResultModel):
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Finding(ResultModel):
    """Fields every finding carries: where it is in the text and how sure we are."""

    confidence: Unit = 0.5
    sourceSpan: SourceSpan
    sourceExcerpt: str = ""


class DocumentRequirement(Finding):
    title: str
    description: str
    priority: Priority = "should_have"
    fitGap: FitGap = "custom_dev"
    effortEstimate: Effort = "medium"
    suggestedWorkstream: str | None = None
    category: Category = "functional"
    matchType: MatchType = "new"
    potentialMatch: str | None = None


class DocumentRisk(Finding):
    title: str
    description: str
    severity: Level = "medium"
    probability: Level = "medium"
    mitigation: str | None = None
    affectedWorkstreams: list[str] = Field(default_factory=list)


class DocumentIntegration(Finding):
    name: str
    sourceSystem: str = ""
    targetSystem: str = ""
    protocol: str = ""
    direction: str | None = None
    dataEntities: list[str] = Field(default_factory=list)
    complexity: Effort | None = None
    description: str | None = None


class DocumentDecision(Finding):
    title: str
    description: str
    impact: Level = "medium"
    category: str = "technical"
    alternatives: list[str] = Field(default_factory=list)


class DocumentActionItem(Finding):
    title: str
    description: str = ""
    owner: str | None = None
    dueDate: str | None = None


class AnalyzeDocumentResult(ResultModel):
    """What the provider produces for analyze-document."""

    requirements: list[DocumentRequirement] = Field(default_factory=list)
    risks: list[DocumentRisk] = Field(default_factory=list)
    integrations: list[DocumentIntegration] = Field(default_factory=list)
    decisions: list[DocumentDecision] = Field(default_factory=list)
    actionItems: list[DocumentActionItem] = Field(default_factory=list)
    summary: str
    documentType: str = "other"


class AnalyzeDocumentResponse(AnalyzeDocumentResult, WithMetadata):
    """analyze-document's 200 body."""
