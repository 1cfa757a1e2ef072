"""RFC 9457 problem details: exceptions that carry their status, and the handlers that render them."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

import orjson

logger = logging.getLogger("cartesio.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:cartesio:problem:"


class FieldError(BaseModel):
    field: str = Field(description="Path of the bad value, e.g. `body.sectors.0.nace`.")
    message: str
    code: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem; `errors` is present on validation problems."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class Problem(Exception):
    """Base of every error a service may raise; routes never raise HTTPException."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"
    # The documented body; a problem with members of its own names a subclass of ProblemDetails.
    model: ClassVar[type[ProblemDetails]] = ProblemDetails

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    @classmethod
    def type_uri(cls) -> str:
        return PROBLEM_BASE + cls.slug


class BadRequest(Problem):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kw: Any):
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class MethodNotAllowed(Problem):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"


class NotAcceptable(Problem):
    status, slug, title = 406, "not-acceptable", "Not acceptable"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class Gone(Problem):
    status, slug, title = 410, "gone", "Gone"


class PreconditionFailed(Problem):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class ValidationFailed(Problem):
    status, slug, title = 422, "validation-error", "The request is not valid"

    def __init__(self, detail: str | None = None, *, errors: list[dict[str, str]] | None = None, **kw: Any):
        super().__init__(detail, **kw)
        self.errors = errors or []


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many requests"


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


_BY_STATUS: dict[int, type[Problem]] = {
    cls.status: cls
    for cls in (BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, NotAcceptable, Conflict, Gone,
                PreconditionFailed, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, TooManyRequests,
                ServiceUnavailable)
}


def problem_response(
    request: Request | None,
    *,
    status: int,
    type_uri: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"type": type_uri, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def render(request: Request | None, exc: Problem) -> Response:
    extra = dict(exc.extra)
    if isinstance(exc, ValidationFailed):
        extra["errors"] = exc.errors
    return problem_response(
        request, status=exc.status, type_uri=exc.type_uri(), title=exc.title, detail=exc.detail,
        headers=exc.headers, **extra,
    )


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


_NAMED_FIELD = re.compile(r"^([a-z][a-z0-9_]*) (must|is|are|cannot|needs|need|required)\b")


def _claimed_field(err: dict[str, Any], msg: str) -> str | None:
    """A check across fields (a model validator) reports at the model's own path; when its message starts by
    naming one of the model's fields ("valid_until must be after validated_date"), that field is where a form
    shows it."""
    match = _NAMED_FIELD.match(msg)
    if match is None or err.get("type") != "value_error" or not isinstance(err.get("input"), dict):
        return None
    name = match.group(1)
    return name if name in err["input"] or "_" in name or match.group(2) in ("is", "are") else None


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for err in errors:
        msg = str(err.get("msg", "invalid value"))
        # Pydantic prefixes messages of custom validators; the reader needs the reason only.
        msg = msg.removeprefix("Value error, ")
        loc = tuple(err.get("loc", ()))
        claimed = _claimed_field(err, msg)
        if claimed is not None:
            loc = (*loc, claimed)
        out.append({"field": field_path(loc), "message": msg, "code": str(err.get("type", "invalid"))})
    return out


async def _problem_handler(request: Request, exc: Problem) -> Response:
    if exc.status >= 500:
        logger.error("problem %s on %s %s: %s", exc.slug, request.method, request.url.path, exc.detail)
    return render(request, exc)


async def _validation_handler(request: Request, exc: RequestValidationError) -> Response:
    errors = validation_errors(list(exc.errors()))
    fields = ", ".join(e["field"] for e in errors[:5])
    return render(request, ValidationFailed(f"{len(errors)} invalid value(s): {fields}", errors=errors))


async def _http_handler(request: Request, exc: StarletteHTTPException) -> Response:
    cls = _BY_STATUS.get(exc.status_code)
    title = cls.title if cls else HTTPStatus(exc.status_code).phrase
    type_uri = cls.type_uri() if cls else "about:blank"
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    if exc.status_code == 404 and detail in (None, "Not Found"):
        detail = f"No resource at {request.url.path}."
    return problem_response(
        request, status=exc.status_code, type_uri=type_uri, title=title, detail=detail,
        headers=getattr(exc, "headers", None),
    )


async def _integrity_handler(request: Request, exc: IntegrityError) -> Response:
    # A unique or foreign-key constraint caught what the service's own checks could not (two requests at once).
    logger.info("integrity error on %s %s: %s", request.method, request.url.path, type(exc.orig).__name__)
    return render(request, Conflict("The change conflicts with data written at the same time; read again and retry."))


NUL_MESSAGE, NUL_CODE = "The NUL character (U+0000) is not accepted in text.", "nul_character"


async def _data_handler(request: Request, exc: DataError) -> Response:
    # Text the database cannot hold that slipped past the request checks (api/core/nul.py), e.g. inside an
    # uploaded file: the statement failed and the transaction is rolled back, so it is the caller's 422.
    if "NUL" in str(exc.orig):
        return render(request, ValidationFailed(NUL_MESSAGE, errors=[
            {"field": "body", "message": NUL_MESSAGE, "code": NUL_CODE}]))
    return await _unhandled_handler(request, exc)


async def _unhandled_handler(request: Request, exc: Exception) -> Response:
    # Never send a trace or SQL to the client; the log keeps it.
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        request, status=500, type_uri=Problem.type_uri(), title=Problem.title,
        detail="The server could not complete the request.",
    )


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _problem_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(IntegrityError, _integrity_handler)
    app.add_exception_handler(DataError, _data_handler)
    app.add_exception_handler(Exception, _unhandled_handler)


def problems(*classes: type[Problem]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each problem type it may answer with, documented in OpenAPI."""
    out: dict[int | str, dict[str, Any]] = {}
    for cls in (*classes, ValidationFailed):
        entry = out.setdefault(cls.status, {"description": cls.title, "model": cls.model,
                                            "content": {PROBLEM_MEDIA_TYPE: {}}})
        if cls.model is not ProblemDetails:  # its own members are a superset of the common ones
            entry["model"] = cls.model
        if cls.title not in entry["description"]:
            entry["description"] += f"; {cls.title}"
    return out
