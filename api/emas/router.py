from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.clusters import service as clusters_service
from api.clusters.errors import ClusterNotFound, UnknownReference
from api.core.db import ReadSessionDep, SessionDep
from api.core.errors import Forbidden, PayloadTooLarge, PreconditionFailed, UnsupportedMediaType, problems
from api.core.etag import IfMatch, body_etag, check_if_match, etag
from api.core.http import json_bytes, model_response, page_of_models
from api.core.schemas import Page
from api.core.storage import ALLOWED, BINARY_BODY, StorageDep
from api.emas import catalogue, coverage, service, validation
from api.emas.errors import (AdoptionNotFound, AlreadyAdopted, ConflictOfInterest, EmptyVersion, EvidenceNotFound,
                             FileNotFound, NotAccredited, NotAMember, NotValidated, OutsideAccreditation,
                             ResourceInUse, ResourceNotFound, VersionNotFound, VersionNotReleased, VersionReleased)
from api.emas.schemas import (AccreditationIn, AccreditationRead, AdoptionCreate, AdoptionRead, ClusterCoverage,
                              EvidenceCreate, EvidenceRead, OrganizationCoverage, RequirementNode, ResourceCreate, ResourceRead, ResourceType,
                              ResourceUpdate, SurveillanceItem, ValidationCreate, ValidationRead, VersionCreate,
                              ResourceVersionRead)
from api.organizations.errors import OrganizationNotFound
from api.core.schemas import MAX_ID

router = APIRouter(tags=["emas"])

ResourceId = Annotated[int, Path(ge=1, le=MAX_ID, description="The shared resource's id.")]
Number = Annotated[int, Path(ge=1, le=10**6, description="The version number, from 1.")]
OrganizationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The organization's id.")]
WRITE = (InvalidAccessToken, Forbidden)


def _today() -> date:
    return date.today()


def _resource_response(request: Request, resource: Any, status_code: int = 200,
                       headers: dict[str, str] | None = None) -> Response:
    return model_response(request, service.render(resource), schema=ResourceRead, status_code=status_code,
                          etag=etag("shared-resource", resource.id, resource.version), headers=headers)


async def _versions_read(session: Any, versions: list[Any]) -> list[dict[str, Any]]:
    today = _today()
    validations = await validation.for_versions(session, [v.id for v in versions])
    return [ResourceVersionRead.model_validate({
        "resource_id": v.resource_id, "number": v.number, "status": v.status, "notes": v.notes,
        "created_at": v.created_at, "released_at": v.released_at, "files": v.files,
        "validations": validations.rendered(v.id, today),
        "validated": validation.counts(validations.latest(v.id), today)}).model_dump(mode="json")
        for v in versions]


@router.get("/emas/requirements", summary="The EMAS requirements", response_model=list[RequirementNode])
async def requirements(request: Request, session: ReadSessionDep) -> Response:
    """The structure of the EMAS Regulation (EC) 1221/2009 as amended by (EU) 2017/1505 and 2018/2026, as a
    tree: Annex I environmental review, Annex II management system (Part A: ISO 14001:2015 clauses 4 to 10;
    Part B: additional EMAS requirements), Annex III internal audit, Annex IV reporting and core indicators."""
    body = orjson.dumps(catalogue.tree(await catalogue.all_requirements(session)))
    return json_bytes(body, etag=body_etag(body), request=request, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/emas/resources", summary="List shared resources", response_model=Page[ResourceRead])
async def list_resources(
    request: Request, session: ReadSessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    cluster_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    network_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None, type: ResourceType | None = None,
) -> Response:
    """Shared resources, filtered by cluster, network or type."""
    items, after = await service.list_page(session, cluster_id=cluster_id, network_id=network_id,
                                           type_=type.value if type else None, cursor=cursor, limit=limit)
    return page_of_models(request, [service.render(r) for r in items], after, limit, schema=ResourceRead)


@router.post("/emas/resources", status_code=201, summary="Create a shared resource", response_model=ResourceRead,
             responses=problems(*WRITE, UnknownReference))
async def create_resource(request: Request, data: ResourceCreate, session: SessionDep,
                          actor: AuthenticatedDep) -> Response:
    """A cluster's (or network's) shared resource and the requirements it covers (its cluster managers)."""
    resource = await service.create(session, data=data, actor=actor)
    return _resource_response(request, resource, 201, {"Location": f"/api/v1/emas/resources/{resource.id}"})


@router.get("/emas/resources/{resource_id}", summary="Read a shared resource", response_model=ResourceRead,
            responses=problems(ResourceNotFound))
async def get_resource(request: Request, resource_id: ResourceId, session: ReadSessionDep) -> Response:
    """One shared resource with the codes of the requirements it covers."""
    return _resource_response(request, await service.get_resource(session, resource_id))


@router.patch("/emas/resources/{resource_id}", summary="Change a shared resource", response_model=ResourceRead,
              responses=problems(*WRITE, ResourceNotFound, PreconditionFailed, UnknownReference))
async def update_resource(request: Request, resource_id: ResourceId, data: ResourceUpdate, session: SessionDep,
                          actor: AuthenticatedDep, if_match: IfMatch = None) -> Response:
    """Change its type, title, description or requirements; versions and files change through versions."""
    resource = await service.get_resource(session, resource_id, for_update=True)
    check_if_match(if_match, etag("shared-resource", resource.id, resource.version))
    return _resource_response(request, await service.update(session, resource=resource, data=data, actor=actor))


@router.delete("/emas/resources/{resource_id}", status_code=204, summary="Delete a shared resource",
               responses=problems(*WRITE, ResourceNotFound, ResourceInUse, PreconditionFailed))
async def delete_resource(resource_id: ResourceId, session: SessionDep, actor: AuthenticatedDep,
                          storage: StorageDep, if_match: IfMatch = None) -> Response:
    """Delete a resource that no organization adopted and no verifier validated."""
    resource = await service.get_resource(session, resource_id, for_update=True)
    check_if_match(if_match, etag("shared-resource", resource.id, resource.version))
    await service.delete(session, resource=resource, actor=actor, storage=storage)
    return Response(status_code=204)


@router.get("/emas/resources/{resource_id}/versions", summary="List a resource's versions",
            response_model=list[ResourceVersionRead], responses=problems(ResourceNotFound))
async def list_versions(request: Request, resource_id: ResourceId, session: ReadSessionDep) -> Response:
    """Every version with its files and validations, oldest first."""
    await service.get_resource(session, resource_id)
    body = orjson.dumps(await _versions_read(session, await service.list_versions(session, resource_id)))
    return json_bytes(body, etag=body_etag(body), request=request)


@router.post("/emas/resources/{resource_id}/versions", status_code=201, summary="Start a new version",
             response_model=ResourceVersionRead, responses=problems(*WRITE, ResourceNotFound))
async def create_version(request: Request, resource_id: ResourceId, data: VersionCreate, session: SessionDep,
                         actor: AuthenticatedDep) -> Response:
    """A new draft version; it inherits neither the files nor the validation of earlier ones."""
    resource = await service.get_resource(session, resource_id, for_update=True)
    version = await service.create_version(session, resource=resource, data=data, actor=actor)
    body = orjson.dumps((await _versions_read(session, [version]))[0])
    return json_bytes(body, status_code=201, headers={
        "Location": f"/api/v1/emas/resources/{resource_id}/versions/{version.number}"})


@router.get("/emas/resources/{resource_id}/versions/{number}", summary="Read a version",
            response_model=ResourceVersionRead, responses=problems(VersionNotFound))
async def get_version(request: Request, resource_id: ResourceId, number: Number, session: ReadSessionDep) -> Response:
    """One version: its status, files (name, type, size, sha256) and validations with their state today."""
    body = orjson.dumps((await _versions_read(session, [await service.get_version(session, resource_id,
                                                                                  number)]))[0])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.post("/emas/resources/{resource_id}/versions/{number}/release", summary="Release a version",
             response_model=ResourceVersionRead,
             responses=problems(*WRITE, ResourceNotFound, VersionNotFound, VersionReleased, EmptyVersion))
async def release_version(request: Request, resource_id: ResourceId, number: Number, session: SessionDep,
                          actor: AuthenticatedDep) -> Response:
    """Freeze a draft: its files can no longer change, and a verifier may now validate it."""
    resource = await service.get_resource(session, resource_id, for_update=True)
    version = await service.release(session, resource=resource, number=number, actor=actor)
    return json_bytes(orjson.dumps((await _versions_read(session, [version]))[0]))


@router.put("/emas/resources/{resource_id}/versions/{number}/files/{filename:path}", status_code=201,
            summary="Upload a file", response_model=ResourceVersionRead,
            openapi_extra=BINARY_BODY,
            responses=problems(*WRITE, ResourceNotFound, VersionNotFound, VersionReleased, PayloadTooLarge,
                               UnsupportedMediaType))
async def upload_file(request: Request, resource_id: ResourceId, number: Number,
                      filename: Annotated[str, Path(max_length=255, description="The file's name, kept as data.")],
                      session: SessionDep, actor: AuthenticatedDep, storage: StorageDep) -> Response:
    """Stream the request body into the draft version as a file of this name (replacing one of the same name).
    The type is read from the content (PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, text, CSV) and must agree with the
    name; the size limit is CARTESIO_UPLOAD_MAX_BYTES; the sha256 is recorded."""
    resource = await service.get_resource(session, resource_id)
    await service.upload(session, resource=resource, number=number, filename=filename, chunks=request.stream(),
                         actor=actor, storage=storage, max_bytes=request.app.state.settings.upload_max_bytes)
    session.expire_all()  # the version's file list changed under it
    version = await service.get_version(session, resource_id, number)
    return json_bytes(orjson.dumps((await _versions_read(session, [version]))[0]), status_code=201)


@router.get("/emas/resources/{resource_id}/versions/{number}/files/{file_id}/content", summary="Download a file",
            responses={200: {"content": {media_type: {"schema": {"type": "string", "format": "binary"}}
                                         for media_type in ALLOWED},
                             "description": "The file as uploaded, with the type read from its content."},
                       **problems(InvalidAccessToken, FileNotFound)})
async def download_file(resource_id: ResourceId, number: Number, file_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                        session: ReadSessionDep, actor: AuthenticatedDep, storage: StorageDep) -> Response:
    """The file's bytes, with its recorded type and its original name as the download name (signed-in users)."""
    row = await service.get_file(session, resource_id=resource_id, number=number, file_id=file_id)
    ascii_name = row.filename.encode("ascii", "replace").decode().replace('"', "_")
    return StreamingResponse(storage.open(row.storage_key), media_type=row.media_type, headers={
        "Content-Length": str(row.size), "ETag": f'"{row.sha256}"', "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.filename)}"})


@router.delete("/emas/resources/{resource_id}/versions/{number}/files/{file_id}", status_code=204,
               summary="Remove a file from a draft",
               responses=problems(*WRITE, FileNotFound, VersionReleased))
async def delete_file(resource_id: ResourceId, number: Number, file_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                      session: SessionDep, actor: AuthenticatedDep, storage: StorageDep) -> Response:
    """Remove a file from a version that is still a draft."""
    resource = await service.get_resource(session, resource_id)
    await service.delete_file(session, resource=resource, number=number, file_id=file_id, actor=actor,
                              storage=storage)
    return Response(status_code=204)


@router.post("/emas/resources/{resource_id}/versions/{number}/validations", status_code=201,
             summary="Validate a version", response_model=ValidationRead,
             responses=problems(*WRITE, ResourceNotFound, VersionNotFound, NotAccredited, OutsideAccreditation,
                                ConflictOfInterest, VersionNotReleased))
async def validate_version(request: Request, resource_id: ResourceId, number: Number, data: ValidationCreate,
                           session: SessionDep, actor: AuthenticatedDep) -> Response:
    """An accredited verifier's outcome for a released version (validated, validated with findings, rejected),
    valid three years by default with yearly surveillance. A verifier whose organization belongs to the
    cluster is refused (409), and so is one whose NACE scopes do not cover the cluster (403)."""
    resource = await service.get_resource(session, resource_id)
    version = await service.get_version(session, resource_id, number, for_update=True)
    today = _today()
    made = await validation.validate(session, resource=resource, version=version, data=data, actor=actor,
                                     today=today)
    rendered = (await validation.for_versions(session, [version.id])).rendered(version.id, today)
    body = ValidationRead.model_validate(next(v for v in rendered if v["id"] == made.id)).model_dump_json()
    return json_bytes(body.encode(), status_code=201)


@router.get("/emas/surveillance", summary="Surveillance dates of validations", response_model=list[SurveillanceItem])
async def surveillance(
    request: Request, session: ReadSessionDep,
    state: Annotated[str | None, Query(pattern="^(due|upcoming)$", description="Only due or upcoming dates.")] = None,
    verifier_organization_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    cluster_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The yearly surveillance dates of the validations still valid, soonest first; `due` once reached. A
    verifier filters by its organization, a cluster by its id."""
    items = await validation.surveillance(session, verifier_organization_id=verifier_organization_id,
                                          cluster_id=cluster_id, state=state, today=_today())
    body = orjson.dumps([SurveillanceItem.model_validate(i).model_dump(mode="json") for i in items])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.put("/organizations/{organization_id}/accreditation", summary="Record a verifier's accreditation",
            response_model=AccreditationRead,
            responses=problems(*WRITE, OrganizationNotFound, NotAccredited))
async def set_accreditation(request: Request, organization_id: OrganizationId, data: AccreditationIn,
                            session: SessionDep, actor: AuthenticatedDep) -> Response:
    """The accreditation number, accrediting body and NACE scopes of an organization of kind verifier
    (administrators)."""
    row = await validation.set_accreditation(session, organization_id=organization_id, data=data, actor=actor)
    return model_response(request, row, schema=AccreditationRead)


@router.get("/organizations/{organization_id}/accreditation", summary="Read a verifier's accreditation",
            response_model=AccreditationRead, responses=problems(OrganizationNotFound))
async def get_accreditation(request: Request, organization_id: OrganizationId, session: ReadSessionDep) -> Response:
    """The verifier's accreditation, public so that anyone can check who validated a resource."""
    row = await validation.accreditation_of(session, organization_id)
    if row is None:
        raise OrganizationNotFound(f"Organization {organization_id} has no verifier accreditation.")
    return model_response(request, row, schema=AccreditationRead)


@router.post("/organizations/{organization_id}/adoptions", status_code=201, summary="Adopt a validated version",
             response_model=AdoptionRead,
             responses=problems(*WRITE, OrganizationNotFound, UnknownReference, NotAMember, NotValidated,
                                AlreadyAdopted))
async def adopt(request: Request, organization_id: OrganizationId, data: AdoptionCreate, session: SessionDep,
                actor: AuthenticatedDep) -> Response:
    """A member organization takes up a validated, still valid version of its cluster's shared resource (its
    own users or its cluster's managers); the requirements it covers need no further verification."""
    today = _today()
    made = await coverage.adopt(session, organization_id=organization_id, data=data, actor=actor, today=today)
    listed = await coverage.adoptions(session, organization_id=organization_id, actor=actor, today=today)
    body = AdoptionRead.model_validate(next(a for a in listed if a["id"] == made.id)).model_dump_json()
    return json_bytes(body.encode(), status_code=201)


@router.get("/organizations/{organization_id}/adoptions", summary="An organization's adoptions",
            response_model=list[AdoptionRead], responses=problems(OrganizationNotFound))
async def list_adoptions(request: Request, organization_id: OrganizationId, session: ReadSessionDep,
                         actor: AuthenticatedDep) -> Response:
    """The versions the organization adopted, with the state of their validation today."""
    listed = await coverage.adoptions(session, organization_id=organization_id, actor=actor, today=_today())
    body = orjson.dumps([AdoptionRead.model_validate(a).model_dump(mode="json") for a in listed])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.delete("/organizations/{organization_id}/adoptions/{adoption_id}", status_code=204,
               summary="Withdraw an adoption", responses=problems(*WRITE, OrganizationNotFound, AdoptionNotFound))
async def withdraw(organization_id: OrganizationId, adoption_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                   session: SessionDep, actor: AuthenticatedDep) -> Response:
    """The organization no longer relies on this version."""
    await coverage.withdraw(session, organization_id=organization_id, adoption_id=adoption_id, actor=actor)
    return Response(status_code=204)


@router.post("/organizations/{organization_id}/evidence", status_code=201, summary="Record own evidence",
             response_model=EvidenceRead, responses=problems(*WRITE, OrganizationNotFound, UnknownReference))
async def add_evidence(request: Request, organization_id: OrganizationId, data: EvidenceCreate,
                       session: SessionDep, actor: AuthenticatedDep) -> Response:
    """A document or record of the firm's own against a requirement (the firm's users)."""
    evidence = await coverage.add_evidence(session, organization_id=organization_id, data=data, actor=actor)
    return model_response(request, evidence, schema=EvidenceRead, status_code=201)


@router.get("/organizations/{organization_id}/evidence", summary="An organization's own evidence",
            response_model=list[EvidenceRead], responses=problems(OrganizationNotFound))
async def list_evidence(request: Request, organization_id: OrganizationId, session: ReadSessionDep,
                        actor: AuthenticatedDep) -> Response:
    """What the firm recorded against requirements itself."""
    rows = await coverage.list_evidence(session, organization_id=organization_id, actor=actor)
    body = orjson.dumps([EvidenceRead.model_validate(r).model_dump(mode="json") for r in rows])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.delete("/organizations/{organization_id}/evidence/{evidence_id}", status_code=204,
               summary="Remove own evidence", responses=problems(*WRITE, OrganizationNotFound, EvidenceNotFound))
async def remove_evidence(organization_id: OrganizationId, evidence_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                          session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Remove a record of the firm's own evidence."""
    await coverage.remove_evidence(session, organization_id=organization_id, evidence_id=evidence_id, actor=actor)
    return Response(status_code=204)


@router.get("/organizations/{organization_id}/emas-coverage", summary="An organization's EMAS coverage",
            response_model=OrganizationCoverage, responses=problems(OrganizationNotFound))
async def organization_coverage(request: Request, organization_id: OrganizationId, session: ReadSessionDep,
                                actor: AuthenticatedDep) -> Response:
    """For every requirement: covered by a validated shared resource the firm adopted (which, which version,
    valid until), by the firm's own evidence, or open; the share covered and what is still open. Seen by the
    firm, the managers of its clusters and its Region; others get 404."""
    body = orjson.dumps(await coverage.organization_coverage(session, organization_id=organization_id,
                                                             actor=actor, today=_today()))
    return json_bytes(body, etag=body_etag(body), request=request)


@router.get("/clusters/{cluster_id}/emas-coverage", summary="A cluster's EMAS coverage",
            response_model=ClusterCoverage, responses=problems(InvalidAccessToken, Forbidden, ClusterNotFound))
async def cluster_coverage(request: Request, cluster_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                           session: ReadSessionDep, actor: AuthenticatedDep) -> Response:
    """Over the current members: how many firms cover each requirement, how many cover all, and which of the
    cluster's validated resources would close the most gaps if the members that have not adopted them did."""
    cluster = await clusters_service.load(session, cluster_id)
    body = orjson.dumps(await coverage.cluster_coverage(session, cluster=cluster, actor=actor, today=_today()))
    return json_bytes(body, etag=body_etag(body), request=request)
