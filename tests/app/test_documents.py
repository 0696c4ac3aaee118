"""Documents: uploads through file storage, listing, analysis status moves, delete, tenancy."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from foundry.app.documents import MAX_UPLOAD_BYTES
from foundry.app.schema import build_schema
from foundry.engine.deployment import Deployment
from foundry.engine.errors import ArgumentError, AuthRequired, ForbiddenError, NotFoundError
from foundry.engine.files import LocalFileStore, UrlSigner
from foundry.engine.storage.sqlite import SqliteStorage
from tests.app.conftest import app_registry
from tests.app.harness import Actor, Harness


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Harness]:
    """The product's backend with file storage on the local disk."""
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


def stored_files(app: Harness) -> list[Path]:
    store = app.deployment.files
    assert isinstance(store, LocalFileStore)
    if not store.root.exists():
        return []
    return [p for p in store.root.rglob("*") if p.is_file() and ".tmp" not in p.parts]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def setup(app: Harness) -> tuple[Actor, Actor, Actor, str]:
    alice, carl, mallory = (
        await app.user("alice"),
        await app.user("carl"),
        await app.user("mallory"),
    )
    org = await app.org("Acme", {"alice": (alice, "admin"), "carl": (carl, "client")})
    await app.org("Evil", {"mallory": (mallory, "admin")})
    program_id = await alice.mutation("programs:create", orgId=org, name="P", clientName="Acme")
    return alice, carl, mallory, program_id


def upload_args(program_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "programId": program_id,
        "fileName": "SOW v2.pdf",
        "contentType": "application/pdf",
        "dataBase64": b64(b"%PDF-1.7 statement of work"),
        "category": "requirements",
        **extra,
    }


async def internal(app: Harness, path: str, **args: Any) -> Any:
    outcome, _ = await app.deployment.run_mutation(path, args, None, public=False)
    if outcome.error is not None:
        raise outcome.error
    return outcome.value


async def test_upload_list_analysis_and_delete(app: Harness) -> None:
    alice, carl, _, program_id = await setup(app)
    doc_id = await alice.action("documents:upload", **upload_args(program_id, description="SOW"))
    doc = await carl.query("documents:get", documentId=doc_id)
    assert (doc["fileName"], doc["fileType"], doc["fileSize"]) == ("SOW v2.pdf", "pdf", 26)
    assert doc["analysisStatus"] == "none" and doc["uploadedBy"] == alice.user_id
    store = app.deployment.files
    assert store is not None
    assert await store.get(doc["storageId"]) == b"%PDF-1.7 statement of work"
    listed = await alice.query(
        "documents:list", programId=program_id, category="requirements", numItems=5
    )
    assert [d["_id"] for d in listed["page"]] == [doc_id]
    empty = await alice.query("documents:list", programId=program_id, category="other", numItems=5)
    assert empty["page"] == []

    await alice.mutation("documents:request_analysis", documentId=doc_id)
    with pytest.raises(ArgumentError, match="expected one of"):
        await alice.mutation("documents:request_analysis", documentId=doc_id)
    await internal(app, "documents:set_analysis_status", documentId=doc_id, status="analyzing")
    await internal(app, "documents:set_analysis_status", documentId=doc_id, status="complete")
    await alice.mutation("documents:request_analysis", documentId=doc_id)

    url = await alice.action("documents:download_url", documentId=doc_id)
    assert url.startswith(f"/api/storage/{doc['storageId']}?expires=") and "signature=" in url

    await alice.mutation("documents:delete", documentId=doc_id)
    with pytest.raises(NotFoundError):
        await alice.query("documents:get", documentId=doc_id)
    for _ in range(200):
        if not stored_files(app):
            break
        await asyncio.sleep(0.02)
    assert stored_files(app) == []
    trail = await alice.query("audit:list_for_program", programId=program_id, numItems=20)
    assert sorted(r["action"] for r in trail["page"] if r["entityType"] == "document") == [
        "create", "delete", "status_change", "status_change",
    ]  # fmt: skip


async def test_bad_uploads_store_and_write_nothing(app: Harness) -> None:
    alice, _, _, program_id = await setup(app)
    too_big = b64(b"x" * (MAX_UPLOAD_BYTES + 1))
    for bad, path in (
        ({"fileName": "../etc/passwd"}, "fileName"),
        ({"fileName": ""}, "fileName"),
        ({"contentType": "not a type"}, "contentType"),
        ({"dataBase64": "%%%not base64"}, "dataBase64"),
        ({"dataBase64": ""}, "dataBase64"),
        ({"dataBase64": too_big}, "dataBase64"),
        ({"description": "d" * 2001}, "description"),
    ):
        with pytest.raises(ArgumentError) as info:
            await alice.action("documents:upload", **upload_args(program_id, **bad))
        assert info.value.data["path"] == path
    assert (await alice.query("documents:list", programId=program_id, numItems=5))["page"] == []
    assert stored_files(app) == []


async def test_tenancy(app: Harness) -> None:
    alice, carl, mallory, program_id = await setup(app)
    doc_id = await alice.action("documents:upload", **upload_args(program_id))
    with pytest.raises(ForbiddenError):
        await carl.action("documents:upload", **upload_args(program_id))
    with pytest.raises(ForbiddenError):
        await carl.mutation("documents:delete", documentId=doc_id)
    with pytest.raises(AuthRequired):
        await app.anonymous().action("documents:upload", **upload_args(program_id))
    for call in (
        mallory.action("documents:upload", **upload_args(program_id)),
        mallory.action("documents:download_url", documentId=doc_id),
        mallory.query("documents:get", documentId=doc_id),
        mallory.mutation("documents:request_analysis", documentId=doc_id),
    ):
        with pytest.raises(NotFoundError):
            await call
    assert len(stored_files(app)) == 2  # one blob and its metadata sidecar: only Alice's file
