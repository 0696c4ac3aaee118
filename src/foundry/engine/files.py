"""File storage for the engine: files named by an unguessable id, served through signed URLs.

`FileStore` is the storage seam; `LocalFileStore` keeps files on the local disk. `UrlSigner` and
`download_route` expose a stored file at `GET /api/storage/{storage_id}?expires=…&signature=…`.

An S3-compatible driver implements the same Protocol with one object per file, keyed by the id:
`put` streams a multipart upload (the object appears only on `CompleteMultipartUpload`, which gives
the same atomicity as our rename; abort the upload on failure) and stores `content_type`, `size`
and `sha256` as object metadata; `stat` and `exists` are `HeadObject`; `get` and `open` are
`GetObject` (streaming its body); `delete` is `HeadObject` then `DeleteObject`, because S3 deletes
report success even for missing keys.

Errors: `FileTooLarge` (the upload exceeded the store's limit) and `InvalidStorageId` (a
`ValueError`: the id is not one this module could have issued).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

CHUNK_BYTES = 64 * 1024
"""Size of the chunks `open` yields and of each blocking read."""

MAX_FILE_BYTES = 1024**3
"""Default upper bound on one stored file."""

DOWNLOAD_PATH = "/api/storage/{storage_id}"

_ID_RE = re.compile(r"[A-Za-z0-9_-]{32}")
# Printable ASCII only: the content type is echoed in a response header.
_CONTENT_TYPE_RE = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,254}")
# Served files never run as our origin: scripts in an uploaded HTML page stay sandboxed.
_DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "Cache-Control": "private, max-age=300",
}


class FileTooLarge(Exception):
    """An upload exceeded the store's size limit; nothing was stored."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            f"file exceeds the limit of {max_bytes} bytes; split it or raise the store's max size"
        )
        self.max_bytes = max_bytes


class InvalidStorageId(ValueError):
    """A storage id that this module could not have issued (wrong length or alphabet)."""

    def __init__(self, storage_id: str) -> None:
        super().__init__(
            f"invalid storage id {storage_id[:64]!r}: expected 32 URL-safe base64 characters"
        )


@dataclass(frozen=True)
class StoredFile:
    """What the store knows about one file."""

    storage_id: str
    size: int
    sha256: str
    content_type: str | None


class ByteStream(Protocol):
    """An `AsyncIterator[bytes]` holding a resource (a file, a socket) until exhausted or closed."""

    def __aiter__(self) -> ByteStream:
        """The stream itself."""

    async def __anext__(self) -> bytes:
        """The next chunk; `StopAsyncIteration` at the end."""

    async def aclose(self) -> None:
        """Release the underlying resource; the stream yields nothing afterwards."""


def new_storage_id() -> str:
    """A fresh, unguessable, URL-safe id (192 random bits)."""
    return secrets.token_urlsafe(24)


def is_valid_storage_id(storage_id: str) -> bool:
    """Whether `storage_id` has the shape of an id from `new_storage_id`."""
    return _ID_RE.fullmatch(storage_id) is not None


class FileStore(Protocol):
    """The storage seam: one method per operation, all async."""

    async def put(
        self, data: bytes | AsyncIterator[bytes], content_type: str | None = None
    ) -> StoredFile:
        """Store `data` under a new id; the file becomes visible only once complete.

        Raises `FileTooLarge` past the store's limit, leaving nothing behind.
        """

    async def get(self, storage_id: str) -> bytes | None:
        """The whole file, or None if there is no such file."""

    async def open(self, storage_id: str) -> ByteStream | None:
        """The file as a stream of chunks, or None if there is no such file."""

    async def stat(self, storage_id: str) -> StoredFile | None:
        """The file's metadata, or None if there is no such file."""

    async def delete(self, storage_id: str) -> bool:
        """Delete the file; False if there was no such file."""

    async def exists(self, storage_id: str) -> bool:
        """Whether the file exists."""


class _FileChunks:
    """Reads an already open file in chunks off the event loop; closes it at EOF or on aclose."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh

    def __aiter__(self) -> _FileChunks:
        return self

    async def __anext__(self) -> bytes:
        if self._fh.closed:
            raise StopAsyncIteration
        chunk = await asyncio.to_thread(self._fh.read, CHUNK_BYTES)
        if not chunk:
            self._fh.close()
            raise StopAsyncIteration
        return chunk

    async def aclose(self) -> None:
        self._fh.close()


async def _chunks_of(data: bytes | AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if isinstance(data, bytes):
        yield data
        return
    async for chunk in data:
        yield chunk


def _write_new(path: Path, data: bytes) -> None:
    with path.open("xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalFileStore:
    """Files on the local disk under `root`.

    Layout: `root/ab/abXXXX…` holds the bytes of id `abXXXX…` and `root/ab/abXXXX….meta.json` its
    size, sha256 and content type. Uploads are written to `root/.tmp/` and renamed into place, the
    sidecar first and the blob last, so the blob's presence is the commit point: a crash leaves at
    most an orphan temp file or sidecar, never a partial file under a real id.
    """

    def __init__(self, root: Path, *, max_bytes: int = MAX_FILE_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._tmp = root / ".tmp"

    def _blob(self, storage_id: str) -> Path:
        if not is_valid_storage_id(storage_id):
            raise InvalidStorageId(storage_id)
        return self.root / storage_id[:2] / storage_id

    def _meta(self, storage_id: str) -> Path:
        blob = self._blob(storage_id)
        return blob.with_name(f"{blob.name}.meta.json")

    async def put(
        self, data: bytes | AsyncIterator[bytes], content_type: str | None = None
    ) -> StoredFile:
        """Store `data` (bytes or an async iterator of chunks) under a new id.

        Raises `FileTooLarge` past `max_bytes` and `ValueError` for a content type that is not
        printable ASCII; in both cases nothing is left on disk.
        """
        if content_type is not None and not _CONTENT_TYPE_RE.fullmatch(content_type):
            raise ValueError("content_type must be 1-255 printable ASCII characters")
        if isinstance(data, bytes) and len(data) > self.max_bytes:
            raise FileTooLarge(self.max_bytes)
        await asyncio.to_thread(self._tmp.mkdir, parents=True, exist_ok=True)
        token = secrets.token_hex(8)
        temp_blob, temp_meta = self._tmp / f"{token}.part", self._tmp / f"{token}.meta.part"
        try:
            size, sha256 = await self._write(temp_blob, data)
            stored = StoredFile(new_storage_id(), size, sha256, content_type)
            meta = {"size": size, "sha256": sha256, "content_type": content_type}
            await asyncio.to_thread(_write_new, temp_meta, json.dumps(meta).encode())
            await asyncio.to_thread(self._commit, stored.storage_id, temp_blob, temp_meta)
        except BaseException:
            await asyncio.to_thread(temp_blob.unlink, missing_ok=True)
            await asyncio.to_thread(temp_meta.unlink, missing_ok=True)
            raise
        return stored

    async def _write(self, temp: Path, data: bytes | AsyncIterator[bytes]) -> tuple[int, str]:
        digest = hashlib.sha256()
        size = 0
        fh = await asyncio.to_thread(temp.open, "xb")
        try:
            async for chunk in _chunks_of(data):
                size += len(chunk)
                if size > self.max_bytes:
                    raise FileTooLarge(self.max_bytes)
                digest.update(chunk)
                await asyncio.to_thread(fh.write, chunk)
            await asyncio.to_thread(fh.flush)
            # Durable before the rename, or a crash could expose an empty file under the id.
            await asyncio.to_thread(os.fsync, fh.fileno())
        finally:
            await asyncio.to_thread(fh.close)
        return size, digest.hexdigest()

    def _commit(self, storage_id: str, temp_blob: Path, temp_meta: Path) -> None:
        blob, meta = self._blob(storage_id), self._meta(storage_id)
        blob.parent.mkdir(exist_ok=True)
        temp_meta.replace(meta)
        temp_blob.replace(blob)
        _fsync_dir(blob.parent)

    async def get(self, storage_id: str) -> bytes | None:
        """The whole file, or None if there is no such file."""
        blob = self._blob(storage_id)
        try:
            return await asyncio.to_thread(blob.read_bytes)
        except FileNotFoundError:
            return None

    async def open(self, storage_id: str) -> ByteStream | None:
        """The file in chunks of `CHUNK_BYTES`, or None. Exhaust the stream or `aclose()` it.

        The file is opened before this returns, so a concurrent delete does not cut the stream.
        """
        blob = self._blob(storage_id)
        try:
            fh = await asyncio.to_thread(blob.open, "rb")
        except FileNotFoundError:
            return None
        return _FileChunks(fh)

    async def stat(self, storage_id: str) -> StoredFile | None:
        """The file's size, sha256 and content type, or None if there is no such file."""
        blob, meta_path = self._blob(storage_id), self._meta(storage_id)

        def read() -> dict[str, Any] | None:
            # Sidecar before blob: the blob is renamed in last and deleted first, so a blob still
            # present after its sidecar was read is a complete, committed file.
            try:
                meta: dict[str, Any] = json.loads(meta_path.read_bytes())
            except FileNotFoundError:
                return None
            return meta if blob.is_file() else None

        meta = await asyncio.to_thread(read)
        if meta is None:
            return None
        return StoredFile(storage_id, int(meta["size"]), str(meta["sha256"]), meta["content_type"])

    async def delete(self, storage_id: str) -> bool:
        """Delete the file and its sidecar; False if there was no such file."""
        blob, meta = self._blob(storage_id), self._meta(storage_id)

        def remove() -> bool:
            try:
                # Blob first: it is the commit point, so the file vanishes atomically.
                blob.unlink()
            except FileNotFoundError:
                return False
            finally:
                meta.unlink(missing_ok=True)
            return True

        return await asyncio.to_thread(remove)

    async def exists(self, storage_id: str) -> bool:
        """Whether the file exists."""
        return await asyncio.to_thread(self._blob(storage_id).is_file)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class UrlSigner:
    """Signs and checks download URLs with HMAC-SHA256 over the storage id and the expiry."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("UrlSigner secret must be at least 32 bytes")
        self._secret = secret

    def __repr__(self) -> str:
        return "UrlSigner(secret=…)"

    def _mac(self, storage_id: str, expires_at_ms: int) -> str:
        # Versioned and newline-separated: neither field can contain a newline.
        message = f"foundry-storage-v1\n{storage_id}\n{expires_at_ms}".encode()
        return _b64(hmac.new(self._secret, message, hashlib.sha256).digest())

    def sign(self, storage_id: str, expires_at_ms: int) -> str:
        """The query string (`?expires=…&signature=…`) granting access until `expires_at_ms`."""
        signature = self._mac(storage_id, expires_at_ms)
        return "?" + urlencode({"expires": expires_at_ms, "signature": signature})

    def verify(self, storage_id: str, expires: str | int, signature: str, now_ms: int) -> bool:
        """Whether `signature` is ours for this id and expiry, and `now_ms` is before the expiry."""
        if isinstance(expires, str):
            if not expires.isascii() or not expires.isdigit() or len(expires) > 16:
                return False
            expires = int(expires)
        expected = self._mac(storage_id, expires).encode()
        valid = hmac.compare_digest(expected, signature.encode("utf-8", "replace"))
        return valid and now_ms < expires


def download_route(
    store: FileStore, signer: UrlSigner, clock: Callable[[], int], path: str = DOWNLOAD_PATH
) -> Route:
    """`GET path?expires=…&signature=…`: stream a stored file to holders of a signed URL.

    403 for a missing, bad or expired signature; 404 for a file that does not exist. `clock`
    returns the current time in milliseconds.
    """

    async def download(request: Request) -> Response:
        storage_id: str = request.path_params["storage_id"]
        expires = request.query_params.get("expires", "")
        signature = request.query_params.get("signature", "")
        if not signer.verify(storage_id, expires, signature, clock()):
            return PlainTextResponse("invalid or expired signature; request a new URL", 403)
        stored = await store.stat(storage_id) if is_valid_storage_id(storage_id) else None
        if stored is None:
            return PlainTextResponse("file not found", 404)
        headers = {
            **_DOWNLOAD_HEADERS,
            # Set verbatim: Starlette would append a charset to text/* media types.
            "Content-Type": stored.content_type or "application/octet-stream",
            "Content-Length": str(stored.size),
            "ETag": f'"{stored.sha256}"',
        }
        if request.method == "HEAD":
            return Response(None, headers=headers)
        stream = await store.open(storage_id)
        if stream is None:
            return PlainTextResponse("file not found", 404)
        return StreamingResponse(_closing(stream), headers=headers)

    return Route(path, download, methods=["GET", "HEAD"])


async def _closing(stream: ByteStream) -> AsyncIterator[bytes]:
    # Closes the file even when the client disconnects mid-download.
    try:
        async for chunk in stream:
            yield chunk
    finally:
        await stream.aclose()
