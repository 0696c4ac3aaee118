"""Pull requests: review-pr and link-pr."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from foundry.agent.schemas.common import RequestModel, ResultModel, WithMetadata, clamp, closest

Severity = Annotated[
    Literal["blocker", "major", "minor", "info"],
    closest("blocker", "major", "minor", "info", default="info"),
]


class PullRequestInfo(RequestModel):
    title: str = Field(min_length=1)
    body: str | None = None
    number: int | None = None
    author: str | None = None
    branch: str | None = None


class ReviewPrRequest(RequestModel):
    """A pull request and its unified diff."""

    pullRequest: PullRequestInfo
    diff: str = Field(min_length=1)


class ReviewComment(ResultModel):
    filePath: str
    line: int | None = None
    severity: Severity = "info"
    message: str


class ReviewPrResult(ResultModel):
    """What the provider produces for review-pr."""

    summary: str
    verdict: Annotated[
        Literal["approve", "request_changes", "comment"],
        closest("approve", "request_changes", "comment", default="comment"),
    ]
    riskLevel: Annotated[
        Literal["high", "medium", "low"], closest("high", "medium", "low", default="medium")
    ] = "medium"
    comments: list[ReviewComment] = Field(default_factory=list)


class ReviewPrResponse(ReviewPrResult, WithMetadata):
    """review-pr's 200 body."""


class LinkTask(RequestModel):
    id: str
    title: str
    description: str | None = None


class LinkPrRequest(RequestModel):
    """A pull request and the tasks it may implement."""

    pr: PullRequestInfo
    tasks: list[LinkTask] = Field(min_length=1)


class PrLink(ResultModel):
    taskId: str
    confidence: Annotated[float, clamp(0, 1)] = 0.5
    reason: str = ""


class LinkPrResult(ResultModel):
    """What the provider produces for link-pr."""

    links: list[PrLink] = Field(default_factory=list)


class LinkPrResponse(LinkPrResult, WithMetadata):
    """link-pr's 200 body."""
