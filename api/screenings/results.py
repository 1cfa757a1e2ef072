"""Reading a run: its results with per-criterion outcomes, as pages or CSV, and the comparison of two runs."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import and_, case, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.db import Database
from api.core.pagination import SortKey, decode_cursor, encode_cursor, fetch_page
from api.criteria import service as criteria_service
from api.criteria.models import CriteriaSetVersion
from api.screenings.models import Screening, ScreeningResult
from api.screenings.schemas import Outcome

OUTCOME_WORDS = {"p": "pass", "f": "fail", "u": "unknown"}
ON_LIST = (Outcome.selected.value, Outcome.needs_review.value)
RANK = SortKey("score", ScreeningResult.score, descending=True)
CHANGES = ("entered", "left", "changed")


def render(row: ScreeningResult, version: CriteriaSetVersion) -> dict[str, Any]:
    criteria = criteria_service.version_criteria(version)
    return {
        "cluster_id": row.cluster_id, "name": row.name, "country": row.country, "region_code": row.region_code,
        "kind": row.kind, "outcome": row.outcome, "score": round(row.score, 6),
        "phases": [{"position": k, "outcome": OUTCOME_WORDS[row.phases[k - 1]], "on_list_after": row.path[k - 1] == "+"}
                   for k in range(1, len(row.phases) + 1)],
        "criteria": [{"criterion_id": c["id"], "name": c["name"], "phase": phase,
                      "outcome": OUTCOME_WORDS[row.criteria[i]], "explanation": row.explanations[i]}
                     for i, (phase, c) in enumerate(criteria)],
    }


def _filtered(screening_id: int, *, outcome: list[str] | None, country: list[str] | None,
              min_score: float | None) -> Any:
    stmt = select(ScreeningResult).where(ScreeningResult.screening_id == screening_id)
    if outcome:
        stmt = stmt.where(ScreeningResult.outcome.in_(outcome))
    if country:
        stmt = stmt.where(ScreeningResult.country.in_(country))
    if min_score is not None:
        stmt = stmt.where(ScreeningResult.score >= min_score)
    return stmt


async def page(session: AsyncSession, screening: Screening, *, outcome: list[str] | None, country: list[str] | None,
               min_score: float | None, cursor: str | None, limit: int) -> tuple[list[ScreeningResult], str | None]:
    """Results by score, highest first."""
    stmt = _filtered(screening.id, outcome=outcome, country=country, min_score=min_score)
    return await fetch_page(session, stmt, key=RANK, id_column=ScreeningResult.cluster_id, cursor=cursor,
                            limit=limit)


async def csv_chunks(db: Database, screening_id: int, version: CriteriaSetVersion, *, outcome: list[str] | None,
                     country: list[str] | None, min_score: float | None) -> AsyncIterator[bytes]:
    """Every result as CSV rows, a page at a time, in a session of its own (the request's has ended)."""
    criteria = criteria_service.version_criteria(version)
    header = ["cluster_id", "name", "country", "region_code", "kind", "outcome", "score"]
    for phase, c in criteria:
        header += [f"{c['name']} (phase {phase})", f"{c['name']} (phase {phase}): explanation"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    cursor: str | None = None
    while True:
        async with db.read_scope() as session:
            screening = await session.get_one(Screening, screening_id)
            rows, cursor = await page(session, screening, outcome=outcome, country=country, min_score=min_score,
                                      cursor=cursor, limit=2000)
        for row in rows:
            line = [row.cluster_id, row.name, row.country, row.region_code or "", row.kind, row.outcome,
                    round(row.score, 6)]
            for i in range(len(criteria)):
                line += [OUTCOME_WORDS[row.criteria[i]], row.explanations[i]]
            writer.writerow(line)
        yield out.getvalue().encode()
        out.seek(0)
        out.truncate()
        if cursor is None:
            return


async def compare(session: AsyncSession, before: Screening, after: Screening, *, change: str | None,
                  cursor: str | None, limit: int) -> dict[str, Any]:
    """Clusters that entered the list, left it, or changed outcome from one run to the other."""
    r = ScreeningResult
    grouped = (select(
        r.cluster_id, func.max(r.name).label("name"),
        func.max(case((r.screening_id == before.id, r.outcome))).label("outcome_before"),
        func.max(case((r.screening_id == after.id, r.outcome))).label("outcome_after"),
        func.max(case((r.screening_id == before.id, r.score))).label("score_before"),
        func.max(case((r.screening_id == after.id, r.score))).label("score_after"),
    ).where(r.screening_id.in_([before.id, after.id])).group_by(r.cluster_id).subquery())
    g = grouped.c
    was_on = func.coalesce(g.outcome_before.in_(ON_LIST), False)
    is_on = func.coalesce(g.outcome_after.in_(ON_LIST), False)
    kind = case((and_(is_on, not_(was_on)), "entered"), (and_(was_on, not_(is_on)), "left"),
                (func.coalesce(g.outcome_before, "") != func.coalesce(g.outcome_after, ""), "changed"))
    classified = select(g.cluster_id, g.name, g.outcome_before, g.outcome_after, g.score_before, g.score_after,
                        kind.label("change")).subquery()
    c = classified.c
    counts = {name: 0 for name in CHANGES}
    for name, count in (await session.execute(
            select(c.change, func.count()).where(c.change.is_not(None)).group_by(c.change))).all():
        counts[name] = count
    stmt = select(classified).where(c.change.in_([change] if change else list(CHANGES)))
    if cursor:
        _, after_id = decode_cursor(cursor, "compare")
        stmt = stmt.where(c.cluster_id > after_id)
    rows = (await session.execute(stmt.order_by(c.cluster_id).limit(limit + 1))).mappings().all()
    next_cursor = encode_cursor("compare", 0, rows[limit - 1]["cluster_id"]) if len(rows) > limit else None
    return {"before": before.id, "after": after.id, "counts": counts, "limit": limit, "next_cursor": next_cursor,
            "items": [dict(row) for row in rows[:limit]]}
