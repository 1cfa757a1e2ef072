"""The Eco-Cluster programme of a cluster: connected steps with the roles of those involved, territorial
indicators with their trend and targets, the APO attestation, and the EMAS registrations of its members."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.auth.policy import Action
from api.auth.principal import Principal
from api.clusters import service as clusters_service
from api.clusters.errors import UnknownReference
from api.clusters.models import Cluster, ClusterMembership
from api.core.db import utcnow
from api.core.errors import ValidationFailed
from api.ecocluster.errors import (AttestationDecided, AttestationNotFound, AttestationPending, SeriesNameTaken,
                                   SeriesNotFound, StepBlocked, StepNotFound, ValueNotFound)
from api.ecocluster.models import ApoAttestation, IndicatorSeries, IndicatorTarget, IndicatorValue, ProgrammeStep
from api.ecocluster.schemas import (ApoDecision, ApoRequest, SeriesCreate, SeriesUpdate, StepCreate, StepStatus,
                                    StepUpdate, TargetIn, ValueIn)
from api.organizations.models import Organization

QUANTUM = Decimal("0.000001")


def _require(actor: Principal, action: Action, cluster: Cluster) -> None:
    actor.require(action, clusters_service.target(cluster))


# programme --------------------------------------------------------------------------------------------------
async def steps_of(session: AsyncSession, cluster_id: int) -> list[ProgrammeStep]:
    return list((await session.scalars(select(ProgrammeStep).where(ProgrammeStep.cluster_id == cluster_id)
                                       .order_by(ProgrammeStep.position, ProgrammeStep.id))).all())


def render_programme(cluster_id: int, steps: list[ProgrammeStep], today: date) -> dict[str, Any]:
    status = {s.id: s.status for s in steps}
    rendered = [{
        "id": s.id, "cluster_id": s.cluster_id, "position": s.position, "title": s.title,
        "description": s.description, "status": s.status, "roles": s.roles, "depends_on": s.depends_on,
        "blocked_by": [d for d in s.depends_on if status.get(d) != StepStatus.done],
        "start_date": s.start_date, "due_date": s.due_date, "completed_date": s.completed_date,
        "overdue": s.status != StepStatus.done and s.due_date is not None and s.due_date < today,
        "version": s.version} for s in steps]
    by_status = {state.value: sum(1 for s in steps if s.status == state) for state in StepStatus}
    return {"cluster_id": cluster_id, "steps": rendered, "by_status": by_status,
            "done_share": round(by_status["done"] / len(steps), 4) if steps else 0.0}


async def _check_step_links(session: AsyncSession, cluster: Cluster, step_id: int | None,
                            depends_on: list[int], roles: list[dict[str, Any]], steps: list[ProgrammeStep]) -> None:
    ids = {s.id for s in steps}
    errors = [{"field": f"body.depends_on.{i}", "message": f"step {d} is not a step of this programme",
               "code": "unknown_reference"} for i, d in enumerate(depends_on) if d not in ids or d == step_id]
    orgs = {r["organization_id"] for r in roles if r.get("organization_id")}
    if orgs:
        found = set((await session.scalars(select(Organization.id).where(Organization.id.in_(orgs)))).all())
        errors += [{"field": f"body.roles.{i}.organization_id", "message": "unknown organization",
                    "code": "unknown_reference"} for i, r in enumerate(roles) if r.get("organization_id")
                   and r["organization_id"] not in found]
    if errors:
        raise UnknownReference("The step refers to steps or organizations that do not exist.", errors=errors)
    if step_id is not None:
        # The new links must not lead back to this step.
        edges = {s.id: list(s.depends_on) for s in steps}
        edges[step_id] = depends_on
        seen: set[int] = set()
        stack = list(depends_on)
        while stack:
            current = stack.pop()
            if current == step_id:
                raise ValidationFailed("The steps would depend on each other in a circle.", errors=[{
                    "field": "body.depends_on", "message": "circular dependency", "code": "cycle"}])
            if current not in seen:
                seen.add(current)
                stack.extend(edges.get(current, []))


def _check_done(step: ProgrammeStep, steps: list[ProgrammeStep], today: date) -> None:
    if step.status != StepStatus.done:
        step.completed_date = None
        return
    status = {s.id: s.status for s in steps}
    pending = [d for d in step.depends_on if status.get(d) != StepStatus.done]
    if pending:
        raise StepBlocked(f"Step {step.title!r} depends on step(s) {', '.join(map(str, pending))}, not done yet.",
                          blocked_by=pending)
    step.completed_date = step.completed_date or today


async def add_step(session: AsyncSession, *, cluster: Cluster, data: StepCreate, actor: Principal,
                   today: date) -> ProgrammeStep:
    _require(actor, Action.cluster_programme_write, cluster)
    steps = await steps_of(session, cluster.id)
    roles = [r.model_dump(mode="json", exclude_none=True) for r in data.roles or []]
    await _check_step_links(session, cluster, None, data.depends_on or [], roles, steps)
    position = data.position or (max((s.position for s in steps), default=0) + 1)
    for s in steps:
        if s.position >= position:
            s.position += 1
    step = ProgrammeStep(cluster_id=cluster.id, position=position, title=data.title, description=data.description,
                         status=data.status.value, roles=roles, depends_on=list(dict.fromkeys(data.depends_on or [])),
                         start_date=data.start_date, due_date=data.due_date, completed_date=data.completed_date,
                         version=1)
    _check_done(step, steps, today)
    session.add(step)
    await session.flush()
    await audit.record(session, actor=actor, action="programme_step.created", object_type="cluster",
                       object_id=cluster.id, detail={"step_id": step.id, "title": step.title})
    return step


async def get_step(session: AsyncSession, cluster_id: int, step_id: int) -> ProgrammeStep:
    step = await session.get(ProgrammeStep, step_id, with_for_update=True)
    if step is None or step.cluster_id != cluster_id:
        raise StepNotFound(f"Cluster {cluster_id} has no programme step {step_id}.")
    return step


async def update_step(session: AsyncSession, *, cluster: Cluster, step: ProgrammeStep, data: StepUpdate,
                      actor: Principal, today: date) -> ProgrammeStep:
    _require(actor, Action.cluster_programme_write, cluster)
    steps = await steps_of(session, cluster.id)
    values = data.model_dump(exclude_unset=True, mode="json")
    for key in ("title", "status"):
        if key in values and values[key] is None:
            del values[key]
    roles = values.pop("roles", None)
    depends_on = values.pop("depends_on", None)
    if roles is not None or depends_on is not None:
        await _check_step_links(session, cluster, step.id, depends_on if depends_on is not None else step.depends_on,
                                roles or [], steps)
    if roles is not None:
        step.roles = [{k: v for k, v in r.items() if v is not None} for r in roles]
    if depends_on is not None:
        step.depends_on = list(dict.fromkeys(depends_on))
    position = values.pop("position", None)
    for key in ("start_date", "due_date", "completed_date"):
        if key in values:
            values[key] = getattr(data, key)
    for key, value in values.items():
        setattr(step, key, value)
    if step.start_date and step.due_date and step.due_date < step.start_date:
        raise ValidationFailed("due_date is before start_date.", errors=[{
            "field": "body.due_date", "message": "before start_date", "code": "value_error"}])
    if position is not None and position != step.position:
        others = [s for s in steps if s.id != step.id]
        others.insert(min(position, len(others) + 1) - 1, step)
        for index, s in enumerate(others, start=1):
            s.position = index
    _check_done(step, steps, today)
    if step.status != StepStatus.done:
        # A step that is no longer done cannot stay the ground of steps marked done after it.
        done_after = [s.id for s in steps if s.status == StepStatus.done and step.id in s.depends_on]
        if done_after:
            raise StepBlocked(f"Steps {', '.join(map(str, done_after))} are done and depend on this one.",
                              blocked_by=done_after)
    step.version += 1
    step.updated_at = utcnow()
    await session.flush()
    await audit.record(session, actor=actor, action="programme_step.updated", object_type="cluster",
                       object_id=cluster.id, detail={"step_id": step.id, **data.model_dump(exclude_unset=True,
                                                                                            mode="json")})
    return step


async def delete_step(session: AsyncSession, *, cluster: Cluster, step: ProgrammeStep, actor: Principal) -> None:
    _require(actor, Action.cluster_programme_write, cluster)
    for other in await steps_of(session, cluster.id):
        if step.id in other.depends_on:
            other.depends_on = [d for d in other.depends_on if d != step.id]
    await session.delete(step)
    await session.flush()
    await audit.record(session, actor=actor, action="programme_step.deleted", object_type="cluster",
                       object_id=cluster.id, detail={"step_id": step.id, "title": step.title})


# indicators -------------------------------------------------------------------------------------------------
def _q(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def analyse(series: IndicatorSeries, today: date) -> dict[str, Any]:
    """Trend (least-squares slope per year), change against the base year, and each target's state."""
    points = [(v.year, Decimal(v.value)) for v in series.values]
    lower_better = series.better == "lower"
    if len(points) >= 2:
        n = Decimal(len(points))
        mean_x = sum(Decimal(x) for x, _ in points) / n
        mean_y = sum(y for _, y in points) / n
        sxx = sum((Decimal(x) - mean_x) ** 2 for x, _ in points)
        slope = sum((Decimal(x) - mean_x) * (y - mean_y) for x, y in points) / sxx
        if mean_y != 0 and abs(slope / mean_y) < Decimal("0.005"):
            direction = "stable"
        else:
            direction = "improving" if (slope < 0) == lower_better and slope != 0 else (
                "stable" if slope == 0 else "worsening")
        trend = {"direction": direction, "slope_per_year": _q(slope), "first_year": points[0][0],
                 "last_year": points[-1][0]}
    else:
        trend = {"direction": "insufficient_data", "slope_per_year": None,
                 "first_year": points[0][0] if points else None, "last_year": points[-1][0] if points else None}
    change = None
    by_year = dict(points)
    if series.base_year is not None and series.base_year in by_year and points and points[-1][0] != series.base_year:
        base, (latest_year, latest) = by_year[series.base_year], points[-1]
        change = {"base_year": series.base_year, "base_value": base, "latest_year": latest_year,
                  "latest_value": latest, "change": _q(latest - base),
                  "change_percent": _q((latest - base) / base * 100) if base != 0 else None}
    targets = []
    for target in series.targets:
        goal = Decimal(target.value)
        upto = [y for x, y in points if x <= target.year]
        latest = points[-1][1] if points else None
        met = bool(upto) and (upto[-1] <= goal if lower_better else upto[-1] >= goal)
        if met:
            state = "met"
        elif target.year < today.year:
            state = "missed"
        else:
            state = "pending"
        targets.append({"year": target.year, "value": goal, "note": target.note, "state": state,
                        "gap": _q(goal - latest) if latest is not None else None})
    return {"trend": trend, "change_from_base": change, "targets": targets}


def render_series(series: IndicatorSeries, today: date) -> dict[str, Any]:
    return {"id": series.id, "cluster_id": series.cluster_id, "indicator": series.indicator, "name": series.name,
            "unit": series.unit, "base_year": series.base_year, "better": series.better,
            "values": [{"year": v.year, "value": Decimal(v.value), "source": v.source} for v in series.values],
            "updated_at": series.updated_at, **analyse(series, today)}


async def series_of(session: AsyncSession, cluster_id: int) -> list[IndicatorSeries]:
    return list((await session.scalars(
        select(IndicatorSeries).where(IndicatorSeries.cluster_id == cluster_id)
        .options(selectinload(IndicatorSeries.values), selectinload(IndicatorSeries.targets))
        .order_by(IndicatorSeries.id))).all())


async def get_series(session: AsyncSession, cluster_id: int, series_id: int) -> IndicatorSeries:
    series = await session.scalar(
        select(IndicatorSeries).where(IndicatorSeries.id == series_id, IndicatorSeries.cluster_id == cluster_id)
        .options(selectinload(IndicatorSeries.values), selectinload(IndicatorSeries.targets))
        .execution_options(populate_existing=True))
    if series is None:
        raise SeriesNotFound(f"Cluster {cluster_id} has no indicator series {series_id}.")
    return series


async def add_series(session: AsyncSession, *, cluster: Cluster, data: SeriesCreate,
                     actor: Principal) -> IndicatorSeries:
    _require(actor, Action.cluster_programme_write, cluster)
    taken = await session.scalar(select(IndicatorSeries.id).where(IndicatorSeries.cluster_id == cluster.id,
                                                                  IndicatorSeries.name == data.name))
    if taken is not None:
        raise SeriesNameTaken(f"Cluster {cluster.id} has a series named {data.name!r} (id {taken}).")
    series = IndicatorSeries(cluster_id=cluster.id, indicator=data.indicator.value, name=data.name, unit=data.unit,
                             base_year=data.base_year, better=data.better)
    series.values = [IndicatorValue(year=v.year, value=v.value, source=v.source) for v in data.values]
    series.targets = [IndicatorTarget(year=t.year, value=t.value, note=t.note) for t in data.targets]
    session.add(series)
    await session.flush()
    await audit.record(session, actor=actor, action="indicator_series.created", object_type="cluster",
                       object_id=cluster.id, detail={"series_id": series.id, "name": series.name})
    return await get_series(session, cluster.id, series.id)


async def update_series(session: AsyncSession, *, cluster: Cluster, series: IndicatorSeries, data: SeriesUpdate,
                        actor: Principal) -> IndicatorSeries:
    _require(actor, Action.cluster_programme_write, cluster)
    values = {k: v for k, v in data.model_dump(exclude_unset=True).items()
              if v is not None or k == "base_year"}
    if "name" in values and values["name"] != series.name:
        taken = await session.scalar(select(IndicatorSeries.id).where(IndicatorSeries.cluster_id == cluster.id,
                                                                      IndicatorSeries.name == values["name"]))
        if taken is not None:
            raise SeriesNameTaken(f"Cluster {cluster.id} has a series named {values['name']!r} (id {taken}).")
    for key, value in values.items():
        setattr(series, key, value)
    series.updated_at = utcnow()
    await session.flush()
    await audit.record(session, actor=actor, action="indicator_series.updated", object_type="cluster",
                       object_id=cluster.id, detail={"series_id": series.id, **data.model_dump(exclude_unset=True)})
    return await get_series(session, cluster.id, series.id)


async def put_point(session: AsyncSession, *, cluster: Cluster, series: IndicatorSeries, year: int,
                    data: ValueIn | TargetIn, actor: Principal) -> tuple[IndicatorSeries, bool]:
    """Set the value (or target) of a year; True when it is new."""
    _require(actor, Action.cluster_programme_write, cluster)
    model = IndicatorValue if isinstance(data, ValueIn) else IndicatorTarget
    row = await session.scalar(select(model).where(model.series_id == series.id, model.year == year))
    created = row is None
    if row is None:
        row = model(series_id=series.id, year=year)
        session.add(row)
    row.value = data.value
    if isinstance(data, ValueIn):
        row.source = data.source
    else:
        row.note = data.note
    series.updated_at = utcnow()
    await session.flush()
    kind = "value" if model is IndicatorValue else "target"
    await audit.record(session, actor=actor, action=f"indicator_{kind}.set", object_type="cluster",
                       object_id=cluster.id, detail={"series_id": series.id, "year": year, "value": str(data.value)})
    return await get_series(session, cluster.id, series.id), created


async def delete_point(session: AsyncSession, *, cluster: Cluster, series: IndicatorSeries, year: int, target: bool,
                       actor: Principal) -> None:
    _require(actor, Action.cluster_programme_write, cluster)
    model = IndicatorTarget if target else IndicatorValue
    row = await session.scalar(select(model).where(model.series_id == series.id, model.year == year))
    if row is None:
        raise ValueNotFound(f"Series {series.id} has no {'target' if target else 'value'} for {year}.")
    await session.delete(row)
    series.updated_at = utcnow()
    await session.flush()
    await audit.record(session, actor=actor, action=f"indicator_{'target' if target else 'value'}.deleted",
                       object_type="cluster", object_id=cluster.id, detail={"series_id": series.id, "year": year})


# APO attestation --------------------------------------------------------------------------------------------
def render_attestation(row: ApoAttestation, today: date) -> dict[str, Any]:
    expired = row.status == "granted" and row.valid_until is not None and row.valid_until < today
    return {"id": row.id, "cluster_id": row.cluster_id, "status": row.status,
            "state": "expired" if expired else row.status, "requested_date": row.requested_date,
            "issuer": row.issuer, "granted_date": row.granted_date, "valid_until": row.valid_until,
            "expired_on": row.valid_until if expired else None, "reference": row.reference, "note": row.note,
            "version": row.version}


async def attestations_of(session: AsyncSession, cluster_id: int) -> list[ApoAttestation]:
    return list((await session.scalars(select(ApoAttestation).where(ApoAttestation.cluster_id == cluster_id)
                                       .order_by(ApoAttestation.id))).all())


async def request_attestation(session: AsyncSession, *, cluster: Cluster, data: ApoRequest, actor: Principal,
                              today: date) -> ApoAttestation:
    _require(actor, Action.cluster_programme_write, cluster)
    await session.execute(select(Cluster.id).where(Cluster.id == cluster.id).with_for_update())
    pending = await session.scalar(select(ApoAttestation.id).where(ApoAttestation.cluster_id == cluster.id,
                                                                   ApoAttestation.status == "requested"))
    if pending is not None:
        raise AttestationPending(f"Request {pending} for cluster {cluster.id} is still pending.")
    row = ApoAttestation(cluster_id=cluster.id, status="requested", requested_date=data.requested_date or today,
                         note=data.note, version=1)
    session.add(row)
    await session.flush()
    await audit.record(session, actor=actor, action="apo_attestation.requested", object_type="cluster",
                       object_id=cluster.id, detail={"attestation_id": row.id})
    return row


async def decide_attestation(session: AsyncSession, *, cluster: Cluster, attestation_id: int, data: ApoDecision,
                             actor: Principal, today: date) -> ApoAttestation:
    actor.require(Action.apo_decide, clusters_service.target(cluster))
    row = await session.get(ApoAttestation, attestation_id, with_for_update=True)
    if row is None or row.cluster_id != cluster.id:
        raise AttestationNotFound(f"Cluster {cluster.id} has no APO attestation {attestation_id}.")
    if row.status != "requested":
        raise AttestationDecided(f"Attestation {attestation_id} was already {row.status}.")
    row.status = data.status.value
    row.issuer, row.reference = data.issuer, data.reference
    if data.note:
        row.note = data.note
    if data.status.value == "granted":
        row.granted_date = data.granted_date or today
        row.valid_until = data.valid_until
    row.version += 1
    row.updated_at = utcnow()
    await session.flush()
    await audit.record(session, actor=actor, action=f"apo_attestation.{row.status}", object_type="cluster",
                       object_id=cluster.id, detail={"attestation_id": row.id, **data.model_dump(mode="json")})
    return row


async def emas_registrations(session: AsyncSession, cluster_id: int) -> list[dict[str, Any]]:
    """The current members with their EMAS registration number or ISO 14001 certificate, when recorded."""
    rows = (await session.execute(
        select(Organization.id, Organization.name, Organization.emas_registration_number,
               Organization.iso14001_certificate)
        .join(ClusterMembership, ClusterMembership.organization_id == Organization.id)
        .where(ClusterMembership.cluster_id == cluster_id, ClusterMembership.left_date.is_(None))
        .order_by(Organization.name, Organization.id))).all()
    return [{"organization_id": r[0], "name": r[1], "emas_registration_number": r[2], "iso14001_certificate": r[3]}
            for r in rows]


