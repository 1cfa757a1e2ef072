"""The audit trail: every write of the audited domains records who did what to which object, in the same
transaction as the write (so a rolled-back write leaves no trace either)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit.models import AuditEvent
from api.auth.policy import Action
from api.auth.principal import Principal
from api.core.pagination import SortKey, fetch_page


async def record(session: AsyncSession, *, actor: Principal, action: str, object_type: str, object_id: Any,
                 detail: dict[str, Any] | None = None) -> None:
    session.add(AuditEvent(actor=actor.key, action=action,
                           object_type=object_type, object_id=str(object_id), detail=detail))


async def page(session: AsyncSession, *, actor: Principal, object_type: str | None, object_id: str | None,
               who: str | None, cursor: str | None, limit: int) -> tuple[list[AuditEvent], str | None]:
    """Newest first (administrators)."""
    actor.require(Action.audit_read)
    stmt = select(AuditEvent)
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if who:
        stmt = stmt.where(AuditEvent.actor == who)
    return await fetch_page(session, stmt, key=SortKey("id", AuditEvent.id, descending=True), id_column=AuditEvent.id,
                            cursor=cursor, limit=limit)
