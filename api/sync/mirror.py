"""`cartesio sync pull`: mirror another Cartesio instance's clusters and organizations through its changes feed.

The remote's records land here under one sync source (default `mirror`) with external id = the remote id, so
they live beside the local records and never collide with them. Each feed page is applied, and the cursor to
continue from stored, in one local transaction: an interrupted pull resumes after the last page applied,
never loses one and never applies one twice (applying a page again would be harmless anyway: records equal
to the stored ones stay unchanged, deletes of absent records do nothing).

A cursor older than the remote keeps (410: tombstones were pruned) cannot be followed; `reset` first deletes
the mirrored records the remote no longer lists, then reads the whole feed again from its beginning.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.auth import service as auth_service
from api.auth.principal import Principal
from api.clusters import service as clusters_service
from api.clusters.models import Cluster
from api.clusters.schemas import ClusterCreate
from api.core.db import Database
from api.core.errors import ValidationFailed
from api.documents.models import Document
from api.organizations import service as organizations_service
from api.organizations.models import Organization
from api.organizations.schemas import OrganizationCreate
from api.sync import clusters as cluster_sync
from api.sync import organizations as organization_sync
from api.sync.common import is_in, select_in
from api.sync.models import MirrorState

MIRROR = Principal(kind="service", id=0, role="admin", label="mirror")
TYPES = ("clusters", "organizations")
API = "/api/v1"
MAX_PAGE_SIZE = 1000
LIST_PAGE_SIZE = 200  # the lists' largest page


class MirrorError(Exception):
    """The pull stopped; the message says why and what to do. Pages applied before it stay applied."""


class CursorGone(MirrorError):
    """The remote no longer keeps the changes after the stored cursor (410)."""


@dataclass
class PullResult:
    applied: int = 0      # feed changes applied (an unchanged record or the delete of an absent one counts too)
    pages: int = 0        # feed pages read
    cursor: str | None = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0      # local records deleted, including those a reset found gone from the remote
    complete: bool = False  # the end of the feed was reached (False when max_pages stopped the pull)


def normalise_remote(url: str) -> str:
    """The remote's base URL as stored in mirror_states: no trailing slash, no /api/v1."""
    url = url.strip().rstrip("/")
    if url.endswith(API):
        url = url[: -len(API)]
    if not url.startswith(("http://", "https://")):
        raise MirrorError(f"{url!r} is not an http(s) URL of a Cartesio instance.")
    return url


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:500]
    return str(body)[:200]


class Remote:
    """The remote instance: a bearer token fetched on demand and renewed when it expires or a 401 comes back,
    and retries with exponential backoff on connection errors, 429 and 5xx."""

    def __init__(self, http: httpx.AsyncClient, *, client_id: str, client_secret: str, attempts: int,
                 backoff: float):
        self.http = http
        self.client_id, self.client_secret = client_id, client_secret
        self.attempts, self.backoff = max(1, attempts), backoff
        self.token: str | None = None
        self.expires_at = 0.0

    async def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        for attempt in range(self.attempts):
            last = attempt + 1 >= self.attempts
            delay = self.backoff * 2 ** attempt
            try:
                response = await self.http.request(method, path, **kw)
            except httpx.UnsupportedProtocol as exc:
                raise MirrorError(f"Cannot reach {self.http.base_url}: {exc}") from exc
            except httpx.TransportError as exc:
                if last:
                    raise MirrorError(f"Cannot reach {self.http.base_url} ({type(exc).__name__}: {exc}) after "
                                      f"{self.attempts} attempt(s); run the pull again to resume.") from exc
                await asyncio.sleep(delay)
                continue
            if (response.status_code >= 500 or response.status_code == 429) and not last:
                retry_after = response.headers.get("Retry-After", "")
                await asyncio.sleep(min(float(retry_after), 60.0) if retry_after.isdigit() else delay)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def authenticate(self) -> None:
        response = await self._send("POST", f"{API}/auth/token", data={
            "grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret})
        if response.status_code != 200:
            raise MirrorError(f"{self.http.base_url} refused the client credentials ({response.status_code}: "
                              f"{_detail(response)}).")
        body = response.json()
        self.token = body["access_token"]
        self.expires_at = time.monotonic() + float(body.get("expires_in") or 300)

    async def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        if self.token is None or time.monotonic() > self.expires_at - 30:
            await self.authenticate()
        for renewed in (False, True):
            response = await self._send("GET", path, params=params,
                                        headers={"Authorization": f"Bearer {self.token}"})
            if response.status_code != 401 or renewed:
                return response
            await self.authenticate()  # expired or revoked early: one new token, one more try
        raise AssertionError("unreachable")  # pragma: no cover

    async def feed_page(self, *, since: str | None, types: Sequence[str], limit: int) -> dict[str, Any]:
        params: dict[str, Any] = {"types": ",".join(types), "limit": limit}
        if since:
            params["since"] = since
        response = await self.get(f"{API}/changes", params)
        if response.status_code == 410:
            raise CursorGone(f"{self.http.base_url} no longer keeps the changes after the stored cursor (deleted "
                             "records' tombstones were pruned), so deletes may have been missed: resynchronise with "
                             "`cartesio sync pull --reset`.")
        if response.status_code != 200:
            raise MirrorError(f"Reading the changes feed of {self.http.base_url} failed ({response.status_code}: "
                              f"{_detail(response)}).")
        return response.json()

    async def organization(self, remote_id: int) -> dict[str, Any] | None:
        response = await self.get(f"{API}/organizations/{remote_id}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise MirrorError(f"Reading organization {remote_id} of {self.http.base_url} failed "
                              f"({response.status_code}: {_detail(response)}).")
        return response.json()

    async def live_ids(self, resource_type: str) -> set[str]:
        """Ids of every record the remote lists now."""
        ids: set[str] = set()
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"sort": "id", "limit": LIST_PAGE_SIZE}
            if cursor:
                params["cursor"] = cursor
            response = await self.get(f"{API}/{resource_type}", params)
            if response.status_code != 200:
                raise MirrorError(f"Listing {resource_type} of {self.http.base_url} failed ({response.status_code}: "
                                  f"{_detail(response)}).")
            body = response.json()
            ids.update(str(item["id"]) for item in body["items"])
            cursor = body.get("next_cursor")
            if not cursor or not body["items"]:
                return ids


# ---- from a remote representation to a local record ----------------------------------------------------

CLUSTER_FIELDS = tuple(name for name in ClusterCreate.model_fields
                       if name not in ("slug", "coordinating_body_id", "recognitions", "sources"))
ORGANIZATION_FIELDS = tuple(OrganizationCreate.model_fields)


def _where(change: dict[str, Any]) -> str:
    return f"{change['type']} {change['id']} (version {change.get('version')}, cursor {change.get('cursor')})"


def _invalid(change: dict[str, Any], exc: ValidationError | ValidationFailed) -> MirrorError:
    if isinstance(exc, ValidationError):
        reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in exc.errors())
    else:
        reasons = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors) or str(exc.detail)
    return MirrorError(f"Cannot apply {_where(change)} here: {reasons}.")


def organization_record(change: dict[str, Any]) -> OrganizationCreate:
    """OrganizationCreate of a remote organization: its own fields, without the remote's id, demo flag, source
    document, sync identity, version and timestamps. Fields this version does not know are left out."""
    resource = change["resource"]
    try:
        return OrganizationCreate.model_validate({k: resource[k] for k in ORGANIZATION_FIELDS if k in resource})
    except ValidationError as exc:
        raise _invalid(change, exc) from exc


def cluster_record(change: dict[str, Any], *, bodies: dict[int, int], documents: set[str]) -> ClusterCreate:
    """ClusterCreate of a remote cluster. `bodies` maps remote organization ids to the local ids of their
    mirrors (a body not mirrored here is left out); sources citing a document unknown here are dropped."""
    resource = change["resource"]
    data = {k: resource[k] for k in CLUSTER_FIELDS if k in resource}
    body = resource.get("coordinating_body")
    data["coordinating_body_id"] = bodies.get(body["id"]) if body else None
    data["recognitions"] = [{k: v for k, v in r.items() if k != "id"} for r in resource.get("recognitions") or []]
    data["sources"] = [{"document": s["document"], "locator": s.get("locator"), "fields": s.get("fields")}
                       for s in resource.get("sources") or [] if s["document"] in documents]
    try:
        return ClusterCreate.model_validate(data)
    except ValidationError as exc:
        raise _invalid(change, exc) from exc


# ---- applying a page ----------------------------------------------------------------------------------

@dataclass
class _Context:
    session: AsyncSession
    remote: Remote
    source: str
    types: tuple[str, ...]
    result: PullResult
    missing: set[int]  # remote organizations found gone while fixing up coordinating bodies


def _runs(changes: list[dict[str, Any]]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Consecutive changes of one type and operation; the order between runs is the feed's."""
    return [(rtype, op, list(run)) for (rtype, op), run in
            itertools.groupby(changes, key=lambda c: (c["type"], c["operation"]))]


def _last_of_each(run: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last upsert of each record of a run, at the place of that last one."""
    latest: dict[int, dict[str, Any]] = {}
    for change in run:
        latest.pop(change["id"], None)
        latest[change["id"]] = change
    return list(latest.values())


def _count(result: PullResult, outcomes: list[cluster_sync.Outcome]) -> None:
    for outcome in outcomes:
        setattr(result, outcome.result, getattr(result, outcome.result) + 1)


class _Replay(Exception):
    """A run's batch was refused as a whole: replay it change by change."""


async def _upsert_records(ctx: _Context, rtype: str, changes: list[dict[str, Any]], records: list[Any]) -> None:
    """One set-based upsert of the run; if the batch as a whole is refused (a VAT number moving from one
    record to another within it, say), the run is replayed change by change, in the feed's order."""
    upsert = cluster_sync.upsert if rtype == "clusters" else organization_sync.upsert
    pairs = [(str(change["id"]), record) for change, record in zip(changes, records, strict=True)]
    try:
        async with ctx.session.begin_nested():
            outcomes = await upsert(ctx.session, source=ctx.source, records=pairs, actor=MIRROR)
    except ValidationFailed as exc:
        if len(pairs) == 1:
            raise _invalid(changes[0], exc) from exc
        raise _Replay from exc
    _count(ctx.result, outcomes)


async def _local_ids(session: AsyncSession, model: Any, source: str, external_ids: list[str]) -> dict[str, int]:
    return {row.external_id: row.id for row in await select_in(session, lambda chunk: select(
        model.external_id, model.id).where(model.source == source, is_in(session, model.external_id, chunk)),
        external_ids)}


async def _bodies(ctx: _Context, changes: list[dict[str, Any]]) -> dict[int, int]:
    """Remote organization id -> local id of its mirror, for the coordinating bodies of these clusters.

    A body not mirrored yet is fetched from the remote first when organizations are mirrored too: after
    the remote compacted its feed, a cluster's change may come before the only change of its body that is
    left (a later update), and the cluster would otherwise keep no coordinating body here.
    """
    wanted = sorted({c["resource"]["coordinating_body"]["id"] for c in changes
                     if c["resource"].get("coordinating_body")})
    found = await _local_ids(ctx.session, Organization, ctx.source, [str(i) for i in wanted])
    absent = [i for i in wanted if str(i) not in found and i not in ctx.missing]
    if absent and "organizations" in ctx.types:
        fetched = []
        for remote_id in absent:
            resource = await ctx.remote.organization(remote_id)
            if resource is None:
                ctx.missing.add(remote_id)
            else:
                fetched.append({"type": "organizations", "id": remote_id, "resource": resource,
                                "version": resource.get("version"), "cursor": "fetched"})
        if fetched:
            await _upsert_run(ctx, "organizations", fetched)
            found = await _local_ids(ctx.session, Organization, ctx.source, [str(i) for i in wanted])
    return {i: found[str(i)] for i in wanted if str(i) in found}


async def _upsert_run(ctx: _Context, rtype: str, run: list[dict[str, Any]]) -> None:
    changes = _last_of_each(run)
    if rtype == "organizations":
        records: list[Any] = [organization_record(c) for c in changes]
    else:
        bodies = await _bodies(ctx, changes)
        keys = sorted({s["document"] for c in changes for s in c["resource"].get("sources") or []})
        documents = {row.key for row in await select_in(
            ctx.session, lambda chunk: select(Document.key).where(is_in(ctx.session, Document.key, chunk)), keys)}
        records = [cluster_record(c, bodies=bodies, documents=documents) for c in changes]
    try:
        await _upsert_records(ctx, rtype, changes, records)
    except _Replay:
        for change in run:
            await _upsert_run(ctx, rtype, [change])


async def delete_local(session: AsyncSession, rtype: str, *, source: str, external_id: str) -> bool:
    """Delete the record of `source` known as `external_id`, telling the local feed; False if there is none."""
    if rtype == "clusters":
        cluster_id = await session.scalar(select(Cluster.id).where(Cluster.source == source,
                                                                   Cluster.external_id == external_id))
        if cluster_id is None:
            return False
        cluster = await clusters_service.load(session, cluster_id, for_update=True, fresh=True)
        await clusters_service.forget_dependents(session, cluster.id)
        await session.delete(cluster)
        await session.flush()
        await clusters_service.record_deletion(session, cluster_id=cluster.id, version=cluster.version,
                                               source=source, external_id=external_id)
        return True
    org = await session.scalar(
        select(Organization).where(Organization.source == source, Organization.external_id == external_id)
        .options(selectinload(Organization.source_document)).with_for_update()
        .execution_options(populate_existing=True))
    if org is None:
        return False
    await organizations_service.remove(session, org=org)
    return True


async def apply_page(ctx: _Context, changes: list[dict[str, Any]]) -> None:
    """Every change of a feed page, in the feed's order, in the caller's transaction."""
    await auth_service.ensure_source(ctx.session, ctx.source)
    for rtype, operation, run in _runs(changes):
        if rtype not in ctx.types:
            continue
        if operation == "delete":
            for change in run:
                if await delete_local(ctx.session, rtype, source=ctx.source, external_id=str(change["id"])):
                    ctx.result.deleted += 1
        else:
            await _upsert_run(ctx, rtype, run)
        ctx.result.applied += len(run)


# ---- the pull -----------------------------------------------------------------------------------------

async def _state(session: AsyncSession, remote: str, *, lock: bool = False) -> MirrorState | None:
    stmt = select(MirrorState).where(MirrorState.remote == remote).execution_options(populate_existing=True)
    return await session.scalar(stmt.with_for_update() if lock else stmt)


async def stored_cursor(db: Database, remote_url: str) -> str | None:
    """The cursor a pull of this remote would continue from."""
    async with db.read_scope() as session:
        state = await _state(session, normalise_remote(remote_url))
    return state.cursor if state is not None else None


async def _check_state(db: Database, remote: str, source: str, *, reset: bool) -> None:
    async with db.read_scope() as session:
        state = await _state(session, remote)
        other = await session.scalar(select(MirrorState.remote).where(MirrorState.source == source,
                                                                      MirrorState.remote != remote))
    if other is not None:
        raise MirrorError(f"Source {source!r} already mirrors {other}; give this remote a source of its own.")
    if state is not None and state.source != source and not reset:
        raise MirrorError(f"{remote} is mirrored as source {state.source!r}: pass --source {state.source}, or "
                          f"--reset to mirror it afresh as {source!r}.")


async def _resync(db: Database, client: Remote, remote: str, *, source: str, types: tuple[str, ...],
                  result: PullResult) -> None:
    """Delete the mirrored records the remote no longer lists, and forget the cursor: the pull then reads the
    whole feed again. Records deleted on the remote after the listing still arrive as tombstones."""
    live = {rtype: await client.live_ids(rtype) for rtype in types}
    async with db.session_scope() as session:
        await auth_service.ensure_source(session, source)
        for rtype in types:
            model = Cluster if rtype == "clusters" else Organization
            local = (await session.scalars(select(model.external_id).where(model.source == source))).all()
            for external_id in sorted(set(local) - live[rtype]):
                if await delete_local(session, rtype, source=source, external_id=external_id):
                    result.deleted += 1
        state = await _state(session, remote, lock=True)
        if state is not None:
            state.cursor, state.source = None, source


async def pull(db: Database, *, remote_url: str, client_id: str, client_secret: str, source: str,
               types: Sequence[str] = TYPES, page_size: int = MAX_PAGE_SIZE, max_pages: int | None = None,
               progress: Callable[[PullResult], None] | None = None, reset: bool = False,
               timeout: float = 30.0, attempts: int = 4, backoff: float = 0.5,
               transport: httpx.AsyncBaseTransport | None = None) -> PullResult:
    """Apply the remote's changes after the stored cursor, page by page, until the feed is read to its end
    (or `max_pages` pages were applied); `reset` resynchronises from the beginning (see the module doc).

    `progress` is called with the running totals after each page is committed.
    """
    remote = normalise_remote(remote_url)
    if isinstance(types, str):
        types = types.split(",")
    wanted = tuple(dict.fromkeys(t.strip() for t in types if t.strip()))
    unknown = [t for t in wanted if t not in TYPES]
    if unknown or not wanted:
        raise MirrorError(f"Unknown resource type(s) {', '.join(unknown) or '(none)'}; mirror {' and '.join(TYPES)}.")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise MirrorError(f"The page size must be between 1 and {MAX_PAGE_SIZE}.")
    if max_pages is not None and max_pages < 1:
        raise MirrorError("max_pages must be at least 1.")
    await _check_state(db, remote, source, reset=reset)
    result = PullResult()
    missing: set[int] = set()
    async with httpx.AsyncClient(base_url=remote, timeout=timeout, transport=transport,
                                 headers={"Accept": "application/json"}) as http:
        client = Remote(http, client_id=client_id, client_secret=client_secret, attempts=attempts, backoff=backoff)
        await client.authenticate()

        if reset:
            await _resync(db, client, remote, source=source, types=wanted, result=result)
        cursor = await stored_cursor(db, remote)
        result.cursor = cursor
        while max_pages is None or result.pages < max_pages:
            page = await client.feed_page(since=cursor, types=wanted, limit=page_size)
            following = page["next_cursor"]
            if page["changes"] or following != cursor or cursor is None:
                async with db.session_scope() as session:
                    state = await _state(session, remote, lock=True)
                    if (state.cursor if state is not None else None) != cursor:
                        raise MirrorError(f"The stored cursor of {remote} moved while this pull ran: another "
                                          "`cartesio sync pull` of it is running. Nothing of this page was applied.")
                    await apply_page(_Context(session=session, remote=client, source=source, types=wanted,
                                              result=result, missing=missing), page["changes"])
                    if state is None:
                        session.add(MirrorState(remote=remote, source=source, cursor=following))
                    else:
                        state.cursor, state.source = following, source
            cursor = result.cursor = following
            result.pages += 1
            if progress is not None:
                progress(result)
            if not page["has_more"] or not page["changes"]:
                result.complete = True
                break
    return result
