from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from api.core.identifiers import nuts_matches_country, vat_check_digit_ok
from api.core.schemas import InputSchema, ReadSchema
from api.core.types import (CountryCode, IpaCode, IstatMunicipalityCode, IstatProvinceCode, NaceCode, NutsCode,
                            ProvinceCode, TaxCode, VatNumber)


class OrganizationKind(StrEnum):
    enterprise = "enterprise"
    public_administration = "public_administration"
    association = "association"
    chamber_of_commerce = "chamber_of_commerce"
    university = "university"
    research_body = "research_body"
    verifier = "verifier"
    other = "other"


class SizeClass(StrEnum):
    micro = "micro"
    small = "small"
    medium = "medium"
    large = "large"


Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2, description="Euro, as a decimal string.")]
Text300 = Annotated[str, Field(min_length=1, max_length=300)]


class _OrganizationFields(InputSchema):
    description: str | None = Field(default=None, max_length=10_000)
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2, e.g. IT.")
    region_code: NutsCode | None = Field(default=None, description="NUTS code, e.g. ITI1 for Toscana.")
    vat_number: VatNumber | None = Field(default=None,
                                         description="Partita IVA (11 digits, check digit verified for IT).")
    tax_code: TaxCode | None = Field(default=None, description="Codice fiscale (16 characters, or 11 digits for bodies).")
    ipa_code: IpaCode | None = Field(default=None, description="IPA code of a public administration.")
    ateco_code: NaceCode | None = Field(default=None, description="ATECO / NACE Rev.2 code, e.g. 15.11 or 13.20.00.")
    istat_municipality_code: IstatMunicipalityCode | None = None
    istat_province_code: IstatProvinceCode | None = None
    employees: int | None = Field(default=None, ge=0, le=10_000_000)
    annual_turnover: Money | None = None
    balance_sheet_total: Money | None = None
    size_class: SizeClass | None = Field(
        default=None, description="Only when employees are unknown; otherwise derived per EU Rec. 2003/361."
    )
    street_address: str | None = Field(default=None, max_length=300)
    postal_code: str | None = Field(default=None, max_length=10)
    municipality: str | None = Field(default=None, max_length=200)
    province: ProvinceCode | None = Field(default=None, description="Italian province abbreviation, e.g. PI.")
    website: str | None = Field(default=None, max_length=300)
    emas_registration_number: str | None = Field(default=None, max_length=30)
    iso14001_certificate: str | None = Field(default=None, max_length=100)


def _check_vat_and_region(values: dict) -> None:
    country, vat, region = values.get("country"), values.get("vat_number"), values.get("region_code")
    if vat is not None and country in (None, "IT") and not vat_check_digit_ok(vat):
        raise ValueError("vat_number: not a valid partita IVA (11 digits with a matching check digit)")
    if region is not None and not nuts_matches_country(region, country):
        raise ValueError(f"region_code: {region} is not a NUTS code of country {country}")


class OrganizationCreate(_OrganizationFields):
    name: Text300
    kind: OrganizationKind

    @model_validator(mode="after")
    def _cross(self) -> OrganizationCreate:
        _check_vat_and_region(self.__dict__)
        return self


class OrganizationUpdate(_OrganizationFields):
    """Every field optional; only the fields sent are changed (null clears a value)."""

    name: Text300 | None = None
    kind: OrganizationKind | None = None


class OrganizationRead(ReadSchema):
    id: int
    name: str
    kind: OrganizationKind
    description: str | None
    country: str | None
    region_code: str | None
    vat_number: str | None
    tax_code: str | None
    ipa_code: str | None
    ateco_code: str | None
    istat_municipality_code: str | None
    istat_province_code: str | None
    employees: int | None
    annual_turnover: Decimal | None
    balance_sheet_total: Decimal | None
    size_class: SizeClass | None
    street_address: str | None
    postal_code: str | None
    municipality: str | None
    province: str | None
    website: str | None
    emas_registration_number: str | None
    iso14001_certificate: str | None
    demo: bool = Field(validation_alias="is_demo", description="Synthetic record of the demo data set.")
    source_document: str | None = Field(default=None, description="Key of the document the record comes from.")
    source_locator: str | None
    source: str | None = Field(default=None, description="The system whose external id this record carries.")
    external_id: str | None = Field(default=None, description="The record's id in that system.")
    version: int
    created_at: datetime
    updated_at: datetime

    @field_validator("source_document", mode="before")
    @classmethod
    def _document_key(cls, v: object) -> str | None:
        return getattr(v, "key", v)  # type: ignore[return-value]


class OrganizationRef(ReadSchema):
    id: int
    name: str
    kind: OrganizationKind
