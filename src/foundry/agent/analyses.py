"""The analysis routes: path, schemas, error codes, model tier, thinking budget, local function."""

from __future__ import annotations

from typing import Any

import anyio

from foundry.agent.codebase_source import sample_repository
from foundry.agent.providers.base import Tier
from foundry.agent.schemas import codebase as cb
from foundry.agent.schemas import discovery as dc
from foundry.agent.schemas import documents as doc
from foundry.agent.schemas import planning as pl
from foundry.agent.schemas import pullrequests as pr
from foundry.agent.schemas import requirements as rq
from foundry.agent.schemas import tasks as tk
from foundry.agent.schemas import team as tm
from foundry.agent.service import Analysis

_REQUIREMENT_TIERS: dict[str, tuple[Tier, int]] = {
    "fast": ("fast", 0),
    "standard": ("standard", 4000),
    "thorough": ("thorough", 8000),
}
_SUBTASK_TIERS: dict[str, tuple[Tier, int]] = {
    "fast": ("fast", 0),
    "standard": ("standard", 6000),
    "thorough": ("thorough", 8000),
}


def _requirement_tier(request: Any) -> tuple[Tier, int]:
    return _REQUIREMENT_TIERS[request.config.modelTier]


def _subtask_tier(request: Any) -> tuple[Tier, int]:
    return _SUBTASK_TIERS[request.config.modelTier]


def _codebase_kwargs(request: Any) -> dict[str, Any]:
    return {"path_or_url": request.repoUrl}


async def _codebase_files(request: Any) -> dict[str, Any]:
    files = await anyio.to_thread.run_sync(sample_repository, request.repoUrl, request.accessToken)
    return {"files": files}


ANALYSES: tuple[Analysis, ...] = (
    Analysis(
        "/continuous-discovery",
        dc.ContinuousDiscoveryRequest,
        dc.ContinuousDiscoveryResponse,
        dc.ContinuousDiscoveryResult,
        "discovery.continuous_discovery",
        "MISSING_PROMPT",
    ),
    Analysis(
        "/refine-requirement",
        rq.RefineRequirementRequest,
        rq.RefineRequirementResponse,
        rq.RefineRequirementResult,
        "requirements.refine_requirement",
        "MISSING_PROMPT",
    ),
    Analysis(
        "/summarize-discovery",
        dc.SummarizeDiscoveryRequest,
        dc.SummarizeDiscoveryResponse,
        dc.SummarizeDiscoveryResult,
        "discovery.summarize_discovery",
        "MISSING_REQUIREMENTS",
        invalid_code="INVALID_REQUIREMENTS",
    ),
    Analysis(
        "/decompose-task",
        tk.DecomposeTaskRequest,
        tk.DecomposeTaskResponse,
        tk.DecomposeTaskResult,
        "tasks.decompose_task",
        "MISSING_PROMPT",
        thinking_budget=8000,
        streams=True,
    ),
    Analysis(
        "/evaluate-risks",
        pl.EvaluateRisksRequest,
        pl.EvaluateRisksResponse,
        pl.EvaluateRisksResult,
        "risks.evaluate_risks",
        "MISSING_PROMPT",
        thinking_budget=6000,
    ),
    Analysis(
        "/evaluate-gate",
        pl.EvaluateGateRequest,
        pl.EvaluateGateResponse,
        pl.EvaluateGateResult,
        "gates.evaluate_gate",
        "MISSING_PROMPT",
        thinking_budget=7000,
    ),
    Analysis(
        "/plan-sprint",
        pl.PlanSprintRequest,
        pl.PlanSprintResponse,
        pl.PlanSprintResult,
        "planning.plan_sprint",
        "MISSING_PROMPT",
    ),
    Analysis(
        "/analyze-codebase",
        cb.AnalyzeCodebaseRequest,
        cb.AnalyzeCodebaseResponse,
        cb.AnalyzeCodebaseResult,
        "codebase.analyze_codebase",
        "MISSING_REPO_URL",
        invalid_code="INVALID_REPO_URL",
        thinking_budget=8000,
        local_kwargs=_codebase_kwargs,
        prepare=_codebase_files,
    ),
    Analysis(
        "/codebase-chat",
        cb.CodebaseChatRequest,
        cb.CodebaseChatResponse,
        cb.CodebaseChatResult,
        "codebase.codebase_chat",
        "MISSING_QUESTION",
    ),
    Analysis(
        "/analyze-requirement",
        rq.AnalyzeRequirementRequest,
        rq.AnalyzeRequirementResponse,
        rq.AnalyzeRequirementResult,
        "codebase.analyze_requirement",
        "MISSING_REQUIREMENT",
        settings=_requirement_tier,
    ),
    Analysis(
        "/analyze-task-subtasks",
        tk.AnalyzeTaskSubtasksRequest,
        tk.AnalyzeTaskSubtasksResponse,
        tk.AnalyzeTaskSubtasksResult,
        "tasks.analyze_task_subtasks",
        "MISSING_TASK",
        settings=_subtask_tier,
    ),
    Analysis(
        "/generate-team",
        tm.GenerateTeamRequest,
        tm.GenerateTeamResponse,
        tm.GenerateTeamResult,
        "team.generate_team",
        "MISSING_PROGRAM",
        thinking_budget=8000,
    ),
    Analysis(
        "/dispatch-agent",
        tm.DispatchAgentRequest,
        tm.DispatchAgentResponse,
        tm.DispatchAgentResult,
        "team.dispatch_agent",
        "MISSING_TASK",
        missing_codes={"agent": "MISSING_AGENT"},
        thinking_budget=6000,
    ),
    Analysis(
        "/plan-assignments",
        tm.PlanAssignmentsRequest,
        tm.PlanAssignmentsResponse,
        tm.PlanAssignmentsResult,
        "team.plan_assignments",
        "MISSING_TASKS",
        missing_codes={"agents": "MISSING_AGENTS"},
        thinking_budget=8000,
    ),
    Analysis(
        "/generate-subtasks",
        tk.GenerateSubtasksRequest,
        tk.GenerateSubtasksResponse,
        tk.GenerateSubtasksResult,
        "tasks.generate_subtasks",
        "MISSING_TASK",
        streams=True,
    ),
    Analysis(
        "/score-health",
        pl.ScoreHealthRequest,
        pl.ScoreHealthResponse,
        pl.ScoreHealthResult,
        "health.score_health",
        "MISSING_METRICS",
        missing_codes={"name": "MISSING_NAME"},
        tier="fast",
    ),
    Analysis(
        "/daily-digest",
        pl.DailyDigestRequest,
        pl.DailyDigestResponse,
        pl.DailyDigestResult,
        "digest.daily_digest",
        "MISSING_PROGRAM",
        tier="fast",
    ),
    Analysis(
        "/detect-dependencies",
        pl.DetectDependenciesRequest,
        pl.DetectDependenciesResponse,
        pl.DetectDependenciesResult,
        "dependencies.detect_dependencies",
        "MISSING_REQUIREMENTS",
    ),
    Analysis(
        "/execute-skill",
        tm.ExecuteSkillRequest,
        tm.ExecuteSkillResponse,
        tm.ExecuteSkillResult,
        "skills.execute_skill",
        "MISSING_SKILL",
        missing_codes={"task": "MISSING_TASK"},
    ),
    Analysis(
        "/review-pr",
        pr.ReviewPrRequest,
        pr.ReviewPrResponse,
        pr.ReviewPrResult,
        "pullrequests.review_pr",
        "MISSING_DIFF",
        missing_codes={"pullRequest": "MISSING_PULL_REQUEST"},
    ),
    Analysis(
        "/link-pr",
        pr.LinkPrRequest,
        pr.LinkPrResponse,
        pr.LinkPrResult,
        "pullrequests.link_pr",
        "MISSING_PR",
        missing_codes={"tasks": "MISSING_TASKS"},
        tier="fast",
    ),
    Analysis(
        "/branch-strategy",
        pl.BranchStrategyRequest,
        pl.BranchStrategyResponse,
        pl.BranchStrategyResult,
        "branches.branch_strategy",
        "MISSING_TASKS",
    ),
    Analysis(
        "/analyze-document",
        doc.AnalyzeDocumentRequest,
        doc.AnalyzeDocumentResponse,
        doc.AnalyzeDocumentResult,
        "documents.analyze_document",
        "MISSING_TEXT",
        tier="thorough",
        streams=True,
    ),
)
