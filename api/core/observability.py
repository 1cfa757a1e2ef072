"""Request ids, the access line and request metrics, in one pure ASGI layer around the whole app.

The layer sits outside Starlette's ServerErrorMiddleware (see install), so that the 500 answered for an
unhandled error also carries its X-Request-ID and security headers, and is logged and counted.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core import metrics
from api.core.callers import CallerKeys
from api.core.config import Settings
from api.core.headers import SecurityHeaders
from api.core.logs import ACCESS_LOGGER, redact_query, request_id

HEADER = b"x-request-id"
MAX_ID_LENGTH = 128

access = logging.getLogger(ACCESS_LOGGER)


def given_id(value: bytes) -> str | None:
    """The caller's X-Request-ID when it is sane: 1 to 128 printable ASCII characters."""
    if 0 < len(value) <= MAX_ID_LENGTH and all(0x20 <= byte <= 0x7E for byte in value):
        return value.decode("ascii")
    return None


class RequestContext:
    def __init__(self, app: ASGIApp, *, callers: CallerKeys | None = None):
        self.app = app
        self.callers = callers
        self.metrics = metrics.RequestMetrics()
        self._fixed_paths: frozenset[str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, self._lifespan_send(send))
            else:
                await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = None
        for name, value in scope["headers"]:
            if name == HEADER:
                rid = given_id(value)
                break
        if rid is None:
            rid = os.urandom(16).hex()
        token = request_id.set(rid)
        header = (HEADER, rid.encode("ascii"))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe(scope["method"], self._route(scope), status, elapsed)
            self.metrics.maybe_sample(getattr(scope["app"].state, "db", None) if "app" in scope else None)
            if access.isEnabledFor(logging.INFO):
                self._log(scope, status, elapsed)
            request_id.reset(token)

    def _route(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is not None:
            # A route of an included router knows only its own part of the path; FastAPI keeps the whole template
            # in its scope (a test checks this stays so).
            context = scope.get("fastapi", {}).get("effective_route_context")
            return getattr(context, "path_format", None) or route.path
        # Routes Starlette adds itself (/docs, /openapi.json) leave no route in the scope; their paths are fixed.
        if self._fixed_paths is None and "app" in scope:
            self._fixed_paths = frozenset(r.path for r in scope["app"].routes
                                          if "{" not in getattr(r, "path", "{"))
        path = scope["path"]
        return path if self._fixed_paths and path in self._fixed_paths else metrics.UNMATCHED

    def _log(self, scope: Scope, status: int, elapsed: float) -> None:
        path = scope["path"]
        query = scope.get("query_string")
        if query:
            path += "?" + redact_query(query)
        client = scope.get("client")
        extra: dict[str, Any] = {"method": scope["method"], "path": path, "status": status,
                                 "duration_ms": round(elapsed * 1000, 2), "client": client[0] if client else None}
        if self.callers is not None:
            caller, authenticated = self.callers.of(scope)
            if authenticated:
                kind, _, ident = caller.partition(":")
                extra["caller_kind"], extra["caller_id"] = kind, ident
        # makeRecord and handle rather than info(): the caller's frame, which info() looks up, is always this one.
        access.handle(access.makeRecord(ACCESS_LOGGER, logging.INFO, __file__, 0, "%s %s %s",
                                        (scope["method"], path, status), None, extra=extra))

    @staticmethod
    def _lifespan_send(send: Send) -> Send:
        async def lifespan_send(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                metrics.process_stopped()
            await send(message)

        return lifespan_send


def install(app: FastAPI, settings: Settings, *, callers: CallerKeys | None = None) -> None:
    """Wrap the app's whole stack, Starlette's error handling included, in the request context and headers."""
    build = app.build_middleware_stack

    def build_with_context() -> ASGIApp:
        return RequestContext(SecurityHeaders(build(), settings=settings), callers=callers)

    app.build_middleware_stack = build_with_context  # type: ignore[method-assign]
