"""Base schemas: unknown fields are rejected, reads are built from ORM objects."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

# Ids are INTEGER columns: PostgreSQL refuses a larger value as a parameter (500 instead of 404).
MAX_ID = 2**31 - 1


class InputSchema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list; follow `next_cursor` (also sent as `Link: rel="next"`) for the next one."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Opaque; pass as `cursor` to get the next page.")
    limit: int
