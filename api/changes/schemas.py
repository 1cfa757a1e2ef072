from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from api.core.schemas import ReadSchema


class ExternalId(ReadSchema):
    source: str | None
    id: str


class ChangeRead(ReadSchema):
    cursor: str = Field(description="Position of this change; pass it as `since` to read what follows.")
    type: str = Field(description="Resource type: clusters, organizations, networks.")
    id: int
    external_id: ExternalId | None
    operation: Literal["upsert", "delete"]
    event: Literal["created", "updated", "deleted"]
    version: int
    changed_at: datetime
    resource: dict[str, Any] = Field(description="The resource at this version; for deletes a tombstone "
                                                 "`{id, type, deleted: true, version, source, external_id}`.")


class ChangesPage(ReadSchema):
    changes: list[ChangeRead]
    next_cursor: str = Field(description="Where the next read starts; equals `since` when nothing was new.")
    has_more: bool = Field(description="The page was full: read again at once.")
