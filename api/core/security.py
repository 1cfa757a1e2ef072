"""Passwords (argon2id) and access tokens (JWT). All JWT code lives here so the library can be swapped."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from jose import jwt
from jose.exceptions import JWTError

from api.core.config import Settings
from api.core.db import utcnow

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps the time of a login for an unknown account equal to a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    role: str
    scopes: list[str] = field(default_factory=list)
    expires_at: float | None = None  # seconds since the epoch, as in the token's exp


class InvalidToken(Exception):
    """The token is malformed, expired, or not ours."""


def issue_token(settings: Settings, claims: TokenClaims) -> tuple[str, int]:
    now = utcnow()
    ttl = settings.access_token_ttl_seconds
    payload = {
        "sub": claims.subject,
        "role": claims.role,
        "scopes": claims.scopes,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
        "jti": secrets.token_urlsafe(12),
    }
    token = jwt.encode(payload, settings.signing_key(), algorithm=settings.jwt_algorithm)
    return token, ttl


def decode_token(settings: Settings, token: str) -> TokenClaims:
    try:
        header = jwt.get_unverified_header(token)
        # Pin the algorithm: a token naming any other (none, RS256 with our secret as key...) is refused.
        if header.get("alg") != settings.jwt_algorithm:
            raise InvalidToken("unexpected algorithm")
        payload = jwt.decode(
            token,
            settings.signing_key(),
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require_exp": True, "require_iat": True, "require_aud": True, "require_iss": True,
                     "require_sub": True, "require_nbf": True, "verify_nbf": True},
        )
    except JWTError as exc:
        raise InvalidToken(str(exc)) from exc
    # The library checks only that iat is a number; a token issued in the future was not issued by us.
    if not isinstance(payload["iat"], int | float) or payload["iat"] > utcnow().timestamp():
        raise InvalidToken("issued in the future")
    role = payload.get("role")
    scopes = payload.get("scopes", [])
    if not isinstance(role, str) or not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise InvalidToken("malformed claims")
    return TokenClaims(subject=str(payload["sub"]), role=role, scopes=scopes, expires_at=float(payload["exp"]))
