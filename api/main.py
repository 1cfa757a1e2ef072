"""create_app(): routers, problem handlers, middleware, health endpoints."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import select, text

from api.auth.models import User
from api.auth.router import router as auth_router
from api.auth.router import service_accounts_router, users_router
from api.changes.router import router as changes_router
from api.clusters.router import router as clusters_router
from api.core.config import ConfigError, Settings, get_settings
from api.core import metrics, observability
from api.core.db import Database
from api.core.callers import CallerKeys
from api.core.idempotency import Idempotency
from api.core.limits import BodySizeLimit
from api.core.nul import NoNulCharacters
from api.core.ratelimit import RateLimit
from api.core.storage import LocalStorage
from api.core.errors import (PROBLEM_MEDIA_TYPE, BadRequest, FieldError, PayloadTooLarge, Problem, ProblemDetails,
                             ServiceUnavailable, TooManyRequests, Unauthorized, ValidationFailed, install_handlers,
                             problems)
from api.documents.router import router as documents_router
from api.networks.router import router as networks_router
from api.organizations.router import router as organizations_router
from api.sync.router import BATCH_RECORDS
from api.sync.router import router as sync_router
from api.webhooks.router import router as webhooks_router
from api.web import mount_client
from api.criteria.router import router as criteria_router
from api.screenings.router import router as screenings_router
from api.emas.router import router as emas_router
from api.audit.router import router as audit_router
from api.ecocluster.router import router as ecocluster_router
from api.calls.router import router as calls_router
from api.training.router import router as training_router
from api.stats.router import router as stats_router
from api.datasets.router import catalog_router
from api.datasets.router import router as datasets_router
from api.territory.router import router as territory_router
from api.products.router import router as products_router

logger = logging.getLogger("cartesio")

API_PREFIX = "/api/v1"
GC_THRESHOLD = 20_000
DESCRIPTION = """Registry of industrial clusters, districts and homogeneous enterprise systems, their organizations
and the networks they join. Conventions (authentication, pagination, errors, conditional requests) are in
`docs/api.md`."""


def _operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


async def check_startup(db: Database) -> None:
    """Refuse to serve in production with an unsafe set-up."""
    settings = db.settings
    settings.signing_key()
    if settings.environment == "production" and not settings.allow_demo_accounts:
        async with db.read_scope() as session:
            demo = await session.scalar(select(User.email).where(User.is_demo.is_(True)).limit(1))
        if demo is not None:
            raise ConfigError(
                "Demo accounts are present in a production database; remove them "
                "or set CARTESIO_ALLOW_DEMO_ACCOUNTS=true"
            )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings)
        app.state.db = db
        try:
            await check_startup(db)
            await db.rows.open()
            # Everything loaded so far lives as long as the process: keep it out of the cyclic collector's
            # full passes, which otherwise stall every request in flight (measured: the p99 of by-id reads).
            gc.collect()
            gc.freeze()
            # A sync batch allocates millions of short-lived objects that are freed by reference counting;
            # the default thresholds ran several full collections per batch (measured: 0.7 s of a 4 s batch).
            gc.set_threshold(GC_THRESHOLD, 20, 20)
            worker = None
            if settings.worker_in_process:
                from api.webhooks import worker as webhook_worker

                stop = asyncio.Event()
                worker = (stop, asyncio.create_task(webhook_worker.run(db, stop=stop), name="cartesio-worker"))
            try:
                yield
            finally:
                if worker is not None:
                    worker[0].set()
                    await asyncio.wait_for(worker[1], timeout=settings.webhook_timeout_seconds + 5)
        finally:
            await db.dispose()

    app = FastAPI(
        title="Cartesio API", version="1.0.0", description=DESCRIPTION, lifespan=lifespan,
        generate_unique_id_function=_operation_id, docs_url="/docs", redoc_url=None,
    )
    app.state.settings = settings
    app.state.storage = LocalStorage(settings.resolved_storage_dir)
    install_handlers(app)
    # The last added runs first: size limit, then rate limit, then idempotency keys, then the NUL check, then
    # the app.
    callers = CallerKeys(settings)
    app.add_middleware(NoNulCharacters)
    app.add_middleware(Idempotency, settings=settings, callers=callers)
    app.add_middleware(RateLimit, settings=settings, callers=callers)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       batch_max_bytes=settings.sync_batch_max_bytes, upload_max_bytes=settings.upload_max_bytes)
    if settings.resolved_cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.resolved_cors_origins, allow_credentials=True,
                           allow_methods=["*"], allow_headers=["*"], expose_headers=[
                               "ETag", "Link", "Location", "Retry-After", "WWW-Authenticate", "RateLimit-Limit",
                               "RateLimit-Remaining", "RateLimit-Reset", "Idempotent-Replayed", "X-Request-ID"])
    # Around everything, Starlette's error handling included: request ids, access lines, metrics, security headers.
    observability.install(app, settings, callers=callers)

    v1 = APIRouter(prefix=API_PREFIX)
    # Routes match in order: the busiest reads first.
    for router in (clusters_router, organizations_router, networks_router, changes_router, sync_router,
                   webhooks_router, auth_router, users_router, service_accounts_router, documents_router,
                   criteria_router, screenings_router, emas_router, audit_router,
                   ecocluster_router, calls_router, training_router, stats_router,
                   datasets_router, catalog_router, products_router, territory_router):
        v1.include_router(router)
    app.include_router(v1)

    @app.get("/healthz", tags=["health"], summary="Process is up")
    async def healthz() -> dict[str, str]:
        """Liveness: answers while the process runs."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], summary="Database is reachable", responses=problems(ServiceUnavailable))
    async def readyz(request: Request) -> Response:
        """Readiness: the database answers a trivial query."""
        try:
            async with request.app.state.db.read_scope() as session:
                await session.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to reach the database means not ready
            logger.warning("readiness check failed: %s", type(exc).__name__)
            raise ServiceUnavailable("The database is not reachable.") from exc
        return Response(b'{"status":"ready"}', media_type="application/json")

    # Kept out of the OpenAPI document: it is for monitoring, not for integrators (see api/core/metrics.py).
    app.add_api_route("/metrics", metrics.scrape, methods=["GET"], include_in_schema=False)

    client_dir = settings.resolved_client_dir
    if client_dir is not None:
        mount_client(app, client_dir)

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _add_component(components: dict[str, Any], model: type[BaseModel]) -> None:
    body = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in body.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault(model.__name__, body)


def _document_cross_cutting_problems(operation: dict[str, Any], problem_ref: dict[str, str]) -> None:
    """Answers any operation of a kind may give, whatever its route says: a token that is malformed, expired or
    no longer valid (its user deactivated) is 401 wherever a token is read; a body that is not UTF-8 JSON is 400
    and one over the size limit 413 wherever a body is read."""
    responses = operation["responses"]
    kinds: list[type[Problem]] = []
    if operation.get("security"):
        kinds.append(Unauthorized)
    if "requestBody" in operation:
        kinds += [BadRequest, PayloadTooLarge]
    for kind in kinds:
        entry = responses.setdefault(str(kind.status), {"description": kind.title, "content": {
            PROBLEM_MEDIA_TYPE: {"schema": problem_ref}}})
        if kind is Unauthorized:
            entry.setdefault("headers", {"WWW-Authenticate": {"schema": {"type": "string"}}})


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    # Problems are served as application/problem+json; FastAPI documents extra responses as application/json,
    # and its own 422 with a schema we never send.
    problem_ref = {"$ref": "#/components/schemas/ProblemDetails"}
    idempotency_key = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {
        "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
        "description": "Makes a retry safe: the first answer is replayed for 24 hours to requests with the same "
                       "key and body; the same key with another body is 422 (see docs/api.md)."}
    for route, path in schema.get("paths", {}).items():
        for method, operation in path.items():
            if method == "post" and route != API_PREFIX + "/auth/token":
                operation.setdefault("parameters", []).append(idempotency_key)
            if not route.startswith(("/healthz", "/readyz")):
                operation["responses"].setdefault("429", {
                    "description": TooManyRequests.title, "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": problem_ref}}})
            _document_cross_cutting_problems(operation, problem_ref)
            if route.startswith(API_PREFIX):
                # A NUL character anywhere in the request is refused before routing (api/core/nul.py).
                operation["responses"].setdefault("422", {"description": ValidationFailed.title, "content": {
                    PROBLEM_MEDIA_TYPE: {"schema": problem_ref}}})
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status == "422":
                    # A problem with members of its own (a rejected import's rows) keeps its schema.
                    declared = next((c.get("schema") for c in content.values() if c.get("schema")), None) or {}
                    own = declared.get("$ref", "").rsplit("/", 1)[-1] not in ("", "HTTPValidationError",
                                                                               "ProblemDetails")
                    response["description"] = ValidationFailed.title
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": declared if own else problem_ref}}
                elif PROBLEM_MEDIA_TYPE in content and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
                if status == "304":
                    response.pop("content", None)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    # Models that routes reference by hand (bodies read from the raw request) must be in the components too.
    for model in (ProblemDetails, FieldError, *BATCH_RECORDS):
        _add_component(components, model)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    app.openapi_schema = schema
    return schema
