from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.clusters import service
from api.clusters.errors import (ClusterNotFound, LinkExists, LinkNotFound, MembershipExists, MembershipNotFound,
                                 SlugTaken, UnknownReference)
from api.clusters.schemas import (ClusterCreate, ClusterKind, ClusterRead, ClusterUpdate, MemberCreate, MemberRead,
                                  MembershipRole, RecognitionKind, SupplyChainLinkCreate, SupplyChainRead)
from api.core.db import ReadSessionDep, SessionDep
from api.core.errors import Forbidden, PreconditionFailed, problems
from api.core.etag import IfMatch, check_if_match, etag
from api.core.http import json_bytes, model_response, page_of_documents, page_of_models
from api.core.schemas import Page
from api.core.schemas import MAX_ID

router = APIRouter(prefix="/clusters", tags=["clusters"])

ClusterId = Annotated[int, Path(ge=1, le=MAX_ID, description="The cluster's numeric id.")]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size (at most 200).")]
ClusterSort = Literal[tuple(service.SORTS)]  # type: ignore[valid-type]
WRITE_PROBLEMS = (InvalidAccessToken, Forbidden)


def _etag(cluster_id: int, version: int) -> str:
    return etag("cluster", cluster_id, version)


@router.get("", summary="List clusters", response_model=Page[ClusterRead])
async def list_clusters(
    request: Request,
    q: Annotated[str | None, Query(max_length=200, description="Text in the name, locality or region.")] = None,
    sector: Annotated[str | None, Query(max_length=100, description="Text in a sector label.")] = None,
    nace: Annotated[str | None, Query(pattern=r"^\d{2}(\.\d{1,2}){0,2}$", description="NACE code prefix.")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    region: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}[A-Za-z0-9]{0,3}$", description="NUTS prefix.")] = None,
    kind: ClusterKind | None = None,
    recognition: RecognitionKind | None = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    min_enterprises: Annotated[int | None, Query(ge=0, le=100_000_000)] = None,
    max_enterprises: Annotated[int | None, Query(ge=0, le=100_000_000)] = None,
    min_employees: Annotated[int | None, Query(ge=0, le=100_000_000)] = None,
    max_employees: Annotated[int | None, Query(ge=0, le=100_000_000)] = None,
    sort: ClusterSort = "name",
    limit: Limit = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Search the registry; filters combine with AND; follow `next_cursor` or the Link header for more."""
    documents, versions, after = await service.list_documents(
        request.app.state.db.rows, sort=sort, cursor=cursor, limit=limit, q=q, sector=sector, nace=nace, country=country,
        region=region, kind=kind, recognition=recognition, tag=tag, min_enterprises=min_enterprises,
        max_enterprises=max_enterprises, min_employees=min_employees, max_employees=max_employees,
    )
    return page_of_documents(request, documents, versions, after, limit)


@router.post("", status_code=201, summary="Register a cluster", response_model=ClusterRead,
             responses=problems(*WRITE_PROBLEMS, SlugTaken, UnknownReference))
async def create_cluster(request: Request, data: ClusterCreate, session: SessionDep,
                         actor: AuthenticatedDep) -> Response:
    """Create a cluster; a regional officer only within its regions."""
    cluster = await service.create(session, data=data, actor=actor)
    return json_bytes(cluster.document.encode(), status_code=201, etag=_etag(cluster.id, cluster.version),
                      headers={"Location": str(request.url_for("get_cluster", cluster_id=cluster.id))})


@router.get("/{cluster_id}", summary="Read a cluster", response_model=ClusterRead,
            responses={304: {"description": "Not modified (If-None-Match matched)"}, **problems(ClusterNotFound)})
async def get_cluster(request: Request, cluster_id: ClusterId) -> Response:
    """One cluster with its sectors, recognitions, coordinating body and sources."""
    version, document = await service.read_document(request.app.state.db.rows, cluster_id)
    return json_bytes(document.encode(), etag=_etag(cluster_id, version), request=request)


@router.patch("/{cluster_id}", summary="Update a cluster", response_model=ClusterRead,
              responses=problems(*WRITE_PROBLEMS, ClusterNotFound, PreconditionFailed, SlugTaken, UnknownReference))
async def update_cluster(cluster_id: ClusterId, data: ClusterUpdate, session: SessionDep, actor: AuthenticatedDep,
                         if_match: IfMatch = None) -> Response:
    """Change the fields sent; send the ETag you read in If-Match to avoid overwriting someone else's change."""
    cluster = await service.load(session, cluster_id, for_update=True)
    check_if_match(if_match, _etag(cluster.id, cluster.version))
    cluster = await service.update(session, cluster=cluster, data=data, actor=actor)
    return json_bytes(cluster.document.encode(), etag=_etag(cluster.id, cluster.version))


@router.delete("/{cluster_id}", status_code=204, summary="Delete a cluster",
               responses=problems(*WRITE_PROBLEMS, ClusterNotFound, PreconditionFailed))
async def delete_cluster(cluster_id: ClusterId, session: SessionDep, actor: AuthenticatedDep,
                         if_match: IfMatch = None) -> Response:
    """Delete a cluster, its memberships and its supply-chain links."""
    cluster = await service.load(session, cluster_id, for_update=True)
    check_if_match(if_match, _etag(cluster.id, cluster.version))
    await service.delete_one(session, cluster=cluster, actor=actor)
    return Response(status_code=204)


@router.get("/{cluster_id}/members", summary="List a cluster's members", response_model=Page[MemberRead],
            responses=problems(ClusterNotFound))
async def list_members(request: Request, cluster_id: ClusterId, session: ReadSessionDep,
                       role: MembershipRole | None = None,
                       current: Annotated[bool | None, Query(description="Only current (true) or past (false).")]
                       = None, limit: Limit = 50,
                       cursor: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """The organizations of a cluster with their role (member, coordinator, supporting institution)."""
    await service.ensure_exists(session, cluster_id)
    members, after = await service.list_members(session, cluster_id=cluster_id, role=role, current=current,
                                                cursor=cursor, limit=limit)
    return page_of_models(request, members, after, limit, schema=MemberRead)


@router.post("/{cluster_id}/members", status_code=201, summary="Add a member", response_model=MemberRead,
             responses=problems(*WRITE_PROBLEMS, ClusterNotFound, MembershipExists, UnknownReference))
async def add_member(request: Request, cluster_id: ClusterId, data: MemberCreate, session: SessionDep,
                     actor: AuthenticatedDep) -> Response:
    """Add an organization to the cluster."""
    cluster = await service.load(session, cluster_id)
    membership = await service.add_member(session, cluster=cluster, data=data, actor=actor)
    return model_response(request, membership, schema=MemberRead, status_code=201)


@router.delete("/{cluster_id}/members/{membership_id}", status_code=204, summary="Remove a member",
               responses=problems(*WRITE_PROBLEMS, ClusterNotFound, MembershipNotFound))
async def remove_member(cluster_id: ClusterId, membership_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                        session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Remove an organization from the cluster."""
    cluster = await service.load(session, cluster_id)
    await service.remove_member(session, cluster=cluster, membership_id=membership_id, actor=actor)
    return Response(status_code=204)


@router.get("/{cluster_id}/supply-chain", summary="Supply chain of a cluster", response_model=SupplyChainRead,
            responses=problems(ClusterNotFound))
async def get_supply_chain(request: Request, cluster_id: ClusterId, session: ReadSessionDep) -> Response:
    """Clusters upstream (suppliers) and downstream (customers), with the product on each link."""
    cluster = await service.load(session, cluster_id)
    chain = await service.supply_chain(session, cluster=cluster)
    return model_response(request, chain, schema=SupplyChainRead)


@router.post("/{cluster_id}/supply-chain", status_code=201, summary="Add a supply-chain link",
             response_model=SupplyChainRead,
             responses=problems(*WRITE_PROBLEMS, ClusterNotFound, LinkExists, UnknownReference))
async def add_supply_chain_link(request: Request, cluster_id: ClusterId, data: SupplyChainLinkCreate,
                                session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Record that this cluster supplies `product` to the customer cluster; answers with the updated chain."""
    cluster = await service.load(session, cluster_id)
    await service.add_link(session, supplier=cluster, data=data, actor=actor)
    chain = await service.supply_chain(session, cluster=cluster)
    return model_response(request, chain, schema=SupplyChainRead, status_code=201)


@router.delete("/{cluster_id}/supply-chain/{link_id}", status_code=204, summary="Remove a supply-chain link",
               responses=problems(*WRITE_PROBLEMS, ClusterNotFound, LinkNotFound))
async def remove_supply_chain_link(cluster_id: ClusterId, link_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                                   session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Remove a link that starts or ends at this cluster."""
    cluster = await service.load(session, cluster_id)
    await service.remove_link(session, cluster=cluster, link_id=link_id, actor=actor)
    return Response(status_code=204)
