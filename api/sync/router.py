"""Sync for regional systems: create-or-replace by external id, one record (PUT) or many (batch)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Path, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.auth.policy import Action
from api.auth.principal import Principal, Target
from api.clusters import service as clusters_service
from api.clusters.models import Cluster
from api.clusters.schemas import ClusterCreate, ClusterRead
from api.core.db import ReadSessionDep, SessionDep
from api.organizations.errors import OrganizationInUse
from api.core.errors import (Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, UnsupportedMediaType,
                             problems)
from api.core.etag import IfMatch, check_if_match
from api.core.http import json_bytes
from api.organizations import service as organizations_service
from api.organizations.models import Organization
from api.organizations.schemas import OrganizationCreate, OrganizationRead
from api.sync import clusters as cluster_sync
from api.sync import organizations as organization_sync
from api.sync.bodies import read_records
from api.sync.common import Precondition, UnknownSource, collector_paused, require_source
from api.sync.schemas import EXTERNAL_ID_PATTERN, BatchResult, ClusterRecord, OrganizationRecord

router = APIRouter(prefix="/sync/{source}", tags=["sync"])

Source = Annotated[str, Path(min_length=1, max_length=64, description="The source system, e.g. `lombardia`.")]
ExternalIdPath = Annotated[str, Path(min_length=1, max_length=200, pattern=EXTERNAL_ID_PATTERN,
                                     description="The record's id in the source system (percent-encoded).")]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match",
                                           description="`*` on a PUT: create only, 412 if it exists.")]
WRITE_PROBLEMS = (InvalidAccessToken, Forbidden, UnknownSource, PreconditionFailed)


class RecordNotFound(NotFound):
    slug, title = "record-not-found", "No record with this external id"


# Batch bodies are parsed from the raw request (JSON or NDJSON), so the OpenAPI document adds their models.
BATCH_RECORDS = (ClusterRecord, OrganizationRecord)


def _batch_body(schema: type) -> dict:
    ref = {"type": "array", "maxItems": 10_000, "items": {"$ref": f"#/components/schemas/{schema.__name__}"}}
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": ref},
        "application/x-ndjson": {"schema": {"type": "string",
                                            "description": f"One {schema.__name__} object per line."}}}}}


def _result(outcomes: list[cluster_sync.Outcome]) -> bytes:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for outcome in outcomes:
        counts[outcome.result] += 1
    return orjson.dumps({**counts, "items": [
        {"index": o.index, "external_id": o.external_id, "id": o.id, "version": o.version, "result": o.result}
        for o in outcomes]})


# ---- clusters ----------------------------------------------------------------------------------------

@router.put("/clusters/{external_id:path}", summary="Create or replace a cluster by external id",
            response_model=ClusterRead, status_code=200,
            responses={201: {"description": "Created", "model": ClusterRead},
                       **problems(*WRITE_PROBLEMS)})
async def put_cluster(request: Request, source: Source, external_id: ExternalIdPath, data: ClusterCreate,
                      session: SessionDep, actor: AuthenticatedDep, if_match: IfMatch = None,
                      if_none_match: IfNoneMatch = None) -> Response:
    """201 when created, 200 when replaced or unchanged (a record equal to the stored one keeps its version).

    Fields left out are cleared, as with any PUT. `If-Match` with the ETag you hold refuses to overwrite a
    newer version (412); `If-None-Match: *` only creates.
    """
    await require_source(session, source)
    outcome, = await cluster_sync.upsert(session, source=source, records=[(external_id, data)], actor=actor,
                                         precondition=Precondition(if_match, if_none_match), keep_documents=True)
    document = outcome.document
    if document is None:
        document = (await session.execute(select(Cluster.document).where(Cluster.id == outcome.id))).scalar_one()
    return json_bytes(document.encode(), status_code=201 if outcome.result == "created" else 200,
                      etag=cluster_sync.cluster_etag(outcome.id, outcome.version),
                      headers={"Location": str(request.url_for("get_cluster", cluster_id=outcome.id))})


@router.get("/clusters/{external_id:path}", summary="Read a cluster by external id", response_model=ClusterRead,
            responses={304: {"description": "Not modified (If-None-Match matched)"},
                       **problems(UnknownSource, RecordNotFound)})
async def get_cluster(request: Request, source: Source, external_id: ExternalIdPath,
                      session: ReadSessionDep) -> Response:
    """The cluster this source knows as `external_id`; send If-None-Match with its ETag to get 304."""
    await require_source(session, source)
    row = (await session.execute(select(Cluster.id, Cluster.version, Cluster.document).where(
        Cluster.source == source, Cluster.external_id == external_id))).first()
    if row is None:
        raise RecordNotFound(f"Source {source} has no cluster {external_id!r}.")
    return json_bytes(row.document.encode(), etag=cluster_sync.cluster_etag(row.id, row.version), request=request)


@router.delete("/clusters/{external_id:path}", status_code=204, summary="Delete a cluster by external id",
               responses=problems(*WRITE_PROBLEMS, RecordNotFound))
async def delete_cluster(source: Source, external_id: ExternalIdPath, session: SessionDep, actor: AuthenticatedDep,
                         if_match: IfMatch = None) -> Response:
    """Delete the cluster; the feed keeps a tombstone for the retention period."""
    await require_source(session, source)
    cluster_id = await session.scalar(select(Cluster.id).where(Cluster.source == source,
                                                               Cluster.external_id == external_id))
    if cluster_id is None:
        raise RecordNotFound(f"Source {source} has no cluster {external_id!r}.")
    cluster = await clusters_service.load(session, cluster_id, for_update=True)
    actor.require(Action.sync_write, Target(region_codes=(cluster.region_code,) if cluster.region_code else (),
                                            source=source))
    check_if_match(if_match, cluster_sync.cluster_etag(cluster.id, cluster.version))
    await clusters_service.forget_dependents(session, cluster.id)
    await session.delete(cluster)
    await session.flush()
    await clusters_service.record_deletion(session, cluster_id=cluster.id, version=cluster.version, source=source,
                                           external_id=external_id)
    return Response(status_code=204)


async def _batch(request: Request, source: str, session: AsyncSession, actor: Principal, record_type: Any,
                 upsert: Any) -> Response:
    """Read a batch of records and apply them all or none (see the batch operations)."""
    await require_source(session, source)
    await request.body()  # received before the pause (kept by the request for read_records)
    with collector_paused():
        records = await read_records(request, record_type,
                                     max_records=request.app.state.settings.sync_batch_max_records)
        pairs = [(r.external_id, r) for r in records]
        outcomes = await upsert(session, source=source, records=pairs, actor=actor)
        del records, pairs
        return Response(_result(outcomes), media_type="application/json")


@router.post("/clusters:batch", summary="Create or replace many clusters", response_model=BatchResult,
             openapi_extra=_batch_body(ClusterRecord),
             responses=problems(*WRITE_PROBLEMS, PayloadTooLarge, UnsupportedMediaType))
async def batch_clusters(request: Request, source: Source, session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Up to 10,000 records as a JSON array or NDJSON, in one transaction: all are applied or none.

    Any invalid record makes the answer 422 listing every bad record by index (and line, for NDJSON) and
    field. The answer counts created, updated and unchanged records.
    """
    return await _batch(request, source, session, actor, ClusterRecord, cluster_sync.upsert)


# ---- organizations -----------------------------------------------------------------------------------

@router.put("/organizations/{external_id:path}", summary="Create or replace an organization by external id",
            response_model=OrganizationRead, status_code=200,
            responses={201: {"description": "Created", "model": OrganizationRead}, **problems(*WRITE_PROBLEMS)})
async def put_organization(request: Request, source: Source, external_id: ExternalIdPath, data: OrganizationCreate,
                           session: SessionDep, actor: AuthenticatedDep, if_match: IfMatch = None,
                           if_none_match: IfNoneMatch = None) -> Response:
    """201 when created, 200 when replaced or unchanged; preconditions as for clusters."""
    await require_source(session, source)
    outcome, = await organization_sync.upsert(session, source=source, records=[(external_id, data)], actor=actor,
                                              precondition=Precondition(if_match, if_none_match), keep_documents=True)
    document = outcome.document
    if document is None:
        org = await organizations_service.get(session, outcome.id)
        document = orjson.dumps(organizations_service.render(org)).decode()
    return json_bytes(document.encode(), status_code=201 if outcome.result == "created" else 200,
                      etag=organization_sync.organization_etag(outcome.id, outcome.version),
                      headers={"Location": str(request.url_for("get_organization", organization_id=outcome.id))})


@router.get("/organizations/{external_id:path}", summary="Read an organization by external id",
            response_model=OrganizationRead,
            responses={304: {"description": "Not modified (If-None-Match matched)"},
                       **problems(UnknownSource, RecordNotFound)})
async def get_organization(request: Request, source: Source, external_id: ExternalIdPath,
                           session: ReadSessionDep) -> Response:
    """The organization this source knows as `external_id`."""
    await require_source(session, source)
    org_id = await session.scalar(select(Organization.id).where(Organization.source == source,
                                                                Organization.external_id == external_id))
    if org_id is None:
        raise RecordNotFound(f"Source {source} has no organization {external_id!r}.")
    org = await organizations_service.get(session, org_id)
    return json_bytes(orjson.dumps(organizations_service.render(org)),
                      etag=organization_sync.organization_etag(org.id, org.version), request=request)


@router.delete("/organizations/{external_id:path}", status_code=204, summary="Delete an organization by external id",
               responses=problems(*WRITE_PROBLEMS, RecordNotFound, OrganizationInUse))
async def delete_organization(source: Source, external_id: ExternalIdPath, session: SessionDep,
                              actor: AuthenticatedDep, if_match: IfMatch = None) -> Response:
    """Delete the organization; clusters it coordinated keep no coordinating body."""
    await require_source(session, source)
    org_id = await session.scalar(select(Organization.id).where(Organization.source == source,
                                                                Organization.external_id == external_id))
    if org_id is None:
        raise RecordNotFound(f"Source {source} has no organization {external_id!r}.")
    org = await organizations_service.get(session, org_id, for_update=True)
    actor.require(Action.sync_write, Target(region_codes=(org.region_code,) if org.region_code else (), source=source))
    check_if_match(if_match, organization_sync.organization_etag(org.id, org.version))
    await organizations_service.remove(session, org=org)
    return Response(status_code=204)


@router.post("/organizations:batch", summary="Create or replace many organizations", response_model=BatchResult,
             openapi_extra=_batch_body(OrganizationRecord),
             responses=problems(*WRITE_PROBLEMS, PayloadTooLarge, UnsupportedMediaType))
async def batch_organizations(request: Request, source: Source, session: SessionDep,
                              actor: AuthenticatedDep) -> Response:
    """As the clusters' batch: up to 10,000 records, JSON array or NDJSON, all or nothing."""
    return await _batch(request, source, session, actor, OrganizationRecord, organization_sync.upsert)
