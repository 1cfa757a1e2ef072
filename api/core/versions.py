"""Data versions of aggregates: cheap scalar subqueries over the tables an aggregate reads, whose values change
whenever the aggregate could (see api/stats/service.py), read in one statement for an ETag."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

Version = tuple[Any, ...]


def table_version(count_of: Any, latest: ColumnElement[Any], *where: ColumnElement[bool]) -> list[Any]:
    """Row count and the latest value of a column, as scalar subqueries for one SELECT."""
    return [select(func.count()).select_from(count_of).where(*where).scalar_subquery(),
            select(func.max(latest)).where(*where).scalar_subquery()]


async def read_version(session: AsyncSession, *parts: list[Any]) -> Version:
    """The values of the parts (each a list of scalar subqueries), in one statement."""
    return tuple((await session.execute(select(*[column for part in parts for column in part]))).one())
