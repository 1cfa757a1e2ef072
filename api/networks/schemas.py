from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from api.clusters.schemas import Slug
from api.core.schemas import InputSchema, ReadSchema
from api.organizations.schemas import OrganizationRef
from api.core.schemas import MAX_ID


class NetworkRole(StrEnum):
    promoter = "promoter"
    referent = "referent"
    adherent = "adherent"


class GroupKind(StrEnum):
    technical_scientific_committee = "technical_scientific_committee"
    working_group = "working_group"


class NetworkCreate(InputSchema):
    name: str = Field(min_length=1, max_length=300)
    slug: Slug
    full_name: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=20_000)
    objectives: list[str] = Field(default_factory=list, max_length=50)
    website: str | None = Field(default=None, max_length=300)


class NetworkUpdate(InputSchema):
    name: str | None = Field(default=None, min_length=1, max_length=300)
    full_name: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=20_000)
    objectives: list[str] | None = Field(default=None, max_length=50)
    website: str | None = Field(default=None, max_length=300)


class MemberRoleRead(ReadSchema):
    role: NetworkRole
    title: str
    definition: str | None


class GroupMemberRead(ReadSchema):
    organization: OrganizationRef
    role: str


class GroupRead(ReadSchema):
    id: int
    kind: GroupKind
    name: str
    mandate: list[str]
    members: list[GroupMemberRead]


class NetworkSourceRead(ReadSchema):
    document: str
    locator: str | None

    @field_validator("document", mode="before")
    @classmethod
    def _key(cls, v: object) -> str:
        return getattr(v, "key", v)  # type: ignore[return-value]


class NetworkRead(ReadSchema):
    id: int
    slug: str
    name: str
    full_name: str | None
    description: str | None
    objectives: list[str]
    website: str | None
    member_roles: list[MemberRoleRead]
    groups: list[GroupRead]
    sources: list[NetworkSourceRead]
    version: int
    created_at: datetime
    updated_at: datetime


class NetworkMemberCreate(InputSchema):
    organization_id: int = Field(ge=1, le=MAX_ID)
    role: NetworkRole
    joined_date: date | None = None
    left_date: date | None = None
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _dates(self) -> NetworkMemberCreate:
        if self.joined_date and self.left_date and self.left_date < self.joined_date:
            raise ValueError("left_date is before joined_date")
        return self


class NetworkMemberUpdate(InputSchema):
    """Record that a member left (left_date), or correct a role or note."""

    role: NetworkRole | None = None
    joined_date: date | None = None
    left_date: date | None = None
    note: str | None = Field(default=None, max_length=2000)


class NetworkMemberRead(ReadSchema):
    id: int
    organization: OrganizationRef
    role: NetworkRole
    joined_date: date | None
    left_date: date | None
    current: bool = Field(description="True while the membership has no left_date.")
    note: str | None


class CommitmentRead(ReadSchema):
    number: int
    text: str


class SignatureRead(ReadSchema):
    organization: OrganizationRef
    signed_date: date | None
    signed_by: str | None


class DeclarationRead(ReadSchema):
    id: int
    key: str
    title: str
    preamble: str | None
    commitments: list[CommitmentRead]
    signatures: list[SignatureRead]


class SignatureCreate(InputSchema):
    organization_id: int = Field(ge=1, le=MAX_ID)
    signed_date: date | None = None
    signed_by: str | None = Field(default=None, max_length=200)
