"""File storage behind a small interface: a local folder by default, an object store later.

Uploads are streamed: each chunk is hashed, counted and written to a temporary object as it arrives, so a file
is never held whole in memory. The stored name is a random key; the client's file name is kept as data and
never used as a path.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Protocol, TypeVar

import anyio
import filetype
from fastapi import Depends, Request
from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import UTCDateTime, utcnow
from api.core.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

T = TypeVar("T")
CHUNK = 64 * 1024
SNIFF_BYTES = 8192

# What may be uploaded: the media type detected from the content, and the name extensions it may carry.
ALLOWED: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "text/plain": (".txt", ".md"),
    "text/csv": (".csv",),
}


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    media_type: str


class Storage(Protocol):
    async def save(self, chunks: AsyncIterator[bytes], *, filename: str, max_bytes: int,
                   sniff: bool = True) -> StoredFile: ...
    async def open(self, key: str) -> AsyncIterator[bytes]: ...
    async def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def keys_older_than(self, seconds: float) -> list[str]: ...


def safe_filename(name: str) -> str:
    """The client's name, checked: kept for display and downloads, never a path."""
    cleaned = name.strip()
    if (not cleaned or len(cleaned) > 255 or "/" in cleaned or "\\" in cleaned or cleaned in (".", "..")
            or any(ord(c) < 32 or ord(c) == 127 for c in cleaned)):
        raise ValidationFailed("The file name must be a plain name: no folders, no control characters.", errors=[{
            "field": "path.filename", "message": "not a plain file name", "code": "filename"}])
    return cleaned


def sniff_type(head: bytes, filename: str) -> str:
    """The media type read from the content; the name's extension must agree with it."""
    extension = os.path.splitext(filename)[1].lower()
    kind = filetype.guess(head)
    if kind is not None:
        media_type = kind.mime
    elif head and b"\x00" not in head and _is_utf8_text(head):
        media_type = "text/csv" if extension == ".csv" else "text/plain"
    else:
        media_type = "application/octet-stream"
    allowed = ALLOWED.get(media_type)
    if allowed is None:
        raise UnsupportedMediaType(f"Files of type {media_type} are not accepted; accepted: PDF, DOCX, XLSX, ODT, "
                                   "ODS, PNG, JPEG, plain text and CSV.")
    if extension not in allowed:
        raise UnsupportedMediaType(f"The content is {media_type} but the name ends in {extension or 'nothing'}; "
                                   f"expected {', '.join(allowed)}.")
    return media_type


def _is_utf8_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sniffed bytes is still text.
        return exc.start >= len(head) - 3
    return True


# The OpenAPI request body of the upload routes: the file's bytes, as they are.
BINARY_BODY = {"requestBody": {"required": True, "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}


class StoredFileRecord:
    """The columns of a row that stands for a stored file."""

    filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by: Mapped[str | None] = mapped_column(String(40))


async def save_recorded(storage: Storage, chunks: AsyncIterator[bytes], *, filename: str, max_bytes: int,
                        record: Callable[[StoredFile], Awaitable[T]]) -> T:
    """Store a stream, then record it; when recording fails the stored file is removed, so nothing is left."""
    stored = await storage.save(chunks, filename=filename, max_bytes=max_bytes)
    try:
        return await record(stored)
    except BaseException:
        await storage.delete(stored.key)
        raise


def get_storage(request: Request) -> Storage:
    return request.app.state.storage


StorageDep = Annotated[Storage, Depends(get_storage)]


class LocalStorage:
    """Files under one folder, named by random keys in two-level fan-out directories."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("bad storage key")
        return self.root / key[:2] / key

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    async def save(self, chunks: AsyncIterator[bytes], *, filename: str, max_bytes: int,
                   sniff: bool = True) -> StoredFile:
        """Store a stream; uploads are checked (`sniff`): a type read from the content and agreeing with the name,
        not empty. Files the service writes itself (dataset releases) are taken as they are."""
        check = sniff
        key = secrets.token_hex(16)
        path = self._path(key)
        partial = path.with_name(path.name + ".partial")
        await anyio.Path(path.parent).mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        head = b""
        media_type: str | None = None
        try:
            async with await anyio.open_file(partial, "wb") as out:
                async for chunk in chunks:
                    if not chunk:
                        continue
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadTooLarge(f"The file is larger than {max_bytes} bytes.")
                    if media_type is None and check:
                        head += chunk
                        if len(head) >= SNIFF_BYTES:
                            media_type = sniff_type(head, filename)
                    digest.update(chunk)
                    await out.write(chunk)
            if check and size == 0:
                raise ValidationFailed("The file is empty.", errors=[{
                    "field": "body", "message": "empty file", "code": "empty"}])
            if media_type is None:
                media_type = sniff_type(head, filename) if check else "application/octet-stream"
            await anyio.Path(partial).rename(path)
        except BaseException:
            await anyio.Path(partial).unlink(missing_ok=True)
            raise
        return StoredFile(key=key, size=size, sha256=digest.hexdigest(), media_type=media_type)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        async with await anyio.open_file(self._path(key), "rb") as handle:
            while chunk := await handle.read(CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        await anyio.Path(self._path(key)).unlink(missing_ok=True)

    def keys_older_than(self, seconds: float) -> list[str]:
        """Stored keys not touched for this long; partial uploads left by a crash are removed on the way."""
        if not self.root.exists():
            return []
        limit = time.time() - seconds
        keys = []
        for path in self.root.glob("??/*"):
            if path.stat().st_mtime > limit:
                continue
            if path.name.endswith(".partial"):
                path.unlink(missing_ok=True)
            elif path.name.isalnum():
                keys.append(path.name)
        return keys
