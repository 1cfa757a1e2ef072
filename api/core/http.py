"""Small HTTP helpers shared by the routers: JSON bodies that are already encoded, list envelopes."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from fastapi import Request, Response
from pydantic import BaseModel

from api.core.etag import body_etag, not_modified
from api.core.pagination import link_header

JSON = "application/json"
# One JSON object per line: what sync batches also take.
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")


def json_bytes(body: bytes, *, status_code: int = 200, etag: str | None = None, request: Request | None = None,
               headers: dict[str, str] | None = None) -> Response:
    """A JSON response from bytes we already hold; answers 304 when the client has this ETag."""
    all_headers = dict(headers or {})
    if etag is not None:
        all_headers["ETag"] = etag
        if request is not None and status_code == 200 and not_modified(request, etag):
            return Response(status_code=304, headers=all_headers)
    return Response(body, status_code=status_code, media_type=JSON, headers=all_headers)


def page_of_documents(request: Request, documents: Sequence[str], versions: Sequence[tuple[int, int]],
                      cursor: str | None, limit: int) -> Response:
    """A Page envelope around JSON documents, without decoding them.

    The ETag is taken from the (id, version) pairs, which determine the documents, rather than from the body.
    """
    tail = orjson.dumps({"next_cursor": cursor, "limit": limit})
    tag = body_etag(orjson.dumps(versions) + tail)
    if not_modified(request, tag):
        return Response(status_code=304, headers={"ETag": tag, **link_header(request, cursor)})
    body = b'{"items":[' + ",".join(documents).encode() + b"]," + tail[1:]
    return json_bytes(body, etag=tag, headers=link_header(request, cursor))


def page_of_models(request: Request, items: Sequence[object], cursor: str | None, limit: int, *,
                   schema) -> Response:  # noqa: ANN001
    """A Page envelope around ORM objects, serialised through their read schema."""
    body = orjson.dumps({
        "items": [schema.model_validate(item).model_dump(mode="json") for item in items],
        "next_cursor": cursor, "limit": limit,
    })
    return json_bytes(body, etag=body_etag(body), request=request, headers=link_header(request, cursor))


def model_response(request: Request, model: object, *, schema, etag: str | None = None,  # noqa: ANN001
                   status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = schema.model_validate(model).model_dump_json().encode()
    return json_bytes(body, status_code=status_code, etag=etag or body_etag(body), request=request,
                      headers=headers)


AGGREGATE_CACHE_CONTROL = "public, max-age=60"
# `responses=` of an operation answered by aggregate_response.
AGGREGATE_NOT_MODIFIED = {304: {"description": "Not modified (If-None-Match matched): nothing was computed."}}


def aggregate_etag(request: Request, version: tuple[Any, ...]) -> str:
    """A weak ETag from the data version an aggregate reads and the query that asked for it."""
    key = orjson.dumps([request.url.path, sorted(request.query_params.multi_items()), *version], default=str)
    return 'W/"stats-' + hashlib.blake2b(key, digest_size=12).hexdigest() + '"'


def _aggregate(tag: str, payload: dict[str, Any], schema: type[BaseModel]) -> Response:
    body = schema.model_validate(payload).model_dump_json().encode()
    return json_bytes(body, etag=tag, headers={"Cache-Control": AGGREGATE_CACHE_CONTROL})


def _unchanged(tag: str) -> Response:
    return Response(status_code=304, headers={"ETag": tag, "Cache-Control": AGGREGATE_CACHE_CONTROL})


async def aggregate_response(request: Request, version: tuple[Any, ...],
                             compute: Callable[[], Awaitable[dict[str, Any]]], schema: type[BaseModel]) -> Response:
    """Answer an aggregate with an ETag made from its data version and the query.

    The version is read first, with one cheap statement; a matching If-None-Match is answered 304 before
    `compute` runs, so a dashboard polling unchanged data costs that statement only.
    """
    tag = aggregate_etag(request, version)
    if not_modified(request, tag):
        return _unchanged(tag)
    return _aggregate(tag, await compute(), schema)


async def versioned_aggregate_response(
        request: Request, version: Callable[[], Awaitable[tuple[Any, ...]]],
        compute: Callable[[], Awaitable[tuple[tuple[Any, ...], dict[str, Any]]]], schema: type[BaseModel]) -> Response:
    """As `aggregate_response`, for an aggregate whose statement also reads its data version: the version alone
    is read first only when an If-None-Match may spare the aggregate; the answer's ETag is made from the version
    read with it, of the same snapshot."""
    if request.headers.get("if-none-match"):
        tag = aggregate_etag(request, await version())
        if not_modified(request, tag):
            return _unchanged(tag)
    current, payload = await compute()
    return _aggregate(aggregate_etag(request, current), payload, schema)
