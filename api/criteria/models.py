from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, Timestamped, UTCDateTime, utcnow


class Criterion(Timestamped, Base):
    """A named, explained predicate over clusters (its `definition`, see api/criteria/definitions.py)."""

    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[float | None] = mapped_column(Float)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Who may change it besides admins: "user:7" or "service:3"; None for reference data from the seed.
    owner: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)


class CriteriaSet(Timestamped, Base):
    __tablename__ = "criteria_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(40))
    latest_version: Mapped[int] = mapped_column(Integer, default=1)

    versions: Mapped[list[CriteriaSetVersion]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="CriteriaSetVersion.number")


class CriteriaSetVersion(Base):
    """The phases of a set as they were saved, with a copy of each criterion: editing a criterion later does
    not change a version, and a version that a screening used is never changed again."""

    __tablename__ = "criteria_set_versions"
    __table_args__ = (UniqueConstraint("set_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("criteria_sets.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    unknown_as: Mapped[str] = mapped_column(String(16))
    phases: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    reported_population: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
