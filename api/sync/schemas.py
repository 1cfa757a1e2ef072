from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from api.clusters.schemas import ClusterCreate
from api.core.schemas import ReadSchema
from api.organizations.schemas import OrganizationCreate

# No control characters (C0, DEL, C1): they break logs, URLs and the CSV exports of the data sets.
EXTERNAL_ID_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]+$"
ExternalId = Annotated[str, Field(min_length=1, max_length=200, pattern=EXTERNAL_ID_PATTERN,
                                  description="The record's id in the source system (1 to 200 characters, "
                                              "no control characters).")]


class ClusterRecord(ClusterCreate):
    """A cluster in a batch: the same fields as a PUT body, plus its external id."""

    external_id: ExternalId


class OrganizationRecord(OrganizationCreate):
    """An organization in a batch: the same fields as a PUT body, plus its external id."""

    external_id: ExternalId


class BatchItem(ReadSchema):
    index: int = Field(description="Position of the record in the request (0-based).")
    external_id: str
    id: int
    version: int
    result: Literal["created", "updated", "unchanged"]


class BatchResult(ReadSchema):
    created: int
    updated: int
    unchanged: int
    items: list[BatchItem]
