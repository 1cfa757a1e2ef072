"""Webhook subscriptions, the fan-out of feed changes into deliveries, and the delivery attempts.

Fan-out reads the changes feed with the same rule as any reader (only transactions older than every running
one), so a webhook is never skipped for a late commit; each (subscription, event) is a row with a unique key,
so fanning out twice delivers once. Deliveries are claimed with a lease (FOR UPDATE SKIP LOCKED on
PostgreSQL), so several workers share the work and none sends the same delivery at the same time.
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import and_, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.policy import Action
from api.auth.principal import Principal
from api.changes.models import Change, FeedMark
from api.changes.service import DISPATCHED, RESOURCE_TYPES, feed_query, pg_gate
from api.core.config import Settings
from api.core.db import Database, as_utc, utc_iso, utcnow
from api.core.errors import NotFound
from api.core.pagination import SortKey, fetch_page
from api.webhooks.models import WebhookDelivery, WebhookSubscription
from api.webhooks.schemas import WebhookCreate, WebhookUpdate
from api.webhooks.signing import HEADER, sign

FANOUT_PAGE = 1000
USER_AGENT = "Cartesio-Webhooks/1"


class WebhookNotFound(NotFound):
    slug, title = "webhook-not-found", "Webhook not found"


# ---- subscriptions -----------------------------------------------------------------------------------

async def get_own(session: AsyncSession, webhook_id: int, *, actor: Principal) -> WebhookSubscription:
    """The subscription if the caller owns it (admins see all); someone else's answers 404, not 403."""
    actor.require(Action.webhooks_manage)
    subscription = await session.get(WebhookSubscription, webhook_id)
    if subscription is None or (subscription.owner != actor.key and actor.role != "admin"):
        raise WebhookNotFound(f"No webhook with id {webhook_id}.")
    return subscription


async def list_own(session: AsyncSession, *, actor: Principal) -> list[WebhookSubscription]:
    actor.require(Action.webhooks_manage)
    stmt = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if actor.role != "admin":
        stmt = stmt.where(WebhookSubscription.owner == actor.key)
    return list((await session.scalars(stmt)).all())


async def create(session: AsyncSession, *, data: WebhookCreate, actor: Principal) -> WebhookSubscription:
    actor.require(Action.webhooks_manage)
    subscription = WebhookSubscription(owner=actor.key, url=str(data.url), event_types=data.event_types,
                                       description=data.description, secret="whsec_" + secrets.token_urlsafe(32),
                                       is_active=True)
    session.add(subscription)
    await session.flush()
    return subscription


async def update_one(session: AsyncSession, *, subscription: WebhookSubscription, data: WebhookUpdate) -> None:
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None and name != "description":
            continue  # only the description can be cleared
        setattr(subscription, name, str(value) if name == "url" else value)
    await session.flush()


async def deliveries(session: AsyncSession, *, subscription: WebhookSubscription, status: str | None,
                     cursor: str | None, limit: int) -> tuple[list[WebhookDelivery], str | None]:
    """The delivery log of one subscription, newest first."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    return await fetch_page(session, stmt, key=SortKey("-id", WebhookDelivery.id, descending=True),
                            id_column=WebhookDelivery.id, cursor=cursor, limit=limit)


def matches(patterns: list[str], event_type: str) -> bool:
    resource = event_type.split(".", 1)[0]
    return any(p in ("*", event_type, f"{resource}.*") for p in patterns)


# ---- fan-out -----------------------------------------------------------------------------------------

async def dispatch(db: Database) -> int:
    """Turn the changes after the dispatcher's mark into deliveries; returns how many changes it passed."""
    postgres = db.dialect == "postgresql"
    # Look before taking a write transaction: an idle worker must not hold SQLite's write lock every second.
    async with db.read_scope() as session:
        seen = await session.get(FeedMark, DISPATCHED)
        position = (seen.txid, seen.change_id) if seen else (0, 0)
        newer = await session.scalar(select(Change.id).where(
            tuple_(Change.txid, Change.id) > tuple_(*position)).limit(1))
    if newer is None:
        return 0
    async with db.session_scope() as session:
        stmt = select(FeedMark).where(FeedMark.name == DISPATCHED).with_for_update(skip_locked=True)
        mark = await session.scalar(stmt)
        if mark is None:
            if await session.get(FeedMark, DISPATCHED) is not None:
                return 0  # another worker is fanning out right now
            mark = FeedMark(name=DISPATCHED, txid=0, change_id=0)
            session.add(mark)
            await session.flush()
        # The feed's own query and gate: fan-out skips no late commit either.
        params = {"txid": mark.txid, "change_id": mark.change_id, "limit": FANOUT_PAGE}
        if postgres:
            params["gate"] = await pg_gate(session)
        rows = (await session.execute(feed_query(type_count=0, postgres=postgres), params)).all()
        if not rows:
            return 0
        subscriptions = (await session.scalars(select(WebhookSubscription).where(
            WebhookSubscription.is_active.is_(True)))).all()
        now = utcnow()
        out: list[dict[str, Any]] = []
        for txid, change_id, rtype, rid, source, external_id, event, version, changed_at, document in rows:
            event_type = f"{RESOURCE_TYPES.get(rtype, rtype)}.{event}"
            changed_at = as_utc(changed_at)
            targets = [s for s in subscriptions if matches(s.event_types, event_type)
                       and as_utc(s.created_at) <= changed_at]
            if not targets:
                continue
            event_id = f"evt_{change_id}"
            payload = orjson.dumps({"id": event_id, "type": event_type, "created_at": utc_iso(changed_at), "data": {
                "resource_type": rtype, "id": rid, "version": version,
                "external_id": {"source": source, "id": external_id} if external_id is not None else None,
                "resource": orjson.Fragment(document)}}).decode()
            out.extend({"subscription_id": s.id, "event_id": event_id, "event_type": event_type, "payload": payload,
                        "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
                       for s in targets)
        if out:
            dialect = postgresql if postgres else sqlite
            await session.execute(dialect.insert(WebhookDelivery).on_conflict_do_nothing(
                index_elements=["subscription_id", "event_id"]), out)
        last = rows[-1]
        mark.txid, mark.change_id, mark.updated_at = last[0], last[1], now
        return len(rows)


# ---- delivery ----------------------------------------------------------------------------------------

@dataclass
class Attempt:
    delivery_id: int
    url: str
    secret: str
    event_id: str
    event_type: str
    payload: str
    attempts: int
    created_at: Any


def backoff(settings: Settings, attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling from the base, capped."""
    return min(settings.webhook_retry_base_seconds * 2 ** max(attempts - 1, 0),
               settings.webhook_retry_max_interval_seconds)


async def claim(db: Database, *, limit: int) -> list[Attempt]:
    settings = db.settings
    now = utcnow()
    lease = now + timedelta(seconds=settings.webhook_timeout_seconds * 2 + 30)
    async with db.read_scope() as session:
        due = await session.scalar(select(WebhookDelivery.id).where(
            WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now).limit(1))
    if due is None:
        return []
    async with db.session_scope() as session:
        rows = (await session.execute(
            select(WebhookDelivery, WebhookSubscription.url, WebhookSubscription.secret)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
                   WebhookSubscription.is_active.is_(True),
                   or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
            .with_for_update(of=WebhookDelivery, skip_locked=True))).all()
        for delivery, _url, _secret in rows:
            delivery.lease_until = lease
        return [Attempt(d.id, url, secret, d.event_id, d.event_type, d.payload, d.attempts, d.created_at)
                for d, url, secret in rows]


async def _public_target(url: str) -> bool:
    """Whether every address the URL's host resolves to is public (no loopback, private, link-local...)."""
    host = httpx.URL(url).host
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    except OSError:
        return True  # the request itself will fail and be retried
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return False
    return True


async def send(client: httpx.AsyncClient, attempt: Attempt, *,
               allow_private: bool = True) -> tuple[int | None, str | None]:
    if not allow_private and not await _public_target(attempt.url):
        return None, "target address not allowed: it is not a public address"
    body = attempt.payload.encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Cartesio-Event-Id": attempt.event_id,
               "Cartesio-Event-Type": attempt.event_type, HEADER: sign(attempt.secret, body)}
    try:
        response = await client.post(attempt.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


async def deliver_due(db: Database, client: httpx.AsyncClient, *, limit: int = 50) -> int:
    """Send what is due, record each outcome; returns how many attempts were made."""
    attempts = await claim(db, limit=limit)
    if not attempts:
        return 0
    settings = db.settings
    allow_private = settings.private_webhook_targets_allowed
    results = await asyncio.gather(*(send(client, a, allow_private=allow_private) for a in attempts))
    now = utcnow()
    async with db.session_scope() as session:
        for attempt, (status, error) in zip(attempts, results, strict=True):
            values: dict[str, Any] = {"attempts": attempt.attempts + 1, "last_attempt_at": now, "last_status": status,
                                      "last_error": error, "lease_until": None}
            if error is None:
                values.update(status="delivered", delivered_at=now)
            elif now - as_utc(attempt.created_at) >= timedelta(seconds=settings.webhook_max_age_seconds):
                values.update(status="failed")
            else:
                values["next_attempt_at"] = now + timedelta(seconds=backoff(settings, attempt.attempts + 1))
            await session.execute(update(WebhookDelivery).where(and_(
                WebhookDelivery.id == attempt.delivery_id, WebhookDelivery.status == "pending")).values(**values))
    return len(attempts)
