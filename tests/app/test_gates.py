"""Sprint gates: criteria, approvals by the approver themself, finalize, and audited overrides."""

from __future__ import annotations

import base64

import pytest

from foundry.engine.errors import ArgumentError, ForbiddenError, NotFoundError
from tests.app.harness import Harness
from tests.app.test_evidence import app as files_app  # noqa: F401 - a fixture with file storage
from tests.app.test_tasks import World, make_world


async def _gate(w: World) -> str:
    gate: str = await w.alice.mutation(
        "gates:create",
        programId=w.program,
        workstreamId=w.workstream,
        name="Release 1",
        gateType="release",
        criteria=[{"title": "Tests green"}, {"title": "Docs", "description": "User guide"}],
    )
    return gate


async def test_criteria_approvals_evaluate_and_finalize(app: Harness) -> None:
    w = await make_world(app)
    gate = await _gate(w)
    await w.alice.mutation(
        "gates:set_criterion", gateId=gate, index=0, passed=True, evidence="CI #42"
    )
    assert (await w.alice.mutation("gates:evaluate", gateId=gate))["ready"] is False
    await w.alice.mutation("gates:set_criterion", gateId=gate, index=1, passed=True)
    await w.alice.mutation("gates:request_approval", gateId=gate, userId=w.bob.user_id, role="qa")
    # Only the approver records their own decision.
    with pytest.raises(ForbiddenError, match="their own"):
        await w.alice.mutation("gates:record_approval", gateId=gate, decision="approved")
    await w.bob.mutation("gates:record_approval", gateId=gate, decision="declined")
    detail = await w.carl.query("gates:get", gateId=gate)
    assert detail["evaluation"]["ready"] is False and detail["evaluation"]["declined"] == 1
    assert detail["criteria"][0]["evidence"] == "CI #42"
    await w.bob.mutation("gates:record_approval", gateId=gate, decision="approved")
    result = await w.alice.mutation("gates:evaluate", gateId=gate)
    assert result == {
        "ready": True,
        "criteriaPassed": 2,
        "criteriaTotal": 2,
        "approved": 1,
        "declined": 0,
        "pending": 0,
    }
    assert await w.alice.mutation("gates:finalize", gateId=gate) == "passed"
    with pytest.raises(ArgumentError, match="reopen it"):
        await w.alice.mutation("gates:set_criterion", gateId=gate, index=0, passed=False)
    await w.alice.mutation("gates:reopen", gateId=gate)
    await w.alice.mutation("gates:set_criterion", gateId=gate, index=0, passed=False)
    assert await w.alice.mutation("gates:finalize", gateId=gate) == "failed"
    assert await w.counts("sprintGates.") == {"sprintGates.failed": 1}


async def test_override_needs_the_role_and_a_reason(app: Harness) -> None:
    w = await make_world(app)
    gate = await _gate(w)
    with pytest.raises(ForbiddenError, match="directors"):
        await w.bob.mutation("gates:override", gateId=gate, reason="ship it")
    await w.alice.mutation("team:add", programId=w.program, userId=w.bob.user_id, role="director")
    with pytest.raises(ArgumentError) as info:
        await w.bob.mutation("gates:override", gateId=gate, reason="   ")
    assert info.value.data["path"] == "reason"
    assert (await w.alice.query("gates:get", gateId=gate))["status"] == "pending"
    await w.bob.mutation("gates:override", gateId=gate, reason="Client accepted the risk")
    detail = await w.alice.query("gates:get", gateId=gate)
    assert detail["status"] == "overridden" and detail["overriddenBy"] == w.bob.user_id
    trail = await w.alice.query(
        "audit:list_for_entity", orgId=w.org, entityType="gate", entityId=gate, numItems=10
    )
    latest = trail["page"][0]
    assert latest["action"] == "status_change"
    assert latest["changes"]["overrideReason"]["to"] == "Client accepted the risk"
    with pytest.raises(ArgumentError, match="expected one of \\['pending'\\]"):
        await w.alice.mutation("gates:override", gateId=gate, reason="again")


async def test_bad_input_and_references(app: Harness) -> None:
    w = await make_world(app)
    foreign_ws = await w.workstream_in(w.other_program, "API")
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation(
            "gates:create",
            programId=w.program,
            workstreamId=foreign_ws,
            name="G",
            gateType="release",
        )
    assert info.value.data["path"] == "workstreamId"
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation(
            "gates:create",
            programId=w.program,
            workstreamId=w.workstream,
            name="G",
            gateType="release",
            criteria=[{"title": ""}],
        )
    assert info.value.data["path"] == "criteria[0].title"
    assert await w.counts("sprintGates.") == {}
    gate = await _gate(w)
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("gates:set_criterion", gateId=gate, index=2, passed=True)
    assert info.value.data["path"] == "index"
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation(
            "gates:request_approval", gateId=gate, userId=w.mallory.user_id, role="qa"
        )
    assert info.value.data["path"] == "userId"
    await w.alice.mutation("gates:add_criterion", gateId=gate, title="Perf")
    await w.alice.mutation("gates:remove_criterion", gateId=gate, index=0)
    titles = [c["title"] for c in (await w.alice.query("gates:get", gateId=gate))["criteria"]]
    assert titles == ["Docs", "Perf"]
    page = await w.alice.query("gates:list", programId=w.program, gateType="release", numItems=5)
    assert [g["_id"] for g in page["page"]] == [gate]


async def test_strangers_and_clients(app: Harness) -> None:
    w = await make_world(app)
    gate = await _gate(w)
    with pytest.raises(NotFoundError):
        await w.mallory.query("gates:get", gateId=gate)
    with pytest.raises(NotFoundError):
        await w.mallory.mutation("gates:override", gateId=gate, reason="x")
    with pytest.raises(ForbiddenError):
        await w.carl.mutation("gates:set_criterion", gateId=gate, index=0, passed=True)
    with pytest.raises(ForbiddenError):
        await w.carl.mutation("gates:remove", gateId=gate)


async def test_evidence_files_listed_under_a_criterion(files_app: Harness) -> None:  # noqa: F811
    w = await make_world(files_app)
    gate = await _gate(w)
    other = await _gate(w)
    data = base64.b64encode(b"all green").decode()
    upload = {"fileName": "ci.txt", "contentType": "text/plain", "dataBase64": data}
    evidence = await w.alice.action("evidence:upload", gateId=gate, **upload)
    await w.alice.mutation("gates:attach_evidence", gateId=gate, index=1, evidenceId=evidence)
    await w.alice.mutation("gates:attach_evidence", gateId=gate, index=1, evidenceId=evidence)
    detail = await w.carl.query("gates:get", gateId=gate)
    assert detail["criteria"][0]["files"] == []
    [row] = detail["criteria"][1]["files"]
    assert row["fileName"] == "ci.txt" and row["fileSize"] == 9 and row["_id"] == evidence
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("gates:attach_evidence", gateId=other, index=0, evidenceId=evidence)
    assert info.value.data["path"] == "evidenceId"
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("gates:attach_evidence", gateId=gate, index=5, evidenceId=evidence)
    assert info.value.data["path"] == "index"
    with pytest.raises(ForbiddenError):
        await w.carl.mutation("gates:attach_evidence", gateId=gate, index=0, evidenceId=evidence)
    with pytest.raises(NotFoundError):
        await w.mallory.mutation("gates:attach_evidence", gateId=gate, index=0, evidenceId=evidence)
    trail = await w.alice.query(
        "audit:list_for_entity", orgId=w.org, entityType="gate", entityId=gate, numItems=10
    )
    assert trail["page"][0]["description"] == "Criterion Docs: attached ci.txt"
    # A removed file drops out of the list.
    await w.alice.mutation("evidence:delete", evidenceId=evidence)
    assert (await w.alice.query("gates:get", gateId=gate))["criteria"][1]["files"] == []
