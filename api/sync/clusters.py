"""Create-or-replace of clusters by (source, external_id), one record or ten thousand, set-based.

All records of a call are checked first (scope, references, slugs); then the new and changed ones are written
with a handful of multi-row statements, each with its representation already rendered, and one change each is
appended to the feed. A record equal to what is stored is left alone: same version, no change in the feed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.changes import service as changes
from api.clusters.models import Cluster, ClusterNaceCode, ClusterSector, ClusterSource, Recognition
from api.clusters.schemas import ClusterCreate
from api.clusters.service import apply_scalars, content_hash, render, slugify
from api.core.db import as_utc, utc_iso, utcnow
from api.core.etag import etag
from api.documents.models import Document
from api.organizations.models import Organization
from api.core.bulk import insert_rows, upsert_rows
from api.sync.common import (Precondition, RecordErrors, allocate_ids, check_records, check_stored_scope, chunks,
                             is_in, lock_source, select_in)

CHILD_TABLES = (ClusterSector, ClusterNaceCode, Recognition, ClusterSource)


@dataclass
class Outcome:
    index: int
    external_id: str
    id: int
    version: int
    result: str  # created, updated, unchanged
    document: str | None = None


def cluster_etag(cluster_id: int, version: int) -> str:
    return etag("cluster", cluster_id, version)


# The clusters columns a record sets, read from its namespace as they are (kind and the ids are added).
RECORD_COLUMNS = ("slug", "name", "country", "region_code", "region_name", "locality", "location_text", "latitude",
                  "longitude", "enterprises_count", "enterprises_approximate", "enterprises_note", "employees_count",
                  "employees_approximate", "employees_note", "website", "website_note", "coordinating_body_id",
                  "constitutive_elements", "eco_innovation", "tags", "source", "external_id")


def _namespace(data: ClusterCreate, *, slug: str, source: str, external_id: str, body: Any,
               docs: dict[str, Any], now: Any) -> SimpleNamespace:
    """What render() reads, built from the record without touching the ORM; every field is set (a PUT
    replaces the whole record)."""
    ns = SimpleNamespace(
        id=0, slug=slug, coordinating_body=body, source=source, external_id=external_id, version=0,
        created_at=now, updated_at=now,
        sectors=[SimpleNamespace(label=s.label, nace_codes=list(dict.fromkeys(s.nace))) for s in data.sectors or []],
        recognitions=[SimpleNamespace(id=None, **r.model_dump()) for r in data.recognitions or []],
        sources=[SimpleNamespace(document=docs[s.document], locator=s.locator, fields=s.fields)
                 for s in data.sources or []],
    )
    apply_scalars(ns, data.model_dump(exclude={"slug", "sectors", "recognitions", "sources", "external_id"}))
    return ns


def _suffixed(base: str, source: str, external_id: str) -> str:
    tag = hashlib.blake2b(f"{source}\0{external_id}".encode(), digest_size=4).hexdigest()
    return f"{base[:110]}-{tag}"


async def upsert(session: AsyncSession, *, source: str, records: list[tuple[str, ClusterCreate]], actor: Principal,
                 precondition: Precondition | None = None, keep_documents: bool = False) -> list[Outcome]:
    """Create or replace each (external_id, record) of `source`; all or nothing."""
    await lock_source(session, source)
    errors = RecordErrors()
    now = utcnow()
    seen = check_records(records, source=source, actor=actor, errors=errors)

    existing = {row.external_id: row for row in await select_in(session, lambda chunk: select(
        Cluster.id, Cluster.external_id, Cluster.version, Cluster.content_hash, Cluster.slug, Cluster.region_code,
        Cluster.created_at).where(Cluster.source == source, is_in(session, Cluster.external_id, chunk))
        .with_for_update(), list(seen))}
    check_stored_scope(records, existing, source=source, actor=actor, errors=errors)
    if precondition is not None:
        row = existing.get(records[0][0])
        precondition.check(cluster_etag(row.id, row.version) if row is not None else None)

    body_ids = {data.coordinating_body_id for _, data in records if data.coordinating_body_id is not None}
    bodies = {row.id: SimpleNamespace(id=row.id, name=row.name, kind=row.kind) for row in await select_in(
        session, lambda chunk: select(Organization.id, Organization.name, Organization.kind)
        .where(is_in(session, Organization.id, chunk)), sorted(body_ids))}
    doc_keys = {s.document for _, data in records for s in data.sources or []}
    docs = {row.key: SimpleNamespace(id=row.id, key=row.key, title=row.title) for row in await select_in(
        session, lambda chunk: select(Document.id, Document.key, Document.title).where(is_in(session, Document.key, chunk)),
        sorted(doc_keys))}
    for index, (_, data) in enumerate(records):
        if data.coordinating_body_id is not None and data.coordinating_body_id not in bodies:
            errors.add(index, "coordinating_body_id", f"No organization with id {data.coordinating_body_id}.",
                       "unknown_reference")
        for i, s in enumerate(data.sources or []):
            if s.document not in docs:
                errors.add(index, f"sources.{i}.document", f"No document with key {s.document!r}.",
                           "unknown_reference")

    slugs = await _slugs(session, source=source, records=records, existing=existing, errors=errors)
    errors.raise_if_any(single=precondition is not None)

    # Render every record, and keep only those that say something new.
    pending: list[tuple[int, str, ClusterCreate, dict[str, Any], str, Any]] = []
    outcomes: list[Outcome] = []
    for index, (external_id, data) in enumerate(records):
        body = bodies.get(data.coordinating_body_id) if data.coordinating_body_id is not None else None
        ns = _namespace(data, slug=slugs[index], source=source, external_id=external_id, body=body, docs=docs,
                        now=now)
        doc = render(ns)
        digest = content_hash(doc)
        row = existing.get(external_id)
        if row is not None and row.content_hash == digest:
            outcomes.append(Outcome(index, external_id, row.id, row.version, "unchanged"))
            continue
        pending.append((index, external_id, data, ns, doc, digest, row))

    new_ids = iter(await allocate_ids(session, "clusters", sum(1 for p in pending if p[-1] is None)))
    recognition_ids = iter(await allocate_ids(session, "cluster_recognitions",
                                              sum(len(p[2].recognitions or []) for p in pending)))
    cluster_rows: list[dict[str, Any]] = []
    sector_rows: list[dict[str, Any]] = []
    nace_rows: list[dict[str, Any]] = []
    recognition_rows: list[dict[str, Any]] = []
    source_rows: list[dict[str, Any]] = []
    change_rows: list[dict[str, Any]] = []
    replaced: list[int] = []
    for index, external_id, data, ns, doc, digest, row in pending:
        cluster_id = next(new_ids) if row is None else row.id
        version = 1 if row is None else row.version + 1
        created_at = now if row is None else row.created_at
        if row is not None:
            replaced.append(cluster_id)
        doc["id"], doc["version"] = cluster_id, version
        doc["created_at"] = utc_iso(as_utc(created_at))
        for recognition, data_r in zip(doc["recognitions"], data.recognitions or [], strict=True):
            recognition["id"] = next(recognition_ids)
            recognition_rows.append({"id": recognition["id"], "cluster_id": cluster_id, **data_r.model_dump(),
                                     "kind": str(data_r.kind)})
        text = orjson.dumps(doc).decode()
        cluster_rows.append({
            "id": cluster_id, **{name: getattr(ns, name) for name in RECORD_COLUMNS}, "kind": str(ns.kind),
            "version": version, "content_hash": digest, "document": text, "created_at": created_at, "updated_at": now,
        })
        for position, sector in enumerate(doc["sectors"]):
            sector_rows.append({"cluster_id": cluster_id, "position": position, "label": sector["label"],
                                "nace_codes": sector["nace"]})
        nace_rows.extend({"cluster_id": cluster_id, "code": code}
                         for code in sorted({c for sector in doc["sectors"] for c in sector["nace"]}))
        source_rows.extend({"cluster_id": cluster_id, "document_id": docs[s.document].id, "locator": s.locator,
                            "fields": s.fields} for s in data.sources or [])
        change_rows.append({"resource_type": "clusters", "resource_id": cluster_id,
                            "event": "created" if row is None else "updated", "version": version,
                            "document": text, "source": source, "external_id": external_id})
        outcomes.append(Outcome(index, external_id, cluster_id, version, "created" if row is None else "updated",
                                text if keep_documents else None))

    for table in CHILD_TABLES:
        for chunk in chunks(replaced):
            await session.execute(delete(table).where(is_in(session, table.cluster_id, chunk)))
    await upsert_rows(session, Cluster.__table__, cluster_rows, keep=("id", "created_at", "source", "external_id"))
    for table, rows in ((ClusterSector, sector_rows), (ClusterNaceCode, nace_rows), (Recognition, recognition_rows),
                        (ClusterSource, source_rows)):
        await insert_rows(session, table.__table__, rows)
    await changes.record_many(session, change_rows)
    outcomes.sort(key=lambda o: o.index)
    return outcomes


async def _slugs(session: AsyncSession, *, source: str, records: list[tuple[str, ClusterCreate]],
                 existing: dict[str, Any], errors: RecordErrors) -> dict[int, str]:
    """A unique slug for every record: the one sent, the one stored, or one derived from the name."""
    wanted: dict[int, str] = {}
    explicit: set[int] = set()
    for index, (external_id, data) in enumerate(records):
        row = existing.get(external_id)
        if data.slug:
            wanted[index] = data.slug
            explicit.add(index)
        elif row is not None:
            wanted[index] = row.slug
        else:
            wanted[index] = slugify(data.name)
    owners = {external_id: existing[external_id].id for external_id in existing}

    async def taken(candidates: set[str]) -> dict[str, int]:
        return {row.slug: row.id for row in await select_in(
            session, lambda chunk: select(Cluster.slug, Cluster.id).where(is_in(session, Cluster.slug, chunk)), sorted(candidates))}

    stored = await taken(set(wanted.values()))
    used: dict[str, int] = {}
    retry: list[int] = []
    for index, (external_id, _data) in enumerate(records):
        slug, own = wanted[index], owners.get(external_id)
        other = stored.get(slug)
        if (other is not None and other != own) or slug in used:
            if index in explicit:
                holder = f"cluster {other}" if other is not None and other != own else f"record {used[slug]}"
                errors.add(index, "slug", f"Slug {slug!r} is used by {holder}.", "slug_taken")
                continue
            retry.append(index)
            continue
        used[slug] = index
    if retry:
        suffixed = {index: _suffixed(wanted[index], source, records[index][0]) for index in retry}
        stored = await taken(set(suffixed.values()))
        for index, slug in suffixed.items():
            if slug in stored or slug in used:
                errors.add(index, "slug", f"No free slug for {records[index][1].name!r}; send one.", "slug_taken")
                continue
            wanted[index] = slug
            used[slug] = index
    return wanted
