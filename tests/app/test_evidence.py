"""Evidence: files attached to requirements and tasks, signed downloads, delete, tenancy."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from foundry.app.schema import build_schema
from foundry.engine.deployment import Deployment
from foundry.engine.errors import ArgumentError, AuthRequired, ForbiddenError, NotFoundError
from foundry.engine.files import LocalFileStore, UrlSigner
from foundry.engine.storage.sqlite import SqliteStorage
from tests.app.conftest import app_registry
from tests.app.harness import Actor, Harness


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Harness]:
    """The product's backend with file storage on the local disk and signed URLs."""
    deployment = Deployment(
        SqliteStorage(tmp_path / "app.sqlite"),
        build_schema(),
        app_registry(),
        files=LocalFileStore(tmp_path / "files"),
        url_signer=UrlSigner(b"s" * 32),
    )
    await deployment.start()
    try:
        yield Harness(deployment)
    finally:
        await deployment.stop()


async def setup(app: Harness) -> tuple[Actor, Actor, Actor, str, str]:
    alice, carl, mallory = (
        await app.user("alice"),
        await app.user("carl"),
        await app.user("mallory"),
    )
    org = await app.org("Acme", {"alice": (alice, "admin"), "carl": (carl, "client")})
    await app.org("Evil", {"mallory": (mallory, "admin")})
    program_id = await alice.mutation("programs:create", orgId=org, name="P", clientName="Acme")
    req = await alice.mutation(
        "requirements:create", programId=program_id, title="Checkout", priority="must_have",
        fitGap="native",
    )  # fmt: skip
    return alice, carl, mallory, program_id, req


def file_args(**extra: Any) -> dict[str, Any]:
    data = base64.b64encode(b"\x89PNG screenshot").decode()
    return {"fileName": "proof.png", "contentType": "image/png", "dataBase64": data, **extra}


async def test_attach_list_download_and_delete(app: Harness) -> None:
    alice, carl, _, program_id, req = await setup(app)
    task = await alice.mutation("tasks:create", programId=program_id, title="Build checkout")
    first = await alice.action("evidence:upload", requirementId=req, **file_args())
    second = await alice.action("evidence:upload", requirementId=req, **file_args(fileName="b.png"))
    on_task = await alice.action("evidence:upload", taskId=task, **file_args())
    page = await carl.query("evidence:list", requirementId=req, numItems=10)
    assert {e["_id"] for e in page["page"]} == {first, second}
    times = [e["_creation_time"] for e in page["page"]]
    assert times == sorted(times, reverse=True)  # newest first
    row = next(e for e in page["page"] if e["_id"] == first)
    assert (row["entityType"], row["fileType"], row["fileSize"]) == ("requirement", "png", 15)
    tasks_page = await alice.query("evidence:list", taskId=task, numItems=10)
    assert [e["_id"] for e in tasks_page["page"]] == [on_task]

    url = await carl.action("evidence:download_url", evidenceId=first)
    assert url.startswith(f"/api/storage/{row['storageId']}?expires=")

    await alice.mutation("evidence:delete", evidenceId=first)
    page = await alice.query("evidence:list", requirementId=req, numItems=10)
    assert [e["_id"] for e in page["page"]] == [second]
    trail = await alice.query("audit:list_for_program", programId=program_id, numItems=30)
    assert sorted(r["action"] for r in trail["page"] if r["entityType"] == "evidence") == [
        "create", "create", "create", "delete",
    ]  # fmt: skip


async def test_bad_input_stores_and_writes_nothing(app: Harness) -> None:
    alice, _, _, program_id, req = await setup(app)
    task = await alice.mutation("tasks:create", programId=program_id, title="T")
    for args in ({}, {"requirementId": req, "taskId": task}):
        with pytest.raises(ArgumentError, match="exactly one"):
            await alice.action("evidence:upload", **args, **file_args())
    with pytest.raises(ArgumentError) as info:
        await alice.action("evidence:upload", requirementId=req, **file_args(dataBase64="@@"))
    assert info.value.data["path"] == "dataBase64"
    assert (await alice.query("evidence:list", requirementId=req, numItems=5))["page"] == []
    store = app.deployment.files
    assert isinstance(store, LocalFileStore)
    assert not store.root.exists() or not [p for p in store.root.rglob("*") if p.is_file()]


async def test_tenancy(app: Harness) -> None:
    alice, carl, mallory, _, req = await setup(app)
    evidence_id = await alice.action("evidence:upload", requirementId=req, **file_args())
    with pytest.raises(ForbiddenError):
        await carl.action("evidence:upload", requirementId=req, **file_args())
    with pytest.raises(ForbiddenError):
        await carl.mutation("evidence:delete", evidenceId=evidence_id)
    with pytest.raises(AuthRequired):
        await app.anonymous().action("evidence:download_url", evidenceId=evidence_id)
    for call in (
        mallory.action("evidence:upload", requirementId=req, **file_args()),
        mallory.action("evidence:download_url", evidenceId=evidence_id),
        mallory.query("evidence:list", requirementId=req, numItems=5),
        mallory.mutation("evidence:delete", evidenceId=evidence_id),
    ):
        with pytest.raises(NotFoundError):
            await call
    assert len((await alice.query("evidence:list", requirementId=req, numItems=5))["page"]) == 1


async def test_get_shows_one_piece_to_members_only(app: Harness) -> None:
    alice, carl, mallory, _, req = await setup(app)
    evidence_id = await alice.action("evidence:upload", requirementId=req, **file_args())
    row = await carl.query("evidence:get", evidenceId=evidence_id)
    assert (row["fileName"], row["entityId"], row["uploadedByName"]) == ("proof.png", req, "Alice")
    with pytest.raises(NotFoundError):
        await mallory.query("evidence:get", evidenceId=evidence_id)
    with pytest.raises(AuthRequired):
        await app.anonymous().query("evidence:get", evidenceId=evidence_id)
