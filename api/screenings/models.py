from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow


class Screening(Base):
    """One run of a criteria set version over the clusters in a scope."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("criteria_sets.id", ondelete="RESTRICT"), index=True)
    set_version_id: Mapped[int] = mapped_column(ForeignKey("criteria_set_versions.id", ondelete="RESTRICT"))
    version_number: Mapped[int] = mapped_column(Integer)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    # queued -> running -> done | failed; a run whose worker died is taken again when its lease ends.
    status: Mapped[str] = mapped_column(String(16), index=True)
    requested_by: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    data_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    entered: Mapped[int | None] = mapped_column(Integer)
    selected: Mapped[int | None] = mapped_column(Integer)
    needs_review: Mapped[int | None] = mapped_column(Integer)
    funnel: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class ScreeningResult(Base):
    """A cluster's result in a run. The cluster's name and place are copied, so a run reads the same after the
    registry changes; outcomes are one character per criterion (p, f, u) in the version's order."""

    __tablename__ = "screening_results"
    __table_args__ = (Index("ix_screening_results_rank", "screening_id", "score", "cluster_id"),)

    # No foreign key: only a run writes its results, in its own transaction, and checking one per row cost a
    # tenth of a run at 100,000 clusters.
    screening_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    region_code: Mapped[str | None] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    criteria: Mapped[str] = mapped_column(String(100))
    phases: Mapped[str] = mapped_column(String(20))
    # '+' where the cluster is on the list after each phase, '-' where it is not.
    path: Mapped[str] = mapped_column(String(20))
    explanations: Mapped[list[str]] = mapped_column(JSON)
