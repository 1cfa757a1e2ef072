"""Organizations: firms, public bodies, associations, chambers, universities, verifiers."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Select, delete, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.auth.policy import Action
from api.auth.principal import Principal, Target
from api.clusters import service as clusters_service
from api.changes import service as changes
from api.clusters.models import ClusterMembership
from api.core.db import utc_iso
from api.core.errors import ValidationFailed
from api.core.identifiers import nuts_matches_country, size_class, vat_check_digit_ok
from api.core.pagination import SortKey, fetch_page
from api.organizations.errors import OrganizationInUse, DuplicateVatNumber, OrganizationNotFound
from api.organizations.models import Organization
from api.organizations.schemas import OrganizationCreate, OrganizationUpdate

SORTS = {
    "name": SortKey("name", Organization.name),
    "-name": SortKey("-name", Organization.name, descending=True),
    "id": SortKey("id", Organization.id),
    "-id": SortKey("-id", Organization.id, descending=True),
    "employees": SortKey("employees", Organization.employees),
    "-employees": SortKey("-employees", Organization.employees, descending=True),
    "updated_at": SortKey("updated_at", Organization.updated_at),
    "-updated_at": SortKey("-updated_at", Organization.updated_at, descending=True),
}


FIELDS = ("name", "kind", "description", "country", "region_code", "vat_number", "tax_code", "ipa_code",
          "ateco_code", "istat_municipality_code", "istat_province_code", "employees")
ADDRESS_FIELDS = ("size_class", "street_address", "postal_code", "municipality", "province", "website",
                  "emas_registration_number", "iso14001_certificate")


def _money(cents: int | None) -> str | None:
    return None if cents is None else f"{cents // 100}.{cents % 100:02d}"


def render(org: Any) -> dict[str, Any]:
    """The public representation (OrganizationRead) of an organization, or of anything with its attributes."""
    out: dict[str, Any] = {"id": org.id}
    out.update({name: getattr(org, name) for name in FIELDS})
    out["annual_turnover"] = _money(org.annual_turnover_cents)
    out["balance_sheet_total"] = _money(org.balance_sheet_total_cents)
    out.update({name: getattr(org, name) for name in ADDRESS_FIELDS})
    document = org.source_document if org.source_document_id is not None else None
    out.update({"demo": bool(org.is_demo), "source_document": document.key if document is not None else None,
                "source_locator": org.source_locator, "source": org.source, "external_id": org.external_id,
                "version": org.version, "created_at": utc_iso(org.created_at), "updated_at": utc_iso(org.updated_at)})
    return out


async def _record(session: AsyncSession, org: Organization, event: str) -> None:
    await changes.record(session, resource_type="organizations", resource_id=org.id, event=event,
                         version=org.version, document=orjson.dumps(render(org)).decode(), source=org.source,
                         external_id=org.external_id)


def target(org: Organization) -> Target:
    return Target(region_codes=(org.region_code,) if org.region_code else (), organization_id=org.id)


async def get(session: AsyncSession, organization_id: int, *, for_update: bool = False) -> Organization:
    """Load one organization or raise OrganizationNotFound."""
    stmt = select(Organization).where(Organization.id == organization_id).options(
        selectinload(Organization.source_document)
    )
    if for_update:
        stmt = stmt.with_for_update()
    org = await session.scalar(stmt)
    if org is None:
        raise OrganizationNotFound(f"No organization with id {organization_id}.")
    return org


def _filtered(*, q: str | None, kind: str | None, country: str | None, region: str | None,
              vat_number: str | None, ateco: str | None, size: str | None, cluster_id: int | None,
              demo: bool | None) -> Select[Any]:
    stmt = select(Organization).options(selectinload(Organization.source_document))
    if q:
        stmt = stmt.where(func.lower(Organization.name).contains(q.lower(), autoescape=True))
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    if country:
        stmt = stmt.where(Organization.country == country.upper())
    if region:
        stmt = stmt.where(Organization.region_code.startswith(region.upper(), autoescape=True))
    if vat_number:
        stmt = stmt.where(Organization.vat_number == vat_number)
    if ateco:
        # Both ways, as for clusters: a firm coded 15.20.10 answers 15, and one coded 15 answers 15.20.
        stmt = stmt.where(or_(Organization.ateco_code.startswith(ateco, autoescape=True),
                              literal(ateco).startswith(Organization.ateco_code)))
    if size:
        stmt = stmt.where(Organization.size_class == size)
    if cluster_id is not None:
        stmt = stmt.where(exists().where(ClusterMembership.organization_id == Organization.id,
                                         ClusterMembership.cluster_id == cluster_id))
    if demo is not None:
        stmt = stmt.where(Organization.is_demo.is_(demo))
    return stmt


async def list_page(session: AsyncSession, *, sort: str, cursor: str | None, limit: int,
                    **filters: Any) -> tuple[list[Organization], str | None]:
    """One page of organizations matching the filters, in a stable order."""
    return await fetch_page(session, _filtered(**filters), key=SORTS[sort], id_column=Organization.id, cursor=cursor,
                            limit=limit)


def size_class_contradiction(derived: str | None, explicit: str | None) -> str | None:
    """The message when a size class sent contradicts the one the figures give, else None."""
    if derived is not None and explicit is not None and explicit != derived:
        return f"size_class {explicit} contradicts the figures given, which make the organization {derived}."
    return None


def _apply_size(org: Organization, explicit: str | None, explicit_given: bool, employees_cleared: bool = False) -> None:
    derived = size_class(org.employees, org.annual_turnover, org.balance_sheet_total)
    if derived is not None:
        problem = size_class_contradiction(derived, explicit if explicit_given else None)
        if problem:
            raise ValidationFailed(problem, errors=[{"field": "body.size_class",
                                                     "message": f"derived size class is {derived}",
                                                     "code": "value_error"}])
        org.size_class = derived
    elif explicit_given:
        org.size_class = explicit
    elif org.employees is None and employees_cleared:
        org.size_class = None  # the figures it was derived from are gone


async def _check_unique_vat(session: AsyncSession, vat: str | None, own_id: int | None) -> None:
    if vat is None:
        return
    stmt = select(Organization.id).where(Organization.vat_number == vat)
    if own_id is not None:
        stmt = stmt.where(Organization.id != own_id)
    other = await session.scalar(stmt)
    if other is not None:
        raise DuplicateVatNumber(f"Organization {other} already has VAT number {vat}.", existing_id=other)


async def create(session: AsyncSession, *, data: OrganizationCreate, actor: Principal,
                 is_demo: bool = False, source: str | None = None, external_id: str | None = None,
                 source_document_id: int | None = None, source_locator: str | None = None) -> Organization:
    """Register an organization; the caller must be allowed to create one in its region."""
    actor.require(Action.organizations_create,
                  Target(region_codes=(data.region_code,) if data.region_code else ()))
    await _check_unique_vat(session, data.vat_number, None)
    values = data.model_dump(exclude={"size_class"})
    org = Organization(**values, is_demo=is_demo, source=source, external_id=external_id,
                       source_document_id=source_document_id, source_locator=source_locator, version=1)
    _apply_size(org, data.size_class, "size_class" in data.model_fields_set)
    session.add(org)
    await session.flush()
    org = await get(session, org.id)
    await _record(session, org, "created")
    return org


async def update(session: AsyncSession, *, org: Organization, data: OrganizationUpdate,
                 actor: Principal) -> Organization:
    """Change the fields sent; the version goes up by one."""
    actor.require(Action.organizations_update, target(org))
    if not data.model_fields_set:
        return org  # nothing sent, nothing changed
    changes = data.model_dump(exclude_unset=True, exclude={"size_class"})
    for field in ("name", "kind"):
        if field in changes and changes[field] is None:
            raise ValidationFailed(f"{field} cannot be null.",
                                   errors=[{"field": f"body.{field}", "message": "cannot be null",
                                            "code": "value_error"}])
    for field, value in changes.items():
        setattr(org, field, value)
    if org.vat_number is not None and org.country in (None, "IT") and not vat_check_digit_ok(org.vat_number):
        raise ValidationFailed("Not a valid partita IVA.", errors=[{
            "field": "body.vat_number", "message": "check digit does not match", "code": "value_error"}])
    if org.region_code is not None and not nuts_matches_country(org.region_code, org.country):
        raise ValidationFailed("The region is not in the organization's country.", errors=[{
            "field": "body.region_code", "message": "NUTS code of another country", "code": "value_error"}])
    # A region officer may not move an organization out of its regions.
    actor.require(Action.organizations_update, target(org))
    if "vat_number" in changes:
        await _check_unique_vat(session, org.vat_number, org.id)
    _apply_size(org, data.size_class, "size_class" in data.model_fields_set,
                employees_cleared="employees" in changes and changes["employees"] is None)
    org.version += 1
    await session.flush()
    if "name" in changes or "kind" in changes:
        ids = await clusters_service.coordinated_by(session, organization_id=org.id)
        await clusters_service.refresh_documents(session, cluster_ids=ids)
    org = await get(session, org.id)
    await _record(session, org, "updated")
    return org


async def delete_one(session: AsyncSession, *, org: Organization, actor: Principal) -> None:
    """Delete an organization; clusters it coordinated keep no coordinating body."""
    actor.require(Action.organizations_delete, target(org))
    await remove(session, org=org)


def _keeping_references() -> list[tuple[str, Any]]:
    """(table, column) of the records that must keep the organization they refer to (ON DELETE RESTRICT):
    applications to calls, validations a verifier gave, and the like."""
    return sorted(((table.name, fk.parent) for table in Organization.metadata.tables.values()
                   for fk in table.foreign_keys
                   if fk.column.table.name == "organizations" and (fk.ondelete or "").upper() == "RESTRICT"),
                  key=lambda item: item[0])


async def remove(session: AsyncSession, *, org: Organization) -> None:
    """Delete the organization and tell the feed; the caller has checked the right to. An organization that
    applications or validations refer to stays: 409, naming them."""
    keeping = [name for name, column in _keeping_references()
               if await session.scalar(select(column).where(column == org.id).limit(1)) is not None]
    if keeping:
        raise OrganizationInUse(f"Organization {org.id} is referred to by {', '.join(sorted(set(keeping)))}, "
                                "which must keep it; it cannot be deleted.", referred_by=sorted(set(keeping)))
    # Found before the delete, which sets their coordinating_body_id to NULL.
    ids = await clusters_service.coordinated_by(session, organization_id=org.id)
    await session.execute(delete(Organization).where(Organization.id == org.id))
    await session.flush()
    await changes.record(session, resource_type="organizations", resource_id=org.id, event="deleted",
                         version=org.version + 1, source=org.source, external_id=org.external_id,
                         document=changes.tombstone("organizations", org.id, version=org.version + 1,
                                                    source=org.source, external_id=org.external_id))
    await clusters_service.refresh_documents(session, cluster_ids=ids)



