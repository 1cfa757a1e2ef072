"""Alembic environment: one schema source for SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool, text

import api.models  # noqa: F401  (registers every table on the metadata)
from api.core.config import get_settings, normalise_database_url
from api.core.db import Base, make_sync_engine

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    # The CLI and the tests pass the URL explicitly; otherwise the settings decide.
    url = config.attributes.get("database_url") or get_settings().resolved_database_url
    return normalise_database_url(url)


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_sync_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


# Several replicas may start at once and each runs `cartesio db upgrade`: on PostgreSQL they queue on this
# advisory lock, so one migrates and the others find the schema current.
MIGRATION_LOCK_KEY = 0x6361727465736930


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True)
    locking = connection.dialect.name == "postgresql"
    if locking:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if locking:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
