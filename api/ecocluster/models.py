"""A cluster's environmental programme (the Eco-Cluster model): its connected steps, territorial indicators with
targets, and its APO (Ambito Produttivo Omogeneo) attestation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, Timestamped, UTCDateTime, utcnow


class ProgrammeStep(Timestamped, Base):
    __tablename__ = "programme_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    # [{"role": "coordinating_body", "organization_id": 3, "subject": "…", "task": "…"}]
    roles: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    depends_on: Mapped[list[int]] = mapped_column(JSON, default=list)
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    completed_date: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)


class IndicatorSeries(Timestamped, Base):
    """A territorial environmental indicator of a cluster, one value per year."""

    __tablename__ = "indicator_series"
    __table_args__ = (UniqueConstraint("cluster_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    base_year: Mapped[int | None] = mapped_column(Integer)
    # Lower is better for most environmental indicators (emissions, waste); renewable shares are the exception.
    better: Mapped[str] = mapped_column(String(8), default="lower")

    values: Mapped[list[IndicatorValue]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                        order_by="IndicatorValue.year")
    targets: Mapped[list[IndicatorTarget]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                          order_by="IndicatorTarget.year")


class IndicatorValue(Base):
    __tablename__ = "indicator_values"
    __table_args__ = (UniqueConstraint("series_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("indicator_series.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Numeric(24, 6))
    source: Mapped[str | None] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IndicatorTarget(Base):
    __tablename__ = "indicator_targets"
    __table_args__ = (UniqueConstraint("series_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("indicator_series.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Numeric(24, 6))
    note: Mapped[str | None] = mapped_column(String(500))


class ApoAttestation(Timestamped, Base):
    """The attestation that recognises a cluster as an Ambito Produttivo Omogeneo for EMAS: requested, then
    granted (or refused); a granted one past its end is expired."""

    __tablename__ = "apo_attestations"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    requested_date: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(String(300))
    granted_date: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
