"""Tasks: decompose-task, generate-subtasks and analyze-task-subtasks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from foundry.agent.schemas.common import RequestModel, ResultModel, WithMetadata, clamp, closest
from foundry.agent.schemas.requirements import Evidence, ModelTierConfig


class DecomposeTaskRequest(RequestModel):
    """A decomposition prompt with the requirement to decompose."""

    prompt: str = Field(min_length=1)
    requirement: Any = None
    context: Any = None


class DecomposedTask(ResultModel):
    title: str
    description: str
    acceptance_criteria: list[str] = Field(default_factory=list)
    story_points: Annotated[int, clamp(0, 100)] = 3
    dependencies: list[str] = Field(default_factory=list)
    required_skills: list[str] = Field(default_factory=list)
    risk_factors: list[str] = Field(default_factory=list)
    suggested_assignee_role: str | None = None


class Decomposition(ResultModel):
    decomposition_rationale: str
    critical_considerations: list[str] = Field(default_factory=list)
    tasks: list[DecomposedTask]
    estimated_total_points: int = 0
    estimated_sprint_count: int | None = None


class DecomposeTaskResult(ResultModel):
    """What the provider produces for decompose-task."""

    decomposition: Decomposition


class DecomposeTaskResponse(DecomposeTaskResult, WithMetadata):
    """decompose-task's 200 body."""


class TaskInput(RequestModel):
    title: str = Field(min_length=1)
    description: str | None = None
    taskType: str | None = None
    acceptanceCriteria: list[str] = Field(default_factory=list)


class ExistingSubtask(RequestModel):
    id: str | None = None
    title: str
    status: str = "pending"
    description: str | None = None
    prompt: str | None = None


class GenerateSubtasksRequest(RequestModel):
    """The task to split into sandbox-sized subtasks, with the §7 context blocks."""

    task: TaskInput
    requirement: Any = None
    program: Any = None
    codebaseStructure: str | None = None
    activeSkills: list[Any] = Field(default_factory=list)
    team: list[Any] = Field(default_factory=list)
    existingSubtasks: list[ExistingSubtask] = Field(default_factory=list)


class Subtask(ResultModel):
    title: str
    description: str
    prompt: str
    estimatedFiles: Annotated[int, clamp(0, 50)] = 1
    complexityScore: Annotated[int, clamp(1, 5)] = 2
    estimatedDurationMs: int = 180_000
    allowedFiles: list[str] = Field(default_factory=list)
    isPausePoint: bool = False


class GenerateSubtasksResult(ResultModel):
    """What the provider produces for generate-subtasks."""

    decomposition_rationale: str
    subtasks: list[Subtask]


class GenerateSubtasksResponse(GenerateSubtasksResult, WithMetadata):
    """generate-subtasks' 200 body."""


class FileContent(RequestModel):
    path: str
    content: str


class AnalyzeTaskSubtasksRequest(RequestModel):
    """A task, its subtasks and the code in scope."""

    taskId: str | None = None
    taskTitle: str = Field(min_length=1)
    taskDescription: str | None = None
    acceptanceCriteria: list[str] | None = None
    subtasks: list[ExistingSubtask] = Field(default_factory=list)
    directoryScope: str | None = None
    directoryContents: list[FileContent] = Field(default_factory=list)
    config: ModelTierConfig = Field(default_factory=ModelTierConfig)


class SubtaskState(ResultModel):
    title: str | None = None
    description: str | None = None
    prompt: str | None = None
    status: str | None = None


class SubtaskProposal(ResultModel):
    subtaskId: str | None = None
    proposalType: Annotated[
        Literal["status_change", "rewrite", "new_subtask", "skip"],
        closest("status_change", "rewrite", "new_subtask", "skip"),
    ]
    currentState: SubtaskState | None = None
    proposedState: SubtaskState = Field(default_factory=SubtaskState)
    reasoning: str = ""
    evidence: Evidence = Field(default_factory=Evidence)


class AnalyzeTaskSubtasksResult(ResultModel):
    """What the provider produces for analyze-task-subtasks."""

    taskImplementationStatus: Annotated[
        Literal["not_found", "partially_implemented", "fully_implemented", "needs_verification"],
        closest("not_found", "partially_implemented", "fully_implemented", "needs_verification"),
    ]
    confidence: Annotated[int, clamp(0, 100)]
    subtaskProposals: list[SubtaskProposal] = Field(default_factory=list)


class AnalyzeTaskSubtasksResponse(AnalyzeTaskSubtasksResult, WithMetadata):
    """analyze-task-subtasks' 200 body."""
