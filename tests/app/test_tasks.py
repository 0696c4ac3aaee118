"""Tasks: fields and references, the status machine, the board, moves, counters, saved views."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from foundry.engine.errors import ArgumentError, AuthRequired, ForbiddenError, NotFoundError
from foundry.engine.query import Query
from foundry.engine.transaction import Transaction
from tests.app.harness import Actor, Harness


@dataclass
class World:
    """One organisation with a program (and a second one), and people in several roles."""

    app: Harness
    alice: Actor  # org admin
    bob: Actor  # member, developer on the program's team
    carl: Actor  # client
    mallory: Actor  # admin of another organisation
    org: str
    program: str
    other_program: str
    workstream: str
    requirement: str

    async def workstream_in(self, program: str, code: str) -> str:
        ws: str = await self.alice.mutation(
            "workstreams:create", programId=program, name=f"WS {code}", shortCode=code
        )
        return ws

    async def requirement_in(self, program: str, title: str, **extra: Any) -> str:
        req: str = await self.alice.mutation(
            "requirements:create",
            programId=program,
            title=title,
            priority="must_have",
            fitGap="custom_dev",
            **extra,
        )
        return req

    async def task(self, title: str = "Task", **fields: Any) -> str:
        task_id: str = await self.alice.mutation(
            "tasks:create", programId=self.program, title=title, **fields
        )
        return task_id

    async def counts(self, prefix: str = "tasks.") -> dict[str, Any]:
        """The program's non-zero counters under `prefix`, read straight from the database."""
        program_id = self.program

        def read(tx: Transaction) -> dict[str, Any]:
            row = (
                Query(tx, "programStats")
                .with_index(
                    "by_program", lambda q: q.eq("orgId", self.org).eq("programId", program_id)
                )
                .unique()
            )
            found = {} if row is None else row["counts"]
            return {k: n for k, n in found.items() if k.startswith(prefix) and n}

        counts: dict[str, Any] = await self.app.deployment.read(read)
        return counts

    async def audit_actions(self, entity_id: str) -> list[str]:
        trail = await self.alice.query(
            "audit:list_for_entity",
            orgId=self.org,
            entityType=await self._entity_type(entity_id),
            entityId=entity_id,
            numItems=50,
        )
        return [row["action"] for row in reversed(trail["page"])]

    async def _entity_type(self, entity_id: str) -> str:
        trail = await self.alice.query(
            "audit:list_for_program", programId=self.program, numItems=200
        )
        return str(next(r["entityType"] for r in trail["page"] if r["entityId"] == entity_id))


async def make_world(app: Harness) -> World:
    """The organisation every delivery test starts from."""
    alice, bob, carl = await app.user("alice"), await app.user("bob"), await app.user("carl")
    mallory = await app.user("mallory")
    org = await app.org(
        "Acme", {"alice": (alice, "admin"), "bob": (bob, "member"), "carl": (carl, "client")}
    )
    await app.org("Evil", {"mallory": (mallory, "admin")})
    program = await alice.mutation("programs:create", orgId=org, name="Main", clientName="Acme")
    other = await alice.mutation("programs:create", orgId=org, name="Other", clientName="Acme")
    await alice.mutation("team:add", programId=program, userId=bob.user_id, role="developer")
    world = World(app, alice, bob, carl, mallory, org, program, other, "", "")
    world.workstream = await world.workstream_in(program, "WEB")
    world.requirement = await world.requirement_in(program, "Checkout", status="approved")
    return world


async def test_create_update_get_and_audit(app: Harness) -> None:
    w = await make_world(app)
    task_id = await w.task(
        "Build checkout",
        description="One page",
        acceptanceCriteria=["Pays", "Shows receipt"],
        storyPoints=5,
        assigneeId=w.bob.user_id,
        priority="high",
        workstreamId=w.workstream,
        requirementId=w.requirement,
        dueDate=1_900_000_000_000,
    )
    task = await w.bob.query("tasks:get", taskId=task_id)
    assert task["status"] == "backlog" and task["priority"] == "high"
    assert task["acceptanceCriteria"] == ["Pays", "Shows receipt"]
    assert task["blockers"] == [] and task["isBlocked"] is False
    await w.bob.mutation(
        "tasks:update", taskId=task_id, title="Build checkout v2", clear=["assigneeId"]
    )
    task = await w.bob.query("tasks:get", taskId=task_id)
    assert task["title"] == "Build checkout v2" and "assigneeId" not in task
    assert await w.audit_actions(task_id) == ["create", "update"]
    with pytest.raises(ArgumentError, match="both set and cleared"):
        await w.bob.mutation("tasks:update", taskId=task_id, storyPoints=3, clear=["storyPoints"])


async def test_bad_input_names_the_field_and_writes_nothing(app: Harness) -> None:
    w = await make_world(app)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("title", {"title": "  "}),
        ("title", {"title": "x" * 301}),
        ("description", {"description": "x" * 20_001}),
        ("acceptanceCriteria[1]", {"acceptanceCriteria": ["ok", ""]}),
        ("storyPoints", {"storyPoints": -1}),
        ("assigneeId", {"assigneeId": w.mallory.user_id}),
    ]
    for field, fields in cases:
        with pytest.raises(ArgumentError) as info:
            await w.alice.mutation("tasks:create", programId=w.program, **{"title": "T", **fields})
        assert info.value.data["path"] == field
    page = await w.alice.query("task_views:list", programId=w.program, numItems=10)
    assert page["page"] == [] and await w.counts() == {}


async def test_references_must_stay_in_the_program(app: Harness) -> None:
    w = await make_world(app)
    foreign_ws = await w.workstream_in(w.other_program, "API")
    foreign_req = await w.requirement_in(w.other_program, "Elsewhere")
    foreign_sprint = await w.alice.mutation(
        "sprints:create", programId=w.other_program, workstreamId=foreign_ws
    )
    foreign_task = await w.alice.mutation("tasks:create", programId=w.other_program, title="X")
    for field, value in [
        ("workstreamId", foreign_ws),
        ("requirementId", foreign_req),
        ("sprintId", foreign_sprint),
        ("blockedBy", [foreign_task]),
    ]:
        with pytest.raises(ArgumentError) as info:
            await w.task("Leaky", **{field: value})
        assert info.value.data["path"] == field, field
    # A sprint of another workstream of the same program does not fit either.
    other_ws = await w.workstream_in(w.program, "OPS")
    sprint = await w.alice.mutation("sprints:create", programId=w.program, workstreamId=other_ws)
    with pytest.raises(ArgumentError, match="another workstream"):
        await w.task("Mismatch", workstreamId=w.workstream, sprintId=sprint)
    assert await w.counts("tasks.") == {}
    assert await w.counts("sprints.") == {"sprints.planning": 1}


async def test_blocked_by_refuses_self_and_cycles(app: Harness) -> None:
    w = await make_world(app)
    a = await w.task("A")
    b = await w.task("B", blockedBy=[a])
    c = await w.task("C", blockedBy=[b])
    with pytest.raises(ArgumentError, match="cycle"):
        await w.alice.mutation("tasks:update", taskId=a, blockedBy=[c])
    with pytest.raises(ArgumentError, match="itself"):
        await w.alice.mutation("tasks:update", taskId=a, blockedBy=[a])
    with pytest.raises(ArgumentError, match="twice"):
        await w.alice.mutation("tasks:update", taskId=c, blockedBy=[a, a])
    assert "blockedBy" not in await w.alice.query("tasks:get", taskId=a)
    detail = await w.alice.query("tasks:get", taskId=c)
    assert detail["blockers"] == [{"_id": b, "title": "B", "status": "backlog"}]
    assert detail["isBlocked"] is True
    # A deleted blocker stops blocking.
    await w.alice.mutation("tasks:remove", taskId=b)
    assert (await w.alice.query("tasks:get", taskId=c))["isBlocked"] is False


async def test_status_moves_follow_one_list_and_counters_follow(app: Harness) -> None:
    w = await make_world(app)
    t1, t2, t3 = await w.task("1"), await w.task("2"), await w.task("3")
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("tasks:set_status", taskId=t1, status="done")
    assert "expected one of ['todo'] from 'backlog', got 'done'" in info.value.message
    for status in ("todo", "in_progress", "review", "done"):
        await w.alice.mutation("tasks:set_status", taskId=t1, status=status)
    await w.alice.mutation("tasks:set_status", taskId=t1, status="in_progress")  # reopen
    await w.alice.mutation("tasks:move", taskId=t2, status="todo")
    await w.alice.mutation("tasks:move", taskId=t2, status="backlog")  # back one step
    with pytest.raises(ArgumentError, match="got 'review'"):
        await w.alice.mutation("tasks:move", taskId=t2, status="review")
    await w.alice.mutation("tasks:move", taskId=t3, status="todo")
    await w.alice.mutation("tasks:remove", taskId=t2)
    assert await w.counts() == {
        "tasks.in_progress": 1,
        "tasks.todo": 1,
    }
    assert await w.audit_actions(t1) == ["create"] + ["status_change"] * 5


async def test_moves_order_cards_and_concurrent_drops_reconcile(app: Harness) -> None:
    w = await make_world(app)
    a, b, c = await w.task("A"), await w.task("B"), await w.task("C")

    async def column(status: str = "backlog") -> list[str]:
        board = await w.alice.query("task_views:board", programId=w.program)
        col = next(col for col in board["columns"] if col["status"] == status)
        return [t["title"] for t in col["tasks"]]

    assert await column() == ["A", "B", "C"]
    await w.alice.mutation("tasks:move", taskId=c, status="backlog", afterTaskId=a)
    assert await column() == ["A", "C", "B"]
    await w.alice.mutation("tasks:move", taskId=b, status="backlog", beforeTaskId=a)
    assert await column() == ["B", "A", "C"]
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation("tasks:move", taskId=a, status="todo", afterTaskId=c)
    assert info.value.data["path"] == "afterTaskId"
    # Two people drop two cards into the same gap at the same moment: both land, in some order.
    d, e = await w.task("D"), await w.task("E")
    ranks = await asyncio.gather(
        w.alice.mutation("tasks:move", taskId=d, status="backlog", afterTaskId=b),
        w.bob.mutation("tasks:move", taskId=e, status="backlog", afterTaskId=b),
    )
    assert ranks[0] != ranks[1]
    order = await column()
    assert order[:2] == ["B", order[1]] and set(order[1:3]) == {"D", "E"}
    assert order[3:] == ["A", "C"]
    # Concurrent cross-column moves keep the counters exact.
    await asyncio.gather(
        *(w.alice.mutation("tasks:set_status", taskId=t, status="todo") for t in (a, c, d))
    )
    board = await w.alice.query("task_views:board", programId=w.program, perColumn=2)
    todo = board["columns"][1]
    assert todo["status"] == "todo" and todo["count"] == 3 and todo["hasMore"] is True
    assert len(todo["tasks"]) == 2


async def test_lists_filter_and_page(app: Harness) -> None:
    w = await make_world(app)
    sprint = await w.alice.mutation(
        "sprints:create", programId=w.program, workstreamId=w.workstream
    )
    mine = await w.task(
        "Mine", assigneeId=w.bob.user_id, priority="critical", workstreamId=w.workstream
    )
    in_sprint = await w.task("Sprint", workstreamId=w.workstream, sprintId=sprint)
    linked = await w.task("Linked", requirementId=w.requirement)
    for i in range(3):
        await w.task(f"Filler {i}")

    async def ids(**filters: Any) -> list[str]:
        page = await w.alice.query("task_views:list", programId=w.program, numItems=50, **filters)
        return [t["_id"] for t in page["page"]]

    assert await ids(assigneeId=w.bob.user_id) == [mine]
    assert await ids(sprintId=sprint) == [in_sprint]
    assert await ids(requirementId=w.requirement) == [linked]
    assert set(await ids(workstreamId=w.workstream)) == {mine, in_sprint}
    assert await ids(priority="critical") == [mine]
    assert await ids(workstreamId=w.workstream, status="todo") == []
    first = await w.alice.query("task_views:list", programId=w.program, numItems=4)
    rest = await w.alice.query(
        "task_views:list", programId=w.program, numItems=4, cursor=first["continueCursor"]
    )
    assert len(first["page"]) == 4 and len(rest["page"]) == 2 and rest["isDone"]
    bobs = await w.bob.query("task_views:mine", orgId=w.org, numItems=10)
    assert [t["_id"] for t in bobs["page"]] == [mine]
    sprint_board = await w.alice.query("task_views:board", programId=w.program, sprintId=sprint)
    assert [c["count"] for c in sprint_board["columns"]] == [1, 0, 0, 0, 0]
    ws_board = await w.alice.query(
        "task_views:board", programId=w.program, workstreamId=w.workstream
    )
    assert ws_board["columns"][0]["count"] == 2 and not ws_board["countCapped"]


async def test_create_from_requirements_is_all_or_nothing(app: Harness) -> None:
    w = await make_world(app)
    second = await w.requirement_in(
        w.program, "Search", status="approved", workstreamId=w.workstream
    )
    foreign = await w.requirement_in(w.other_program, "Elsewhere")
    with pytest.raises(ArgumentError) as info:
        await w.alice.mutation(
            "tasks:create_from_requirements",
            programId=w.program,
            requirementIds=[w.requirement, second, foreign],
        )
    assert info.value.data["path"] == "requirementIds[2]"
    assert (await w.alice.query("task_views:list", programId=w.program, numItems=10))["page"] == []
    created = await w.alice.mutation(
        "tasks:create_from_requirements",
        programId=w.program,
        requirementIds=[w.requirement, second],
    )
    tasks = [await w.alice.query("tasks:get", taskId=t) for t in created]
    assert [t["title"] for t in tasks] == ["Checkout", "Search"]
    assert [t["requirementId"] for t in tasks] == [w.requirement, second]
    assert tasks[1]["workstreamId"] == w.workstream and tasks[0]["priority"] == "high"
    assert (await w.counts())["tasks.backlog"] == 2
    with pytest.raises(ArgumentError, match="at most 200"):
        await w.alice.mutation(
            "tasks:create_from_requirements", programId=w.program, requirementIds=[second] * 201
        )


async def test_task_changes_keep_the_requirement_stage_current(app: Harness) -> None:
    w = await make_world(app)

    async def stage() -> Any:
        return (await w.alice.query("requirements:get", requirementId=w.requirement)).get(
            "pipelineStage"
        )

    task = await w.task("Impl", requirementId=w.requirement)
    assert await stage() == "task_generation"
    await w.alice.mutation("tasks:set_status", taskId=task, status="todo")
    await w.alice.mutation("tasks:set_status", taskId=task, status="in_progress")
    assert await stage() == "implementation"
    await w.alice.mutation("tasks:update", taskId=task, clear=["requirementId"])
    assert await stage() == "requirement"


async def test_strangers_and_clients(app: Harness) -> None:
    w = await make_world(app)
    task = await w.task("Secret")
    for call in (
        w.mallory.query("tasks:get", taskId=task),
        w.mallory.mutation("tasks:update", taskId=task, title="pwned"),
        w.mallory.mutation("tasks:move", taskId=task, status="todo"),
        w.mallory.query("task_views:board", programId=w.program),
        w.mallory.mutation("tasks:create", programId=w.program, title="x"),
    ):
        with pytest.raises(NotFoundError):
            await call
    with pytest.raises(AuthRequired):
        await w.app.anonymous().query("tasks:get", taskId=task)
    assert (await w.carl.query("tasks:get", taskId=task))["title"] == "Secret"
    for call in (
        w.carl.mutation("tasks:create", programId=w.program, title="x"),
        w.carl.mutation("tasks:set_status", taskId=task, status="todo"),
        w.carl.mutation("tasks:remove", taskId=task),
    ):
        with pytest.raises(ForbiddenError):
            await call


async def test_saved_views_are_personal(app: Harness) -> None:
    w = await make_world(app)
    view = await w.bob.mutation(
        "task_views:save",
        programId=w.program,
        name="My critical",
        filters={"assigneeId": w.bob.user_id, "priority": "critical"},
    )
    again = await w.bob.mutation(
        "task_views:save", programId=w.program, name="My critical", filters={}, layout="list"
    )
    assert again == view
    saved = await w.bob.query("task_views:list_saved", programId=w.program)
    assert [(s["name"], s["filters"], s["layout"]) for s in saved] == [("My critical", {}, "list")]
    assert await w.alice.query("task_views:list_saved", programId=w.program) == []
    with pytest.raises(NotFoundError):
        await w.alice.mutation("task_views:remove_saved", viewId=view)
    foreign_ws = await w.workstream_in(w.other_program, "API")
    with pytest.raises(ArgumentError) as info:
        await w.bob.mutation(
            "task_views:save", programId=w.program, name="x", filters={"workstreamId": foreign_ws}
        )
    assert info.value.data["path"] == "workstreamId"
    await w.bob.mutation("task_views:remove_saved", viewId=view)
    assert await w.bob.query("task_views:list_saved", programId=w.program) == []


async def test_get_names_references_and_edit_options_offer_choices(app: Harness) -> None:
    w = await make_world(app)
    other = await w.task("Other")
    task_id = await w.task(
        "Named",
        assigneeId=w.bob.user_id,
        workstreamId=w.workstream,
        requirementId=w.requirement,
        blockedBy=[other],
    )
    task = await w.bob.query("tasks:get", taskId=task_id)
    assert task["assigneeName"] and task["workstream"]["shortCode"] == "WEB"
    assert task["requirement"]["refId"] == "REQ-001" and "sprint" not in task
    options = await w.bob.query("task_views:edit_options", taskId=task_id)
    assert [t["_id"] for t in options["tasks"]] == [other]
    assert w.bob.user_id in [a["_id"] for a in options["assignees"]]
    assert [ws["_id"] for ws in options["workstreams"]] == [w.workstream]
    found = await w.bob.query("task_views:requirement_by_ref", programId=w.program, refId="req-001")
    assert found["_id"] == w.requirement
    missing = await w.bob.query("task_views:requirement_by_ref", programId=w.program, refId="X")
    assert missing is None
    with pytest.raises((ForbiddenError, NotFoundError)):
        await w.mallory.query("task_views:edit_options", taskId=task_id)
