"""The territorial analysis: the EWC catalogue, imported business-register entries and MUD waste declarations,
the runs that imported them, and the EWC -> receiving sector mapping behind industrial symbiosis leads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, UTCDateTime, utcnow


class EwcChapter(Base):
    __tablename__ = "ewc_chapters"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))


class EwcCode(Base):
    __tablename__ = "ewc_codes"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    chapter_code: Mapped[str] = mapped_column(ForeignKey("ewc_chapters.code"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    # Marked with an asterisk in the catalogue.
    hazardous: Mapped[bool] = mapped_column(Boolean, default=False)
    # None for the shipped catalogue; the administrator's key for codes added through the API.
    added_by: Mapped[str | None] = mapped_column(String(40))


class SymbiosisMapping(Base):
    """A waste stream (an EWC code, sub-chapter or chapter) that firms of a NACE sector typically take as input."""

    __tablename__ = "symbiosis_mappings"
    __table_args__ = (UniqueConstraint("ewc_prefix", "nace_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ewc_prefix: Mapped[str] = mapped_column(String(6), index=True)
    nace_code: Mapped[str] = mapped_column(String(10))
    material: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class TerritoryImport(Base):
    """One run of an import: what it read and what it changed (a re-run of the same file changes nothing)."""

    __tablename__ = "territory_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    organizations_created: Mapped[int] = mapped_column(Integer)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_by: Mapped[str | None] = mapped_column(String(40))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RegisterEntry(Base):
    """A firm as the business register (Registro Imprese) describes it, one per organization."""

    __tablename__ = "register_entries"
    __table_args__ = (Index("ix_register_entries_province_ateco", "province", "ateco_code"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    vat_number: Mapped[str | None] = mapped_column(String(11))
    tax_code: Mapped[str | None] = mapped_column(String(16))
    legal_form: Mapped[str | None] = mapped_column(String(100))
    ateco_code: Mapped[str] = mapped_column(String(10))
    province: Mapped[str] = mapped_column(String(2))
    municipality: Mapped[str | None] = mapped_column(String(200))
    istat_municipality_code: Mapped[str | None] = mapped_column(String(6))
    employees_class: Mapped[str | None] = mapped_column(String(20))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("territory_imports.id", ondelete="SET NULL"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class WasteDeclaration(Base):
    """One line of a firm's MUD: a waste stream produced or managed in a year, in grams (exact, any engine)."""

    __tablename__ = "waste_declarations"
    __table_args__ = (
        # The MUD key; named by hand, as the conventional name is longer than PostgreSQL's identifiers.
        UniqueConstraint("organization_id", "year", "ewc_code", "activity", "local_unit",
                         name="uq_waste_declarations_key"),
        CheckConstraint("quantity_g >= 0", name="quantity_not_negative"),
        CheckConstraint("activity IN ('produced', 'managed')", name="activity_known"),
        Index("ix_waste_declarations_year_ewc_code", "year", "ewc_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    ewc_code: Mapped[str] = mapped_column(ForeignKey("ewc_codes.code"))
    activity: Mapped[str] = mapped_column(String(8))
    # The declaring local unit (unità locale), '' for the firm as a whole.
    local_unit: Mapped[str] = mapped_column(String(100), default="")
    quantity_g: Mapped[int] = mapped_column(BigInteger)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("territory_imports.id", ondelete="SET NULL"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
