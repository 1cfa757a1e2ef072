"""Streaming a dataset from a server-side cursor, in CSV (RFC 4180), JSON Lines or JSON, and freezing
releases."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import ColumnElement, func, select
from sqlalchemy import types as sqltypes
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.policy import Action
from api.auth.principal import Principal
from api.core.db import Database, UTCDateTime, utc_iso
from api.core.errors import NotAcceptable, NotFound, ValidationFailed
from api.core.storage import Storage
from api.datasets.catalogue import DATASETS, Dataset
from api.datasets.models import DatasetRelease

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl", "json": "application/json"}
ACCEPT = {"text/csv": "csv", "application/jsonl": "jsonl", "application/x-ndjson": "jsonl",
          "application/json": "json"}
BATCH = 2000


class DatasetNotFound(NotFound):
    slug, title = "dataset-not-found", "Dataset not found"


class ReleaseNotFound(NotFound):
    slug, title = "dataset-release-not-found", "Release not found"


def get(name: str) -> Dataset:
    dataset = DATASETS.get(name)
    if dataset is None:
        raise DatasetNotFound(f"No dataset named {name!r}; GET /api/v1/datasets lists them.")
    return dataset


def choose_format(requested: str | None, accept: str) -> str:
    """The format asked by `format`, else by Accept; CSV when nothing is said."""
    if requested:
        if requested not in FORMATS:
            raise NotAcceptable(f"Format {requested!r} is not offered; available: {', '.join(FORMATS)}.",
                                available=list(FORMATS))
        return requested
    for part in (p.split(";")[0].strip() for p in accept.split(",") if p.strip()):
        if part in ACCEPT:
            return ACCEPT[part]
        if part in ("*/*", "text/*"):
            return "csv"
    if accept.strip():
        raise NotAcceptable(f"None of {accept!r} is offered; available: {', '.join(FORMATS.values())}.",
                            available=list(FORMATS))
    return "csv"


def statement(dataset: Dataset, modified_since: datetime | None) -> Any:
    stmt = dataset.query()
    if modified_since is not None:
        if dataset.modified is None:
            raise ValidationFailed(f"Dataset {dataset.name} has no modification time to filter on.", errors=[{
                "field": "query.modified_since", "message": "not supported by this dataset", "code": "unsupported"}])
        stmt = stmt.where(dataset.modified() >= modified_since)
    return stmt


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


async def rows(db: Database, stmt: Any) -> AsyncIterator[list[tuple[Any, ...]]]:
    """Batches of rows from a server-side cursor (PostgreSQL) or a stepping cursor (SQLite): memory stays flat."""
    # PostgreSQL's server-side cursors live in a transaction; on SQLite a reader must not BEGIN, or it would
    # queue behind the writer of the same request (a release) for the write lock it does not need.
    engine = db.engine if db.dialect == "postgresql" else db.engine.execution_options(isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        result = await conn.stream(stmt.execution_options(yield_per=BATCH))
        async for batch in result.partitions(BATCH):
            yield [tuple(row) for row in batch]


async def encode(dataset: Dataset, batches: AsyncIterator[list[tuple[Any, ...]]], fmt: str) -> AsyncIterator[bytes]:
    names = [f.name for f in dataset.fields]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
        writer.writerow(names)
        yield out.getvalue().encode()
        async for batch in batches:
            out.seek(0)
            out.truncate()
            writer.writerows([["" if v is None else _plain(v) for v in row] for row in batch])
            yield out.getvalue().encode()
    elif fmt == "jsonl":
        async for batch in batches:
            yield b"".join(orjson.dumps(dict(zip(names, map(_plain, row), strict=True))) + b"\n" for row in batch)
    else:
        yield b"["
        first = True
        async for batch in batches:
            chunk = b",".join(orjson.dumps(dict(zip(names, map(_plain, row), strict=True))) for row in batch)
            if chunk:
                yield chunk if first else b"," + chunk
                first = False
        yield b"]"


def stream(db: Database, dataset: Dataset, stmt: Any, fmt: str) -> AsyncIterator[bytes]:
    """The dataset's rows as bytes in the format: CSV on PostgreSQL from COPY when it can write every column as
    `encode` does, everything else through `encode`."""
    if fmt == "csv" and db.dialect == "postgresql":
        columns = _copy_columns(stmt)
        if columns is not None:
            return _copy_csv(db, dataset, stmt.with_only_columns(*columns))
    return encode(dataset, rows(db, stmt), fmt)


def _copy_columns(stmt: Any) -> list[ColumnElement[Any]] | None:
    """The statement's columns as PostgreSQL must write them so that COPY's CSV is byte for byte `encode`'s, or
    None when a column's type is not one of those (floats, for one, print differently: 45 against 45.0).

    COPY quotes a value as Python's csv writer does (when it holds a comma, a quote, CR or LF; quotes doubled),
    but writes an empty string as "" where csv writes nothing, hence NULLIF. Exact types only: an Enum is a
    String subclass whose values Python would print otherwise.
    """
    out: list[ColumnElement[Any]] = []
    for column in stmt.selected_columns:
        kind = type(column.type)
        if kind is UTCDateTime:  # utc_iso(): ISO 8601 in UTC, microseconds only when there are some, then Z
            text = func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US')
            out.append(func.replace(text, ".000000", "").concat("Z"))
        elif kind is sqltypes.Date:
            out.append(func.to_char(column, "YYYY-MM-DD"))
        elif kind in (sqltypes.String, sqltypes.Text):
            out.append(func.nullif(column, ""))
        elif kind in (sqltypes.Integer, sqltypes.BigInteger, sqltypes.SmallInteger):
            out.append(column)  # an integer sum comes as numeric: the same digits either way
        else:
            return None
    return out


async def _copy_csv(db: Database, dataset: Dataset, stmt: Any) -> AsyncIterator[bytes]:
    """CSV formatted by PostgreSQL (COPY ... TO STDOUT) with CRLF line ends. Formatting in Python cost the server
    16-17 s of CPU per million rows (SQLAlchemy rows, a type check per value, csv.writer), this 3.3-4 s
    (bench/datasets.py). COPY streams: memory stays flat as with the cursor."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([f.name for f in dataset.fields])
    yield out.getvalue().encode()
    async with db.engine.connect() as conn:
        compiled = stmt.compile(dialect=conn.dialect)
        params = {}
        for key, value in compiled.params.items():
            process = compiled.binds[key].type.bind_processor(conn.dialect)
            params[key] = process(value) if process else value
        driver = (await conn.get_raw_connection()).driver_connection
        copy_sql = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, ENCODING 'UTF8')"
        try:
            async with driver.cursor() as cursor, cursor.copy(copy_sql, params) as copy:
                batch: list[Any] = []
                async for line in copy:  # libpq hands out one row per read
                    batch.append(line)
                    if len(batch) == BATCH:
                        yield _crlf(batch)
                        batch = []
                if batch:
                    yield _crlf(batch)
        except BaseException:
            # A client that goes away cancels the COPY, and psycopg closes the connection: the pool must drop it
            # rather than try to roll it back (what SQLAlchemy does by itself when its own cursor fails).
            if driver.closed:
                await conn.invalidate()
            raise


def _crlf(lines: list[Any]) -> bytes:
    """COPY's rows, each ending in LF, with CRLF ends as RFC 4180 (and csv.writer) have them."""
    data = b"".join(lines)
    if data.count(b"\n") == len(lines):  # no line break inside a value: every LF ends a row
        return data.replace(b"\n", b"\r\n")
    return b"".join(bytes(line[:-1]) + b"\r\n" for line in lines)


async def last_modified(session: AsyncSession, dataset: Dataset) -> datetime | None:
    if dataset.modified is None:
        return None
    return await session.scalar(select(func.max(dataset.modified())))


async def count(session: AsyncSession, dataset: Dataset) -> int:
    return await session.scalar(select(func.count()).select_from(dataset.query().order_by(None).subquery())) or 0


async def release(db: Database, session: AsyncSession, *, dataset: Dataset, storage: Storage,
                  actor: Principal) -> DatasetRelease:
    """Freeze the dataset as it is now, in every format, with each file's sha256 (administrators)."""
    actor.require(Action.datasets_release)
    number = (await session.scalar(select(func.max(DatasetRelease.number))
                                   .where(DatasetRelease.dataset == dataset.name)) or 0) + 1
    files: dict[str, Any] = {}
    total = await count(session, dataset)
    try:
        for fmt in FORMATS:
            stored = await storage.save(stream(db, dataset, dataset.query(), fmt),
                                        filename=f"{dataset.name}.{fmt}", max_bytes=2**40, sniff=False)
            files[fmt] = {"storage_key": stored.key, "sha256": stored.sha256, "size": stored.size}
        row = DatasetRelease(dataset=dataset.name, number=number, rows=total, files=files, created_by=actor.key,
                             note="The dataset had no rows when it was released." if total == 0 else None)
        session.add(row)
        await session.flush()
    except BaseException:
        for item in files.values():
            await storage.delete(item["storage_key"])
        raise
    return row


async def releases(session: AsyncSession, dataset: Dataset) -> list[DatasetRelease]:
    return list((await session.scalars(select(DatasetRelease).where(DatasetRelease.dataset == dataset.name)
                                       .order_by(DatasetRelease.number))).all())


async def get_release(session: AsyncSession, dataset: Dataset, number: int) -> DatasetRelease:
    row = await session.scalar(select(DatasetRelease).where(DatasetRelease.dataset == dataset.name,
                                                            DatasetRelease.number == number))
    if row is None:
        raise ReleaseNotFound(f"Dataset {dataset.name} has no release {number}.")
    return row
