from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field, field_validator, model_validator

from api.core.schemas import InputSchema, ReadSchema
from api.core.types import NaceCode, NutsCode, ProvinceCode
from api.core.schemas import MAX_ID

ROME = ZoneInfo("Europe/Rome")
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False,
                                 description="Euro, as a decimal string with at most two decimals.")]
Share = Annotated[Decimal, Field(gt=0, le=1, max_digits=6, decimal_places=4)]
Score = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=3, allow_inf_nan=False)]
Slug = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
# Shorter keys, within their columns.
FunderKey = Annotated[Slug, Field(max_length=60)]
CriterionCode = Annotated[Slug, Field(max_length=40)]


def cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


def euros(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


def _rome(value: datetime | None) -> datetime | None:
    """Date-times without a zone are Europe/Rome, the calls' own time; all are kept (and shown) in UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ROME)
    return value.astimezone(UTC)


RomeDateTime = Annotated[datetime, AfterValidator(_rome)]


class ApplicationState(StrEnum):
    draft = "draft"
    submitted = "submitted"
    admissible = "admissible"
    inadmissible = "inadmissible"
    under_evaluation = "under_evaluation"
    evaluated = "evaluated"
    ranked = "ranked"
    admitted = "admitted"
    not_admitted = "not_admitted"
    definitive_submitted = "definitive_submitted"
    funded = "funded"
    not_funded = "not_funded"
    in_progress = "in_progress"
    completed = "completed"
    revoked = "revoked"
    withdrawn = "withdrawn"


class FunderRole(StrEnum):
    region = "region"
    chamber = "chamber"
    pool = "pool"  # several chambers together, when the document gives only their total


class FunderIn(InputSchema):
    key: FunderKey
    name: str = Field(min_length=1, max_length=300)
    role: FunderRole
    provinces: list[ProvinceCode] = Field(default_factory=list, max_length=20)
    organization_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    contribution: Money


class ChargeIn(InputSchema):
    funder: str = Field(pattern="^(region|chamber_of_province)$", description=(
        "region: the call's Region; chamber_of_province: the chamber (or pool of chambers) of the applicant's "
        "province."))
    share: Share


class EligibilityIn(InputSchema):
    regions: list[NutsCode] | None = Field(default=None, max_length=50, description="Applicant's NUTS region.")
    size_classes: list[str] | None = Field(default=None, max_length=4)
    nace_prefixes: list[NaceCode] | None = Field(default=None, max_length=200)
    kinds: list[str] | None = Field(default=None, max_length=10, description="Organization kinds (legal form).")
    min_partners: int | None = Field(default=None, ge=0, le=100, description=(
        "For a partnership: the least number of firms, lead included."))
    large_firms_without_funds: bool = Field(default=False, description=(
        "A large firm may take part as a partner that receives no funds."))

    @field_validator("size_classes")
    @classmethod
    def _sizes(cls, value: list[str] | None) -> list[str] | None:
        if value and not set(value) <= {"micro", "small", "medium", "large"}:
            raise ValueError("size classes are micro, small, medium, large")
        return value


class CallPhaseIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    opens_at: RomeDateTime | None = Field(default=None, description="ISO 8601; without a zone, Europe/Rome.")
    closes_at: RomeDateTime | None = None
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _order(self) -> CallPhaseIn:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        return self


class CriterionIn(InputSchema):
    code: CriterionCode
    name: str = Field(min_length=1, max_length=300)
    weight: Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=4)]
    max_score: Score
    min_score: Score | None = None

    @model_validator(mode="after")
    def _within(self) -> CriterionIn:
        if self.max_score <= 0:
            raise ValueError("max_score must be above 0")
        if self.min_score is not None and self.min_score > self.max_score:
            raise ValueError("min_score is above max_score")
        return self


class CallCreate(InputSchema):
    slug: Slug
    title_it: str = Field(min_length=1, max_length=300)
    title_en: str | None = Field(default=None, max_length=300)
    description_it: str | None = Field(default=None, max_length=20_000)
    description_en: str | None = Field(default=None, max_length=20_000)
    topics: list[str] = Field(default_factory=list, max_length=30)
    categories: list[str] = Field(default_factory=list, max_length=30)
    funders: list[FunderIn] = Field(min_length=1, max_length=30)
    charge_rule: list[ChargeIn] = Field(min_length=1, max_length=5)
    eligibility: EligibilityIn = Field(default_factory=EligibilityIn)
    max_grant: Money | None = None
    min_investment: Money | None = None
    cofinancing_rate: Share | None = Field(default=None, description="Share of eligible costs a grant covers.")
    threshold_score: Score | None = Field(default=None, description="Least weighted score for admission.")
    divergence_share: Share = Field(default=Decimal("0.3"), description=(
        "When two evaluators' totals differ by more than this share of the higher, a third is needed."))
    tie_breakers: list[str] = Field(default_factory=lambda: ["earlier_submission"], max_length=5, description=(
        "In order: 'criterion:<code>' (higher score on it first), 'earlier_submission'."))
    required_documents: list[str] = Field(default_factory=list, max_length=30)
    settings_note: str | None = Field(default=None, max_length=5000)
    phases: list[CallPhaseIn] = Field(default_factory=list, max_length=10)
    criteria: list[CriterionIn] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _consistent(self) -> CallCreate:
        if sum(c.share for c in self.charge_rule) != 1:
            raise ValueError("the shares of charge_rule must add up to 1")
        keys = [f.key for f in self.funders]
        if len(set(keys)) != len(keys):
            raise ValueError("two funders have the same key")
        if any(c.funder == "region" for c in self.charge_rule) and not any(
                f.role is FunderRole.region for f in self.funders):
            raise ValueError("charge_rule charges the Region but no funder has role region")
        codes = [c.code for c in self.criteria]
        if len(set(codes)) != len(codes):
            raise ValueError("two criteria have the same code")
        for rule in self.tie_breakers:
            if rule != "earlier_submission" and not (rule.startswith("criterion:") and rule[10:] in codes):
                raise ValueError(f"tie breaker {rule!r} is neither earlier_submission nor criterion:<a code>")
        return self


class FunderRead(ReadSchema):
    id: int
    key: str
    name: str
    role: FunderRole
    provinces: list[str]
    organization_id: int | None
    contribution: Decimal


class CallPhaseRead(ReadSchema):
    id: int
    name: str
    opens_at: datetime | None
    closes_at: datetime | None
    note: str | None
    open_now: bool


class EvaluationCriterionRead(ReadSchema):
    code: str
    name: str
    weight: Decimal
    max_score: Decimal
    min_score: Decimal | None


class CallRead(ReadSchema):
    id: int
    slug: str
    title_it: str
    title_en: str | None
    description_it: str | None
    description_en: str | None
    topics: list[str]
    categories: list[str]
    funders: list[FunderRead]
    charge_rule: list[dict[str, Any]]
    eligibility: dict[str, Any]
    max_grant: Decimal | None
    min_investment: Decimal | None
    cofinancing_rate: Decimal | None
    threshold_score: Decimal | None
    divergence_share: Decimal
    tie_breakers: list[str]
    required_documents: list[str]
    settings_note: str | None
    phases: list[CallPhaseRead]
    criteria: list[EvaluationCriterionRead]
    budget: Decimal
    is_demo: bool
    version: int


class FunderBudget(ReadSchema):
    funder_id: int
    key: str
    name: str
    contribution: Decimal
    allocated: Decimal
    remaining: Decimal


class BudgetRead(ReadSchema):
    call_id: int
    total: Decimal
    allocated: Decimal
    remaining: Decimal
    funders: list[FunderBudget]
    granted_by_applications: Decimal = Field(description="The sum of the grants the funded applications show; "
                                                         "always equal to `allocated`.")


class BudgetLine(InputSchema):
    label: str = Field(min_length=1, max_length=300)
    amount: Money


class PartnerIn(InputSchema):
    organization_id: int = Field(ge=1, le=MAX_ID)
    receives_funds: bool = True


class ApplicationCreate(InputSchema):
    call_id: int = Field(ge=1, le=MAX_ID)
    organization_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="The lead applicant; the "
                                                                                  "caller's own when absent.")
    title: str = Field(min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=20_000)
    category: str | None = Field(default=None, max_length=100)
    requested: Money
    budget_lines: list[BudgetLine] = Field(default_factory=list, max_length=100)
    partners: list[PartnerIn] = Field(default_factory=list, max_length=50)


class ApplicationUpdate(InputSchema):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=20_000)
    category: str | None = Field(default=None, max_length=100)
    requested: Money | None = None
    budget_lines: list[BudgetLine] | None = Field(default=None, max_length=100)
    partners: list[PartnerIn] | None = Field(default=None, max_length=50)


class TransitionIn(InputSchema):
    to: ApplicationState
    reason: str | None = Field(default=None, max_length=5000)


class TransitionRead(ReadSchema):
    from_state: str | None
    to_state: str
    actor: str
    at: datetime
    reason: str | None


class ApplicationRead(ReadSchema):
    id: int
    call_id: int
    organization_id: int
    province: str | None
    title: str
    summary: str | None
    category: str | None
    requested: Decimal
    budget_lines: list[dict[str, Any]]
    partners: list[PartnerIn]
    state: ApplicationState
    state_reason: str | None
    submitted_at: datetime | None
    score: Decimal | None
    rank: int | None
    reserve: bool
    definitive_requested: Decimal | None
    granted: Decimal | None
    is_demo: bool
    version: int


class FundingIn(InputSchema):
    note: str | None = Field(default=None, max_length=5000)


class RevocationIn(InputSchema):
    reason: str = Field(min_length=1, max_length=5000)


class AssignmentIn(InputSchema):
    evaluator_id: int = Field(ge=1, le=MAX_ID, description="A user with role evaluator.")


class ScoreIn(InputSchema):
    score: Score
    comment: str | None = Field(default=None, max_length=5000)


class ScoresIn(InputSchema):
    scores: dict[Annotated[str, Field(max_length=40)], ScoreIn] = Field(min_length=1, max_length=30)


class EvaluationRead(ReadSchema):
    evaluator_id: int
    assigned_at: datetime
    submitted_at: datetime | None
    total: Decimal | None
    scores: dict[str, Any] | None


class EvaluationsRead(ReadSchema):
    application_id: int
    status: str
    score: Decimal | None
    evaluations: list[EvaluationRead]


class DefinitiveIn(InputSchema):
    requested: Money | None = Field(default=None, description="The amount for the definitive project; the "
                                                              "first request when absent.")


class AccompanimentIn(InputSchema):
    kind: str = Field(pattern="^(meeting|milestone)$")
    title: str = Field(min_length=1, max_length=300)
    on_date: date | None = None
    done: bool = False
    notes: str | None = Field(default=None, max_length=20_000)


class AccompanimentRead(ReadSchema):
    id: int
    kind: str
    title: str
    on_date: date | None
    done: bool
    notes: str | None
    recorded_by: str
    recorded_at: datetime


class AttachmentRead(ReadSchema):
    id: int
    document: str | None
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime
