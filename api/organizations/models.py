from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, Timestamped, sort_indexes
from api.documents.models import Document


class Organization(Timestamped, Base):
    __tablename__ = "organizations"
    # One partita IVA is one firm: the index also settles two registrations arriving at once.
    __table_args__ = (UniqueConstraint("source", "external_id"), UniqueConstraint("vat_number"),
                      *sort_indexes("organizations", plain=("name", "updated_at"), nullable=("employees",)))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    region_code: Mapped[str | None] = mapped_column(String(5), index=True)
    # Italian identifiers
    vat_number: Mapped[str | None] = mapped_column(String(11))
    tax_code: Mapped[str | None] = mapped_column(String(16), index=True)
    ipa_code: Mapped[str | None] = mapped_column(String(20))
    ateco_code: Mapped[str | None] = mapped_column(String(10), index=True)
    istat_municipality_code: Mapped[str | None] = mapped_column(String(6))
    istat_province_code: Mapped[str | None] = mapped_column(String(3))
    # Size per EU Recommendation 2003/361: the class is derived from these when they are given.
    employees: Mapped[int | None] = mapped_column(Integer)
    # Money in integer euro cents: SQLite has no exact decimal type.
    annual_turnover_cents: Mapped[int | None] = mapped_column(BigInteger)
    balance_sheet_total_cents: Mapped[int | None] = mapped_column(BigInteger)
    size_class: Mapped[str | None] = mapped_column(String(8), index=True)
    street_address: Mapped[str | None] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    municipality: Mapped[str | None] = mapped_column(String(200))
    province: Mapped[str | None] = mapped_column(String(2))
    website: Mapped[str | None] = mapped_column(String(300))
    emas_registration_number: Mapped[str | None] = mapped_column(String(30))
    iso14001_certificate: Mapped[str | None] = mapped_column(String(100))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(200))
    source_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    source_locator: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)

    source_document: Mapped[Document | None] = relationship(lazy="raise")

    @property
    def annual_turnover(self) -> Decimal | None:
        return cents_to_euro(self.annual_turnover_cents)

    @annual_turnover.setter
    def annual_turnover(self, value: Decimal | None) -> None:
        self.annual_turnover_cents = euro_to_cents(value)

    @property
    def balance_sheet_total(self) -> Decimal | None:
        return cents_to_euro(self.balance_sheet_total_cents)

    @balance_sheet_total.setter
    def balance_sheet_total(self, value: Decimal | None) -> None:
        self.balance_sheet_total_cents = euro_to_cents(value)


def euro_to_cents(value: Decimal | None) -> int | None:
    if value is None:
        return None
    cents = Decimal(value) * 100
    if cents != cents.to_integral_value():
        raise ValueError("amounts have at most two decimal places")
    return int(cents)


def cents_to_euro(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))
