"""Criteria and criteria sets: saved definitions, and sets of phases kept as immutable versions once used."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.auth.policy import Action
from api.auth.principal import Principal, Target
from api.clusters.errors import UnknownReference
from api.core.db import utcnow
from api.core.pagination import SortKey, fetch_page
from api.criteria import definitions
from api.criteria.compiler import validate_compiles
from api.criteria.errors import CriteriaSetNotFound, CriterionNotFound, VersionInUse, VersionNotFound
from api.criteria.models import CriteriaSet, CriteriaSetVersion, Criterion
from api.criteria.schemas import (CriteriaSetCreate, CriteriaSetUpdate, CriterionCreate, CriterionUpdate, PhaseIn,
                                  VersionIn)
from api.networks.models import Network


def _owner(actor: Principal) -> str | None:
    """Reference data loaded by the seed has no owner: only admins change it."""
    return actor.key if actor.kind in ("user", "service") else None


async def _check_references(session: AsyncSession, definition: Any, *, field: str) -> None:
    """Networks and events named by interest criteria must exist (the other parts are checked by the schema)."""
    from api.training.models import Event

    wanted: dict[str, set[int]] = {"network": set(), "event": set()}
    stack = [definition]
    while stack:
        node = stack.pop()
        if isinstance(node, definitions.InterestCriterion):
            wanted["network"].update(node.network_ids or [])
            wanted["event"].update(node.event_ids or [])
        stack.extend(definitions.children(node))
    for kind, model in (("network", Network), ("event", Event)):
        if not wanted[kind]:
            continue
        found = set((await session.scalars(select(model.id).where(model.id.in_(wanted[kind])))).all())
        missing = sorted(wanted[kind] - found)
        if missing:
            raise UnknownReference(f"No {kind} with id {missing[0]}.", errors=[{
                "field": field, "message": f"unknown {kind} ids: {', '.join(map(str, missing))}",
                "code": "unknown_reference"}])


# criteria ----------------------------------------------------------------------------------------------------
async def get_criterion(session: AsyncSession, criterion_id: int, *, for_update: bool = False) -> Criterion:
    stmt = select(Criterion).where(Criterion.id == criterion_id)
    if for_update:
        stmt = stmt.with_for_update()
    criterion = await session.scalar(stmt)
    if criterion is None:
        raise CriterionNotFound(f"No criterion with id {criterion_id}.")
    return criterion


async def list_criteria(session: AsyncSession, *, q: str | None, cursor: str | None,
                        limit: int) -> tuple[list[Criterion], str | None]:
    stmt = select(Criterion)
    if q:
        stmt = stmt.where(Criterion.name.ilike(f"%{q}%"))
    return await fetch_page(session, stmt, key=SortKey("name", Criterion.name), id_column=Criterion.id,
                            cursor=cursor, limit=limit)


async def create_criterion(session: AsyncSession, *, data: CriterionCreate, actor: Principal) -> Criterion:
    """Save a criterion; its definition is checked now, never at run time."""
    actor.require(Action.criteria_create)
    await _check_references(session, data.definition, field="body.definition")
    validate_compiles(data.definition)
    criterion = Criterion(name=data.name, description=data.description, weight=data.weight,
                          definition=data.definition.model_dump(mode="json", exclude_none=True),
                          owner=_owner(actor), version=1)
    session.add(criterion)
    await session.flush()
    return criterion


async def update_criterion(session: AsyncSession, *, criterion: Criterion, data: CriterionUpdate,
                           actor: Principal) -> Criterion:
    actor.require(Action.criteria_update, Target(owner=criterion.owner))
    values = data.model_dump(exclude_unset=True)
    if data.definition is not None:
        await _check_references(session, data.definition, field="body.definition")
        validate_compiles(data.definition)
        values["definition"] = data.definition.model_dump(mode="json", exclude_none=True)
    for key, value in values.items():
        setattr(criterion, key, value)
    criterion.version += 1
    criterion.updated_at = utcnow()
    await session.flush()
    return criterion


async def delete_criterion(session: AsyncSession, *, criterion: Criterion, actor: Principal) -> None:
    """Delete a criterion; the set versions that copied it keep their copy."""
    actor.require(Action.criteria_update, Target(owner=criterion.owner))
    await session.delete(criterion)
    await session.flush()


# sets --------------------------------------------------------------------------------------------------------
async def get_set(session: AsyncSession, set_id: int, *, for_update: bool = False) -> CriteriaSet:
    stmt = select(CriteriaSet).where(CriteriaSet.id == set_id).options(selectinload(CriteriaSet.versions))
    if for_update:
        stmt = stmt.with_for_update(of=CriteriaSet)
    found = await session.scalar(stmt)
    if found is None:
        raise CriteriaSetNotFound(f"No criteria set with id {set_id}.")
    return found


async def list_sets(session: AsyncSession, *, cursor: str | None, limit: int) -> tuple[list[CriteriaSet], str | None]:
    return await fetch_page(session, select(CriteriaSet).options(selectinload(CriteriaSet.versions)),
                            key=SortKey("name", CriteriaSet.name), id_column=CriteriaSet.id, cursor=cursor, limit=limit)


async def get_version(session: AsyncSession, set_id: int, number: int, *,
                      for_update: bool = False) -> CriteriaSetVersion:
    stmt = select(CriteriaSetVersion).where(CriteriaSetVersion.set_id == set_id, CriteriaSetVersion.number == number)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    version = await session.scalar(stmt)
    if version is None:
        raise VersionNotFound(f"Criteria set {set_id} has no version {number}.")
    return version


async def _phases(session: AsyncSession, phases: list[PhaseIn]) -> list[dict[str, Any]]:
    """The phases with a copy of each criterion as it reads now."""
    ids = {cid for phase in phases for cid in phase.criteria}
    found = {c.id: c for c in (await session.scalars(select(Criterion).where(Criterion.id.in_(ids)))).all()}
    errors = [{"field": f"body.phases.{p}.criteria.{i}", "message": f"unknown criterion {cid}",
               "code": "unknown_reference"}
              for p, phase in enumerate(phases) for i, cid in enumerate(phase.criteria) if cid not in found]
    if errors:
        raise UnknownReference(f"{len(errors)} criterion id(s) do not exist.", errors=errors)
    out = []
    for position, phase in enumerate(phases, start=1):
        out.append({
            "position": position, "name": phase.name, "description": phase.description, "mode": phase.mode.value,
            "combine": phase.combine, "reported_count": phase.reported_count,
            "criteria": [{"id": c.id, "name": c.name, "description": c.description, "weight": c.weight,
                          "definition": c.definition} for c in (found[cid] for cid in phase.criteria)],
        })
    return out


def _apply_version(version: CriteriaSetVersion, data: VersionIn, phases: list[dict[str, Any]]) -> None:
    version.unknown_as = data.unknown_as.value
    version.phases = phases
    version.reported_population = data.reported_population
    version.note = data.note


async def create_set(session: AsyncSession, *, data: CriteriaSetCreate, actor: Principal) -> CriteriaSet:
    """A set with its first version."""
    actor.require(Action.criteria_create)
    phases = await _phases(session, data.phases)
    criteria_set = CriteriaSet(name=data.name, description=data.description, owner=_owner(actor), latest_version=1)
    session.add(criteria_set)
    await session.flush()
    version = CriteriaSetVersion(set_id=criteria_set.id, number=1, used=False)
    _apply_version(version, data, phases)
    session.add(version)
    await session.flush()
    return await _reload(session, criteria_set.id)


async def _reload(session: AsyncSession, set_id: int) -> CriteriaSet:
    session.expire_all()
    return await get_set(session, set_id)


async def update_set(session: AsyncSession, *, criteria_set: CriteriaSet, data: CriteriaSetUpdate,
                     actor: Principal) -> CriteriaSet:
    actor.require(Action.criteria_update, Target(owner=criteria_set.owner))
    for key, value in data.model_dump(exclude_unset=True).items():
        if key == "name" and value is None:
            continue
        setattr(criteria_set, key, value)
    criteria_set.updated_at = utcnow()
    await session.flush()
    return await _reload(session, criteria_set.id)


async def add_version(session: AsyncSession, *, criteria_set: CriteriaSet, data: VersionIn,
                      actor: Principal) -> CriteriaSetVersion:
    """A new version after the latest (editing a used version means this)."""
    actor.require(Action.criteria_update, Target(owner=criteria_set.owner))
    phases = await _phases(session, data.phases)
    criteria_set.latest_version += 1
    criteria_set.updated_at = utcnow()
    version = CriteriaSetVersion(set_id=criteria_set.id, number=criteria_set.latest_version, used=False)
    _apply_version(version, data, phases)
    session.add(version)
    await session.flush()
    return version


async def replace_version(session: AsyncSession, *, criteria_set: CriteriaSet, number: int, data: VersionIn,
                          actor: Principal) -> CriteriaSetVersion:
    """Change a version no screening has used yet."""
    actor.require(Action.criteria_update, Target(owner=criteria_set.owner))
    version = await get_version(session, criteria_set.id, number, for_update=True)
    if version.used:
        raise VersionInUse(f"Version {number} was used by a screening and cannot change; "
                           f"POST /api/v1/criteria-sets/{criteria_set.id}/versions to make a new one.")
    _apply_version(version, data, await _phases(session, data.phases))
    version.updated_at = utcnow()
    await session.flush()
    return version


def version_criteria(version: CriteriaSetVersion) -> list[tuple[int, dict[str, Any]]]:
    """(phase position, criterion copy) for every criterion of the version, in order."""
    return [(phase["position"], criterion) for phase in version.phases for criterion in phase["criteria"]]
