from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Header, Path, Query, Request, Response
from sqlalchemy import select

from api.auth.deps import AuthenticatedDep, PrincipalDep
from api.auth.errors import InvalidAccessToken
from api.clusters.errors import UnknownReference
from api.calls.schemas import RomeDateTime
from api.core.db import ReadSessionDep, SessionDep
from api.core.errors import Forbidden, PreconditionFailed, problems
from api.core.etag import IfMatch, body_etag, check_if_match, etag
from api.core.schemas import Page
from api.core.http import json_bytes, model_response
from api.core.pagination import link_header
from api.training import calendar, service
from api.training.errors import (AlreadyRegistered, EventNotFound, NotRegistrationState, OrganizationLimit,
                                 ProgrammeNotFound, RegistrationClosed, RegistrationNotFound)
from api.training.models import Goal
from api.training.schemas import (TOPICS, AttendanceBatch, AttendanceRead, AttendanceResult, Audience, EventCreate,
                                  EventKind, EventRead, EventCounts, EventUpdate, ProgrammeCreate, ProgrammeRead,
                                  RegistrationCreate, RegistrationRead, TokenIn)
from api.core.schemas import MAX_ID

router = APIRouter(tags=["training"])

EventId = Annotated[int, Path(ge=1, le=MAX_ID, description="The event's id.")]
ProgrammeId = Annotated[int, Path(ge=1, le=MAX_ID, description="The programme's id.")]
RegistrationId = Annotated[int, Path(ge=1, le=MAX_ID)]
TokenHeader = Annotated[str, Header(alias="Registration-Token", min_length=20, max_length=100,
                                    description="The token of the e-mailed confirmation link.")]
WRITE = (InvalidAccessToken, Forbidden)
ICAL = "text/calendar; charset=utf-8"


def _now() -> datetime:
    return datetime.now(UTC)


def _json(request: Request, model, data, status_code: int = 200, tag: str | None = None,  # noqa: ANN001
          headers: dict[str, str] | None = None) -> Response:
    return model_response(request, data, schema=model, status_code=status_code, etag=tag, headers=headers)


def _event_tag(event, tally: dict[str, int]) -> str:  # noqa: ANN001
    # Seats and waiting list are part of the representation: they must change the ETag, or a cached read
    # would keep showing seats that are gone.
    counts = ".".join(str(tally.get(state, 0)) for state in ("confirmed", "waiting", "pending"))
    return etag("event", event.id, event.version).removesuffix('"') + f'-s{counts}"'


async def _event_response(request: Request, session, event, status_code: int = 200,  # noqa: ANN001
                          headers: dict[str, str] | None = None) -> Response:
    tally = (await service.counts(session, [event.id]))[event.id]
    return _json(request, EventRead, service.render_event(event, tally), status_code,
                 tag=_event_tag(event, tally), headers=headers)


@router.get("/programmes/goals", summary="Agenda 2030 targets and strategy objectives")
async def goals(request: Request, session: ReadSessionDep) -> Response:
    """Reference data programmes refer to: Agenda 2030 targets and the objectives of the national strategy for
    sustainable development, with codes and titles."""
    rows = (await session.scalars(select(Goal).order_by(Goal.scheme, Goal.code))).all()
    body = orjson.dumps([{"scheme": g.scheme, "code": g.code, "title": g.title, "area": g.area} for g in rows])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.post("/programmes", status_code=201, summary="Create a programme", response_model=ProgrammeRead,
             responses=problems(*WRITE, UnknownReference))
async def create_programme(request: Request, data: ProgrammeCreate, session: SessionDep,
                           actor: AuthenticatedDep) -> Response:
    """A programme with its period, budget, goals and planned outputs (target counts and attendance)."""
    programme = await service.create_programme(session, data=data, actor=actor)
    return _json(request, ProgrammeRead, service.render_programme(programme), 201,
                 headers={"Location": f"/api/v1/programmes/{programme.id}"})


@router.get("/programmes/{programme_id}", summary="Read a programme", response_model=ProgrammeRead,
            responses=problems(ProgrammeNotFound))
async def get_programme(request: Request, programme_id: ProgrammeId, session: ReadSessionDep) -> Response:
    """A programme with its planned outputs."""
    return _json(request, ProgrammeRead, service.render_programme(await service.get_programme(session, programme_id)))


@router.get("/programmes/{programme_id}/monitoring", summary="Planned against achieved",
            responses=problems(ProgrammeNotFound))
async def monitoring(request: Request, programme_id: ProgrammeId, session: ReadSessionDep) -> Response:
    """For each planned output: the events held and their attendance against the targets, what is still
    missing, and the days left before the programme ends."""
    programme = await service.get_programme(session, programme_id)
    body = orjson.dumps(await service.monitoring(session, programme, _now()))
    return json_bytes(body, etag=body_etag(body), request=request)


@router.get("/events/topics", summary="Event topics")
async def topics() -> list[str]:
    """The taxonomy of topics events start from (the Lombard programme's seminar topics)."""
    return list(TOPICS)


def _filters(start: datetime | None, end: datetime | None, topic: str | None, kind: EventKind | None,
             organizer_id: int | None, audience: Audience | None, programme_id: int | None, q: str | None):  # noqa: ANN202
    return service.filtered(start=start, end=end, topic=topic, kind=kind.value if kind else None,
                            organizer_id=organizer_id, audience=audience.value if audience else None,
                            programme_id=programme_id, q=q)


Start = Annotated[RomeDateTime | None, Query(description="Events ending after this (ISO 8601; no zone: Rome).")]
End = Annotated[RomeDateTime | None, Query(description="Events starting before this.")]
TopicQ = Annotated[str | None, Query(max_length=100)]
Q = Annotated[str | None, Query(max_length=100, description="Words in the title or description.")]
IdQ = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/events", summary="List events", response_model=Page[EventRead])
async def list_events(request: Request, session: ReadSessionDep, start: Start = None, end: End = None,
                      topic: TopicQ = None, kind: EventKind | None = None, organizer_id: IdQ = None,
                      audience: Audience | None = None, programme_id: IdQ = None, q: Q = None,
                      sort: Annotated[Literal["starts_at", "-starts_at"], Query(
                          description="Soonest first, or latest first (for past events).")] = "starts_at",
                      limit: Annotated[int, Query(ge=1, le=200)] = 50,
                      cursor: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """Events by start, filtered by date range, topic, kind, organizer, audience, programme and free text."""
    stmt = _filters(start, end, topic, kind, organizer_id, audience, programme_id, q)
    events, after = await service.list_page(session, stmt, cursor=cursor, limit=limit,
                                            latest_first=sort == "-starts_at")
    tallies = await service.counts(session, [e.id for e in events])
    body = orjson.dumps({"items": [EventRead.model_validate(service.render_event(e, tallies[e.id]))
                                   .model_dump(mode="json") for e in events], "next_cursor": after, "limit": limit})
    return json_bytes(body, etag=body_etag(body), request=request, headers=link_header(request, after))


@router.get("/events.ics", summary="Upcoming events as iCalendar",
            responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}},
                             "description": "RFC 5545 calendar"}})
async def events_calendar(request: Request, session: ReadSessionDep, start: Start = None, end: End = None,
                          topic: TopicQ = None, kind: EventKind | None = None, organizer_id: IdQ = None,
                          audience: Audience | None = None, programme_id: IdQ = None, q: Q = None) -> Response:
    """The upcoming events (or those of the range asked), filtered as the list, for calendar clients."""
    stmt = _filters(start or _now(), end, topic, kind, organizer_id, audience, programme_id, q)
    events = (await session.scalars(stmt.order_by("starts_at").limit(1000))).all()
    return Response(calendar.calendar(events, host=request.url.hostname or "cartesio", name="Cartesio"),
                    media_type=ICAL)


@router.post("/events", status_code=201, summary="Create an event", response_model=EventRead,
             responses=problems(*WRITE, UnknownReference))
async def create_event(request: Request, data: EventCreate, session: SessionDep, actor: AuthenticatedDep) -> Response:
    """An event: at least title, kind, start, end (Europe/Rome without a zone) and capacity; sessions for cycles
    and workshops, the programme output it counts for."""
    event = await service.create_event(session, data=data, actor=actor)
    return await _event_response(request, session, event, 201, {"Location": f"/api/v1/events/{event.id}"})


@router.get("/events/{event_id}.ics", summary="An event as iCalendar",
            responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}},
                             "description": "RFC 5545 calendar"}, **problems(EventNotFound)})
async def event_calendar(request: Request, event_id: EventId, session: ReadSessionDep) -> Response:
    """The event for calendar clients: its UID never changes and its SEQUENCE rises with every change."""
    event = await service.get_event(session, event_id)
    return Response(calendar.calendar([event], host=request.url.hostname or "cartesio", name=event.title),
                    media_type=ICAL)


@router.get("/events/{event_id}", summary="Read an event", response_model=EventRead, responses=problems(EventNotFound))
async def get_event(request: Request, event_id: EventId, session: ReadSessionDep) -> Response:
    """An event with its sessions, seats left and waiting list length."""
    return await _event_response(request, session, await service.get_event(session, event_id))


@router.patch("/events/{event_id}", summary="Change or cancel an event", response_model=EventRead,
              responses=problems(*WRITE, EventNotFound, PreconditionFailed, UnknownReference))
async def update_event(request: Request, event_id: EventId, data: EventUpdate, session: SessionDep,
                       actor: AuthenticatedDep, if_match: IfMatch = None) -> Response:
    """Change the fields sent (its organizers); `status: cancelled` cancels it. More capacity promotes from the
    waiting list."""
    event = await service.get_event(session, event_id, for_update=True)
    check_if_match(if_match, _event_tag(event, (await service.counts(session, [event.id]))[event.id]))
    return await _event_response(request, session, await service.update_event(session, event=event, data=data,
                                                                              actor=actor))


async def _registration(request: Request, session, registration, status_code: int = 200) -> Response:  # noqa: ANN001
    position = (await service.waiting_positions(session, registration.event_id)).get(registration.id) \
        if registration.status == "waiting" else None
    return _json(request, RegistrationRead, service.render_registration(registration, position), status_code)


@router.post("/events/{event_id}/registrations", status_code=201, summary="Register for an event",
             response_model=RegistrationRead,
             responses=problems(*WRITE, EventNotFound, RegistrationClosed, AlreadyRegistered, OrganizationLimit))
async def register(request: Request, event_id: EventId, data: RegistrationCreate, session: SessionDep,
                   actor: PrincipalDep) -> Response:
    """A signed-in user of an organization registers a person of it: a seat while there are seats, then the
    waiting list, in arrival order. Without an account, the registration waits for the link sent by e-mail."""
    registration, _ = await service.register(session, event_id=event_id, data=data, actor=actor, now=_now(),
                                             public_url=request.app.state.settings.public_url)
    return await _registration(request, session, registration, 201)


@router.get("/events/{event_id}/registrations", summary="An event's registrations",
            response_model=list[RegistrationRead],
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
                       **problems(EventNotFound, Forbidden)})
async def registrations(request: Request, event_id: EventId, session: ReadSessionDep, actor: PrincipalDep,
                        format: Annotated[Literal["json", "csv"] | None, Query()] = None) -> Response:
    """The organizers see every registration (also as CSV); others only those they made or of their
    organization."""
    event = await service.get_event(session, event_id)
    rows = await service.visible_registrations(session, event=event, actor=actor)
    if format == "csv" or (format is None and "text/csv" in request.headers.get("accept", "")):
        if not service.is_organizer(actor, event):
            raise Forbidden("Only the event's organizers export the registration list.")
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "position", "status", "name", "email", "organization", "role", "registered_at"])
        for r in rows:
            writer.writerow([r.id, r.position or "", r.status, r.name or "", r.email or "", r.organization_name or "",
                             r.role or "", r.created_at.isoformat()])
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="event-{event.id}-registrations.csv"'})
    places = await service.waiting_positions(session, event.id)
    body = orjson.dumps([RegistrationRead.model_validate(service.render_registration(r, places.get(r.id)))
                         .model_dump(mode="json") for r in rows])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.delete("/events/{event_id}/registrations/{registration_id}", summary="Cancel a registration",
               response_model=RegistrationRead, responses=problems(*WRITE, RegistrationNotFound))
async def cancel(request: Request, event_id: EventId, registration_id: RegistrationId, session: SessionDep,
                 actor: AuthenticatedDep) -> Response:
    """Cancel (the registrant or the organizers); the first on the waiting list takes the seat."""
    _, registration = await service.registration_for(session, event_id=event_id, registration_id=registration_id,
                                                     actor=actor)
    return await _registration(request, session, await service.cancel(session, registration=registration,
                                                                       now=_now()))


@router.post("/events/{event_id}/registrations/{registration_id}/erasure", summary="Erase personal data",
             response_model=RegistrationRead, responses=problems(*WRITE, RegistrationNotFound))
async def erase(request: Request, event_id: EventId, registration_id: RegistrationId, session: SessionDep,
                actor: AuthenticatedDep) -> Response:
    """Forget the registrant's name, e-mail and organization; the registration still counts, anonymously."""
    _, registration = await service.registration_for(session, event_id=event_id, registration_id=registration_id,
                                                     actor=actor)
    return await _registration(request, session, await service.erase(session, registration=registration))


PDF = {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
              "description": "The certificate of attendance"}}


def _pdf(body: bytes, registration_id: int) -> Response:
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="attestato-{registration_id}.pdf"'})


@router.get("/events/{event_id}/registrations/{registration_id}/certificate.pdf",
            summary="Certificate of attendance", responses={**PDF, **problems(RegistrationNotFound,
                                                                             NotRegistrationState)})
async def certificate(event_id: EventId, registration_id: RegistrationId, session: ReadSessionDep,
                      actor: AuthenticatedDep) -> Response:
    """The PDF certificate (name, event, date, hours, organizer) of a registration that attended."""
    event, registration = await service.registration_for(session, event_id=event_id,
                                                         registration_id=registration_id, actor=actor)
    return _pdf(await service.certificate(session, event=event, registration=registration), registration.id)


@router.get("/registrations/mine/certificate.pdf", summary="My certificate of attendance (by its link)",
            responses={**PDF, **problems(RegistrationNotFound, NotRegistrationState)})
async def my_certificate(token: TokenHeader, session: ReadSessionDep) -> Response:
    """The PDF certificate, for a registrant without an account."""
    registration = await service.by_token(session, token)
    event = await service.get_event(session, registration.event_id)
    return _pdf(await service.certificate(session, event=event, registration=registration), registration.id)


@router.post("/registrations/confirm", summary="Confirm a registration", response_model=RegistrationRead,
             responses=problems(*WRITE, RegistrationNotFound, RegistrationClosed))
async def confirm(request: Request, data: TokenIn, session: SessionDep) -> Response:
    """Confirm with the token of the e-mailed link: a seat, or the waiting list, in the order of confirmation."""
    return await _registration(request, session, await service.confirm(session, token=data.token, now=_now()))


@router.get("/registrations/mine", summary="My registration (by its link)", response_model=RegistrationRead,
            responses=problems(RegistrationNotFound))
async def mine(request: Request, token: TokenHeader, session: ReadSessionDep) -> Response:
    """The registration the token belongs to: what is stored about the registrant."""
    return await _registration(request, session, await service.by_token(session, token))


@router.delete("/registrations/mine", summary="Cancel my registration (by its link)",
               response_model=RegistrationRead, responses=problems(*WRITE, RegistrationNotFound))
async def cancel_mine(request: Request, token: TokenHeader, session: SessionDep) -> Response:
    """Cancel through the link's token; the first on the waiting list takes the seat."""
    registration = await service.by_token(session, token, for_update=True)
    return await _registration(request, session, await service.cancel(session, registration=registration,
                                                                      now=_now()))


@router.post("/registrations/mine/erasure", summary="Erase my personal data (by its link)",
             response_model=RegistrationRead, responses=problems(*WRITE, RegistrationNotFound))
async def erase_mine(request: Request, token: TokenHeader, session: SessionDep) -> Response:
    """Forget the registrant; the token stops working, the registration still counts anonymously."""
    registration = await service.by_token(session, token, for_update=True)
    return await _registration(request, session, await service.erase(session, registration=registration))


@router.get("/events/{event_id}/attendance", summary="Who was checked in",
            response_model=list[AttendanceRead], responses=problems(EventNotFound, Forbidden))
async def read_attendance(request: Request, event_id: EventId, session: ReadSessionDep,
                          actor: AuthenticatedDep) -> Response:
    """Every check-in recorded for the event, per registration and session, so a check-in device opened
    later shows who is already in (the organizers)."""
    event = await service.get_event(session, event_id)
    service.require_organizer(actor, event)
    rows = await service.attendance_of(session, event)
    body = orjson.dumps([AttendanceRead(registration_id=a.registration_id, session_id=a.session_key or None,
                                        attended=a.attended, checked_at=a.checked_at).model_dump(mode="json")
                         for a in rows])
    return json_bytes(body, etag=body_etag(body), request=request)


@router.put("/events/{event_id}/attendance", summary="Check attendance in", response_model=AttendanceResult,
            responses=problems(*WRITE, EventNotFound))
async def attendance(request: Request, event_id: EventId, data: AttendanceBatch, session: SessionDep,
                     actor: AuthenticatedDep) -> Response:
    """Who attended, per session of a cycle or for the event, in bulk; sending the same records again changes
    nothing (the organizers)."""
    event = await service.get_event(session, event_id)
    changed = await service.record_attendance(session, event=event, records=data.records, actor=actor)
    body = orjson.dumps({"event_id": event.id, "received": len(data.records), "changed": changed,
                         "stats": await service.stats(session, event)})
    return json_bytes(body)


@router.get("/events/{event_id}/stats", summary="Registration and attendance counts",
            response_model=EventCounts, responses=problems(EventNotFound))
async def event_stats(request: Request, event_id: EventId, session: ReadSessionDep) -> Response:
    """Counts for monitoring tools: confirmed, waiting, pending, cancelled, attended (per session), erased."""
    body = orjson.dumps(await service.stats(session, await service.get_event(session, event_id)))
    return json_bytes(body, etag=body_etag(body), request=request)
