"""Programmes, events and registrations. A registration takes the event's lock, so that seats are given in
arrival order and never beyond capacity, however many arrive at once; past capacity it joins the waiting
list, and a cancellation promotes the first on it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.auth.policy import Action, Role
from api.auth.principal import Principal
from api.calls.schemas import cents, euros
from api.clusters.errors import UnknownReference
from api.core.db import utcnow
from api.core.errors import Forbidden, ValidationFailed
from api.core.pagination import SortKey, fetch_page
from api.organizations.models import Organization
from api.training.errors import (AlreadyRegistered, EventNotFound, NotRegistrationState, OrganizationLimit,
                                 ProgrammeNotFound, RegistrationClosed, RegistrationNotFound)
from api.training.models import (Attendance, Event, EventSession, Goal, Message, Programme, ProgrammeOutput,
                                 Registration)
from api.training.schemas import (AttendanceIn, EventCreate, EventUpdate, ProgrammeCreate, RegistrationCreate)

ACTIVE = ("confirmed", "waiting")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# programmes -------------------------------------------------------------------------------------------------
async def get_programme(session: AsyncSession, programme_id: int) -> Programme:
    programme = await session.scalar(select(Programme).where(Programme.id == programme_id)
                                     .options(selectinload(Programme.outputs)))
    if programme is None:
        raise ProgrammeNotFound(f"No programme with id {programme_id}.")
    return programme


def render_programme(p: Programme) -> dict[str, Any]:
    return {**{k: getattr(p, k) for k in ("id", "title", "description", "promoter_id", "starts_on", "ends_on", "goals",
                                          "outputs", "is_demo", "version")},
            "internal_resources": euros(p.internal_resources_cents),
            "external_resources": euros(p.external_resources_cents)}


async def create_programme(session: AsyncSession, *, data: ProgrammeCreate, actor: Principal,
                           is_demo: bool = False) -> Programme:
    actor.require(Action.events_manage)
    if data.promoter_id is not None and await session.get(Organization, data.promoter_id) is None:
        raise UnknownReference(f"No organization with id {data.promoter_id}.", errors=[{
            "field": "body.promoter_id", "message": "unknown organization", "code": "unknown_reference"}])
    known = {(g.scheme, g.code) for g in (await session.scalars(select(Goal))).all()}
    errors = [{"field": f"body.goals.{i}", "message": f"unknown {g.scheme} code {g.code}", "code": "unknown_reference"}
              for i, g in enumerate(data.goals) if (g.scheme, g.code) not in known]
    if errors:
        raise UnknownReference("Some goals are not in the reference list (GET /api/v1/programmes/goals).",
                               errors=errors)
    programme = Programme(title=data.title, description=data.description, promoter_id=data.promoter_id,
                          starts_on=data.starts_on, ends_on=data.ends_on,
                          internal_resources_cents=cents(data.internal_resources),
                          external_resources_cents=cents(data.external_resources),
                          goals=[g.model_dump() for g in data.goals], owner=actor.key if actor.id else None,
                          is_demo=is_demo, version=1)
    programme.outputs = [ProgrammeOutput(position=i, **o.model_dump(mode="json")) for i, o in enumerate(data.outputs)]
    session.add(programme)
    await session.flush()
    await audit.record(session, actor=actor, action="programme.created", object_type="programme",
                       object_id=programme.id, detail={"title": programme.title})
    return await get_programme(session, programme.id)


def _held(now: datetime) -> ColumnElement[bool]:
    return (Event.status == "scheduled") & (Event.ends_at <= now)


async def monitoring(session: AsyncSession, programme: Programme, now: datetime) -> dict[str, Any]:
    """Planned against achieved for each output, from the events held and their attendance."""
    attended = (select(Registration.event_id, func.count(func.distinct(Attendance.registration_id)).label("n"))
                .join(Attendance, Attendance.registration_id == Registration.id)
                .where(Attendance.attended.is_(True)).group_by(Registration.event_id).subquery())
    rows = (await session.execute(
        select(Event.output_id, Event.id, Event.title, Event.starts_at, func.coalesce(attended.c.n, 0))
        .outerjoin(attended, attended.c.event_id == Event.id)
        .where(Event.programme_id == programme.id, _held(now)).order_by(Event.starts_at))).all()
    planned = (await session.execute(select(Event.output_id, func.count()).where(
        Event.programme_id == programme.id, Event.status == "scheduled", Event.ends_at > now)
        .group_by(Event.output_id))).all()
    upcoming = dict(planned)
    outputs = []
    for output in programme.outputs:
        held = [r for r in rows if r[0] == output.id]
        achieved = len(held) if output.counts_events else (output.achieved_manually or 0)
        within = [r for r in held if output.attendance_min is None or r[4] >= output.attendance_min]
        outputs.append({
            "output_id": output.id, "kind": output.kind, "title": output.title, "target_count": output.target_count,
            "achieved": achieved, "missing": max(0, output.target_count - achieved),
            "met": achieved >= output.target_count, "scheduled_ahead": upcoming.get(output.id, 0),
            "attendance_target": {"min": output.attendance_min, "max": output.attendance_max},
            "events": [{"event_id": r[1], "title": r[2], "starts_at": r[3], "attended": r[4],
                        "attendance_met": output.attendance_min is None or r[4] >= output.attendance_min}
                       for r in held],
            "events_meeting_attendance": len(within),
        })
    days_left = (programme.ends_on - now.date()).days
    return {"programme_id": programme.id, "as_of": now, "ends_on": programme.ends_on,
            "days_left": max(0, days_left), "ended": days_left < 0, "outputs": outputs,
            "met": sum(1 for o in outputs if o["met"]), "open": sum(1 for o in outputs if not o["met"])}


# events -----------------------------------------------------------------------------------------------------
async def get_event(session: AsyncSession, event_id: int, *, for_update: bool = False) -> Event:
    stmt = select(Event).where(Event.id == event_id).options(selectinload(Event.sessions))
    if for_update:
        stmt = stmt.with_for_update(of=Event)
    event = await session.scalar(stmt)
    if event is None:
        raise EventNotFound(f"No event with id {event_id}.")
    return event


async def counts(session: AsyncSession, event_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = (await session.execute(select(Registration.event_id, Registration.status, func.count())
                                  .where(Registration.event_id.in_(event_ids))
                                  .group_by(Registration.event_id, Registration.status))).all()
    out: dict[int, dict[str, int]] = {eid: {} for eid in event_ids}
    for event_id, status, n in rows:
        out[event_id][status] = n
    return out


def render_event(event: Event, tally: dict[str, int]) -> dict[str, Any]:
    return {**{k: getattr(event, k) for k in (
        "id", "title", "description", "kind", "topics", "audience", "organizer_id", "venue", "address", "online_url",
        "starts_at", "ends_at", "date_note", "capacity", "per_organization_limit", "registration_opens_at",
        "registration_closes_at", "language", "programme_id", "output_id", "status", "sessions", "is_demo",
        "version")},
        "seats_left": max(0, event.capacity - tally.get("confirmed", 0)), "waiting": tally.get("waiting", 0)}


def is_organizer(actor: Principal, event: Event) -> bool:
    if actor.role == Role.admin:
        return True
    if not actor.can(Action.events_manage):
        return False
    return ((event.owner is not None and event.owner == actor.key)
            or (event.organizer_id is not None and (event.organizer_id == actor.organization_id
                                                    or event.organizer_id in actor.chambers)))


def require_organizer(actor: Principal, event: Event) -> None:
    actor.require(Action.events_manage)
    if not is_organizer(actor, event):
        raise Forbidden("Only the event's organizers do this.")


async def _check_links(session: AsyncSession, data: EventCreate | EventUpdate) -> None:
    errors = []
    if data.organizer_id is not None and await session.get(Organization, data.organizer_id) is None:
        errors.append({"field": "body.organizer_id", "message": "unknown organization", "code": "unknown_reference"})
    if data.programme_id is not None and await session.get(Programme, data.programme_id) is None:
        errors.append({"field": "body.programme_id", "message": "unknown programme", "code": "unknown_reference"})
    if data.output_id is not None:
        output = await session.get(ProgrammeOutput, data.output_id)
        if output is None or (data.programme_id is not None and output.programme_id != data.programme_id):
            errors.append({"field": "body.output_id", "message": "not an output of the programme",
                           "code": "unknown_reference"})
    if errors:
        raise UnknownReference("The event refers to records that do not exist.", errors=errors)


async def create_event(session: AsyncSession, *, data: EventCreate, actor: Principal, is_demo: bool = False) -> Event:
    actor.require(Action.events_manage)
    await _check_links(session, data)
    values = data.model_dump(exclude={"sessions", "topics", "audience", "language"}, exclude_none=True)
    event = Event(**values, topics=data.topics or [], audience=(data.audience or "everyone"),
                  language=data.language or "it", status="scheduled", sequence=0, registered=0,
                  owner=actor.key if actor.id else None, is_demo=is_demo, version=1)
    if data.output_id is not None and data.programme_id is None:
        event.programme_id = (await session.get_one(ProgrammeOutput, data.output_id)).programme_id
    event.sessions = [EventSession(**s.model_dump()) for s in data.sessions or []]
    session.add(event)
    await session.flush()
    await audit.record(session, actor=actor, action="event.created", object_type="event", object_id=event.id,
                       detail={"title": event.title})
    return await get_event(session, event.id)


async def update_event(session: AsyncSession, *, event: Event, data: EventUpdate, actor: Principal) -> Event:
    """Change the fields sent; every change raises the iCalendar SEQUENCE. Capacity never drops below the seats
    already given."""
    require_organizer(actor, event)
    await _check_links(session, data)
    values = data.model_dump(exclude_unset=True, exclude={"sessions"})
    for key in ("title", "kind", "starts_at", "ends_at", "capacity", "status", "audience", "language"):
        if key in values and values[key] is None:
            del values[key]
    if "topics" in values and values["topics"] is None:
        values["topics"] = []  # null clears a list: no topics
    for key, value in values.items():
        setattr(event, key, value)
    if data.sessions is not None:
        event.sessions = [EventSession(**s.model_dump()) for s in data.sessions]
    if (event.starts_at is None) != (event.ends_at is None) or (
            event.starts_at is not None and event.ends_at is not None and event.ends_at <= event.starts_at):
        raise ValidationFailed("ends_at must be after starts_at.", errors=[{
            "field": "body.ends_at", "message": "not after starts_at", "code": "value_error"}])
    confirmed = (await counts(session, [event.id]))[event.id].get("confirmed", 0)
    if event.capacity < confirmed:
        raise ValidationFailed(f"{confirmed} seats are already given; capacity cannot go below.", errors=[{
            "field": "body.capacity", "message": f"at least {confirmed}", "code": "too_small"}])
    event.sequence += 1
    event.version += 1
    event.updated_at = utcnow()
    await session.flush()
    if "capacity" in values:
        while await _promote(session, event):
            pass
    await audit.record(session, actor=actor, action="event.updated", object_type="event", object_id=event.id,
                       detail=data.model_dump(exclude_unset=True, mode="json"))
    return await get_event(session, event.id)


def filtered(*, start: datetime | None, end: datetime | None, topic: str | None, kind: str | None,
             organizer_id: int | None, audience: str | None, programme_id: int | None, q: str | None) -> Select[Any]:
    stmt = select(Event).options(selectinload(Event.sessions))
    if start is not None:
        stmt = stmt.where(Event.ends_at >= start)
    if end is not None:
        stmt = stmt.where(Event.starts_at < end)
    if topic:
        stmt = stmt.where(func.lower(cast(Event.topics, Text)).contains(topic.lower(), autoescape=True))
    if kind:
        stmt = stmt.where(Event.kind == kind)
    if organizer_id is not None:
        stmt = stmt.where(Event.organizer_id == organizer_id)
    if audience:
        stmt = stmt.where(or_(Event.audience == audience, Event.audience == "everyone"))
    if programme_id is not None:
        stmt = stmt.where(Event.programme_id == programme_id)
    if q:
        stmt = stmt.where(or_(func.lower(Event.title).contains(q.lower(), autoescape=True),
                              func.lower(func.coalesce(Event.description, "")).contains(q.lower(), autoescape=True)))
    return stmt


async def list_page(session: AsyncSession, stmt: Select[Any], *, cursor: str | None, limit: int,
                    latest_first: bool = False) -> tuple[list[Event], str | None]:
    key = SortKey("-starts_at", Event.starts_at, descending=True) if latest_first \
        else SortKey("starts_at", Event.starts_at)
    return await fetch_page(session, stmt, key=key, id_column=Event.id, cursor=cursor, limit=limit)


# registrations ----------------------------------------------------------------------------------------------
def _check_open(event: Event, now: datetime) -> None:
    if event.status != "scheduled":
        raise RegistrationClosed(f"Event {event.id} is {event.status}.")
    if event.starts_at is None:
        raise RegistrationClosed(f"Event {event.id} has no date fixed ({event.date_note or 'not given'}).")
    if event.starts_at <= now:
        raise RegistrationClosed(f"Event {event.id} started on {event.starts_at.isoformat()}: registration is over.")
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        raise RegistrationClosed(f"Registration opens at {event.registration_opens_at.isoformat()}.")
    if event.registration_closes_at is not None and now >= event.registration_closes_at:
        raise RegistrationClosed(f"Registration closed at {event.registration_closes_at.isoformat()}.")


async def _admit(session: AsyncSession, event: Event, registration: Registration, now: datetime) -> None:
    """Give the next arrival number, and a seat if one is left (the caller holds the event's lock)."""
    event.registered += 1
    registration.position = event.registered
    confirmed = await session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status == "confirmed"))
    registration.status = "confirmed" if confirmed < event.capacity else "waiting"
    registration.confirmed_at = now if registration.status == "confirmed" else None


async def register(session: AsyncSession, *, event_id: int, data: RegistrationCreate, actor: Principal,
                   now: datetime, public_url: str = "") -> tuple[Registration, str | None]:
    """A seat, a place on the waiting list, or (for someone without an account) a registration to confirm by
    the link sent by e-mail. Returns the registration and, for the e-mailed link only, nothing else."""
    event = await get_event(session, event_id, for_update=True)
    _check_open(event, now)
    taken = await session.scalar(select(Registration.id).where(Registration.event_id == event.id,
                                                               Registration.email == data.email))
    if taken is not None:
        raise AlreadyRegistered(f"{data.email} is already registered for event {event.id}.")
    organization_id = actor.organization_id if actor.is_authenticated else None
    organization_name = data.organization_name
    if organization_id is not None:
        organization_name = (await session.get_one(Organization, organization_id)).name
        if event.per_organization_limit is not None:
            used = await session.scalar(select(func.count()).select_from(Registration).where(
                Registration.event_id == event.id, Registration.organization_id == organization_id,
                Registration.status.in_(ACTIVE)))
            if used >= event.per_organization_limit:
                raise OrganizationLimit(f"{organization_name} has {used} registrations for event {event.id}, "
                                        f"the most one organization may have.")
    registration = Registration(event_id=event.id, name=data.name, email=data.email,
                                organization_id=organization_id, organization_name=organization_name,
                                role=data.role, registered_by=actor.key if actor.is_authenticated else None)
    token = None
    if organization_id is None:
        token = secrets.token_urlsafe(24)
        registration.status = "pending"
        registration.token_hash = token_hash(token)
    else:
        await _admit(session, event, registration, now)
    session.add(registration)
    await session.flush()
    if token is not None:
        link = f"{public_url.rstrip('/')}/registrations/confirm?token={token}"
        session.add(Message(to_email=data.email, kind="confirm_registration", registration_id=registration.id,
                            subject=f"Conferma l'iscrizione: {event.title}",
                            body=f"Per confermare l'iscrizione a «{event.title}» apra questo collegamento:\n{link}\n\n"
                                 f"Lo stesso collegamento le permette di vedere, annullare o cancellare i suoi dati.",
                            detail={"token": token, "event_id": event.id}))
    return registration, token


async def by_token(session: AsyncSession, token: str, *, for_update: bool = False) -> Registration:
    stmt = select(Registration).where(Registration.token_hash == token_hash(token))
    if for_update:
        stmt = stmt.with_for_update()
    registration = await session.scalar(stmt)
    if registration is None:
        raise RegistrationNotFound("No registration has this token.")
    return registration


async def confirm(session: AsyncSession, *, token: str, now: datetime) -> Registration:
    registration = await by_token(session, token)
    if registration.status != "pending":
        return registration  # confirming twice is harmless: the link may be followed again
    event = await get_event(session, registration.event_id, for_update=True)
    # Read again under the event's lock: the same link followed twice at once must admit once.
    registration = await session.scalar(select(Registration).where(Registration.id == registration.id)
                                        .execution_options(populate_existing=True))
    if registration.status != "pending":
        return registration
    _check_open(event, now)
    await _admit(session, event, registration, now)
    await session.flush()
    return registration


async def _promote(session: AsyncSession, event: Event) -> Registration | None:
    """The first on the waiting list takes a free seat, and is told so."""
    confirmed = await session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status == "confirmed"))
    if confirmed >= event.capacity:
        return None
    first = await session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.status == "waiting")
        .order_by(Registration.position).limit(1))
    if first is None:
        return None
    first.status = "confirmed"
    first.confirmed_at = utcnow()
    if first.email:
        session.add(Message(to_email=first.email, kind="promoted", registration_id=first.id,
                            subject=f"Posto confermato: {event.title}",
                            body="Si è liberato un posto: la sua iscrizione è confermata.",
                            detail={"event_id": event.id}))
    await session.flush()
    return first


async def cancel(session: AsyncSession, *, registration: Registration, now: datetime) -> Registration:
    if registration.status == "cancelled":
        return registration
    event = await get_event(session, registration.event_id, for_update=True)
    was_seated = registration.status == "confirmed"
    registration.status = "cancelled"
    registration.cancelled_at = now
    await session.flush()
    if was_seated:
        await _promote(session, event)
    return registration


async def erase(session: AsyncSession, *, registration: Registration) -> Registration:
    """Forget who registered; the registration still counts (anonymously) for monitoring."""
    registration.name = registration.email = registration.organization_name = registration.role = None
    registration.token_hash = None
    registration.erased_at = utcnow()
    await session.flush()
    return registration


def can_see_registration(actor: Principal, event: Event, registration: Registration) -> bool:
    return (is_organizer(actor, event)
            or (actor.is_authenticated and registration.organization_id is not None
                and registration.organization_id in actor.organizations)
            or (actor.is_authenticated and registration.registered_by == actor.key))


async def registration_for(session: AsyncSession, *, event_id: int, registration_id: int,
                           actor: Principal) -> tuple[Event, Registration]:
    event = await get_event(session, event_id)
    registration = await session.get(Registration, registration_id, with_for_update=True)
    if registration is None or registration.event_id != event.id or not can_see_registration(actor, event,
                                                                                              registration):
        raise RegistrationNotFound(f"Event {event_id} has no registration {registration_id}.")
    return event, registration


def render_registration(r: Registration, waiting_position: int | None = None) -> dict[str, Any]:
    return {**{k: getattr(r, k) for k in ("id", "event_id", "status", "position", "name", "email", "organization_id",
                                          "organization_name", "role", "created_at", "confirmed_at",
                                          "cancelled_at")},
            "waiting_position": waiting_position, "erased": r.erased_at is not None}


async def waiting_positions(session: AsyncSession, event_id: int) -> dict[int, int]:
    """Registration id -> place on the event's waiting list, from 1, for every waiting registration."""
    waiting = (await session.scalars(select(Registration.id).where(
        Registration.event_id == event_id, Registration.status == "waiting").order_by(Registration.position))).all()
    return {ident: place for place, ident in enumerate(waiting, start=1)}


async def attendance_of(session: AsyncSession, event: Event) -> list[Attendance]:
    return list((await session.scalars(select(Attendance).join(
        Registration, Registration.id == Attendance.registration_id).where(Registration.event_id == event.id)
        .order_by(Attendance.registration_id, Attendance.session_key))).all())


async def visible_registrations(session: AsyncSession, *, event: Event, actor: Principal) -> list[Registration]:
    stmt = select(Registration).where(Registration.event_id == event.id).order_by(Registration.position,
                                                                                 Registration.id)
    if not is_organizer(actor, event):
        if not actor.is_authenticated:
            return []
        stmt = stmt.where(or_(Registration.organization_id.in_(actor.organizations or [-1]),
                              Registration.registered_by == actor.key))
    return list((await session.scalars(stmt)).all())


# attendance and figures -------------------------------------------------------------------------------------
async def record_attendance(session: AsyncSession, *, event: Event, records: list[AttendanceIn],
                            actor: Principal) -> int:
    """Set who attended (each session of a cycle, or the event); sending the same records again changes
    nothing, so a check-in device may retry safely."""
    require_organizer(actor, event)
    # Check-ins of one event queue here, so a device retrying while its first try runs changes nothing twice.
    await session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    session_ids = {s.id for s in event.sessions}
    registrations = {r.id: r for r in (await session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.id.in_([x.registration_id for x in records])))).all()}
    errors = []
    for i, record in enumerate(records):
        registration = registrations.get(record.registration_id)
        if registration is None:
            errors.append({"field": f"body.records.{i}.registration_id", "message": "not a registration of the event",
                           "code": "unknown_reference"})
        elif registration.status != "confirmed" and record.attended:
            errors.append({"field": f"body.records.{i}.registration_id",
                           "message": f"the registration is {registration.status}", "code": "state"})
        if record.session_id is not None and record.session_id not in session_ids:
            errors.append({"field": f"body.records.{i}.session_id", "message": "not a session of the event",
                           "code": "unknown_reference"})
    if errors:
        raise ValidationFailed(f"{len(errors)} attendance record(s) are not valid; none was saved.", errors=errors)
    existing = {(a.registration_id, a.session_key): a for a in (await session.scalars(select(Attendance).where(
        Attendance.registration_id.in_(list(registrations))))).all()}
    changed = 0
    for record in records:
        key = (record.registration_id, record.session_id or 0)
        row = existing.get(key)
        if row is None:
            row = Attendance(registration_id=key[0], session_key=key[1], attended=record.attended,
                             checked_by=actor.key)
            session.add(row)
            existing[key] = row
            changed += 1
        elif row.attended != record.attended:
            row.attended, row.checked_by, row.checked_at = record.attended, actor.key, utcnow()
            changed += 1
    await session.flush()
    return changed


async def stats(session: AsyncSession, event: Event) -> dict[str, Any]:
    tally = (await counts(session, [event.id]))[event.id]
    attended = (await session.execute(
        select(Attendance.session_key, func.count(func.distinct(Attendance.registration_id)))
        .join(Registration, Registration.id == Attendance.registration_id)
        .where(Registration.event_id == event.id, Attendance.attended.is_(True))
        .group_by(Attendance.session_key))).all()
    by_session = dict(attended)
    any_attended = await session.scalar(
        select(func.count(func.distinct(Attendance.registration_id))).join(
            Registration, Registration.id == Attendance.registration_id)
        .where(Registration.event_id == event.id, Attendance.attended.is_(True)))
    erased = await session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.erased_at.is_not(None)))
    return {"event_id": event.id, "capacity": event.capacity,
            **{state: tally.get(state, 0) for state in ("confirmed", "waiting", "pending", "cancelled")},
            "attended": any_attended or 0, "erased": erased or 0,
            "sessions": [{"session_id": s.id, "title": s.title, "attended": by_session.get(s.id, 0)}
                         for s in event.sessions]}


async def certificate(session: AsyncSession, *, event: Event, registration: Registration) -> bytes:
    """The certificate of attendance of a registration that attended (the event or some of its sessions)."""
    from api.training import certificate as pdf

    rows = (await session.scalars(select(Attendance).where(Attendance.registration_id == registration.id,
                                                           Attendance.attended.is_(True)))).all()
    if not rows:
        raise NotRegistrationState("No attendance is recorded for this registration: no certificate yet.")
    if registration.erased_at is not None:
        raise NotRegistrationState("The registrant's data were erased: there is no name to certify.")
    attended = {a.session_key for a in rows}
    sessions = [s for s in event.sessions if s.id in attended]
    organizer = (await session.get(Organization, event.organizer_id)).name if event.organizer_id else None
    return pdf.render(registration=registration, event=event, organizer=organizer, sessions_attended=sessions)
