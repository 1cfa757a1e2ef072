"""Funding calls: funders and their budget ledger, phases, evaluation criteria, applications with their
transitions, evaluations and accompaniment."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, Timestamped, UTCDateTime, utcnow
from api.core.storage import StoredFileRecord


class Call(Timestamped, Base):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title_it: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    description_it: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    # How a grant is charged: [{"funder": "region", "share": "0.5"}, {"funder": "chamber_of_province", …}]
    charge_rule: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    max_grant_cents: Mapped[int | None] = mapped_column(BigInteger)
    min_investment_cents: Mapped[int | None] = mapped_column(BigInteger)
    cofinancing_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    threshold_score: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    divergence_share: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal("0.3"))
    tie_breakers: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    settings_note: Mapped[str | None] = mapped_column(Text)
    # Who runs the call besides administrators: its creator ("user:7"); the users of its funders' bodies too.
    owner: Mapped[str | None] = mapped_column(String(40))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    funders: Mapped[list[Funder]] = relationship(lazy="raise", cascade="all, delete-orphan", order_by="Funder.id")
    phases: Mapped[list[CallPhase]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                   order_by="CallPhase.id")
    criteria: Mapped[list[CallCriterion]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                         order_by="CallCriterion.position")


class Funder(Base):
    """Who puts up part of a call's budget: the Region, a chamber of commerce (by province), or a pool."""

    __tablename__ = "call_funders"
    __table_args__ = (UniqueConstraint("call_id", "key"),
                      CheckConstraint("contribution_cents >= 0", name="contribution_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))  # region | chamber | pool
    # The provinces whose applicants this funder's share is charged to (chambers and pools of chambers).
    provinces: Mapped[list[str]] = mapped_column(JSON, default=list)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    contribution_cents: Mapped[int] = mapped_column(BigInteger)


class CallPhase(Base):
    __tablename__ = "call_phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class CallCriterion(Base):
    __tablename__ = "call_criteria"
    __table_args__ = (UniqueConstraint("call_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 4))
    max_score: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    min_score: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))


class Application(Timestamped, Base):
    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_call_state", "call_id", "state"),
                      CheckConstraint("requested_cents >= 0", name="requested_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="RESTRICT"), index=True)
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("call_phases.id", ondelete="SET NULL"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    province: Mapped[str | None] = mapped_column(String(2), index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(100))
    requested_cents: Mapped[int] = mapped_column(BigInteger)
    budget_lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(32), index=True)
    state_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    rank: Mapped[int | None] = mapped_column(Integer)
    reserve: Mapped[bool] = mapped_column(Boolean, default=False)
    definitive_requested_cents: Mapped[int | None] = mapped_column(BigInteger)
    definitive_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    granted_cents: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str | None] = mapped_column(String(40))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    partners: Mapped[list[ApplicationPartner]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                              order_by="ApplicationPartner.id")


class ApplicationPartner(Base):
    __tablename__ = "application_partners"
    __table_args__ = (UniqueConstraint("application_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    # A large firm may take part in a supply-chain project without receiving funds.
    receives_funds: Mapped[bool] = mapped_column(Boolean, default=True)


class Transition(Base):
    """One step of an application's life: who moved it, when, from where to where, and why."""

    __tablename__ = "application_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)


class LedgerEntry(Base):
    """A movement of a funder's budget: an allocation to a project, or its revocation (a negative amount)."""

    __tablename__ = "budget_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="RESTRICT"), index=True)
    funder_id: Mapped[int] = mapped_column(ForeignKey("call_funders.id", ondelete="RESTRICT"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # allocation | revocation | reallocation
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    author: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class Assignment(Base):
    """An evaluator assigned to an application, and the scores it gave once it submits them."""

    __tablename__ = "evaluation_assignments"
    __table_args__ = (UniqueConstraint("application_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_by: Mapped[str] = mapped_column(String(40))
    # {"criterion code": {"score": "8.5", "comment": "…"}}
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    total: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Attachment(StoredFileRecord, Base):
    """A document an application carries (the call names the ones it must), stored like every upload."""

    __tablename__ = "application_attachments"
    __table_args__ = (UniqueConstraint("application_id", "filename"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    document: Mapped[str | None] = mapped_column(String(200))


class AccompanimentEntry(Base):
    __tablename__ = "accompaniment_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # meeting | milestone
    title: Mapped[str] = mapped_column(String(300))
    on_date: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
