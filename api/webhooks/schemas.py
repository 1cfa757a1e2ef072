from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AnyHttpUrl, Field, UrlConstraints, field_validator

from api.changes.service import EVENTS, RESOURCE_TYPES
from api.core.schemas import InputSchema, ReadSchema

EVENT_TYPES = tuple(f"{singular}.{event}" for singular in RESOURCE_TYPES.values() for event in EVENTS)
URL_MAX_LENGTH = 2000  # the column's


def _fits(url: AnyHttpUrl) -> AnyHttpUrl:
    # Measured as stored: the normalised form may be a character longer than what was sent.
    if len(str(url)) > URL_MAX_LENGTH:
        raise ValueError(f"the URL is longer than {URL_MAX_LENGTH} characters")
    return url


DeliveryUrl = Annotated[AnyHttpUrl, UrlConstraints(max_length=URL_MAX_LENGTH), AfterValidator(_fits)]
EventPattern = Annotated[str, Field(min_length=1, max_length=64, examples=["cluster.updated", "organization.*"])]


def check_event_types(values: list[str]) -> list[str]:
    """Known event types, `<resource>.*` for every event of a resource, or `*` for all."""
    wildcards = {f"{singular}.*" for singular in RESOURCE_TYPES.values()} | {"*"}
    unknown = [v for v in values if v not in EVENT_TYPES and v not in wildcards]
    if unknown:
        raise ValueError(f"unknown event type(s) {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}, "
                         "RESOURCE.* or *")
    return list(dict.fromkeys(values))


class WebhookCreate(InputSchema):
    url: DeliveryUrl = Field(description="Where deliveries are POSTed (http or https), at most 2000 characters.")
    event_types: list[EventPattern] = Field(min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=500)

    @field_validator("event_types")
    @classmethod
    def _types(cls, values: list[str]) -> list[str]:
        return check_event_types(values)


class WebhookUpdate(InputSchema):
    url: DeliveryUrl | None = None
    event_types: list[EventPattern] | None = Field(default=None, min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=500)
    is_active: bool | None = None

    @field_validator("event_types")
    @classmethod
    def _types(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else check_event_types(values)


class WebhookRead(ReadSchema):
    id: int
    url: str
    event_types: list[str]
    description: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="HMAC-SHA256 key of the signatures; shown only in this answer.")


class DeliveryRead(ReadSchema):
    id: int
    event_id: str
    event_type: str
    status: str = Field(description="pending, delivered, or failed (gave up after the retry window).")
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status: int | None = Field(description="HTTP status of the last attempt, if an answer came.")
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
