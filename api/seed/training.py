"""The sustainability goals, the Lombard programme with its outputs, the CARTESIO workshop, and demo events held
under the programme with registrations and attendance (api/seed/data/training.toml)."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from importlib import resources

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.training import service
from api.training.models import Attendance, Event, EventSession, Goal, Programme, Registration
from api.training.schemas import ProgrammeCreate

CHAMBER_CITIES = ("Bergamo", "Brescia", "Como", "Cremona", "Lecco", "Lodi", "Mantova", "Milano", "Pavia", "Sondrio",
                  "Varese", "Monza")


def load() -> dict:
    with resources.files("api.seed").joinpath("data/training.toml").open("rb") as fh:
        return tomllib.load(fh)


async def install_goals(session: AsyncSession) -> int:
    created = 0
    for goal in load()["goals"]:
        if await session.get(Goal, (goal["scheme"], goal["code"])) is None:
            session.add(Goal(**goal))
            created += 1
    await session.flush()
    return created


async def seed_training(session: AsyncSession, actor: Principal, *, orgs: dict[str, int]) -> int:
    data = load()
    created = await install_goals(session)
    spec = data["programme"]
    if await session.scalar(select(Programme.id).where(Programme.title == spec["title"])) is not None:
        return created
    outputs = [{k: v for k, v in o.items() if k != "key"} for o in spec["outputs"]]
    programme = await service.create_programme(session, actor=actor, data=ProgrammeCreate(
        title=spec["title"], promoter_id=orgs[spec["promoter"]], starts_on=spec["starts_on"], ends_on=spec["ends_on"],
        external_resources=spec["external_resources"],
        goals=[{"scheme": g.split(":")[0], "code": g.split(":")[1]} for g in spec["goals"]], outputs=outputs))
    created += 1
    output_ids = {o["key"]: output.id for o, output in zip(spec["outputs"], programme.outputs, strict=True)}
    workshop = data["workshop"]
    event = Event(title=workshop["title"], kind=workshop["kind"], date_note=workshop["date_note"], topics=[],
                  audience="everyone", organizer_id=orgs[workshop["organizer"]], capacity=100, language="it",
                  status="scheduled", sequence=0, registered=0, version=1)
    event.sessions = [EventSession(title=title) for title in workshop["sessions"]]
    session.add(event)
    created += 1
    # Demo events, spread over the programme's months at the Lombard chambers, each with its attendance.
    start = datetime(2019, 10, 1, 8, 30, tzinfo=UTC)
    n = 0
    for spec_event in data["demo_events"]:
        for _ in range(spec_event["count"]):
            n += 1
            day = start + timedelta(days=17 * n)
            held = Event(title=spec_event["title"], kind=spec_event["kind"], topics=spec_event.get("topics", []),
                         audience=spec_event["audience"], organizer_id=orgs["unioncamere-lombardia"],
                         venue=f"Camera di Commercio di {CHAMBER_CITIES[n % len(CHAMBER_CITIES)]}",
                         starts_at=day, ends_at=day + timedelta(hours=4), capacity=50, language="it",
                         programme_id=programme.id, output_id=output_ids[spec_event["output"]], status="scheduled",
                         sequence=0, registered=0, is_demo=True, version=1)
            session.add(held)
            await session.flush()
            for seat in range(spec_event["attended"] + 2):
                registration = Registration(event_id=held.id, status="confirmed", position=seat + 1,
                                            name=f"Partecipante {seat + 1} (demo)",
                                            email=f"partecipante{seat + 1}.evento{held.id}@example.org",
                                            organization_name=f"Impresa demo {seat + 1}", confirmed_at=day,
                                            is_demo=True, created_at=day - timedelta(days=7))
                session.add(registration)
                await session.flush()
                session.add(Attendance(registration_id=registration.id, session_key=0,
                                       attended=seat < spec_event["attended"], checked_by="system"))
            held.registered = spec_event["attended"] + 2
            created += 1
    await session.flush()
    return created
