from __future__ import annotations

from datetime import date
from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Request, Response

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.clusters import service as clusters_service
from api.clusters.errors import ClusterNotFound, UnknownReference
from api.core.db import ReadSessionDep, SessionDep
from api.core.errors import Forbidden, PreconditionFailed, problems
from api.core.etag import IfMatch, body_etag, check_if_match, etag
from api.core.http import json_bytes, model_response
from api.ecocluster import service
from api.ecocluster.errors import (AttestationDecided, AttestationNotFound, AttestationPending, SeriesNameTaken,
                                   SeriesNotFound, StepBlocked, StepNotFound, ValueNotFound)
from api.ecocluster.schemas import (ApoDecision, ApoRead, ApoRequest, EmasRegistration, ClusterProgrammeRead, SeriesCreate,
                                    SeriesRead, SeriesUpdate, StepCreate, StepRead, StepUpdate, TargetIn, ValueIn,
                                    Year)
from api.core.schemas import MAX_ID

router = APIRouter(prefix="/clusters/{cluster_id}", tags=["eco-cluster"])

ClusterId = Annotated[int, Path(ge=1, le=MAX_ID, description="The cluster's id.")]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
YearPath = Annotated[Year, Path(description="The year.")]
WRITE = (InvalidAccessToken, Forbidden, ClusterNotFound)


def _today() -> date:
    return date.today()


def _json(request: Request, model, data, status_code: int = 200, tag: str | None = None,  # noqa: ANN001
          headers: dict[str, str] | None = None) -> Response:
    return model_response(request, data, schema=model, status_code=status_code, etag=tag, headers=headers)


async def _programme(request: Request, session, cluster_id: int, status_code: int = 200) -> Response:  # noqa: ANN001
    steps = await service.steps_of(session, cluster_id)
    return _json(request, ClusterProgrammeRead, service.render_programme(cluster_id, steps, _today()), status_code)


@router.get("/programme", summary="A cluster's environmental programme", response_model=ClusterProgrammeRead,
            responses=problems(ClusterNotFound))
async def programme(request: Request, cluster_id: ClusterId, session: ReadSessionDep) -> Response:
    """The Eco-Cluster model's connected steps in order, with the roles of those involved (promoting body,
    coordinating body, enterprises, public administrations, verifier), status, dates, what blocks each step and
    which are overdue."""
    await clusters_service.ensure_exists(session, cluster_id)
    return await _programme(request, session, cluster_id)


@router.post("/programme/steps", status_code=201, summary="Add a programme step", response_model=ClusterProgrammeRead,
             responses=problems(*WRITE, UnknownReference, StepBlocked))
async def add_step(request: Request, cluster_id: ClusterId, data: StepCreate, session: SessionDep,
                   actor: AuthenticatedDep) -> Response:
    """Add a step (at `position`, or last); a step can be done only when the steps it depends on are."""
    cluster = await clusters_service.load(session, cluster_id)
    await service.add_step(session, cluster=cluster, data=data, actor=actor, today=_today())
    return await _programme(request, session, cluster_id, 201)


@router.patch("/programme/steps/{step_id}", summary="Change a programme step", response_model=StepRead,
              responses=problems(*WRITE, StepNotFound, StepBlocked, UnknownReference, PreconditionFailed))
async def update_step(request: Request, cluster_id: ClusterId, step_id: ItemId, data: StepUpdate,
                      session: SessionDep, actor: AuthenticatedDep, if_match: IfMatch = None) -> Response:
    """Change the fields sent: status and dates as the work goes on, roles, dependencies, position."""
    cluster = await clusters_service.load(session, cluster_id)
    step = await service.get_step(session, cluster_id, step_id)
    check_if_match(if_match, etag("programme-step", step.id, step.version))
    step = await service.update_step(session, cluster=cluster, step=step, data=data, actor=actor, today=_today())
    rendered = service.render_programme(cluster_id, await service.steps_of(session, cluster_id), _today())
    return _json(request, StepRead, next(s for s in rendered["steps"] if s["id"] == step.id),
                 tag=etag("programme-step", step.id, step.version))


@router.delete("/programme/steps/{step_id}", status_code=204, summary="Remove a programme step",
               responses=problems(*WRITE, StepNotFound))
async def delete_step(cluster_id: ClusterId, step_id: ItemId, session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Remove a step; the steps that depended on it no longer do."""
    cluster = await clusters_service.load(session, cluster_id)
    await service.delete_step(session, cluster=cluster, step=await service.get_step(session, cluster_id, step_id),
                              actor=actor)
    return Response(status_code=204)


@router.get("/indicators", summary="A cluster's territorial indicators", response_model=list[SeriesRead],
            responses=problems(ClusterNotFound))
async def indicators(request: Request, cluster_id: ClusterId, session: ReadSessionDep) -> Response:
    """Each indicator's yearly values with their source, its trend, the change against its base year, and the
    state of each target."""
    await clusters_service.ensure_exists(session, cluster_id)
    today = _today()
    body = orjson.dumps([SeriesRead.model_validate(service.render_series(s, today)).model_dump(mode="json")
                         for s in await service.series_of(session, cluster_id)])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.post("/indicators", status_code=201, summary="Add an indicator series", response_model=SeriesRead,
             responses=problems(*WRITE, SeriesNameTaken))
async def add_series(request: Request, cluster_id: ClusterId, data: SeriesCreate, session: SessionDep,
                     actor: AuthenticatedDep) -> Response:
    """A series of an EMAS core indicator (energy, materials, water, waste, land use and biodiversity,
    emissions) or another one, with its unit, base year, values and targets."""
    cluster = await clusters_service.load(session, cluster_id)
    series = await service.add_series(session, cluster=cluster, data=data, actor=actor)
    return _json(request, SeriesRead, service.render_series(series, _today()), 201)


@router.get("/indicators/{series_id}", summary="Read an indicator series", response_model=SeriesRead,
            responses=problems(SeriesNotFound))
async def get_series(request: Request, cluster_id: ClusterId, series_id: ItemId, session: ReadSessionDep) -> Response:
    """One series with its trend, change against the base year and targets."""
    series = await service.get_series(session, cluster_id, series_id)
    return _json(request, SeriesRead, service.render_series(series, _today()))


@router.patch("/indicators/{series_id}", summary="Change an indicator series", response_model=SeriesRead,
              responses=problems(*WRITE, SeriesNotFound, SeriesNameTaken))
async def update_series(request: Request, cluster_id: ClusterId, series_id: ItemId, data: SeriesUpdate,
                        session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Change its name, unit, base year or which direction is better."""
    cluster = await clusters_service.load(session, cluster_id)
    series = await service.update_series(session, cluster=cluster, data=data, actor=actor,
                                         series=await service.get_series(session, cluster_id, series_id))
    return _json(request, SeriesRead, service.render_series(series, _today()))


async def _put(request: Request, cluster_id: int, series_id: int, year: int, data, session, actor) -> Response:  # noqa: ANN001
    cluster = await clusters_service.load(session, cluster_id)
    series, created = await service.put_point(session, cluster=cluster, year=year, data=data, actor=actor,
                                              series=await service.get_series(session, cluster_id, series_id))
    return _json(request, SeriesRead, service.render_series(series, _today()), 201 if created else 200)


@router.put("/indicators/{series_id}/values/{year}", summary="Set a year's value", response_model=SeriesRead,
            responses=problems(*WRITE, SeriesNotFound))
async def put_value(request: Request, cluster_id: ClusterId, series_id: ItemId, year: YearPath, data: ValueIn,
                    session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Record (or correct) the value of a year with its source: 201 when new, 200 when replaced."""
    return await _put(request, cluster_id, series_id, year, data, session, actor)


@router.put("/indicators/{series_id}/targets/{year}", summary="Set a year's target", response_model=SeriesRead,
            responses=problems(*WRITE, SeriesNotFound))
async def put_target(request: Request, cluster_id: ClusterId, series_id: ItemId, year: YearPath, data: TargetIn,
                     session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Set the target for a year: 201 when new, 200 when replaced."""
    return await _put(request, cluster_id, series_id, year, data, session, actor)


@router.delete("/indicators/{series_id}/values/{year}", status_code=204, summary="Remove a year's value",
               responses=problems(*WRITE, SeriesNotFound, ValueNotFound))
async def delete_value(cluster_id: ClusterId, series_id: ItemId, year: YearPath, session: SessionDep,
                       actor: AuthenticatedDep) -> Response:
    """Remove the value recorded for a year."""
    return await _delete(cluster_id, series_id, year, False, session, actor)


async def _delete(cluster_id: int, series_id: int, year: int, target: bool, session, actor) -> Response:  # noqa: ANN001
    cluster = await clusters_service.load(session, cluster_id)
    await service.delete_point(session, cluster=cluster, year=year, target=target, actor=actor,
                               series=await service.get_series(session, cluster_id, series_id))
    return Response(status_code=204)


@router.delete("/indicators/{series_id}/targets/{year}", status_code=204, summary="Remove a year's target",
               responses=problems(*WRITE, SeriesNotFound, ValueNotFound))
async def delete_target(cluster_id: ClusterId, series_id: ItemId, year: YearPath, session: SessionDep,
                        actor: AuthenticatedDep) -> Response:
    """Remove the target set for a year."""
    return await _delete(cluster_id, series_id, year, True, session, actor)


@router.get("/apo", summary="A cluster's APO attestations", response_model=list[ApoRead],
            responses=problems(ClusterNotFound))
async def attestations(request: Request, cluster_id: ClusterId, session: ReadSessionDep) -> Response:
    """Requests and decisions on the cluster's Ambito Produttivo Omogeneo attestation; a granted one past its end
    reads `expired`, with the date."""
    await clusters_service.ensure_exists(session, cluster_id)
    today = _today()
    body = orjson.dumps([ApoRead.model_validate(service.render_attestation(a, today)).model_dump(mode="json")
                         for a in await service.attestations_of(session, cluster_id)])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.post("/apo", status_code=201, summary="Request an APO attestation", response_model=ApoRead,
             responses=problems(*WRITE, AttestationPending))
async def request_attestation(request: Request, cluster_id: ClusterId, data: ApoRequest, session: SessionDep,
                              actor: AuthenticatedDep) -> Response:
    """Record that the cluster requested the attestation (one pending request at a time)."""
    cluster = await clusters_service.load(session, cluster_id)
    row = await service.request_attestation(session, cluster=cluster, data=data, actor=actor, today=_today())
    return _json(request, ApoRead, service.render_attestation(row, _today()), 201)


@router.patch("/apo/{attestation_id}", summary="Decide on an APO request", response_model=ApoRead,
              responses=problems(*WRITE, AttestationNotFound, AttestationDecided))
async def decide_attestation(request: Request, cluster_id: ClusterId, attestation_id: ItemId, data: ApoDecision,
                             session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Record the decision: granted (issuer, date, validity end) or refused (the cluster's Region)."""
    cluster = await clusters_service.load(session, cluster_id)
    row = await service.decide_attestation(session, cluster=cluster, attestation_id=attestation_id, data=data,
                                           actor=actor, today=_today())
    return _json(request, ApoRead, service.render_attestation(row, _today()))


@router.get("/emas-registrations", summary="EMAS registrations of the members",
            response_model=list[EmasRegistration], responses=problems(ClusterNotFound))
async def registrations(request: Request, cluster_id: ClusterId, session: ReadSessionDep) -> Response:
    """The cluster's current members with their EMAS registration number and ISO 14001 certificate, when
    recorded."""
    await clusters_service.ensure_exists(session, cluster_id)
    body = orjson.dumps(await service.emas_registrations(session, cluster_id))
    return json_bytes(body, etag=body_etag(body), request=request)
