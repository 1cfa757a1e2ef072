"""Demo shared EMAS resources for the IMAGINE districts, validated by the demo verifier and adopted by demo firms
(api/seed/data/emas_demo.toml). Everything goes through the services, so the seed obeys the same rules as the
API (accreditation scope, conflicts of interest, adoption of validated versions only)."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from importlib import resources

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.clusters.models import Recognition
from api.core.storage import Storage
from api.ecocluster.models import ApoAttestation
from api.emas import coverage, service, validation
from api.emas.models import Adoption, Evidence, SharedResource, VerifierAccreditation
from api.emas.schemas import (AccreditationIn, AdoptionCreate, EvidenceCreate, ResourceCreate, ValidationCreate,
                              ValidationOutcome, VersionCreate)


def load() -> dict:
    with resources.files("api.seed").joinpath("data/emas_demo.toml").open("rb") as fh:
        return tomllib.load(fh)


async def _text(content: str) -> AsyncIterator[bytes]:
    yield content.encode()


async def seed_emas(session: AsyncSession, storage: Storage, actor: Principal, *, orgs: dict[str, int],
                    clusters: dict[str, int]) -> int:
    data = load()
    created = 0
    today = date.today()
    verifier_id = orgs[data["verifier"]["organization"]]
    if await session.get(VerifierAccreditation, verifier_id) is None:
        await validation.set_accreditation(session, organization_id=verifier_id, actor=actor, data=AccreditationIn(
            **{k: v for k, v in data["verifier"].items() if k != "organization"}))
        created += 1
    verifier = replace(actor, role="verifier", organization_id=verifier_id)
    kinds = {kind["type"]: kind for kind in data["kinds"]}
    by_type: dict[tuple[str, str], int] = {}
    for district in data["districts"]:
        cluster_id = clusters[district["cluster"]]
        for type_ in [*district.get("validated", []), *district.get("draft", [])]:
            found = await session.scalar(select(SharedResource.id).where(
                SharedResource.cluster_id == cluster_id, SharedResource.type == type_,
                SharedResource.is_demo.is_(True)))
            if found is not None:
                by_type[(district["cluster"], type_)] = found
                continue
            kind = kinds[type_]
            resource = await service.create(session, actor=actor, data=ResourceCreate(
                cluster_id=cluster_id, type=type_, title=kind["title"], requirements=kind["requirements"],
                description="Risorsa dimostrativa."))
            resource.is_demo = True
            version = await service.create_version(session, resource=resource, actor=actor,
                                                   data=VersionCreate(notes="Prima versione (demo)."))
            await service.upload(session, resource=resource, number=version.number, actor=actor, storage=storage,
                                 filename=f"{type_}.txt", max_bytes=1_000_000,
                                 chunks=_text(f"{kind['title']} (documento dimostrativo)\n"))
            resource_id, number = resource.id, version.number
            session.expire_all()
            resource = await service.get_resource(session, resource_id)
            if type_ in district.get("validated", []):
                version = await service.release(session, resource=resource, number=number, actor=actor)
                findings = type_ in district.get("with_findings", [])
                made = await validation.validate(session, resource=resource, version=version, actor=verifier,
                                                 today=today, data=ValidationCreate(
                                                     outcome=ValidationOutcome.validated_with_findings if findings
                                                     else ValidationOutcome.validated,
                                                     findings="Osservazioni minori (demo)." if findings else None))
                made.is_demo = True
            by_type[(district["cluster"], type_)] = resource.id
            created += 1
    for adoption in data["adoptions"]:
        org_id = orgs[adoption["organization"]]
        for type_ in adoption["types"]:
            resource_id = by_type[(adoption["cluster"], type_)]
            if await session.scalar(select(Adoption.id).where(Adoption.organization_id == org_id,
                                                              Adoption.resource_id == resource_id)) is not None:
                continue
            made = await coverage.adopt(session, organization_id=org_id, actor=actor, today=today,
                                        data=AdoptionCreate(resource_id=resource_id, version=1))
            made.is_demo = True
            created += 1
    for item in data["evidence"]:
        org_id = orgs[item["organization"]]
        if await session.scalar(select(Evidence.id).where(Evidence.organization_id == org_id,
                                                          Evidence.title == item["title"])) is not None:
            continue
        made = await coverage.add_evidence(session, organization_id=org_id, actor=actor, data=EvidenceCreate(
            requirement_code=item["requirement"], title=item["title"]))
        made.is_demo = True
        created += 1
    created += await seed_apo(session)
    await session.flush()
    return created


async def seed_apo(session: AsyncSession) -> int:
    """An APO attestation for each cluster whose recognitions record one, with what the record says (the
    documents give no issuer or dates, so those stay empty)."""
    created = 0
    recognitions = (await session.scalars(select(Recognition).where(Recognition.kind == "apo_attestation"))).all()
    for recognition in recognitions:
        if await session.scalar(select(ApoAttestation.id).where(
                ApoAttestation.cluster_id == recognition.cluster_id)) is not None:
            continue
        session.add(ApoAttestation(cluster_id=recognition.cluster_id, status="granted", issuer=recognition.issuer,
                                   granted_date=recognition.issued_date, valid_until=recognition.valid_until,
                                   reference=recognition.reference, note=recognition.note, version=1))
        created += 1
    return created


