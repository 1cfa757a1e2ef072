"""Clusters: the registry's main record, its sectors, recognitions, sources, members and supply chain.

Reads serve `clusters.document`, the JSON representation that every write here rebuilds in the same
transaction; so a read is one indexed row and no serialisation.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Text, bindparam, cast, delete, exists, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from api.auth.policy import Action
from api.auth.principal import Principal, Target
from api.clusters.errors import (ClusterNotFound, LinkExists, LinkNotFound, MembershipExists, MembershipNotFound,
                                 SlugTaken, UnknownReference)
from api.clusters.models import (Cluster, ClusterMembership, ClusterNaceCode, ClusterSector, ClusterSource,
                                 Recognition, SupplyChainLink)
from api.clusters.schemas import (ClusterCreate, ClusterUpdate, MemberCreate, RecognitionIn, Sector, SourceIn,
                                  SupplyChainLinkCreate)
from api.changes import service as changes
from api.core.db import RowReader, utc_iso, utcnow
from api.core.errors import ValidationFailed
from api.core.identifiers import nuts_matches_country
from api.core.pagination import (SortKey, cursor_shape, fetch_page, keyset, keyset_order, next_cursor,
                                 page_params)
from api.documents.models import Document
from api.organizations.models import Organization

SORTS = {
    "name": SortKey("name", Cluster.name),
    "-name": SortKey("-name", Cluster.name, descending=True),
    "id": SortKey("id", Cluster.id),
    "-id": SortKey("-id", Cluster.id, descending=True),
    "enterprises": SortKey("enterprises", Cluster.enterprises_count),
    "-enterprises": SortKey("-enterprises", Cluster.enterprises_count, descending=True),
    "employees": SortKey("employees", Cluster.employees_count),
    "-employees": SortKey("-employees", Cluster.employees_count, descending=True),
    "updated_at": SortKey("updated_at", Cluster.updated_at),
    "-updated_at": SortKey("-updated_at", Cluster.updated_at, descending=True),
}

_LOAD = (
    selectinload(Cluster.coordinating_body),
    selectinload(Cluster.sectors),
    selectinload(Cluster.recognitions),
    selectinload(Cluster.sources).selectinload(ClusterSource.document),
)

MAX_CHAIN_DEPTH = 10


def target(cluster: Cluster) -> Target:
    return Target(region_codes=(cluster.region_code,) if cluster.region_code else (), cluster_ids=(cluster.id,))


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100] or "cluster"


# ---- reading -----------------------------------------------------------------------------------------

async def load(session: AsyncSession, cluster_id: int, *, for_update: bool = False, fresh: bool = False) -> Cluster:
    """The cluster with everything its representation needs, or ClusterNotFound; `fresh` rereads the row."""
    stmt = select(Cluster).where(Cluster.id == cluster_id).options(*_LOAD)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    if for_update:
        stmt = stmt.with_for_update(of=Cluster)
    cluster = await session.scalar(stmt)
    if cluster is None:
        raise ClusterNotFound(f"No cluster with id {cluster_id}.")
    return cluster


async def read_document(rows: RowReader, cluster_id: int) -> tuple[int, str]:
    """(version, JSON text) of one cluster, on the hot read path."""
    row = await rows.by_id("clusters", "version, document", cluster_id)
    if row is None:
        raise ClusterNotFound(f"No cluster with id {cluster_id}.")
    return row[0], row[1]


async def ensure_exists(session: AsyncSession, cluster_id: int) -> None:
    if await session.scalar(select(Cluster.id).where(Cluster.id == cluster_id)) is None:
        raise ClusterNotFound(f"No cluster with id {cluster_id}.")


def like_escape(text: str) -> str:
    """Escape LIKE wildcards with '/' (the ESCAPE character used by every filter here)."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _filter_params(*, q: str | None = None, sector: str | None = None, nace: str | None = None,
                   country: str | None = None, region: str | None = None, kind: str | None = None,
                   recognition: str | None = None, tag: str | None = None, min_enterprises: int | None = None,
                   max_enterprises: int | None = None, min_employees: int | None = None,
                   max_employees: int | None = None) -> dict[str, Any]:
    """The bind parameter values of the filters given, ready for LIKE where they are patterns."""
    params: dict[str, Any] = {}
    if q:
        params["q"] = f"%{like_escape(q.lower())}%"
    if sector:
        params["sector"] = f"%{like_escape(sector.lower())}%"
    if nace:
        params["nace"], params["nace_prefix"] = nace, f"{like_escape(nace)}%"
    if country:
        params["country"] = country.upper()
    if region:
        params["region"] = f"{like_escape(region.upper())}%"
    if kind:
        params["kind"] = str(kind)
    if recognition:
        params["recognition"] = str(recognition)
    if tag:
        params["tag"] = f"%{like_escape(orjson.dumps(tag).decode())}%"
    for name, value in (("min_enterprises", min_enterprises), ("max_enterprises", max_enterprises),
                        ("min_employees", min_employees), ("max_employees", max_employees)):
        if value is not None:
            params[name] = value
    return params


def _filter_clauses(params: dict[str, Any]) -> list[ColumnElement[bool]]:
    """WHERE clauses over named bind parameters: the SQL depends on which filters are present, not on values."""
    def bound(name: str) -> Any:
        return bindparam(name, params[name])

    clauses: list[ColumnElement[bool]] = []
    if "q" in params:
        clauses.append(or_(*(func.lower(column).like(bound("q"), escape="/")
                             for column in (Cluster.name, Cluster.locality, Cluster.region_name))))
    if "sector" in params:
        clauses.append(exists().where(ClusterSector.cluster_id == Cluster.id,
                                      func.lower(ClusterSector.label).like(bound("sector"), escape="/")))
    if "nace" in params:
        # A cluster of division 15 answers a query for class 15.20, and one of 15.20 a query for 15.
        code = ClusterNaceCode.code
        clauses.append(exists().where(ClusterNaceCode.cluster_id == Cluster.id, or_(
            code.like(bound("nace_prefix"), escape="/"),
            bound("nace").like(code.concat(literal_column("'%'"))),
        )))
    if "country" in params:
        clauses.append(Cluster.country == bound("country"))
    if "region" in params:
        clauses.append(Cluster.region_code.like(bound("region"), escape="/"))
    if "kind" in params:
        clauses.append(Cluster.kind == bound("kind"))
    if "recognition" in params:
        clauses.append(exists().where(Recognition.cluster_id == Cluster.id, Recognition.kind == bound("recognition")))
    if "tag" in params:
        # Tags are few and short; a LIKE on the JSON text works the same on SQLite and PostgreSQL.
        clauses.append(cast(Cluster.tags, Text).like(bound("tag"), escape="/"))
    for name, column in (("min_enterprises", Cluster.enterprises_count), ("min_employees", Cluster.employees_count)):
        if name in params:
            clauses.append(column >= bound(name))
    for name, column in (("max_enterprises", Cluster.enterprises_count), ("max_employees", Cluster.employees_count)):
        if name in params:
            clauses.append(column <= bound(name))
    return clauses


async def list_documents(rows: RowReader, *, sort: str, cursor: str | None, limit: int,
                         **filters: Any) -> tuple[list[str], list[tuple[int, int]], str | None]:
    """One page of cluster documents (JSON text), their (id, version), and the cursor after the page."""
    key = SORTS[sort]
    params = _filter_params(**filters) | page_params(key=key, cursor=cursor, limit=limit)

    def build() -> Any:
        # Find the page's ids first (an index-only scan on PostgreSQL when the filters are on included
        # columns), then read those rows: the filter never touches the wide rows it rejects.
        ids = keyset(select(Cluster.id).where(*_filter_clauses(params)), key=key, id_column=Cluster.id,
                     params=params)
        return (select(Cluster.id, key.column.label("sort_value"), Cluster.version, Cluster.document)
                .where(Cluster.id.in_(ids.scalar_subquery())).order_by(*keyset_order(key, Cluster.id)))

    found = await rows.select(("clusters", sort, cursor_shape(params), *sorted(params)), build, params)
    items, after = next_cursor(found, key_name=key.name, limit=limit, value_of=lambda r: r[1], id_of=lambda r: r[0])
    return [row[3] for row in items], [(row[0], row[2]) for row in items], after


def render(cluster: Cluster) -> dict[str, Any]:
    """The public representation (ClusterRead) of a fully loaded cluster."""
    body = cluster.coordinating_body
    return {
        "id": cluster.id,
        "slug": cluster.slug,
        "name": cluster.name,
        "kind": cluster.kind,
        "country": cluster.country,
        "region_code": cluster.region_code,
        "region_name": cluster.region_name,
        "locality": cluster.locality,
        "location_text": cluster.location_text,
        "latitude": cluster.latitude,
        "longitude": cluster.longitude,
        "enterprises": {"count": cluster.enterprises_count, "approximate": cluster.enterprises_approximate,
                        "note": cluster.enterprises_note},
        "employees": {"count": cluster.employees_count, "approximate": cluster.employees_approximate,
                      "note": cluster.employees_note},
        "website": cluster.website,
        "website_note": cluster.website_note,
        "coordinating_body": {"id": body.id, "name": body.name, "kind": body.kind} if body else None,
        "constitutive_elements": cluster.constitutive_elements,
        "eco_innovation": cluster.eco_innovation,
        "tags": list(cluster.tags or []),
        "sectors": [{"label": s.label, "nace": list(s.nace_codes or [])} for s in cluster.sectors],
        "recognitions": [
            {"id": r.id, "kind": r.kind, "name": r.name, "issuer": r.issuer,
             "issued_date": r.issued_date.isoformat() if r.issued_date else None,
             "valid_until": r.valid_until.isoformat() if r.valid_until else None,
             "reference": r.reference, "note": r.note}
            for r in cluster.recognitions
        ],
        "sources": [{"document": s.document.key, "title": s.document.title, "locator": s.locator,
                     "fields": s.fields} for s in cluster.sources],
        "source": cluster.source,
        "external_id": cluster.external_id,
        "version": cluster.version,
        "created_at": utc_iso(cluster.created_at),
        "updated_at": utc_iso(cluster.updated_at),
    }


VOLATILE = ("id", "version", "created_at", "updated_at")


def content_hash(document: dict[str, Any]) -> str:
    """Hash of what a cluster says, leaving out what every write changes (id, version, times, the ids of
    recognitions, which are rows replaced on write)."""
    content = {k: v for k, v in document.items() if k not in VOLATILE}
    content["recognitions"] = [{k: v for k, v in r.items() if k != "id"} for r in document["recognitions"]]
    return hashlib.blake2b(orjson.dumps(content, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()


# ---- writing -----------------------------------------------------------------------------------------

def _invalid(field: str, message: str, cls: type[ValidationFailed] = ValidationFailed) -> ValidationFailed:
    return cls(message, errors=[{"field": field, "message": message, "code": "value_error"}])


async def _unique_slug(session: AsyncSession, wanted: str | None, name: str, own_id: int | None) -> str:
    base = wanted or slugify(name)
    candidate, n = base, 1
    while True:
        stmt = select(Cluster.id).where(Cluster.slug == candidate)
        other = await session.scalar(stmt)
        if other is None or other == own_id:
            return candidate
        if wanted:
            raise SlugTaken(f"Slug {wanted!r} is used by cluster {other}.", existing_id=other)
        n += 1
        candidate = f"{base[:110]}-{n}"


async def _check_organization(session: AsyncSession, organization_id: int | None, field: str) -> None:
    if organization_id is None:
        return
    if await session.get(Organization, organization_id) is None:
        raise _invalid(field, f"No organization with id {organization_id}.", UnknownReference)


async def _sources(session: AsyncSession, sources: list[SourceIn]) -> list[ClusterSource]:
    keys = {s.document for s in sources}
    docs = {d.key: d for d in (await session.scalars(select(Document).where(Document.key.in_(keys)))).all()}
    out = []
    for i, s in enumerate(sources):
        if s.document not in docs:
            raise _invalid(f"body.sources.{i}.document", f"No document with key {s.document!r}.", UnknownReference)
        out.append(ClusterSource(document=docs[s.document], locator=s.locator, fields=s.fields))
    return out


def _sectors(sectors: list[Sector]) -> list[ClusterSector]:
    return [ClusterSector(position=i, label=s.label, nace_codes=list(dict.fromkeys(s.nace)))
            for i, s in enumerate(sectors)]


def _recognitions(items: list[RecognitionIn]) -> list[Recognition]:
    return [Recognition(**r.model_dump()) for r in items]


async def _index_nace(session: AsyncSession, cluster: Cluster) -> None:
    await session.execute(delete(ClusterNaceCode).where(ClusterNaceCode.cluster_id == cluster.id))
    codes = sorted({code for s in cluster.sectors for code in (s.nace_codes or [])})
    if codes:
        session.add_all([ClusterNaceCode(cluster_id=cluster.id, code=code) for code in codes])


async def _store_document(session: AsyncSession, cluster: Cluster, event: str) -> Cluster:
    """Flush, reload what the representation needs, store it and append it to the changes feed."""
    await session.flush()
    # Sources arrive with their document attached (_sources, load); the coordinating body may be new.
    await session.refresh(cluster, ["coordinating_body"])
    rendered = render(cluster)
    cluster.document = orjson.dumps(rendered).decode()
    cluster.content_hash = content_hash(rendered)
    await session.flush()
    await changes.record(session, resource_type="clusters", resource_id=cluster.id, event=event,
                         version=cluster.version, document=cluster.document, source=cluster.source,
                         external_id=cluster.external_id)
    return cluster


def apply_scalars(cluster: Any, values: dict[str, Any]) -> None:
    """Set the scalar fields present in `values` (a ClusterCreate/Update dump) on a cluster-like object."""
    for field in ("name", "kind", "country", "region_code", "region_name", "locality", "location_text",
                  "latitude", "longitude", "website", "website_note", "coordinating_body_id",
                  "constitutive_elements", "eco_innovation"):
        if field in values:
            setattr(cluster, field, values[field])
    if "tags" in values:
        cluster.tags = list(dict.fromkeys(values["tags"] or []))
    for prefix in ("enterprises", "employees"):
        if prefix in values:
            head = values[prefix] or {}
            setattr(cluster, f"{prefix}_count", head.get("count"))
            setattr(cluster, f"{prefix}_approximate", bool(head.get("approximate", False)))
            setattr(cluster, f"{prefix}_note", head.get("note"))


async def create(session: AsyncSession, *, data: ClusterCreate, actor: Principal, source: str | None = None,
                 external_id: str | None = None) -> Cluster:
    """Register a cluster in a region the caller may write to."""
    actor.require(Action.clusters_create, Target(region_codes=(data.region_code,) if data.region_code else ()))
    await _check_organization(session, data.coordinating_body_id, "body.coordinating_body_id")
    now = utcnow()
    cluster = Cluster(slug=await _unique_slug(session, data.slug, data.name, None), version=1, created_at=now,
                      updated_at=now, source=source, external_id=external_id, tags=[], document="{}")
    apply_scalars(cluster, data.model_dump(exclude_unset=True))
    cluster.enterprises_approximate = cluster.enterprises_approximate or False
    cluster.employees_approximate = cluster.employees_approximate or False
    cluster.sectors = _sectors(data.sectors or [])
    cluster.recognitions = _recognitions(data.recognitions or [])
    cluster.sources = await _sources(session, data.sources or [])
    session.add(cluster)
    await session.flush()
    await _index_nace(session, cluster)
    return await _store_document(session, cluster, "created")


async def update(session: AsyncSession, *, cluster: Cluster, data: ClusterUpdate, actor: Principal) -> Cluster:
    """Change the fields sent; lists sent replace the stored ones; the version goes up by one."""
    actor.require(Action.clusters_update, target(cluster))
    values = data.model_dump(exclude_unset=True)
    if not values:
        return cluster  # nothing sent, nothing changed: the version and ETag stay
    for field in ("name", "kind", "country"):
        if field in values and values[field] is None:
            raise _invalid(f"body.{field}", f"{field} cannot be null.")
    if "coordinating_body_id" in values:
        await _check_organization(session, values["coordinating_body_id"], "body.coordinating_body_id")
    if values.get("slug") is not None:
        cluster.slug = await _unique_slug(session, values["slug"], cluster.name, cluster.id)
    apply_scalars(cluster, values)
    if cluster.region_code and not nuts_matches_country(cluster.region_code, cluster.country):
        raise _invalid("body.region_code", f"{cluster.region_code} is not a NUTS code of {cluster.country}.")
    # Moving a cluster needs the right over its new place too.
    actor.require(Action.clusters_update, target(cluster))
    if "sectors" in values:
        cluster.sectors = _sectors(data.sectors or [])
        await session.flush()
        await _index_nace(session, cluster)
    if "recognitions" in values:
        cluster.recognitions = _recognitions(data.recognitions or [])
    if "sources" in values:
        cluster.sources = await _sources(session, data.sources or [])
    cluster.version += 1
    cluster.updated_at = utcnow()
    return await _store_document(session, cluster, "updated")


async def delete_one(session: AsyncSession, *, cluster: Cluster, actor: Principal) -> None:
    """Delete a cluster with its sectors, recognitions, memberships and supply-chain links."""
    actor.require(Action.clusters_delete, target(cluster))
    await forget_dependents(session, cluster.id)
    await session.execute(delete(Cluster).where(Cluster.id == cluster.id))
    await session.flush()
    await record_deletion(session, cluster_id=cluster.id, version=cluster.version, source=cluster.source,
                          external_id=cluster.external_id)


async def forget_dependents(session: AsyncSession, cluster_id: int) -> None:
    """Before a cluster is deleted: tombstones for what is deleted with it and has a place on the feed."""
    from api.products.service import forget_cluster_products  # products depend on clusters, not the reverse

    await forget_cluster_products(session, cluster_id)


async def record_deletion(session: AsyncSession, *, cluster_id: int, version: int, source: str | None,
                          external_id: str | None) -> None:
    await changes.record(session, resource_type="clusters", resource_id=cluster_id, event="deleted",
                         version=version + 1, source=source, external_id=external_id,
                         document=changes.tombstone("clusters", cluster_id, version=version + 1, source=source,
                                                    external_id=external_id))


async def coordinated_by(session: AsyncSession, *, organization_id: int) -> list[int]:
    """Ids of the clusters whose representation embeds this organization as coordinating body."""
    return list((await session.scalars(
        select(Cluster.id).where(Cluster.coordinating_body_id == organization_id))).all())


async def refresh_documents(session: AsyncSession, *, cluster_ids: list[int]) -> None:
    """Rebuild the stored representation of these clusters after something they embed changed."""
    for cluster_id in cluster_ids:
        cluster = await load(session, cluster_id, fresh=True)
        cluster.version += 1
        cluster.updated_at = utcnow()
        await _store_document(session, cluster, "updated")


# ---- members -----------------------------------------------------------------------------------------

async def list_members(session: AsyncSession, *, cluster_id: int, role: str | None = None,
                       current: bool | None = None, cursor: str | None = None,
                       limit: int = 200) -> tuple[list[ClusterMembership], str | None]:
    """One page of a cluster's memberships, in the order they were recorded."""
    stmt = (select(ClusterMembership).where(ClusterMembership.cluster_id == cluster_id)
            .options(selectinload(ClusterMembership.organization)))
    if role:
        stmt = stmt.where(ClusterMembership.role == role)
    if current is True:
        stmt = stmt.where(ClusterMembership.left_date.is_(None))
    elif current is False:
        stmt = stmt.where(ClusterMembership.left_date.is_not(None))
    return await fetch_page(session, stmt, key=SortKey("id", ClusterMembership.id), id_column=ClusterMembership.id,
                            cursor=cursor, limit=limit)


async def add_member(session: AsyncSession, *, cluster: Cluster, data: MemberCreate,
                     actor: Principal) -> ClusterMembership:
    """Add an organization to the cluster with a role."""
    actor.require(Action.cluster_members_write, target(cluster))
    await _check_organization(session, data.organization_id, "body.organization_id")
    existing = await session.scalar(select(ClusterMembership.id).where(
        ClusterMembership.cluster_id == cluster.id, ClusterMembership.organization_id == data.organization_id))
    if existing is not None:
        raise MembershipExists(f"Organization {data.organization_id} is already a member (membership {existing}).",
                               existing_id=existing)
    membership = ClusterMembership(cluster_id=cluster.id, **data.model_dump())
    session.add(membership)
    await session.flush()
    await session.refresh(membership, ["organization"])
    return membership


async def remove_member(session: AsyncSession, *, cluster: Cluster, membership_id: int, actor: Principal) -> None:
    actor.require(Action.cluster_members_write, target(cluster))
    result = await session.execute(delete(ClusterMembership).where(
        ClusterMembership.id == membership_id, ClusterMembership.cluster_id == cluster.id))
    if result.rowcount == 0:
        raise MembershipNotFound(f"Cluster {cluster.id} has no membership {membership_id}.")


# ---- supply chain ------------------------------------------------------------------------------------

async def add_link(session: AsyncSession, *, supplier: Cluster, data: SupplyChainLinkCreate,
                   actor: Principal) -> SupplyChainLink:
    """Record that the supplier cluster's product flows to the customer cluster."""
    customer = await session.get(Cluster, data.customer_id)
    if customer is None:
        raise _invalid("body.customer_id", f"No cluster with id {data.customer_id}.", UnknownReference)
    if customer.id == supplier.id:
        raise _invalid("body.customer_id", "A cluster cannot supply itself.")
    # Either end of the link in the caller's scope is enough: a district records its own suppliers.
    if not (actor.can(Action.supply_chain_write, target(supplier))
            or actor.can(Action.supply_chain_write, target(customer))):
        actor.require(Action.supply_chain_write, target(supplier))
    existing = await session.scalar(select(SupplyChainLink.id).where(
        SupplyChainLink.supplier_id == supplier.id, SupplyChainLink.customer_id == customer.id,
        SupplyChainLink.product == data.product))
    if existing is not None:
        raise LinkExists(f"This link is already recorded as {existing}.", existing_id=existing)
    link = SupplyChainLink(supplier_id=supplier.id, customer_id=customer.id, **data.model_dump(exclude={"customer_id"}))
    session.add(link)
    await session.flush()
    return link


async def remove_link(session: AsyncSession, *, cluster: Cluster, link_id: int, actor: Principal) -> None:
    link = await session.get(SupplyChainLink, link_id)
    if link is None or cluster.id not in (link.supplier_id, link.customer_id):
        raise LinkNotFound(f"Cluster {cluster.id} has no supply-chain link {link_id}.")
    ends = [await session.get(Cluster, link.supplier_id), await session.get(Cluster, link.customer_id)]
    if not any(actor.can(Action.supply_chain_write, target(c)) for c in ends if c is not None):
        actor.require(Action.supply_chain_write, target(cluster))
    await session.delete(link)
    await session.flush()


async def supply_chain(session: AsyncSession, *, cluster: Cluster) -> dict[str, Any]:
    """The chain upstream and downstream of a cluster, walked breadth-first up to MAX_CHAIN_DEPTH."""
    supplier, customer = aliased(Cluster), aliased(Cluster)
    document = aliased(Document)

    async def walk(direction: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen_links: set[int] = set()
        frontier, visited, depth = {cluster.id}, {cluster.id}, 0
        while frontier and depth < MAX_CHAIN_DEPTH:
            depth += 1
            near = SupplyChainLink.customer_id if direction == "up" else SupplyChainLink.supplier_id
            stmt = (select(SupplyChainLink, supplier.id, supplier.slug, supplier.name, customer.id, customer.slug,
                           customer.name, document.key)
                    .join(supplier, supplier.id == SupplyChainLink.supplier_id)
                    .join(customer, customer.id == SupplyChainLink.customer_id)
                    .outerjoin(document, document.id == SupplyChainLink.source_document_id)
                    .where(near.in_(frontier)).order_by(SupplyChainLink.id))
            rows = (await session.execute(stmt)).all()
            nxt: set[int] = set()
            for link, sid, sslug, sname, cid, cslug, cname, doc_key in rows:
                if link.id in seen_links:
                    continue
                seen_links.add(link.id)
                out.append({"id": link.id, "supplier": {"id": sid, "slug": sslug, "name": sname},
                            "customer": {"id": cid, "slug": cslug, "name": cname}, "product": link.product,
                            "note": link.note, "source_document": doc_key, "source_locator": link.source_locator,
                            "depth": depth})
                far = sid if direction == "up" else cid
                if far not in visited:
                    visited.add(far)
                    nxt.add(far)
            frontier = nxt
        return out

    return {"cluster": {"id": cluster.id, "slug": cluster.slug, "name": cluster.name},
            "upstream": await walk("up"), "downstream": await walk("down")}

