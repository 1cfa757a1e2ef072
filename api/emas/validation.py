"""Validation of released versions by accredited verifiers, and what a validation is worth on a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.emas import service as resources_service
from api.auth.policy import Action
from api.auth.principal import Principal
from api.clusters.models import Cluster, ClusterMembership, ClusterNaceCode
from api.emas.errors import ConflictOfInterest, NotAccredited, OutsideAccreditation, VersionNotReleased
from api.emas.models import ResourceVersion, SharedResource, Validation, VerifierAccreditation
from api.emas.schemas import AccreditationIn, ValidationCreate, ValidationOutcome, VersionStatus
from api.networks.models import NetworkMembership
from api.organizations.models import Organization
from api.organizations.service import get as get_organization

VALIDITY_YEARS = 3
COUNTING = (ValidationOutcome.validated.value, ValidationOutcome.validated_with_findings.value)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def status_of(validation: Validation, today: date) -> str:
    if validation.outcome == ValidationOutcome.rejected:
        return "rejected"
    return "expired" if validation.valid_until < today else "current"


def counts(validation: Validation | None, today: date) -> bool:
    return validation is not None and status_of(validation, today) == "current"


def render(validation: Validation, verifier: Organization, accreditation: VerifierAccreditation | None,
           today: date) -> dict[str, Any]:
    status = status_of(validation, today)
    surveillance = []
    year = 1
    while (due := add_years(validation.validated_date, year)) < validation.valid_until:
        surveillance.append({"due_date": due, "state": "due" if due <= today else "upcoming"})
        year += 1
    return {
        "id": validation.id, "verifier_organization_id": validation.verifier_organization_id,
        "verifier_name": verifier.name,
        "accreditation_number": accreditation.accreditation_number if accreditation else None,
        "outcome": validation.outcome, "findings": validation.findings,
        "validated_date": validation.validated_date, "valid_until": validation.valid_until, "status": status,
        "expired_on": validation.valid_until if status == "expired" else None,
        "surveillance": surveillance if validation.outcome != ValidationOutcome.rejected else [],
        "is_demo": validation.is_demo,
    }


@dataclass
class VersionValidations:
    """The validations of some versions, newest first, with their verifiers."""

    by_version: dict[int, list[tuple[Validation, Organization, VerifierAccreditation | None]]]

    def latest(self, version_id: int) -> Validation | None:
        rows = self.by_version.get(version_id)
        return rows[0][0] if rows else None

    def rendered(self, version_id: int, today: date) -> list[dict[str, Any]]:
        return [render(v, org, acc, today) for v, org, acc in self.by_version.get(version_id, [])]


async def for_versions(session: AsyncSession, version_ids: list[int]) -> VersionValidations:
    rows = (await session.execute(
        select(Validation, Organization, VerifierAccreditation)
        .join(Organization, Organization.id == Validation.verifier_organization_id)
        .outerjoin(VerifierAccreditation, VerifierAccreditation.organization_id == Organization.id)
        .where(Validation.version_id.in_(version_ids))
        .order_by(Validation.validated_date.desc(), Validation.id.desc()))).all()
    out: dict[int, list[tuple[Validation, Organization, VerifierAccreditation | None]]] = {}
    for validation, org, accreditation in rows:
        out.setdefault(validation.version_id, []).append((validation, org, accreditation))
    return VersionValidations(out)


async def set_accreditation(session: AsyncSession, *, organization_id: int, data: AccreditationIn,
                            actor: Principal) -> VerifierAccreditation:
    """Record (or replace) a verifier organization's accreditation (administrators)."""
    actor.require(Action.verifiers_manage)
    org = await get_organization(session, organization_id)
    if org.kind != "verifier":
        raise NotAccredited(f"Organization {organization_id} is of kind {org.kind}, not verifier.")
    row = await session.get(VerifierAccreditation, organization_id)
    if row is None:
        row = VerifierAccreditation(organization_id=organization_id, is_demo=org.is_demo)
        session.add(row)
    row.accreditation_number = data.accreditation_number
    row.accrediting_body = data.accrediting_body
    row.nace_scopes = list(dict.fromkeys(data.nace_scopes))
    row.valid_until = data.valid_until
    await session.flush()
    await audit.record(session, actor=actor, action="verifier_accreditation.set", object_type="organization",
                       object_id=organization_id, detail=data.model_dump(mode="json"))
    return row


def _within(code: str, scopes: list[str]) -> bool:
    return any(code == scope or code.startswith(scope + ".") for scope in scopes)


async def validate(session: AsyncSession, *, resource: SharedResource, version: ResourceVersion,
                   data: ValidationCreate, actor: Principal, today: date) -> Validation:
    """An accredited verifier validates a released version, once: no conflict of interest, within its scope."""
    actor.require(Action.emas_validate)
    accreditation = (await session.get(VerifierAccreditation, actor.organization_id)
                     if actor.organization_id is not None else None)
    if accreditation is None:
        raise NotAccredited("Your organization has no verifier accreditation recorded.")
    if accreditation.valid_until is not None and accreditation.valid_until < today:
        raise NotAccredited(f"Your organization's accreditation ended on {accreditation.valid_until}.")
    if version.status != VersionStatus.released:
        raise VersionNotReleased("Only a released version can be validated; the cluster must release it first.")
    verifier_org = accreditation.organization_id
    if resource.cluster_id is not None:
        cluster = await session.get_one(Cluster, resource.cluster_id)
        member = await session.scalar(select(ClusterMembership.id).where(
            ClusterMembership.cluster_id == cluster.id, ClusterMembership.organization_id == verifier_org,
            ClusterMembership.left_date.is_(None)))
        if member is not None or cluster.coordinating_body_id == verifier_org:
            raise ConflictOfInterest(f"Your organization belongs to cluster {cluster.id} ({cluster.name}); "
                                     "another verifier must validate its resources.")
        codes = list((await session.scalars(select(ClusterNaceCode.code)
                                            .where(ClusterNaceCode.cluster_id == cluster.id))).all())
        if not codes:
            raise OutsideAccreditation(f"Cluster {cluster.id} has no NACE code, so no accreditation scope can "
                                       "be shown to cover it.")
        outside = [code for code in codes if not _within(code, accreditation.nace_scopes)]
        if outside:
            raise OutsideAccreditation(f"NACE {', '.join(sorted(outside))} of cluster {cluster.id} lies outside "
                                       f"your accreditation scopes ({', '.join(accreditation.nace_scopes)}).")
    else:
        member = await session.scalar(select(NetworkMembership.id).where(
            NetworkMembership.network_id == resource.network_id, NetworkMembership.organization_id == verifier_org,
            NetworkMembership.left_date.is_(None)))
        if member is not None:
            raise ConflictOfInterest(f"Your organization is a member of network {resource.network_id}.")
    validated_date = data.validated_date or today
    validation = Validation(
        version_id=version.id, verifier_organization_id=verifier_org, validated_by=actor.key,
        outcome=data.outcome.value, findings=data.findings, validated_date=validated_date,
        valid_until=data.valid_until or add_years(validated_date, VALIDITY_YEARS))
    session.add(validation)
    await session.flush()
    await audit.record(session, actor=actor, action="validation.created", object_type="shared_resource",
                       object_id=resource.id, detail={"version": version.number, "outcome": validation.outcome,
                                                      "valid_until": validation.valid_until.isoformat()})
    await resources_service.touch(session, resource.id)
    return validation


async def surveillance(session: AsyncSession, *, verifier_organization_id: int | None, cluster_id: int | None,
                       state: str | None, today: date) -> list[dict[str, Any]]:
    """The yearly surveillance dates of current validations, soonest first: `due` once the date has come."""
    stmt = (select(Validation, ResourceVersion.number, SharedResource.id, SharedResource.title,
                   SharedResource.cluster_id)
            .join(ResourceVersion, ResourceVersion.id == Validation.version_id)
            .join(SharedResource, SharedResource.id == ResourceVersion.resource_id)
            .where(Validation.outcome.in_(COUNTING), Validation.valid_until >= today))
    if verifier_organization_id is not None:
        stmt = stmt.where(Validation.verifier_organization_id == verifier_organization_id)
    if cluster_id is not None:
        stmt = stmt.where(SharedResource.cluster_id == cluster_id)
    out = []
    for validation, number, resource_id, title, resource_cluster in (await session.execute(stmt)).all():
        year = 1
        while (due := add_years(validation.validated_date, year)) < validation.valid_until:
            item_state = "due" if due <= today else "upcoming"
            if state in (None, item_state):
                out.append({"validation_id": validation.id, "resource_id": resource_id, "resource_title": title,
                            "cluster_id": resource_cluster, "version": number,
                            "verifier_organization_id": validation.verifier_organization_id, "due_date": due,
                            "state": item_state})
            year += 1
    out.sort(key=lambda item: (item["due_date"], item["validation_id"]))
    return out


async def accreditation_of(session: AsyncSession, organization_id: int) -> VerifierAccreditation | None:
    return await session.get(VerifierAccreditation, organization_id)


