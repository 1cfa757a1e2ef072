"""The territorial analysis over the imported register and MUD: waste aggregates, topic ranking, symbiosis leads,
the firm-level rows for officers, and the reference data the administrator keeps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.policy import Action, Role
from api.auth.principal import Principal
from api.clusters.models import Cluster, ClusterMembership, ClusterNaceCode
from api.core.db import utc_iso
from api.core.versions import Version, read_version, table_version
from api.organizations.models import Organization
from api.territory import imports, reference
from api.territory.errors import (
    ClusterNotFoundForLeads,
    EwcCodeExists,
    SymbiosisMappingExists,
    SymbiosisMappingNotFound,
    UnknownEwcChapter,
)
from api.territory.models import (
    EwcChapter,
    EwcCode,
    RegisterEntry,
    SymbiosisMapping,
    TerritoryImport,
    WasteDeclaration,
)
from api.territory.schemas import (
    MIN_FIRMS,
    EwcCodeCreate,
    SymbiosisMappingCreate,
    SymbiosisMappingUpdate,
    Topic,
    TopicBasis,
    WasteGroupBy,
)
from api.training.models import Event

D, O, R, E = WasteDeclaration, Organization, RegisterEntry, EwcCode
GRAMS_PER_TONNE = 1_000_000
PROVINCE = func.coalesce(R.province, O.province)
ATECO = func.coalesce(R.ateco_code, O.ateco_code)


def _tonnes(grams: Any) -> float:
    return round(int(grams or 0) / GRAMS_PER_TONNE, 3)


def _sum(condition: ColumnElement[bool] | None = None) -> ColumnElement[int]:
    return func.coalesce(func.sum(D.quantity_g if condition is None else case((condition, D.quantity_g), else_=0)), 0)


def _declarations(*, year: int | None, province: str | None, ateco: str | None) -> Select[Any]:
    stmt = (select().select_from(D).join(O, O.id == D.organization_id).join(E, E.code == D.ewc_code)
            .outerjoin(R, R.organization_id == D.organization_id))
    if year is not None:
        stmt = stmt.where(D.year == year)
    if province:
        stmt = stmt.where(PROVINCE == province)
    if ateco:
        stmt = stmt.where(ATECO.like(f"{ateco}%"))
    return stmt


async def latest_year(session: AsyncSession) -> int | None:
    return await session.scalar(select(func.max(D.year)))


# versions ---------------------------------------------------------------------------------------------------------
async def data_version(session: AsyncSession, *, events_from: datetime | None = None) -> Version:
    """What the aggregates read, in one statement, for their ETag: declarations and register entries change only
    through an import run (or leave with their firm), firms and clusters by their update time, memberships by
    count and id, the reference data by count and update; with `events_from`, the events still to come."""
    parts = [*table_version(D, D.id), select(func.max(TerritoryImport.id)).scalar_subquery(),
             *table_version(O, O.updated_at), *table_version(Cluster, Cluster.updated_at),
             *table_version(ClusterMembership, ClusterMembership.id),
             select(func.count()).select_from(E).scalar_subquery(),
             *table_version(SymbiosisMapping, SymbiosisMapping.updated_at)]
    if events_from is not None:
        parts += table_version(Event, Event.updated_at, or_(Event.ends_at.is_(None), Event.ends_at >= events_from))
    return await read_version(session, parts)


# waste ------------------------------------------------------------------------------------------------------------
async def waste(session: AsyncSession, *, group_by: WasteGroupBy, year: int | None, province: str | None,
                ateco: str | None, top: int) -> dict[str, Any]:
    """Tonnes produced and managed, hazardous share, declaring firms and top streams per group, in GROUP BY.

    Disclosure rule: a group declared by fewer than MIN_FIRMS firms is answered with its key and `suppressed`
    only; a stream is listed among a group's top streams only when at least MIN_FIRMS firms declare it there.
    """
    year = year if year is not None else await latest_year(session)
    base = _declarations(year=year, province=province, ateco=ateco)
    if group_by is WasteGroupBy.province:
        key: ColumnElement[Any] = PROVINCE
    elif group_by is WasteGroupBy.ateco:
        key = func.substr(ATECO, 1, 2)
    elif group_by is WasteGroupBy.ewc_chapter:
        key = func.substr(D.ewc_code, 1, 2)
    else:
        base = base.join(ClusterMembership, and_(ClusterMembership.organization_id == D.organization_id,
                                                 ClusterMembership.left_date.is_(None)))
        key = ClusterMembership.cluster_id
    produced = D.activity == "produced"
    groups = (await session.execute(base.add_columns(
        key.label("key"), func.count(distinct(D.organization_id)), _sum(produced), _sum(and_(produced, E.hazardous)),
        _sum(D.activity == "managed"), func.max(case((D.is_demo, 1), else_=0))).group_by(key).order_by(key))).all()
    streams_q = base.where(produced).add_columns(
        key.label("key"), D.ewc_code.label("code"), _sum().label("grams"),
        func.count(distinct(D.organization_id)).label("firms")).group_by(key, D.ewc_code).having(
        func.count(distinct(D.organization_id)) >= MIN_FIRMS).subquery()
    ranked = select(streams_q, func.row_number().over(
        partition_by=streams_q.c.key, order_by=(streams_q.c.grams.desc(), streams_q.c.code)).label("n")).subquery()
    top_rows = (await session.execute(
        select(ranked.c.key, ranked.c.code, ranked.c.grams, ranked.c.firms, E.title, E.hazardous)
        .join(E, E.code == ranked.c.code).where(ranked.c.n <= top).order_by(ranked.c.key, ranked.c.n))).all()
    tops: dict[Any, list[dict[str, Any]]] = {}
    for k, code, grams, firms, title, hazardous in top_rows:
        tops.setdefault(k, []).append({"ewc_code": code, "title": title, "hazardous": bool(hazardous),
                                       "tonnes": _tonnes(grams), "firms": firms})
    labels = await _labels(session, group_by, [row[0] for row in groups])
    out = []
    for k, firms, grams, hazardous, managed, _demo in groups:
        if k is None:
            k = "unknown"
        suppressed = firms < MIN_FIRMS
        out.append({"key": str(k), "label": labels.get(str(k)), "suppressed": suppressed,
                    "declaring_firms": None if suppressed else firms,
                    "tonnes_produced": None if suppressed else _tonnes(grams),
                    "tonnes_managed": None if suppressed else _tonnes(managed),
                    "hazardous_share": None if suppressed or not grams else round(int(hazardous) / int(grams), 4),
                    "top_streams": [] if suppressed else tops.get(k, [])})
    return {"group_by": group_by, "year": year, "province": province, "ateco": ateco, "min_firms": MIN_FIRMS,
            "demo": any(row[5] for row in groups), "groups": out}


async def _labels(session: AsyncSession, group_by: WasteGroupBy, keys: list[Any]) -> dict[str, str]:
    if group_by is WasteGroupBy.ewc_chapter:
        rows = (await session.execute(select(EwcChapter.code, EwcChapter.title))).all()
    elif group_by is WasteGroupBy.cluster:
        rows = (await session.execute(select(Cluster.id, Cluster.name).where(Cluster.id.in_(
            [k for k in keys if k is not None]))) if keys else [])
    else:
        return {}
    return {str(k): v for k, v in rows}


# topics -----------------------------------------------------------------------------------------------------------
# Words that put an event on a topic: events carry free topics (api/training), matched here case-insensitively.
TOPIC_WORDS = {
    Topic.waste: ("rifiut", "waste"),
    Topic.by_products: ("sottoprodott", "materie prime seconde", "riuso", "riciclo", "riutilizzo", "simbiosi",
                        "by-product", "secondary raw"),
    Topic.energy: ("energ",),
    Topic.water: ("acqua", "acque", "idric", "water"),
    Topic.certification: ("certificazion", "emas", "iso 14001", "sistemi di gestione ambientale", "certification"),
}
NO_DATA = ("no data source yet: neither the business register nor the MUD declarations record {what}; the topic "
           "is listed unscored rather than given an invented score")


async def _waste_figures(session: AsyncSession, *, year: int | None, province: str | None,
                         ateco: str | None) -> tuple[int, int, int, int, bool]:
    """Declaring firms, grams produced, hazardous grams, grams of streams a sector takes as input, demo flag."""
    recoverable = exists().where(D.ewc_code.like(SymbiosisMapping.ewc_prefix + "%"))
    produced = D.activity == "produced"
    row = (await session.execute(_declarations(year=year, province=province, ateco=ateco).add_columns(
        func.count(distinct(D.organization_id)), _sum(produced), _sum(and_(produced, E.hazardous)),
        _sum(and_(produced, recoverable)), func.max(case((D.is_demo, 1), else_=0))))).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3]), bool(row[4])


async def _certified(session: AsyncSession, *, province: str | None, ateco: str | None) -> tuple[int, int]:
    stmt = select(func.count(), func.coalesce(func.sum(case((or_(
        O.emas_registration_number.is_not(None), O.iso14001_certificate.is_not(None)), 1), else_=0)), 0)
    ).select_from(R).join(O, O.id == R.organization_id)
    if province:
        stmt = stmt.where(R.province == province)
    if ateco:
        stmt = stmt.where(R.ateco_code.like(f"{ateco}%"))
    firms, certified = (await session.execute(stmt)).one()
    return int(firms), int(certified)


def _ratio(here: float | None, everywhere: float | None) -> float | None:
    if here is None or not everywhere:
        return None
    return round(here / everywhere, 3)


async def topics(session: AsyncSession, *, province: str | None, ateco: str | None, year: int | None,
                 now: datetime) -> dict[str, Any]:
    """The five topics ranked for a territory (province) and/or sector (ATECO prefix), with the figures that rank
    them and the events planned on each.

    Each score compares the territory with the whole data set of the same year (1.0 = the same):
    - waste: tonnes produced per declaring firm here / the same everywhere;
    - by_products: the share of tonnes produced that some sector takes as input (the symbiosis mapping) here /
      the same share everywhere: by-products and secondary raw materials to work on;
    - certification: the share of registered firms without EMAS or ISO 14001 here / the same share everywhere
      (from the registry's certification fields);
    - energy and water: no data yet (neither source records them): listed last, unscored.
    A territory with fewer than MIN_FIRMS declaring firms gets no waste or by-product score (the disclosure rule).
    """
    year = year if year is not None else await latest_year(session)
    firms, grams, hazardous, recoverable, demo = await _waste_figures(session, year=year, province=province,
                                                                      ateco=ateco)
    all_firms, all_grams, all_hazardous, all_recoverable, _ = await _waste_figures(session, year=year, province=None,
                                                                                   ateco=None)
    enough = firms >= MIN_FIRMS
    per_firm = grams / firms if firms else None
    all_per_firm = all_grams / all_firms if all_firms else None
    share = recoverable / grams if grams else None
    all_share = all_recoverable / all_grams if all_grams else None
    registered, certified = await _certified(session, province=province, ateco=ateco)
    all_registered, all_certified = await _certified(session, province=None, ateco=None)
    gap = 1 - certified / registered if registered else None
    all_gap = 1 - all_certified / all_registered if all_registered else None
    scored: list[dict[str, Any]] = [
        {"topic": Topic.waste, "score": _ratio(per_firm, all_per_firm) if enough else None,
         "basis_code": TopicBasis.per_firm_tonnes if enough else TopicBasis.too_few_firms,
         "basis": "tonnes produced per declaring firm here / the same over all the data of the year"
                  if enough else f"fewer than {MIN_FIRMS} declaring firms: not scored",
         "figures": {"declaring_firms": firms, "tonnes_produced": _tonnes(grams) if enough else None,
                     "tonnes_per_firm": round(per_firm / GRAMS_PER_TONNE, 3) if enough and per_firm else None,
                     "reference_tonnes_per_firm": round(all_per_firm / GRAMS_PER_TONNE, 3) if all_per_firm else None,
                     "hazardous_share": round(hazardous / grams, 4) if enough and grams else None,
                     "reference_hazardous_share": round(all_hazardous / all_grams, 4) if all_grams else None}},
        {"topic": Topic.by_products, "score": _ratio(share, all_share) if enough else None,
         "basis_code": TopicBasis.recoverable_share if enough else TopicBasis.too_few_firms,
         "basis": "share of tonnes produced that a sector takes as input (symbiosis mapping) here / the same share "
                  "over all the data" if enough else f"fewer than {MIN_FIRMS} declaring firms: not scored",
         "figures": {"recoverable_tonnes": _tonnes(recoverable) if enough else None,
                     "recoverable_share": round(share, 4) if enough and share is not None else None,
                     "reference_share": round(all_share, 4) if all_share is not None else None}},
        {"topic": Topic.certification, "score": _ratio(gap, all_gap),
         "basis_code": TopicBasis.uncertified_share if registered else TopicBasis.no_registered_firms,
         "basis": "share of registered firms without EMAS or ISO 14001 here / the same share over all registered "
                  "firms" if registered else "no registered firms here: not scored",
         "figures": {"registered_firms": registered, "certified_firms": certified,
                     "uncertified_share": round(gap, 4) if gap is not None else None,
                     "reference_uncertified_share": round(all_gap, 4) if all_gap is not None else None}},
        {"topic": Topic.energy, "score": None, "basis": NO_DATA.format(what="energy use"),
         "basis_code": TopicBasis.no_data_source, "figures": {}},
        {"topic": Topic.water, "score": None, "basis": NO_DATA.format(what="water use"),
         "basis_code": TopicBasis.no_data_source, "figures": {}},
    ]
    scored.sort(key=lambda t: (t["score"] is None, -(t["score"] or 0)))
    events = await _planned_events(session, now)
    for rank, entry in enumerate(scored, start=1):
        entry["rank"] = rank
        words = TOPIC_WORDS[entry["topic"]]
        entry["planned_events"] = [e for e in events if any(w in t.lower() for t in e["topics"] for w in words)][:10]
    return {"province": province, "ateco": ateco, "year": year, "min_firms": MIN_FIRMS, "demo": demo,
            "topics": scored}


async def _planned_events(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    rows = (await session.execute(select(Event.id, Event.title, Event.starts_at, Event.topics).where(
        Event.status == "scheduled", or_(Event.ends_at.is_(None), Event.ends_at >= now)).order_by(
        Event.starts_at.is_(None), Event.starts_at, Event.id))).all()
    return [{"id": i, "title": title, "starts_at": utc_iso(starts) if starts else None, "topics": list(t or [])}
            for i, title, starts, t in rows]


# symbiosis --------------------------------------------------------------------------------------------------------
async def leads(session: AsyncSession, *, cluster_id: int | None, province: str | None, year: int | None,
                min_tonnes: float, limit: int = 10) -> dict[str, Any]:
    """For each stream the cluster's member firms (or a province's firms) produce in volume, the sectors that
    take it as input (the mapping), and the clusters and firms of those sectors.

    A stream is listed only when at least MIN_FIRMS firms declare it (the disclosure rule) and their tonnes reach
    `min_tonnes`; receivers in the same province, or outside the source cluster, come first.
    """
    year = year if year is not None else await latest_year(session)
    stmt = _declarations(year=year, province=province, ateco=None).where(D.activity == "produced")
    if cluster_id is not None:
        if await session.get(Cluster, cluster_id) is None:
            raise ClusterNotFoundForLeads(f"No cluster with id {cluster_id}.")
        stmt = stmt.join(ClusterMembership, and_(ClusterMembership.organization_id == D.organization_id,
                                                 ClusterMembership.cluster_id == cluster_id,
                                                 ClusterMembership.left_date.is_(None)))
    firms = func.count(distinct(D.organization_id))
    streams = (await session.execute(stmt.add_columns(
        D.ewc_code, E.title, E.hazardous, _sum(), firms, func.max(case((D.is_demo, 1), else_=0)))
        .group_by(D.ewc_code, E.title, E.hazardous)
        .having(firms >= MIN_FIRMS, _sum() >= int(min_tonnes * GRAMS_PER_TONNE))
        .order_by(_sum().desc(), D.ewc_code))).all()
    mappings = (await session.execute(select(SymbiosisMapping).order_by(SymbiosisMapping.nace_code))).scalars().all()
    out = []
    for code, title, hazardous, grams, count, _demo in streams:
        receivers = []
        for m in mappings:
            if not code.startswith(m.ewc_prefix):
                continue
            receivers.append({"nace_code": m.nace_code, "material": m.material, "illustrative": m.illustrative,
                              "clusters": await _receiving_clusters(session, m.nace_code, cluster_id, limit),
                              "firms": await _receiving_firms(session, m.nace_code, province, limit)})
        if receivers:
            out.append({"ewc_code": code, "title": title, "hazardous": bool(hazardous), "tonnes": _tonnes(grams),
                        "firms": count, "receivers": receivers})
    return {"cluster_id": cluster_id, "province": province, "year": year, "min_tonnes": min_tonnes,
            "demo": any(row[5] for row in streams), "leads": out}


async def _receiving_clusters(session: AsyncSession, nace: str, exclude: int | None, limit: int) -> list[dict]:
    code = ClusterNaceCode
    stmt = (select(Cluster.id, Cluster.name).where(exists().where(code.cluster_id == Cluster.id, or_(
        code.code.like(f"{nace}%"), literal(nace).like(code.code.concat("%")))))
        .order_by(Cluster.name, Cluster.id).limit(limit))
    if exclude is not None:
        stmt = stmt.where(Cluster.id != exclude)
    return [{"id": i, "name": name} for i, name in (await session.execute(stmt)).all()]


async def _receiving_firms(session: AsyncSession, nace: str, province: str | None, limit: int) -> list[dict]:
    here = case((PROVINCE == province, 0), else_=1) if province else literal(0)
    stmt = (select(O.id, O.name, PROVINCE, ATECO).select_from(O).outerjoin(R, R.organization_id == O.id)
            .where(ATECO.like(f"{nace}%")).order_by(here, O.name, O.id).limit(limit))
    return [{"id": i, "name": name, "province": prov, "ateco_code": ateco}
            for i, name, prov, ateco in (await session.execute(stmt)).all()]


# firm-level rows --------------------------------------------------------------------------------------------------
async def declarations(session: AsyncSession, *, actor: Principal, province: str | None, year: int | None,
                       organization_id: int | None, after: int | None, limit: int) -> tuple[list[dict], int | None]:
    """A firm's own declaration lines, for those who may read them: everything for the administrator, the
    caller's regions for a Region officer, the chamber's territory (its province, else its region) for a chamber
    officer."""
    actor.require(Action.territory_declarations_read)
    stmt = (select(D.id, D.organization_id, O.name, PROVINCE, D.year, D.ewc_code, D.activity, D.local_unit,
                   D.quantity_g, D.is_demo).select_from(D).join(O, O.id == D.organization_id)
            .outerjoin(R, R.organization_id == D.organization_id))
    if actor.role != Role.admin:
        stmt = stmt.where(await _territory(session, actor))
    if province:
        stmt = stmt.where(PROVINCE == province)
    if year is not None:
        stmt = stmt.where(D.year == year)
    if organization_id is not None:
        stmt = stmt.where(D.organization_id == organization_id)
    if after is not None:
        stmt = stmt.where(D.id > after)
    rows = (await session.execute(stmt.order_by(D.id).limit(limit + 1))).all()
    items = [{"id": r[0], "organization_id": r[1], "organization_name": r[2], "province": r[3], "year": r[4],
              "ewc_code": r[5], "activity": r[6], "local_unit": r[7], "quantity_kg": r[8] / 1000, "demo": r[9]}
             for r in rows[:limit]]
    return items, (items[-1]["id"] if len(rows) > limit else None)


async def _territory(session: AsyncSession, actor: Principal) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = [O.region_code.like(f"{region}%") for region in actor.regions]
    if actor.role == Role.chamber_officer and actor.chambers:
        for prov, region in (await session.execute(select(O.province, O.region_code).where(
                O.id.in_(actor.chambers)))).all():
            if prov:
                clauses.append(PROVINCE == prov)
            elif region:
                clauses.append(O.region_code.like(f"{region}%"))
    return or_(*clauses) if clauses else literal(False)


# reference data ---------------------------------------------------------------------------------------------------
async def ewc_catalogue(session: AsyncSession) -> dict[str, Any]:
    counts = dict((await session.execute(select(E.chapter_code, func.count()).group_by(E.chapter_code))).all())
    chapters = (await session.execute(select(EwcChapter).order_by(EwcChapter.code))).scalars().all()
    data = reference.catalogue()
    return {"source": data["source"], "complete": data["complete"],
            "chapters": [{"code": c.code, "title": c.title, "codes": counts.get(c.code, 0)} for c in chapters]}


async def ewc_codes(session: AsyncSession, *, chapter: str | None, hazardous: bool | None) -> list[EwcCode]:
    stmt = select(E).order_by(E.code)
    if chapter:
        stmt = stmt.where(E.chapter_code == chapter)
    if hazardous is not None:
        stmt = stmt.where(E.hazardous.is_(hazardous))
    return list((await session.execute(stmt)).scalars().all())


async def add_ewc_code(session: AsyncSession, *, data: EwcCodeCreate, actor: Principal) -> EwcCode:
    actor.require(Action.territory_reference_write)
    if await session.get(EwcChapter, data.code[:2]) is None:
        raise UnknownEwcChapter(f"No EWC chapter {data.code[:2]}: the catalogue has chapters 01 to 20.")
    if await session.get(E, data.code) is not None:
        raise EwcCodeExists(f"{data.code} is already in the catalogue.")
    code = EwcCode(code=data.code, chapter_code=data.code[:2], title=data.title, hazardous=data.hazardous,
                   added_by=actor.key)
    session.add(code)
    await session.flush()
    return code


async def mappings(session: AsyncSession) -> list[SymbiosisMapping]:
    return list((await session.execute(select(SymbiosisMapping).order_by(
        SymbiosisMapping.ewc_prefix, SymbiosisMapping.nace_code))).scalars().all())


async def _check_unique(session: AsyncSession, prefix: str, nace: str, own_id: int | None) -> None:
    other = await session.scalar(select(SymbiosisMapping.id).where(
        SymbiosisMapping.ewc_prefix == prefix, SymbiosisMapping.nace_code == nace))
    if other is not None and other != own_id:
        raise SymbiosisMappingExists(f"{prefix} already maps to {nace} (mapping {other}).")


async def create_mapping(session: AsyncSession, *, data: SymbiosisMappingCreate, actor: Principal) -> SymbiosisMapping:
    actor.require(Action.territory_reference_write)
    await _check_unique(session, data.ewc_prefix, data.nace_code, None)
    mapping = SymbiosisMapping(**data.model_dump(), illustrative=False, updated_by=actor.key)
    session.add(mapping)
    await session.flush()
    return mapping


async def get_mapping(session: AsyncSession, mapping_id: int) -> SymbiosisMapping:
    mapping = await session.get(SymbiosisMapping, mapping_id)
    if mapping is None:
        raise SymbiosisMappingNotFound(f"No symbiosis mapping with id {mapping_id}.")
    return mapping


async def update_mapping(session: AsyncSession, *, mapping_id: int, data: SymbiosisMappingUpdate,
                         actor: Principal) -> SymbiosisMapping:
    actor.require(Action.territory_reference_write)
    mapping = await get_mapping(session, mapping_id)
    values = data.model_dump(exclude_unset=True)
    await _check_unique(session, values.get("ewc_prefix", mapping.ewc_prefix),
                        values.get("nace_code", mapping.nace_code), mapping.id)
    for name, value in values.items():
        setattr(mapping, name, value)
    # Once edited by someone, the entry is theirs, no longer the shipped illustration.
    mapping.illustrative = False
    mapping.updated_by = actor.key
    mapping.updated_at = datetime.now(UTC)
    await session.flush()
    return mapping


async def delete_mapping(session: AsyncSession, *, mapping_id: int, actor: Principal) -> None:
    actor.require(Action.territory_reference_write)
    await get_mapping(session, mapping_id)
    await session.execute(delete(SymbiosisMapping).where(SymbiosisMapping.id == mapping_id))


async def run_import(session: AsyncSession, *, kind: str, stream: IO[bytes], filename: str | None,
                     actor: Principal) -> TerritoryImport:
    """Import an uploaded register or MUD file (administrators); all or nothing."""
    actor.require(Action.territory_import)
    outcome = await imports.run(session, kind=kind, stream=stream, filename=filename, actor_key=actor.key)
    record = await session.get(TerritoryImport, outcome.import_id)
    assert record is not None
    return record


async def import_runs(session: AsyncSession, *, actor: Principal, limit: int) -> list[TerritoryImport]:
    actor.require(Action.territory_import)
    return list((await session.execute(select(TerritoryImport).order_by(TerritoryImport.id.desc())
                                        .limit(limit))).scalars().all())
