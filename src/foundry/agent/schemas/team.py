"""Agent team: generate-team, dispatch-agent, plan-assignments and execute-skill."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, ValidationInfo

from foundry.agent.schemas.common import (
    RequestModel,
    ResultModel,
    WithMetadata,
    clamp,
    closest,
    record_coercion,
)

DEFAULT_AGENT_MODEL = "claude-sonnet-4-6"


def _snake(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, str):
        snake = re.sub(r"[^a-z0-9]+", "_", value.strip().lower()).strip("_")
        if snake != value:
            record_coercion(info, f"{info.field_name}: {value!r} -> {snake!r}")
        return snake
    return value


class Named(RequestModel):
    name: str = Field(min_length=1)


class GenerateTeamRequest(RequestModel):
    """The program (and optionally its workstreams, skills and requirements) to staff."""

    program: dict[str, Any]
    workstreams: list[Any] = Field(default_factory=list)
    skills: list[Any] = Field(default_factory=list)
    requirements: list[Any] = Field(default_factory=list)
    customContext: str | None = None
    targetAgentCount: int | None = Field(default=None, ge=1, le=20)


class AgentSpec(ResultModel):
    name: str
    description: str = ""
    role: Annotated[str, BeforeValidator(_snake)]
    model: str = DEFAULT_AGENT_MODEL
    tools: list[str] = Field(default_factory=list)
    systemPrompt: str = ""
    constraints: list[str] = Field(default_factory=list)
    specializations: list[str] = Field(default_factory=list)


class GenerateTeamResult(ResultModel):
    """What the provider produces for generate-team (`agents` or `team` are read as `roster`)."""

    rationale: str = ""
    coverage: list[str] = Field(default_factory=list)
    roster: list[AgentSpec] = Field(
        validation_alias=AliasChoices("roster", "agents", "team"), min_length=1
    )


class GenerateTeamResponse(GenerateTeamResult, WithMetadata):
    """generate-team's 200 body."""


class DispatchAgent(RequestModel):
    name: str = Field(min_length=1)
    role: str = Field(min_length=1)
    systemPrompt: str | None = None
    constraints: list[str] = Field(default_factory=list)
    model: str | None = None


class DispatchTask(RequestModel):
    title: str = Field(min_length=1)
    description: str | None = None
    acceptanceCriteria: list[str] = Field(default_factory=list)


class DispatchAgentRequest(RequestModel):
    """An agent of the team and the task it is sent to."""

    agent: DispatchAgent
    task: DispatchTask
    context: Any = None


class Artifact(ResultModel):
    type: str = "note"
    title: str
    content: str


class DispatchOutcome(ResultModel):
    summary: str
    findings: list[str] = Field(default_factory=list)
    artifacts: list[Artifact] = Field(default_factory=list)
    nextActions: list[str] = Field(default_factory=list)


class DispatchAgentResult(ResultModel):
    """What the provider produces for dispatch-agent."""

    result: DispatchOutcome


class DispatchAgentResponse(DispatchAgentResult, WithMetadata):
    """dispatch-agent's 200 body."""


class PlanAssignmentsRequest(RequestModel):
    """Tasks to hand to agents."""

    tasks: list[dict[str, Any]] = Field(min_length=1)
    agents: list[dict[str, Any]] = Field(min_length=1)
    repositories: list[dict[str, Any]] = Field(default_factory=list)
    branchStrategy: str = "per_task"
    branchPattern: str | None = None


class Assignment(ResultModel):
    taskId: str
    agentId: str
    executionMode: Annotated[
        Literal["sandbox", "sdk"], closest("sandbox", "sdk", default="sandbox")
    ] = "sandbox"
    confidence: Annotated[int, clamp(0, 100)] = 50
    branchName: str
    estimatedTokens: int = 50_000
    rationale: str = ""
    repositoryId: str | None = None


class PlanAssignmentsResult(ResultModel):
    """What the provider produces for plan-assignments (`plan`/`task_assignments` accepted)."""

    assignments: list[Assignment] = Field(
        validation_alias=AliasChoices("assignments", "plan", "task_assignments")
    )


class PlanAssignmentsResponse(PlanAssignmentsResult, WithMetadata):
    """plan-assignments' 200 body."""


class SkillInput(RequestModel):
    name: str = Field(min_length=1)
    content: str = Field(min_length=1)
    domain: str | None = None
    version: str | None = None


class ExecuteSkillRequest(RequestModel):
    """The five §7 context layers, gathered by the backend, plus the task."""

    skill: SkillInput
    task: DispatchTask
    program: dict[str, Any] = Field(default_factory=dict)
    requirements: list[dict[str, Any]] = Field(default_factory=list)
    recentExecutions: list[dict[str, Any]] = Field(default_factory=list)
    codebaseAnalysis: list[dict[str, Any]] = Field(default_factory=list)
    designContext: dict[str, Any] | None = None


class ExecuteSkillResult(ResultModel):
    """What the provider produces for execute-skill."""

    output: str
    summary: str
    artifacts: list[Artifact] = Field(default_factory=list)
    confidence: Annotated[float, clamp(0, 1)] = 0.5


class ExecuteSkillResponse(ExecuteSkillResult, WithMetadata):
    """execute-skill's 200 body."""
