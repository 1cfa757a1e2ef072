"""Create-or-replace of clusters by (source, external_id), one record or ten thousand, set-based.

All records of a call are checked first (scope, references, slugs); then the new and changed ones are written
with a handful of multi-row statements, each with its representation already rendered, and one change each is
appended to the feed. A record equal to what is stored is left alone: same version, no change in the feed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

import orjson
from sqlalchemy import Text, cast, select
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
from api.core.bulk import insert_rows, insert_tuples, update_rows
from api.sync.common import (Precondition, RecordErrors, allocate_ids, check_records, check_stored_scope, delete_in,
                             is_in, lock_source, select_in)

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
CLUSTER_COLUMNS = ("id", *RECORD_COLUMNS, "kind", "version", "content_hash", "document", "created_at", "updated_at")
CLUSTER_KEEP = ("id", "created_at", "source", "external_id")  # what replacing a record leaves as it is
_record_values = attrgetter(*RECORD_COLUMNS)


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
    # The model's own field values (a model_dump would copy the whole record, lists and nested models
    # included, to read a few scalars); the two headcounts as the dicts apply_scalars reads.
    values = dict(data.__dict__)
    for prefix in ("enterprises", "employees"):
        head = values[prefix]
        if head is not None:
            values[prefix] = head.__dict__
    apply_scalars(ns, values)
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

    writer = _Writer(source=source, now=now, docs=docs, keep_documents=keep_documents)

    def prepare(index: int, external_id: str, data: ClusterCreate) -> tuple[SimpleNamespace, dict[str, Any], str]:
        body = bodies.get(data.coordinating_body_id) if data.coordinating_body_id is not None else None
        ns = _namespace(data, slug=slugs[index], source=source, external_id=external_id, body=body, docs=docs,
                        now=now)
        doc = render(ns)
        return ns, doc, content_hash(doc)

    # The stored records first: those equal to what is stored are left alone, the others replace it.
    replaced: list[tuple[int, str, ClusterCreate, SimpleNamespace, dict[str, Any], str, Any]] = []
    fresh: list[int] = []
    for index, (external_id, data) in enumerate(records):
        row = existing.get(external_id)
        if row is None:
            fresh.append(index)
            continue
        ns, doc, digest = prepare(index, external_id, data)
        if row.content_hash == digest:
            writer.outcomes.append(Outcome(index, external_id, row.id, row.version, "unchanged"))
        else:
            replaced.append((index, external_id, data, ns, doc, digest, row))

    replaced_ids = [item[-1].id for item in replaced]
    writer.stored_sectors = await _stored_sectors(session, replaced_ids)
    new_ids = iter(await allocate_ids(session, "clusters", len(fresh)))
    recognitions = sum(len(item[2].recognitions or []) for item in replaced)
    recognitions += sum(len(records[index][1].recognitions or []) for index in fresh)
    writer.recognition_ids = iter(await allocate_ids(session, "cluster_recognitions", recognitions))
    replaced_rows = [writer.add(*item) for item in replaced]
    del replaced
    # While PostgreSQL rewrites the replaced rows, the new records are rendered and every other row is built.
    async with update_rows(session, Cluster.__table__, CLUSTER_COLUMNS, replaced_rows, keep=CLUSTER_KEEP):
        new_rows = []
        for index in fresh:
            external_id, data = records[index]
            new_rows.append(writer.add(index, external_id, data, *prepare(index, external_id, data), None,
                                       cluster_id=next(new_ids)))
        writer.change_rows.sort(key=lambda change: change[0])
        change_rows = [change for _, change in writer.change_rows]
    await insert_tuples(session, Cluster.__table__, CLUSTER_COLUMNS, new_rows)
    del new_rows
    for table, ids in ((ClusterSector, writer.resectored), (ClusterNaceCode, writer.reindexed),
                       (Recognition, replaced_ids), (ClusterSource, replaced_ids)):
        await delete_in(session, table, table.cluster_id, ids)
    await insert_tuples(session, ClusterSector.__table__, ("cluster_id", "position", "label", "nace_codes"),
                        writer.sector_rows)
    await insert_tuples(session, ClusterNaceCode.__table__, ("cluster_id", "code"), writer.nace_rows)
    await insert_rows(session, Recognition.__table__, writer.recognition_rows)
    await insert_rows(session, ClusterSource.__table__, writer.source_rows)
    # The feed lists the changes in the order of the records.
    await changes.record_many(session, change_rows)
    writer.outcomes.sort(key=lambda o: o.index)
    return writer.outcomes


class _Writer:
    """The rows of the new and replaced records of one call, built one record at a time."""

    def __init__(self, *, source: str, now: Any, docs: dict[str, Any], keep_documents: bool):
        self.source, self.now, self.docs, self.keep_documents = source, now, docs, keep_documents
        self.stored_sectors: dict[int, list[tuple[int, str, Any]]] = {}
        self.recognition_ids: Any = iter(())
        self.sector_rows: list[tuple] = []
        self.nace_rows: list[tuple] = []
        self.recognition_rows: list[dict[str, Any]] = []
        self.source_rows: list[dict[str, Any]] = []
        self.change_rows: list[tuple[int, dict[str, Any]]] = []
        self.outcomes: list[Outcome] = []
        self.resectored: list[int] = []  # replaced clusters whose sector rows are written again
        self.reindexed: list[int] = []   # replaced clusters whose NACE index rows are written again

    def add(self, index: int, external_id: str, data: ClusterCreate, ns: SimpleNamespace, doc: dict[str, Any],
            digest: str, row: Any, *, cluster_id: int | None = None) -> tuple:
        """The clusters row of a new (row None) or replaced record; its other rows are kept here."""
        now = self.now
        if row is not None:
            cluster_id = row.id
        version = 1 if row is None else row.version + 1
        created_at = now if row is None else row.created_at
        doc["id"], doc["version"] = cluster_id, version
        doc["created_at"] = utc_iso(as_utc(created_at))
        for recognition, data_r in zip(doc["recognitions"], data.recognitions or [], strict=True):
            recognition["id"] = next(self.recognition_ids)
            self.recognition_rows.append({"id": recognition["id"], "cluster_id": cluster_id, **data_r.model_dump(),
                                          "kind": str(data_r.kind)})
        text = orjson.dumps(doc).decode()
        # Sector and NACE rows equal to the stored ones stay as they are (most updates change other fields).
        sectors = [(position, sector["label"], sector["nace"]) for position, sector in enumerate(doc["sectors"])]
        stored = self.stored_sectors.get(cluster_id, [])
        if row is None or stored != sectors:
            if row is not None:
                self.resectored.append(cluster_id)
            self.sector_rows.extend((cluster_id, *sector) for sector in sectors)
        codes = {code for sector in doc["sectors"] for code in sector["nace"]}
        # The NACE index holds the codes of the stored sectors (every writer derives it from them).
        if row is None or {code for _, _, nace in stored for code in nace or ()} != codes:
            if row is not None:
                self.reindexed.append(cluster_id)
            self.nace_rows.extend((cluster_id, code) for code in sorted(codes))
        docs = self.docs
        self.source_rows.extend({"cluster_id": cluster_id, "document_id": docs[s.document].id, "locator": s.locator,
                                 "fields": s.fields} for s in data.sources or [])
        event = "created" if row is None else "updated"
        self.change_rows.append((index, {"resource_type": "clusters", "resource_id": cluster_id, "event": event,
                                         "version": version, "document": text, "source": self.source,
                                         "external_id": external_id}))
        self.outcomes.append(Outcome(index, external_id, cluster_id, version, event,
                                     text if self.keep_documents else None))
        return (cluster_id, *_record_values(ns), str(ns.kind), version, digest, text, created_at, now)


async def _stored_sectors(session: AsyncSession, cluster_ids: list[int]) -> dict[int, list[tuple[int, str, Any]]]:
    """The stored sector rows (position, label, NACE codes) of the given clusters."""
    sectors: dict[int, list[tuple[int, str, Any]]] = defaultdict(list)
    if not cluster_ids:
        return sectors
    # The JSON as text, parsed here: the stored lists only need comparing.
    for cluster_id, position, label, nace in await select_in(session, lambda chunk: select(
            ClusterSector.cluster_id, ClusterSector.position, ClusterSector.label,
            cast(ClusterSector.nace_codes, Text)).where(is_in(session, ClusterSector.cluster_id, chunk))
            .order_by(ClusterSector.cluster_id, ClusterSector.position), cluster_ids):
        sectors[cluster_id].append((position, label, orjson.loads(nace) if nace is not None else None))
    return sectors


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

    # Who holds the slugs of the stored records is known already; only the other slugs are looked up.
    holders = {row.slug: row.id for row in existing.values()}
    stored = await taken(set(wanted.values()) - holders.keys()) | holders
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
