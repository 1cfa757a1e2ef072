from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.core.schemas import ReadSchema


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
