"""Evaluation and ranking: at least two evaluators per application, a third when their totals diverge, the
weighted mean as the score, thresholds per criterion and overall, ties broken by the call's rules, and a
reserve list for admitted applications the budget does not cover."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.auth.models import User
from api.auth.policy import Action, Role
from api.auth.principal import Principal
from api.calls import applications, rules
from api.calls import service as calls_service
from api.calls.errors import (AlreadyAssigned, AlreadyScored, EvaluatorConflict, NotAssigned,
                              TransitionNotAllowed)
from api.calls.models import Application, Assignment, Call
from api.calls.schemas import ApplicationState
from api.clusters.errors import UnknownReference
from api.core.db import utcnow
from api.core.errors import ValidationFailed

MIN_EVALUATORS = 2
PLACES = Decimal("0.0001")


async def assignments_of(session: AsyncSession, application_id: int) -> list[Assignment]:
    return list((await session.scalars(select(Assignment).where(Assignment.application_id == application_id)
                                       .order_by(Assignment.id))).all())


async def assign(session: AsyncSession, *, app: Application, evaluator_id: int, actor: Principal) -> Assignment:
    actor.require(Action.calls_manage)
    if app.state not in (ApplicationState.admissible, ApplicationState.under_evaluation):
        raise TransitionNotAllowed(f"The application is {app.state}; evaluators are assigned to admissible ones.")
    evaluator = await session.get(User, evaluator_id)
    if evaluator is None or evaluator.role != Role.evaluator or not evaluator.is_active:
        raise UnknownReference(f"No active evaluator with id {evaluator_id}.", errors=[{
            "field": "body.evaluator_id", "message": "not an active evaluator", "code": "unknown_reference"}])
    involved = {app.organization_id, *(p.organization_id for p in app.partners)}
    if evaluator.organization_id is not None and evaluator.organization_id in involved:
        raise EvaluatorConflict(f"Evaluator {evaluator_id} belongs to organization {evaluator.organization_id}, "
                                "which takes part in the application.")
    if await session.scalar(select(Assignment.id).where(Assignment.application_id == app.id,
                                                        Assignment.evaluator_id == evaluator_id)) is not None:
        raise AlreadyAssigned(f"Evaluator {evaluator_id} is already assigned to application {app.id}.")
    assignment = Assignment(application_id=app.id, evaluator_id=evaluator_id, assigned_by=actor.key)
    session.add(assignment)
    await session.flush()
    if app.state == ApplicationState.admissible and len(await assignments_of(session, app.id)) >= MIN_EVALUATORS:
        await applications.record(session, app, ApplicationState.under_evaluation, actor,
                                  f"{MIN_EVALUATORS} evaluators assigned")
    await audit.record(session, actor=actor, action="evaluation.assigned", object_type="application",
                       object_id=app.id, detail={"evaluator_id": evaluator_id})
    await session.flush()
    return assignment


def weighted(call: Call, scores: dict[str, Any]) -> Decimal:
    weights = sum(Decimal(c.weight) for c in call.criteria)
    total = sum(Decimal(c.weight) * Decimal(scores[c.code]["score"]) for c in call.criteria)
    return (total / weights).quantize(PLACES)


def score_state(call: Call, assignments: list[Assignment]) -> tuple[Decimal | None, str]:
    """The application's score once it counts, and where its evaluation stands."""
    done = [a for a in assignments if a.submitted_at is not None]
    if len(done) < MIN_EVALUATORS:
        return None, f"{len(done)} of {MIN_EVALUATORS} evaluations in"
    totals = [Decimal(a.total) for a in done]
    if len(done) == MIN_EVALUATORS:
        high, low = max(totals), min(totals)
        if high > 0 and (high - low) / high > Decimal(call.divergence_share):
            # No figures here: everyone who reads the evaluations sees this line, a third evaluator included.
            return None, (f"the two totals diverge by more than {Decimal(call.divergence_share) * 100:g}% of the "
                          "higher: a third evaluator is required")
    return (sum(totals) / len(totals)).quantize(PLACES), "complete"


async def submit_scores(session: AsyncSession, *, app: Application, actor: Principal,
                        scores: dict[str, dict[str, Any]]) -> Assignment:
    """An assigned evaluator's scores, once: every criterion, each within its maximum."""
    actor.require(Action.evaluations_write)
    assignment = await session.scalar(select(Assignment).where(Assignment.application_id == app.id,
                                                               Assignment.evaluator_id == actor.id)
                                       .with_for_update())
    if assignment is None:
        raise NotAssigned(f"You are not assigned to application {app.id}.")
    if assignment.submitted_at is not None:
        raise AlreadyScored(f"You submitted your scores on {assignment.submitted_at:%Y-%m-%d %H:%M}.")
    if app.state != ApplicationState.under_evaluation:
        raise TransitionNotAllowed(f"The application is {app.state}, not under evaluation.")
    call = await calls_service.get(session, app.call_id)
    errors = []
    codes = {c.code for c in call.criteria}
    for code in scores:
        if code not in codes:
            errors.append({"field": f"body.scores.{code}", "message": "not a criterion of the call",
                           "code": "unknown_reference"})
    for c in call.criteria:
        given = scores.get(c.code)
        if given is None:
            errors.append({"field": f"body.scores.{c.code}", "message": "missing", "code": "missing"})
        elif Decimal(given["score"]) > Decimal(c.max_score):
            errors.append({"field": f"body.scores.{c.code}.score", "message": f"above the maximum {c.max_score}",
                           "code": "too_large"})
    if errors:
        raise ValidationFailed(f"{len(errors)} score(s) are not valid.", errors=errors)
    assignment.scores = {code: {"score": str(v["score"]), "comment": v.get("comment")} for code, v in scores.items()}
    assignment.total = weighted(call, assignment.scores)
    assignment.submitted_at = utcnow()
    await session.flush()
    score, _ = score_state(call, await assignments_of(session, app.id))
    if score is not None:
        app.score = score
        await applications.record(session, app, ApplicationState.evaluated, actor, "evaluations complete")
        await session.flush()
    await audit.record(session, actor=actor, action="evaluation.submitted", object_type="application",
                       object_id=app.id, detail={"total": str(assignment.total)})
    return assignment


def visible_scores(assignments: list[Assignment], actor: Principal) -> list[dict[str, Any]]:
    """An evaluator sees the others' scores only when its own and at least one other are in."""
    mine = next((a for a in assignments if a.evaluator_id == actor.id), None)
    in_count = sum(1 for a in assignments if a.submitted_at is not None)
    show_all = actor.can(Action.calls_manage) or (mine is not None and mine.submitted_at is not None
                                                  and in_count >= MIN_EVALUATORS)
    out = []
    for a in assignments:
        shown = show_all or a is mine
        out.append({"evaluator_id": a.evaluator_id, "assigned_at": a.assigned_at, "submitted_at": a.submitted_at,
                    "total": a.total if shown else None, "scores": a.scores if shown else None})
    return out


def planned_charges(call: Call, app: Application) -> dict[int, int] | None:
    """What funding this application would charge each funder (None when no funder covers its province)."""
    from api.calls.funding import charged_funder, grant_for

    out: dict[int, int] = {}
    shares = []
    for rule in call.charge_rule:
        funder = charged_funder(call.funders, rule["funder"], app.province)
        if funder is None:
            return None
        shares.append((funder, Decimal(rule["share"])))
    for funder, amount in rules.split(grant_for(call, app), shares):
        out[funder.id] = out.get(funder.id, 0) + amount
    return out


async def funding_room(session: AsyncSession, call: Call) -> dict[int, int]:
    allocated = await calls_service.allocated_by_funder(session, call.id)
    room = {f.id: f.contribution_cents - allocated.get(f.id, 0) for f in call.funders}
    waiting = (await session.scalars(select(Application).where(
        Application.call_id == call.id, Application.state.in_(("admitted", "definitive_submitted"))))).all()
    for app in waiting:
        for fid, amount in (planned_charges(call, app) or {}).items():
            room[fid] -= amount
    return room


def _criterion_means(call: Call, assignments: list[Assignment]) -> dict[str, Decimal]:
    done = [a for a in assignments if a.submitted_at is not None and a.scores]
    return {c.code: (sum(Decimal(a.scores[c.code]["score"]) for a in done) / len(done)).quantize(PLACES)
            for c in call.criteria} if done else {}


async def rank(session: AsyncSession, *, call: Call, actor: Principal) -> list[Application]:
    """Rank the evaluated applications: under a threshold, not admitted; the others by score (ties by the
    call's rules), admitted while the remaining budget covers their requests, the rest on the reserve list."""
    calls_service.require_runner(actor, call)
    evaluated = list((await session.scalars(select(Application).where(
        Application.call_id == call.id, Application.state == ApplicationState.evaluated)
        .options(selectinload(Application.partners)).order_by(Application.id).with_for_update())).all())
    # What each funder can still give: its remaining budget less what admitted projects will ask of it.
    room = await funding_room(session, call)
    passing, failing = [], []
    by_app: dict[int, list[Assignment]] = {}
    for assignment in (await session.scalars(select(Assignment).where(
            Assignment.application_id.in_([a.id for a in evaluated])))).all():
        by_app.setdefault(assignment.application_id, []).append(assignment)
    means: dict[int, dict[str, Decimal]] = {}
    for app in evaluated:
        means[app.id] = _criterion_means(call, by_app.get(app.id, []))
        under = [c.code for c in call.criteria if c.min_score is not None
                 and means[app.id].get(c.code, Decimal(0)) < Decimal(c.min_score)]
        if call.threshold_score is not None and (app.score or 0) < Decimal(call.threshold_score):
            failing.append((app, f"score {app.score} under the threshold {call.threshold_score}"))
        elif under:
            failing.append((app, f"under the minimum on {', '.join(under)}"))
        else:
            passing.append(app)

    def key(app: Application) -> tuple[Any, ...]:
        parts: list[Any] = [-(app.score or 0)]
        for rule in call.tie_breakers:
            if rule == "earlier_submission":
                parts.append(app.submitted_at.timestamp() if app.submitted_at else float("inf"))
            else:
                parts.append(-means[app.id].get(rule.split(":", 1)[1], Decimal(0)))
        parts.append(app.id)
        return tuple(parts)

    passing.sort(key=key)
    last_rank = await session.scalar(select(Application.rank).where(Application.call_id == call.id,
                                                                    Application.rank.is_not(None))
                                     .order_by(Application.rank.desc()).limit(1)) or 0
    for position, app in enumerate(passing, start=last_rank + 1):
        app.rank = position
        await applications.record(session, app, ApplicationState.ranked, actor, f"rank {position}")
        charges = planned_charges(call, app)
        if charges is not None and all(amount <= room.get(fid, 0) for fid, amount in charges.items()):
            for fid, amount in charges.items():
                room[fid] -= amount
            await applications.record(session, app, ApplicationState.admitted, actor,
                                      f"rank {position}, within the budget")
        else:
            app.reserve = True
    for app, reason in failing:
        await applications.record(session, app, ApplicationState.ranked, actor, "ranked")
        await applications.record(session, app, ApplicationState.not_admitted, actor, reason)
    await session.flush()
    await audit.record(session, actor=actor, action="call.ranked", object_type="call", object_id=call.id,
                       detail={"ranked": len(passing), "not_admitted": len(failing)})
    return passing + [app for app, _ in failing]
