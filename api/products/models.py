"""Typical products of clusters, the life-cycle assessments (LCA) made of them and their Environmental Product
Declarations (EPD)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, Timestamped
from api.core.storage import StoredFileRecord
from api.documents.models import Document


class Product(Timestamped, Base):
    """A product typical of a cluster: what the district is known for making."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("cluster_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    # A NACE Rev.2 code or a PRODCOM code; PRODCOM codes begin with their NACE class, so one prefix finds both.
    code: Mapped[str | None] = mapped_column(String(16), index=True)
    declared_unit: Mapped[str | None] = mapped_column(String(200))
    source_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    source_locator: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)

    source_document: Mapped[Document | None] = relationship(lazy="raise")
    # Deleting a product deletes what it carries; the database does it for rows the session has not loaded.
    lca_studies: Mapped[list[LcaStudy]] = relationship(lazy="raise", order_by="LcaStudy.id",
                                                       cascade="all, delete-orphan", passive_deletes=True)
    epds: Mapped[list[Epd]] = relationship(lazy="raise", order_by="Epd.id", cascade="all, delete-orphan",
                                           passive_deletes=True)


class LcaStudy(Timestamped, Base):
    """A life-cycle assessment of a product: per functional unit, within a system boundary, by a method."""

    __tablename__ = "lca_studies"
    __table_args__ = (CheckConstraint("functional_unit_quantity > 0", name="functional_unit_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(String(300))
    functional_unit_quantity: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    functional_unit_unit: Mapped[str] = mapped_column(String(16))
    functional_unit_description: Mapped[str | None] = mapped_column(String(300))
    system_boundary: Mapped[str] = mapped_column(String(32))
    reference_year: Mapped[int | None] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(100))
    practitioner: Mapped[str | None] = mapped_column(String(300))
    # Figures made up to show the feature (the demo data), never the result of a study.
    is_illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    results: Mapped[list[LcaResult]] = relationship(lazy="raise", order_by="LcaResult.id",
                                                    cascade="all, delete-orphan", passive_deletes=True)
    files: Mapped[list[LcaStudyFile]] = relationship(lazy="raise", order_by="LcaStudyFile.id",
                                                     cascade="all, delete-orphan", passive_deletes=True)


class LcaResult(Base):
    """One impact indicator's result of a study, per its functional unit, in the indicator's unit."""

    __tablename__ = "lca_results"
    __table_args__ = (UniqueConstraint("study_id", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("lca_studies.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(48), index=True)
    value: Mapped[Decimal] = mapped_column(Numeric(30, 10))
    unit: Mapped[str] = mapped_column(String(40))


class LcaStudyFile(StoredFileRecord, Base):
    """The study's report (and annexes), stored like every upload."""

    __tablename__ = "lca_study_files"
    __table_args__ = (UniqueConstraint("study_id", "filename"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("lca_studies.id", ondelete="CASCADE"), index=True)


class Epd(Timestamped, Base):
    """An Environmental Product Declaration registered with a programme operator."""

    __tablename__ = "epds"
    __table_args__ = (UniqueConstraint("programme_operator", "registration_number"),
                      CheckConstraint("valid_until > issue_date", name="valid_after_issue"))

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    programme_operator: Mapped[str] = mapped_column(String(300))
    registration_number: Mapped[str] = mapped_column(String(100))
    standards: Mapped[list[str]] = mapped_column(JSON, default=list)
    pcr: Mapped[str | None] = mapped_column(String(300))
    issue_date: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    verifier: Mapped[str | None] = mapped_column(String(300))
    lca_study_id: Mapped[int | None] = mapped_column(ForeignKey("lca_studies.id", ondelete="SET NULL"), index=True)
    url: Mapped[str | None] = mapped_column(String(500))
    is_illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
