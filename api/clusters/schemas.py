from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from api.core.identifiers import nuts_matches_country
from api.core.schemas import InputSchema, ReadSchema
from api.core.types import CountryCode, NaceCode, NutsCode
from api.organizations.schemas import OrganizationRef
from api.core.schemas import MAX_ID


class ClusterKind(StrEnum):
    industrial_district = "industrial_district"
    cluster = "cluster"
    apea = "apea"  # Area Produttiva Ecologicamente Attrezzata
    industrial_park = "industrial_park"
    supply_chain = "supply_chain"
    enterprise_network = "enterprise_network"


class RecognitionKind(StrEnum):
    apo_attestation = "apo_attestation"
    emas_cluster = "emas_cluster"
    iso14001_network = "iso14001_network"
    collective_label = "collective_label"
    other = "other"


class MembershipRole(StrEnum):
    member = "member"
    coordinator = "coordinator"
    supporting_institution = "supporting_institution"


SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Field(min_length=1, max_length=120, pattern=SLUG_PATTERN)]


class Headcount(InputSchema):
    """A count from a document: `approximate` keeps "circa 200", `note` the original wording."""

    count: int | None = Field(default=None, ge=0, le=100_000_000)
    approximate: bool = False
    note: str | None = Field(default=None, max_length=2000)


class Sector(InputSchema):
    label: str = Field(min_length=1, max_length=300)
    nace: list[NaceCode] = Field(default_factory=list, max_length=20,
                                 description="NACE Rev.2 codes: division 13, group 13.2, class 13.20.")


class RecognitionIn(InputSchema):
    kind: RecognitionKind
    name: str = Field(min_length=1, max_length=300)
    issuer: str | None = Field(default=None, max_length=300)
    issued_date: date | None = None
    valid_until: date | None = None
    reference: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _dates(self) -> RecognitionIn:
        if self.issued_date and self.valid_until and self.valid_until < self.issued_date:
            raise ValueError("valid_until is before issued_date")
        return self


class SourceIn(InputSchema):
    document: str = Field(min_length=1, max_length=100, description="Key of a document in /documents.")
    locator: str | None = Field(default=None, max_length=500)
    fields: list[str] | None = Field(default=None, max_length=50)


class _ClusterFields(InputSchema):
    region_code: NutsCode | None = Field(default=None, description="NUTS code (any level), e.g. ITI17.")
    region_name: str | None = Field(default=None, max_length=200)
    locality: str | None = Field(default=None, max_length=200)
    location_text: str | None = Field(default=None, max_length=500)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    enterprises: Headcount | None = None
    employees: Headcount | None = None
    website: str | None = Field(default=None, max_length=300)
    website_note: str | None = Field(default=None, max_length=500)
    coordinating_body_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    constitutive_elements: str | None = Field(default=None, max_length=20_000)
    eco_innovation: str | None = Field(default=None, max_length=20_000)
    tags: list[Annotated[str, Field(min_length=1, max_length=50)]] | None = Field(default=None, max_length=30)
    sectors: list[Sector] | None = Field(default=None, max_length=20)
    recognitions: list[RecognitionIn] | None = Field(default=None, max_length=50)
    sources: list[SourceIn] | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _coordinates(self):  # noqa: ANN202
        if "latitude" in self.model_fields_set or "longitude" in self.model_fields_set:
            if (self.latitude is None) != (self.longitude is None):
                raise ValueError("give both latitude and longitude, or neither")
        return self


class ClusterCreate(_ClusterFields):
    name: str = Field(min_length=1, max_length=300)
    slug: Slug | None = Field(default=None, description="Derived from the name when absent.")
    kind: ClusterKind
    country: CountryCode = Field(description="ISO 3166-1 alpha-2, e.g. IT.")

    @model_validator(mode="after")
    def _region_in_country(self) -> ClusterCreate:
        if self.region_code and not nuts_matches_country(self.region_code, self.country):
            raise ValueError(f"region_code {self.region_code} is not a NUTS code of {self.country}")
        return self


class ClusterUpdate(_ClusterFields):
    """Every field optional; only the fields sent change. Lists (sectors, recognitions...) are replaced whole."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    slug: Slug | None = None
    kind: ClusterKind | None = None
    country: CountryCode | None = None


class HeadcountRead(ReadSchema):
    count: int | None
    approximate: bool
    note: str | None


class SectorRead(ReadSchema):
    label: str
    nace: list[str]


class RecognitionRead(ReadSchema):
    id: int
    kind: RecognitionKind
    name: str
    issuer: str | None
    issued_date: date | None
    valid_until: date | None
    reference: str | None
    note: str | None


class SourceRead(ReadSchema):
    document: str
    title: str
    locator: str | None
    fields: list[str] | None


class ClusterRead(ReadSchema):
    id: int
    slug: str
    name: str
    kind: ClusterKind
    country: str
    region_code: str | None
    region_name: str | None
    locality: str | None
    location_text: str | None
    latitude: float | None
    longitude: float | None
    enterprises: HeadcountRead
    employees: HeadcountRead
    website: str | None
    website_note: str | None
    coordinating_body: OrganizationRef | None
    constitutive_elements: str | None
    eco_innovation: str | None
    tags: list[str]
    sectors: list[SectorRead]
    recognitions: list[RecognitionRead]
    sources: list[SourceRead]
    source: str | None = Field(description="The system whose external id this record carries, e.g. lombardia.")
    external_id: str | None = Field(description="The record's id in that system.")
    version: int
    created_at: datetime
    updated_at: datetime


class MemberCreate(InputSchema):
    organization_id: int = Field(ge=1, le=MAX_ID)
    role: MembershipRole = MembershipRole.member
    joined_date: date | None = None
    left_date: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> MemberCreate:
        if self.joined_date and self.left_date and self.left_date < self.joined_date:
            raise ValueError("left_date is before joined_date")
        return self


class MemberRead(ReadSchema):
    id: int
    organization: OrganizationRef
    role: MembershipRole
    joined_date: date | None
    left_date: date | None


class ClusterRef(ReadSchema):
    id: int
    slug: str
    name: str


class SupplyChainLinkCreate(InputSchema):
    customer_id: int = Field(ge=1, le=MAX_ID, description="The cluster that takes the product.")
    product: str = Field(min_length=1, max_length=300)
    note: str | None = Field(default=None, max_length=5000)


class SupplyChainLinkRead(ReadSchema):
    id: int
    supplier: ClusterRef
    customer: ClusterRef
    product: str
    note: str | None
    source_document: str | None
    source_locator: str | None
    depth: int = Field(description="1 for a direct link, 2 for the link beyond it, and so on.")


class SupplyChainRead(ReadSchema):
    cluster: ClusterRef
    upstream: list[SupplyChainLinkRead] = Field(description="Links that bring products to the cluster, nearest first.")
    downstream: list[SupplyChainLinkRead] = Field(description="Links that take its products on, nearest first.")
