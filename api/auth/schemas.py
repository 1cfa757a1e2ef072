from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.auth.policy import Role
from api.core.schemas import InputSchema, ReadSchema
from api.core.schemas import MAX_ID


class TokenResponse(ReadSchema):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


class MeRead(ReadSchema):
    kind: Literal["user", "service"]
    id: int
    role: str
    label: str = Field(description="The user's e-mail or the service account's name.")
    organization_id: int | None
    regions: list[str]
    clusters: list[int]
    organizations: list[int]
    chambers: list[int]


class UserCreate(InputSchema):
    email: str = Field(max_length=254)
    password: str = Field(min_length=10, max_length=1024)
    role: Role
    scopes: list[str] = Field(default_factory=list, max_length=100,
                              description="region:NUTS, cluster:ID, organization:ID or chamber:ID.")
    organization_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    full_name: str | None = Field(default=None, max_length=200)


class UserUpdate(InputSchema):
    role: Role | None = None
    scopes: list[str] | None = Field(default=None, max_length=100)
    organization_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    full_name: str | None = Field(default=None, max_length=200)
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=1024)


class UserRead(ReadSchema):
    id: int
    email: str
    role: Role
    scopes: list[str]
    organization_id: int | None
    full_name: str | None
    is_active: bool
    demo: bool = Field(validation_alias="is_demo")
    created_at: datetime
    updated_at: datetime


class ServiceAccountCreate(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    role: Role
    scopes: list[str] = Field(default_factory=list, max_length=100)
    source: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
                               description="The sync source it writes as, e.g. `lombardia`; registered if new.")


class ServiceAccountUpdate(InputSchema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    scopes: list[str] | None = Field(default=None, max_length=100)
    is_active: bool | None = None


class ServiceAccountRead(ReadSchema):
    id: int
    client_id: str
    name: str
    role: Role
    scopes: list[str]
    source: str | None
    is_active: bool
    created_at: datetime


class ServiceAccountCreated(ServiceAccountRead):
    client_secret: str = Field(description="Shown only in this answer; it is stored hashed.")
