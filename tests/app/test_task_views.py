"""Task views: the filtered board, the filter options and saved views."""

from __future__ import annotations

import pytest

from foundry.engine.errors import ArgumentError, NotFoundError
from tests.app.harness import Harness
from tests.app.test_tasks import make_world


async def test_the_board_applies_every_filter(app: Harness) -> None:
    w = await make_world(app)
    sprint = await w.alice.mutation(
        "sprints:create", programId=w.program, workstreamId=w.workstream
    )
    bobs = await w.task("Bob's", assigneeId=w.bob.user_id, priority="critical", status="todo")
    in_ws = await w.task("WS", workstreamId=w.workstream, priority="low")
    in_sprint = await w.task("Sprint", workstreamId=w.workstream, sprintId=sprint)
    await w.task("Other", priority="critical")

    async def cards(**filters: object) -> dict[str, list[str]]:
        board = await w.alice.query("task_views:board", programId=w.program, **filters)
        return {c["status"]: [t["_id"] for t in c["tasks"]] for c in board["columns"]}

    assert await cards(assigneeId=w.bob.user_id) == {
        "backlog": [], "todo": [bobs], "in_progress": [], "review": [], "done": [],
    }  # fmt: skip
    assert await cards(status="todo", priority="critical") == {"todo": [bobs]}
    assert (await cards(workstreamId=w.workstream, priority="low"))["backlog"] == [in_ws]
    assert (await cards(sprintId=sprint))["backlog"] == [in_sprint]
    assert (await cards(sprintId=sprint, priority="critical"))["backlog"] == []
    assert len((await cards())["backlog"]) == 3


async def test_filter_options_list_the_programs_choices(app: Harness) -> None:
    w = await make_world(app)
    sprint = await w.alice.mutation(
        "sprints:create", programId=w.program, workstreamId=w.workstream
    )
    options = await w.bob.query("task_views:filter_options", programId=w.program)
    assert [ws["_id"] for ws in options["workstreams"]] == [w.workstream]
    assert [s["_id"] for s in options["sprints"]] == [sprint]
    assert w.bob.user_id in {u["_id"] for u in options["assignees"]}
    with pytest.raises(NotFoundError):
        await w.mallory.query("task_views:filter_options", programId=w.program)


async def test_saved_views_round_trip_per_user(app: Harness) -> None:
    w = await make_world(app)
    filters = {"status": "todo", "workstreamId": w.workstream}
    view = await w.alice.mutation(
        "task_views:save", programId=w.program, name="Web todo", filters=filters, layout="list"
    )
    again = await w.alice.mutation(
        "task_views:save", programId=w.program, name="Web todo", filters={"priority": "high"}
    )
    assert again == view
    saved = await w.alice.query("task_views:list_saved", programId=w.program)
    assert [(s["name"], s["filters"]) for s in saved] == [("Web todo", {"priority": "high"})]
    assert await w.bob.query("task_views:list_saved", programId=w.program) == []
    with pytest.raises(NotFoundError):
        await w.bob.mutation("task_views:remove_saved", viewId=view)
    with pytest.raises(ArgumentError):
        await w.alice.mutation("task_views:save", programId=w.program, name="", filters={})
    await w.alice.mutation("task_views:remove_saved", viewId=view)
    assert await w.alice.query("task_views:list_saved", programId=w.program) == []
