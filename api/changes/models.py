from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow

# SQLite only autoincrements an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Change(Base):
    """One committed change of a resource, in the order readers of the feed must see it.

    The position is (txid, id): on PostgreSQL txid is the writing transaction's id, so a transaction that
    commits after a later-numbered one is still ordered before it, and the feed serves only transactions
    older than every one still running in this database (see api.changes.service.GATE_SQL). SQLite has one writer at a time, so there txid is 0 and id alone
    is the commit order; AUTOINCREMENT keeps ids from being reused after a prune.
    """

    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_position", "txid", "id"),
        Index("ix_changes_resource", "resource_type", "resource_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    txid: Mapped[int] = mapped_column(BigInteger, default=0)
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(200))
    # created, updated or deleted; the feed shows created and updated as "upsert".
    event: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    # The resource's representation at this version (a tombstone for deletes), as JSON text.
    document: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FeedMark(Base):
    """A named position in the feed: the prune horizon, the webhook dispatcher's progress."""

    __tablename__ = "feed_marks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger, default=0)
    change_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
