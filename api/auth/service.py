"""Accounts, sign-in and its throttle."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.errors import (InvalidAccessToken, InvalidCredentials, LoginThrottled, ServiceAccountNotFound,
                             UserNotFound)
from api.auth.models import LoginFailure, ServiceAccount, User
from api.auth.policy import ROLE_SCOPE_KINDS, Action, Role
from api.auth.principal import SCOPE_KINDS, Principal
from api.core.config import Settings
from api.core.db import Database, as_utc, utcnow
from api.core.errors import Conflict, ValidationFailed
from api.core.security import (InvalidToken, TokenClaims, decode_token, hash_password, issue_token,
                               needs_rehash, verify_password)
from api.organizations.models import Organization
# Service accounts reference sync_sources: its table must be in the metadata before the first flush.
from api.sync.models import SyncSource

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REGION_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
MIN_PASSWORD_LENGTH = 10


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message, "code": "value_error"}])


async def _check_organization(session: AsyncSession, organization_id: int | None) -> None:
    # Checked here, not left to the foreign key: a missing one is the caller's 422, not a write conflict.
    if organization_id is not None and await session.get(Organization, organization_id) is None:
        raise ValidationFailed(f"No organization with id {organization_id}.", errors=[{
            "field": "body.organization_id", "message": f"no organization with id {organization_id}",
            "code": "unknown_reference"}])


def validate_scopes(role: str, scopes: list[str]) -> list[str]:
    """Scopes are typed strings; a role may carry only the kinds that mean something for it."""
    allowed = ROLE_SCOPE_KINDS[Role(role)]
    clean: list[str] = []
    for scope in scopes:
        kind, _, value = scope.partition(":")
        if kind not in SCOPE_KINDS or not value:
            raise _invalid("scopes", f"Scope {scope!r} is not of the form KIND:VALUE with KIND in {SCOPE_KINDS}.")
        if kind not in allowed:
            raise _invalid("scopes", f"Role {role} does not take {kind} scopes.")
        if kind == "region" and not REGION_RE.match(value):
            raise _invalid("scopes", f"{value!r} is not a NUTS code (e.g. ITI1).")
        if kind != "region" and not value.isdigit():
            raise _invalid("scopes", f"{kind} scope needs a numeric id, got {value!r}.")
        clean.append(f"{kind}:{value}")
    return clean


async def create_user(
    session: AsyncSession, *, email: str, password: str, role: str, scopes: list[str] | None = None,
    organization_id: int | None = None, full_name: str | None = None, is_demo: bool = False,
) -> User:
    """Create a user account with an argon2id password hash."""
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise _invalid("email", f"{email!r} is not an e-mail address.")
    if role not in Role.__members__:
        raise _invalid("role", f"Unknown role {role!r}; one of {', '.join(Role)}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise _invalid("password", f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    clean_scopes = validate_scopes(role, scopes or [])
    await _check_organization(session, organization_id)
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"A user with e-mail {email} already exists.")
    user = User(email=email, password_hash=hash_password(password), role=role, scopes=clean_scopes,
                organization_id=organization_id, full_name=full_name, is_demo=is_demo)
    session.add(user)
    await session.flush()
    return user


SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


async def ensure_source(session: AsyncSession, name: str, title: str | None = None) -> None:
    """Register a sync source name (e.g. `lombardia`) if it is new."""
    if not SOURCE_RE.match(name):
        raise _invalid("source", f"{name!r} is not a source name (lower-case letters, digits, - and _).")
    if await session.get(SyncSource, name) is None:
        session.add(SyncSource(name=name, title=title))
        await session.flush()


async def create_service_account(
    session: AsyncSession, *, name: str, role: str, scopes: list[str] | None = None, source: str | None = None,
) -> tuple[ServiceAccount, str]:
    """Create an integration's account; the secret is returned once and stored only as a hash."""
    if role not in Role.__members__:
        raise _invalid("role", f"Unknown role {role!r}.")
    if source is not None:
        await ensure_source(session, source)
    secret = secrets.token_urlsafe(32)
    account = ServiceAccount(client_id="cli_" + secrets.token_hex(12), secret_hash=hash_password(secret), name=name,
                             role=role, scopes=validate_scopes(role, scopes or []), source=source)
    session.add(account)
    await session.flush()
    return account, secret


async def update_user(session: AsyncSession, *, user_id: int, changes: dict, actor: Principal) -> User:
    """Change a user's role, scopes, organization, name, password or active flag."""
    actor.require(Action.users_manage)
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        raise UserNotFound(f"No user with id {user_id}.")
    role = changes.get("role") or user.role
    if changes.get("role") is None:
        changes.pop("role", None)
    scopes = changes.get("scopes") if changes.get("scopes") is not None else user.scopes
    user.scopes = validate_scopes(role, scopes)
    await _check_organization(session, changes.get("organization_id"))
    for field in ("role", "organization_id", "full_name"):
        if field in changes:
            setattr(user, field, changes[field])
    if changes.get("is_active") is not None:
        user.is_active = changes["is_active"]
    if changes.get("password"):
        user.password_hash = hash_password(changes["password"])
    await session.flush()
    return user


async def list_users(session: AsyncSession, *, actor: Principal) -> list[User]:
    actor.require(Action.users_manage)
    return list((await session.scalars(select(User).order_by(User.id))).all())


async def list_service_accounts(session: AsyncSession, *, actor: Principal) -> list[ServiceAccount]:
    actor.require(Action.users_manage)
    return list((await session.scalars(select(ServiceAccount).order_by(ServiceAccount.id))).all())


async def update_service_account(session: AsyncSession, *, account_id: int, changes: dict,
                                 actor: Principal) -> ServiceAccount:
    actor.require(Action.users_manage)
    account = await session.get(ServiceAccount, account_id, with_for_update=True)
    if account is None:
        raise ServiceAccountNotFound(f"No service account with id {account_id}.")
    if changes.get("scopes") is not None:
        account.scopes = validate_scopes(account.role, changes["scopes"])
    if changes.get("name"):
        account.name = changes["name"]
    if changes.get("is_active") is not None:
        account.is_active = changes["is_active"]
    await session.flush()
    return account


def _keys(username: str, address: str | None) -> list[str]:
    keys = [f"account:{username.strip().lower()}"]
    if address:
        keys.append(f"address:{address}")
    return keys


async def check_throttle(db: Database, *, username: str, address: str | None) -> None:
    """Refuse a sign-in while the account or the address has too many recent failures."""
    settings = db.settings
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    async with db.read_scope() as session:
        for key in _keys(username, address):
            count, oldest = (await session.execute(
                select(func.count(), func.min(LoginFailure.failed_at))
                .where(LoginFailure.key == key, LoginFailure.failed_at > since)
            )).one()
            limit = settings.login_max_failures if key.startswith("account:") else settings.login_max_failures_per_address
            if count >= limit:
                oldest = as_utc(oldest)
                retry = max(1, int((oldest - since).total_seconds()) + 1)
                raise LoginThrottled(
                    f"Too many failed sign-ins; try again in {retry} seconds.", headers={"Retry-After": str(retry)}
                )


async def record_failure(db: Database, *, username: str, address: str | None) -> None:
    # Its own transaction: the request that failed rolls back, the failure must stay.
    async with db.session_scope() as session:
        session.add_all([LoginFailure(key=key) for key in _keys(username, address)])


async def _succeeded(db: Database, *, username: str, user_id: int | None = None,
                     new_hash: str | None = None) -> None:
    async with db.session_scope() as session:
        await session.execute(delete(LoginFailure).where(LoginFailure.key.in_(_keys(username, None))))
        if user_id is not None and new_hash is not None:
            user = await session.get(User, user_id)
            if user is not None:
                user.password_hash = new_hash


async def sign_in_password(db: Database, *, username: str, password: str, address: str | None) -> tuple[str, int]:
    """Check the password; each outcome is written in its own short transaction (SQLite has one writer)."""
    await check_throttle(db, username=username, address=address)
    async with db.read_scope() as session:
        user = await session.scalar(select(User).where(User.email == username.strip().lower()))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        await record_failure(db, username=username, address=address)
        raise InvalidCredentials("Wrong e-mail or password, or the account is disabled.")
    rehash = hash_password(password) if needs_rehash(user.password_hash) else None
    await _succeeded(db, username=username, user_id=user.id, new_hash=rehash)
    return issue_token(db.settings, TokenClaims(subject=f"user:{user.id}", role=user.role, scopes=user.scopes))


async def sign_in_client(db: Database, *, client_id: str, client_secret: str, address: str | None) -> tuple[str, int]:
    await check_throttle(db, username=client_id, address=address)
    async with db.read_scope() as session:
        account = await session.scalar(select(ServiceAccount).where(ServiceAccount.client_id == client_id))
    ok = verify_password(account.secret_hash if account else None, client_secret)
    if not ok or account is None or not account.is_active:
        await record_failure(db, username=client_id, address=address)
        raise InvalidCredentials("Unknown client or wrong secret, or the client is disabled.")
    await _succeeded(db, username=client_id)
    return issue_token(db.settings, TokenClaims(subject=f"service:{account.id}", role=account.role,
                                                scopes=account.scopes))


async def principal_from_token(session: AsyncSession, settings: Settings, token: str) -> Principal:
    """Decode the token and load its account, so a disabled or deleted account stops at once."""
    try:
        claims = decode_token(settings, token)
    except InvalidToken as exc:
        raise InvalidAccessToken("The access token is not valid.") from exc
    kind, _, raw_id = claims.subject.partition(":")
    if not raw_id.isdigit() or kind not in ("user", "service"):
        raise InvalidAccessToken("The access token is not valid.")
    if kind == "user":
        user = await session.get(User, int(raw_id))
        if user is None or not user.is_active:
            raise InvalidAccessToken("The account of this token no longer exists or is disabled.")
        return Principal.from_scopes(kind="user", id=user.id, role=user.role, scopes=user.scopes,
                                     organization_id=user.organization_id, label=user.email)
    account = await session.get(ServiceAccount, int(raw_id))
    if account is None or not account.is_active:
        raise InvalidAccessToken("The client of this token no longer exists or is disabled.")
    return Principal.from_scopes(kind="service", id=account.id, role=account.role, scopes=account.scopes,
                                 organization_id=None, label=account.name, source=account.source)
