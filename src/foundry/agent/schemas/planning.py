"""Planning and oversight: plan-sprint, evaluate-risks, evaluate-gate, score-health,
detect-dependencies, daily-digest and branch-strategy."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from foundry.agent.schemas.common import RequestModel, ResultModel, WithMetadata, clamp, closest

Level = Annotated[
    Literal["critical", "high", "medium", "low"],
    closest("critical", "high", "medium", "low", default="medium"),
]
Score = Annotated[float, clamp(0, 100)]


class PlanSprintRequest(RequestModel):
    """A sprint-planning prompt with candidate tasks, the team and the sprint's settings."""

    prompt: str = Field(min_length=1)
    tasks: list[dict[str, Any]] = Field(default_factory=list)
    team: list[dict[str, Any]] = Field(default_factory=list)
    sprintConfig: dict[str, Any] = Field(default_factory=dict)
    context: Any = None


class CapacityAnalysis(ResultModel):
    total_capacity_points: float
    available_team_members: int
    risk_buffer_percent: Score = 15
    effective_capacity: float


class PlannedTask(ResultModel):
    task_id: str
    title: str
    story_points: float = 0
    priority: str = "medium"
    assigned_to: str | None = None
    rationale: str = ""


class SprintHealthIndicators(ResultModel):
    dependency_risk: str = "low"
    skill_coverage: str = "unknown"
    scope_stability: str = "stable"
    overall_confidence: Score = 50


class SprintPlan(ResultModel):
    capacity_analysis: CapacityAnalysis
    recommended_tasks: list[PlannedTask] = Field(default_factory=list)
    deferred_to_next_sprint: list[Any] | None = None
    total_planned_points: float = 0
    capacity_utilization_percent: float | None = None
    sprint_health_indicators: SprintHealthIndicators | None = None


class PlanSprintResult(ResultModel):
    """What the provider produces for plan-sprint."""

    sprint_plan: SprintPlan


class PlanSprintResponse(PlanSprintResult, WithMetadata):
    """plan-sprint's 200 body."""


class EvaluateRisksRequest(RequestModel):
    """A risk-evaluation prompt with recent changes and the risks already known."""

    prompt: str = Field(min_length=1)
    changes: Any = None
    existingRisks: Any = None
    context: Any = None


class ChangeImpactSummary(ResultModel):
    overall_risk_level: Level
    confidence: Score = 50
    summary: str


class NewRisk(ResultModel):
    title: str
    description: str
    severity: Level = "medium"
    likelihood: Level = "medium"
    affected_workstreams: list[str] = Field(default_factory=list)
    mitigation_strategy: str = ""


class Escalation(ResultModel):
    risk_id: str
    previous_severity: str
    new_severity: str
    reason: str = ""
    recommended_action: str = ""


class RiskRecommendation(ResultModel):
    priority: Annotated[
        Literal["immediate", "short_term", "long_term"],
        closest("immediate", "short_term", "long_term", default="short_term"),
    ]
    action: str
    expected_outcome: str = ""
    effort: str = "medium"


class RiskAssessment(ResultModel):
    change_impact_summary: ChangeImpactSummary
    new_risks: list[NewRisk] | None = None
    escalations: list[Escalation] | None = None
    cascade_impacts: list[Any] | None = None
    recommendations: list[RiskRecommendation] | None = None


class EvaluateRisksResult(ResultModel):
    """What the provider produces for evaluate-risks."""

    risk_assessment: RiskAssessment


class EvaluateRisksResponse(EvaluateRisksResult, WithMetadata):
    """evaluate-risks' 200 body."""


class EvaluateGateRequest(RequestModel):
    """A gate-evaluation prompt with the gate's criteria and the project's status."""

    prompt: str = Field(min_length=1)
    gateDefinition: Any = None
    projectStatus: Any = None
    context: Any = None


class CriterionStatus(ResultModel):
    criterion: str
    status: Annotated[
        Literal["passed", "failed", "partial", "not_evaluated"],
        closest("passed", "failed", "partial", "not_evaluated", default="not_evaluated"),
    ]
    score: Score = 0
    evidence: str = ""
    notes: str | None = None


class Blocker(ResultModel):
    blocker: str
    severity: Level = "high"
    resolution_path: str = ""
    estimated_effort: str = ""


class HealthAssessment(ResultModel):
    schedule_health: str = "unknown"
    quality_health: str = "unknown"
    team_health: str = "unknown"
    budget_health: str = "unknown"
    summary: str = ""


class GateRecommendation(ResultModel):
    recommendation: str
    priority: Level = "medium"
    category: Annotated[
        Literal["process", "technical", "team", "scope"],
        closest("process", "technical", "team", "scope", default="process"),
    ] = "process"


class NextStep(ResultModel):
    action: str
    owner: str | None = None
    deadline: str | None = None
    dependency: str | None = None


class GateEvaluation(ResultModel):
    overall_readiness_percent: Score
    gate_criteria_status: list[CriterionStatus] = Field(default_factory=list)
    critical_blockers: list[Blocker] = Field(default_factory=list)
    health_assessment: HealthAssessment = Field(default_factory=HealthAssessment)
    recommendations: list[GateRecommendation] = Field(default_factory=list)
    next_steps: list[NextStep] = Field(default_factory=list)


class EvaluateGateResult(ResultModel):
    """What the provider produces for evaluate-gate."""

    gate_evaluation: GateEvaluation


class EvaluateGateResponse(EvaluateGateResult, WithMetadata):
    """evaluate-gate's 200 body."""


class HealthMetrics(RequestModel):
    """Raw signals of a workstream or program; every field is optional."""

    taskCounts: dict[str, int] = Field(default_factory=dict)
    plannedPoints: float | None = Field(default=None, ge=0)
    completedPoints: float | None = Field(default=None, ge=0)
    openTaskAgesDays: list[float] = Field(default_factory=list)
    openRisks: dict[str, int] = Field(default_factory=dict)
    gateResults: list[Any] = Field(default_factory=list)
    dependencies: int | None = Field(default=None, ge=0)
    blockedDependencies: int | None = Field(default=None, ge=0)


class ScoreHealthRequest(RequestModel):
    """The workstream or program to score and its raw health signals."""

    name: str = Field(min_length=1)
    metrics: HealthMetrics
    context: Any = None


class HealthFactors(ResultModel):
    velocityScore: Score = 50
    taskAgingScore: Score = 50
    riskScore: Score = 50
    gatePassRate: Score = 50
    dependencyScore: Score = 50


class ScoreHealthResult(ResultModel):
    """What the provider produces for score-health."""

    health: Annotated[
        Literal["on_track", "at_risk", "blocked"],
        closest("on_track", "at_risk", "blocked", default="at_risk"),
    ]
    healthScore: Score
    factors: HealthFactors = Field(default_factory=HealthFactors)
    reasoning: str = ""


class ScoreHealthResponse(ScoreHealthResult, WithMetadata):
    """score-health's 200 body."""


class DependencyItem(RequestModel):
    id: str = Field(min_length=1)
    title: str
    description: str | None = None
    workstreamId: str | None = None


class DetectDependenciesRequest(RequestModel):
    """Requirements (or tasks) between which to find dependencies, and their workstreams."""

    requirements: list[DependencyItem] = Field(min_length=1)
    workstreams: list[dict[str, Any]] = Field(default_factory=list)


class DetectedDependency(ResultModel):
    sourceId: str
    targetId: str
    sourceTitle: str = ""
    targetTitle: str = ""
    dependencyType: Annotated[
        Literal["blocks", "data", "related"],
        closest("blocks", "data", "related", default="related"),
    ]
    confidence: Annotated[float, clamp(0, 1)] = 0.5
    reason: str = ""


class WorkstreamDependency(ResultModel):
    sourceWorkstreamId: str
    targetWorkstreamId: str
    reason: str = ""
    confidence: Annotated[float, clamp(0, 1)] = 0.5


class DetectDependenciesResult(ResultModel):
    """What the provider produces for detect-dependencies (source depends on target)."""

    dependencies: list[DetectedDependency] = Field(default_factory=list)
    workstreamDependencies: list[WorkstreamDependency] = Field(default_factory=list)
    summary: str = ""


class DetectDependenciesResponse(DetectDependenciesResult, WithMetadata):
    """detect-dependencies' 200 body."""


class DigestEvent(RequestModel):
    type: str
    title: str
    description: str | None = None
    timestamp: str | None = None
    severity: str | None = None


class DailyDigestRequest(RequestModel):
    """A program's events since the last digest."""

    programName: str = Field(min_length=1)
    events: list[DigestEvent] = Field(default_factory=list)
    since: str | None = None


class DailyDigestResult(ResultModel):
    """What the provider produces for daily-digest."""

    headline: str
    summary: str
    highlights: list[str] = Field(default_factory=list)
    blockers: list[str] = Field(default_factory=list)
    upcoming: list[str] = Field(default_factory=list)


class DailyDigestResponse(DailyDigestResult, WithMetadata):
    """daily-digest's 200 body."""


class BranchStrategyRequest(RequestModel):
    """The §7 branch-strategy context blocks, as structured fields."""

    program: Any = None
    sprint: Any = None
    workstreams: list[Any] = Field(default_factory=list)
    workstreamDependencies: list[Any] = Field(default_factory=list)
    sprintTasks: list[dict[str, Any]] = Field(min_length=1)
    taskDecompositions: list[Any] = Field(default_factory=list)
    teamAssignments: list[Any] = Field(default_factory=list)
    repositories: list[dict[str, Any]] = Field(default_factory=list)
    repositoryFileTrees: list[Any] = Field(default_factory=list)
    overlappingSprints: list[Any] = Field(default_factory=list)


class PlannedBranch(ResultModel):
    name: str
    baseBranch: str = "main"
    taskIds: list[str] = Field(default_factory=list)
    repositoryId: str | None = None


class ConflictRisk(ResultModel):
    description: str
    taskIds: list[str] = Field(default_factory=list)
    severity: Level = "medium"


class BranchStrategyResult(ResultModel):
    """What the provider produces for branch-strategy."""

    strategy: Annotated[
        Literal["per_task", "per_workstream", "per_sprint", "trunk"],
        closest("per_task", "per_workstream", "per_sprint", "trunk", default="per_task"),
    ]
    rationale: str
    branches: list[PlannedBranch] = Field(default_factory=list)
    mergeOrder: list[str] = Field(default_factory=list)
    conflictRisks: list[ConflictRisk] = Field(default_factory=list)


class BranchStrategyResponse(BranchStrategyResult, WithMetadata):
    """branch-strategy's 200 body."""
