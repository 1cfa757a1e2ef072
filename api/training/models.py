"""Training and information: programmes with planned outputs, events with sessions, registrations with a
waiting list, attendance, and the messages registrants are sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, Timestamped, UTCDateTime, utcnow


class Goal(Base):
    """Reference data: an Agenda 2030 target or an objective of the national sustainable development strategy."""

    __tablename__ = "sustainability_goals"

    scheme: Mapped[str] = mapped_column(String(20), primary_key=True)  # agenda2030 | snsvs
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    area: Mapped[str | None] = mapped_column(String(100))


class Programme(Timestamped, Base):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    promoter_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    internal_resources_cents: Mapped[int | None] = mapped_column(BigInteger)
    external_resources_cents: Mapped[int | None] = mapped_column(BigInteger)
    goals: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    owner: Mapped[str | None] = mapped_column(String(40))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    outputs: Mapped[list[ProgrammeOutput]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                          order_by="ProgrammeOutput.position")


class ProgrammeOutput(Base):
    """A planned output: a kind of output, how many, and the attendance each should have where given."""

    __tablename__ = "programme_outputs"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    target_count: Mapped[int] = mapped_column(Integer)
    attendance_min: Mapped[int | None] = mapped_column(Integer)
    attendance_max: Mapped[int | None] = mapped_column(Integer)
    counts_events: Mapped[bool] = mapped_column(Boolean, default=True)
    achieved_manually: Mapped[int | None] = mapped_column(Integer)


class Event(Timestamped, Base):
    __tablename__ = "events"
    __table_args__ = (CheckConstraint("capacity > 0", name="capacity_positive"),
                      CheckConstraint("ends_at > starts_at", name="ends_after_start"),
                      Index("ix_events_starts_at", "starts_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[str] = mapped_column(String(30))
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"),
                                                     index=True)
    venue: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(500))
    online_url: Mapped[str | None] = mapped_column(String(500))
    # Empty only for events recorded from documents that do not give the full date (see date_note).
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    date_note: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    per_organization_limit: Mapped[int | None] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    language: Mapped[str] = mapped_column(String(5), default="it")
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="SET NULL"), index=True)
    output_id: Mapped[int | None] = mapped_column(ForeignKey("programme_outputs.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    # iCalendar: the same UID for the event's whole life, SEQUENCE raised at every change.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    registered: Mapped[int] = mapped_column(Integer, default=0)  # arrival counter, taken under the event's lock
    owner: Mapped[str | None] = mapped_column(String(40))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    sessions: Mapped[list[EventSession]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                        order_by="EventSession.starts_at")


class EventSession(Base):
    """A session of an event: the sessions of a training cycle, or the parallel sessions of a workshop."""

    __tablename__ = "event_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (Index("ix_registrations_event_status", "event_id", "status", "position"),
                      Index("uq_registrations_event_email", "event_id", "email", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # pending (an anonymous registration not yet confirmed by its link), confirmed, waiting, cancelled
    status: Mapped[str] = mapped_column(String(16))
    position: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"),
                                                        index=True)
    organization_name: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    registered_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("registration_id", "session_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    # The session's id, or 0 for the event as a whole: a unique key that NULLs would not give.
    session_key: Mapped[int] = mapped_column(Integer, default=0)
    attended: Mapped[bool] = mapped_column(Boolean)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checked_by: Mapped[str] = mapped_column(String(40))


class Message(Base):
    """A message to a registrant (confirmation link, promotion from the waiting list), kept for the mailer."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
