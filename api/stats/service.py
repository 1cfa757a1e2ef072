"""Aggregates for dashboards, each a few GROUP BY statements; and the data versions their ETags are made from.

A data version is a cheap statement over the tables an aggregate reads (row counts, the latest `updated_at`
or id) that changes whenever the aggregate could: every write of those tables sets `updated_at`, inserts a
higher id or changes a count. It runs before the aggregate, so when a write falls between the two the answer
carries the older version and the next request recomputes: a stale answer never gets a newer ETag. The clusters'
aggregates read their version in their own statement instead (cluster_counts), the version alone being read first
only to answer an If-None-Match.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, null, or_, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.calls import reports
from api.calls import service as calls_service
from api.calls.errors import CallNotFound
from api.calls.models import Application, Call, LedgerEntry
from api.clusters.models import Cluster, ClusterMembership, ClusterNaceCode
from api.core.versions import Version, read_version, table_version
from api.emas.models import Adoption, ResourceVersion, SharedResource, Validation
from api.emas.schemas import ValidationOutcome, VersionStatus
from api.organizations.models import Organization
from api.screenings import service as screenings_service
from api.screenings.errors import ScreeningNotFinished
from api.screenings.models import Screening, ScreeningResult
from api.screenings.schemas import Status
from api.training.models import Attendance, Event, ProgrammeOutput, Registration
from api.stats.schemas import (SIZE_BANDS, SIZE_CLASSES, VALIDATION_STATES, ClusterFilters, ClusterGroupBy,
                               OrganizationFilters)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


# clusters -------------------------------------------------------------------------------------------------------
def _cluster_clauses(filters: ClusterFilters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.country:
        clauses.append(Cluster.country == filters.country)
    if filters.region:
        clauses.append(Cluster.region_code.like(f"{filters.region}%"))
    if filters.kind:
        clauses.append(Cluster.kind == filters.kind)
    if filters.sector:
        # As the cluster list's `nace` filter, so that both give the same count: a cluster of division 15
        # answers 15.20, one of 15.20 answers 15. An alias, so that a query joining the codes does not
        # correlate this test to its own row.
        code = aliased(ClusterNaceCode)
        clauses.append(exists().where(code.cluster_id == Cluster.id, or_(
            code.code.like(f"{filters.sector}%"), literal(filters.sector).like(code.code.concat("%")))))
    return clauses


def _size_band() -> ColumnElement[str]:
    n = Cluster.enterprises_count
    return case((or_(n.is_(None), n < 1), "unknown"), (n < 10, "1-9"), (n < 50, "10-49"), (n < 250, "50-249"),
                (n < 1000, "250-999"), else_="1000+")


async def clusters_version(session: AsyncSession) -> Version:
    """Clusters' count and latest update; their NACE codes change only with an update of the cluster."""
    return await read_version(session, _clusters_version())


def _clusters_version() -> list[Any]:
    return table_version(Cluster, Cluster.updated_at)


async def cluster_counts(session: AsyncSession, *, group_by: ClusterGroupBy,
                         filters: ClusterFilters) -> tuple[Version, dict[str, Any]]:
    """Clusters per country, kind, NACE division or size band of their enterprises, and the clusters' data version
    (the one clusters_version reads), both from one statement: the answer and its version are of one snapshot,
    and a request with nothing to compare spares the statement of the version alone.

    The version comes as the last row, without a key (every group has one). Its count is the clusters', which is
    the total when no filter applies.
    """
    clauses = _cluster_clauses(filters)
    every, latest = _clusters_version()
    if group_by == ClusterGroupBy.sector:
        counts, total, version = await _sector_counts(session, clauses, every, latest)
        return version, {"group_by": group_by, "filters": filters, "total": total,
                         "groups": [{"key": key, "count": count} for key, count in counts.items()]}
    key = {ClusterGroupBy.country: Cluster.country, ClusterGroupBy.kind: Cluster.kind,
           ClusterGroupBy.size: _size_band()}[group_by]
    # Grouping on a subquery's column: PostgreSQL does not take an expression with bind parameters in
    # GROUP BY as the same as the one in the select list.
    keyed = select(key.label("key")).where(*clauses).subquery()
    rows = (await session.execute(union_all(
        select(keyed.c.key, func.count(), type_coerce(null(), latest.type)).group_by(keyed.c.key),
        select(null(), every if clauses else null(), latest)))).all()
    counts = {str(key): count for key, count, _ in sorted(row for row in rows if row[0] is not None)}
    if group_by == ClusterGroupBy.size:
        counts = {band: counts.get(band, 0) for band in SIZE_BANDS}
    # Every cluster has exactly one key here: the groups add up to the total (no second count of the table).
    total = sum(counts.values())
    _, clusters, updated = next(row for row in rows if row[0] is None)
    return (total if not clauses else clusters, updated), {
        "group_by": group_by, "filters": filters, "total": total,
        "groups": [{"key": key, "count": count} for key, count in counts.items()]}


async def _sector_counts(session: AsyncSession, clauses: list[ColumnElement[bool]], every: Any, latest: Any
                         ) -> tuple[dict[str, int], int, Version]:
    """Clusters per NACE division (a cluster with codes 15.1 and 15.20 counts once under 15), those without any
    code under "unknown", the clusters matching, and the clusters' version.

    The distinct clusters of each division are read from the index on (division, cluster) in its order, without
    touching the table (bench/datasets.py times it against the former ordered pass over the (cluster, code) key);
    the last row, without a division, holds the clusters matching and those having any code.
    """
    code = ClusterNaceCode
    division = code.division
    scoped = [code.cluster_id.in_(select(Cluster.id).where(*clauses))] if clauses else []
    coded = func.count(code.cluster_id.distinct())
    matching = select(func.count()).select_from(Cluster).where(*clauses).scalar_subquery()
    rows = (await session.execute(union_all(
        select(division, coded, null(), null(), type_coerce(null(), latest.type)).where(*scoped).group_by(division),
        select(null(), matching, select(coded).where(*scoped).scalar_subquery(), every if clauses else null(),
               latest)))).all()
    # A code is never empty: only the last row has no division.
    counts = {str(key): int(n) for key, n, *_ in sorted(row for row in rows if row[0] is not None)}
    _, total, with_code, clusters, updated = next(row for row in rows if row[0] is None)
    if total - with_code:
        counts["unknown"] = total - with_code
    return counts, total, (total if not clauses else clusters, updated)


# organizations --------------------------------------------------------------------------------------------------
async def organizations_version(session: AsyncSession) -> Version:
    """Organizations' count and latest update; memberships, which are only added and removed, by count and id."""
    return await read_version(session, table_version(Organization, Organization.updated_at),
                              table_version(ClusterMembership, ClusterMembership.id))


def _recorded(column: ColumnElement[str | None]) -> ColumnElement[bool]:
    return and_(column.is_not(None), column != "")


async def organization_counts(session: AsyncSession, *, filters: OrganizationFilters) -> dict[str, Any]:
    """Organizations per size class, and how many have an EMAS registration and an ISO 14001 certificate."""
    o = Organization
    clauses: list[ColumnElement[bool]] = []
    if filters.country:
        clauses.append(o.country == filters.country)
    if filters.region:
        clauses.append(o.region_code.like(f"{filters.region}%"))
    if filters.kind:
        clauses.append(o.kind == filters.kind)
    if filters.cluster_id is not None:
        clauses.append(o.id.in_(select(ClusterMembership.organization_id).where(
            ClusterMembership.cluster_id == filters.cluster_id, ClusterMembership.left_date.is_(None))))
    emas, iso = _recorded(o.emas_registration_number), _recorded(o.iso14001_certificate)
    rows = (await session.execute(select(o.size_class, func.count(), _count(emas), _count(iso))
                                  .where(*clauses).group_by(o.size_class))).all()
    by_class = {key or "unknown": {"count": count, "emas_registered": int(e), "iso14001_certified": int(i)}
                for key, count, e, i in rows}
    empty = {"count": 0, "emas_registered": 0, "iso14001_certified": 0}
    groups = [{"key": key, **by_class.get(key, empty)} for key in SIZE_CLASSES]
    total = sum(g["count"] for g in groups)
    emas_count, iso_count = sum(g["emas_registered"] for g in groups), sum(g["iso14001_certified"] for g in groups)
    return {"filters": filters, "total": total, "by_size_class": groups,
            "emas_registered": {"count": emas_count, "share": _share(emas_count, total)},
            "iso14001_certified": {"count": iso_count, "share": _share(iso_count, total)}}


# screenings -----------------------------------------------------------------------------------------------------
async def finished_screening(session: AsyncSession, screening_id: int) -> Screening:
    """The run, once done: its results never change after, so its id and end are its data version."""
    screening = await screenings_service.get(session, screening_id)
    if screening.status != Status.done.value:
        raise ScreeningNotFinished(f"Screening {screening_id} is {screening.status}; its figures come when it is "
                                   "done.", headers={"Retry-After": "5"} if screening.status != Status.failed.value
                                   else {})
    return screening


async def screening_funnel(session: AsyncSession, *, screening: Screening) -> dict[str, Any]:
    """The funnel the run stored, and its outcomes per country."""
    r = ScreeningResult
    rows = (await session.execute(
        select(r.country, func.count(), _count(r.outcome == "selected"), _count(r.outcome == "needs_review"),
               _count(r.outcome == "rejected"))
        .where(r.screening_id == screening.id).group_by(r.country).order_by(r.country))).all()
    entered, selected, review = screening.entered or 0, screening.selected or 0, screening.needs_review or 0
    return {
        "screening_id": screening.id, "criteria_set_id": screening.set_id, "version": screening.version_number,
        "finished_at": screening.finished_at, "entered": entered, "selected": selected, "needs_review": review,
        # Every result has one of the three outcomes.
        "rejected": entered - selected - review, "phases": screening.funnel or [],
        "by_country": [{"country": country, "entered": n, "selected": s, "needs_review": nr, "rejected": rj}
                       for country, n, s, nr, rj in rows],
    }


# EMAS -----------------------------------------------------------------------------------------------------------
async def emas_version(session: AsyncSession) -> Version:
    """Shared resources by count and latest update (a version, a release or a validation updates the resource),
    adoptions and memberships by count and latest id, clusters (their filters and names) as for cluster counts."""
    return await read_version(session, table_version(SharedResource, SharedResource.updated_at),
                              table_version(Adoption, Adoption.id),
                              table_version(ClusterMembership, ClusterMembership.id),
                              table_version(Cluster, Cluster.updated_at))


def _latest_validations() -> Any:
    """Each version's validations ranked newest first (rank 1 is the one that counts), as validation.for_versions
    orders them."""
    v = Validation
    return select(v.version_id, v.outcome, v.valid_until, func.row_number().over(
        partition_by=v.version_id, order_by=(v.validated_date.desc(), v.id.desc())).label("rank")).subquery()


async def emas_counts(session: AsyncSession, *, filters: ClusterFilters, today: date) -> dict[str, Any]:
    """Shared resources by type and by the state of their latest validation; per cluster, the members that
    adopted a validated resource. With a cluster filter, only the resources of matching clusters count."""
    clauses = _cluster_clauses(filters)
    owned = [SharedResource.cluster_id.in_(select(Cluster.id).where(*clauses))] if clauses else []
    by_type = (await session.execute(select(SharedResource.type, func.count()).where(*owned)
                                     .group_by(SharedResource.type).order_by(SharedResource.type))).all()

    released = (select(ResourceVersion.resource_id, func.max(ResourceVersion.number).label("number"))
                .where(ResourceVersion.status == VersionStatus.released.value)
                .group_by(ResourceVersion.resource_id).subquery())
    ranked = _latest_validations()
    # validation.status_of, in SQL.
    state = case((ranked.c.outcome.is_(None), "none"),
                 (ranked.c.outcome == ValidationOutcome.rejected.value, "rejected"),
                 (ranked.c.valid_until < today, "expired"), else_="current")
    states = (select(state.label("state")).select_from(SharedResource)
              .outerjoin(released, released.c.resource_id == SharedResource.id)
              .outerjoin(ResourceVersion, and_(ResourceVersion.resource_id == released.c.resource_id,
                                               ResourceVersion.number == released.c.number))
              .outerjoin(ranked, and_(ranked.c.version_id == ResourceVersion.id, ranked.c.rank == 1))
              .where(*owned).subquery())
    by_state = dict((await session.execute(select(states.c.state, func.count()).group_by(states.c.state))).all())

    resources = (select(SharedResource.cluster_id, func.count().label("n")).where(
        SharedResource.cluster_id.is_not(None), *owned).group_by(SharedResource.cluster_id).subquery())
    members = (select(ClusterMembership.cluster_id, func.count().label("n"))
               .where(ClusterMembership.left_date.is_(None)).group_by(ClusterMembership.cluster_id).subquery())
    # An adoption counts while the latest validation of the adopted version is current, as in a firm's coverage.
    counted = _latest_validations()
    adopters = (select(SharedResource.cluster_id, func.count(Adoption.organization_id.distinct()).label("n"))
                .join(Adoption, Adoption.resource_id == SharedResource.id)
                .join(counted, and_(counted.c.version_id == Adoption.version_id, counted.c.rank == 1))
                .join(ClusterMembership, and_(ClusterMembership.cluster_id == SharedResource.cluster_id,
                                              ClusterMembership.organization_id == Adoption.organization_id,
                                              ClusterMembership.left_date.is_(None)))
                .where(counted.c.outcome != ValidationOutcome.rejected.value, counted.c.valid_until >= today)
                .group_by(SharedResource.cluster_id).subquery())
    coverage = (await session.execute(
        select(Cluster.id, Cluster.name, resources.c.n, func.coalesce(members.c.n, 0),
               func.coalesce(adopters.c.n, 0))
        .join(resources, resources.c.cluster_id == Cluster.id)
        .outerjoin(members, members.c.cluster_id == Cluster.id)
        .outerjoin(adopters, adopters.c.cluster_id == Cluster.id).order_by(Cluster.id))).all()
    return {
        "filters": filters, "as_of": today, "resources": sum(n for _, n in by_type),
        "by_type": [{"key": key, "count": n} for key, n in by_type],
        "by_validation_state": [{"key": key, "count": by_state.get(key, 0)} for key in VALIDATION_STATES],
        "clusters": [{"cluster_id": cid, "name": name, "resources": n, "member_firms": firms,
                      "adopting_firms": adopting, "share": _share(adopting, firms)}
                     for cid, name, n, firms, adopting in coverage],
    }


# calls ----------------------------------------------------------------------------------------------------------
async def call_version(session: AsyncSession, call_id: int) -> Version:
    """The call's own version, its applications by count and latest update, its ledger (only ever appended to)
    by count and latest id. 404 when there is no such call."""
    a, ledger = Application, LedgerEntry
    row = (await session.execute(select(
        Call.version, Call.updated_at, *table_version(a, a.updated_at, a.call_id == Call.id),
        *table_version(ledger, ledger.id, ledger.call_id == Call.id)).where(Call.id == call_id))).first()
    if row is None:
        raise CallNotFound(f"No call with id {call_id}.")
    return tuple(row)


async def call_counts(session: AsyncSession, *, call_id: int) -> dict[str, Any]:
    """Applications by state, province and category, and each funder's budget against what it has allocated."""
    call = await calls_service.get(session, call_id)
    a = Application
    groups: dict[str, list[dict[str, Any]]] = {}
    for name, column in (("by_state", a.state), ("by_province", a.province), ("by_category", a.category)):
        by_key = await reports.applications_by(session, call.id, column)
        # No value sorts first on SQLite and last on PostgreSQL: always last here.
        groups[name] = [{"key": key, **figures} for key, figures in
                        sorted(by_key.items(), key=lambda item: item[0] == "unknown")]
    budget = await calls_service.budget(session, call)
    return {"call_id": call.id, "applications": sum(g["applications"] for g in groups["by_state"]), **groups,
            "budget": budget["total"], "allocated": budget["allocated"], "remaining": budget["remaining"],
            "funders": budget["funders"]}


# events ---------------------------------------------------------------------------------------------------------
async def events_version(session: AsyncSession, now: datetime) -> Version:
    # The hour is part of the version: an event becomes "held" when it ends, without any write.
    return (now.replace(minute=0, second=0, microsecond=0),
            *await read_version(session, table_version(Event, Event.updated_at),
                                table_version(Registration, Registration.id),
                                table_version(Attendance, Attendance.checked_at)))


async def event_counts(session: AsyncSession, *, programme_id: int | None, start: datetime | None,
                       end: datetime | None, now: datetime) -> dict[str, Any]:
    """Events held against planned per programme output, and registrations and attendance per topic."""
    clauses: list[ColumnElement[bool]] = [Event.status == "scheduled"]
    if programme_id is not None:
        clauses.append(Event.programme_id == programme_id)
    if start is not None:
        clauses.append(Event.starts_at >= start)
    if end is not None:
        clauses.append(Event.starts_at < end)
    held = Event.ends_at <= now
    outputs = (await session.execute(
        select(ProgrammeOutput.id, ProgrammeOutput.programme_id, ProgrammeOutput.kind, ProgrammeOutput.title,
               ProgrammeOutput.target_count, _count(held), _count(~held))
        .join(Event, (Event.output_id == ProgrammeOutput.id) & and_(*clauses), isouter=True)
        .where(*([ProgrammeOutput.programme_id == programme_id] if programme_id is not None else []))
        .group_by(ProgrammeOutput.id, ProgrammeOutput.programme_id, ProgrammeOutput.kind, ProgrammeOutput.title,
                  ProgrammeOutput.target_count)
        .order_by(ProgrammeOutput.programme_id, ProgrammeOutput.id))).all()
    attended = (select(Attendance.registration_id).where(Attendance.attended.is_(True))
                .group_by(Attendance.registration_id).subquery())
    # Grouped by event id only: PostgreSQL cannot group by a json column; the topics are joined afterwards.
    per_event = (select(Event.id.label("event_id"),
                        func.count(func.distinct(Registration.id)).label("registered"),
                        func.count(func.distinct(attended.c.registration_id)).label("attended"))
                 .select_from(Event)
                 .outerjoin(Registration, (Registration.event_id == Event.id)
                            & Registration.status.in_(("confirmed", "waiting")))
                 .outerjoin(attended, attended.c.registration_id == Registration.id)
                 .where(*clauses, held).group_by(Event.id).subquery())
    rows = (await session.execute(select(Event.topics, per_event.c.registered, per_event.c.attended)
                                  .join(per_event, per_event.c.event_id == Event.id))).all()
    topics: dict[str, dict[str, int]] = {}
    for event_topics, registered, attended_count in rows:
        for topic in (event_topics if isinstance(event_topics, list) else []) or ["(none)"]:
            entry = topics.setdefault(topic, {"events": 0, "registered": 0, "attended": 0})
            entry["events"] += 1
            entry["registered"] += registered
            entry["attended"] += attended_count
    return {
        "programme_id": programme_id,
        "outputs": [{"output_id": o[0], "programme_id": o[1], "kind": o[2], "title": o[3], "planned": o[4],
                     "held": int(o[5]), "scheduled": int(o[6]), "missing": max(0, o[4] - int(o[5]))}
                    for o in outputs],
        "topics": [{"topic": t, **v} for t, v in sorted(topics.items())],
    }
