"""Local file storage, signed URLs and the download route."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from foundry.engine.files import (
    CHUNK_BYTES,
    ByteStream,
    FileTooLarge,
    InvalidStorageId,
    LocalFileStore,
    UrlSigner,
    download_route,
    is_valid_storage_id,
)

SECRET = b"k" * 32
NOW_MS = 1_700_000_000_000


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "files")


async def test_round_trip(store: LocalFileStore) -> None:
    stored = await store.put(b"hello world", "text/plain")

    assert is_valid_storage_id(stored.storage_id)
    assert stored.size == 11
    assert stored.sha256 == hashlib.sha256(b"hello world").hexdigest()
    assert await store.get(stored.storage_id) == b"hello world"
    assert await store.exists(stored.storage_id)
    assert await store.stat(stored.storage_id) == stored


async def test_ids_are_unique_url_safe_and_fanned_out(store: LocalFileStore) -> None:
    ids = [(await store.put(b"same bytes")).storage_id for _ in range(20)]

    assert len(set(ids)) == 20
    assert all(is_valid_storage_id(storage_id) for storage_id in ids)
    for storage_id in ids:
        assert (store.root / storage_id[:2] / storage_id).is_file()
        assert (store.root / storage_id[:2] / f"{storage_id}.meta.json").is_file()


async def test_empty_file(store: LocalFileStore) -> None:
    stored = await store.put(b"")

    assert stored.size == 0
    assert await store.get(stored.storage_id) == b""
    stream = await store.open(stored.storage_id)
    assert stream is not None
    assert [chunk async for chunk in stream] == []


async def test_streaming_put_and_open_of_a_multi_mib_file(store: LocalFileStore) -> None:
    data = os.urandom(5 * 1024 * 1024 + 123)

    stored = await store.put(chunks(data, 100_003), "application/octet-stream")

    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    stream = await store.open(stored.storage_id)
    assert stream is not None
    received = [chunk async for chunk in stream]
    assert all(len(chunk) <= CHUNK_BYTES for chunk in received)
    assert len(received) == -(-len(data) // CHUNK_BYTES)
    assert b"".join(received) == data


async def test_open_survives_a_concurrent_delete(store: LocalFileStore) -> None:
    data = os.urandom(3 * CHUNK_BYTES)
    stored = await store.put(data)
    stream = await store.open(stored.storage_id)
    assert stream is not None

    assert await store.delete(stored.storage_id)
    assert b"".join([chunk async for chunk in stream]) == data


async def test_stream_can_be_closed_early(store: LocalFileStore) -> None:
    stored = await store.put(os.urandom(3 * CHUNK_BYTES))
    stream = await store.open(stored.storage_id)
    assert stream is not None

    assert len(await anext(stream)) == CHUNK_BYTES
    await stream.aclose()
    assert [chunk async for chunk in stream] == []


async def test_delete(store: LocalFileStore) -> None:
    stored = await store.put(b"bye", "text/plain")

    assert await store.delete(stored.storage_id) is True
    assert await store.delete(stored.storage_id) is False
    assert await store.get(stored.storage_id) is None
    assert await store.open(stored.storage_id) is None
    assert await store.stat(stored.storage_id) is None
    assert not await store.exists(stored.storage_id)
    assert files_under(store.root) == []


async def test_sidecar_without_blob_is_invisible(store: LocalFileStore) -> None:
    """A crash between the two renames of a put leaves only the sidecar: no file."""
    stored = await store.put(b"half", "text/plain")
    (store.root / stored.storage_id[:2] / stored.storage_id).unlink()

    assert await store.stat(stored.storage_id) is None
    assert not await store.exists(stored.storage_id)
    assert await store.delete(stored.storage_id) is False
    assert files_under(store.root) == []


async def test_unknown_id_is_missing(store: LocalFileStore) -> None:
    storage_id = "A" * 32
    assert await store.get(storage_id) is None
    assert await store.stat(storage_id) is None
    assert not await store.exists(storage_id)


@pytest.mark.parametrize(
    "storage_id",
    ["", "..", "../../etc/passwd", "ab/" + "c" * 29, "." * 32, "a" * 31, "a" * 33, "é" * 32],
)
async def test_ids_outside_the_alphabet_are_refused(store: LocalFileStore, storage_id: str) -> None:
    for operation in (store.get, store.open, store.stat, store.delete, store.exists):
        with pytest.raises(InvalidStorageId):
            await operation(storage_id)


async def test_oversize_bytes_are_refused(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "files", max_bytes=1000)

    await store.put(b"x" * 1000)
    with pytest.raises(FileTooLarge, match="1000 bytes"):
        await store.put(b"x" * 1001)
    assert len(files_under(store.root)) == 2  # the first file and its sidecar


async def test_oversize_stream_is_refused_with_nothing_left_on_disk(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "files", max_bytes=1024 * 1024)

    with pytest.raises(FileTooLarge):
        await store.put(chunks(b"x" * (1024 * 1024 + 1), 64 * 1024))
    assert files_under(store.root) == []


async def test_failed_put_leaves_no_temp_files(store: LocalFileStore) -> None:
    async def broken_upload() -> AsyncIterator[bytes]:
        yield b"first part"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put(broken_upload())
    assert files_under(store.root) == []


async def test_bad_content_type_is_refused(store: LocalFileStore) -> None:
    with pytest.raises(ValueError, match="content_type"):
        await store.put(b"x", "text/html\r\nSet-Cookie: a=b")
    assert files_under(store.root) == []


def test_url_signer() -> None:
    signer = UrlSigner(SECRET)
    storage_id = "B" * 32
    query = signer.sign(storage_id, NOW_MS + 60_000)
    params = httpx.QueryParams(query.removeprefix("?"))
    expires, signature = params["expires"], params["signature"]

    assert query.startswith("?expires=")
    assert signer.verify(storage_id, expires, signature, NOW_MS)
    assert signer.verify(storage_id, int(expires), signature, NOW_MS)
    assert not signer.verify(storage_id, expires, signature, NOW_MS + 60_000)
    assert not signer.verify("C" * 32, expires, signature, NOW_MS)
    assert not signer.verify(storage_id, str(NOW_MS + 120_000), signature, NOW_MS)
    assert not signer.verify(storage_id, expires, signature[:-1], NOW_MS)
    assert not signer.verify(storage_id, expires, signature + "é", NOW_MS)
    assert not signer.verify(storage_id, "-1", signature, NOW_MS)
    assert not UrlSigner(b"o" * 32).verify(storage_id, expires, signature, NOW_MS)
    assert "k" * 32 not in repr(signer)
    with pytest.raises(ValueError, match="32 bytes"):
        UrlSigner(b"short")


class Clock:
    def __init__(self) -> None:
        self.now_ms = NOW_MS

    def __call__(self) -> int:
        return self.now_ms


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(store: LocalFileStore, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=[download_route(store, UrlSigner(SECRET), clock)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def url_for(storage_id: str, expires_at_ms: int) -> str:
    return f"/api/storage/{storage_id}{UrlSigner(SECRET).sign(storage_id, expires_at_ms)}"


async def test_download_with_a_valid_signature(
    store: LocalFileStore, client: httpx.AsyncClient
) -> None:
    data = os.urandom(3 * 1024 * 1024 + 7)
    stored = await store.put(data, "image/png")

    response = await client.get(url_for(stored.storage_id, NOW_MS + 60_000))

    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["etag"] == f'"{stored.sha256}"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]


async def test_download_keeps_the_content_type_verbatim(
    store: LocalFileStore, client: httpx.AsyncClient
) -> None:
    text = await store.put(b"plain", "text/plain")
    untyped = await store.put(b"\x00\x01")

    text_response = await client.get(url_for(text.storage_id, NOW_MS + 1))
    untyped_response = await client.get(url_for(untyped.storage_id, NOW_MS + 1))

    assert text_response.headers["content-type"] == "text/plain"
    assert untyped_response.headers["content-type"] == "application/octet-stream"


async def test_head_gives_headers_without_a_body(
    store: LocalFileStore, client: httpx.AsyncClient
) -> None:
    stored = await store.put(b"12345", "text/csv")

    response = await client.head(url_for(stored.storage_id, NOW_MS + 60_000))

    assert response.status_code == 200
    assert response.headers["content-length"] == "5"
    assert response.content == b""


async def test_download_with_an_expired_signature(
    store: LocalFileStore, client: httpx.AsyncClient, clock: Clock
) -> None:
    stored = await store.put(b"secret", "text/plain")
    url = url_for(stored.storage_id, NOW_MS + 60_000)
    clock.now_ms += 60_000

    response = await client.get(url)

    assert response.status_code == 403
    assert b"secret" not in response.content


@pytest.mark.parametrize("tamper", ["signature", "expires", "id", "missing"])
async def test_download_with_a_tampered_url(
    store: LocalFileStore, client: httpx.AsyncClient, tamper: str
) -> None:
    stored = await store.put(b"secret", "text/plain")
    other = await store.put(b"other secret", "text/plain")
    url = url_for(stored.storage_id, NOW_MS + 60_000)
    if tamper == "signature":
        url = url[:-2] + ("AA" if not url.endswith("AA") else "BB")
    elif tamper == "expires":
        url = url.replace(f"expires={NOW_MS + 60_000}", f"expires={NOW_MS + 10**9}")
    elif tamper == "id":
        url = url.replace(stored.storage_id, other.storage_id)
    else:
        url = url.split("?")[0]

    response = await client.get(url)

    assert response.status_code == 403


async def test_download_of_a_missing_file(store: LocalFileStore, client: httpx.AsyncClient) -> None:
    stored = await store.put(b"gone")
    url = url_for(stored.storage_id, NOW_MS + 60_000)
    await store.delete(stored.storage_id)

    assert (await client.get(url)).status_code == 404
    assert (await client.head(url)).status_code == 404


@pytest.mark.parametrize("storage_id", ["not-an-id", "." * 32, "-" * 31])
async def test_validly_signed_bad_id_is_not_found(
    client: httpx.AsyncClient, storage_id: str
) -> None:
    response = await client.get(url_for(storage_id, NOW_MS + 60_000))

    assert response.status_code == 404


class VanishingStore(LocalFileStore):
    """A store whose files disappear between `stat` and `open`, as under a concurrent delete."""

    async def open(self, storage_id: str) -> ByteStream | None:
        await self.delete(storage_id)
        return await super().open(storage_id)


async def test_file_deleted_during_download_is_not_found(tmp_path: Path, clock: Clock) -> None:
    store = VanishingStore(tmp_path / "files")
    stored = await store.put(b"racy")
    app = Starlette(routes=[download_route(store, UrlSigner(SECRET), clock)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get(url_for(stored.storage_id, NOW_MS + 60_000))

    assert response.status_code == 404
