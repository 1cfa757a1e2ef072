"""Idempotency-Key on POST: the first answer is stored and replayed to retries of the same request.

A key belongs to its caller (the token's account, or the address of an anonymous caller). The claim on a key
is its own short transaction, committed before the work starts, so of two requests with one key exactly one
does the work: the other waits for its answer, or gets 409 if it takes too long. A retry with the same key and
a different request is 422. Answers of 5xx are not kept (the retry does the work again).

The window where a retry could repeat work is between the work's commit and the storing of its answer (a
crash there); the claim's lease then expires and the next retry runs the request again.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.callers import CallerKeys
from api.core.config import Settings
from api.core.db import Database, as_utc, utcnow
from api.core.errors import Conflict, Problem, ValidationFailed, render
from api.core.idempotency_models import IdempotencyRecord

HEADER = b"idempotency-key"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
# Sign-in answers carry credentials: they are never stored.
EXCLUDED_PATHS = ("/api/v1/auth/token",)
# Headers of the stored answer worth replaying; the rest (date, server, rate limits) belong to each answer.
REPLAYED_HEADERS = {b"content-type", b"etag", b"location", b"link", b"cache-control", b"retry-after"}
LEASE_SECONDS = 60
POLL_SECONDS = 0.05


class KeyReused(ValidationFailed):
    slug, title = "idempotency-key-reused", "Idempotency key used for a different request"


class KeyInUse(Conflict):
    slug, title = "idempotency-key-in-use", "A request with this idempotency key is still running"


class Idempotency:
    def __init__(self, app: ASGIApp, *, settings: Settings, callers: CallerKeys):
        self.app = app
        self.settings = settings
        self.callers = callers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] in EXCLUDED_PATHS:
            await self.app(scope, receive, send)
            return
        raw_key = next((v for k, v in scope.get("headers", ()) if k == HEADER), None)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        try:
            await self._handle(scope, receive, send, raw_key.decode("latin-1"))
        except Problem as problem:
            await render(Request(scope), problem)(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, key: str) -> None:
        if not KEY_RE.match(key):
            raise ValidationFailed("Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is best).",
                                   errors=[{"field": "header.Idempotency-Key", "message": "invalid key",
                                            "code": "value_error"}])
        body = await _read_body(receive)
        owner, _ = self.callers.of(scope)
        digest = hashlib.sha256(b"\0".join([
            scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""),
            next((v for k, v in scope.get("headers", ()) if k == b"content-type"), b""), body])).hexdigest()
        db: Database = scope["app"].state.db
        deadline = asyncio.get_running_loop().time() + self.settings.idempotency_wait_seconds
        while True:
            record_id = await self._claim(db, owner, key, digest, scope)
            if record_id is not None:
                return await self._run(db, record_id, body, scope, send)
            async with db.read_scope() as session:
                record = await session.scalar(select(IdempotencyRecord).where(
                    IdempotencyRecord.owner == owner, IdempotencyRecord.key == key))
            if record is None:
                continue  # the first request failed and let go of the key: claim it
            if record.request_hash != digest:
                raise KeyReused("This Idempotency-Key was used for a different request (method, path or body); "
                                "use a new key for a new request.", errors=[{
                                    "field": "header.Idempotency-Key", "message": "reused for another request",
                                    "code": "idempotency_key_reused"}])
            if record.state == "done":
                headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in record.headers or []]
                headers.append((b"idempotent-replayed", b"true"))
                await send({"type": "http.response.start", "status": record.status_code, "headers": headers})
                await send({"type": "http.response.body", "body": record.body or b""})
                return
            if record.lease_until is not None and as_utc(record.lease_until) < utcnow():
                # The first request died without an answer: take its claim over and do the work.
                async with db.session_scope() as session:
                    taken = await session.execute(update(IdempotencyRecord).where(
                        IdempotencyRecord.id == record.id, IdempotencyRecord.state == "in_progress",
                        IdempotencyRecord.lease_until == record.lease_until).values(
                        lease_until=utcnow() + timedelta(seconds=LEASE_SECONDS)))
                if taken.rowcount == 1:
                    return await self._run(db, record.id, body, scope, send)
            if asyncio.get_running_loop().time() >= deadline:
                raise KeyInUse("A request with this Idempotency-Key is still being processed; retry shortly.",
                               headers={"Retry-After": "1"})
            await asyncio.sleep(POLL_SECONDS)

    async def _run(self, db: Database, record_id: int, body: bytes, scope: Scope, send: Send) -> None:
        """Do the work once, keep its answer (unless 5xx), then send it."""
        captured: list[Message] = []
        delivered = False

        async def replay_receive() -> Message:
            nonlocal delivered
            if delivered:
                await asyncio.Event().wait()  # like a client that keeps the connection open
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            captured.append(message)

        try:
            await self.app(scope, replay_receive, capture)
        except BaseException:
            await self._release(db, record_id)
            raise
        start = next(m for m in captured if m["type"] == "http.response.start")
        payload = b"".join(m.get("body", b"") for m in captured if m["type"] == "http.response.body")
        if start["status"] >= 500:
            await self._release(db, record_id)
        else:
            headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in start.get("headers", [])
                       if k.lower() in REPLAYED_HEADERS]
            async with db.session_scope() as session:
                await session.execute(update(IdempotencyRecord).where(IdempotencyRecord.id == record_id).values(
                    state="done", status_code=start["status"], headers=headers, body=payload, lease_until=None))
        for message in captured:
            await send(message)

    async def _claim(self, db: Database, owner: str, key: str, digest: str, scope: Scope) -> int | None:
        """The new record's id if this request may do the work, else None (someone has or had the key)."""
        now = utcnow()
        values = {"owner": owner, "key": key, "request_hash": digest, "method": scope["method"],
                  "path": scope["path"][:2000], "state": "in_progress", "created_at": now,
                  "lease_until": now + timedelta(seconds=LEASE_SECONDS),
                  "expires_at": now + timedelta(seconds=self.settings.idempotency_ttl_seconds)}
        dialect = postgresql if db.dialect == "postgresql" else sqlite
        async with db.session_scope() as session:
            # An expired record is gone for every purpose: clear it so the key can be used again.
            await session.execute(delete(IdempotencyRecord).where(
                IdempotencyRecord.owner == owner, IdempotencyRecord.key == key, IdempotencyRecord.expires_at < now))
            result = await session.execute(dialect.insert(IdempotencyRecord).values(**values)
                                           .on_conflict_do_nothing(index_elements=["owner", "key"])
                                           .returning(IdempotencyRecord.id))
            return result.scalar_one_or_none()

    async def _release(self, db: Database, record_id: int) -> None:
        async with db.session_scope() as session:
            await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
