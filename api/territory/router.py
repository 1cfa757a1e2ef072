from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, File, Path, Query, Request, Response, UploadFile

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.core.db import ReadSessionDep, SessionDep
from api.core.errors import Forbidden, PayloadTooLarge, problems
from api.core.http import AGGREGATE_NOT_MODIFIED as NOT_MODIFIED
from api.core.http import aggregate_response
from api.core.schemas import MAX_ID, Page
from api.territory import service
from api.territory.errors import (
    ClusterNotFoundForLeads,
    EwcCodeExists,
    ImportRejected,
    SymbiosisMappingExists,
    SymbiosisMappingNotFound,
    UnknownEwcChapter,
)
from api.territory.schemas import (
    WasteDeclarationRead,
    EwcCatalogue,
    EwcCodeCreate,
    EwcCodeRead,
    ImportRead,
    SymbiosisLeads,
    SymbiosisMappingCreate,
    SymbiosisMappingRead,
    SymbiosisMappingUpdate,
    TopicRanking,
    WasteGroupBy,
    WasteStats,
)

router = APIRouter(prefix="/territory", tags=["territory"])

WRITE = (InvalidAccessToken, Forbidden)
Province = Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$", description="Province abbreviation, e.g. BS.")]
Ateco = Annotated[str | None, Query(pattern=r"^\d{2}(\.\d{1,2}){0,2}$", description="ATECO prefix, e.g. 24 or 13.2.")]
Year = Annotated[int | None, Query(ge=1993, le=2100, description="Declaration year; the latest one when absent.")]
MappingId = Annotated[int, Path(ge=1, le=MAX_ID)]
Upload = Annotated[UploadFile, File(description="The CSV file, UTF-8, in the layout of docs/imports.md.")]


def _upper(value: str | None) -> str | None:
    return value.upper() if value else None


def _label(filename: str | None) -> str | None:
    # The name the file was sent with is only shown back: kept printable and within its column, never refused.
    label = "".join(c for c in filename or "" if c.isprintable()).strip()[:300]
    return label or None


async def _import(kind: str, session: SessionDep, actor: AuthenticatedDep, file: UploadFile) -> ImportRead:
    return ImportRead.model_validate(await service.run_import(session, kind=kind, stream=file.file,
                                                              filename=_label(file.filename), actor=actor))


@router.post("/imports/registro-imprese", status_code=201, response_model=ImportRead,
             summary="Import a business-register extract", responses=problems(*WRITE, ImportRejected, PayloadTooLarge))
async def import_register(session: SessionDep, actor: AuthenticatedDep, file: Upload) -> ImportRead:
    """Upsert the firms of a Registro Imprese CSV, matched by partita IVA or codice fiscale; all or nothing."""
    return await _import("registro-imprese", session, actor, file)


@router.post("/imports/mud", status_code=201, response_model=ImportRead, summary="Import MUD waste declarations",
             responses=problems(*WRITE, ImportRejected, PayloadTooLarge))
async def import_mud(session: SessionDep, actor: AuthenticatedDep, file: Upload) -> ImportRead:
    """Upsert the declaration lines of a MUD CSV; bad rows are listed with line, column and reason, none applied."""
    return await _import("mud", session, actor, file)


@router.get("/imports", response_model=list[ImportRead], summary="List import runs", responses=problems(*WRITE))
async def list_imports(session: ReadSessionDep, actor: AuthenticatedDep,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[ImportRead]:
    """The latest import runs with what each changed (administrators)."""
    return [ImportRead.model_validate(r) for r in await service.import_runs(session, actor=actor, limit=limit)]


@router.get("/waste", response_model=WasteStats, summary="Waste produced, by group",
            responses={**NOT_MODIFIED, **problems()})
async def waste(request: Request, session: ReadSessionDep, group_by: WasteGroupBy = WasteGroupBy.province,
                year: Year = None, province: Province = None, ateco: Ateco = None,
                top: Annotated[int, Query(ge=1, le=10, description="Top streams per group.")] = 3) -> Response:
    """Tonnes produced and managed, hazardous share, declaring firms and top streams per province, ATECO division,
    EWC chapter or cluster; groups of fewer than 3 firms are suppressed."""
    return await aggregate_response(request, await service.data_version(session), lambda: service.waste(
        session, group_by=group_by, year=year, province=_upper(province), ateco=ateco, top=top), WasteStats)


@router.get("/topics", response_model=TopicRanking, summary="Environmental topics ranked for a territory",
            responses={**NOT_MODIFIED, **problems()})
async def topics(request: Request, session: ReadSessionDep, province: Province = None, ateco: Ateco = None,
                 year: Year = None) -> Response:
    """Waste, by-products, energy, water and certification ranked by the data for a province and/or sector, with
    the figures behind each score and the events planned on it; topics without data are listed unscored."""
    now = datetime.now(UTC)
    return await aggregate_response(request, await service.data_version(session, events_from=now), lambda: (
        service.topics(session, province=_upper(province), ateco=ateco, year=year, now=now)), TopicRanking)


@router.get("/symbiosis", response_model=SymbiosisLeads, summary="Industrial symbiosis leads",
            responses={**NOT_MODIFIED, **problems(ClusterNotFoundForLeads)})
async def symbiosis(request: Request, session: ReadSessionDep,
                    cluster_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None, province: Province = None,
                    year: Year = None, min_tonnes: Annotated[float, Query(ge=0, le=1e9)] = 10.0) -> Response:
    """Streams a cluster's (or a province's) firms produce in volume, with the sectors, clusters and firms that
    typically take them as input."""
    return await aggregate_response(request, await service.data_version(session), lambda: service.leads(
        session, cluster_id=cluster_id, province=_upper(province), year=year, min_tonnes=min_tonnes), SymbiosisLeads)


@router.get("/declarations", response_model=Page[WasteDeclarationRead], summary="Firms' declaration lines",
            responses=problems(*WRITE))
async def declarations(session: ReadSessionDep, actor: AuthenticatedDep, province: Province = None,
                       year: Year = None, organization_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                       cursor: Annotated[str | None, Query(pattern=r"^\d{1,19}$")] = None,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Page[WasteDeclarationRead]:
    """Single firms' MUD lines: administrators, and Region and chamber officers within their territory."""
    items, last = await service.declarations(session, actor=actor, province=_upper(province), year=year,
                                             organization_id=organization_id,
                                             after=min(int(cursor), MAX_ID) if cursor else None, limit=limit)
    return Page[WasteDeclarationRead](items=[WasteDeclarationRead.model_validate(i) for i in items],
                                 next_cursor=str(last) if last else None, limit=limit)


@router.get("/ewc", response_model=EwcCatalogue, summary="The European Waste Catalogue: chapters")
async def ewc_catalogue(session: ReadSessionDep) -> EwcCatalogue:
    """The 20 chapters with how many of their codes are loaded, the source, and whether the catalogue is complete."""
    return EwcCatalogue.model_validate(await service.ewc_catalogue(session))


@router.get("/ewc-codes", response_model=list[EwcCodeRead], summary="EWC codes")
async def ewc_codes(session: ReadSessionDep,
                    chapter: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
                    hazardous: bool | None = None) -> list[EwcCodeRead]:
    """The codes loaded, with the hazardous ones (an asterisk in the catalogue) marked."""
    return [EwcCodeRead.model_validate(c) for c in await service.ewc_codes(session, chapter=chapter,
                                                                          hazardous=hazardous)]


@router.post("/ewc-codes", status_code=201, response_model=EwcCodeRead, summary="Add an EWC code",
             responses=problems(*WRITE, EwcCodeExists, UnknownEwcChapter))
async def add_ewc_code(data: EwcCodeCreate, session: SessionDep, actor: AuthenticatedDep) -> EwcCodeRead:
    """Add a code of the catalogue that is not shipped (administrators)."""
    return EwcCodeRead.model_validate(await service.add_ewc_code(session, data=data, actor=actor))


@router.get("/symbiosis-mappings", response_model=list[SymbiosisMappingRead], summary="EWC to receiving sectors")
async def list_mappings(session: ReadSessionDep) -> list[SymbiosisMappingRead]:
    """Which NACE sectors typically take each waste stream as input; shipped entries are marked illustrative."""
    return [SymbiosisMappingRead.model_validate(m) for m in await service.mappings(session)]


@router.post("/symbiosis-mappings", status_code=201, response_model=SymbiosisMappingRead,
             summary="Add a symbiosis mapping", responses=problems(*WRITE, SymbiosisMappingExists))
async def create_mapping(data: SymbiosisMappingCreate, session: SessionDep,
                         actor: AuthenticatedDep) -> SymbiosisMappingRead:
    """Map an EWC code, sub-chapter or chapter to a receiving NACE sector (administrators)."""
    return SymbiosisMappingRead.model_validate(await service.create_mapping(session, data=data, actor=actor))


@router.patch("/symbiosis-mappings/{mapping_id}", response_model=SymbiosisMappingRead,
              summary="Change a symbiosis mapping",
              responses=problems(*WRITE, SymbiosisMappingNotFound, SymbiosisMappingExists))
async def update_mapping(mapping_id: MappingId, data: SymbiosisMappingUpdate, session: SessionDep,
                         actor: AuthenticatedDep) -> SymbiosisMappingRead:
    """Change a mapping's fields; it is no longer marked illustrative (administrators)."""
    return SymbiosisMappingRead.model_validate(await service.update_mapping(session, mapping_id=mapping_id,
                                                                            data=data, actor=actor))


@router.delete("/symbiosis-mappings/{mapping_id}", status_code=204, summary="Remove a symbiosis mapping",
               responses=problems(*WRITE, SymbiosisMappingNotFound))
async def delete_mapping(mapping_id: MappingId, session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Remove a mapping (administrators)."""
    await service.delete_mapping(session, mapping_id=mapping_id, actor=actor)
    return Response(status_code=204)
