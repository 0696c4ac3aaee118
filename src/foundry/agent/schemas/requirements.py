"""Requirements: refine-requirement and analyze-requirement."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from foundry.agent.schemas.common import RequestModel, ResultModel, WithMetadata, clamp, closest

Score10 = Annotated[int, clamp(1, 10)]
Tier = Literal["fast", "standard", "thorough"]


class RefineRequirementRequest(RequestModel):
    """A refinement prompt, usually with the requirement itself."""

    prompt: str = Field(min_length=1)
    requirement: Any = None
    context: Any = None


class OverallAssessment(ResultModel):
    clarity_score: Score10
    completeness_score: Score10
    testability_score: Score10
    summary: str


class Suggestion(ResultModel):
    area: str
    current_text: str = ""
    suggested_text: str
    reason: str = ""
    priority: Annotated[
        Literal["high", "medium", "low"], closest("high", "medium", "low", default="medium")
    ] = "medium"


class PotentialSplit(ResultModel):
    should_split: bool
    reason: str = ""
    proposed_sub_requirements: list[str] = Field(default_factory=list)


class RelatedRequirement(ResultModel):
    requirement_id: str
    relationship: Annotated[
        Literal["depends_on", "conflicts_with", "extends", "duplicates"],
        closest("depends_on", "conflicts_with", "extends", "duplicates"),
    ]
    description: str = ""


class Refinement(ResultModel):
    overall_assessment: OverallAssessment
    suggestions: list[Suggestion] = Field(default_factory=list)
    potential_split: PotentialSplit | None = None
    related_requirements: list[RelatedRequirement] | None = None


class RefineRequirementResult(ResultModel):
    """What the provider produces for refine-requirement."""

    refinement: Refinement


class RefineRequirementResponse(RefineRequirementResult, WithMetadata):
    """refine-requirement's 200 body."""


class CandidateFile(RequestModel):
    repoId: str | None = None
    path: str
    content: str


class GraphNodeRef(RequestModel):
    name: str
    layer: str | None = None
    filePath: str | None = None


class SemanticMatch(RequestModel):
    name: str
    type: str
    filePath: str
    signature: str = ""
    docstring: str | None = None
    similarity: float = 0.0


class ModelTierConfig(RequestModel):
    modelTier: Tier = "standard"


class AnalyzeRequirementRequest(RequestModel):
    """A requirement and the code that may implement it."""

    requirementId: str | None = None
    requirementText: str = Field(min_length=1)
    requirementDescription: str | None = None
    acceptanceCriteria: list[str] | None = None
    candidateFiles: list[CandidateFile] = Field(default_factory=list)
    knowledgeGraphNodes: list[GraphNodeRef] = Field(default_factory=list)
    semanticMatches: list[SemanticMatch] = Field(default_factory=list)
    config: ModelTierConfig = Field(default_factory=ModelTierConfig)


class EvidenceFile(ResultModel):
    filePath: str
    lineStart: int | None = None
    lineEnd: int | None = None
    snippet: Annotated[str | None, Field(max_length=500)] = None
    relevance: str = ""


class Evidence(ResultModel):
    files: list[EvidenceFile] = Field(default_factory=list)


ImplementationStatus = Annotated[
    Literal["not_found", "partially_implemented", "fully_implemented", "needs_verification"],
    closest(
        "not_found",
        "partially_implemented",
        "fully_implemented",
        "needs_verification",
        default="needs_verification",
    ),
]


class AnalyzeRequirementResult(ResultModel):
    """What the provider produces for analyze-requirement."""

    implementationStatus: ImplementationStatus
    confidence: Annotated[int, clamp(0, 100)]
    confidenceReasoning: str = ""
    evidence: Evidence = Field(default_factory=Evidence)
    gapDescription: str | None = None


class AnalyzeRequirementResponse(AnalyzeRequirementResult, WithMetadata):
    """analyze-requirement's 200 body."""
