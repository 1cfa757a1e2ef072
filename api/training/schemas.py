from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from api.calls.schemas import Money, RomeDateTime
from api.core.schemas import InputSchema, ReadSchema
from api.core.schemas import MAX_ID

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,251}\.[A-Za-z]{2,63}$")


def _email(value: str) -> str:
    value = value.strip()
    if not EMAIL_RE.match(value):
        raise ValueError("must be an e-mail address such as nome@example.it")
    return value.lower()


Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]


class EventKind(StrEnum):
    seminar = "seminar"
    training_day = "training_day"
    training_cycle = "training_cycle"
    focus_group = "focus_group"
    panel = "panel"
    workshop = "workshop"
    conference = "conference"
    webinar = "webinar"


class Audience(StrEnum):
    chamber_staff = "chamber_staff"
    enterprises = "enterprises"
    public_bodies = "public_bodies"
    everyone = "everyone"


# The topics of the Lombard programme's seminars, as the start of the taxonomy.
TOPICS = (
    "nuove direttive su economia circolare", "certificazione ambientale", "acquisti verdi e criteri ambientali minimi",
    "reporting ambientale", "ecoprogettazione", "riuso e riciclo", "adempimenti nella gestione dei rifiuti",
    "sistemi di gestione ambientale", "governance territoriale",
)
Topic = Annotated[str, Field(min_length=1, max_length=100)]


class OutputKind(StrEnum):
    analysis = "analysis"
    focus_group = "focus_group"
    panel = "panel"
    training_day = "training_day"
    seminar = "seminar"
    training_cycle = "training_cycle"
    accompaniment = "accompaniment"
    communication_campaign = "communication_campaign"
    results_event = "results_event"
    newsletter_issue = "newsletter_issue"
    other = "other"


class GoalRef(InputSchema):
    scheme: str = Field(pattern="^(agenda2030|snsvs)$")
    code: str = Field(min_length=1, max_length=20)


class OutputIn(InputSchema):
    kind: OutputKind
    title: str = Field(min_length=1, max_length=300)
    target_count: int = Field(ge=1, le=10_000)
    attendance_min: int | None = Field(default=None, ge=1, le=100_000)
    attendance_max: int | None = Field(default=None, ge=1, le=100_000)
    counts_events: bool = Field(default=True, description="Achieved by events held (false: recorded by hand).")

    @model_validator(mode="after")
    def _range(self) -> OutputIn:
        if self.attendance_min and self.attendance_max and self.attendance_max < self.attendance_min:
            raise ValueError("attendance_max is below attendance_min")
        return self


class ProgrammeCreate(InputSchema):
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    promoter_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    starts_on: date
    ends_on: date
    internal_resources: Money | None = None
    external_resources: Money | None = None
    goals: list[GoalRef] = Field(default_factory=list, max_length=50)
    outputs: list[OutputIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _period(self) -> ProgrammeCreate:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class OutputRead(ReadSchema):
    id: int
    kind: str
    title: str
    target_count: int
    attendance_min: int | None
    attendance_max: int | None
    counts_events: bool


class ProgrammeRead(ReadSchema):
    id: int
    title: str
    description: str | None
    promoter_id: int | None
    starts_on: date
    ends_on: date
    internal_resources: Decimal | None
    external_resources: Decimal | None
    goals: list[dict[str, Any]]
    outputs: list[OutputRead]
    is_demo: bool
    version: int


class SessionIn(InputSchema):
    title: str = Field(min_length=1, max_length=300)
    starts_at: RomeDateTime | None = None
    ends_at: RomeDateTime | None = None


class _EventFields(InputSchema):
    description: str | None = Field(default=None, max_length=20_000)
    topics: list[Topic] | None = Field(default=None, max_length=20)
    audience: Audience | None = None
    organizer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    venue: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=500)
    online_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    per_organization_limit: int | None = Field(default=None, ge=1, le=10_000)
    registration_opens_at: RomeDateTime | None = None
    registration_closes_at: RomeDateTime | None = None
    language: str | None = Field(default=None, pattern="^[a-z]{2}$")
    programme_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    output_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    sessions: list[SessionIn] | None = Field(default=None, max_length=50)


class EventCreate(_EventFields):
    title: str = Field(min_length=1, max_length=300)
    kind: EventKind
    starts_at: RomeDateTime = Field(description="ISO 8601; without a zone, Europe/Rome.")
    ends_at: RomeDateTime
    capacity: int = Field(ge=1, le=100_000)

    @model_validator(mode="after")
    def _times(self) -> EventCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if (self.registration_opens_at and self.registration_closes_at
                and self.registration_closes_at <= self.registration_opens_at):
            raise ValueError("registration_closes_at must be after registration_opens_at")
        return self


class EventUpdate(_EventFields):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    kind: EventKind | None = None
    starts_at: RomeDateTime | None = None
    ends_at: RomeDateTime | None = None
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    status: str | None = Field(default=None, pattern="^(scheduled|cancelled)$")


class SessionRead(ReadSchema):
    id: int
    title: str
    starts_at: datetime | None
    ends_at: datetime | None


class EventRead(ReadSchema):
    id: int
    title: str
    description: str | None
    kind: EventKind
    topics: list[str]
    audience: Audience
    organizer_id: int | None
    venue: str | None
    address: str | None
    online_url: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    date_note: str | None = Field(description="What the source says of the date when it gives no full date.")
    timezone: str = "Europe/Rome"
    capacity: int
    per_organization_limit: int | None
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    language: str
    programme_id: int | None
    output_id: int | None
    status: str
    sessions: list[SessionRead]
    seats_left: int
    waiting: int
    is_demo: bool
    version: int


class RegistrationCreate(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    email: Email
    organization_name: str | None = Field(default=None, max_length=300)
    role: str | None = Field(default=None, max_length=200)


class RegistrationRead(ReadSchema):
    id: int
    event_id: int
    status: str = Field(description="pending (confirm by the e-mailed link), confirmed, waiting or cancelled")
    position: int | None = Field(description="Arrival order among the event's registrations.")
    waiting_position: int | None = Field(default=None, description="Place on the waiting list, from 1.")
    name: str | None
    email: str | None
    organization_id: int | None
    organization_name: str | None
    role: str | None
    created_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    erased: bool


class TokenIn(InputSchema):
    token: str = Field(min_length=20, max_length=100)


class AttendanceIn(InputSchema):
    registration_id: int = Field(ge=1, le=MAX_ID)
    session_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    attended: bool


class AttendanceBatch(InputSchema):
    records: list[AttendanceIn] = Field(min_length=1, max_length=5000)


class AttendanceRead(ReadSchema):
    registration_id: int
    session_id: int | None = Field(description="The session of a cycle; null for the event as a whole.")
    attended: bool
    checked_at: datetime


class SessionAttendance(ReadSchema):
    session_id: int
    title: str | None
    attended: int


class EventCounts(ReadSchema):
    event_id: int
    capacity: int
    confirmed: int
    waiting: int
    pending: int
    cancelled: int
    attended: int = Field(description="Registrations that attended the event or any of its sessions.")
    erased: int
    sessions: list[SessionAttendance]


class AttendanceResult(ReadSchema):
    event_id: int
    received: int
    changed: int = Field(description="Records that changed something; a repeated batch changes nothing.")
    stats: EventCounts
