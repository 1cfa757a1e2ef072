from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from api.calls.schemas import FunderBudget
from api.core.schemas import ReadSchema
from api.screenings.schemas import FunnelPhase


class ClusterGroupBy(StrEnum):
    sector = "sector"
    country = "country"
    kind = "kind"
    size = "size"


# Bands of a cluster's enterprises_count, in the order they are answered. A count of 0 has no band of its own:
# it says nothing about size, so it falls under `unknown` with the clusters that have no count.
SIZE_BANDS = ("unknown", "1-9", "10-49", "50-249", "250-999", "1000+")
SIZE_CLASSES = ("micro", "small", "medium", "large", "unknown")
VALIDATION_STATES = ("current", "expired", "rejected", "none")


class ClusterFilters(ReadSchema):
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2.")
    region: str | None = Field(default=None, description="NUTS prefix: ITI counts every region under ITI.")
    sector: str | None = Field(default=None, description="NACE prefix, matched as the cluster list's `nace`.")
    kind: str | None = None


class OrganizationFilters(ReadSchema):
    country: str | None = None
    region: str | None = None
    kind: str | None = None
    cluster_id: int | None = Field(default=None, description="Only the cluster's current members.")


class Group(ReadSchema):
    key: str
    count: int


class ClusterStats(ReadSchema):
    group_by: ClusterGroupBy
    filters: ClusterFilters
    total: int = Field(description="Clusters matching the filters. A cluster counts in each NACE division it has, "
                                   "so with group_by=sector the groups may add up to more.")
    groups: list[Group] = Field(description="By key; for size, every band in order, including empty ones.")


class Share(ReadSchema):
    count: int
    share: float = Field(description="count / total, rounded to 4 places; 0 when there is none.")


class SizeClassGroup(ReadSchema):
    key: str = Field(description="micro, small, medium, large, or unknown when no size class is recorded.")
    count: int
    emas_registered: int
    iso14001_certified: int


class OrganizationStats(ReadSchema):
    filters: OrganizationFilters
    total: int
    by_size_class: list[SizeClassGroup] = Field(description="Every class in order, including empty ones.")
    emas_registered: Share = Field(description="Organizations with an EMAS registration number.")
    iso14001_certified: Share = Field(description="Organizations with an ISO 14001 certificate.")


class CountryOutcomes(ReadSchema):
    country: str
    entered: int
    selected: int
    needs_review: int
    rejected: int


class ScreeningStats(ReadSchema):
    screening_id: int
    criteria_set_id: int
    version: int
    finished_at: datetime | None
    entered: int
    selected: int
    needs_review: int
    rejected: int
    phases: list[FunnelPhase]
    by_country: list[CountryOutcomes]


class ClusterEmasCoverage(ReadSchema):
    cluster_id: int
    name: str
    resources: int = Field(description="The cluster's shared resources.")
    member_firms: int = Field(description="Current members of the cluster.")
    adopting_firms: int = Field(description="Current members that adopted a version of one of the cluster's "
                                            "resources whose latest validation is current.")
    share: float = Field(description="adopting_firms / member_firms, rounded to 4 places; 0 without members.")


class EmasStats(ReadSchema):
    filters: ClusterFilters
    as_of: date = Field(description="The day validations are judged on (expired after valid_until).")
    resources: int
    by_type: list[Group]
    by_validation_state: list[Group] = Field(
        description="current, expired, rejected or none: the latest validation of the latest released version.")
    clusters: list[ClusterEmasCoverage] = Field(description="Every cluster with shared resources, by id.")


class ApplicationGroup(ReadSchema):
    key: str = Field(description="The value, or `unknown` when none is recorded.")
    applications: int
    requested: Decimal
    granted: Decimal


class CallStats(ReadSchema):
    call_id: int
    applications: int
    by_state: list[ApplicationGroup]
    by_province: list[ApplicationGroup]
    by_category: list[ApplicationGroup]
    budget: Decimal = Field(description="What the funders put up together.")
    allocated: Decimal = Field(description="What the ledger has allocated to projects, net of revocations.")
    remaining: Decimal
    funders: list[FunderBudget]


class OutputProgress(ReadSchema):
    output_id: int
    programme_id: int
    kind: str
    title: str
    planned: int
    held: int
    scheduled: int = Field(description="Events of the output not yet ended.")
    missing: int


class TopicAttendance(ReadSchema):
    topic: str
    events: int = Field(description="Events held on the topic.")
    registered: int
    attended: int


class EventStats(ReadSchema):
    programme_id: int | None
    outputs: list[OutputProgress]
    topics: list[TopicAttendance]
