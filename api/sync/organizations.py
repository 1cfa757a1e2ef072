"""Create-or-replace of organizations by (source, external_id), set-based like the clusters' upsert."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.changes import service as changes
from api.clusters import service as clusters_service
from api.core.db import as_utc, utc_iso, utcnow
from api.core.etag import etag
from api.core.identifiers import size_class
from api.documents.models import Document
from api.organizations.models import Organization, euro_to_cents
from api.organizations.schemas import OrganizationCreate
from api.organizations.service import render, size_class_contradiction
from api.sync.clusters import Outcome
from api.core.bulk import upsert_rows
from api.sync.common import (Precondition, RecordErrors, allocate_ids, check_records, check_stored_scope, is_in,
                             lock_source, select_in)

# The columns a record replaces; the rest (demo flag, source document) stay as they are.
RECORD_FIELDS = ("name", "kind", "description", "country", "region_code", "vat_number", "tax_code", "ipa_code",
                 "ateco_code", "istat_municipality_code", "istat_province_code", "employees", "street_address",
                 "postal_code", "municipality", "province", "website", "emas_registration_number",
                 "iso14001_certificate")
VOLATILE = ("id", "version", "created_at", "updated_at")


def organization_etag(org_id: int, version: int) -> str:
    return etag("organization", org_id, version)


def _hash(document: dict[str, Any]) -> str:
    content = {k: v for k, v in document.items() if k not in VOLATILE}
    return hashlib.blake2b(orjson.dumps(content, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()


def _values(data: OrganizationCreate, errors: RecordErrors, index: int) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in RECORD_FIELDS}
    values["kind"] = str(data.kind)
    values["annual_turnover_cents"] = euro_to_cents(data.annual_turnover)
    values["balance_sheet_total_cents"] = euro_to_cents(data.balance_sheet_total)
    derived = size_class(data.employees, data.annual_turnover, data.balance_sheet_total)
    explicit = str(data.size_class) if data.size_class is not None else None
    problem = size_class_contradiction(derived, explicit)
    if problem:
        errors.add(index, "size_class", problem)
    values["size_class"] = derived or explicit
    return values


async def upsert(session: AsyncSession, *, source: str, records: list[tuple[str, OrganizationCreate]],
                 actor: Principal, precondition: Precondition | None = None,
                 keep_documents: bool = False) -> list[Outcome]:
    """Create or replace each (external_id, record) of `source`; all or nothing."""
    await lock_source(session, source)
    errors = RecordErrors()
    now = utcnow()
    seen = check_records(records, source=source, actor=actor, errors=errors)

    columns = [c for c in Organization.__table__.columns]
    existing = {row.external_id: row for row in await select_in(session, lambda chunk: select(*columns).where(
        Organization.source == source, is_in(session, Organization.external_id, chunk)).with_for_update(), list(seen))}
    check_stored_scope(records, existing, source=source, actor=actor, errors=errors)
    if precondition is not None:
        row = existing.get(records[0][0])
        precondition.check(organization_etag(row.id, row.version) if row is not None else None)

    # One partita IVA is one firm, here and within the batch.
    vats = {data.vat_number for _, data in records if data.vat_number}
    holders = {row.vat_number: row for row in await select_in(session, lambda chunk: select(
        Organization.id, Organization.vat_number, Organization.source, Organization.external_id)
        .where(is_in(session, Organization.vat_number, chunk)), sorted(vats))}
    vat_seen: dict[str, int] = {}
    for index, (external_id, data) in enumerate(records):
        if not data.vat_number:
            continue
        holder = holders.get(data.vat_number)
        # A holder that this same batch moves to another VAT number gives it up: not a conflict.
        released = (holder is not None and holder.source == source and holder.external_id in seen
                    and records[seen[holder.external_id]][1].vat_number != data.vat_number)
        if holder is not None and not released and (holder.source, holder.external_id) != (source, external_id):
            errors.add(index, "vat_number", f"Organization {holder.id} already has VAT number {data.vat_number}.",
                       "duplicate_vat")
        elif data.vat_number in vat_seen:
            errors.add(index, "vat_number", f"VAT number {data.vat_number} repeats record {vat_seen[data.vat_number]}.",
                       "duplicate_vat")
        vat_seen.setdefault(data.vat_number, index)
    values = [_values(data, errors, index) for index, (_, data) in enumerate(records)]
    errors.raise_if_any(single=precondition is not None)

    doc_ids = {row.source_document_id for row in existing.values() if row.source_document_id is not None}
    documents = {row.id: SimpleNamespace(key=row.key) for row in await select_in(
        session, lambda chunk: select(Document.id, Document.key).where(is_in(session, Document.id, chunk)), sorted(doc_ids))}

    pending: list[tuple[int, str, dict[str, Any], Any, dict[str, Any]]] = []
    outcomes: list[Outcome] = []
    for index, (external_id, _data) in enumerate(records):
        row = existing.get(external_id)
        kept = {"is_demo": row.is_demo if row is not None else False,
                "source_document_id": row.source_document_id if row is not None else None,
                "source_locator": row.source_locator if row is not None else None}
        candidate = SimpleNamespace(id=0, **values[index], **kept, source=source, external_id=external_id,
                                    source_document=documents.get(kept["source_document_id"]),
                                    version=0, created_at=now, updated_at=now)
        doc = render(candidate)
        if row is not None:
            stored = render(SimpleNamespace(**row._mapping, source_document=documents.get(row.source_document_id)))
            if _hash(stored) == _hash(doc):
                outcomes.append(Outcome(index, external_id, row.id, row.version, "unchanged"))
                continue
        pending.append((index, external_id, {**values[index], **kept}, row, doc))

    new_ids = iter(await allocate_ids(session, "organizations", sum(1 for p in pending if p[3] is None)))
    rows: list[dict[str, Any]] = []
    change_rows: list[dict[str, Any]] = []
    renamed: list[int] = []
    for index, external_id, columns_values, row, doc in pending:
        org_id = next(new_ids) if row is None else row.id
        version = 1 if row is None else row.version + 1
        created_at = now if row is None else row.created_at
        doc["id"], doc["version"] = org_id, version
        doc["created_at"] = utc_iso(as_utc(created_at))
        if row is not None and (row.name, row.kind) != (columns_values["name"], columns_values["kind"]):
            renamed.append(org_id)
        rows.append({"id": org_id, **columns_values, "source": source, "external_id": external_id,
                     "version": version, "created_at": created_at, "updated_at": now})
        text = orjson.dumps(doc).decode()
        change_rows.append({"resource_type": "organizations", "resource_id": org_id,
                            "event": "created" if row is None else "updated", "version": version, "document": text,
                            "source": source, "external_id": external_id})
        outcomes.append(Outcome(index, external_id, org_id, version, "created" if row is None else "updated",
                                text if keep_documents else None))
    # VAT numbers handed from one record to another within the batch: clear the old holders first, or the
    # unique index would see two holders for a moment.
    moved = [row.id for _i, _e, values_, row, _d in pending
             if row is not None and row.vat_number is not None and row.vat_number != values_["vat_number"]]
    for start in range(0, len(moved), 1000):
        await session.execute(update(Organization).where(Organization.id.in_(moved[start:start + 1000]))
                              .values(vat_number=None))
    await upsert_rows(session, Organization.__table__, rows, keep=("id", "created_at", "source", "external_id"))
    await changes.record_many(session, change_rows)
    if renamed:
        # Clusters embed their coordinating body's name and kind.
        for org_id in renamed:
            ids = await clusters_service.coordinated_by(session, organization_id=org_id)
            await clusters_service.refresh_documents(session, cluster_ids=ids)
    outcomes.sort(key=lambda o: o.index)
    return outcomes
