"""Codebase: analyze-codebase, codebase-chat and embed."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from foundry.agent.schemas.common import RequestModel, ResultModel, WithMetadata, closest

Layer = Annotated[
    Literal["api", "service", "data", "ui", "utility", "config", "test"],
    closest("api", "service", "data", "ui", "utility", "config", "test", default="utility"),
]


class AnalyzeCodebaseRequest(RequestModel):
    """Any git URL (https, ssh, file://) or a local path."""

    repoUrl: str = Field(min_length=1)
    accessToken: str | None = None


class GraphNode(ResultModel):
    nodeType: Annotated[
        Literal["file", "function", "class", "module"],
        closest("file", "function", "class", "module", default="file"),
    ]
    name: str
    filePath: str
    layer: Layer = "utility"
    description: str = ""
    language: str = ""
    lineStart: int | None = None
    lineEnd: int | None = None


class GraphEdge(ResultModel):
    sourceIndex: int = Field(ge=0)
    targetIndex: int = Field(ge=0)
    edgeType: Annotated[
        Literal["imports", "calls", "extends", "implements", "contains"],
        closest("imports", "calls", "extends", "implements", "contains", default="imports"),
    ]


class LayerCount(ResultModel):
    layer: str
    count: int


class CodebaseSummary(ResultModel):
    totalFiles: int = 0
    totalFunctions: int = 0
    totalClasses: int = 0
    languages: list[str] = Field(default_factory=list)
    frameworks: list[str] = Field(default_factory=list)
    layerBreakdown: list[LayerCount] = Field(default_factory=list)


class TourStep(ResultModel):
    nodeIndex: int = Field(ge=0)
    title: str
    explanation: str = ""
    order: int = 0


class Tour(ResultModel):
    title: str
    description: str = ""
    steps: list[TourStep] = Field(default_factory=list)


class CodebaseAnalysis(ResultModel):
    nodes: list[GraphNode] = Field(default_factory=list)
    edges: list[GraphEdge] = Field(default_factory=list)
    summary: CodebaseSummary = Field(default_factory=CodebaseSummary)
    tours: list[Tour] = Field(default_factory=list)


class AnalyzeCodebaseResult(ResultModel):
    """What the provider produces for analyze-codebase."""

    analysis: CodebaseAnalysis


class AnalyzeCodebaseResponse(AnalyzeCodebaseResult, WithMetadata):
    """analyze-codebase's 200 body."""


class ChatTurn(RequestModel):
    role: Literal["user", "assistant"]
    content: str


class CodebaseChatRequest(RequestModel):
    """A question about a codebase, answered from its knowledge graph."""

    question: str = Field(min_length=1)
    graphContext: Any = None
    chatHistory: list[ChatTurn] = Field(default_factory=list)


class CodebaseChatResult(ResultModel):
    """What the provider produces for codebase-chat."""

    answer: str
    referencedNodeNames: list[str] = Field(default_factory=list)


class CodebaseChatResponse(CodebaseChatResult, WithMetadata):
    """codebase-chat's 200 body."""


class EmbedRequest(RequestModel):
    """A text to embed."""

    text: str = Field(min_length=1)


class EmbedResult(ResultModel):
    """A vector; its length is the embedding model's, reported beside it."""

    embedding: list[float]
    model: str
    dimensions: int


class EmbedResponse(EmbedResult, WithMetadata):
    """embed's 200 body."""
