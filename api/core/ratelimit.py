"""Per-client token buckets: `rate` requests per second sustained, `burst` at once; 429 beyond.

Buckets live in the process: with several processes, each allows the configured rate, so divide the rate by
the number of processes (documented in README). Responses carry RateLimit-Limit / -Remaining / -Reset (IETF
httpapi draft) and a 429 carries Retry-After.
"""

from __future__ import annotations

import math
import time

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.callers import CallerKeys
from api.core.config import Settings
from api.core.errors import TooManyRequests, render

# Only the API is metered: health checks and the web client's files (hashed, cached) are not.
METERED = "/api/"


class Bucket:
    __slots__ = ("tokens", "stamp")

    def __init__(self, tokens: float, stamp: float):
        self.tokens, self.stamp = tokens, stamp


class RateLimit:
    def __init__(self, app: ASGIApp, *, settings: Settings, callers: CallerKeys):
        self.app = app
        self.callers = callers
        self.limits = {True: (settings.rate_limit_per_second, settings.rate_limit_burst),
                       False: (settings.rate_limit_anonymous_per_second, settings.rate_limit_anonymous_burst)}
        self.buckets: dict[str, Bucket] = {}
        self._swept = time.monotonic()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(METERED):
            await self.app(scope, receive, send)
            return
        caller, authenticated = self.callers.of(scope)
        rate, burst = self.limits[authenticated]
        if rate <= 0:
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        bucket = self.buckets.get(caller)
        if bucket is None:
            bucket = self.buckets[caller] = Bucket(float(burst), now)
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        if now - self._swept > 60:
            self._sweep(now)
        if bucket.tokens < 1:
            retry = max(1, math.ceil((1 - bucket.tokens) / rate))
            headers = {"Retry-After": str(retry), **_headers(burst, 0, retry)}
            problem = TooManyRequests(f"More than {rate:g} requests per second (burst {burst}); retry in {retry} s.",
                                      headers=headers)
            await render(Request(scope), problem)(scope, receive, send)
            return
        bucket.tokens -= 1
        extra = [(k.lower().encode(), v.encode()) for k, v in _headers(
            burst, int(bucket.tokens), math.ceil((burst - bucket.tokens) / rate)).items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _sweep(self, now: float) -> None:
        # Forget clients whose bucket has refilled: they would start full anyway.
        self._swept = now
        for caller, bucket in list(self.buckets.items()):
            rate, burst = self.limits[not caller.startswith("address:")]
            if rate > 0 and bucket.tokens + (now - bucket.stamp) * rate >= burst:
                del self.buckets[caller]


def _headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {"RateLimit-Limit": str(limit), "RateLimit-Remaining": str(max(remaining, 0)),
            "RateLimit-Reset": str(max(reset, 0))}
