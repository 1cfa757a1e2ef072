from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from api.clusters.schemas import ClusterKind
from api.core.schemas import InputSchema, ReadSchema
from api.core.types import CountryCode, NutsCode
from api.core.schemas import MAX_ID

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Outcome(StrEnum):
    selected = "selected"
    needs_review = "needs_review"
    rejected = "rejected"


class Status(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class FromScreening(InputSchema):
    """The clusters another run left with these outcomes: a saved list."""

    id: Id
    outcomes: list[Outcome] = Field(default=[Outcome.selected, Outcome.needs_review], min_length=1, max_length=3)


class ScopeIn(InputSchema):
    """Which clusters a run looks at; every part given narrows it. Empty: the whole registry."""

    countries: list[CountryCode] | None = Field(default=None, min_length=1, max_length=300)
    regions: list[NutsCode] | None = Field(default=None, min_length=1, max_length=300,
                                           description="NUTS codes; a region includes the regions under it.")
    kinds: list[ClusterKind] | None = Field(default=None, min_length=1, max_length=20)
    cluster_ids: list[Id] | None = Field(default=None, min_length=1, max_length=10_000)
    from_screening: FromScreening | None = None


class ScreeningCreate(InputSchema):
    criteria_set_id: Id
    version: int | None = Field(default=None, ge=1, le=MAX_ID, description="The set's version; the latest when absent.")
    scope: ScopeIn = Field(default_factory=ScopeIn)


class FunnelPhase(ReadSchema):
    position: int
    name: str
    mode: str
    considered: int = Field(description="Clusters the phase looked at: those on the list for a filter, "
                                        "those not on it for an include.")
    passed: int
    failed: int
    unknown: int
    removed: int
    added: int
    after: int
    reported_count: int | None = Field(description="The count the source document reports after this phase.")


class ScreeningRead(ReadSchema):
    id: int
    criteria_set_id: int
    version: int
    scope: dict
    status: Status
    note: str | None
    error: str | None
    requested_by: str | None
    created_at: datetime
    started_at: datetime | None
    data_read_at: datetime | None = Field(description="When the registry was read: results reflect it as it was.")
    finished_at: datetime | None
    entered: int | None
    selected: int | None
    needs_review: int | None
    reported_population: int | None
    funnel: list[FunnelPhase] | None


class CriterionOutcome(ReadSchema):
    criterion_id: int
    name: str
    phase: int
    outcome: str = Field(description="pass, fail or unknown")
    explanation: str


class PhaseOutcome(ReadSchema):
    position: int
    outcome: str = Field(description="pass, fail or unknown")
    on_list_after: bool


class ScreeningResultRead(ReadSchema):
    cluster_id: int
    name: str
    country: str
    region_code: str | None
    kind: str
    outcome: Outcome
    score: float
    phases: list[PhaseOutcome]
    criteria: list[CriterionOutcome]


class ComparisonItem(ReadSchema):
    cluster_id: int
    name: str
    change: str = Field(description="entered, left or changed")
    outcome_before: Outcome | None
    outcome_after: Outcome | None
    score_before: float | None
    score_after: float | None


class Comparison(ReadSchema):
    before: int
    after: int
    counts: dict[str, int]
    items: list[ComparisonItem]
    next_cursor: str | None
    limit: int
