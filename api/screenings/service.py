"""Screening runs: a criteria set version evaluated over the clusters in a scope, in one SQL statement.

Every cluster's outcome per criterion and its explanation are computed by the database
(api/criteria/compiler.py) and written with INSERT ... SELECT, so no cluster travels to Python; the
funnel is a GROUP BY over what was written. Large scopes run in the worker.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import (ColumnElement, Float, and_, case, false, func, insert, literal, not_, or_, select, true,
                        update)
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.policy import Action
from api.auth.principal import Principal
from api.clusters.errors import UnknownReference
from api.clusters.models import Cluster
from api.core.db import Database, utcnow
from api.criteria import service as criteria_service
from api.criteria.compiler import compile_criteria, concat, outcome_char, text
from api.criteria.definitions import Definition
from api.criteria.errors import CriteriaSetNotFound, VersionNotFound
from api.criteria.models import CriteriaSetVersion
from api.screenings.errors import ScreeningNotFound
from api.screenings.models import Screening, ScreeningResult
from api.screenings.schemas import ScreeningCreate, Status

logger = logging.getLogger("cartesio.screenings")
DEFINITION = TypeAdapter(Definition)
MAX_ATTEMPTS = 3
ON_LIST = ("selected", "needs_review")


async def get(session: AsyncSession, screening_id: int) -> Screening:
    screening = await session.get(Screening, screening_id)
    if screening is None:
        raise ScreeningNotFound(f"No screening with id {screening_id}.")
    return screening


async def version_of(session: AsyncSession, screening: Screening) -> CriteriaSetVersion:
    return await session.get_one(CriteriaSetVersion, screening.set_version_id)


def render(screening: Screening, version: CriteriaSetVersion) -> dict[str, Any]:
    return {
        "id": screening.id, "criteria_set_id": screening.set_id, "version": screening.version_number,
        "scope": screening.scope, "status": screening.status, "note": screening.note, "error": screening.error,
        "requested_by": screening.requested_by, "created_at": screening.created_at,
        "started_at": screening.started_at, "data_read_at": screening.data_read_at,
        "finished_at": screening.finished_at, "entered": screening.entered, "selected": screening.selected,
        "needs_review": screening.needs_review, "reported_population": version.reported_population,
        "funnel": screening.funnel,
    }


def scope_clauses(scope: dict[str, Any]) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if scope.get("countries"):
        clauses.append(Cluster.country.in_(scope["countries"]))
    if scope.get("regions"):
        clauses.append(or_(*[Cluster.region_code.like(f"{code}%") for code in scope["regions"]]))
    if scope.get("kinds"):
        clauses.append(Cluster.kind.in_(scope["kinds"]))
    if scope.get("cluster_ids"):
        clauses.append(Cluster.id.in_(scope["cluster_ids"]))
    if scope.get("from_screening"):
        saved = scope["from_screening"]
        clauses.append(Cluster.id.in_(select(ScreeningResult.cluster_id).where(
            ScreeningResult.screening_id == saved["id"], ScreeningResult.outcome.in_(saved["outcomes"]))))
    return clauses


async def start(session: AsyncSession, *, data: ScreeningCreate, actor: Principal, db: Database) -> Screening:
    """Create a run; run it now when the scope is small, else leave it queued for the worker."""
    actor.require(Action.screenings_run)
    try:
        criteria_set = await criteria_service.get_set(session, data.criteria_set_id)
    except CriteriaSetNotFound as exc:
        raise UnknownReference(str(exc), errors=[{"field": "body.criteria_set_id", "message": "no such criteria set",
                                                  "code": "unknown_reference"}]) from exc
    number = data.version or criteria_set.latest_version
    try:
        version = await criteria_service.get_version(session, criteria_set.id, number, for_update=True)
    except VersionNotFound as exc:
        raise UnknownReference(str(exc), errors=[{"field": "body.version", "message": f"no version {number}",
                                                  "code": "unknown_reference"}]) from exc
    scope = data.scope.model_dump(mode="json", exclude_none=True)
    if data.scope.from_screening is not None:
        saved = await session.get(Screening, data.scope.from_screening.id)
        if saved is None or saved.status != Status.done:
            raise UnknownReference("The saved list must be a finished screening.", errors=[{
                "field": "body.scope.from_screening.id", "message": "no finished screening with this id",
                "code": "unknown_reference"}])
    # Once a run is asked for, the version is frozen: results must always be traceable to exactly it.
    version.used = True
    screening = Screening(set_id=criteria_set.id, set_version_id=version.id, version_number=version.number,
                          scope=scope, status=Status.queued.value, requested_by=actor.key, attempts=0)
    session.add(screening)
    await session.flush()
    in_scope = await session.scalar(select(func.count()).select_from(Cluster).where(*scope_clauses(scope)))
    if in_scope <= db.settings.screening_inline_max_clusters:
        screening.status = Status.running.value
        screening.started_at = utcnow()
        await execute(session, screening=screening, version=version, dialect=db.dialect)
    return screening


def _definitions(version: CriteriaSetVersion) -> list[Any]:
    return [DEFINITION.validate_python(criterion["definition"])
            for _, criterion in criteria_service.version_criteria(version)]


async def execute(session: AsyncSession, *, screening: Screening, version: CriteriaSetVersion, dialect: str) -> None:
    """Evaluate every cluster in scope and store the results and the funnel, in the caller's transaction."""
    criteria = criteria_service.version_criteria(version)
    compiled = compile_criteria(_definitions(version), dialect=dialect, scope=scope_clauses(screening.scope))
    o = compiled.outcomes.c
    outcomes = [o[f"o{i}"] for i in range(compiled.count)]
    explanations = [o[f"x{i}"] for i in range(compiled.count)]

    # The list is followed twice: counting unknown as pass and as fail. A cluster on the first but not the
    # second owes its place to an unknown outcome: `needs_review` when the set says so.
    phase_outcomes: list[ColumnElement[Any]] = []
    on_list: list[ColumnElement[Any]] = []
    hopeful: ColumnElement[Any] = true()
    strict: ColumnElement[Any] = true()
    for phase in version.phases:
        members = [outcomes[i] for i, (position, _) in enumerate(criteria) if position == phase["position"]]
        result = and_(*members) if phase["combine"] == "all" else or_(*members)
        as_pass, as_fail = func.coalesce(result, true()), func.coalesce(result, false())
        if phase["mode"] == "filter":
            hopeful, strict = and_(hopeful, as_pass), and_(strict, as_fail)
        else:
            hopeful, strict = or_(hopeful, as_pass), or_(strict, as_fail)
        phase_outcomes.append(result)
        on_list.append(strict if version.unknown_as == "fail" else hopeful)
    final = on_list[-1]
    if version.unknown_as == "review":
        outcome = case((and_(final, not_(strict)), text("needs_review")), (final, text("selected")),
                       else_=text("rejected"))
    else:
        outcome = case((final, text("selected")), else_=text("rejected"))
    score: ColumnElement[Any] = literal(0.0, Float)
    for (_, criterion), passed in zip(criteria, outcomes, strict=True):
        weight = 1.0 if criterion.get("weight") is None else float(criterion["weight"])
        score = score + case((passed, literal(weight, Float)), else_=literal(0.0, Float))
    array = func.json_build_array if dialect == "postgresql" else func.json_array

    rows = select(
        literal(screening.id), o.id, o.name, o.country, o.region_code, o.kind, outcome, score,
        concat(*[outcome_char(x) for x in outcomes]), concat(*[outcome_char(x) for x in phase_outcomes]),
        concat(*[case((x, text("+")), else_=text("-")) for x in on_list]), array(*explanations),
    )
    if dialect == "postgresql":
        # One statement over every cluster looks expensive to the planner, which then spends most of a second
        # compiling it with JIT (measured at 100,000 clusters) for no gain in running it.
        await session.execute(sql_text("SET LOCAL jit = off"))
    screening.data_read_at = utcnow()
    await session.execute(insert(ScreeningResult).from_select(
        ["screening_id", "cluster_id", "name", "country", "region_code", "kind", "outcome", "score", "criteria",
         "phases", "path", "explanations"], rows))
    await _finish(session, screening=screening, version=version)


async def _finish(session: AsyncSession, *, screening: Screening, version: CriteriaSetVersion) -> None:
    """Counts and the funnel, from the stored results."""
    r = ScreeningResult
    columns: list[ColumnElement[Any]] = [func.count(), _count(r.outcome == "selected"),
                                         _count(r.outcome == "needs_review")]
    for phase in version.phases:
        k = phase["position"]
        prev_on = true() if k == 1 else func.substr(r.path, k - 1, 1) == "+"
        now_on = func.substr(r.path, k, 1) == "+"
        considered = prev_on if phase["mode"] == "filter" else not_(prev_on)
        char = func.substr(r.phases, k, 1)
        columns += [_count(considered), _count(and_(considered, char == "p")), _count(and_(considered, char == "f")),
                    _count(and_(considered, char == "u")), _count(and_(prev_on, not_(now_on))),
                    _count(and_(not_(prev_on), now_on)), _count(now_on)]
    row = (await session.execute(select(*columns).where(r.screening_id == screening.id))).one()
    entered, selected, review, *rest = (int(v or 0) for v in row)
    funnel = []
    for i, phase in enumerate(version.phases):
        considered, passed, failed, unknown, removed, added, after = rest[i * 7:(i + 1) * 7]
        funnel.append({"position": phase["position"], "name": phase["name"], "mode": phase["mode"],
                       "considered": considered, "passed": passed, "failed": failed, "unknown": unknown,
                       "removed": removed, "added": added, "after": after,
                       "reported_count": phase.get("reported_count")})
    screening.entered, screening.selected, screening.needs_review = entered, selected, review
    screening.funnel = funnel
    screening.status = Status.done.value
    screening.finished_at = utcnow()
    screening.lease_until = None
    if entered == 0:
        screening.note = "The scope matches no cluster: nothing was evaluated."
    await session.flush()


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# the worker's side ---------------------------------------------------------------------------------------------
async def run_queued(db: Database) -> int:
    """Take one queued run (or one whose worker died) and run it. Returns 1 when a run was taken."""
    now = utcnow()
    async with db.session_scope() as session:
        stmt = (select(Screening).where(or_(
            Screening.status == Status.queued.value,
            and_(Screening.status == Status.running.value, Screening.lease_until < now)))
            .order_by(Screening.id).limit(1))
        if db.dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        screening = await session.scalar(stmt)
        if screening is None:
            return 0
        screening.attempts += 1
        if screening.attempts > MAX_ATTEMPTS:
            screening.status = Status.failed.value
            screening.error = f"The run did not finish in {MAX_ATTEMPTS} attempts."
            screening.finished_at = now
            return 1
        screening.status = Status.running.value
        screening.started_at = now
        screening.lease_until = now + timedelta(seconds=db.settings.screening_lease_seconds)
        screening_id, attempt = screening.id, screening.attempts
    try:
        async with db.session_scope() as session:
            screening = await session.get_one(Screening, screening_id, with_for_update=True)
            if screening.status != Status.running.value or screening.attempts != attempt:
                return 1  # another worker took it over after our lease ended
            await execute(session, screening=screening, version=await version_of(session, screening),
                          dialect=db.dialect)
    except Exception:
        logger.exception("screening %s failed", screening_id)
        async with db.session_scope() as session:
            await session.execute(update(Screening).where(Screening.id == screening_id).values(
                status=Status.failed.value, error="The run failed; see the service log.", finished_at=utcnow(),
                lease_until=None))
    return 1
