"""Logs: one JSON object per line (or plain text for people), each with the id of the request it belongs to.

What never reaches a log: request headers, the values of query parameters that carry secrets (tokens, codes,
passwords, keys, signatures) and exception messages, which may quote the values a request sent (a validation
error repeats its input, a database error its parameters); an exception is logged by its type and stack.
"""

from __future__ import annotations

import logging
import logging.config
import re
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

import orjson

from api.core.config import Settings

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

ACCESS_LOGGER = "cartesio.access"
# The extra fields of an access line, in the order they are written.
ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "client", "caller_kind", "caller_id")
REDACTED = "[redacted]"
# A parameter is secret when a part of its name is one of these (client_secret, api_key, code), or when its name
# contains one of the longer words (accesstoken, clientsecret).
_SECRET_PARTS = frozenset({"token", "code", "secret", "password", "passwd", "pwd", "pass", "key", "apikey",
                           "signature", "sig", "auth", "authorization", "credential", "credentials", "session",
                           "jwt", "otp", "pin", "assertion", "nonce"})
_SECRET_WORDS = ("token", "secret", "passw", "apikey", "credential", "signature", "session")
_NAME_PARTS = re.compile(r"[^a-z0-9]+")


def is_secret_parameter(name: str) -> bool:
    lowered = name.lower()
    return any(part in _SECRET_PARTS for part in _NAME_PARTS.split(lowered)) or any(
        word in lowered for word in _SECRET_WORDS)


def redact_query(query: bytes | str) -> str:
    """The query string with the values of secret parameters replaced, the rest as sent."""
    text = query.decode("latin-1") if isinstance(query, bytes) else query
    if not text:
        return ""
    out = []
    for pair in text.split("&"):
        name, sep, _ = pair.partition("=")
        out.append(f"{name}={REDACTED}" if sep and is_secret_parameter(unquote_plus(name)) else pair)
    return "&".join(out)


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def _exception(exc_info: Any) -> str:
    """Type and stack of an exception and of those it was raised from, without their messages."""
    _, exc, _ = exc_info
    parts: list[str] = []
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        stack = "".join(traceback.format_tb(exc.__traceback__))
        module = type(exc).__module__
        name = type(exc).__qualname__ if module == "builtins" else f"{module}.{type(exc).__qualname__}"
        parts.append(f"Traceback (most recent call last):\n{stack}{name}")
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return "\n\nThe above exception led to the following:\n".join(reversed(parts))


@lru_cache(maxsize=4)
def _second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _time(record: logging.LogRecord) -> str:
    """ISO 8601 in UTC to the millisecond; the seconds are formatted once for all the lines they share."""
    seconds = int(record.created)
    return f"{_second(seconds)}.{int((record.created - seconds) * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", "request_id"} and, on access lines, the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {"time": _time(record), "level": record.levelname, "logger": record.name,
                                "message": record.getMessage().rstrip(), "request_id": getattr(record, "request_id", None)}
        for field in ACCESS_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                body[field] = value
        if record.exc_info:
            body["exception"] = _exception(record.exc_info)
        return orjson.dumps(body, default=str).decode()


class TextFormatter(logging.Formatter):
    """One line for people: time, level, logger, request id, message (access lines say what was served)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().rstrip()
        if record.name == ACCESS_LOGGER and getattr(record, "status", None) is not None:
            caller = f" {record.caller_kind}:{record.caller_id}" if getattr(record, "caller_kind", None) else ""
            message = (f"{record.client} {record.method} {_printable(record.path)} {record.status} "
                       f"{record.duration_ms} ms{caller}")
        line = f"{_time(record)} {record.levelname:<7} {record.name} [{getattr(record, 'request_id', None) or '-'}] "
        line += _printable(message)
        if record.exc_info:
            line += "\n" + _exception(record.exc_info)
        return line


def _printable(text: str) -> str:
    # A path or message with a line break must not start a forged log line.
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def stderr_handler() -> logging.Handler:
    """Standard error, which Python's warnings reach through logging too, so that every line is a record."""
    logging.captureWarnings(True)
    return logging.StreamHandler(sys.stderr)


def logging_config(settings: Settings, *, access_log: bool | None = None) -> dict[str, Any]:
    """The dictConfig for the server (uvicorn's loggers included, its access log replaced by ours) and the worker."""
    formatter = JsonFormatter if settings.log_format == "json" else TextFormatter
    level = settings.log_level
    access = settings.access_log if access_log is None else access_log
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {"default": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {"default": {"()": f"{__name__}.stderr_handler", "formatter": "default",
                                 "filters": ["request_id"]}},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            # Our access line (api.core.observability) says more and keeps secrets out; uvicorn's is off.
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            ACCESS_LOGGER: {"handlers": [], "level": level if access else "WARNING", "propagate": True},
        },
    }


def configure(settings: Settings, *, access_log: bool | None = None) -> None:
    logging.config.dictConfig(logging_config(settings, access_log=access_log))
