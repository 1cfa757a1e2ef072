from __future__ import annotations

from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.clusters.errors import UnknownReference
from api.core.db import DatabaseDep, ReadSessionDep, SessionDep
from api.core.errors import Forbidden, problems
from api.core.etag import body_etag
from api.core.http import json_bytes
from api.core.pagination import SortKey, fetch_page, link_header
from api.core.schemas import Page
from api.criteria.models import CriteriaSetVersion
from api.screenings import results, service
from api.screenings.errors import ScreeningNotFinished, ScreeningNotFound
from api.screenings.models import Screening
from api.screenings.schemas import (Comparison, Outcome, ScreeningCreate, ScreeningRead, ScreeningResultRead,
                                    Status)
from api.core.schemas import MAX_ID

router = APIRouter(prefix="/screenings", tags=["screenings"])

ScreeningId = Annotated[int, Path(ge=1, le=MAX_ID, description="The screening's id.")]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size (at most 200).")]
Cursor = Annotated[str | None, Query(max_length=500)]
CSV = "text/csv"


def _read(screening: Screening, version) -> bytes:  # noqa: ANN001
    return ScreeningRead.model_validate(service.render(screening, version)).model_dump_json().encode()


async def _finished(session, screening_id: int) -> Screening:  # noqa: ANN001
    screening = await service.get(session, screening_id)
    if screening.status != Status.done.value:
        raise ScreeningNotFinished(f"Screening {screening_id} is {screening.status}; results come when it is done.",
                                   headers={"Retry-After": "5"} if screening.status != Status.failed.value else {})
    return screening


@router.post("", summary="Run a screening", response_model=ScreeningRead,
             responses={202: {"model": ScreeningRead, "description": "Queued for the worker; follow Location."},
                        **problems(InvalidAccessToken, Forbidden, UnknownReference)})
async def run_screening(request: Request, data: ScreeningCreate, session: SessionDep, db: DatabaseDep,
                        actor: AuthenticatedDep) -> Response:
    """Evaluate every cluster in the scope against a criteria set version. A small scope is run at once and
    answered 200 with the funnel; a large one is queued for the worker and answered 202: poll Location until
    `status` is `done`. A scope that matches no cluster is a finished run with no results and a note."""
    screening = await service.start(session, data=data, actor=actor, db=db)
    version = await service.version_of(session, screening)
    body = _read(screening, version)
    status = 200 if screening.status == Status.done.value else 202
    return json_bytes(body, status_code=status, headers={"Location": f"/api/v1/screenings/{screening.id}"})


@router.get("", summary="List screenings", response_model=Page[ScreeningRead])
async def list_screenings(request: Request, session: ReadSessionDep, limit: Limit = 50,
                          cursor: Cursor = None) -> Response:
    """Runs, newest first."""
    rows, after = await fetch_page(session, select(Screening), key=SortKey("id", Screening.id, True),
                                   id_column=Screening.id, cursor=cursor, limit=limit)
    versions = {v.id: v for v in (await session.scalars(select(CriteriaSetVersion).where(
        CriteriaSetVersion.id.in_({row.set_version_id for row in rows})))).all()}
    body = orjson.dumps({"items": [orjson.Fragment(_read(row, versions[row.set_version_id])) for row in rows],
                         "next_cursor": after, "limit": limit})
    return json_bytes(body, etag=body_etag(body), request=request, headers=link_header(request, after))


@router.get("/{screening_id}", summary="Read a screening and its funnel", response_model=ScreeningRead,
            responses=problems(ScreeningNotFound))
async def get_screening(request: Request, screening_id: ScreeningId, session: ReadSessionDep) -> Response:
    """The run's status and, once done, how many clusters entered and left at each phase, beside the counts the
    source document reports."""
    screening = await service.get(session, screening_id)
    body = _read(screening, await service.version_of(session, screening))
    return json_bytes(body, etag=body_etag(body), request=request)


@router.get("/{screening_id}/results", summary="A screening's results", response_model=Page[ScreeningResultRead],
            responses={200: {"content": {CSV: {"schema": {"type": "string"}}},
                             "description": "A page of results, or every result as CSV."},
                       **problems(ScreeningNotFound, ScreeningNotFinished)})
async def list_results(
    request: Request, screening_id: ScreeningId, session: ReadSessionDep, db: DatabaseDep, limit: Limit = 50,
    cursor: Cursor = None,
    outcome: Annotated[list[Outcome] | None, Query(description="Only these final outcomes.")] = None,
    country: Annotated[list[str] | None, Query(max_length=300, description="Only these countries (ISO 2).")] = None,
    min_score: Annotated[float | None, Query(ge=0, description="Only scores at least this.")] = None,
    format: Annotated[Literal["json", "csv"] | None, Query(
        description="csv: every result (not a page) as CSV; also chosen by `Accept: text/csv`.")] = None,
) -> Response:
    """Clusters by score, highest first, each with its final outcome and, per phase and per criterion, the
    outcome and a one-line explanation built from the data."""
    screening = await _finished(session, screening_id)
    version = await service.version_of(session, screening)
    outcomes = [o.value for o in outcome] if outcome else None
    countries = [c.upper() for c in country] if country else None
    if format == "csv" or (format is None and CSV in request.headers.get("accept", "")):
        chunks = results.csv_chunks(db, screening.id, version, outcome=outcomes, country=countries,
                                    min_score=min_score)
        return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="screening-{screening.id}.csv"'})
    rows, after = await results.page(session, screening, outcome=outcomes, country=countries, min_score=min_score,
                                     cursor=cursor, limit=limit)
    body = orjson.dumps({"items": [results.render(row, version) for row in rows], "next_cursor": after,
                         "limit": limit})
    return json_bytes(body, etag=body_etag(body), request=request, headers=link_header(request, after))


@router.get("/{screening_id}/compare/{other_id}", summary="Compare two screenings", response_model=Comparison,
            responses=problems(ScreeningNotFound, ScreeningNotFinished))
async def compare(
    request: Request, screening_id: ScreeningId, other_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: ReadSessionDep, limit: Limit = 200, cursor: Cursor = None,
    change: Annotated[Literal["entered", "left", "changed"] | None, Query(description="Only this kind.")] = None,
) -> Response:
    """From the first run to the second: the clusters that entered the list, that left it, and that changed
    outcome while staying on (or off) it; a cluster outside one run's scope counts as absent there."""
    before = await _finished(session, screening_id)
    after = await _finished(session, other_id)
    compared = await results.compare(session, before, after, change=change, cursor=cursor, limit=limit)
    body = orjson.dumps(compared)
    return json_bytes(body, etag=body_etag(body), request=request,
                      headers=link_header(request, compared["next_cursor"]))
