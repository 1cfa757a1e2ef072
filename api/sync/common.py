"""What the cluster and organization upserts share: the per-source lock, the checks of a batch, id
allocation, look-ups by many values, and the errors that name the record they are about."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import any_, bindparam, delete, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.policy import Action
from api.auth.principal import Principal, Target
from api.core.errors import Forbidden, NotFound, PreconditionFailed, ValidationFailed

CHUNK = 1000  # values per IN list or multi-row INSERT


class UnknownSource(NotFound):
    slug, title = "unknown-source", "Unknown sync source"


@dataclass
class RecordErrors:
    """Every problem of a batch, each tied to its record; raised together so the client fixes all at once."""

    problems: list[tuple[int, str, str, str]] = field(default_factory=list)  # index, field, message, code
    forbidden: list[int] = field(default_factory=list)

    def add(self, index: int, field_name: str, message: str, code: str = "value_error") -> None:
        self.problems.append((index, field_name, message, code))

    def raise_if_any(self, *, single: bool = False) -> None:
        if self.forbidden:
            shown = ", ".join(str(i) for i in self.forbidden[:20])
            raise Forbidden("Writing outside your source or regions: " + (
                "the record is not yours to write." if single else f"records {shown}."),
                records=self.forbidden if not single else None)
        if not self.problems:
            return
        # A PUT has one record: its fields are the body's own. A batch names each record by its index.
        errors = [{"field": f"body.{name}" if single else f"body.{index}.{name}", "message": message, "code": code}
                  | ({} if single else {"index": index}) for index, name, message, code in self.problems]
        records = len({index for index, *_ in self.problems})
        raise ValidationFailed(f"{len(errors)} invalid value(s) in {records} record(s).", errors=errors)


def _may_write(actor: Principal, source: str) -> Callable[[str | None], bool]:
    """Whether the actor may write a record of `source` in a region; asked once per region code, as a batch's
    records share a handful of them."""
    answers: dict[str | None, bool] = {}

    def may(region_code: str | None) -> bool:
        answer = answers.get(region_code)
        if answer is None:
            answer = answers[region_code] = actor.can(Action.sync_write, Target(
                region_codes=(region_code,) if region_code else (), source=source))
        return answer

    return may


def check_records(records: Sequence[tuple[str, Any]], *, source: str, actor: Principal,
                  errors: RecordErrors) -> dict[str, int]:
    """External ids must not repeat, and each record must lie in the caller's source and regions.

    Returns the index of each external id's first record."""
    seen: dict[str, int] = {}
    may = _may_write(actor, source)
    for index, (external_id, data) in enumerate(records):
        if external_id in seen:
            errors.add(index, "external_id", f"external_id {external_id!r} repeats record {seen[external_id]}.",
                       "duplicate")
        seen.setdefault(external_id, index)
        if not may(data.region_code):
            errors.forbidden.append(index)
    return seen


def check_stored_scope(records: Sequence[tuple[str, Any]], existing: dict[str, Any], *, source: str,
                       actor: Principal, errors: RecordErrors) -> None:
    """Taking over a record stored in a region outside the caller's needs the right there too."""
    may = _may_write(actor, source)
    forbidden = set(errors.forbidden)
    for index, (external_id, _data) in enumerate(records):
        row = existing.get(external_id)
        if row is not None and index not in forbidden and not may(row.region_code):
            errors.forbidden.append(index)


@dataclass
class Precondition:
    """If-Match / If-None-Match of a PUT, checked once the record is locked."""

    if_match: str | None = None
    if_none_match: str | None = None

    def check(self, current_etag: str | None) -> None:
        from api.core.etag import check_if_match

        if self.if_none_match is not None and self.if_none_match.strip() == "*" and current_etag is not None:
            raise PreconditionFailed("The record exists and If-None-Match: * asked to create only.",
                                     headers={"ETag": current_etag})
        if self.if_match is not None:
            if current_etag is None:
                raise PreconditionFailed("The record does not exist, so it cannot match If-Match.")
            check_if_match(self.if_match, current_etag)


async def lock_source(session: AsyncSession, source: str) -> None:
    """Writes of one source run one at a time, so two pushes never race to create the same record.

    SQLite already serialises writers (BEGIN IMMEDIATE)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"sync:{source}"})


async def allocate_ids(session: AsyncSession, table: str, count: int) -> list[int]:
    """Ids for rows about to be inserted, so that their representation can be written with them."""
    if count == 0:
        return []
    if session.bind.dialect.name == "postgresql":
        rows = await session.execute(text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608
                                          "FROM generate_series(1, :n)"), {"n": count})
        return [row[0] for row in rows]
    # SQLite: this transaction holds the write lock, so nobody else takes ids meanwhile.
    top = (await session.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}"))).scalar_one()  # noqa: S608
    return list(range(top + 1, top + 1 + count))


class _CollectorPause:
    depth = 0
    resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector held off while a batch runs (in this process; nested or concurrent batches
    share one pause). A batch allocates a few hundred thousand objects that all live until its answer and
    are then freed by reference counting; the collector would only walk them again and again (measured:
    0.2 s of a 10,000-record batch). It resumes, as it was, when the last batch ends. Hold it only over
    work bounded by the batch (not while a body is being received)."""
    if _CollectorPause.depth == 0:
        _CollectorPause.resume = gc.isenabled()
        gc.disable()
    _CollectorPause.depth += 1
    try:
        yield
    finally:
        _CollectorPause.depth -= 1
        if _CollectorPause.depth == 0 and _CollectorPause.resume:
            gc.enable()


def chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def is_in(session: AsyncSession, column: Any, values: Sequence[Any]) -> Any:
    """`column IN values`; on PostgreSQL `column = ANY(:array)`, one parameter however many values (a
    thousand-parameter IN list costs more to build and parse than to run)."""
    if session.bind.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


async def delete_in(session: AsyncSession, table: Any, column: Any, values: Sequence[Any]) -> None:
    """DELETE the rows of `table` whose `column` is one of the values: one statement on PostgreSQL (see
    is_in), short IN lists elsewhere."""
    if not values:
        return
    for chunk in [values] if session.bind.dialect.name == "postgresql" else chunks(values):
        await session.execute(delete(table).where(is_in(session, column, chunk)))


async def select_in(session: AsyncSession, stmt_for: Any, values: Sequence[Any]) -> list[Any]:
    """Run `stmt_for(chunk)` over the values: one chunk on PostgreSQL (see is_in), short IN lists elsewhere."""
    values = list(values)
    if not values:
        return []
    if session.bind.dialect.name == "postgresql":
        return list((await session.execute(stmt_for(values))).all())
    out: list[Any] = []
    for chunk in chunks(values):
        out.extend((await session.execute(stmt_for(chunk))).all())
    return out


async def require_source(session: AsyncSession, source: str) -> None:
    """404 unless the source is registered (registering is api.auth.service.ensure_source)."""
    from api.sync.models import SyncSource

    if await session.scalar(select(SyncSource.name).where(SyncSource.name == source)) is None:
        raise UnknownSource(f"No sync source named {source!r}; an administrator registers it with "
                            "`cartesio clients create --source`.")
