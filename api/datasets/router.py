from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.core.db import DatabaseDep, ReadSessionDep, SessionDep, utc_iso
from api.core.errors import Forbidden, NotAcceptable, problems
from api.core.etag import body_etag
from api.core.http import json_bytes
from api.core.storage import StorageDep
from api.datasets import dcat, service
from api.datasets.catalogue import DATASETS, Dataset
from api.datasets.schemas import DatasetList, DatasetRead, ReleaseRead
from api.datasets.service import DatasetNotFound, ReleaseNotFound

router = APIRouter(prefix="/datasets", tags=["datasets"])

Name = Annotated[str, Path(max_length=60, description="The dataset's name, e.g. clusters.")]
Format = Annotated[Literal["csv", "jsonl", "json"] | None, Query(
    description="csv (RFC 4180, UTF-8, header row), jsonl or json; or say it with Accept.")]
DOWNLOAD = {200: {"content": {"text/csv": {"schema": {"type": "string"}},
                              "application/jsonl": {"schema": {"type": "string"}}},
                  "description": "The rows, streamed"}}


def _describe(request: Request, dataset: Dataset, modified: datetime | None) -> dict[str, Any]:
    settings = request.app.state.settings
    base = f"/api/v1/datasets/{dataset.name}"
    return {
        "name": dataset.name, "title": dataset.title, "description": dataset.description, "theme": dataset.theme,
        "keywords": list(dataset.keywords), "publisher": settings.datasets_publisher,
        "licence": settings.datasets_licence, "licence_url": settings.datasets_licence_url,
        "last_modified": utc_iso(modified) if modified else None,
        "supports_modified_since": dataset.modified is not None,
        "dictionary": [{"field": f.name, "type": f.type, "unit": f.unit, "description": f.description,
                        "allowed_values": list(f.allowed) if f.allowed else None} for f in dataset.fields],
        "downloads": {fmt: f"{base}/download?format={fmt}" for fmt in service.FORMATS},
        "releases": f"{base}/releases",
    }


@router.get("", summary="The published datasets", response_model=DatasetList)
async def list_datasets(request: Request, session: ReadSessionDep) -> Response:
    """Every open dataset with its licence, publisher, last modification, data dictionary and download links."""
    items = [_describe(request, d, await service.last_modified(session, d)) for d in DATASETS.values()]
    body = orjson.dumps({"items": items})
    return json_bytes(body, etag=body_etag(body), request=request)


@router.get("/{name}", summary="A dataset", response_model=DatasetRead, responses=problems(DatasetNotFound))
async def get_dataset(request: Request, name: Name, session: ReadSessionDep) -> Response:
    """A dataset's description and data dictionary (field, type, unit, description, allowed values)."""
    dataset = service.get(name)
    body = orjson.dumps(_describe(request, dataset, await service.last_modified(session, dataset)))
    return json_bytes(body, etag=body_etag(body), request=request)


@router.get("/{name}/download", summary="Download a dataset", responses={**DOWNLOAD, **problems(
    DatasetNotFound, NotAcceptable)})
async def download(request: Request, name: Name, db: DatabaseDep, format: Format = None,
                   modified_since: Annotated[datetime | None, Query(description=(
                       "Only rows changed since (ISO 8601): resume or update a copy."))] = None) -> Response:
    """Every row, streamed from a server-side cursor so memory stays flat whatever the size."""
    dataset = service.get(name)
    fmt = service.choose_format(format, request.headers.get("accept", ""))
    stmt = service.statement(dataset, modified_since)
    return StreamingResponse(service.stream(db, dataset, stmt, fmt), media_type=service.FORMATS[fmt],
                             headers={"Content-Disposition": f'attachment; filename="{dataset.name}.{fmt}"'})


def _release(row: Any) -> dict[str, Any]:
    base = f"/api/v1/datasets/{row.dataset}/releases/{row.number}/download"
    return {"dataset": row.dataset, "number": row.number, "rows": row.rows, "note": row.note,
            "created_at": utc_iso(row.created_at),
            "files": {fmt: {"sha256": f["sha256"], "size": f["size"], "url": f"{base}?format={fmt}"}
                      for fmt, f in row.files.items()}}


@router.post("/{name}/releases", status_code=201, summary="Freeze a release", response_model=ReleaseRead,
             responses=problems(InvalidAccessToken, Forbidden, DatasetNotFound))
async def create_release(request: Request, name: Name, session: SessionDep, db: DatabaseDep, storage: StorageDep,
                         actor: AuthenticatedDep) -> Response:
    """A dated, numbered snapshot in every format with each file's sha256, so a paper can cite "clusters release
    3" and get the same bytes forever (administrators). A dataset with no rows can be released; it says so."""
    row = await service.release(db, session, dataset=service.get(name), storage=storage, actor=actor)
    return json_bytes(orjson.dumps(_release(row)), status_code=201,
                      headers={"Location": f"/api/v1/datasets/{name}/releases/{row.number}"})


@router.get("/{name}/releases", summary="A dataset's releases", response_model=list[ReleaseRead],
            responses=problems(DatasetNotFound))
async def list_releases(request: Request, name: Name, session: ReadSessionDep) -> Response:
    """The releases, oldest first, with their files' sizes and sha256."""
    rows = await service.releases(session, service.get(name))
    body = orjson.dumps([_release(r) for r in rows])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.get("/{name}/releases/{number}/download", summary="Download a release",
            responses={**DOWNLOAD, **problems(DatasetNotFound, ReleaseNotFound, NotAcceptable)})
async def download_release(request: Request, name: Name, number: Annotated[int, Path(ge=1, le=10**6)],
                           session: ReadSessionDep, storage: StorageDep, format: Format = None) -> Response:
    """The frozen bytes of a release, with their sha256 as the ETag."""
    row = await service.get_release(session, service.get(name), number)
    fmt = service.choose_format(format, request.headers.get("accept", ""))
    stored = row.files[fmt]
    return StreamingResponse(storage.open(stored["storage_key"]), media_type=service.FORMATS[fmt], headers={
        "ETag": f'"{stored["sha256"]}"', "Content-Length": str(stored["size"]),
        "Content-Disposition": f'attachment; filename="{name}-release-{number}.{fmt}"'})


catalog_router = APIRouter(tags=["datasets"])
RDF_TYPES = {"jsonld": "application/ld+json", "ttl": "text/turtle"}


@catalog_router.get("/catalog", summary="The DCAT-AP catalogue",
                    responses={200: {"content": {"application/ld+json": {"schema": {"type": ["object", "array"]}},
                                                 "text/turtle": {"schema": {"type": "string"}}},
                                     "description": "DCAT-AP (with DCAT-AP_IT classes)"},
                               **problems(NotAcceptable)})
async def catalog(request: Request, session: ReadSessionDep,
                  format: Annotated[Literal["jsonld", "ttl"] | None, Query(
                      description="jsonld or ttl; or say it with Accept.")] = None) -> Response:
    """The open datasets as a DCAT-AP catalogue: JSON-LD by default, Turtle with `Accept: text/turtle`."""
    accept = request.headers.get("accept", "")
    if format is None:
        if "text/turtle" in accept:
            format = "ttl"
        elif not accept or any(t in accept for t in ("application/ld+json", "application/json", "*/*")):
            format = "jsonld"
        else:
            raise NotAcceptable(f"None of {accept!r} is offered; available: {', '.join(RDF_TYPES.values())}.",
                                available=list(RDF_TYPES.values()))
    modified = {name: await service.last_modified(session, d) for name, d in DATASETS.items()}
    graph = dcat.catalogue(request.app.state.settings, modified)
    body = graph.serialize(format="json-ld" if format == "jsonld" else "turtle")
    return Response(body, media_type=RDF_TYPES[format] + ("; charset=utf-8" if format == "ttl" else ""))
