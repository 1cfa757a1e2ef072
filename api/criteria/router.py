from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.clusters.errors import UnknownReference
from api.core.db import ReadSessionDep, SessionDep
from api.core.errors import Forbidden, PreconditionFailed, problems
from api.core.etag import IfMatch, body_etag, check_if_match, etag
from api.core.http import json_bytes, model_response, page_of_models
from api.core.schemas import Page
from api.criteria import definitions, service
from api.criteria.errors import CriteriaSetNotFound, CriterionNotFound, VersionInUse, VersionNotFound
from api.criteria.schemas import (CriteriaSetCreate, CriteriaSetRead, CriteriaSetUpdate, CriterionCreate,
                                  CriterionRead, CriterionUpdate, VersionIn, CriteriaSetVersionRead)
from api.core.schemas import MAX_ID

router = APIRouter(tags=["criteria"])

CriterionId = Annotated[int, Path(ge=1, le=MAX_ID, description="The criterion's id.")]
SetId = Annotated[int, Path(ge=1, le=MAX_ID, description="The criteria set's id.")]
Number = Annotated[int, Path(ge=1, le=10**6, description="The version number, from 1.")]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size (at most 200).")]
Cursor = Annotated[str | None, Query(max_length=500)]
WRITE_PROBLEMS = (InvalidAccessToken, Forbidden)


def _criterion_etag(criterion: Any) -> str:
    return etag("criterion", criterion.id, criterion.version)


def _version_etag(version: Any) -> str:
    # A version is changed in place only until it is used; updated_at tells the states apart.
    return etag("criteria-set-version", version.id, int(version.updated_at.timestamp() * 1000))


@router.get("/criteria/catalogue", summary="What criteria may say")
async def criteria_catalogue() -> dict[str, Any]:
    """The types of criterion, the fields a comparison may name with their operators, the kinds of presence and
    of evidence: what a definition may use."""
    return definitions.catalogue()


@router.get("/criteria", summary="List criteria", response_model=Page[CriterionRead])
async def list_criteria(request: Request, session: ReadSessionDep, limit: Limit = 50, cursor: Cursor = None,
                        q: Annotated[str | None, Query(max_length=100, description="Part of the name.")] = None,
                        ) -> Response:
    """Saved criteria by name."""
    items, after = await service.list_criteria(session, q=q, cursor=cursor, limit=limit)
    return page_of_models(request, items, after, limit, schema=CriterionRead)


@router.post("/criteria", status_code=201, summary="Save a criterion", response_model=CriterionRead,
             responses=problems(*WRITE_PROBLEMS, UnknownReference))
async def create_criterion(request: Request, data: CriterionCreate, session: SessionDep,
                           actor: AuthenticatedDep) -> Response:
    """Save a named criterion with its definition; a definition that names an unknown type, field, operator or
    value type is refused here with a 422 pointing at the bad part."""
    criterion = await service.create_criterion(session, data=data, actor=actor)
    return model_response(request, criterion, schema=CriterionRead, status_code=201,
                          etag=_criterion_etag(criterion),
                          headers={"Location": f"/api/v1/criteria/{criterion.id}"})


@router.get("/criteria/{criterion_id}", summary="Read a criterion", response_model=CriterionRead,
            responses=problems(CriterionNotFound))
async def get_criterion(request: Request, criterion_id: CriterionId, session: ReadSessionDep) -> Response:
    """One criterion with its definition."""
    criterion = await service.get_criterion(session, criterion_id)
    return model_response(request, criterion, schema=CriterionRead, etag=_criterion_etag(criterion))


@router.patch("/criteria/{criterion_id}", summary="Change a criterion", response_model=CriterionRead,
              responses=problems(*WRITE_PROBLEMS, CriterionNotFound, PreconditionFailed, UnknownReference))
async def update_criterion(request: Request, criterion_id: CriterionId, data: CriterionUpdate, session: SessionDep,
                           actor: AuthenticatedDep, if_match: IfMatch = None) -> Response:
    """Change the fields sent. Set versions that copied the criterion keep their copy."""
    criterion = await service.get_criterion(session, criterion_id, for_update=True)
    check_if_match(if_match, _criterion_etag(criterion))
    criterion = await service.update_criterion(session, criterion=criterion, data=data, actor=actor)
    return model_response(request, criterion, schema=CriterionRead, etag=_criterion_etag(criterion))


@router.delete("/criteria/{criterion_id}", status_code=204, summary="Delete a criterion",
               responses=problems(*WRITE_PROBLEMS, CriterionNotFound, PreconditionFailed))
async def delete_criterion(criterion_id: CriterionId, session: SessionDep, actor: AuthenticatedDep,
                           if_match: IfMatch = None) -> Response:
    """Delete a criterion; set versions that copied it keep their copy."""
    criterion = await service.get_criterion(session, criterion_id, for_update=True)
    check_if_match(if_match, _criterion_etag(criterion))
    await service.delete_criterion(session, criterion=criterion, actor=actor)
    return Response(status_code=204)


@router.get("/criteria-sets", summary="List criteria sets", response_model=Page[CriteriaSetRead])
async def list_sets(request: Request, session: ReadSessionDep, limit: Limit = 50, cursor: Cursor = None) -> Response:
    """Criteria sets by name, with their versions."""
    items, after = await service.list_sets(session, cursor=cursor, limit=limit)
    return page_of_models(request, items, after, limit, schema=CriteriaSetRead)


@router.post("/criteria-sets", status_code=201, summary="Create a criteria set", response_model=CriteriaSetRead,
             responses=problems(*WRITE_PROBLEMS, UnknownReference))
async def create_set(request: Request, data: CriteriaSetCreate, session: SessionDep,
                     actor: AuthenticatedDep) -> Response:
    """A set with its first version: ordered phases, each keeping (filter) or adding (include) the clusters that
    satisfy its criteria."""
    criteria_set = await service.create_set(session, data=data, actor=actor)
    return model_response(request, criteria_set, schema=CriteriaSetRead, status_code=201,
                          headers={"Location": f"/api/v1/criteria-sets/{criteria_set.id}"})


@router.get("/criteria-sets/{set_id}", summary="Read a criteria set", response_model=CriteriaSetRead,
            responses=problems(CriteriaSetNotFound))
async def get_set(request: Request, set_id: SetId, session: ReadSessionDep) -> Response:
    """A set with the list of its versions."""
    return model_response(request, await service.get_set(session, set_id), schema=CriteriaSetRead)


@router.patch("/criteria-sets/{set_id}", summary="Rename a criteria set", response_model=CriteriaSetRead,
              responses=problems(*WRITE_PROBLEMS, CriteriaSetNotFound))
async def update_set(request: Request, set_id: SetId, data: CriteriaSetUpdate, session: SessionDep,
                     actor: AuthenticatedDep) -> Response:
    """Change the set's name or description; phases change through versions."""
    criteria_set = await service.get_set(session, set_id, for_update=True)
    criteria_set = await service.update_set(session, criteria_set=criteria_set, data=data, actor=actor)
    return model_response(request, criteria_set, schema=CriteriaSetRead)


@router.get("/criteria-sets/{set_id}/versions", summary="List a set's versions", response_model=list[CriteriaSetVersionRead],
            responses=problems(CriteriaSetNotFound))
async def list_versions(request: Request, set_id: SetId, session: ReadSessionDep) -> Response:
    """Every version of the set, oldest first, with its phases and criteria as they were saved."""
    criteria_set = await service.get_set(session, set_id)
    body = b"[" + b",".join(CriteriaSetVersionRead.model_validate(v).model_dump_json().encode()
                            for v in criteria_set.versions) + b"]"
    return json_bytes(body, etag=body_etag(body), request=request)


@router.post("/criteria-sets/{set_id}/versions", status_code=201, summary="Add a version",
             response_model=CriteriaSetVersionRead, responses=problems(*WRITE_PROBLEMS, CriteriaSetNotFound, UnknownReference))
async def add_version(request: Request, set_id: SetId, data: VersionIn, session: SessionDep,
                      actor: AuthenticatedDep) -> Response:
    """A new version after the latest one; this is how a version that a screening used is edited."""
    criteria_set = await service.get_set(session, set_id, for_update=True)
    version = await service.add_version(session, criteria_set=criteria_set, data=data, actor=actor)
    return model_response(request, version, schema=CriteriaSetVersionRead, status_code=201, etag=_version_etag(version),
                          headers={"Location": f"/api/v1/criteria-sets/{set_id}/versions/{version.number}"})


@router.get("/criteria-sets/{set_id}/versions/{number}", summary="Read a version", response_model=CriteriaSetVersionRead,
            responses=problems(VersionNotFound))
async def get_version(request: Request, set_id: SetId, number: Number, session: ReadSessionDep) -> Response:
    """One version: its phases, in order, with a copy of each criterion as it was saved."""
    version = await service.get_version(session, set_id, number)
    return model_response(request, version, schema=CriteriaSetVersionRead, etag=_version_etag(version))


@router.put("/criteria-sets/{set_id}/versions/{number}", summary="Replace an unused version",
            response_model=CriteriaSetVersionRead,
            responses=problems(*WRITE_PROBLEMS, CriteriaSetNotFound, VersionNotFound, VersionInUse,
                               PreconditionFailed, UnknownReference))
async def replace_version(request: Request, set_id: SetId, number: Number, data: VersionIn, session: SessionDep,
                          actor: AuthenticatedDep, if_match: IfMatch = None) -> Response:
    """Replace a version that no screening has used; a used version answers 409 (add a new version instead)."""
    criteria_set = await service.get_set(session, set_id, for_update=True)
    if if_match is not None:
        check_if_match(if_match, _version_etag(await service.get_version(session, set_id, number, for_update=True)))
    version = await service.replace_version(session, criteria_set=criteria_set, number=number, data=data,
                                            actor=actor)
    return model_response(request, version, schema=CriteriaSetVersionRead, etag=_version_etag(version))
