"""Who is calling, cheaply, for middleware that keys state by caller (rate limits, idempotency keys).

The bearer token's signature is verified (a forged subject must not spend someone else's budget); whether the
account is still active is left to the route, as usual. Verified tokens are remembered until they expire.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from starlette.types import Scope

from api.core.config import Settings
from api.core.security import InvalidToken, decode_token

_CACHE_SIZE = 4096


class CallerKeys:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._tokens: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def of(self, scope: Scope) -> tuple[str, bool]:
        """("user:7" | "service:3", True) for a valid token, else ("address:IP", False)."""
        token = None
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, credentials = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and credentials:
                    token = credentials.strip()
                break
        if token is not None:
            subject = self._subject(token)
            if subject is not None:
                return subject, True
        client = scope.get("client")
        return f"address:{client[0] if client else 'unknown'}", False

    def _subject(self, token: str) -> str | None:
        now = time.time()
        hit = self._tokens.get(token)
        if hit is not None:
            subject, expires = hit
            if expires > now:
                self._tokens.move_to_end(token)
                return subject
            del self._tokens[token]
        try:
            claims = decode_token(self.settings, token)
        except InvalidToken:
            return None
        self._tokens[token] = (claims.subject, claims.expires_at or now + 60)
        if len(self._tokens) > _CACHE_SIZE:
            self._tokens.popitem(last=False)
        return claims.subject
