"""Funding decisions on the budget ledger. A decision locks the call's funders, so that decisions on one call
are taken one at a time and none can take a funder below zero, however many arrive at once."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.auth.policy import Action
from api.auth.principal import Principal
from api.calls import applications, rules
from api.calls import service as calls_service
from api.calls.errors import OverBudget, TransitionNotAllowed
from api.calls.models import Application, Call, Funder, LedgerEntry
from api.calls.schemas import ApplicationState, euros


def grant_for(call: Call, app: Application) -> int:
    """The grant: the amount asked for the definitive project, at most the co-financing share of the eligible
    costs and at most the call's maximum."""
    grant = app.definitive_requested_cents if app.definitive_requested_cents is not None else app.requested_cents
    if call.cofinancing_rate is not None and app.budget_lines:
        eligible = sum(Decimal(line["amount"]) for line in app.budget_lines) * 100
        grant = min(grant, int((eligible * Decimal(call.cofinancing_rate)).to_integral_value(ROUND_FLOOR)))
    if call.max_grant_cents is not None:
        grant = min(grant, call.max_grant_cents)
    return grant


def charged_funder(funders: list[Funder], rule: str, province: str | None) -> Funder | None:
    if rule == "region":
        return next((f for f in funders if f.role == "region"), None)
    # The chamber of the applicant's province; else a pool of chambers that covers it (or covers all).
    return (next((f for f in funders if f.role == "chamber" and province in f.provinces), None)
            or next((f for f in funders if f.role == "pool" and (province in f.provinces or not f.provinces)),
                    None))


async def _locked_funders(session: AsyncSession, call_id: int) -> list[Funder]:
    # FOR UPDATE on every funder of the call, in id order: concurrent decisions queue here (SQLite's writers
    # already queue on its single write lock).
    return list((await session.scalars(select(Funder).where(Funder.call_id == call_id).order_by(Funder.id)
                                       .with_for_update())).all())


async def _allocated(session: AsyncSession, funder_ids: list[int]) -> dict[int, int]:
    rows = (await session.execute(select(LedgerEntry.funder_id, func.sum(LedgerEntry.amount_cents))
                                  .where(LedgerEntry.funder_id.in_(funder_ids)).group_by(LedgerEntry.funder_id))).all()
    return {fid: int(total or 0) for fid, total in rows}


async def fund(session: AsyncSession, *, app: Application, actor: Principal, note: str | None) -> Application:
    """Fund a definitive project: its grant is charged to the funders by the call's rule, or refused (409) when
    a funder has too little left, naming it and the shortfall."""
    actor.require(Action.calls_manage)
    if app.state != ApplicationState.definitive_submitted:
        raise TransitionNotAllowed(f"The application is {app.state}; only a definitive project can be funded.")
    call = await calls_service.get(session, app.call_id)
    funders = await _locked_funders(session, call.id)
    grant = grant_for(call, app)
    shares = []
    for rule in call.charge_rule:
        funder = charged_funder(funders, rule["funder"], app.province)
        if funder is None:
            raise OverBudget(f"No funder of call {call.id} covers {rule['funder']} for province "
                             f"{app.province or 'unknown'}.")
        shares.append((funder, Decimal(rule["share"])))
    parts = rules.split(grant, shares)
    allocated = await _allocated(session, [f.id for f in funders])
    needed: dict[int, int] = {}
    for funder, amount in parts:
        needed[funder.id] = needed.get(funder.id, 0) + amount
    for funder in funders:
        remaining = funder.contribution_cents - allocated.get(funder.id, 0)
        if needed.get(funder.id, 0) > remaining:
            shortfall = needed[funder.id] - remaining
            raise OverBudget(f"{funder.name} has {euros(remaining)} euro left and this grant needs "
                             f"{euros(needed[funder.id])} from it: {euros(shortfall)} short.",
                             funder=funder.key, remaining=str(euros(remaining)), shortfall=str(euros(shortfall)))
    for funder, amount in parts:
        session.add(LedgerEntry(call_id=call.id, funder_id=funder.id, application_id=app.id, kind="allocation",
                                amount_cents=amount, author=actor.key, note=note))
    app.granted_cents = grant
    await applications.record(session, app, ApplicationState.funded, actor, note)
    await session.flush()
    await audit.record(session, actor=actor, action="application.funded", object_type="application",
                       object_id=app.id, detail={"granted": str(euros(grant)),
                                                 "charged": {f.key: str(euros(a)) for f, a in parts}})
    return app


async def revoke(session: AsyncSession, *, app: Application, actor: Principal, reason: str) -> Application:
    """Revoke a grant: what each funder gave returns to it, and the first application of the reserve list moves
    up."""
    actor.require(Action.calls_manage)
    if rules.allowed(app.state, ApplicationState.revoked) is None:
        raise TransitionNotAllowed(f"The application is {app.state}; only a funded project can be revoked.")
    await _locked_funders(session, app.call_id)
    net = (await session.execute(select(LedgerEntry.funder_id, func.sum(LedgerEntry.amount_cents))
                                 .where(LedgerEntry.application_id == app.id)
                                 .group_by(LedgerEntry.funder_id))).all()
    for funder_id, amount in net:
        if amount:
            session.add(LedgerEntry(call_id=app.call_id, funder_id=funder_id, application_id=app.id,
                                    kind="revocation", amount_cents=-int(amount), author=actor.key, note=reason))
    await applications.record(session, app, ApplicationState.revoked, actor, reason)
    await session.flush()
    await audit.record(session, actor=actor, action="application.revoked", object_type="application",
                       object_id=app.id, detail={"reason": reason})
    await promote_reserve(session, call_id=app.call_id, actor=actor)
    return app


async def promote_reserve(session: AsyncSession, *, call_id: int, actor: Principal) -> list[Application]:
    """Admit from the reserve list, best rank first, those whose grant the funders can still cover."""
    from api.calls.evaluation import funding_room, planned_charges

    call = await calls_service.get(session, call_id)
    await _locked_funders(session, call_id)
    reserve = list((await session.scalars(select(Application).where(
        Application.call_id == call_id, Application.state == ApplicationState.ranked, Application.reserve.is_(True))
        .order_by(Application.rank).with_for_update())).all())
    room = await funding_room(session, call)
    admitted = []
    for app in reserve:
        charges = planned_charges(call, app)
        if charges is None or any(amount > room.get(fid, 0) for fid, amount in charges.items()):
            continue
        for fid, amount in charges.items():
            room[fid] -= amount
        app.reserve = False
        await applications.record(session, app, ApplicationState.admitted, actor,
                                  "moved up from the reserve list when a place was freed")
        admitted.append(app)
    await session.flush()
    return admitted
