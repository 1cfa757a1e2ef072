"""`cartesio worker`: fans feed changes out to webhooks, delivers them, runs queued screenings, and prunes what
has expired.

The API process runs one in its event loop by default (settings.worker_in_process), so the embedded set-up
needs nothing more; larger set-ups turn that off and run `cartesio worker` processes, as many as they like.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
from sqlalchemy import delete, select

from api.changes import service as changes
from api.core.db import Database, utcnow
from api.core.idempotency_models import IdempotencyRecord
from api.core.storage import LocalStorage, Storage
from api.calls.models import Attachment
from api.datasets.models import DatasetRelease
from api.emas.models import ResourceFile
from api.products.models import LcaStudyFile
from api.screenings import service as screenings
from api.training import mailer
from api.webhooks import service

logger = logging.getLogger("cartesio.worker")
MAINTENANCE_EVERY_SECONDS = 300.0


async def maintain(db: Database) -> None:
    """Expired idempotency keys, superseded feed entries, tombstones past retention, orphaned files."""
    settings = db.settings
    async with db.session_scope() as session:
        await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < utcnow()))
    await changes.prune(db, retention_seconds=settings.changes_retention_seconds,
                        compact_after_seconds=settings.changes_compact_after_seconds)
    await sweep_files(db, LocalStorage(settings.resolved_storage_dir))


async def sweep_files(db: Database, storage: Storage, *, older_than_seconds: float = 3600) -> int:
    """Delete stored files no row refers to: left when a cluster and its resources were deleted, or when a
    transaction failed after its upload was stored. Only files older than an hour, so no upload in flight."""
    candidates = storage.keys_older_than(older_than_seconds)
    if not candidates:
        return 0
    async with db.read_scope() as session:
        known = set((await session.scalars(select(ResourceFile.storage_key)
                                           .where(ResourceFile.storage_key.in_(candidates)))).all())
        known |= set((await session.scalars(select(Attachment.storage_key)
                                            .where(Attachment.storage_key.in_(candidates)))).all())
        known |= set((await session.scalars(select(LcaStudyFile.storage_key)
                                            .where(LcaStudyFile.storage_key.in_(candidates)))).all())
        for release in (await session.scalars(select(DatasetRelease))).all():
            known |= {item["storage_key"] for item in release.files.values()}
    orphans = [key for key in candidates if key not in known]
    for key in orphans:
        await storage.delete(key)
    return len(orphans)


async def step(db: Database, client: httpx.AsyncClient) -> int:
    """One round: fan out what is new, deliver what is due, run a queued screening, mail the outbox. Returns the
    work done (0 when idle)."""
    return (await service.dispatch(db) + await service.deliver_due(db, client)
            + await screenings.run_queued(db) + await mailer.deliver(db))


async def run(db: Database, *, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    settings = db.settings
    last_maintenance = 0.0
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False) as client:
        while not stop.is_set():
            try:
                busy = await step(db, client)
                if time.monotonic() - last_maintenance > MAINTENANCE_EVERY_SECONDS:
                    last_maintenance = time.monotonic()
                    await maintain(db)
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not end the worker; the next round retries
                logger.exception("worker round failed")
                busy = 0
            if not busy:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=settings.worker_poll_seconds)
                except TimeoutError:
                    pass
