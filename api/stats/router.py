from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from api.calls.errors import CallNotFound
from api.calls.schemas import RomeDateTime
from api.clusters.schemas import ClusterKind
from api.core.db import ReadSessionDep
from api.core.errors import problems
from api.core.http import AGGREGATE_NOT_MODIFIED as NOT_MODIFIED
from api.core.http import aggregate_response, versioned_aggregate_response
from api.organizations.schemas import OrganizationKind
from api.screenings.errors import ScreeningNotFinished, ScreeningNotFound
from api.stats import service
from api.stats.schemas import (CallStats, ClusterFilters, ClusterGroupBy, ClusterStats, EmasStats, EventStats,
                               OrganizationFilters, OrganizationStats, ScreeningStats)
from api.core.schemas import MAX_ID

router = APIRouter(prefix="/stats", tags=["stats"])

Country = Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2, e.g. IT.")]
Region = Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}[A-Za-z0-9]{0,3}$",
                                     description="NUTS prefix: ITI counts every region under ITI.")]


def _today() -> date:
    return date.today()


def cluster_filters(
    country: Country = None, region: Region = None,
    sector: Annotated[str | None, Query(pattern=r"^\d{2}(\.\d{1,2}){0,2}$",
                                        description="NACE prefix, e.g. 13 or 13.2.")] = None,
    kind: ClusterKind | None = None,
) -> ClusterFilters:
    return ClusterFilters(country=country.upper() if country else None, region=region.upper() if region else None,
                          sector=sector, kind=kind.value if kind else None)


ClusterFiltersDep = Annotated[ClusterFilters, Depends(cluster_filters)]


@router.get("/clusters", summary="Count clusters by group", response_model=ClusterStats,
            responses={**NOT_MODIFIED, **problems()})
async def cluster_stats(request: Request, session: ReadSessionDep, filters: ClusterFiltersDep,
                        group_by: Annotated[ClusterGroupBy, Query(
                            description="sector: NACE division; size: band of the enterprises count.")]
                        = ClusterGroupBy.country) -> Response:
    """Clusters per NACE division, country, kind or size band of enterprises (see docs/api.md, Statistics)."""
    return await versioned_aggregate_response(request, lambda: service.clusters_version(session),
                           lambda: service.cluster_counts(session, group_by=group_by, filters=filters), ClusterStats)


@router.get("/organizations", summary="Organizations by size class and certification",
            response_model=OrganizationStats, responses={**NOT_MODIFIED, **problems()})
async def organization_stats(
    request: Request, session: ReadSessionDep, country: Country = None, region: Region = None,
    kind: OrganizationKind | None = None,
    cluster_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only the cluster's current members.")]
    = None,
) -> Response:
    """Organizations per size class, and the count and share with an EMAS registration or an ISO 14001 certificate."""
    filters = OrganizationFilters(country=country.upper() if country else None,
                                  region=region.upper() if region else None, kind=kind.value if kind else None,
                                  cluster_id=cluster_id)
    return await aggregate_response(request, await service.organizations_version(session),
                        lambda: service.organization_counts(session, filters=filters), OrganizationStats)


@router.get("/screenings/{screening_id}", summary="A screening's funnel", response_model=ScreeningStats,
            responses={**NOT_MODIFIED, **problems(ScreeningNotFound, ScreeningNotFinished)})
async def screening_stats(request: Request, session: ReadSessionDep,
                          screening_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The screening's id.")]
                          ) -> Response:
    """A finished run's counts, each phase's considered, passed, failed, removed and added, outcomes per country."""
    screening = await service.finished_screening(session, screening_id)
    return await aggregate_response(request, (screening.id, screening.finished_at),
                        lambda: service.screening_funnel(session, screening=screening), ScreeningStats)


@router.get("/emas", summary="Shared EMAS resources and their adoption", response_model=EmasStats,
            responses={**NOT_MODIFIED, **problems()})
async def emas_stats(request: Request, session: ReadSessionDep, filters: ClusterFiltersDep) -> Response:
    """Shared resources by type and validation state, and per cluster how many members adopted a validated one."""
    today = _today()
    # The day is part of the version: a validation expires without any write.
    version = (today, *await service.emas_version(session))
    return await aggregate_response(request, version, lambda: service.emas_counts(session, filters=filters, today=today),
                        EmasStats)


@router.get("/calls/{call_id}", summary="A call's applications and budget", response_model=CallStats,
            responses={**NOT_MODIFIED, **problems(CallNotFound)})
async def call_stats(request: Request, session: ReadSessionDep,
                     call_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The call's id.")]) -> Response:
    """Applications by state, province and category, and each funder's budget against what it has allocated."""
    return await aggregate_response(request, await service.call_version(session, call_id),
                        lambda: service.call_counts(session, call_id=call_id), CallStats)


@router.get("/events", summary="Events held against planned, attendance per topic", response_model=EventStats,
            responses={**NOT_MODIFIED, **problems()})
async def event_stats(
    request: Request, session: ReadSessionDep,
    programme_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this programme.")] = None,
    start: Annotated[RomeDateTime | None, Query(description="Events starting from this (ISO 8601; no zone: Rome).")]
    = None,
    end: Annotated[RomeDateTime | None, Query(description="Events starting before this.")] = None,
) -> Response:
    """Per programme output, events planned, held and still scheduled; per topic, the events held with their
    registrations and attendance."""
    now = datetime.now(UTC)
    return await aggregate_response(request, await service.events_version(session, now),
                        lambda: service.event_counts(session, programme_id=programme_id, start=start, end=end,
                                                     now=now), EventStats)
