from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow


class DatasetRelease(Base):
    """A frozen, numbered snapshot of a dataset: the same bytes forever, each file with its sha256."""

    __tablename__ = "dataset_releases"
    __table_args__ = (UniqueConstraint("dataset", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(String(60), index=True)
    number: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    # {"csv": {"storage_key": …, "sha256": …, "size": …}, "jsonl": …, "json": …}
    files: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(40))
