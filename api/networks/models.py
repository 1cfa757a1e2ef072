from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, Timestamped, UTCDateTime, utcnow
from api.documents.models import Document
from api.organizations.models import Organization


class Network(Timestamped, Base):
    """A network of public and private bodies, such as the CARTESIO network of Regions."""

    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    full_name: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    website: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer, default=1)

    member_roles: Mapped[list[NetworkMemberRole]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="NetworkMemberRole.id"
    )
    groups: Mapped[list[NetworkGroup]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="NetworkGroup.id"
    )
    sources: Mapped[list[NetworkSource]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="NetworkSource.id"
    )


class NetworkMemberRole(Base):
    """The roles a network defines for its members (promoter, referent, adherent), in its own words."""

    __tablename__ = "network_member_roles"
    __table_args__ = (UniqueConstraint("network_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str | None] = mapped_column(Text)


class NetworkMembership(Base):
    """One period of membership: joining again after leaving is a new row, so the history is kept."""

    __tablename__ = "network_memberships"
    __table_args__ = (CheckConstraint("left_date IS NULL OR joined_date IS NULL OR left_date >= joined_date",
                                      name="left_after_joined"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    joined_date: Mapped[date | None] = mapped_column(Date)
    left_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="raise")

    @property
    def current(self) -> bool:
        return self.left_date is None


class NetworkGroup(Base):
    """A body of the network: its technical-scientific committee or a working group."""

    __tablename__ = "network_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    mandate: Mapped[list[str]] = mapped_column(JSON, default=list)

    members: Mapped[list[NetworkGroupMember]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="NetworkGroupMember.id"
    )


class NetworkGroupMember(Base):
    __tablename__ = "network_group_members"
    __table_args__ = (UniqueConstraint("group_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("network_groups.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))

    organization: Mapped[Organization] = relationship(lazy="raise")


class Declaration(Base):
    """A commitment declaration with numbered commitments, and who signed it."""

    __tablename__ = "network_declarations"
    __table_args__ = (UniqueConstraint("network_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    preamble: Mapped[str | None] = mapped_column(Text)

    commitments: Mapped[list[Commitment]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="Commitment.number"
    )
    signatures: Mapped[list[Signature]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="Signature.id"
    )


class Commitment(Base):
    __tablename__ = "network_commitments"
    __table_args__ = (UniqueConstraint("declaration_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("network_declarations.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class Signature(Base):
    __tablename__ = "network_signatures"
    __table_args__ = (UniqueConstraint("declaration_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("network_declarations.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    signed_date: Mapped[date | None] = mapped_column(Date)
    signed_by: Mapped[str | None] = mapped_column(String(200))

    organization: Mapped[Organization] = relationship(lazy="raise")


class NetworkSource(Base):
    __tablename__ = "network_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    locator: Mapped[str | None] = mapped_column(String(500))

    document: Mapped[Document] = relationship(lazy="raise")
