"""Applications: drafts, submission while a phase is open, the state machine with every move recorded, and who
may see which application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.auth.policy import Action, Role
from api.auth.principal import Principal, Target
from api.calls import rules
from api.calls import service as calls_service
from api.calls.errors import ApplicationNotFound, NotEligible, PhaseClosed, TransitionNotAllowed
from api.calls.models import Application, ApplicationPartner, Assignment, Attachment, Call, Transition
from api.calls.schemas import ApplicationCreate, ApplicationState, ApplicationUpdate, cents, euros
from api.clusters.errors import UnknownReference
from api.core.db import utcnow
from api.core.errors import Forbidden, ValidationFailed
from api.core.pagination import SortKey, fetch_page
from api.core.storage import Storage, StoredFile, safe_filename, save_recorded
from api.organizations.models import Organization


def render(app: Application) -> dict[str, Any]:
    return {
        **{k: getattr(app, k) for k in ("id", "call_id", "organization_id", "province", "title", "summary",
                                        "category", "budget_lines", "state", "state_reason", "submitted_at",
                                        "score", "rank", "reserve", "is_demo", "version")},
        "requested": euros(app.requested_cents), "definitive_requested": euros(app.definitive_requested_cents),
        "granted": euros(app.granted_cents),
        "partners": [{"organization_id": p.organization_id, "receives_funds": p.receives_funds}
                     for p in app.partners],
    }


async def _chamber_reach(session: AsyncSession, actor: Principal) -> ColumnElement[bool]:
    """A chamber of commerce sees its province's applications; a regional union of chambers (no province of
    its own) those of its region's firms."""
    if not actor.chambers:
        return false()
    clauses = []
    for province, region in (await session.execute(select(Organization.province, Organization.region_code)
                                                    .where(Organization.id.in_(actor.chambers)))).all():
        if province:
            clauses.append(Application.province == province)
        elif region:
            clauses.append(Application.organization_id.in_(
                select(Organization.id).where(Organization.region_code.like(f"{region}%"))))
    return or_(*clauses) if clauses else false()


async def visibility(session: AsyncSession, actor: Principal) -> ColumnElement[bool]:
    """Which applications the caller may see: its own organization's, those assigned to it as evaluator, those
    of its chamber's province, those of its Region's firms; administrators all."""
    if actor.role == Role.admin:
        return true()
    if actor.role == Role.enterprise and actor.organizations:
        partner_of = select(ApplicationPartner.application_id).where(
            ApplicationPartner.organization_id.in_(actor.organizations))
        return or_(Application.organization_id.in_(actor.organizations), Application.id.in_(partner_of))
    if actor.role == Role.evaluator and actor.id is not None and actor.kind == "user":
        return Application.id.in_(select(Assignment.application_id).where(Assignment.evaluator_id == actor.id))
    if actor.role == Role.chamber_officer:
        return await _chamber_reach(session, actor)
    if actor.role == Role.region_officer and actor.regions:
        in_region = select(Organization.id).where(or_(*[Organization.region_code.like(f"{r}%")
                                                        for r in actor.regions]))
        return Application.organization_id.in_(in_region)
    return false()


async def get(session: AsyncSession, application_id: int, actor: Principal, *,
              for_update: bool = False) -> Application:
    """The application if the caller may see it; 404 otherwise, whether or not it exists."""
    stmt = (select(Application).where(Application.id == application_id, await visibility(session, actor))
            .options(selectinload(Application.partners)))
    if for_update:
        stmt = stmt.with_for_update(of=Application)
    app = await session.scalar(stmt)
    if app is None:
        raise ApplicationNotFound(f"No application with id {application_id}.")
    return app


async def list_page(session: AsyncSession, *, call_id: int, actor: Principal, state: str | None,
                    province: str | None, cursor: str | None, limit: int) -> tuple[list[Application], str | None]:
    stmt: Select[Any] = (select(Application).where(Application.call_id == call_id,
                                                   await visibility(session, actor))
                         .options(selectinload(Application.partners)))
    if state:
        stmt = stmt.where(Application.state == state)
    if province:
        stmt = stmt.where(Application.province == province)
    return await fetch_page(session, stmt, key=SortKey("id", Application.id), id_column=Application.id,
                            cursor=cursor, limit=limit)


async def ranking(session: AsyncSession, *, call_id: int, actor: Principal) -> list[Application]:
    """The ranked applications in rank order (admitted, then the reserve list), as far as the caller may see."""
    return list((await session.scalars(
        select(Application).where(Application.call_id == call_id, Application.rank.is_not(None),
                                  await visibility(session, actor))
        .options(selectinload(Application.partners)).order_by(Application.rank, Application.id))).all())


async def record(session: AsyncSession, app: Application, to: ApplicationState | str, actor: Principal,
                 reason: str | None = None) -> None:
    session.add(Transition(application_id=app.id, from_state=app.state, to_state=str(to), actor=actor.key,
                           reason=reason))
    app.state = str(to)
    app.state_reason = reason
    app.version += 1
    app.updated_at = utcnow()


def _is_manager(actor: Principal) -> bool:
    return actor.can(Action.calls_manage)


def _is_applicant(actor: Principal, app: Application) -> bool:
    return actor.can(Action.applications_write, Target(organization_id=app.organization_id))


async def _partners(session: AsyncSession, partners: list[Any], lead: int) -> list[ApplicationPartner]:
    ids = [p.organization_id for p in partners]
    if lead in ids or len(set(ids)) != len(ids):
        raise ValidationFailed("Partners must be distinct and other than the lead applicant.", errors=[{
            "field": "body.partners", "message": "duplicate partner or the lead itself", "code": "value_error"}])
    found = set((await session.scalars(select(Organization.id).where(Organization.id.in_(ids)))).all())
    missing = [{"field": f"body.partners.{i}.organization_id", "message": "unknown organization",
                "code": "unknown_reference"} for i, oid in enumerate(ids) if oid not in found]
    if missing:
        raise UnknownReference("Some partners are not registered organizations.", errors=missing)
    return [ApplicationPartner(organization_id=p.organization_id, receives_funds=p.receives_funds) for p in partners]


def _check_amounts(call: Call, requested_cents: int, field: str = "body.requested") -> None:
    if call.max_grant_cents is not None and requested_cents > call.max_grant_cents:
        raise ValidationFailed(f"The requested amount is above the call's maximum grant of "
                               f"{euros(call.max_grant_cents)} euro.", errors=[{
                                   "field": field, "message": f"above {euros(call.max_grant_cents)}",
                                   "code": "too_large"}])


async def create(session: AsyncSession, *, data: ApplicationCreate, actor: Principal) -> Application:
    """A draft application of the caller's own organization."""
    call = await calls_service.get(session, data.call_id)
    lead_id = data.organization_id or actor.organization_id
    if lead_id is None:
        raise ValidationFailed("Name the applicant organization.", errors=[{
            "field": "body.organization_id", "message": "required for accounts without an organization",
            "code": "missing"}])
    actor.require(Action.applications_write, Target(organization_id=lead_id))
    lead = await session.get(Organization, lead_id)
    if lead is None:
        raise UnknownReference(f"No organization with id {lead_id}.", errors=[{
            "field": "body.organization_id", "message": "unknown organization", "code": "unknown_reference"}])
    if call.categories and data.category and data.category not in call.categories:
        raise ValidationFailed("Unknown category for this call.", errors=[{
            "field": "body.category", "message": f"one of {', '.join(call.categories)}", "code": "enum"}])
    _check_amounts(call, cents(data.requested))
    app = Application(call_id=call.id, organization_id=lead.id, province=lead.province, title=data.title,
                      summary=data.summary, category=data.category, requested_cents=cents(data.requested),
                      budget_lines=[{"label": b.label, "amount": str(b.amount)} for b in data.budget_lines],
                      state=ApplicationState.draft.value, created_by=actor.key, version=1,
                      partners=await _partners(session, data.partners, lead.id))
    session.add(app)
    await session.flush()
    session.add(Transition(application_id=app.id, from_state=None, to_state="draft", actor=actor.key))
    await session.flush()
    return await get(session, app.id, actor)


async def update(session: AsyncSession, *, app: Application, data: ApplicationUpdate,
                 actor: Principal) -> Application:
    """Change a draft (its applicant)."""
    if not _is_applicant(actor, app):
        raise Forbidden("Only the applicant changes its application.")
    if app.state != ApplicationState.draft:
        raise TransitionNotAllowed(f"The application is {app.state}; only a draft can change.")
    call = await calls_service.get(session, app.call_id)
    values = data.model_dump(exclude_unset=True)
    if call.categories and values.get("category") and values["category"] not in call.categories:
        raise ValidationFailed("Unknown category for this call.", errors=[{
            "field": "body.category", "message": f"one of {', '.join(call.categories)}", "code": "enum"}])
    if values.get("requested") is not None:
        _check_amounts(call, cents(data.requested))
        app.requested_cents = cents(data.requested)
    if data.budget_lines is not None:
        app.budget_lines = [{"label": b.label, "amount": str(b.amount)} for b in data.budget_lines]
    if data.partners is not None:
        partners = await _partners(session, data.partners, app.organization_id)
        app.partners = []
        await session.flush()  # the old rows go before the new ones, or the same partner would clash
        app.partners = partners
    for key in ("title", "summary", "category"):
        if key in values and (values[key] is not None or key != "title"):
            setattr(app, key, values[key])
    app.version += 1
    app.updated_at = utcnow()
    await session.flush()
    return await get(session, app.id, actor)


async def submit(session: AsyncSession, *, app: Application, actor: Principal, now: datetime) -> Application:
    """Submit while a phase is open, by the server's clock; every eligibility rule that fails is named."""
    if not _is_applicant(actor, app):
        raise Forbidden("Only the applicant submits its application.")
    if rules.allowed(app.state, ApplicationState.submitted) is None:
        raise TransitionNotAllowed(f"The application is {app.state}; only a draft can be submitted.")
    call = await calls_service.get(session, app.call_id)
    phase = calls_service.open_phase(call, now)
    if phase is None:
        raise PhaseClosed(f"No phase of call {call.id} is open at {now.isoformat()}: submissions are closed.")
    lead = await session.get_one(Organization, app.organization_id)
    partners = [(await session.get_one(Organization, p.organization_id), p.receives_funds) for p in app.partners]
    failures = rules.eligibility_failures(call.eligibility, lead, partners)
    investment = sum(int(round(float(line["amount"]) * 100)) for line in app.budget_lines)
    if call.min_investment_cents is not None and investment < call.min_investment_cents:
        failures.append(rules.Failure("min_investment", f"the budget lines add up to {euros(investment)} euro, "
                                                        f"under the minimum investment of "
                                                        f"{euros(call.min_investment_cents)}"))
    carried = {a.document for a in await attachments_of(session, app.id)}
    for document in call.required_documents:
        if document not in carried:
            failures.append(rules.Failure("required_documents", f"the application carries no {document!r}"))
    if failures:
        raise NotEligible(f"{len(failures)} eligibility rule(s) fail.", errors=[
            {"field": f"eligibility.{f.rule}", "message": f.message, "code": "not_eligible"} for f in failures])
    app.phase_id = phase.id
    app.submitted_at = now
    await record(session, app, ApplicationState.submitted, actor)
    await session.flush()
    return app


async def move(session: AsyncSession, *, app: Application, to: ApplicationState, reason: str | None,
               actor: Principal) -> Application:
    """A move the state machine allows to the caller; anything else is 409 and changes nothing."""
    who = rules.allowed(app.state, to)
    if who is None or who == "service":
        hint = " (it follows from evaluation, ranking or a funding decision)" if who == "service" else ""
        raise TransitionNotAllowed(f"An application that is {app.state} cannot move to {to.value}{hint}.",
                                   allowed=sorted(s.value for s, by in rules.MOVES.get(
                                       ApplicationState(app.state), {}).items() if by != "service"))
    if who == "applicant" and not _is_applicant(actor, app):
        raise Forbidden(f"Only the applicant moves an application to {to.value}.")
    if who == "manager" and not _is_manager(actor):
        raise Forbidden(f"Only the call's managers move an application to {to.value}.")
    if to in rules.NEEDS_REASON and not reason:
        raise ValidationFailed(f"Say why the application is {to.value}.", errors=[{
            "field": "body.reason", "message": "required for this state", "code": "missing"}])
    if to is ApplicationState.submitted:
        raise TransitionNotAllowed("Submit through POST /applications/{id}/submit.")
    await record(session, app, to, actor, reason)
    await session.flush()
    await audit.record(session, actor=actor, action=f"application.{to.value}", object_type="application",
                       object_id=app.id, detail={"reason": reason})
    return app


async def definitive(session: AsyncSession, *, app: Application, requested_cents: int | None,
                     actor: Principal) -> Application:
    """The definitive project after accompaniment, with its amount within the call's limits."""
    if not _is_applicant(actor, app):
        raise Forbidden("Only the applicant submits the definitive project.")
    if rules.allowed(app.state, ApplicationState.definitive_submitted) is None:
        raise TransitionNotAllowed(f"The application is {app.state}; a definitive project follows admission.")
    call = await calls_service.get(session, app.call_id)
    amount = requested_cents if requested_cents is not None else app.requested_cents
    _check_amounts(call, amount)
    app.definitive_requested_cents = amount
    app.definitive_submitted_at = utcnow()
    await record(session, app, ApplicationState.definitive_submitted, actor)
    await session.flush()
    return app


async def attachments_of(session: AsyncSession, application_id: int) -> list[Attachment]:
    return list((await session.scalars(select(Attachment).where(Attachment.application_id == application_id)
                                       .order_by(Attachment.id))).all())


async def attach(session: AsyncSession, *, app: Application, filename: str, document: str | None,
                 chunks: AsyncIterator[bytes], actor: Principal, storage: Storage, max_bytes: int) -> Attachment:
    """Stream a document into a draft (its applicant); a file of the same name is replaced; nothing is left
    behind when the upload fails."""
    if not _is_applicant(actor, app):
        raise Forbidden("Only the applicant adds documents to its application.")
    if app.state != ApplicationState.draft:
        raise TransitionNotAllowed(f"The application is {app.state}; documents are added to drafts.")
    name = safe_filename(filename)
    replaced = await session.scalar(select(Attachment).where(Attachment.application_id == app.id,
                                                             Attachment.filename == name))

    async def record(stored: StoredFile) -> Attachment:
        if replaced is not None:
            await session.delete(replaced)
            await session.flush()
        row = Attachment(application_id=app.id, document=document, filename=name, storage_key=stored.key,
                         media_type=stored.media_type, size=stored.size, sha256=stored.sha256, uploaded_by=actor.key)
        session.add(row)
        await session.flush()
        return row

    row = await save_recorded(storage, chunks, filename=name, max_bytes=max_bytes, record=record)
    if replaced is not None:
        await storage.delete(replaced.storage_key)
    return row


async def transitions(session: AsyncSession, app: Application) -> list[Transition]:
    return list((await session.scalars(select(Transition).where(Transition.application_id == app.id)
                                       .order_by(Transition.id))).all())
