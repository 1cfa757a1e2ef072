"""Helpers shared by the benchmark scripts (database URLs, defaults)."""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cartesio_bench"


def database_url() -> str:
    """The bench database, from BENCH_DATABASE_URL or the default."""
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://...) as a plain libpq URI for psycopg.connect()."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def admin_url(url: str) -> str:
    """The same server, database `postgres` (to create the bench database)."""
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


def database_name(url: str) -> str:
    name = make_url(url).database
    if not name:
        raise SystemExit(f"no database name in {url!r}")
    return name


def uvicorn_options() -> list[str]:
    """One uvicorn process with the fastest loop and HTTP parser installed, no access log."""
    opts = ["--workers", "1", "--no-access-log", "--log-level", "warning"]
    try:
        import uvloop  # noqa: F401
        opts += ["--loop", "uvloop"]
    except ImportError:
        opts += ["--loop", "asyncio"]
    try:
        import httptools  # noqa: F401
        opts += ["--http", "httptools"]
    except ImportError:
        opts += ["--http", "h11"]
    return opts
