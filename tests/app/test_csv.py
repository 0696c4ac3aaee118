"""CSV export and import of requirements (dry run, all-or-nothing), and task export."""

from __future__ import annotations

import csv
import io

import pytest

from foundry.engine.errors import ArgumentError, ForbiddenError, NotFoundError
from tests.app.harness import Actor, Harness
from tests.app.test_requirements import new_req
from tests.app.test_workstreams import setup_program, trail

GOOD = """title,priority,fitGap,workstream,dependencies,batch,status
Quick order,must_have,custom_dev,WS1,REQ-001,Foundation,approved
"=cmd|' /C calc'!A0",nice_to_have,native,,,,
"""


async def total(actor: Actor, program: str) -> int:
    counts = await actor.query("requirements:counts", programId=program)
    return int(counts["total"])


async def test_dry_run_then_commit(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    await alice.mutation("workstreams:create", programId=program, name="C", shortCode="WS1")
    existing = await new_req(alice, program, "Existing")
    preview = await alice.query("csv_io:preview_requirements_import", programId=program, csv=GOOD)
    assert preview["valid"] and preview["rowCount"] == 2 and preview["errors"] == []
    assert preview["preview"][0]["dependencies"] == [existing]
    assert await total(alice, program) == 1  # the dry run wrote nothing
    result = await alice.mutation("csv_io:import_requirements", programId=program, csv=GOOD)
    assert result == {"created": 2, "refIds": ["REQ-002", "REQ-003"]}
    rows = await alice.query("requirements:list", programId=program, numItems=10)
    quick = rows["page"][1]
    assert quick["status"] == "approved" and quick["dependencies"] == [existing]
    assert quick["pipelineStage"] == "sprint_planning"
    creates = [r for r in await trail(alice, program) if r["entityType"] == "requirement"]
    assert len(creates) == 3
    counts = await alice.query("requirements:counts", programId=program)
    assert counts["byStatus"] == {
        "draft": 2,
        "approved": 1,
        "in_progress": 0,
        "complete": 0,
        "deferred": 0,
    }
    # Export: a formula cell is defused, and the file reads back as it was imported.
    exported = await alice.query("csv_io:export_requirements", programId=program)
    records = list(csv.DictReader(io.StringIO(exported["csv"])))
    assert exported["rowCount"] == 3 and records[1]["workstream"] == "WS1"
    assert records[1]["dependencies"] == "REQ-001" and records[2]["title"].startswith("'=")
    again = await alice.query(
        "csv_io:preview_requirements_import", programId=program, csv=exported["csv"]
    )
    assert again["valid"] and again["preview"][2]["title"] == "=cmd|' /C calc'!A0"
    only = await alice.query("csv_io:export_requirements", programId=program, status="approved")
    assert only["rowCount"] == 1


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        ("title,priority,fitGap,colour\nA,must_have,native,red\n", 1, "colour"),
        ("title,priority\nA,must_have\n", 1, "fitGap"),
        ("title,priority,fitGap\nA,must_have,native\nB,urgent,native\n", 3, "priority"),
        ("title,priority,fitGap\n" + "x" * 501 + ",must_have,native\n", 2, "title"),
        ("title,priority,fitGap,workstream\nA,must_have,native,NOPE\n", 2, "workstream"),
        ("title,priority,fitGap,dependencies\nA,must_have,native,REQ-404\n", 2, "dependencies"),
        ("title,priority,fitGap\nA,must_have\n", 2, None),
        ('title,priority,fitGap\n"A,must_have,native\n', 1, None),
        ("", 1, None),
    ],
)
async def test_malformed_files_write_nothing(
    app: Harness, text: str, row: int, column: str | None
) -> None:
    alice, _, program = await setup_program(app)
    preview = await alice.query("csv_io:preview_requirements_import", programId=program, csv=text)
    assert not preview["valid"]
    assert {"row": row, "column": column} == {k: preview["errors"][0][k] for k in ("row", "column")}
    with pytest.raises(ArgumentError) as info:
        await alice.mutation("csv_io:import_requirements", programId=program, csv=text)
    assert info.value.data["path"] == "csv" and info.value.data["errors"] == preview["errors"]
    assert await total(alice, program) == 0
    assert len(await trail(alice, program)) == 1  # only the program's creation
    # The reference counter was not advanced either.
    assert (await alice.query("requirements:get", requirementId=await new_req(alice, program)))[
        "refId"
    ] == "REQ-001"


async def test_every_row_error_is_reported(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    text = "title,priority,fitGap\n,must_have,native\nB,must_have,gap\n\nC,must_have,native\n"
    preview = await alice.query("csv_io:preview_requirements_import", programId=program, csv=text)
    assert [(e["row"], e["column"]) for e in preview["errors"]] == [(2, "title"), (3, "fitGap")]
    assert preview["errorCount"] == 2 and preview["rowCount"] == 1


async def test_large_import_fits_one_mutation(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    rows = "".join(f"Requirement {i},should_have,config\n" for i in range(2_000))
    result = await alice.mutation(
        "csv_io:import_requirements", programId=program, csv="title,priority,fitGap\n" + rows
    )
    assert result["created"] == 2_000 and result["refIds"][-1] == "REQ-2000"
    too_many = "title,priority,fitGap\n" + rows + "One more,must_have,native\n"
    with pytest.raises(ArgumentError, match="at most 2000"):
        await alice.mutation("csv_io:import_requirements", programId=program, csv=too_many)
    # 1,000 rows with 14 dependencies each would write more documents than one mutation may.
    deps = ";".join(f"REQ-{n:03d}" for n in range(1, 15))
    edges = "".join(f"R{i},should_have,config,{deps}\n" for i in range(1_000))
    preview = await alice.query(
        "csv_io:preview_requirements_import",
        programId=program,
        csv="title,priority,fitGap,dependencies\n" + edges,
    )
    assert "would write 16002 documents" in preview["errors"][0]["message"]


async def test_task_export(app: Harness) -> None:
    alice, _, program = await setup_program(app)
    req = await new_req(alice, program)
    await alice.mutation(
        "tasks:create", programId=program, title="Build", requirementId=req, dueDate=86_400_000
    )
    exported = await alice.query("csv_io:export_tasks", programId=program)
    records = list(csv.DictReader(io.StringIO(exported["csv"])))
    assert records[0]["requirement"] == "REQ-001" and records[0]["dueDate"] == "1970-01-02"


async def test_tenancy(app: Harness) -> None:
    _, org, program = await setup_program(app)
    carl = await app.user("carl")
    await app.deployment.transact(
        lambda tx: tx.insert(
            "memberships", {"orgId": org, "userId": carl.user_id, "role": "client"}
        ),
        "tests:membership",
    )
    assert (await carl.query("csv_io:export_requirements", programId=program))["rowCount"] == 0
    with pytest.raises(ForbiddenError):
        await carl.mutation("csv_io:import_requirements", programId=program, csv=GOOD)
    mallory, _, _ = await setup_program(app, "Evil")
    with pytest.raises(NotFoundError):
        await mallory.query("csv_io:export_requirements", programId=program)
