from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.audit import service
from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.core.db import ReadSessionDep
from api.core.errors import Forbidden, problems
from api.core.http import page_of_models
from api.core.schemas import Page, ReadSchema

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEventRead(ReadSchema):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any] | None


@router.get("", summary="Read the audit trail", response_model=Page[AuditEventRead],
            responses=problems(InvalidAccessToken, Forbidden))
async def list_events(
    request: Request, session: ReadSessionDep, actor: AuthenticatedDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: Annotated[str | None, Query(max_length=500)] = None,
    object_type: Annotated[str | None, Query(max_length=40, description="e.g. shared_resource")] = None,
    object_id: Annotated[str | None, Query(max_length=40)] = None,
    who: Annotated[str | None, Query(max_length=40, description="An actor key such as user:7.")] = None,
) -> Response:
    """Who changed what, and when, newest first (administrators)."""
    events, after = await service.page(session, actor=actor, object_type=object_type, object_id=object_id, who=who,
                                       cursor=cursor, limit=limit)
    return page_of_models(request, events, after, limit, schema=AuditEventRead)
