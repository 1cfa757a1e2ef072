"""Calls and their budget: funders, phases, criteria, and what each funder has left."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.changes import service as changes
from api.auth.policy import Action
from api.auth.principal import Principal
from api.calls.errors import CallNotFound, CallSlugTaken
from api.calls.models import Application, Call, CallCriterion, CallPhase, Funder, LedgerEntry
from api.calls.schemas import CallCreate, cents, euros
from api.core.db import utcnow
from api.core.errors import Forbidden
from api.core.pagination import SortKey, fetch_page

_LOAD = (selectinload(Call.funders), selectinload(Call.phases), selectinload(Call.criteria))


async def get(session: AsyncSession, call_id: int) -> Call:
    call = await session.scalar(select(Call).where(Call.id == call_id).options(*_LOAD))
    if call is None:
        raise CallNotFound(f"No call with id {call_id}.")
    return call


async def list_page(session: AsyncSession, *, cursor: str | None, limit: int) -> tuple[list[Call], str | None]:
    return await fetch_page(session, select(Call).options(*_LOAD), key=SortKey("id", Call.id, True),
                            id_column=Call.id, cursor=cursor, limit=limit)


def open_phase(call: Call, now: datetime) -> CallPhase | None:
    """The phase open at this moment, by the server's clock; a phase whose opening is not known is not open."""
    for phase in call.phases:
        if phase.opens_at is not None and phase.opens_at <= now and (phase.closes_at is None
                                                                     or now < phase.closes_at):
            return phase
    return None


def render(call: Call, now: datetime) -> dict[str, Any]:
    current = open_phase(call, now)
    return {
        **{k: getattr(call, k) for k in ("id", "slug", "title_it", "title_en", "description_it", "description_en",
                                         "topics", "categories", "charge_rule", "eligibility", "cofinancing_rate",
                                         "threshold_score", "divergence_share", "tie_breakers",
                                         "required_documents", "settings_note", "is_demo", "version")},
        "max_grant": euros(call.max_grant_cents), "min_investment": euros(call.min_investment_cents),
        "funders": [{"id": f.id, "key": f.key, "name": f.name, "role": f.role, "provinces": f.provinces,
                     "organization_id": f.organization_id, "contribution": euros(f.contribution_cents)}
                    for f in call.funders],
        "phases": [{"id": p.id, "name": p.name, "opens_at": p.opens_at, "closes_at": p.closes_at, "note": p.note,
                    "open_now": current is not None and p.id == current.id} for p in call.phases],
        "criteria": call.criteria, "budget": euros(sum(f.contribution_cents for f in call.funders)),
    }


async def create(session: AsyncSession, *, data: CallCreate, actor: Principal, is_demo: bool = False) -> Call:
    """A call with its funders, phases and criteria (the Region's and chambers' officers)."""
    actor.require(Action.calls_manage)
    taken = await session.scalar(select(Call.id).where(Call.slug == data.slug))
    if taken is not None:
        raise CallSlugTaken(f"Call {taken} has the slug {data.slug!r}.")
    call = Call(
        slug=data.slug, title_it=data.title_it, title_en=data.title_en, description_it=data.description_it,
        description_en=data.description_en, topics=data.topics, categories=data.categories,
        charge_rule=[{"funder": c.funder, "share": str(c.share)} for c in data.charge_rule],
        eligibility=data.eligibility.model_dump(mode="json", exclude_none=True),
        max_grant_cents=cents(data.max_grant), min_investment_cents=cents(data.min_investment),
        cofinancing_rate=data.cofinancing_rate, threshold_score=data.threshold_score,
        divergence_share=data.divergence_share, tie_breakers=data.tie_breakers,
        required_documents=data.required_documents, settings_note=data.settings_note, is_demo=is_demo, version=1,
        owner=actor.key if actor.kind in ("user", "service") else None)
    call.funders = [Funder(key=f.key, name=f.name, role=f.role.value, provinces=f.provinces,
                           organization_id=f.organization_id, contribution_cents=cents(f.contribution))
                    for f in data.funders]
    call.phases = [CallPhase(name=p.name, opens_at=p.opens_at, closes_at=p.closes_at, note=p.note)
                   for p in data.phases]
    call.criteria = [CallCriterion(position=i, code=c.code, name=c.name, weight=c.weight, max_score=c.max_score,
                                   min_score=c.min_score) for i, c in enumerate(data.criteria)]
    session.add(call)
    await session.flush()
    await audit.record(session, actor=actor, action="call.created", object_type="call", object_id=call.id,
                       detail={"slug": call.slug})
    call = await get(session, call.id)
    from api.calls.schemas import CallRead

    await changes.record(session, resource_type="calls", resource_id=call.id, event="created", version=call.version,
                         document=CallRead.model_validate(render(call, utcnow())).model_dump_json())
    return call


def runs(actor: Principal, call: Call) -> bool:
    """Whether the caller runs this call: administrators, its creator, the users of its funders' bodies."""
    if actor.role == "admin":
        return True
    if not actor.can(Action.calls_manage):
        return False
    bodies = {f.organization_id for f in call.funders if f.organization_id is not None}
    return ((call.owner is not None and call.owner == actor.key)
            or bool(bodies & ({actor.organization_id} | set(actor.chambers))))


def require_runner(actor: Principal, call: Call) -> None:
    actor.require(Action.calls_manage)
    if not runs(actor, call):
        raise Forbidden(f"Only those who run call {call.id} do this.")


async def allocated_by_funder(session: AsyncSession, call_id: int) -> dict[int, int]:
    rows = (await session.execute(select(LedgerEntry.funder_id, func.sum(LedgerEntry.amount_cents))
                                  .where(LedgerEntry.call_id == call_id).group_by(LedgerEntry.funder_id))).all()
    return {funder_id: int(total or 0) for funder_id, total in rows}


async def budget(session: AsyncSession, call: Call) -> dict[str, Any]:
    allocated = await allocated_by_funder(session, call.id)
    granted = await session.scalar(select(func.coalesce(func.sum(Application.granted_cents), 0)).where(
        Application.call_id == call.id, Application.state.in_(("funded", "in_progress", "completed"))))
    funders = [{"funder_id": f.id, "key": f.key, "name": f.name, "contribution": euros(f.contribution_cents),
                "allocated": euros(allocated.get(f.id, 0)),
                "remaining": euros(f.contribution_cents - allocated.get(f.id, 0))} for f in call.funders]
    total = sum(f.contribution_cents for f in call.funders)
    used = sum(allocated.values())
    return {"call_id": call.id, "total": euros(total), "allocated": euros(used), "remaining": euros(total - used),
            "funders": funders, "granted_by_applications": euros(int(granted or 0)), "as_of": utcnow()}
