from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from api.core.schemas import InputSchema, ReadSchema
from api.core.schemas import MAX_ID

Year = Annotated[int, Field(ge=1900, le=2200)]
Amount = Annotated[Decimal, Field(max_digits=24, decimal_places=6, allow_inf_nan=False)]


class StepStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    suspended = "suspended"


class StepRole(StrEnum):
    promoting_body = "promoting_body"
    coordinating_body = "coordinating_body"
    enterprises = "enterprises"
    public_administrations = "public_administrations"
    verifier = "verifier"
    other = "other"


class RoleIn(InputSchema):
    role: StepRole
    organization_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    subject: str | None = Field(default=None, max_length=300, description="Who, in words, when not an organization.")
    task: str | None = Field(default=None, max_length=2000)


class _StepFields(InputSchema):
    description: str | None = Field(default=None, max_length=20_000)
    roles: list[RoleIn] | None = Field(default=None, max_length=20)
    depends_on: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, max_length=50, description="Ids of the steps of this programme that must be done first.")
    start_date: date | None = None
    due_date: date | None = None
    completed_date: date | None = None

    @model_validator(mode="after")
    def _dates(self):  # noqa: ANN202
        if self.start_date and self.due_date and self.due_date < self.start_date:
            raise ValueError("due_date is before start_date")
        return self


class StepCreate(_StepFields):
    title: str = Field(min_length=1, max_length=300)
    status: StepStatus = StepStatus.planned
    position: int | None = Field(default=None, ge=1, le=1000, description="Where in the programme; last when absent.")


class StepUpdate(_StepFields):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    status: StepStatus | None = None
    position: int | None = Field(default=None, ge=1, le=1000)


class RoleRead(ReadSchema):
    role: StepRole
    organization_id: int | None = None
    subject: str | None = None
    task: str | None = None


class StepRead(ReadSchema):
    id: int
    cluster_id: int
    position: int
    title: str
    description: str | None
    status: StepStatus
    roles: list[RoleRead]
    depends_on: list[int]
    blocked_by: list[int] = Field(description="Steps it depends on that are not done yet.")
    start_date: date | None
    due_date: date | None
    completed_date: date | None
    overdue: bool
    version: int


class ClusterProgrammeRead(ReadSchema):
    cluster_id: int
    steps: list[StepRead]
    by_status: dict[str, int]
    done_share: float


class IndicatorKind(StrEnum):
    energy = "energy"
    materials = "materials"
    water = "water"
    waste = "waste"
    land_use_biodiversity = "land_use_biodiversity"
    emissions = "emissions"
    other = "other"


class ValueIn(InputSchema):
    value: Amount
    source: str | None = Field(default=None, max_length=500)


class YearValueIn(ValueIn):
    year: Year


class TargetIn(InputSchema):
    value: Amount
    note: str | None = Field(default=None, max_length=500)


class YearTargetIn(TargetIn):
    year: Year


class SeriesCreate(InputSchema):
    indicator: IndicatorKind
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=40)
    base_year: Year | None = None
    better: str = Field(default="lower", pattern="^(lower|higher)$", description="Which direction is improvement.")
    values: list[YearValueIn] = Field(default_factory=list, max_length=300)
    targets: list[YearTargetIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _one_per_year(self) -> SeriesCreate:
        for name, items in (("values", self.values), ("targets", self.targets)):
            years = [item.year for item in items]
            if len(set(years)) != len(years):
                raise ValueError(f"{name} give a year twice")
        return self


class SeriesUpdate(InputSchema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    unit: str | None = Field(default=None, min_length=1, max_length=40)
    base_year: Year | None = None
    better: str | None = Field(default=None, pattern="^(lower|higher)$")


class ValueRead(ReadSchema):
    year: int
    value: Decimal
    source: str | None


class TargetRead(ReadSchema):
    year: int
    value: Decimal
    note: str | None
    state: str = Field(description="met, missed, or pending (the year has not passed and it is not met yet)")
    gap: Decimal | None = Field(description="Target minus the latest value.")


class Trend(ReadSchema):
    direction: str = Field(description="improving, worsening, stable or insufficient_data")
    slope_per_year: Decimal | None
    first_year: int | None
    last_year: int | None


class ChangeFromBase(ReadSchema):
    base_year: int
    base_value: Decimal
    latest_year: int
    latest_value: Decimal
    change: Decimal
    change_percent: Decimal | None


class SeriesRead(ReadSchema):
    id: int
    cluster_id: int
    indicator: IndicatorKind
    name: str
    unit: str
    base_year: int | None
    better: str
    values: list[ValueRead]
    targets: list[TargetRead]
    trend: Trend
    change_from_base: ChangeFromBase | None
    updated_at: datetime


class ApoStatus(StrEnum):
    requested = "requested"
    granted = "granted"
    refused = "refused"


class ApoRequest(InputSchema):
    requested_date: date | None = Field(default=None, description="Today when absent.")
    note: str | None = Field(default=None, max_length=5000)


class ApoDecision(InputSchema):
    status: ApoStatus
    issuer: str | None = Field(default=None, max_length=300)
    granted_date: date | None = None
    valid_until: date | None = None
    reference: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _granted(self) -> ApoDecision:
        if self.status is ApoStatus.requested:
            raise ValueError("a decision grants or refuses")
        if self.status is ApoStatus.granted and not self.issuer:
            raise ValueError("a granted attestation names its issuer")
        if self.granted_date and self.valid_until and self.valid_until <= self.granted_date:
            raise ValueError("valid_until must be after granted_date")
        return self


class ApoRead(ReadSchema):
    id: int
    cluster_id: int
    status: ApoStatus
    state: str = Field(description="requested, granted, refused or expired")
    requested_date: date | None
    issuer: str | None
    granted_date: date | None
    valid_until: date | None
    expired_on: date | None
    reference: str | None
    note: str | None
    version: int


class EmasRegistration(ReadSchema):
    organization_id: int
    name: str
    emas_registration_number: str | None
    iso14001_certificate: str | None
