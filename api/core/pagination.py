"""Opaque keyset cursors with a stable order (sort key, then id), NULLs last in both directions."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from fastapi import Request
from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, false, or_, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from api.core.errors import ValidationFailed


@dataclass(frozen=True)
class SortKey:
    name: str
    column: InstrumentedAttribute[Any] | ColumnElement[Any]
    descending: bool = False

    @property
    def nullable(self) -> bool:
        column = getattr(self.column, "expression", self.column)
        return bool(getattr(column, "nullable", True))


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


def page_params(*, key: SortKey, cursor: str | None, limit: int) -> dict[str, Any]:
    """The values of a page's bind parameters: the look-ahead page size and where the cursor points."""
    params: dict[str, Any] = {"page_size": limit + 1}
    if cursor:
        params["after_value"], params["after_id"] = decode_cursor(cursor, key.name)
    return params


def cursor_shape(params: dict[str, Any]) -> str:
    """What the SQL of a page depends on besides its filters: no cursor, a cursor among NULLs, or a value."""
    if "after_id" not in params:
        return "first"
    return "null" if params["after_value"] is None else "value"


def keyset(stmt: Select[Any], *, key: SortKey, id_column: Any, cursor: str | None = None, limit: int = 0,
           params: dict[str, Any] | None = None) -> Select[Any]:
    """Order by the key (NULLs last), then id, and continue after the cursor's position.

    The conditions are written as row comparisons where the order allows it, so that PostgreSQL walks the
    (key, id) indexes instead of sorting every matching row. Values are named bind parameters (see
    page_params), so pages of one shape compile to the same SQL; pass `params` when they are already known.
    """
    if params is None:
        params = page_params(key=key, cursor=cursor, limit=limit)
    col = key.column
    desc = key.descending
    order = keyset_order(key, id_column)
    if "after_id" in params:
        stmt = stmt.where(_after(col, id_column, params["after_value"], params["after_id"], desc=desc,
                                 nullable=key.nullable))
    return stmt.order_by(*order).limit(bindparam("page_size", params["page_size"], type_=Integer))


def keyset_order(key: SortKey, id_column: Any) -> list[Any]:
    """ORDER BY of a keyset page: the key (NULLs last), then id, in the key's direction."""
    col = key.column
    direction = (lambda c: c.desc()) if key.descending else (lambda c: c.asc())
    if col is id_column:
        return [direction(id_column)]
    if key.nullable:
        return [col.is_(None), direction(col), direction(id_column)]
    return [direction(col), direction(id_column)]


def _after(col: Any, id_column: Any, value: Any, ident: int, *, desc: bool, nullable: bool) -> ColumnElement[bool]:
    after_id = bindparam("after_id", ident, type_=Integer)
    after_value = bindparam("after_value", value, type_=getattr(col, "type", None))

    def beyond(left: Any, right: Any) -> ColumnElement[bool]:
        return left < right if desc else left > right

    if col is id_column:
        return beyond(id_column, after_id)
    if value is None:  # already among the NULLs, which come last: only the ids beyond remain
        return and_(col.is_(None), beyond(id_column, after_id))
    if not nullable:
        return beyond(tuple_(col, id_column), tuple_(after_value, after_id))
    if not desc:
        return tuple_(col.is_(None), col, id_column) > tuple_(false(), after_value, after_id)
    return or_(col.is_(None), col < after_value, and_(col == after_value, id_column < after_id))


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
