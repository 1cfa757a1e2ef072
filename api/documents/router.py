from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from api.core.db import ReadSessionDep
from api.core.http import page_of_models
from api.core.schemas import Page, ReadSchema
from api.documents.models import Document

router = APIRouter(prefix="/documents", tags=["documents"])


class DocumentRead(ReadSchema):
    key: str
    title: str
    publisher: str | None
    year: int | None
    language: str | None


@router.get("", summary="List source documents", response_model=Page[DocumentRead])
async def list_documents(request: Request, session: ReadSessionDep) -> Response:
    """The documents that facts in the registry cite as their source."""
    docs = (await session.scalars(select(Document).order_by(Document.key))).all()
    return page_of_models(request, docs, None, max(len(docs), 1), schema=DocumentRead)
