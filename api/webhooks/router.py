from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidAccessToken
from api.core.db import ReadSessionDep, SessionDep
from api.core.errors import Forbidden, problems
from api.core.http import json_bytes, model_response, page_of_models
from api.core.schemas import Page
from api.webhooks import service
from api.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead, WebhookUpdate
from api.webhooks.service import WebhookNotFound
from api.core.schemas import MAX_ID

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
WebhookId = Annotated[int, Path(ge=1, le=MAX_ID)]
PROBLEMS = (InvalidAccessToken, Forbidden)


@router.get("", summary="List your webhooks", response_model=Page[WebhookRead], responses=problems(*PROBLEMS))
async def list_webhooks(request: Request, session: ReadSessionDep, actor: AuthenticatedDep) -> Response:
    """The subscriptions you own (an administrator sees all)."""
    items = await service.list_own(session, actor=actor)
    return page_of_models(request, items, None, max(len(items), 1), schema=WebhookRead)


@router.post("", status_code=201, summary="Subscribe a URL to events", response_model=WebhookCreated,
             responses=problems(*PROBLEMS))
async def create_webhook(request: Request, data: WebhookCreate, session: SessionDep,
                         actor: AuthenticatedDep) -> Response:
    """Deliveries are signed with the secret in this answer, which is not shown again (see README)."""
    subscription = await service.create(session, data=data, actor=actor)
    body = WebhookCreated.model_validate(subscription).model_dump_json().encode()
    return json_bytes(body, status_code=201, headers={
        "Cache-Control": "no-store",
        "Location": str(request.url_for("get_webhook", webhook_id=subscription.id))})


@router.get("/{webhook_id}", summary="Read a webhook", response_model=WebhookRead,
            responses=problems(*PROBLEMS, WebhookNotFound))
async def get_webhook(request: Request, webhook_id: WebhookId, session: ReadSessionDep,
                      actor: AuthenticatedDep) -> Response:
    """One of your subscriptions."""
    subscription = await service.get_own(session, webhook_id, actor=actor)
    return model_response(request, subscription, schema=WebhookRead)


@router.patch("/{webhook_id}", summary="Change a webhook", response_model=WebhookRead,
              responses=problems(*PROBLEMS, WebhookNotFound))
async def update_webhook(request: Request, webhook_id: WebhookId, data: WebhookUpdate, session: SessionDep,
                         actor: AuthenticatedDep) -> Response:
    """Change the URL, the event types or the description, or pause it (`is_active: false`)."""
    subscription = await service.get_own(session, webhook_id, actor=actor)
    await service.update_one(session, subscription=subscription, data=data)
    return model_response(request, subscription, schema=WebhookRead)


@router.delete("/{webhook_id}", status_code=204, summary="Delete a webhook",
               responses=problems(*PROBLEMS, WebhookNotFound))
async def delete_webhook(webhook_id: WebhookId, session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Stop deliveries and forget the subscription with its delivery log."""
    subscription = await service.get_own(session, webhook_id, actor=actor)
    await session.delete(subscription)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", summary="A webhook's delivery log", response_model=Page[DeliveryRead],
            responses=problems(*PROBLEMS, WebhookNotFound))
async def list_deliveries(request: Request, webhook_id: WebhookId, session: ReadSessionDep,
                          actor: AuthenticatedDep,
                          status: Literal["pending", "delivered", "failed"] | None = None,
                          limit: Annotated[int, Query(ge=1, le=200)] = 50,
                          cursor: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """Every event sent to this subscription, newest first, with attempts and the last answer or error."""
    subscription = await service.get_own(session, webhook_id, actor=actor)
    items, after = await service.deliveries(session, subscription=subscription, status=status, cursor=cursor,
                                            limit=limit)
    return page_of_models(request, items, after, limit, schema=DeliveryRead)
