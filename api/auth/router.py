from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request, Response

from api.auth import service
from api.auth.deps import AuthenticatedDep
from api.auth.errors import (InvalidAccessToken, InvalidCredentials, LoginThrottled, ServiceAccountNotFound,
                             UserNotFound)
from api.auth.policy import Action
from api.auth.schemas import (MeRead, ServiceAccountCreate, ServiceAccountCreated, ServiceAccountRead,
                              ServiceAccountUpdate, TokenResponse, UserCreate, UserRead, UserUpdate)
from api.core.db import DatabaseDep, ReadSessionDep, SessionDep
from api.core.errors import Conflict, Forbidden, ValidationFailed, problems
from api.core.http import json_bytes, model_response, page_of_models
from api.core.schemas import Page
from api.core.schemas import MAX_ID

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token", response_model=TokenResponse, summary="Get an access token",
    responses=problems(InvalidCredentials, LoginThrottled),
)
async def token(
    request: Request,
    db: DatabaseDep,
    grant_type: Annotated[Literal["password", "client_credentials"], Form()],
    username: Annotated[str | None, Form(max_length=254)] = None,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=1024)] = None,
) -> Response:
    """OAuth2 token endpoint: `password` grant for people (username = e-mail), `client_credentials` for integrations."""
    address = request.client.host if request.client else None
    if grant_type == "password":
        if not username or password is None:
            raise _missing("username and password", "username" if not username else "password")
        access, ttl = await service.sign_in_password(db, username=username, password=password,
                                                     address=address)
    else:
        if not client_id or client_secret is None:
            raise _missing("client_id and client_secret", "client_id" if not client_id else "client_secret")
        access, ttl = await service.sign_in_client(db, client_id=client_id, client_secret=client_secret,
                                                   address=address)
    body = TokenResponse(access_token=access, expires_in=ttl).model_dump_json().encode()
    # RFC 6749 5.1: token answers must not be cached.
    return json_bytes(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _missing(what: str, field: str) -> ValidationFailed:
    return ValidationFailed(f"This grant needs {what}.",
                            errors=[{"field": f"body.{field}", "message": "Field required", "code": "missing"}])


@router.get("/me", response_model=MeRead, summary="Who am I", responses=problems(InvalidAccessToken))
async def me(principal: AuthenticatedDep) -> MeRead:
    """The account behind the access token, with its role and scopes."""
    return MeRead(kind=principal.kind, id=principal.id, role=principal.role, label=principal.label,
                  organization_id=principal.organization_id, regions=list(principal.regions),
                  clusters=list(principal.clusters), organizations=list(principal.organizations),
                  chambers=list(principal.chambers))


users_router = APIRouter(prefix="/users", tags=["users"])
service_accounts_router = APIRouter(prefix="/service-accounts", tags=["service-accounts"])
ADMIN_PROBLEMS = (InvalidAccessToken, Forbidden)


@users_router.get("", response_model=Page[UserRead], summary="List users", responses=problems(*ADMIN_PROBLEMS))
async def list_users(request: Request, session: ReadSessionDep, actor: AuthenticatedDep) -> Response:
    """Every user account (admins)."""
    users = await service.list_users(session, actor=actor)
    return page_of_models(request, users, None, max(len(users), 1), schema=UserRead)


@users_router.post("", status_code=201, response_model=UserRead, summary="Create a user",
                   responses=problems(*ADMIN_PROBLEMS, Conflict))
async def create_user(request: Request, data: UserCreate, session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Create a user account with a role and its scopes (admins)."""
    actor.require(Action.users_manage)
    user = await service.create_user(session, email=data.email, password=data.password, role=data.role,
                                     scopes=data.scopes, organization_id=data.organization_id,
                                     full_name=data.full_name)
    return model_response(request, user, schema=UserRead, status_code=201)


@users_router.patch("/{user_id}", response_model=UserRead, summary="Update a user",
                    responses=problems(*ADMIN_PROBLEMS, UserNotFound))
async def update_user(request: Request, user_id: Annotated[int, Path(ge=1, le=MAX_ID)], data: UserUpdate,
                      session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Change a user's role, scopes, organization or password, or disable the account (admins)."""
    user = await service.update_user(session, user_id=user_id, changes=data.model_dump(exclude_unset=True),
                                     actor=actor)
    return model_response(request, user, schema=UserRead)


@service_accounts_router.get("", response_model=Page[ServiceAccountRead], summary="List service accounts",
                             responses=problems(*ADMIN_PROBLEMS))
async def list_service_accounts(request: Request, session: ReadSessionDep, actor: AuthenticatedDep) -> Response:
    """Every integration's account (admins); secrets are never shown again."""
    accounts = await service.list_service_accounts(session, actor=actor)
    return page_of_models(request, accounts, None, max(len(accounts), 1), schema=ServiceAccountRead)


@service_accounts_router.post("", status_code=201, response_model=ServiceAccountCreated,
                              summary="Create a service account", responses=problems(*ADMIN_PROBLEMS))
async def create_service_account(request: Request, data: ServiceAccountCreate, session: SessionDep,
                                 actor: AuthenticatedDep) -> Response:
    """Create an integration's account; the answer carries the client secret, once."""
    actor.require(Action.users_manage)
    account, secret = await service.create_service_account(session, name=data.name, role=data.role,
                                                           scopes=data.scopes, source=data.source)
    read = ServiceAccountRead.model_validate(account).model_dump()
    body = ServiceAccountCreated(**read, client_secret=secret).model_dump_json().encode()
    return json_bytes(body, status_code=201, headers={"Cache-Control": "no-store"})


@service_accounts_router.patch("/{account_id}", response_model=ServiceAccountRead,
                               summary="Update a service account",
                               responses=problems(*ADMIN_PROBLEMS, ServiceAccountNotFound))
async def update_service_account(request: Request, account_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                                 data: ServiceAccountUpdate, session: SessionDep, actor: AuthenticatedDep) -> Response:
    """Rename, rescope or disable an integration's account (admins)."""
    account = await service.update_service_account(session, account_id=account_id,
                                                   changes=data.model_dump(exclude_unset=True), actor=actor)
    return model_response(request, account, schema=ServiceAccountRead)
