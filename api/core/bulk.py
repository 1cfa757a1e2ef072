"""Writing many rows at once: executemany everywhere, COPY on PostgreSQL for large sets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

# Above this many rows, PostgreSQL writes go through COPY: no per-row statement and no per-value parameter
# processing, which measured as most of a large batch's cost.
COPY_THRESHOLD = 200


async def _copy(session: AsyncSession, table_name: str, columns: list[str], json_columns: set[str],
                rows: list[dict[str, Any]]) -> None:
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    json_at = [i for i, name in enumerate(columns) if name in json_columns]
    async with raw.cursor() as cursor:
        async with cursor.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                values = [row[name] for name in columns]
                for i in json_at:
                    if values[i] is not None:
                        values[i] = orjson.dumps(values[i]).decode()
                await copy.write_row(values)


def _json_columns(table: Table) -> set[str]:
    return {column.name for column in table.columns if isinstance(column.type, JSON)}


def _postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


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
        staging = f"staging_{table.name}"
        await session.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
                                   f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"))
        await session.execute(text(f"TRUNCATE {staging}"))
        await _copy(session, staging, columns, _json_columns(table), rows)
        names = ", ".join(columns)
        assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in updates)
        await session.execute(text(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} "  # noqa: S608
                                   f"ON CONFLICT (id) DO UPDATE SET {assignments}"))
        return
    dialect = postgresql if _postgres(session) else sqlite
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={name: stmt.excluded[name] for name in updates})
    await session.execute(stmt, rows)


async def insert_rows(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if _postgres(session) and len(rows) >= COPY_THRESHOLD:
        await _copy(session, table.name, list(rows[0]), _json_columns(table), rows)
        return
    await session.execute(table.insert(), rows)


