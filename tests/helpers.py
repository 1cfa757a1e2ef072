"""Assertions shared by the tests."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.core.config import normalise_database_url
from api.core.db import make_sync_engine


def assert_problem(response, status: int, *, field: str | None = None) -> dict:  # noqa: ANN001
    """The response is an RFC 9457 problem with this status (and, for 422, names this field)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["type"] and body["title"]
    if field is not None:
        assert any(e["field"] == field for e in body.get("errors", [])), body
    return body


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def own_database(tmp: Path, suffix: str) -> Iterator[str]:
    """A fresh database for a server a test starts itself: a SQLite file under tmp, or, when the suite runs on
    PostgreSQL, `<TEST_DATABASE_URL's database>_<suffix>` created beside it and dropped afterwards."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp / f'{suffix}.db'}"
        return
    base = make_url(normalise_database_url(url))
    name = f"{base.database}_{suffix}"

    def run(*statements: str) -> None:
        engine = make_sync_engine(base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            engine.dispose()

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
