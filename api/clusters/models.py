from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Computed, Date, Float, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, Timestamped, UTCDateTime, sort_indexes, utcnow
from api.documents.models import Document
from api.organizations.models import Organization


# The columns that list filters test most, carried in the sort indexes (see sort_indexes).
LIST_FILTER_COLUMNS = ("country", "kind", "region_code", "enterprises_count", "employees_count")


class Cluster(Timestamped, Base):
    __tablename__ = "clusters"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        CheckConstraint("enterprises_count IS NULL OR enterprises_count >= 0", name="enterprises_not_negative"),
        CheckConstraint("employees_count IS NULL OR employees_count >= 0", name="employees_not_negative"),
        *sort_indexes("clusters", plain=("name", "updated_at"), nullable=("enterprises_count", "employees_count"),
                      include=LIST_FILTER_COLUMNS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    region_code: Mapped[str | None] = mapped_column(String(5), index=True)
    region_name: Mapped[str | None] = mapped_column(String(200))
    locality: Mapped[str | None] = mapped_column(String(200))
    location_text: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    enterprises_count: Mapped[int | None] = mapped_column(Integer)
    enterprises_approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    enterprises_note: Mapped[str | None] = mapped_column(Text)
    employees_count: Mapped[int | None] = mapped_column(Integer)
    employees_approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    employees_note: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(300))
    website_note: Mapped[str | None] = mapped_column(String(500))
    coordinating_body_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    constitutive_elements: Mapped[str | None] = mapped_column(Text)
    eco_innovation: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Hash of the representation without id, version and timestamps: a sync that sends what is stored
    # is recognised as unchanged without reading the document.
    content_hash: Mapped[str | None] = mapped_column(String(32))
    # The JSON representation served as-is by reads; rebuilt by the service on every write.
    document: Mapped[str] = mapped_column(Text, default="{}")

    coordinating_body: Mapped[Organization | None] = relationship(lazy="raise")
    sectors: Mapped[list[ClusterSector]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ClusterSector.position"
    )
    recognitions: Mapped[list[Recognition]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="Recognition.id"
    )
    sources: Mapped[list[ClusterSource]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ClusterSource.id"
    )


class ClusterSector(Base):
    __tablename__ = "cluster_sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(300))
    # NACE Rev.2 codes ("13", "15.1", "15.20") the label stands for; a separate column per code would not
    # let one label name several divisions, a child table would cost a join on every read.
    nace_codes: Mapped[list[str]] = mapped_column(JSON, default=list)


class ClusterNaceCode(Base):
    """Search index of the NACE codes of a cluster's sectors (kept by the service, never written directly)."""

    __tablename__ = "cluster_nace_codes"

    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)
    # The NACE division (the code's first two digits), computed by the database: writers give the code only.
    division: Mapped[str] = mapped_column(String(2), Computed("substr(code, 1, 2)", persisted=True))


# Clusters per NACE division (the sector statistics) read this index alone, in division order.
Index("ix_cluster_nace_codes_division", ClusterNaceCode.division, ClusterNaceCode.cluster_id)


class Recognition(Base):
    """An environmental recognition: APO attestation, EMAS cluster registration, ISO 14001 network, label."""

    __tablename__ = "cluster_recognitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(300))
    issuer: Mapped[str | None] = mapped_column(String(300))
    issued_date: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)


class ClusterSource(Base):
    """Where the facts of a cluster come from: a document and the place in it."""

    __tablename__ = "cluster_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    locator: Mapped[str | None] = mapped_column(String(500))
    fields: Mapped[list[str] | None] = mapped_column(JSON)

    document: Mapped[Document] = relationship(lazy="raise")


class ClusterMembership(Base):
    __tablename__ = "cluster_memberships"
    __table_args__ = (UniqueConstraint("cluster_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    joined_date: Mapped[date | None] = mapped_column(Date)
    left_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="raise")


class SupplyChainLink(Base):
    """A directed link: the supplier cluster's product flows to the customer cluster."""

    __tablename__ = "supply_chain_links"
    __table_args__ = (
        UniqueConstraint("supplier_id", "customer_id", "product"),
        CheckConstraint("supplier_id <> customer_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    product: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    source_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    source_locator: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
