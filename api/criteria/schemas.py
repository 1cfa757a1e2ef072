from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from api.core.schemas import InputSchema, ReadSchema
from api.criteria.definitions import Definition, check_size
from api.core.schemas import MAX_ID

MAX_PHASES = 20
MAX_CRITERIA_PER_VERSION = 100  # each criterion is one column of the screening query

Name = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str | None, Field(default=None, max_length=5000)]
Weight = Annotated[float | None, Field(default=None, ge=0, le=1000,
                                       description="Score a cluster earns when it passes; 1 when absent.")]
CriterionId = Annotated[int, Field(ge=1, le=MAX_ID)]


class UnknownAs(StrEnum):
    pass_ = "pass"
    fail = "fail"
    review = "review"


class PhaseMode(StrEnum):
    filter = "filter"    # keeps, of the clusters on the list, those that satisfy the phase
    include = "include"  # adds, from the whole scope, the clusters that satisfy the phase


class CriterionCreate(InputSchema):
    name: Name
    description: Description
    weight: Weight
    definition: Definition

    @field_validator("definition")
    @classmethod
    def _size(cls, value: Any) -> Any:
        check_size(value)
        return value


class CriterionUpdate(InputSchema):
    name: Name | None = None
    description: Description
    weight: Weight
    definition: Definition | None = None

    @field_validator("definition")
    @classmethod
    def _size(cls, value: Any) -> Any:
        if value is not None:
            check_size(value)
        return value

    @model_validator(mode="after")
    def _no_nulls(self) -> CriterionUpdate:
        for key in ("name", "definition"):
            if key in self.model_fields_set and getattr(self, key) is None:
                raise ValueError(f"{key} cannot be null")
        return self


class CriterionRead(ReadSchema):
    id: int
    name: str
    description: str | None
    weight: float | None
    definition: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


class PhaseIn(InputSchema):
    name: Name
    description: Description
    mode: PhaseMode = PhaseMode.filter
    combine: Annotated[str, Field(pattern="^(all|any)$", description="How the phase's criteria combine.")] = "all"
    criteria: list[CriterionId] = Field(min_length=1, max_length=50,
                                        description="Ids of saved criteria; their current text is copied.")
    reported_count: int | None = Field(default=None, ge=0, le=100_000_000, description=(
        "The count a source document reports after this phase, shown beside the computed one."))

    @field_validator("criteria")
    @classmethod
    def _distinct(cls, ids: list[int]) -> list[int]:
        if len(set(ids)) != len(ids):
            raise ValueError("a criterion appears twice in the phase")
        return ids


class VersionIn(InputSchema):
    unknown_as: UnknownAs = Field(default=UnknownAs.review, description=(
        "What an `unknown` phase outcome counts as: pass, fail, or pass marked for review."))
    phases: list[PhaseIn] = Field(min_length=1, max_length=MAX_PHASES)
    reported_population: int | None = Field(default=None, ge=0, le=100_000_000, description=(
        "How many clusters a source document screened, shown beside the computed count."))
    note: Description

    @model_validator(mode="after")
    def _not_too_many(self) -> VersionIn:
        total = sum(len(phase.criteria) for phase in self.phases)
        if total > MAX_CRITERIA_PER_VERSION:
            raise ValueError(f"a version may use at most {MAX_CRITERIA_PER_VERSION} criteria in all")
        return self


class CriteriaSetCreate(VersionIn):
    name: Name
    description: Description


class CriteriaSetUpdate(InputSchema):
    name: Name | None = None
    description: Description


class CriterionSnapshot(ReadSchema):
    id: int
    name: str
    description: str | None
    weight: float | None
    definition: dict[str, Any]


class PhaseRead(ReadSchema):
    position: int
    name: str
    description: str | None
    mode: PhaseMode
    combine: str
    reported_count: int | None
    criteria: list[CriterionSnapshot]


class CriteriaSetVersionRead(ReadSchema):
    set_id: int
    number: int
    unknown_as: UnknownAs
    reported_population: int | None
    note: str | None
    used: bool = Field(description="A screening used this version, so it can no longer change.")
    created_at: datetime
    updated_at: datetime
    phases: list[PhaseRead]


class VersionSummary(ReadSchema):
    number: int
    used: bool
    created_at: datetime


class CriteriaSetRead(ReadSchema):
    id: int
    name: str
    description: str | None
    latest_version: int
    versions: list[VersionSummary]
    created_at: datetime
    updated_at: datetime
