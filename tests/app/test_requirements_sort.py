"""Requirements list: sort orders (each read through an index) and the delivery-phase filter."""

from __future__ import annotations

import pytest

from foundry.engine.errors import ArgumentError
from tests.app.harness import Harness
from tests.app.test_requirements import new_req, page
from tests.app.test_workstreams import setup_program


async def test_sorts_follow_moscow_status_flow_and_recent_changes(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    a = await new_req(alice, program, "A", priority="nice_to_have")
    b = await new_req(alice, program, "B", priority="must_have", status="approved")
    await new_req(alice, program, "C", priority="should_have", deliveryPhase="phase_2")
    assert await page(alice, program, sort="refId") == ["REQ-001", "REQ-002", "REQ-003"]
    assert await page(alice, program, sort="-refId") == ["REQ-003", "REQ-002", "REQ-001"]
    assert await page(alice, program, sort="priority") == ["REQ-002", "REQ-003", "REQ-001"]
    assert await page(alice, program, sort="status") == ["REQ-001", "REQ-003", "REQ-002"]
    await alice.mutation("requirements:update", requirementId=a, title="A2")
    assert (await page(alice, program, sort="updated"))[0] == "REQ-001"
    await alice.mutation("requirements:set_status", requirementId=b, status="in_progress")
    assert (await page(alice, program, sort="updated"))[0] == "REQ-002"
    assert await page(alice, program, deliveryPhase="phase_2") == ["REQ-003"]
    assert await page(alice, program, sort="priority", status="draft") == ["REQ-003", "REQ-001"]
    assert await page(alice, program, sort="status", priority="must_have") == ["REQ-002"]


async def test_a_sorted_list_pages_across_values(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    for priority in ("deferred", "must_have", "should_have", "must_have", "nice_to_have"):
        await new_req(alice, program, priority, priority=priority)
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        result = await alice.query(
            "requirements:list", programId=program, numItems=2, sort="priority", cursor=cursor
        )
        seen += [r["priority"] for r in result["page"]]
        if result["isDone"]:
            break
        cursor = result["continueCursor"]
    assert seen == ["must_have", "must_have", "should_have", "nice_to_have", "deferred"]
    with pytest.raises(ArgumentError):
        await alice.query(
            "requirements:list", programId=program, numItems=2, sort="status", cursor="x.y"
        )
