"""Writing many rows at once: executemany everywhere, COPY on PostgreSQL for large sets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import orjson
from sqlalchemy import JSON, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

# Above this many rows, PostgreSQL writes go through COPY: no per-row statement and no per-value parameter
# processing, which measured as most of a large batch's cost.
COPY_THRESHOLD = 200


@contextmanager
def _as_sqlalchemy_errors(statement: str) -> Iterator[None]:
    """A constraint violation met on the driver's connection raised as SQLAlchemy's IntegrityError, as the
    session's statements raise it (the API answers it with a 409)."""
    import psycopg

    try:
        yield
    except psycopg.IntegrityError as exc:
        raise IntegrityError(statement, None, exc) from exc


async def copy_rows(session: AsyncSession, table_name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                    json_at: Sequence[int] = ()) -> None:
    """COPY rows given as sequences in `columns` order; the values at the `json_at` positions are encoded as
    JSON on the way (None stays NULL)."""
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    statement = f"COPY {table_name} ({', '.join(columns)}) FROM STDIN"
    with _as_sqlalchemy_errors(statement):
        await _copy_rows(raw, statement, rows, json_at)


async def _copy_rows(raw: Any, statement: str, rows: Sequence[Sequence[Any]], json_at: Sequence[int]) -> None:
    async with raw.cursor() as cursor:
        async with cursor.copy(statement) as copy:
            write = copy.write_row
            if not json_at:
                for row in rows:
                    await write(row)
                return
            dumps = orjson.dumps
            for row in rows:
                values = list(row)
                for i in json_at:
                    if values[i] is not None:
                        values[i] = dumps(values[i]).decode()
                await write(values)


async def _copy(session: AsyncSession, table_name: str, columns: list[str], json_columns: set[str],
                rows: list[dict[str, Any]]) -> None:
    await copy_rows(session, table_name, columns, [[row[name] for name in columns] for row in rows],
                    [i for i, name in enumerate(columns) if name in json_columns])


def _json_columns(table: Table) -> set[str]:
    return {column.name for column in table.columns if isinstance(column.type, JSON)}


def _postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


async def _staging(session: AsyncSession, table: Table) -> str:
    """An empty temporary copy of `table` (without its indexes and constraints), emptied again at commit."""
    staging = f"staging_{table.name}"
    await session.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
                               f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"))
    await session.execute(text(f"TRUNCATE {staging}"))
    return staging


async def _upsert_many(session: AsyncSession, table: Table, rows: list[dict[str, Any]], updates: list[str]) -> None:
    dialect = postgresql if _postgres(session) else sqlite
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={name: stmt.excluded[name] for name in updates})
    await session.execute(stmt, rows)


async def upsert_rows(session: AsyncSession, table: Table, rows: list[dict[str, Any]], *,
                      keep: Sequence[str] = ("id", "created_at")) -> None:
    """INSERT ... ON CONFLICT (id) DO UPDATE for every row: new rows and replaced ones at once.

    Large sets on PostgreSQL are copied into a temporary table first and upserted from it in one statement.
    """
    if not rows:
        return
    columns = list(rows[0])
    updates = [name for name in columns if name not in keep]
    if _postgres(session) and len(rows) >= COPY_THRESHOLD:
        staging = await _staging(session, table)
        await _copy(session, staging, columns, _json_columns(table), rows)
        names = ", ".join(columns)
        assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in updates)
        await session.execute(text(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} "  # noqa: S608
                                   f"ON CONFLICT (id) DO UPDATE SET {assignments}"))
        return
    await _upsert_many(session, table, rows, updates)


@asynccontextmanager
async def update_rows(session: AsyncSession, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                      keep: Sequence[str] = ("id", "created_at")) -> AsyncIterator[None]:
    """Overwrite stored rows (matched by id) with `rows`, sequences in `columns` order; the `keep` columns stay
    as they are. The block runs while PostgreSQL applies a large set: Python work done there overlaps the
    database's (the session must not be used inside it); its end waits for the statement.

    Large sets on PostgreSQL: COPY into a temporary table, then one UPDATE ... FROM it (an INSERT ... ON
    CONFLICT would first try to insert each row). Otherwise: one INSERT ... ON CONFLICT (id) DO UPDATE,
    before the block.
    """
    columns = list(columns)
    updates = [name for name in columns if name not in keep]
    if not rows or not (_postgres(session) and len(rows) >= COPY_THRESHOLD):
        if rows:
            await _upsert_many(session, table, [dict(zip(columns, row, strict=True)) for row in rows], updates)
        yield
        return
    json_columns = _json_columns(table)
    staging = await _staging(session, table)
    await copy_rows(session, staging, columns, rows, [i for i, name in enumerate(columns) if name in json_columns])
    assignments = ", ".join(f"{name} = s.{name}" for name in updates)
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    statement = f"UPDATE {table.name} AS t SET {assignments} FROM {staging} AS s WHERE t.id = s.id"  # noqa: S608
    running = asyncio.ensure_future(raw.execute(statement))
    try:
        # Let the statement go out before the block keeps the event loop busy.
        for _ in range(3):
            await asyncio.sleep(0)
        yield
    finally:
        with _as_sqlalchemy_errors(statement):
            await running


async def insert_rows(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if _postgres(session) and len(rows) >= COPY_THRESHOLD:
        await _copy(session, table.name, list(rows[0]), _json_columns(table), rows)
        return
    await session.execute(table.insert(), rows)


async def insert_tuples(session: AsyncSession, table: Table, columns: Sequence[str],
                        rows: Sequence[Sequence[Any]]) -> None:
    """As insert_rows, with the rows as sequences in `columns` order (no dict per row)."""
    if not rows:
        return
    columns = list(columns)
    if _postgres(session) and len(rows) >= COPY_THRESHOLD:
        json_columns = _json_columns(table)
        await copy_rows(session, table.name, columns, rows,
                        [i for i, name in enumerate(columns) if name in json_columns])
        return
    await session.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
