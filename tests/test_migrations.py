"""The schema comes only from migrations: up, down and up again, and the models agree with it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

import api.models  # noqa: F401
from api.core import migrate
from api.core.db import Base, make_sync_engine


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same engine as the suite's."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"cartesio_migrations_{uuid.uuid4().hex[:8]}"
    admin = make_sync_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def tables(url: str) -> set[str]:
    engine = make_sync_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_url):
    migrate.upgrade(scratch_url)
    assert tables(scratch_url) == set(Base.metadata.tables)
    migrate.downgrade(scratch_url, "base")
    assert tables(scratch_url) == set()
    migrate.upgrade(scratch_url)
    assert tables(scratch_url) == set(Base.metadata.tables)


# SQLite's reflection cannot read expression indexes (it says so in a warning); the next test checks them by name.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_models_and_migrations_agree(scratch_url):
    migrate.upgrade(scratch_url)
    engine = make_sync_engine(scratch_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_every_index_of_the_models_exists(scratch_url):
    migrate.upgrade(scratch_url)
    engine = make_sync_engine(scratch_url)
    query = ("SELECT name FROM sqlite_master WHERE type = 'index'" if scratch_url.startswith("sqlite")
             else "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    try:
        with engine.connect() as conn:
            present = set(conn.execute(text(query)).scalars())
    finally:
        engine.dispose()
    declared = {index.name for table in Base.metadata.tables.values() for index in table.indexes}
    assert declared <= present, declared - present
