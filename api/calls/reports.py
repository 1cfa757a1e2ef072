"""A call's figures, computed in the database: applications by state, province and category, requested against
granted, each funder's remaining budget, average scores per criterion."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.calls import service
from api.calls.models import Application, Assignment, Call
from api.calls.schemas import euros

FUNDED = ("funded", "in_progress", "completed")


async def applications_by(session: AsyncSession, call_id: int, column: Any) -> dict[str, dict[str, Any]]:
    """The call's applications grouped by one of their columns: how many, requested and granted; `unknown` for
    no value."""
    a = Application
    rows = (await session.execute(
        select(column, func.count(), func.coalesce(func.sum(a.requested_cents), 0),
               func.coalesce(func.sum(func.coalesce(a.granted_cents, 0)).filter(a.state.in_(FUNDED)), 0))
        .where(a.call_id == call_id).group_by(column).order_by(column))).all()
    return {str(key) if key is not None else "unknown": {
        "applications": count, "requested": euros(int(requested)), "granted": euros(int(granted))}
        for key, count, requested, granted in rows}


async def report(session: AsyncSession, call: Call) -> dict[str, Any]:
    a = Application
    by_state = await applications_by(session, call.id, a.state)
    scores: dict[str, Any] = {}
    submitted = (await session.scalars(select(Assignment.scores).join(a, a.id == Assignment.application_id)
                                       .where(a.call_id == call.id, Assignment.submitted_at.is_not(None)))).all()
    for criterion in call.criteria:
        values = [Decimal(s[criterion.code]["score"]) for s in submitted if s and criterion.code in s]
        scores[criterion.code] = {"name": criterion.name, "evaluations": len(values),
                                  "average": (sum(values) / len(values)).quantize(Decimal("0.01")) if values else None}
    budget = await service.budget(session, call)
    return {
        "call_id": call.id, "applications": sum(v["applications"] for v in by_state.values()),
        "by_state": by_state, "by_province": await applications_by(session, call.id, a.province),
        "by_category": await applications_by(session, call.id, a.category),
        "requested": euros(sum(int(v["requested"] * 100) for v in by_state.values())),
        "granted": budget["granted_by_applications"], "funders": budget["funders"],
        "average_scores": scores,
    }


def as_csv(data: dict[str, Any]) -> str:
    """The report as rows of (section, key, measure, value), one table for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "measure", "value"])
    for section in ("by_state", "by_province", "by_category"):
        for key, measures in data[section].items():
            for measure, value in measures.items():
                writer.writerow([section, key, measure, value])
    for funder in data["funders"]:
        for measure in ("contribution", "allocated", "remaining"):
            writer.writerow(["funders", funder["key"], measure, funder[measure]])
    for code, item in data["average_scores"].items():
        writer.writerow(["average_scores", code, "average", item["average"] if item["average"] is not None else ""])
        writer.writerow(["average_scores", code, "evaluations", item["evaluations"]])
    writer.writerow(["totals", "", "requested", data["requested"]])
    writer.writerow(["totals", "", "granted", data["granted"]])
    return out.getvalue()
