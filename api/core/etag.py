"""ETags from resource versions; If-Match for writes, If-None-Match for reads."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Header, Request

from api.core.errors import PreconditionFailed

IfMatch = Annotated[str | None, Header(alias="If-Match", description="The ETag you read; 412 if it changed.")]


def etag(kind: str, ident: int, version: int) -> str:
    return f'"{kind}-{ident}-v{version}"'


def body_etag(body: bytes) -> str:
    return 'W/"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def check_if_match(if_match: str | None, current: str) -> None:
    """RFC 9110: a write with If-Match proceeds only while the resource still has that ETag."""
    if if_match is None:
        return
    if if_match.strip() == "*":
        return
    if current.removeprefix("W/") not in _tags(if_match):
        raise PreconditionFailed(
            f"The resource has changed (its ETag is now {current}); read it again and retry.",
            headers={"ETag": current},
        )


def not_modified(request: Request, current: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    return header.strip() == "*" or current.removeprefix("W/") in _tags(header)
