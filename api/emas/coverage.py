"""Adoptions, a firm's own evidence, and coverage: for each EMAS requirement, whether a validated shared
resource the firm adopted covers it, the firm's own evidence does, or it is still open (the gap analysis)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.auth.policy import Action
from api.auth.principal import Principal, Target
from api.clusters.errors import UnknownReference
from api.clusters.models import Cluster, ClusterMembership
from api.emas import catalogue, validation
from api.emas.errors import (AdoptionNotFound, AlreadyAdopted, EvidenceNotFound, NotAMember, NotValidated,
                             ResourceNotFound, VersionNotFound)
from api.emas.models import Adoption, Evidence, ResourceVersion, SharedResource, SharedResourceRequirement
from api.emas.schemas import AdoptionCreate, EvidenceCreate
from api.networks.models import NetworkMembership
from api.organizations.errors import OrganizationNotFound
from api.organizations.models import Organization


async def member_clusters(session: AsyncSession, organization_id: int) -> tuple[int, ...]:
    return tuple((await session.scalars(select(ClusterMembership.cluster_id).where(
        ClusterMembership.organization_id == organization_id, ClusterMembership.left_date.is_(None)))).all())


async def organization_target(session: AsyncSession, org: Organization) -> Target:
    return Target(region_codes=(org.region_code,) if org.region_code else (), organization_id=org.id,
                  cluster_ids=await member_clusters(session, org.id))


async def readable_organization(session: AsyncSession, organization_id: int, actor: Principal) -> Organization:
    """The organization, if the caller may see its EMAS records; otherwise 404, as if it were not there."""
    org = await session.get(Organization, organization_id)
    if org is None or not actor.can(Action.emas_coverage_read, await organization_target(session, org)):
        raise OrganizationNotFound(f"No organization with id {organization_id}.")
    return org


async def _writable(session: AsyncSession, organization_id: int, actor: Principal, action: Action,
                    target: Target | None = None) -> Organization:
    org = await readable_organization(session, organization_id, actor)
    actor.require(action, target or await organization_target(session, org))
    return org


# adoptions --------------------------------------------------------------------------------------------------
async def adopt(session: AsyncSession, *, organization_id: int, data: AdoptionCreate, actor: Principal,
                today: date) -> Adoption:
    """A member takes up a version that a verifier validated and that is still valid."""
    resource = await session.get(SharedResource, data.resource_id)
    if resource is None:
        raise UnknownReference(str(ResourceNotFound.title), errors=[{
            "field": "body.resource_id", "message": f"no shared resource {data.resource_id}",
            "code": "unknown_reference"}])
    org = await readable_organization(session, organization_id, actor)
    target = Target(organization_id=org.id, region_codes=(org.region_code,) if org.region_code else (),
                    cluster_ids=(resource.cluster_id,) if resource.cluster_id else ())
    actor.require(Action.emas_adopt, target)
    version = await session.scalar(select(ResourceVersion).where(ResourceVersion.resource_id == resource.id,
                                                                 ResourceVersion.number == data.version))
    if version is None:
        raise UnknownReference(str(VersionNotFound.title), errors=[{
            "field": "body.version", "message": f"resource {resource.id} has no version {data.version}",
            "code": "unknown_reference"}])
    if resource.cluster_id is not None:
        member = await session.scalar(select(ClusterMembership.id).where(
            ClusterMembership.cluster_id == resource.cluster_id, ClusterMembership.organization_id == org.id,
            ClusterMembership.left_date.is_(None)))
        where = f"cluster {resource.cluster_id}"
    else:
        member = await session.scalar(select(NetworkMembership.id).where(
            NetworkMembership.network_id == resource.network_id, NetworkMembership.organization_id == org.id,
            NetworkMembership.left_date.is_(None)))
        where = f"network {resource.network_id}"
    if member is None:
        raise NotAMember(f"Organization {org.id} is not a current member of {where}, which owns the resource.")
    latest = (await validation.for_versions(session, [version.id])).latest(version.id)
    if latest is None:
        raise NotValidated(f"Version {version.number} has not been validated by a verifier.")
    status = validation.status_of(latest, today)
    if status == "rejected":
        raise NotValidated(f"The verifier rejected version {version.number} on {latest.validated_date}.")
    if status == "expired":
        raise NotValidated(f"The validation of version {version.number} expired on {latest.valid_until}.",
                           expired_on=latest.valid_until.isoformat())
    existing = await session.scalar(select(Adoption.id).where(Adoption.organization_id == org.id,
                                                              Adoption.version_id == version.id))
    if existing is not None:
        raise AlreadyAdopted(f"Organization {org.id} adopted version {version.number} already (adoption {existing}).")
    adoption = Adoption(organization_id=org.id, resource_id=resource.id, version_id=version.id,
                        adopted_by=actor.key, note=data.note)
    session.add(adoption)
    await session.flush()
    await audit.record(session, actor=actor, action="adoption.created", object_type="organization",
                       object_id=org.id, detail={"resource_id": resource.id, "version": version.number})
    return adoption


async def adoptions(session: AsyncSession, *, organization_id: int, actor: Principal,
                    today: date) -> list[dict[str, Any]]:
    await readable_organization(session, organization_id, actor)
    rows = (await session.execute(
        select(Adoption, SharedResource.title, ResourceVersion.number)
        .join(SharedResource, SharedResource.id == Adoption.resource_id)
        .join(ResourceVersion, ResourceVersion.id == Adoption.version_id)
        .where(Adoption.organization_id == organization_id).order_by(Adoption.id))).all()
    validations = await validation.for_versions(session, [a.version_id for a, _, _ in rows])
    out = []
    for adoption, title, number in rows:
        latest = validations.latest(adoption.version_id)
        out.append({"id": adoption.id, "organization_id": adoption.organization_id,
                    "resource_id": adoption.resource_id, "resource_title": title, "version": number,
                    "adopted_at": adoption.adopted_at, "is_demo": adoption.is_demo,
                    "validation_status": validation.status_of(latest, today) if latest else "none",
                    "valid_until": latest.valid_until if latest else None})
    return out


async def withdraw(session: AsyncSession, *, organization_id: int, adoption_id: int, actor: Principal) -> None:
    org = await readable_organization(session, organization_id, actor)
    adoption = await session.get(Adoption, adoption_id)
    if adoption is None or adoption.organization_id != org.id:
        raise AdoptionNotFound(f"Organization {organization_id} has no adoption {adoption_id}.")
    resource = await session.get_one(SharedResource, adoption.resource_id)
    actor.require(Action.emas_adopt, Target(organization_id=org.id,
                                            cluster_ids=(resource.cluster_id,) if resource.cluster_id else ()))
    await session.delete(adoption)
    await session.flush()
    await audit.record(session, actor=actor, action="adoption.withdrawn", object_type="organization",
                       object_id=org.id, detail={"adoption_id": adoption_id, "resource_id": resource.id})


# evidence ---------------------------------------------------------------------------------------------------
async def add_evidence(session: AsyncSession, *, organization_id: int, data: EvidenceCreate,
                       actor: Principal) -> Evidence:
    org = await _writable(session, organization_id, actor, Action.emas_evidence_write)
    await catalogue.check_codes(session, [data.requirement_code], field="body.requirement_code")
    evidence = Evidence(organization_id=org.id, recorded_by=actor.key, **data.model_dump())
    session.add(evidence)
    await session.flush()
    await audit.record(session, actor=actor, action="evidence.created", object_type="organization",
                       object_id=org.id, detail={"requirement_code": data.requirement_code, "title": data.title})
    return evidence


async def list_evidence(session: AsyncSession, *, organization_id: int, actor: Principal) -> list[Evidence]:
    await readable_organization(session, organization_id, actor)
    return list((await session.scalars(select(Evidence).where(Evidence.organization_id == organization_id)
                                       .order_by(Evidence.id))).all())


async def remove_evidence(session: AsyncSession, *, organization_id: int, evidence_id: int,
                          actor: Principal) -> None:
    org = await _writable(session, organization_id, actor, Action.emas_evidence_write)
    evidence = await session.get(Evidence, evidence_id)
    if evidence is None or evidence.organization_id != org.id:
        raise EvidenceNotFound(f"Organization {organization_id} has no evidence {evidence_id}.")
    await session.delete(evidence)
    await session.flush()
    await audit.record(session, actor=actor, action="evidence.deleted", object_type="organization",
                       object_id=org.id, detail={"evidence_id": evidence_id})


# coverage ---------------------------------------------------------------------------------------------------
async def _shared_cover(session: AsyncSession, organization_ids: list[int], leaves: dict[str, list[str]],
                        today: date) -> tuple[dict[int, dict[str, dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """Per organization: leaf code -> the adopted, validated resource that covers it; and expired adoptions."""
    rows = (await session.execute(
        select(Adoption.organization_id, Adoption.version_id, SharedResource.id, SharedResource.title,
               ResourceVersion.number)
        .join(SharedResource, SharedResource.id == Adoption.resource_id)
        .join(ResourceVersion, ResourceVersion.id == Adoption.version_id)
        .where(Adoption.organization_id.in_(organization_ids)))).all()
    codes: dict[int, list[str]] = {}
    for resource_id, code in (await session.execute(select(
            SharedResourceRequirement.resource_id, SharedResourceRequirement.requirement_code).where(
            SharedResourceRequirement.resource_id.in_({r[2] for r in rows})))).all():
        codes.setdefault(resource_id, []).append(code)
    validations = await validation.for_versions(session, list({r[1] for r in rows}))
    covered: dict[int, dict[str, dict[str, Any]]] = {oid: {} for oid in organization_ids}
    lapsed: dict[int, list[dict[str, Any]]] = {oid: [] for oid in organization_ids}
    for org_id, version_id, resource_id, title, number in rows:
        latest = validations.latest(version_id)
        info = {"resource_id": resource_id, "title": title, "version": number,
                "valid_until": latest.valid_until if latest else None}
        if not validation.counts(latest, today):
            lapsed[org_id].append({**info, "status": validation.status_of(latest, today) if latest else "none"})
            continue
        for code in codes.get(resource_id, []):
            for leaf in leaves.get(code, []):
                covered[org_id].setdefault(leaf, info)
    return covered, lapsed


async def _own_cover(session: AsyncSession, organization_ids: list[int], leaves: dict[str, list[str]],
                     today: date) -> dict[int, dict[str, dict[str, Any]]]:
    rows = (await session.scalars(select(Evidence).where(Evidence.organization_id.in_(organization_ids)))).all()
    out: dict[int, dict[str, dict[str, Any]]] = {oid: {} for oid in organization_ids}
    for evidence in rows:
        if evidence.valid_until is not None and evidence.valid_until < today:
            continue
        for leaf in leaves.get(evidence.requirement_code, []):
            out[evidence.organization_id].setdefault(leaf, {"evidence_id": evidence.id, "title": evidence.title})
    return out


async def organization_coverage(session: AsyncSession, *, organization_id: int, actor: Principal,
                                today: date) -> dict[str, Any]:
    """The firm's gap analysis over every requirement of the catalogue that has no sub-requirements."""
    org = await readable_organization(session, organization_id, actor)
    requirements = await catalogue.all_requirements(session)
    leaves = catalogue.leaves_under(requirements)
    shared, lapsed = await _shared_cover(session, [org.id], leaves, today)
    own = await _own_cover(session, [org.id], leaves, today)
    items = []
    for r in requirements:
        if leaves[r.code] != [r.code]:
            continue
        by_resource = shared[org.id].get(r.code)
        by_evidence = own[org.id].get(r.code)
        state = "shared_resource" if by_resource else "own_evidence" if by_evidence else "open"
        items.append({"code": r.code, "title_it": r.title_it, "title_en": r.title_en, "state": state,
                      "resource": by_resource, "evidence": by_evidence if not by_resource else None})
    covered = sum(1 for i in items if i["state"] != "open")
    return {
        "organization_id": org.id, "as_of": today, "requirements": items, "total": len(items),
        "covered": covered, "covered_by_shared_resources": sum(1 for i in items if i["state"] == "shared_resource"),
        "covered_by_own_evidence": sum(1 for i in items if i["state"] == "own_evidence"),
        "covered_share": round(covered / len(items), 4) if items else 0.0,
        "open": [i["code"] for i in items if i["state"] == "open"],
        "lapsed_adoptions": lapsed[org.id],
    }


async def cluster_coverage(session: AsyncSession, *, cluster: Cluster, actor: Principal,
                           today: date) -> dict[str, Any]:
    """Over the cluster's current members: how many cover each requirement, and which of the cluster's
    validated resources would close the most gaps if every member that has not adopted them did."""
    actor.require(Action.emas_coverage_read, Target(cluster_ids=(cluster.id,),
                                                    region_codes=(cluster.region_code,) if cluster.region_code
                                                    else ()))
    members = list((await session.scalars(select(ClusterMembership.organization_id).where(
        ClusterMembership.cluster_id == cluster.id, ClusterMembership.left_date.is_(None)))).all())
    requirements = await catalogue.all_requirements(session)
    leaves = catalogue.leaves_under(requirements)
    leaf_codes = [r.code for r in requirements if leaves[r.code] == [r.code]]
    shared, _ = await _shared_cover(session, members, leaves, today)
    own = await _own_cover(session, members, leaves, today)
    covered_by = {oid: set(shared[oid]) | set(own[oid]) for oid in members}
    per_requirement = [{"code": code, "firms_covering": sum(1 for oid in members if code in covered_by[oid]),
                        "firms": len(members)} for code in leaf_codes]
    # Candidates: the latest validated, still valid version of each of the cluster's resources.
    resources = list((await session.scalars(select(SharedResource).where(SharedResource.cluster_id == cluster.id)
                                            .order_by(SharedResource.id))).all())
    versions = list((await session.scalars(select(ResourceVersion).where(
        ResourceVersion.resource_id.in_([r.id for r in resources]))
        .order_by(ResourceVersion.number.desc()))).all())
    validations = await validation.for_versions(session, [v.id for v in versions])
    adopted = {(a.organization_id, a.resource_id) for a in (await session.scalars(
        select(Adoption).where(Adoption.organization_id.in_(members)))).all()}
    codes: dict[int, set[str]] = {}
    for resource_id, code in (await session.execute(select(
            SharedResourceRequirement.resource_id, SharedResourceRequirement.requirement_code).where(
            SharedResourceRequirement.resource_id.in_([r.id for r in resources])))).all():
        codes.setdefault(resource_id, set()).update(leaves.get(code, []))
    suggestions = []
    for resource in resources:
        version = next((v for v in versions if v.resource_id == resource.id
                        and validation.counts(validations.latest(v.id), today)), None)
        if version is None:
            continue
        closes = {oid: len(codes.get(resource.id, set()) - covered_by[oid]) for oid in members
                  if (oid, resource.id) not in adopted}
        suggestions.append({"resource_id": resource.id, "title": resource.title, "type": resource.type,
                            "version": version.number,
                            "valid_until": validations.latest(version.id).valid_until,
                            "gaps_closed": sum(closes.values()),
                            "firms_not_adopting": sum(1 for n in closes.values() if n)})
    suggestions.sort(key=lambda s: (-s["gaps_closed"], s["resource_id"]))
    return {"cluster_id": cluster.id, "as_of": today, "firms": len(members), "requirements": per_requirement,
            "fully_covered_firms": sum(1 for oid in members if covered_by[oid] >= set(leaf_codes)),
            "suggestions": suggestions}
