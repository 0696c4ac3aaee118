"""Discovery findings: review queue, bulk moves, import and revert round trips, tenancy."""

from __future__ import annotations

import base64
import importlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from foundry.app.schema import build_schema
from foundry.engine.deployment import Deployment
from foundry.engine.errors import AppError, ArgumentError, ForbiddenError, NotFoundError
from foundry.engine.files import LocalFileStore
from foundry.engine.storage.sqlite import SqliteStorage
from tests.app.conftest import app_registry
from tests.app.harness import Actor, Harness


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Harness]:
    """The product's backend with file storage, so documents can be uploaded."""
    deployment = Deployment(
        SqliteStorage(tmp_path / "app.sqlite"),
        build_schema(),
        app_registry(),
        files=LocalFileStore(tmp_path / "files"),
    )
    await deployment.start()
    try:
        yield Harness(deployment)
    finally:
        await deployment.stop()


PROPOSED = [
    {"type": "integration", "confidence": "high", "sourceExcerpt": "Orders flow to SAP nightly",
     "data": {"name": "SAP orders", "type": "File Transfer", "sourceSystem": "Store",
              "targetSystem": "SAP"}},
    {"type": "requirement", "confidence": "medium",
     "data": {"title": "Quick order by SKU", "priority": "Must Have", "fitGap": "custom dev"}},
    {"type": "risk", "confidence": "low", "data": {"title": "SAP upgrade", "severity": "High"}},
    {"type": "decision", "confidence": "high", "data": {"title": "Use SSO"}},
]  # fmt: skip


async def setup(app: Harness) -> tuple[Actor, Actor, Actor, str, list[str]]:
    alice, carl, mallory = (
        await app.user("alice"),
        await app.user("carl"),
        await app.user("mallory"),
    )
    org = await app.org("Acme", {"alice": (alice, "admin"), "carl": (carl, "client")})
    await app.org("Evil", {"mallory": (mallory, "admin")})
    program_id = await alice.mutation("programs:create", orgId=org, name="P", clientName="Acme")
    doc_id = await alice.action(
        "documents:upload", programId=program_id, fileName="notes.txt", contentType="text/plain",
        dataBase64=base64.b64encode(b"meeting notes").decode(),
    )  # fmt: skip
    ids = await internal(
        app, "findings:record", programId=program_id, documentId=doc_id, findings=PROPOSED
    )
    return alice, carl, mallory, program_id, ids


async def internal(app: Harness, path: str, **args: Any) -> Any:
    outcome, _ = await app.deployment.run_mutation(path, args, None, public=False)
    if outcome.error is not None:
        raise outcome.error
    return outcome.value


async def statuses(actor: Actor, ids: list[str]) -> list[str]:
    return [(await actor.query("findings:get", findingId=f))["status"] for f in ids]


async def test_integration_import_and_revert_round_trip(app: Harness) -> None:
    alice, _, _, program_id, ids = await setup(app)
    finding = ids[0]
    with pytest.raises(ArgumentError, match="expected one of"):
        await alice.mutation("findings:import_finding", findingId=finding)  # still pending
    await alice.mutation("findings:approve", findingId=finding)
    imported = await alice.mutation("findings:import_finding", findingId=finding)
    assert imported["table"] == "integrations"
    row = await alice.query("integrations:get", integrationId=imported["id"])
    assert (row["name"], row["type"], row["sourceSystem"], row["targetSystem"]) == (
        "SAP orders", "file_transfer", "Store", "SAP",
    )  # fmt: skip
    doc = await alice.query("findings:get", findingId=finding)
    assert doc["status"] == "imported" and doc["importedAs"]["id"] == imported["id"]
    with pytest.raises(ArgumentError, match="only by reverting"):
        await alice.mutation("findings:reject", findingId=finding)

    await alice.mutation("findings:revert_import", findingId=finding)
    with pytest.raises(NotFoundError):
        await alice.query("integrations:get", integrationId=imported["id"])
    doc = await alice.query("findings:get", findingId=finding)
    assert doc["status"] == "approved" and "importedAs" not in doc
    with pytest.raises(ArgumentError, match="only an imported finding"):
        await alice.mutation("findings:revert_import", findingId=finding)

    # Import again, then change the created row: reverting would lose that change.
    again = await alice.mutation("findings:import_finding", findingId=finding)
    await alice.mutation("integrations:update", integrationId=again["id"], notes="edited")
    with pytest.raises(ArgumentError, match="was changed since"):
        await alice.mutation("findings:revert_import", findingId=finding)
    assert (await alice.query("findings:get", findingId=finding))["status"] == "imported"
    assert (await alice.query("integrations:get", integrationId=again["id"]))["notes"] == "edited"
    assert await alice.query("findings:counts", programId=program_id) == {
        "pending": 3, "approved": 0, "rejected": 0, "edited": 0, "imported": 1,
    }  # fmt: skip
    trail = await alice.query("audit:list_for_program", programId=program_id, numItems=50)
    finding_rows = [r["description"] for r in trail["page"] if r["entityId"] == finding]
    assert sorted(finding_rows) == [
        "Finding integration: approved → imported",
        "Finding integration: approved → imported",
        "Finding integration: imported → approved",
        "Finding integration: pending → approved",
    ]


async def test_requirement_and_risk_imports_use_their_modules(app: Harness) -> None:
    alice, _, _, _, ids = await setup(app)
    await alice.mutation("findings:approve_many", findingIds=ids[1:])
    for finding, module, helper in (
        (ids[1], "foundry.app.requirements", "do_create_requirement"),
        (ids[2], "foundry.app.risks", "do_create_risk"),
    ):
        if hasattr(importlib.import_module(module), helper):
            imported = await alice.mutation("findings:import_finding", findingId=finding)
            assert imported["table"] in ("requirements", "risks")
            await alice.mutation("findings:revert_import", findingId=finding)
        else:
            with pytest.raises(AppError) as info:
                await alice.mutation("findings:import_finding", findingId=finding)
            assert info.value.code == "NotAvailable"
        assert (await alice.query("findings:get", findingId=finding))["status"] == "approved"
    with pytest.raises(ArgumentError, match="decision findings cannot be imported"):
        await alice.mutation("findings:import_finding", findingId=ids[3])
    assert (await alice.query("findings:get", findingId=ids[3]))["status"] == "approved"


async def test_queue_edit_and_bulk_moves_are_all_or_nothing(app: Harness) -> None:
    alice, _, _, program_id, ids = await setup(app)
    queue = await alice.query("findings:queue", programId=program_id, numItems=2)
    assert [f["_id"] for f in queue["page"]] == ids[:2] and not queue["isDone"]
    risks = await alice.query("findings:queue", programId=program_id, type="risk", numItems=5)
    assert [f["_id"] for f in risks["page"]] == [ids[2]]

    await alice.mutation(
        "findings:edit", findingId=ids[0],
        editedData={"name": "SAP orders v2", "type": "api", "sourceSystem": "Store"},
    )  # fmt: skip
    imported = await alice.mutation("findings:import_finding", findingId=ids[0])
    row = await alice.query("integrations:get", integrationId=imported["id"])
    assert (row["name"], row["type"], row["targetSystem"]) == ("SAP orders v2", "api", "Unknown")

    # One finding in the batch cannot move (imported): nothing in the batch changes.
    with pytest.raises(ArgumentError) as info:
        await alice.mutation("findings:reject_many", findingIds=ids)
    assert info.value.data["findingId"] == ids[0]
    assert await statuses(alice, ids) == ["imported", "pending", "pending", "pending"]
    assert await alice.mutation("findings:reject_many", findingIds=ids[1:]) == 3
    assert await statuses(alice, ids) == ["imported", "rejected", "rejected", "rejected"]
    for bad in ([], [ids[1], ids[1]]):
        with pytest.raises(ArgumentError):
            await alice.mutation("findings:approve_many", findingIds=bad)
    with pytest.raises(ArgumentError):
        await alice.mutation("findings:approve_many", findingIds=[ids[1]] * 201)
    with pytest.raises(ArgumentError) as info:
        await alice.mutation("findings:edit", findingId=ids[1], editedData=["not", "an", "object"])
    assert info.value.data["path"] == "edits[0].editedData"
    assert await statuses(alice, ids) == ["imported", "rejected", "rejected", "rejected"]
    feed = await alice.query("activity:feed", programId=program_id, numItems=10)
    assert "Alice rejected 3 findings" in [e["message"] for e in feed["page"]]


async def test_tenancy(app: Harness) -> None:
    alice, carl, mallory, program_id, ids = await setup(app)
    assert (await carl.query("findings:get", findingId=ids[0]))["type"] == "integration"
    with pytest.raises(ForbiddenError):
        await carl.mutation("findings:approve", findingId=ids[0])
    for call in (
        mallory.query("findings:get", findingId=ids[0]),
        mallory.query("findings:queue", programId=program_id, numItems=5),
        mallory.mutation("findings:approve_many", findingIds=ids[:2]),
        mallory.mutation("findings:import_finding", findingId=ids[0]),
    ):
        with pytest.raises(NotFoundError):
            await call
    assert await statuses(alice, ids) == ["pending"] * 4


async def test_members_propose_findings_and_edits_keep_a_title(app: Harness) -> None:
    alice, carl, mallory, program_id, ids = await setup(app)
    doc_id = (await alice.query("findings:get", findingId=ids[0]))["documentId"]
    proposed = [{"type": "requirement", "confidence": "high", "data": {"title": "Punch-out"}}]
    new = await alice.mutation("findings:propose", documentId=doc_id, findings=proposed)
    row = await alice.query("findings:get", findingId=new[0])
    assert (row["status"], row["data"]["title"], row["documentId"]) == (
        "pending",
        "Punch-out",
        doc_id,
    )
    assert (await alice.query("findings:counts", programId=program_id))["pending"] == 5
    with pytest.raises(ForbiddenError):
        await carl.mutation("findings:propose", documentId=doc_id, findings=proposed)
    with pytest.raises(NotFoundError):
        await mallory.mutation("findings:propose", documentId=doc_id, findings=proposed)
    with pytest.raises(ArgumentError) as info:
        await alice.mutation("findings:propose", documentId=doc_id, findings=[
            {"type": "risk", "confidence": "low", "data": ["not", "an", "object"]},
        ])  # fmt: skip
    assert info.value.data["path"] == "findings[0].data"

    with pytest.raises(ArgumentError) as info:
        await alice.mutation("findings:edit", findingId=new[0], editedData={"title": "  "})
    assert info.value.data["path"] == "data.title"
    with pytest.raises(ArgumentError) as info:
        await alice.mutation("findings:edit", findingId=ids[0], editedData={"name": "x" * 300})
    assert info.value.data["path"] == "data.name"
    assert await statuses(alice, [new[0], ids[0]]) == ["pending", "pending"]
    await alice.mutation("findings:edit", findingId=new[0], editedData={"title": "Punch-out v2"})
    assert (await alice.query("findings:get", findingId=new[0]))["status"] == "edited"
