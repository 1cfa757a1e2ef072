from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from api.core.schemas import MAX_ID, InputSchema, ReadSchema
from api.products.indicators import INDICATORS, REQUIRED, unit_matches

# NACE Rev.2 (13, 13.2, 13.20), ATECO (13.20.00) or PRODCOM (13.20.31.00): a PRODCOM code begins with its class.
CODE_RE = re.compile(r"^\d{2}(\.\d{1,2})?(\.\d{2}){0,2}$")


def _code(value: str) -> str:
    value = value.strip()
    if not CODE_RE.match(value):
        raise ValueError("must be a NACE Rev.2 code such as 14.11 or a PRODCOM code such as 14.11.10.00")
    return value


ProductCode = Annotated[str, AfterValidator(_code)]
Year = Annotated[int, Field(ge=1950, le=2200)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=6, allow_inf_nan=False)]
ImpactValue = Annotated[Decimal, Field(max_digits=30, decimal_places=10, allow_inf_nan=False)]


class SystemBoundary(StrEnum):
    cradle_to_gate = "cradle_to_gate"
    cradle_to_gate_with_options = "cradle_to_gate_with_options"
    cradle_to_grave = "cradle_to_grave"
    cradle_to_cradle = "cradle_to_cradle"
    gate_to_gate = "gate_to_gate"


class FunctionalUnitOf(StrEnum):
    """What the functional unit counts; results are comparable per unit only when this agrees."""

    kg = "kg"
    t = "t"
    m = "m"
    m2 = "m2"
    m3 = "m3"
    l = "l"
    piece = "piece"
    pair = "pair"


class Standard(StrEnum):
    iso_14025 = "ISO 14025"
    en_15804 = "EN 15804"
    en_15804_a2 = "EN 15804+A2"
    iso_21930 = "ISO 21930"
    iso_14040 = "ISO 14040"
    iso_14044 = "ISO 14044"
    iso_14067 = "ISO 14067"


# products -----------------------------------------------------------------------------------------------------
class ProductCreate(InputSchema):
    name: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    code: ProductCode | None = Field(default=None, description="NACE Rev.2 or PRODCOM code, where known.")
    declared_unit: str | None = Field(default=None, max_length=200,
                                      description="The declared or functional unit, in words, e.g. '1 m² di tessuto'.")


class ProductUpdate(InputSchema):
    name: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    code: ProductCode | None = None
    declared_unit: str | None = Field(default=None, max_length=200)


# LCA studies --------------------------------------------------------------------------------------------------
class FunctionalUnit(InputSchema):
    quantity: Quantity = Field(description="How many units, e.g. 1.")
    unit: FunctionalUnitOf
    description: str | None = Field(default=None, max_length=300, description="In words, e.g. '1 m² of fabric'.")


class ResultIn(InputSchema):
    indicator: str = Field(description="One of GET /api/v1/lca-indicators, e.g. climate_change.")
    value: ImpactValue = Field(description="Per functional unit; a decimal string.")
    unit: str = Field(max_length=40, description="The indicator's unit, e.g. 'kg CO2 eq' for climate_change.")

    @field_validator("indicator")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in INDICATORS:
            raise ValueError("must be one of " + ", ".join(INDICATORS))
        return value

    @model_validator(mode="after")
    def _unit(self) -> ResultIn:
        expected = INDICATORS[self.indicator].unit
        if not unit_matches(self.indicator, self.unit):
            raise ValueError(f"unit must be {expected!r} for {self.indicator}, not {self.unit!r}")
        self.unit = expected
        return self


def _results(results: list[ResultIn] | None) -> list[ResultIn] | None:
    if results is None:
        return None
    seen = [r.indicator for r in results]
    repeated = sorted({i for i in seen if seen.count(i) > 1})
    if repeated:
        raise ValueError("each indicator at most once; repeated: " + ", ".join(repeated))
    if REQUIRED not in seen:
        raise ValueError(f"results must include {REQUIRED} (kg CO2 eq)")
    return results


Results = Annotated[list[ResultIn], Field(min_length=1, max_length=len(INDICATORS)), AfterValidator(_results)]


class _StudyFields(InputSchema):
    title: str | None = Field(default=None, max_length=300)
    reference_year: Year | None = None
    practitioner: str | None = Field(default=None, max_length=300, description="Who carried out the study.")
    is_illustrative: bool | None = Field(default=None, description="Figures made up for illustration, not a study.")
    note: str | None = Field(default=None, max_length=20_000)

    @field_validator("reference_year")
    @classmethod
    def _not_future(cls, value: int | None) -> int | None:
        from api.products.service import today

        if value is not None and value > today().year:
            raise ValueError("must not be in the future")
        return value


class LcaStudyCreate(_StudyFields):
    functional_unit: FunctionalUnit
    system_boundary: SystemBoundary
    method: str = Field(min_length=1, max_length=100, description="e.g. EF 3.1, ReCiPe 2016, IPCC 2021 GWP100.")
    results: Results


class LcaStudyUpdate(_StudyFields):
    functional_unit: FunctionalUnit | None = None
    system_boundary: SystemBoundary | None = None
    method: str | None = Field(default=None, min_length=1, max_length=100)
    results: Results | None = Field(default=None, description="Replaces every result of the study.")


class FunctionalUnitRead(ReadSchema):
    quantity: Decimal
    unit: FunctionalUnitOf
    description: str | None


class ResultRead(ReadSchema):
    indicator: str
    value: Decimal
    unit: str


class StudyFileRead(ReadSchema):
    id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class LcaStudyRead(ReadSchema):
    id: int
    product_id: int
    title: str | None
    functional_unit: FunctionalUnitRead
    system_boundary: SystemBoundary
    reference_year: int | None
    method: str
    practitioner: str | None
    is_illustrative: bool = Field(description="True when the figures are made up for illustration (demo data).")
    note: str | None
    results: list[ResultRead]
    files: list[StudyFileRead]
    version: int
    created_at: datetime
    updated_at: datetime


# EPDs ---------------------------------------------------------------------------------------------------------
class _EpdFields(InputSchema):
    pcr: str | None = Field(default=None, max_length=300, description="The product category rules followed.")
    verifier: str | None = Field(default=None, max_length=300, description="The third-party verifier.")
    lca_study_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="The study of this product it "
                                                                              "declares.")
    url: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")
    is_illustrative: bool | None = None

    @staticmethod
    def _dates(issue: date | None, until: date | None) -> None:
        if issue is not None and until is not None and until <= issue:
            raise ValueError("valid_until must be after issue_date")


def _standards(values: list[Standard] | None) -> list[Standard] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("each standard at most once")
    return values


Standards = Annotated[list[Standard], Field(min_length=1, max_length=len(Standard)), AfterValidator(_standards)]


def _issued(value: date | None) -> date | None:
    from api.products.service import today

    if value is not None and value > today():
        raise ValueError("must not be in the future")
    return value


IssueDate = Annotated[date, AfterValidator(_issued)]


class EpdCreate(_EpdFields):
    programme_operator: str = Field(min_length=1, max_length=300, description="e.g. EPDItaly, The International "
                                                                            "EPD System.")
    registration_number: str = Field(min_length=1, max_length=100)
    standards: Standards
    issue_date: IssueDate
    valid_until: date = Field(description="The last day of validity.")

    @model_validator(mode="after")
    def _valid_after_issue(self) -> EpdCreate:
        self._dates(self.issue_date, self.valid_until)
        return self


class EpdUpdate(_EpdFields):
    programme_operator: str | None = Field(default=None, min_length=1, max_length=300)
    registration_number: str | None = Field(default=None, min_length=1, max_length=100)
    standards: Standards | None = None
    issue_date: IssueDate | None = None
    valid_until: date | None = None

    @model_validator(mode="after")
    def _valid_after_issue(self) -> EpdUpdate:
        self._dates(self.issue_date, self.valid_until)
        return self


class EpdRead(ReadSchema):
    id: int
    product_id: int
    programme_operator: str
    registration_number: str
    standards: list[Standard]
    pcr: str | None
    issue_date: date
    valid_until: date
    expired: bool = Field(description="The validity has ended (valid_until is before today in Europe/Rome).")
    verifier: str | None
    lca_study_id: int | None
    url: str | None
    is_illustrative: bool
    version: int
    created_at: datetime
    updated_at: datetime


# products, read -----------------------------------------------------------------------------------------------
class ProductSourceRead(ReadSchema):
    document: str = Field(description="The key of the source document (GET /api/v1/documents).")
    locator: str | None


class ProductRead(ReadSchema):
    id: int
    cluster_id: int
    name: str
    description: str | None
    code: str | None
    declared_unit: str | None
    source: ProductSourceRead | None
    lca_studies: list[LcaStudyRead]
    epds: list[EpdRead]
    version: int
    created_at: datetime
    updated_at: datetime


class IndicatorRead(ReadSchema):
    key: str
    name: str
    abbreviation: str = Field(description="As EN 15804+A2 writes it.")
    unit: str


# comparison ---------------------------------------------------------------------------------------------------
class ComparedProduct(ReadSchema):
    product_id: int
    product_name: str
    code: str | None
    cluster_id: int
    cluster_name: str
    study_id: int
    functional_unit: FunctionalUnitRead
    system_boundary: SystemBoundary
    method: str
    reference_year: int | None
    is_illustrative: bool
    value: Decimal = Field(description="As the study reports it, per its functional unit.")
    value_per_unit: Decimal | None = Field(description="Per one unit of `per`; null when not comparable.")


class ProductWithoutResult(ReadSchema):
    product_id: int
    product_name: str
    cluster_id: int


class DifferenceKind(StrEnum):
    functional_units = "functional_units"
    system_boundaries = "system_boundaries"
    methods = "methods"
    illustrative_figures = "illustrative_figures"


class ComparisonDifference(ReadSchema):
    """One way the compared studies differ, for a client to say in its own words (`reasons` and `notes` say it in
    English)."""

    kind: DifferenceKind
    blocking: bool = Field(description="True when it makes the values not comparable.")
    values: list[str] = Field(description="The differing values, e.g. the units or boundaries met.")


class IndicatorComparison(ReadSchema):
    indicator: IndicatorRead
    code: str
    comparable: bool = Field(description="Whether the values may be set side by side: every study counts the same "
                                         "functional unit within the same system boundary.")
    reasons: list[str] = Field(description="Why they are not comparable (empty when they are).")
    notes: list[str] = Field(description="Differences that do not prevent the comparison, e.g. methods.")
    differences: list[ComparisonDifference] = Field(description="The reasons and notes as codes with their values.")
    per: str | None = Field(description="The unit the values are normalised to, e.g. 'kg'.")
    items: list[ComparedProduct]
    without_result: list[ProductWithoutResult]
