from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request

from api.auth import service
from api.auth.deps import AuthenticatedDep
from api.auth.errors import InvalidCredentials, LoginThrottled
from api.auth.schemas import MeRead, TokenResponse
from api.core.db import DatabaseDep, SessionDep
from api.core.errors import ValidationFailed, problems

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token", response_model=TokenResponse, summary="Get an access token",
    responses=problems(InvalidCredentials, LoginThrottled),
)
async def token(
    request: Request,
    db: DatabaseDep,
    session: SessionDep,
    grant_type: Annotated[Literal["password", "client_credentials"], Form()],
    username: Annotated[str | None, Form(max_length=254)] = None,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=1024)] = None,
) -> TokenResponse:
    """OAuth2 token endpoint: `password` grant for people (username = e-mail), `client_credentials` for integrations."""
    address = request.client.host if request.client else None
    if grant_type == "password":
        if not username or password is None:
            raise _missing("username and password", "username" if not username else "password")
        access, ttl = await service.sign_in_password(db, session, username=username, password=password,
                                                     address=address)
    else:
        if not client_id or client_secret is None:
            raise _missing("client_id and client_secret", "client_id" if not client_id else "client_secret")
        access, ttl = await service.sign_in_client(db, session, client_id=client_id, client_secret=client_secret,
                                                   address=address)
    return TokenResponse(access_token=access, expires_in=ttl)


def _missing(what: str, field: str) -> ValidationFailed:
    return ValidationFailed(f"This grant needs {what}.",
                            errors=[{"field": f"body.{field}", "message": "Field required", "code": "missing"}])


@router.get("/me", response_model=MeRead, summary="Who am I", responses=problems(InvalidCredentials))
async def me(principal: AuthenticatedDep) -> MeRead:
    """The account behind the access token, with its role and scopes."""
    return MeRead(kind=principal.kind, id=principal.id, role=principal.role, label=principal.label,
                  organization_id=principal.organization_id, regions=list(principal.regions),
                  clusters=list(principal.clusters), organizations=list(principal.organizations),
                  chambers=list(principal.chambers))
