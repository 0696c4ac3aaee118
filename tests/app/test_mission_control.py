"""Mission control: the program dashboard, built from counters and bounded reads."""

from __future__ import annotations

from typing import Any

import pytest

from foundry.engine.errors import AuthRequired, NotFoundError
from tests.app.harness import Harness
from tests.app.test_requirements import new_req
from tests.app.test_workstreams import setup_program


async def test_overview_reads_counters_and_recent_activity(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    ws1 = await alice.mutation("workstreams:create", programId=program, name="A", shortCode="WS1")
    ws2 = await alice.mutation("workstreams:create", programId=program, name="B", shortCode="WS2")
    await alice.mutation("workstreams:set_status", workstreamId=ws2, status="blocked")
    req = await new_req(alice, program, "r1", workstreamId=ws1, status="approved")
    await new_req(alice, program, "r2", priority="nice_to_have")
    await alice.mutation("tasks:create", programId=program, title="T", requirementId=req)
    await alice.mutation("sprints:create", programId=program, workstreamId=ws1, name="S1")
    for _ in range(3):  # blocked → on_track → at_risk → blocked
        await alice.mutation("workstreams:cycle_status", workstreamId=ws2)

    for severity in ("critical", "low"):
        await alice.mutation(
            "risks:create",
            programId=program,
            title=severity,
            severity=severity,
            probability="likely",
        )
    overview: dict[str, Any] = await alice.query("mission_control:overview", programId=program)
    kpis = overview["kpis"]
    assert kpis["requirements"]["total"] == 2
    assert kpis["requirements"]["byStatus"]["approved"] == 1
    assert kpis["requirements"]["byPriority"]["nice_to_have"] == 1
    assert kpis["tasks"]["byStatus"]["backlog"] == 1 and kpis["tasks"]["total"] == 1
    assert kpis["sprints"]["byStatus"]["planning"] == 1 and kpis["sprints"]["progress"] == 0
    assert kpis["risks"]["openBySeverity"] == {"critical": 1, "high": 0, "medium": 0, "low": 1}
    grid = {w["shortCode"]: w for w in overview["workstreams"]}
    assert [w["shortCode"] for w in overview["workstreams"]] == ["WS1", "WS2"]
    assert grid["WS1"]["requirements"] == {"total": 1, "approved": 1}
    assert grid["WS1"]["pipeline"]["counts"]["task_generation"] == 1
    assert overview["pipeline"]["total"] == 2
    assert overview["pipeline"]["progress"] == (0 + 20) / 2
    attention = overview["needsAttention"]
    assert [w["shortCode"] for w in attention["blockedWorkstreams"]] == ["WS2"]
    assert attention["criticalOpenRisks"] == 1
    assert [r["title"] for r in attention["criticalRisks"]] == ["critical"]
    assert attention["overdueTasks"] is None or attention["overdueTasks"] == []
    activity = overview["recentActivity"]
    assert len(activity) == 10 and activity[0]["entityType"] == "risk"
    assert activity[0]["timestamp"] >= activity[-1]["timestamp"]


async def test_strangers_and_anonymous_callers_see_nothing(app: Harness) -> None:
    _, _, program = await setup_program(app)
    mallory, _, _ = await setup_program(app, "Evil")
    with pytest.raises(NotFoundError):
        await mallory.query("mission_control:overview", programId=program)
    with pytest.raises(AuthRequired):
        await app.anonymous().query("mission_control:overview", programId=program)


async def checklist(actor: Any, program: str) -> dict[str, Any]:
    """The overview's "Get started" checklist."""
    overview = await actor.query("mission_control:overview", programId=program)
    return dict(overview["onboarding"])


async def test_onboarding_steps_tick_as_the_program_fills_up(app: Harness) -> None:
    alice, bob = await app.user("ob-alice"), await app.user("ob-bob")
    org = await app.org("Onb", {"alice": (alice, "admin"), "bob": (bob, "member")})
    program = await alice.mutation("programs:create", orgId=org, name="New", clientName="C")
    first = await checklist(alice, program)
    assert first == {"steps": dict.fromkeys(first["steps"], False), "done": 0, "total": 6}
    assert list(first["steps"]) == [
        "requirements",
        "workstreams",
        "team",
        "skills",
        "sprints",
        "risks",
    ]

    # The creator putting themselves on the team does not count as inviting the team.
    await alice.mutation("team:add", programId=program, userId=alice.user_id, role="director")
    assert (await checklist(alice, program))["steps"]["team"] is False

    ticked: list[str] = []

    async def expect_ticked(step: str) -> None:
        ticked.append(step)
        now = await checklist(alice, program)
        assert [s for s, done in now["steps"].items() if done] == sorted(
            ticked, key=list(now["steps"]).index
        )
        assert now["done"] == len(ticked)

    ws = await alice.mutation("workstreams:create", programId=program, name="A", shortCode="W1")
    await expect_ticked("workstreams")
    await new_req(alice, program, "r1")
    await expect_ticked("requirements")
    await alice.mutation("team:add", programId=program, userId=bob.user_id, role="developer")
    await expect_ticked("team")
    await alice.mutation("skills:fork_template", programId=program, templateKey="testing")
    await expect_ticked("skills")
    await alice.mutation("sprints:create", programId=program, workstreamId=ws, name="S1")
    await expect_ticked("sprints")
    await alice.mutation(
        "risks:create", programId=program, title="R", severity="low", probability="likely"
    )
    await expect_ticked("risks")
    assert (await checklist(alice, program))["done"] == 6


async def test_each_onboarding_step_flips_on_its_own(app: Harness) -> None:
    alice, _, program = await setup_program(app, "Flip")
    await alice.mutation("workstreams:create", programId=program, name="A", shortCode="W1")
    after_ws = await checklist(alice, program)
    assert after_ws["done"] == 1 and after_ws["steps"]["workstreams"] is True
    await alice.mutation(
        "risks:create", programId=program, title="R", severity="high", probability="likely"
    )
    after_risk = await checklist(alice, program)
    assert after_risk["done"] == 2 and after_risk["steps"]["risks"] is True
    assert after_risk["steps"]["requirements"] is False
