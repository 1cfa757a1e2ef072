from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.core.db import ReadSessionDep, SessionDep
from api.core.errors import Forbidden, PreconditionFailed, problems
from api.core.etag import IfMatch, check_if_match, etag
from api.core.http import model_response, page_of_models
from api.core.schemas import Page
from api.organizations import service
from api.organizations.errors import OrganizationInUse, DuplicateVatNumber, OrganizationNotFound
from api.organizations.schemas import (OrganizationCreate, OrganizationKind, OrganizationRead, OrganizationUpdate,
                                       SizeClass)
from api.core.schemas import MAX_ID

router = APIRouter(prefix="/organizations", tags=["organizations"])

OrganizationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The organization's numeric id.")]
OrganizationSort = Literal[tuple(service.SORTS)]  # type: ignore[valid-type]
WRITE_PROBLEMS = (InvalidAccessToken, Forbidden)


def _etag(org_id: int, version: int) -> str:
    return etag("organization", org_id, version)


@router.get("", summary="List organizations", response_model=Page[OrganizationRead])
async def list_organizations(
    request: Request,
    session: ReadSessionDep,
    q: Annotated[str | None, Query(max_length=200, description="Text in the name.")] = None,
    kind: OrganizationKind | None = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    region: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}[A-Za-z0-9]{0,3}$", description="NUTS prefix.")] = None,
    vat_number: Annotated[str | None, Query(pattern=r"^\d{11}$")] = None,
    ateco: Annotated[str | None, Query(pattern=r"^\d{2}(\.\d{1,2}){0,2}$", description="ATECO prefix.")] = None,
    size_class: SizeClass | None = None,
    cluster_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Members of this cluster.")] = None,
    demo: Annotated[bool | None, Query(description="Only demo (true) or only real (false) records.")] = None,
    sort: OrganizationSort = "name",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Search organizations; follow `next_cursor` or the Link header for more."""
    items, after = await service.list_page(
        session, sort=sort, cursor=cursor, limit=limit, q=q, kind=kind, country=country, region=region,
        vat_number=vat_number, ateco=ateco, size=size_class, cluster_id=cluster_id, demo=demo,
    )
    return page_of_models(request, items, after, limit, schema=OrganizationRead)


@router.post("", status_code=201, summary="Register an organization", response_model=OrganizationRead,
             responses=problems(*WRITE_PROBLEMS, DuplicateVatNumber))
async def create_organization(request: Request, data: OrganizationCreate, session: SessionDep,
                              actor: AuthenticatedDep) -> Response:
    """Create an organization; the size class is derived from employees and turnover when given."""
    org = await service.create(session, data=data, actor=actor)
    return model_response(request, org, schema=OrganizationRead, status_code=201, etag=_etag(org.id, org.version),
                          headers={"Location": str(request.url_for("get_organization", organization_id=org.id))})


@router.get("/{organization_id}", summary="Read an organization", response_model=OrganizationRead,
            responses={304: {"description": "Not modified"}, **problems(OrganizationNotFound)})
async def get_organization(request: Request, organization_id: OrganizationId, session: ReadSessionDep) -> Response:
    """One organization."""
    org = await service.get(session, organization_id)
    return model_response(request, org, schema=OrganizationRead, etag=_etag(org.id, org.version))


@router.patch("/{organization_id}", summary="Update an organization", response_model=OrganizationRead,
              responses=problems(*WRITE_PROBLEMS, OrganizationNotFound, PreconditionFailed, DuplicateVatNumber))
async def update_organization(request: Request, organization_id: OrganizationId, data: OrganizationUpdate,
                              session: SessionDep, actor: AuthenticatedDep, if_match: IfMatch = None) -> Response:
    """Change the fields sent; an enterprise user may change its own organization."""
    org = await service.get(session, organization_id, for_update=True)
    check_if_match(if_match, _etag(org.id, org.version))
    org = await service.update(session, org=org, data=data, actor=actor)
    return model_response(request, org, schema=OrganizationRead, etag=_etag(org.id, org.version))


@router.delete("/{organization_id}", status_code=204, summary="Delete an organization",
               responses=problems(OrganizationInUse, *WRITE_PROBLEMS, OrganizationNotFound, PreconditionFailed))
async def delete_organization(organization_id: OrganizationId, session: SessionDep, actor: AuthenticatedDep,
                              if_match: IfMatch = None) -> Response:
    """Delete an organization and its memberships."""
    org = await service.get(session, organization_id, for_update=True)
    check_if_match(if_match, _etag(org.id, org.version))
    await service.delete_one(session, org=org, actor=actor)
    return Response(status_code=204)
