"""The changes feed: every write of a synced resource type appends its new representation here.

Readers page on the position (txid, id). On PostgreSQL txid is the writing transaction's id and a reader is
served only changes of transactions older than the oldest one still running in this database (the gate, see
GATE_SQL): a transaction that took its id first but commits last is therefore never jumped over. SQLite runs one writer at
a time, so the order of ids is the order of commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, exists, insert, literal_column, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.changes.models import Change, FeedMark
from api.core.bulk import COPY_THRESHOLD, insert_rows
from api.core.db import Database, as_utc, utc_iso, utcnow
from api.core.errors import Gone, ValidationFailed

# Resource types of the feed; each domain that lands adds its own. The event names of webhooks use the
# singular ("cluster.updated").
RESOURCE_TYPES: dict[str, str] = {"clusters": "cluster", "organizations": "organization", "networks": "network",
                                  "shared_resources": "shared_resource", "calls": "call", "products": "product"}
EVENTS = ("created", "updated", "deleted")
HORIZON = "horizon"          # nothing at or below it may be read again: tombstones there were pruned
DISPATCHED = "webhooks"      # how far the webhook dispatcher has fanned out changes


@dataclass(frozen=True, order=True)
class Position:
    txid: int
    change_id: int


START = Position(0, 0)


@dataclass(frozen=True)
class Cursor:
    """A position in the feed, and the prune horizon in force when it was given out.

    A reader that started after a prune saw the feed without the pruned tombstones, so its cursors stay
    good even below the horizon; one holding a cursor from before the prune, below the new horizon, may have
    missed a delete and must resynchronise (410).
    """

    position: Position
    horizon: Position = START

    def encode(self) -> str:
        # Opaque to clients; hexadecimal and dots because a feed page writes one per change.
        p, h = self.position, self.horizon
        return f"{p.txid:x}.{p.change_id:x}.{h.txid:x}.{h.change_id:x}"

    @classmethod
    def decode(cls, cursor: str) -> Cursor:
        bad = ValidationFailed("The cursor is not one this feed gave out.", errors=[
            {"field": "query.since", "message": "malformed cursor", "code": "cursor"}])
        parts = cursor.split(".")
        if len(parts) != 4 or not all(0 < len(part) <= 16 for part in parts):
            raise bad
        try:
            numbers = [int(part, 16) for part in parts]
        except ValueError as exc:
            raise bad from exc
        return cls(Position(numbers[0], numbers[1]), Position(numbers[2], numbers[3]))


# The feed's gate on PostgreSQL: the oldest transaction still running that could write to this database's
# feed. Every transaction id below it is final. Transactions of backends connected to other databases of the
# same server cannot write here, so they are left out; otherwise an idle session elsewhere would stall the
# feed. Anything not proven to be elsewhere (e.g. a transaction that ended since the snapshot) counts.
GATE_SQL = """
SELECT CASE WHEN pg_snapshot_xmin(snap.s) = pg_snapshot_xmax(snap.s)
            THEN pg_snapshot_xmax(snap.s)::text::bigint  -- nothing running: the common case, no lock table read
            ELSE COALESCE((
    SELECT MIN(x::text::bigint) FROM pg_snapshot_xip(snap.s) AS x
    WHERE (x::text::bigint % 4294967296) NOT IN (
        SELECT l.transactionid::text::bigint
        FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
        WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
          AND a.datid IS DISTINCT FROM (SELECT oid FROM pg_database WHERE datname = current_database()))
), pg_snapshot_xmax(snap.s)::text::bigint) END
FROM (SELECT pg_current_snapshot() AS s) AS snap
"""
# The gate and the prune horizon in one round trip, for each feed page.
FEED_STATE_SQL = f"""
SELECT ({GATE_SQL}), mark.txid, mark.change_id
FROM (SELECT 1) AS one LEFT JOIN feed_marks AS mark ON mark.name = '{HORIZON}'
"""


async def pg_gate(session: AsyncSession) -> int:
    """Changes with a txid below this are final (PostgreSQL); read in its own statement before the scan."""
    return (await session.execute(text(GATE_SQL))).scalar_one()


def _txid(session: AsyncSession) -> Any:
    if session.bind.dialect.name == "postgresql":
        return literal_column("pg_current_xact_id()::text::bigint")
    return literal_column("0")


def tombstone(resource_type: str, resource_id: int, *, version: int, source: str | None,
              external_id: str | None) -> str:
    return orjson.dumps({"id": resource_id, "type": resource_type, "deleted": True, "version": version,
                         "source": source, "external_id": external_id}).decode()


async def record(session: AsyncSession, *, resource_type: str, resource_id: int, event: str, version: int,
                 document: str, source: str | None = None, external_id: str | None = None) -> None:
    """Append one change in the caller's transaction: it becomes visible when that commits, or never."""
    await record_many(session, [{"resource_type": resource_type, "resource_id": resource_id, "event": event,
                                 "version": version, "document": document, "source": source,
                                 "external_id": external_id}])


async def record_many(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    if not changes:
        return
    now = utcnow()
    if len(changes) >= COPY_THRESHOLD and session.bind.dialect.name == "postgresql":
        txid = (await session.execute(text("SELECT pg_current_xact_id()::text::bigint"))).scalar_one()
        await insert_rows(session, Change.__table__, [{**c, "txid": txid, "changed_at": now} for c in changes])
        return
    rows = [{**c, "changed_at": now} for c in changes]
    await session.execute(insert(Change).values(txid=_txid(session)), rows)


async def horizon(session: AsyncSession) -> Position:
    mark = await session.get(FeedMark, HORIZON)
    return Position(mark.txid, mark.change_id) if mark else START


def feed_query(*, type_count: int, postgres: bool) -> Any:
    """The changes after (:txid, :change_id), in order, up to :limit; below :gate on PostgreSQL; of the
    resource types :type_0… when type_count is given."""
    stmt = select(Change.txid, Change.id, Change.resource_type, Change.resource_id, Change.source,
                  Change.external_id, Change.event, Change.version, Change.changed_at, Change.document)
    stmt = stmt.where(tuple_(Change.txid, Change.id) > tuple_(bindparam("txid"), bindparam("change_id")))
    if postgres:
        # Only final transactions (see GATE_SQL); the gate was read before this statement's snapshot.
        stmt = stmt.where(Change.txid < bindparam("gate"))
    if type_count:
        stmt = stmt.where(Change.resource_type.in_([bindparam(f"type_{i}") for i in range(type_count)]))
    return stmt.order_by(Change.txid, Change.id).limit(bindparam("limit"))


async def read(db: Database, *, since: Cursor | None, types: list[str] | None,
               limit: int) -> tuple[list[tuple], Cursor]:
    """Up to `limit` changes after `since`, and the cursor to continue from."""
    if db.rows.pool is not None:  # PostgreSQL: one statement on the read pool
        async with db.rows.pool.connection() as conn:
            gate, mark_txid, mark_change = await (await conn.execute(FEED_STATE_SQL)).fetchone()
        floor = Position(mark_txid, mark_change) if mark_txid is not None else START
    else:
        gate = None
        async with db.read_scope() as session:
            floor = await horizon(session)
    if since is None:
        since = Cursor(START, floor)  # from the oldest change kept: a reader starting now misses nothing
    elif since.horizon < floor and since.position < floor:
        raise Gone(
            "This cursor is older than the changes kept (deleted records' tombstones are pruned after the "
            "retention period). Resynchronise from a full listing, then follow the feed from a new cursor.",
            resync=True,
        )
    postgres = db.dialect == "postgresql"
    types = sorted(set(types or []))
    params: dict[str, Any] = {"txid": since.position.txid, "change_id": since.position.change_id, "limit": limit}
    if gate is not None:
        params["gate"] = gate
    params.update({f"type_{i}": t for i, t in enumerate(types)})
    rows = await db.rows.select(("changes", postgres, len(types)),
                                lambda: feed_query(type_count=len(types), postgres=postgres), params)
    # Cursors given out now carry the current horizon: this reader has seen the feed as it is after it.
    issued = max(since.horizon, floor)
    after = Cursor(Position(rows[-1][0], rows[-1][1]) if rows else since.position, issued)
    return rows, after


def render_page(rows: list[tuple], after: Cursor, *, limit: int) -> bytes:
    """The feed page as JSON bytes; the stored documents are embedded as they are, never parsed."""
    h = after.horizon
    tail = f".{h.txid:x}.{h.change_id:x}"
    times: dict[Any, str] = {}  # a batch's changes share one timestamp: format it once
    changes = []
    for txid, change_id, rtype, rid, source, external_id, event, version, changed_at, document in rows:
        stamp = times.get(changed_at)
        if stamp is None:
            stamp = times[changed_at] = utc_iso(as_utc(changed_at))
        changes.append({
            "cursor": f"{txid:x}.{change_id:x}{tail}", "type": rtype, "id": rid,
            "external_id": {"source": source, "id": external_id} if external_id is not None else None,
            "operation": "delete" if event == "deleted" else "upsert", "event": event, "version": version,
            "changed_at": stamp, "resource": orjson.Fragment(document),
        })
    return orjson.dumps({"changes": changes, "next_cursor": after.encode(), "has_more": len(rows) >= limit})


async def prune(db: Database, *, retention_seconds: int, compact_after_seconds: int) -> dict[str, int]:
    """Drop what no reader needs: versions superseded by a later change of the same resource (once the
    webhook dispatcher is past them), and tombstones older than the retention, which moves the horizon."""
    now = utcnow()
    async with db.session_scope() as session:
        dispatched = await session.get(FeedMark, DISPATCHED)
        limit = Position(dispatched.txid, dispatched.change_id) if dispatched else START
        later = aliased(Change)
        superseded = await session.execute(delete(Change).where(
            Change.changed_at < now - timedelta(seconds=compact_after_seconds),
            tuple_(Change.txid, Change.id) <= tuple_(limit.txid, limit.change_id),
            exists().where(later.resource_type == Change.resource_type, later.resource_id == Change.resource_id,
                           tuple_(later.txid, later.id) > tuple_(Change.txid, Change.id)),
        ).execution_options(synchronize_session=False))
        # A tombstone goes only once nothing older of its resource is left, or a new reader would see the
        # record alive.
        older = aliased(Change)
        doomed = (await session.execute(select(Change.txid, Change.id).where(
            Change.event == "deleted", Change.changed_at < now - timedelta(seconds=retention_seconds),
            tuple_(Change.txid, Change.id) <= tuple_(limit.txid, limit.change_id),
            ~exists().where(older.resource_type == Change.resource_type, older.resource_id == Change.resource_id,
                            older.id != Change.id),
        ).order_by(Change.txid.desc(), Change.id.desc()))).all()
        if doomed:
            top = Position(doomed[0][0], doomed[0][1])
            await session.execute(delete(Change).where(Change.id.in_([row[1] for row in doomed])))
            mark = await session.get(FeedMark, HORIZON, with_for_update=True)
            if mark is None:
                session.add(FeedMark(name=HORIZON, txid=top.txid, change_id=top.change_id))
            elif Position(mark.txid, mark.change_id) < top:
                await session.execute(update(FeedMark).where(FeedMark.name == HORIZON).values(
                    txid=top.txid, change_id=top.change_id, updated_at=now))
    return {"superseded": superseded.rowcount or 0, "tombstones": len(doomed)}
