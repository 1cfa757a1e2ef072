from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.clusters.errors import UnknownReference
from api.core.db import ReadSessionDep, SessionDep
from api.core.errors import Forbidden, PreconditionFailed, problems
from api.core.etag import IfMatch, check_if_match, etag
from api.core.http import model_response, page_of_models
from api.core.schemas import Page
from api.networks import service
from api.networks.errors import (AlreadyCurrentMember, AlreadySigned, DeclarationNotFound, NetworkMembershipNotFound,
                                 NetworkNotFound, NetworkSlugTaken)
from api.networks.schemas import (DeclarationRead, NetworkCreate, NetworkMemberCreate, NetworkMemberRead,
                                  NetworkMemberUpdate, NetworkRead, NetworkRole, NetworkUpdate, SignatureCreate)
from api.core.schemas import MAX_ID

router = APIRouter(prefix="/networks", tags=["networks"])

NetworkId = Annotated[int, Path(ge=1, le=MAX_ID, description="The network's numeric id.")]
WRITE_PROBLEMS = (InvalidAccessToken, Forbidden)
Limit = Annotated[int, Query(ge=1, le=200, description="Page size (at most 200).")]


def _etag(network_id: int, version: int) -> str:
    return etag("network", network_id, version)


@router.get("", summary="List networks", response_model=Page[NetworkRead])
async def list_networks(request: Request, session: ReadSessionDep, limit: Limit = 50,
                        cursor: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """The networks by name, with their member roles, groups and sources."""
    networks, after = await service.list_page(session, cursor=cursor, limit=limit)
    return page_of_models(request, networks, after, limit, schema=NetworkRead)


@router.post("", status_code=201, summary="Create a network", response_model=NetworkRead,
             responses=problems(*WRITE_PROBLEMS, NetworkSlugTaken))
async def create_network(request: Request, data: NetworkCreate, session: SessionDep,
                         actor: AuthenticatedDep) -> Response:
    """Create a network (admins)."""
    network = await service.create(session, data=data, actor=actor)
    return model_response(request, network, schema=NetworkRead, status_code=201,
                          etag=_etag(network.id, network.version))


@router.get("/{network_id}", summary="Read a network", response_model=NetworkRead,
            responses=problems(NetworkNotFound))
async def get_network(request: Request, network_id: NetworkId, session: ReadSessionDep) -> Response:
    """One network with its member roles, its technical-scientific committee and working groups."""
    network = await service.get(session, network_id)
    return model_response(request, network, schema=NetworkRead, etag=_etag(network.id, network.version))


@router.patch("/{network_id}", summary="Update a network", response_model=NetworkRead,
              responses=problems(*WRITE_PROBLEMS, NetworkNotFound, PreconditionFailed))
async def update_network(request: Request, network_id: NetworkId, data: NetworkUpdate, session: SessionDep,
                         actor: AuthenticatedDep, if_match: IfMatch = None) -> Response:
    """Change the fields sent (admins)."""
    network = await service.get(session, network_id, for_update=True)
    check_if_match(if_match, _etag(network.id, network.version))
    network = await service.update(session, network=network, data=data, actor=actor)
    return model_response(request, network, schema=NetworkRead, etag=_etag(network.id, network.version))


@router.delete("/{network_id}", status_code=204, summary="Delete a network",
               responses=problems(*WRITE_PROBLEMS, NetworkNotFound, PreconditionFailed))
async def delete_network(network_id: NetworkId, session: SessionDep, actor: AuthenticatedDep,
                         if_match: IfMatch = None) -> Response:
    """Delete a network with its memberships, groups and declarations (admins)."""
    network = await service.get(session, network_id, for_update=True)
    check_if_match(if_match, _etag(network.id, network.version))
    await service.delete_one(session, network=network, actor=actor)
    return Response(status_code=204)


@router.get("/{network_id}/members", summary="List a network's members", response_model=Page[NetworkMemberRead],
            responses=problems(NetworkNotFound))
async def list_network_members(
    request: Request, network_id: NetworkId, session: ReadSessionDep, role: NetworkRole | None = None,
    current: Annotated[bool | None, Query(description="Only current (true) or past (false) memberships.")] = None,
    limit: Limit = 50, cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Every period of membership, with role and the dates of joining and leaving."""
    await service.get(session, network_id)
    members, after = await service.list_members(session, network_id=network_id, role=role, current=current,
                                                cursor=cursor, limit=limit)
    return page_of_models(request, members, after, limit, schema=NetworkMemberRead)


@router.post("/{network_id}/members", status_code=201, summary="Add a network member",
             response_model=NetworkMemberRead,
             responses=problems(*WRITE_PROBLEMS, NetworkNotFound, AlreadyCurrentMember, UnknownReference))
async def add_network_member(request: Request, network_id: NetworkId, data: NetworkMemberCreate,
                             session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Record that an organization joined the network with a role."""
    network = await service.get(session, network_id)
    membership = await service.add_member(session, network=network, data=data, actor=actor)
    return model_response(request, membership, schema=NetworkMemberRead, status_code=201)


@router.patch("/{network_id}/members/{membership_id}", summary="Update a network membership",
              response_model=NetworkMemberRead,
              responses=problems(*WRITE_PROBLEMS, NetworkNotFound, NetworkMembershipNotFound))
async def update_network_member(request: Request, network_id: NetworkId,
                                membership_id: Annotated[int, Path(ge=1, le=MAX_ID)], data: NetworkMemberUpdate,
                                session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Record a member's leaving (left_date) or correct its role or dates."""
    network = await service.get(session, network_id)
    membership = await service.update_member(session, network=network, membership_id=membership_id, data=data,
                                             actor=actor)
    return model_response(request, membership, schema=NetworkMemberRead)


@router.get("/{network_id}/commitments", summary="The network's commitment declarations",
            response_model=Page[DeclarationRead], responses=problems(NetworkNotFound))
async def list_commitments(request: Request, network_id: NetworkId, session: ReadSessionDep) -> Response:
    """Each declaration with its numbered commitments and who signed it, and when."""
    await service.get(session, network_id)
    items = await service.declarations(session, network_id=network_id)
    return page_of_models(request, items, None, max(len(items), 1), schema=DeclarationRead)


@router.post("/{network_id}/commitments/{declaration_id}/signatures", status_code=201,
             summary="Sign a declaration", response_model=DeclarationRead,
             responses=problems(*WRITE_PROBLEMS, NetworkNotFound, DeclarationNotFound, AlreadySigned,
                                UnknownReference))
async def sign_declaration(request: Request, network_id: NetworkId,
                           declaration_id: Annotated[int, Path(ge=1, le=MAX_ID)], data: SignatureCreate,
                           session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Record an organization's signature of the declaration."""
    network = await service.get(session, network_id)
    declaration = await service.sign(session, network=network, declaration_id=declaration_id, data=data,
                                     actor=actor)
    return model_response(request, declaration, schema=DeclarationRead, status_code=201)
