"""Engine, declarative base and the per-request session that commits or rolls back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Index, MetaData, Select, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine import Engine, create_engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from api.core.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every engine; SQLite keeps no zone, so we store and read UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return as_utc(value)


def as_utc(value: datetime | None) -> datetime | None:
    """A datetime read back from the database, as aware UTC (SQLite returns naive values in aggregates)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_iso(value: datetime) -> str:
    """ISO 8601 in UTC with a Z, as Pydantic writes the other resources' timestamps."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def sort_indexes(table: str, *, plain: tuple[str, ...] = (), nullable: tuple[str, ...] = (),
                 include: tuple[str, ...] = ()) -> tuple[Index, ...]:
    """Indexes that serve keyset pages in both directions (see api.core.pagination.keyset).

    A NOT NULL key needs (key, id); a nullable one is ordered NULLs last, as ((key IS NULL), key, id), and
    descending as ((key IS NULL), key DESC, id DESC), which a single index cannot serve both ways. On
    PostgreSQL the (key, id) indexes also carry the `include` columns, so that a filtered page finds its ids
    with an index-only scan before it reads any row.
    """
    out = [Index(f"ix_{table}_{col}_id", col, "id", postgresql_include=list(include)) for col in plain]
    for col in nullable:
        out.append(Index(f"ix_{table}_{col}_asc", text(f"({col} IS NULL)"), col, "id"))
        out.append(Index(f"ix_{table}_{col}_desc", text(f"({col} IS NULL)"), text(f"{col} DESC"), text("id DESC")))
    return tuple(out)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def async_url(url: str) -> str:
    return "sqlite+aiosqlite://" + url[len("sqlite://") :] if url.startswith("sqlite://") else url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers run beside the one writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode a commit has written its frames to the WAL before it returns; NORMAL leaves only the fsync to
    # checkpoints. A killed process loses no commit (tests/test_crash.py); an OS crash or power cut may lose the
    # last ones, never corrupting the file. FULL would close that too, at one fsync per commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # Take transaction control from the driver so that BEGIN is ours (see _sqlite_begin).
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn) -> None:
    # Writers take the write lock at BEGIN, so two of them queue on busy_timeout instead of one failing
    # when it upgrades a read lock; read-only sessions run in autocommit and never get here.
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sync_engine(url: str, **kw) -> Engine:
    engine = create_engine(url, **kw)
    if is_sqlite(url):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def make_async_engine(settings: Settings) -> AsyncEngine:
    url = settings.resolved_database_url
    if is_sqlite(url):
        engine = create_async_engine(async_url(url), echo=settings.db_echo)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        url,
        echo=settings.db_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,
    )


class RowReader:
    """Single-row reads by primary key on the hot path, with the least work per request.

    On PostgreSQL it keeps its own psycopg pool in autocommit (no BEGIN/ROLLBACK, no ORM, statements
    prepared by the server after a few uses); measured, this is what separates a by-id read from the cost of a
    bare Starlette app (see bench/README.md). Elsewhere it reads through the SQLAlchemy engine.
    """

    def __init__(self, settings: Settings, engine: AsyncEngine):
        # Reads need no transaction: on SQLite a BEGIN would take the write lock (see _sqlite_begin).
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.pool = None
        self._compiled: dict[Hashable, str] = {}
        url = settings.resolved_database_url
        if engine.dialect.name == "postgresql":
            from psycopg_pool import AsyncConnectionPool

            conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
            self.pool = AsyncConnectionPool(conninfo, min_size=2, max_size=settings.db_read_pool_size, open=False,
                                            kwargs={"autocommit": True})

    async def open(self) -> None:
        if self.pool is not None:
            await self.pool.open()

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def select(self, shape: Hashable, build: Callable[[], Select[Any]], params: dict[str, Any]) -> list[tuple]:
        """Run the SELECT that `build` makes, whose SQL depends only on `shape`; `params` holds every value.

        On PostgreSQL the statement is compiled once per shape and run on the read pool, which spares the
        per-request statement building and ORM result handling that dominate a list page's CPU.
        """
        if self.pool is None:
            async with self.engine.connect() as conn:
                return [tuple(row) for row in await conn.execute(build(), params)]
        sql = self._compiled.get(shape)
        if sql is None:
            if len(self._compiled) >= 512:
                self._compiled.clear()
            compiled = build().compile(dialect=self.engine.dialect)
            missing = set(compiled.params) - set(params)
            if missing:  # a value was baked into the statement: its SQL would not be the same for the shape
                raise ValueError(f"bind parameters without a value: {sorted(missing)}")
            sql = self._compiled[shape] = str(compiled)
        async with self.pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            return await cursor.fetchall()

    async def by_id(self, table: str, columns: str, ident: int) -> tuple | None:
        """`SELECT columns FROM table WHERE id = ident`; table and columns are names from our code, never input."""
        if self.pool is not None:
            async with self.pool.connection() as conn:
                cursor = await conn.execute(f"SELECT {columns} FROM {table} WHERE id = %s", (ident,))  # noqa: S608
                return await cursor.fetchone()
        async with self.engine.connect() as conn:
            result = await conn.execute(text(f"SELECT {columns} FROM {table} WHERE id = :id"), {"id": ident})  # noqa: S608
            row = result.first()
            return tuple(row) if row is not None else None


class Database:
    """The app's engine and session factory, created in the lifespan and kept on app.state."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.url = settings.resolved_database_url
        self.engine = make_async_engine(settings)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.rows = RowReader(settings, self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session_scope(self) -> AsyncIterator[AsyncSession]:
        """One transaction: commit on success, roll back on any error. Used by requests and the CLI."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def read_scope(self) -> AsyncIterator[AsyncSession]:
        """A read-only session in autocommit: no BEGIN/ROLLBACK round trip around a GET."""
        async with self.sessionmaker() as session:
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            yield session

    async def dispose(self) -> None:
        await self.rows.close()
        await self.engine.dispose()


def get_database(request: Request) -> Database:
    return request.app.state.db


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.session_scope() as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.read_scope() as session:
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit is a failed request.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]
