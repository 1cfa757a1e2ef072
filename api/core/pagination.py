"""Opaque keyset cursors with a stable order (sort key, then id), NULLs last in both directions."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from fastapi import Request
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from api.core.errors import ValidationFailed


@dataclass(frozen=True)
class SortKey:
    name: str
    column: InstrumentedAttribute[Any] | ColumnElement[Any]
    descending: bool = False


def encode_cursor(sort: str, value: Any, ident: int) -> str:
    if isinstance(value, datetime):
        value = {"dt": value.isoformat()}
    raw = orjson.dumps([sort, value, ident])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    bad = ValidationFailed(
        "The cursor is not valid for this list; start again without `cursor`.",
        errors=[{"field": "query.cursor", "message": "malformed or stale cursor", "code": "cursor"}],
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        sort_name, value, ident = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except Exception as exc:  # any decoding failure is the client's cursor being wrong
        raise bad from exc
    if sort_name != sort or not isinstance(ident, int) or isinstance(ident, bool):
        raise bad
    if isinstance(value, dict) and "dt" in value:
        try:
            value = datetime.fromisoformat(value["dt"])
        except (TypeError, ValueError) as exc:
            raise bad from exc
    elif value is not None and not isinstance(value, int | float | str):
        raise bad
    return value, ident


def keyset(stmt: Select[Any], *, key: SortKey, id_column: Any, cursor: str | None, limit: int) -> Select[Any]:
    """Order by (key IS NULL, key, id) and continue after the cursor's position."""
    col = key.column
    order = [col.is_(None), col.desc() if key.descending else col.asc(), id_column.desc() if key.descending else id_column.asc()]
    if key.column is id_column:
        order = [id_column.desc() if key.descending else id_column.asc()]
    if cursor:
        value, ident = decode_cursor(cursor, key.name)
        after_id = id_column < ident if key.descending else id_column > ident
        if key.column is id_column:
            cond: ColumnElement[bool] = after_id
        elif value is None:
            cond = and_(col.is_(None), after_id)
        else:
            beyond = col < value if key.descending else col > value
            cond = or_(col.is_(None), beyond, and_(col == value, after_id))
        stmt = stmt.where(cond)
    return stmt.order_by(*order).limit(limit + 1)


def next_cursor(rows: Sequence[Any], *, key_name: str, limit: int, value_of, id_of) -> tuple[list[Any], str | None]:
    """Trim the look-ahead row and build the cursor that points after the last returned row."""
    items = list(rows[:limit])
    if len(rows) <= limit or not items:
        return items, None
    last = items[-1]
    return items, encode_cursor(key_name, value_of(last), id_of(last))


async def fetch_page(session: AsyncSession, stmt: Select[Any], *, key: SortKey, id_column: Any, cursor: str | None,
                     limit: int) -> tuple[list[Any], str | None]:
    """One page of ORM objects in keyset order, and the cursor after it."""
    rows = list((await session.scalars(keyset(stmt, key=key, id_column=id_column, cursor=cursor, limit=limit))).all())
    return next_cursor(rows, key_name=key.name, limit=limit, value_of=lambda o: getattr(o, key.column.key),
                       id_of=lambda o: getattr(o, id_column.key))


def link_header(request: Request, cursor: str | None) -> dict[str, str]:
    if cursor is None:
        return {}
    url = request.url.include_query_params(cursor=cursor)
    return {"Link": f'<{url}>; rel="next"'}
