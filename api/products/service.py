"""Typical products of a cluster, their LCA studies (with the study's documents) and EPDs, and the comparison of
one indicator across products of the same kind.

A product's representation carries its studies and EPDs, so a change to either is a new version of the product
(on the changes feed and in its ETag).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.auth.policy import Action
from api.auth.principal import Principal, Target
from api.changes import service as changes
from api.clusters.errors import ClusterNotFound, UnknownReference
from api.clusters.models import Cluster
from api.core.db import utcnow
from api.core.errors import ValidationFailed
from api.core.pagination import SortKey, fetch_page
from api.core.schemas import InputSchema
from api.core.storage import Storage, StoredFile, safe_filename, save_recorded
from api.products.errors import (EpdExists, EpdNotFound, LcaStudyNotFound, ProductExists, ProductNotFound,
                                 StudyFileNotFound)
from api.products.indicators import INDICATORS
from api.products.models import Epd, LcaResult, LcaStudy, LcaStudyFile, Product

ROME = ZoneInfo("Europe/Rome")
RESOURCE_TYPE = "products"
PER_UNIT_QUANTUM = Decimal("1e-10")


def today() -> date:
    """Today where the registry's districts are: the day an EPD's validity is judged against."""
    return datetime.now(ROME).date()


def plain(value: Decimal) -> Decimal:
    """A decimal without the trailing zeros its column pads it with, never in exponent form."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal.as_tuple().exponent > 0 else normal


async def target_of(session: AsyncSession, cluster_id: int) -> Target:
    region = await session.scalar(select(Cluster.region_code).where(Cluster.id == cluster_id))
    return Target(cluster_ids=(cluster_id,), region_codes=(region,) if region else ())


async def _require(session: AsyncSession, actor: Principal, cluster_id: int) -> None:
    actor.require(Action.products_write, await target_of(session, cluster_id))


# rendering ----------------------------------------------------------------------------------------------------
def render_study(study: LcaStudy) -> dict[str, Any]:
    return {
        "id": study.id, "product_id": study.product_id, "title": study.title,
        "functional_unit": {"quantity": plain(study.functional_unit_quantity), "unit": study.functional_unit_unit,
                            "description": study.functional_unit_description},
        "system_boundary": study.system_boundary, "reference_year": study.reference_year, "method": study.method,
        "practitioner": study.practitioner, "is_illustrative": study.is_illustrative, "note": study.note,
        "results": [{"indicator": r.indicator, "value": plain(r.value), "unit": r.unit} for r in study.results],
        "files": study.files, "version": study.version, "created_at": study.created_at,
        "updated_at": study.updated_at,
    }


def render_epd(epd: Epd, on: date) -> dict[str, Any]:
    return {**{k: getattr(epd, k) for k in (
        "id", "product_id", "programme_operator", "registration_number", "standards", "pcr", "issue_date",
        "valid_until", "verifier", "lca_study_id", "url", "is_illustrative", "version", "created_at", "updated_at")},
        "expired": epd.valid_until < on}


def render(product: Product, on: date | None = None) -> dict[str, Any]:
    on = on or today()
    source = None
    if product.source_document is not None:
        source = {"document": product.source_document.key, "locator": product.source_locator}
    return {
        **{k: getattr(product, k) for k in ("id", "cluster_id", "name", "description", "code", "declared_unit",
                                            "version", "created_at", "updated_at")},
        "source": source,
        "lca_studies": [render_study(s) for s in product.lca_studies],
        "epds": [render_epd(e, on) for e in product.epds],
    }


async def record_change(session: AsyncSession, product: Product, event: str) -> None:
    """The product on the changes feed (and so to webhooks): created, updated (its fields, a study or an EPD
    added, changed or removed), deleted."""
    from api.products.schemas import ProductRead

    if event == "deleted":
        version = product.version + 1
        document = changes.tombstone(RESOURCE_TYPE, product.id, version=version, source=None, external_id=None)
    else:
        version = product.version
        document = ProductRead.model_validate(render(product)).model_dump_json()
    await changes.record(session, resource_type=RESOURCE_TYPE, resource_id=product.id, event=event,
                         version=version, document=document)



async def forget_cluster_products(session: AsyncSession, cluster_id: int) -> None:
    """Tombstones for the typical products of a cluster about to be deleted (the database drops them with it),
    so that a reader of the feed never keeps a product whose cluster is gone."""
    rows = (await session.execute(select(Product.id, Product.version).where(Product.cluster_id == cluster_id)
                                  .order_by(Product.id))).all()
    await changes.record_many(session, [
        {"resource_type": RESOURCE_TYPE, "resource_id": pid, "event": "deleted", "version": version + 1,
         "document": changes.tombstone(RESOURCE_TYPE, pid, version=version + 1, source=None, external_id=None),
         "source": None, "external_id": None} for pid, version in rows])

# products -----------------------------------------------------------------------------------------------------
_PRODUCT_LOAD = (
    selectinload(Product.source_document),
    selectinload(Product.lca_studies).selectinload(LcaStudy.results),
    selectinload(Product.lca_studies).selectinload(LcaStudy.files),
    selectinload(Product.epds),
)


async def get_product(session: AsyncSession, product_id: int, *, for_update: bool = False) -> Product:
    stmt = select(Product).where(Product.id == product_id).options(*_PRODUCT_LOAD).execution_options(
        populate_existing=True)
    if for_update:
        stmt = stmt.with_for_update(of=Product)
    product = await session.scalar(stmt)
    if product is None:
        raise ProductNotFound(f"No product with id {product_id}.")
    return product


async def list_page(session: AsyncSession, *, cluster_id: int, cursor: str | None,
                    limit: int) -> tuple[list[Product], str | None]:
    if await session.scalar(select(Cluster.id).where(Cluster.id == cluster_id)) is None:
        raise ClusterNotFound(f"No cluster with id {cluster_id}.")
    stmt = select(Product).where(Product.cluster_id == cluster_id).options(*_PRODUCT_LOAD)
    return await fetch_page(session, stmt, key=SortKey("id", Product.id), id_column=Product.id, cursor=cursor,
                            limit=limit)


async def _name_free(session: AsyncSession, cluster_id: int, name: str, own_id: int | None = None) -> None:
    found = await session.scalar(select(Product.id).where(Product.cluster_id == cluster_id, Product.name == name))
    if found is not None and found != own_id:
        raise ProductExists(f"The cluster already has a product named {name!r} (id {found}).")


async def create_product(session: AsyncSession, *, cluster_id: int, data: InputSchema, actor: Principal,
                         source_document_id: int | None = None, source_locator: str | None = None) -> Product:
    """A typical product of the cluster (its manager, the Region's officers, administrators)."""
    if await session.scalar(select(Cluster.id).where(Cluster.id == cluster_id)) is None:
        raise ClusterNotFound(f"No cluster with id {cluster_id}.")
    await _require(session, actor, cluster_id)
    await _name_free(session, cluster_id, data.name)
    product = Product(cluster_id=cluster_id, **data.model_dump(), source_document_id=source_document_id,
                      source_locator=source_locator, version=1)
    session.add(product)
    await session.flush()
    await audit.record(session, actor=actor, action="product.created", object_type="product", object_id=product.id,
                       detail={"cluster_id": cluster_id, "name": product.name})
    product = await get_product(session, product.id)
    await record_change(session, product, "created")
    return product


async def update_product(session: AsyncSession, *, product: Product, data: InputSchema,
                         actor: Principal) -> Product:
    await _require(session, actor, product.cluster_id)
    values = data.model_dump(exclude_unset=True)
    if "name" in values and values["name"] is None:
        raise ValidationFailed("name cannot be emptied.", errors=[
            {"field": "body.name", "message": "cannot be null", "code": "required"}])
    if "name" in values:
        await _name_free(session, product.cluster_id, values["name"], product.id)
    for key, value in values.items():
        setattr(product, key, value)
    product.version += 1
    product.updated_at = utcnow()
    await session.flush()
    await audit.record(session, actor=actor, action="product.updated", object_type="product", object_id=product.id,
                       detail={"fields": sorted(values)})
    product = await get_product(session, product.id)
    await record_change(session, product, "updated")
    return product


async def delete_product(session: AsyncSession, *, product: Product, actor: Principal) -> None:
    """The product with its studies, results, EPDs; the studies' stored files are swept once nothing refers to
    them."""
    await _require(session, actor, product.cluster_id)
    await session.delete(product)
    await session.flush()
    await audit.record(session, actor=actor, action="product.deleted", object_type="product", object_id=product.id,
                       detail={"cluster_id": product.cluster_id, "name": product.name})
    await record_change(session, product, "deleted")


async def touch(session: AsyncSession, product_id: int) -> Product:
    """A study or an EPD changed: a new version of the product that carries it."""
    product = await get_product(session, product_id, for_update=True)
    product.version += 1
    product.updated_at = utcnow()
    await session.flush()
    product = await get_product(session, product_id)
    await record_change(session, product, "updated")
    return product


# LCA studies --------------------------------------------------------------------------------------------------
async def get_study(session: AsyncSession, study_id: int, *, for_update: bool = False) -> LcaStudy:
    stmt = (select(LcaStudy).where(LcaStudy.id == study_id)
            .options(selectinload(LcaStudy.results), selectinload(LcaStudy.files))
            .execution_options(populate_existing=True))
    if for_update:
        stmt = stmt.with_for_update(of=LcaStudy)
    study = await session.scalar(stmt)
    if study is None:
        raise LcaStudyNotFound(f"No LCA study with id {study_id}.")
    return study


async def studies_of(session: AsyncSession, product_id: int) -> list[LcaStudy]:
    return (await get_product(session, product_id)).lca_studies


def _study_columns(values: dict[str, Any]) -> dict[str, Any]:
    columns = {k: v for k, v in values.items() if k not in ("functional_unit", "results")}
    unit = values.get("functional_unit")
    if unit is not None:
        columns.update(functional_unit_quantity=unit["quantity"], functional_unit_unit=unit["unit"],
                       functional_unit_description=unit.get("description"))
    return columns


def _results(items: list[dict[str, Any]]) -> list[LcaResult]:
    return [LcaResult(indicator=r["indicator"], value=r["value"], unit=r["unit"]) for r in items]


async def create_study(session: AsyncSession, *, product: Product, data: InputSchema, actor: Principal) -> LcaStudy:
    await _require(session, actor, product.cluster_id)
    values = data.model_dump()
    columns = _study_columns(values)
    columns["is_illustrative"] = bool(columns.get("is_illustrative"))
    study = LcaStudy(product_id=product.id, **columns, version=1)
    study.results = _results(values["results"])
    session.add(study)
    await session.flush()
    await audit.record(session, actor=actor, action="lca_study.created", object_type="product",
                       object_id=product.id, detail={"study_id": study.id, "method": study.method})
    await touch(session, product.id)
    return await get_study(session, study.id)


async def update_study(session: AsyncSession, *, study: LcaStudy, data: InputSchema, actor: Principal) -> LcaStudy:
    product = await get_product(session, study.product_id)
    await _require(session, actor, product.cluster_id)
    values = data.model_dump(exclude_unset=True)
    required = [k for k in ("functional_unit", "system_boundary", "method", "results", "is_illustrative")
                if k in values and values[k] is None]
    if required:
        raise ValidationFailed(f"{', '.join(required)} cannot be emptied.", errors=[
            {"field": f"body.{k}", "message": "cannot be null", "code": "required"} for k in required])
    for key, value in _study_columns(values).items():
        setattr(study, key, value)
    if "results" in values:
        study.results.clear()
        await session.flush()  # the old rows go before the new ones take their (study, indicator) places
        study.results.extend(_results(values["results"]))
    study.version += 1
    study.updated_at = utcnow()
    await session.flush()
    await audit.record(session, actor=actor, action="lca_study.updated", object_type="product",
                       object_id=product.id, detail={"study_id": study.id, "fields": sorted(values)})
    await touch(session, product.id)
    return await get_study(session, study.id)


async def delete_study(session: AsyncSession, *, study: LcaStudy, actor: Principal) -> None:
    product = await get_product(session, study.product_id)
    await _require(session, actor, product.cluster_id)
    await session.delete(study)
    await session.flush()
    await audit.record(session, actor=actor, action="lca_study.deleted", object_type="product",
                       object_id=product.id, detail={"study_id": study.id})
    await touch(session, product.id)


async def upload(session: AsyncSession, *, study: LcaStudy, filename: str, chunks: AsyncIterator[bytes],
                 actor: Principal, storage: Storage, max_bytes: int) -> LcaStudyFile:
    """Stream the study's document (a file of the same name is replaced); nothing is left when it fails."""
    product = await get_product(session, study.product_id)
    await _require(session, actor, product.cluster_id)
    name = safe_filename(filename)
    study = await get_study(session, study.id, for_update=True)
    replaced = next((f for f in study.files if f.filename == name), None)

    async def record(stored: StoredFile) -> LcaStudyFile:
        if replaced is not None:
            await session.delete(replaced)
            await session.flush()
        row = LcaStudyFile(study_id=study.id, filename=name, storage_key=stored.key, media_type=stored.media_type,
                           size=stored.size, sha256=stored.sha256, uploaded_by=actor.key)
        session.add(row)
        study.version += 1
        study.updated_at = utcnow()
        await session.flush()
        await audit.record(session, actor=actor, action="lca_study_file.uploaded", object_type="product",
                           object_id=product.id, detail={"study_id": study.id, "file": name,
                                                         "sha256": stored.sha256, "size": stored.size})
        await touch(session, product.id)
        return row

    row = await save_recorded(storage, chunks, filename=name, max_bytes=max_bytes, record=record)
    if replaced is not None:
        await storage.delete(replaced.storage_key)
    return row


async def get_file(session: AsyncSession, *, study_id: int, file_id: int) -> LcaStudyFile:
    row = await session.scalar(select(LcaStudyFile).where(LcaStudyFile.id == file_id,
                                                          LcaStudyFile.study_id == study_id))
    if row is None:
        raise StudyFileNotFound(f"LCA study {study_id} has no file {file_id}.")
    return row


async def delete_file(session: AsyncSession, *, study: LcaStudy, file_id: int, actor: Principal,
                      storage: Storage) -> None:
    product = await get_product(session, study.product_id)
    await _require(session, actor, product.cluster_id)
    row = await get_file(session, study_id=study.id, file_id=file_id)
    await session.delete(row)
    study.version += 1
    study.updated_at = utcnow()
    await session.flush()
    await audit.record(session, actor=actor, action="lca_study_file.deleted", object_type="product",
                       object_id=product.id, detail={"study_id": study.id, "file": row.filename})
    await touch(session, product.id)
    await storage.delete(row.storage_key)


# EPDs ---------------------------------------------------------------------------------------------------------
async def get_epd(session: AsyncSession, epd_id: int, *, for_update: bool = False) -> Epd:
    stmt = select(Epd).where(Epd.id == epd_id).execution_options(populate_existing=True)
    if for_update:
        stmt = stmt.with_for_update(of=Epd)
    epd = await session.scalar(stmt)
    if epd is None:
        raise EpdNotFound(f"No EPD with id {epd_id}.")
    return epd


async def epds_of(session: AsyncSession, product_id: int) -> list[Epd]:
    return (await get_product(session, product_id)).epds


async def _check_epd(session: AsyncSession, *, product_id: int, values: dict[str, Any], own_id: int | None) -> None:
    errors = []
    study_id = values.get("lca_study_id")
    if study_id is not None and await session.scalar(select(LcaStudy.id).where(
            LcaStudy.id == study_id, LcaStudy.product_id == product_id)) is None:
        errors.append({"field": "body.lca_study_id", "message": f"study {study_id} is not a study of this product",
                       "code": "unknown_reference"})
    if errors:
        raise UnknownReference("The EPD refers to a study this product does not have.", errors=errors)
    found = await session.scalar(select(Epd.id).where(
        Epd.programme_operator == values["programme_operator"],
        Epd.registration_number == values["registration_number"]))
    if found is not None and found != own_id:
        raise EpdExists(f"{values['programme_operator']} registration {values['registration_number']} is already "
                        f"recorded (EPD {found}).")


async def create_epd(session: AsyncSession, *, product: Product, data: InputSchema, actor: Principal) -> Epd:
    await _require(session, actor, product.cluster_id)
    values = data.model_dump(mode="json")
    values.update(issue_date=data.issue_date, valid_until=data.valid_until,
                  is_illustrative=bool(values.get("is_illustrative")))
    await _check_epd(session, product_id=product.id, values=values, own_id=None)
    epd = Epd(product_id=product.id, **values, version=1)
    session.add(epd)
    await session.flush()
    await audit.record(session, actor=actor, action="epd.created", object_type="product", object_id=product.id,
                       detail={"epd_id": epd.id, "registration_number": epd.registration_number})
    await touch(session, product.id)
    return await get_epd(session, epd.id)


async def update_epd(session: AsyncSession, *, epd: Epd, data: InputSchema, actor: Principal) -> Epd:
    product = await get_product(session, epd.product_id)
    await _require(session, actor, product.cluster_id)
    sent = data.model_dump(exclude_unset=True, mode="json")
    for key in ("issue_date", "valid_until"):
        if key in sent:
            sent[key] = getattr(data, key)
    required = [k for k in ("programme_operator", "registration_number", "standards", "issue_date", "valid_until",
                            "is_illustrative") if k in sent and sent[k] is None]
    if required:
        raise ValidationFailed(f"{', '.join(required)} cannot be emptied.", errors=[
            {"field": f"body.{k}", "message": "cannot be null", "code": "required"} for k in required])
    merged = {k: getattr(epd, k) for k in ("programme_operator", "registration_number", "issue_date",
                                           "valid_until", "lca_study_id")} | sent
    if merged["valid_until"] <= merged["issue_date"]:
        field = "valid_until" if "valid_until" in sent else "issue_date"
        raise ValidationFailed("valid_until must be after issue_date.", errors=[{
            "field": f"body.{field}", "message": "valid_until must be after issue_date", "code": "value_error"}])
    await _check_epd(session, product_id=product.id, values=merged, own_id=epd.id)
    for key, value in sent.items():
        setattr(epd, key, value)
    epd.version += 1
    epd.updated_at = utcnow()
    await session.flush()
    await audit.record(session, actor=actor, action="epd.updated", object_type="product", object_id=product.id,
                       detail={"epd_id": epd.id, "fields": sorted(sent)})
    await touch(session, product.id)
    return await get_epd(session, epd.id)


async def delete_epd(session: AsyncSession, *, epd: Epd, actor: Principal) -> None:
    product = await get_product(session, epd.product_id)
    await _require(session, actor, product.cluster_id)
    await session.delete(epd)
    await session.flush()
    await audit.record(session, actor=actor, action="epd.deleted", object_type="product", object_id=product.id,
                       detail={"epd_id": epd.id, "registration_number": epd.registration_number})
    await touch(session, product.id)


# comparison ---------------------------------------------------------------------------------------------------
def _like_prefix(code: str) -> str:
    return code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


BLOCKING_DIFFERENCES = {"functional_units", "system_boundaries"}
DIFFERENCE_TEXTS = {
    "functional_units": "the functional units differ ({}): a value per kilogram and one per square metre, pair or "
                        "piece measure different things",
    "system_boundaries": "the system boundaries differ ({}): the studies count different stages of the life cycle; "
                         "filter by system_boundary",
    "methods": "the impact assessment methods differ ({}); the unit is the same, but characterisation factors may "
               "not be",
    "illustrative_figures": "some figures are illustrative, not the results of a study",
}


async def compare(session: AsyncSession, *, indicator: str, code: str,
                  system_boundary: str | None = None) -> dict[str, Any]:
    """One indicator across the products whose code lies under `code`: each product's latest study reporting it
    (by reference year, then the latest recorded). Values are set per one functional unit only when every study
    counts the same unit within the same boundary; otherwise the answer says why they are not comparable."""
    products = (await session.execute(
        select(Product.id, Product.name, Product.code, Product.cluster_id, Cluster.name)
        .join(Cluster, Cluster.id == Product.cluster_id)
        .where(Product.code.like(_like_prefix(code), escape="\\"))
        .order_by(Product.name, Product.id))).all()
    stmt = (select(LcaStudy, LcaResult.value)
            .join(LcaResult, (LcaResult.study_id == LcaStudy.id) & (LcaResult.indicator == indicator))
            .where(LcaStudy.product_id.in_([p[0] for p in products])))
    if system_boundary is not None:
        stmt = stmt.where(LcaStudy.system_boundary == system_boundary)
    latest: dict[int, tuple[LcaStudy, Decimal]] = {}
    for study, value in (await session.execute(stmt)).all():
        held = latest.get(study.product_id)
        if held is None or (study.reference_year or 0, study.id) > (held[0].reference_year or 0, held[0].id):
            latest[study.product_id] = (study, value)
    items, without = [], []
    for product_id, name, product_code, cluster_id, cluster_name in products:
        if product_id not in latest:
            without.append({"product_id": product_id, "product_name": name, "cluster_id": cluster_id})
            continue
        study, value = latest[product_id]
        items.append({
            "product_id": product_id, "product_name": name, "code": product_code, "cluster_id": cluster_id,
            "cluster_name": cluster_name, "study_id": study.id,
            "functional_unit": {"quantity": plain(study.functional_unit_quantity),
                                "unit": study.functional_unit_unit,
                                "description": study.functional_unit_description},
            "system_boundary": study.system_boundary, "method": study.method,
            "reference_year": study.reference_year, "is_illustrative": study.is_illustrative,
            "value": plain(value), "value_per_unit": None,
            "_per_unit": value / study.functional_unit_quantity})
    units = sorted({i["functional_unit"]["unit"] for i in items})
    boundaries = sorted({i["system_boundary"] for i in items})
    methods = sorted({i["method"] for i in items})
    differences = [{"kind": kind, "blocking": kind in BLOCKING_DIFFERENCES, "values": values}
                   for kind, values in (("functional_units", units), ("system_boundaries", boundaries),
                                        ("methods", methods)) if len(values) > 1]
    if any(i["is_illustrative"] for i in items):
        differences.append({"kind": "illustrative_figures", "blocking": False, "values": []})
    # The same differences in English sentences: those that block the comparison, and the others.
    said = [(d["blocking"], DIFFERENCE_TEXTS[d["kind"]].format(", ".join(d["values"]))) for d in differences]
    reasons = [text for blocking, text in said if blocking]
    notes = [text for blocking, text in said if not blocking]
    comparable = not reasons
    for item in items:
        per_unit = item.pop("_per_unit")
        if comparable:
            item["value_per_unit"] = plain(per_unit.quantize(PER_UNIT_QUANTUM))
    if comparable:
        items.sort(key=lambda i: (i["value_per_unit"], i["product_name"]))
    definition = INDICATORS[indicator]
    return {
        "indicator": {"key": definition.key, "name": definition.name, "abbreviation": definition.abbreviation,
                      "unit": definition.unit},
        "code": code, "comparable": comparable, "reasons": reasons, "notes": notes, "differences": differences,
        "per": units[0] if comparable and units else None, "items": items, "without_result": without,
    }

