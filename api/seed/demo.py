"""`cartesio seed demo`: the registry as the source documents describe it, plus one demo account per role.

Idempotent: every record is found by its seed key before it is created, so a second run changes nothing.
"""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import service as auth_service
from api.auth.models import User
from api.auth.principal import Principal
from api.clusters import service as clusters_service
from api.clusters.models import Cluster, ClusterMembership, SupplyChainLink
from api.clusters.schemas import ClusterCreate
from api.core.db import Database
from api.documents.models import Document
from api.networks.models import (Commitment, Declaration, Network, NetworkGroup, NetworkGroupMember,
                                 NetworkMemberRole, NetworkMembership, NetworkSource, Signature)
from api.organizations import service as organizations_service
from api.organizations.models import Organization
from api.organizations.schemas import OrganizationCreate
from api.seed.criteria import seed_criteria
from api.seed.emas import seed_emas
from api.seed.calls import seed_calls
from api.seed.training import seed_training
from api.territory import demo as territory_demo
from api.territory import reference as territory_reference
from api.seed.products import seed_products
from api.emas import catalogue
from api.core.storage import LocalStorage

SEED_SOURCE = "cartesio-seed"
DEMO_SOURCE = "cartesio-demo"
SYSTEM = Principal(kind="system", id=None, role="admin", label="seed")

# Synthetic records that make the demo accounts useful; flagged as demo in the API.
DEMO_ORGANIZATIONS: list[dict[str, Any]] = [
    {"key": "conceria-demo", "name": "Conceria Demo S.r.l.", "kind": "enterprise", "country": "IT",
     "region_code": "ITI17", "municipality": "Santa Croce sull'Arno", "province": "PI", "ateco_code": "15.11",
     "cluster": "santa-croce-tannery"},
    {"key": "verificatore-demo", "name": "Verificatore Ambientale Demo", "kind": "verifier", "country": "IT"},
    {"key": "lanificio-demo", "name": "Lanificio Demo S.r.l.", "kind": "enterprise", "country": "IT",
     "region_code": "ITI15", "municipality": "Prato", "province": "PO", "ateco_code": "13.20",
     "cluster": "prato-textile"},
    {"key": "calzaturificio-demo", "name": "Calzaturificio Demo S.r.l.", "kind": "enterprise", "country": "IT",
     "region_code": "ITI12", "municipality": "Capannori", "province": "LU", "ateco_code": "15.20",
     "cluster": "lucca-footwear"},
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    description: str
    scopes: Callable[[dict[str, int], dict[str, int]], list[str]]
    organization: str | None = None


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin@cartesio.example", "admin", "Platform administrator", lambda c, o: []),
    DemoAccount("toscana@cartesio.example", "region_officer", "Regional officer of Toscana (NUTS ITI1)",
                lambda c, o: ["region:ITI1"], organization="regione-toscana"),
    DemoAccount("prato@cartesio.example", "cluster_manager", "Manager of the Prato textile district",
                lambda c, o: [f"cluster:{c['prato-textile']}"]),
    DemoAccount("conceria@cartesio.example", "enterprise", "Enterprise of the Santa Croce tannery district",
                lambda c, o: [], organization="conceria-demo"),
    DemoAccount("valutatore@cartesio.example", "evaluator", "Evaluator of funding calls", lambda c, o: []),
    DemoAccount("verificatore@cartesio.example", "verifier", "EMAS verifier of an accredited body",
                lambda c, o: [], organization="verificatore-demo"),
    DemoAccount("camera@cartesio.example", "chamber_officer", "Officer of Unioncamere Lombardia",
                lambda c, o: [f"chamber:{o['unioncamere-lombardia']}"], organization="unioncamere-lombardia"),
    DemoAccount("ricerca@cartesio.example", "reader", "Partner university reading datasets", lambda c, o: []),
)


def load_registry() -> dict[str, Any]:
    with resources.files("api.seed").joinpath("data/registry.toml").open("rb") as fh:
        return tomllib.load(fh)


def demo_password(var_dir: Path, explicit: str | None) -> str:
    """The demo accounts' password: given, or generated once and kept under var/."""
    if explicit:
        return explicit
    path = var_dir / "demo-password"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


class Seeder:
    def __init__(self, session: AsyncSession, data: dict[str, Any]):
        self.session = session
        self.data = data
        self.documents: dict[str, Document] = {}
        self.orgs: dict[str, int] = {}
        self.clusters: dict[str, int] = {}
        self.created = 0

    async def documents_(self) -> None:
        for doc in self.data.get("documents", []):
            found = await self.session.scalar(select(Document).where(Document.key == doc["key"]))
            if found is None:
                found = Document(key=doc["key"], title=doc["title"], publisher=doc.get("publisher"),
                                 year=doc.get("year"), language=doc.get("language"))
                self.session.add(found)
                self.created += 1
            self.documents[doc["key"]] = found
        await self.session.flush()

    async def organization(self, record: dict[str, Any], *, demo: bool) -> int:
        source = DEMO_SOURCE if demo else SEED_SOURCE
        found = await self.session.scalar(select(Organization.id).where(
            Organization.source == source, Organization.external_id == record["key"]))
        if found is None:
            fields = {k: v for k, v in record.items() if k in OrganizationCreate.model_fields}
            origin = record.get("source") or {}
            doc = self.documents.get(origin.get("document", ""))
            org = await organizations_service.create(
                self.session, data=OrganizationCreate(**fields), actor=SYSTEM, is_demo=demo, source=source,
                external_id=record["key"], source_document_id=doc.id if doc else None,
                source_locator=origin.get("locator"))
            found = org.id
            self.created += 1
        self.orgs[record["key"]] = found
        return found

    async def cluster(self, record: dict[str, Any]) -> None:
        found = await self.session.scalar(select(Cluster.id).where(
            Cluster.source == SEED_SOURCE, Cluster.external_id == record["slug"]))
        if found is None:
            payload = {k: v for k, v in record.items()
                       if k in ClusterCreate.model_fields and k not in ("coordinating_body_id",)}
            if record.get("coordinating_body"):
                payload["coordinating_body_id"] = self.orgs[record["coordinating_body"]]
            payload["sources"] = [{"document": s["document"], "locator": s.get("locator"), "fields": s.get("fields")}
                                  for s in record.get("sources", [])]
            cluster = await clusters_service.create(self.session, data=ClusterCreate(**payload), actor=SYSTEM,
                                                    source=SEED_SOURCE, external_id=record["slug"])
            found = cluster.id
            self.created += 1
            for member in record.get("members", []):
                self.session.add(ClusterMembership(cluster_id=found, organization_id=self.orgs[member["organization"]],
                                                   role=member["role"]))
        self.clusters[record["slug"]] = found

    async def links(self) -> None:
        for link in self.data.get("supply_chain_links", []):
            supplier, customer = self.clusters[link["supplier"]], self.clusters[link["customer"]]
            exists_ = await self.session.scalar(select(SupplyChainLink.id).where(
                SupplyChainLink.supplier_id == supplier, SupplyChainLink.customer_id == customer,
                SupplyChainLink.product == link["product"]))
            if exists_ is None:
                origin = link.get("source") or {}
                doc = self.documents.get(origin.get("document", ""))
                self.session.add(SupplyChainLink(supplier_id=supplier, customer_id=customer, product=link["product"],
                                                 note=link.get("note"), source_document_id=doc.id if doc else None,
                                                 source_locator=origin.get("locator")))
                self.created += 1

    async def network(self, record: dict[str, Any]) -> None:
        if await self.session.scalar(select(Network.id).where(Network.slug == record["slug"])) is not None:
            return
        network = Network(slug=record["slug"], name=record["name"], full_name=record.get("full_name"),
                          description=record.get("description"), objectives=record.get("objectives", []),
                          website=record.get("website"), version=1)
        network.member_roles = [NetworkMemberRole(role=r["role"], title=r["title"], definition=r.get("definition"))
                                for r in record.get("member_roles", [])]
        network.sources = [NetworkSource(document_id=self.documents[s["document"]].id, locator=s.get("locator"))
                           for s in record.get("sources", [])]
        groups = []
        for g in record.get("groups", []):
            group = NetworkGroup(kind=g["kind"], name=g["name"], mandate=g.get("mandate", []))
            group.members = [NetworkGroupMember(organization_id=self.orgs[key], role="coordinator")
                             for key in g.get("coordinators", [])]
            groups.append(group)
        network.groups = groups
        self.session.add(network)
        await self.session.flush()
        for m in record.get("members", []):
            self.session.add(NetworkMembership(network_id=network.id, organization_id=self.orgs[m["organization"]],
                                               role=m["role"], joined_date=m.get("joined_date"),
                                               left_date=m.get("left_date"), note=m.get("note")))
        for d in record.get("declarations", []):
            declaration = Declaration(network_id=network.id, key=d["key"], title=d["title"],
                                      preamble=d.get("preamble"))
            declaration.commitments = [Commitment(number=c["number"], text=c["text"]) for c in d.get("commitments", [])]
            declaration.signatures = [Signature(organization_id=self.orgs[key]) for key in d.get("signatories", [])]
            self.session.add(declaration)
        self.created += 1

    async def demo(self, password: str) -> None:
        for record in DEMO_ORGANIZATIONS:
            org_id = await self.organization({k: v for k, v in record.items() if k != "cluster"}, demo=True)
            if record.get("cluster"):
                cluster_id = self.clusters[record["cluster"]]
                member = await self.session.scalar(select(ClusterMembership.id).where(
                    ClusterMembership.cluster_id == cluster_id, ClusterMembership.organization_id == org_id))
                if member is None:
                    self.session.add(ClusterMembership(cluster_id=cluster_id, organization_id=org_id, role="member"))
        for account in DEMO_ACCOUNTS:
            if await self.session.scalar(select(User.id).where(User.email == account.email)) is not None:
                continue
            await auth_service.create_user(
                self.session, email=account.email, password=password, role=account.role,
                scopes=account.scopes(self.clusters, self.orgs), full_name=account.description,
                organization_id=self.orgs.get(account.organization) if account.organization else None,
                is_demo=True)
            self.created += 1


async def seed_demo(db: Database, *, password: str, progress: Callable[[str, int], None] | None = None) -> int:
    """Load the registry and the demo accounts in one transaction; returns how many records were created."""
    data = load_registry()
    step = progress or (lambda label, n: None)
    async with db.session_scope() as session:
        seeder = Seeder(session, data)
        await seeder.documents_()
        step("documents", len(data.get("documents", [])))
        for record in data.get("organizations", []):
            await seeder.organization(record, demo=False)
            step("organizations", 1)
        for record in data.get("clusters", []):
            await seeder.cluster(record)
            step("clusters", 1)
        await seeder.links()
        for record in data.get("networks", []):
            await seeder.network(record)
        step("networks", 1)
        seeder.created += await seed_criteria(session, SYSTEM)
        step("criteria", 1)
        await seeder.demo(password)
        step("demo accounts", 1)
        seeder.created += await catalogue.install(session)
        seeder.created += await seed_emas(session, LocalStorage(db.settings.resolved_storage_dir), SYSTEM,
                                          orgs=seeder.orgs, clusters=seeder.clusters)
        step("EMAS", 1)
        seeder.created += await seed_calls(session, SYSTEM, orgs=seeder.orgs)
        step("calls", 1)
        seeder.created += await seed_training(session, SYSTEM, orgs=seeder.orgs)
        step("training", 1)
        seeder.created += await territory_reference.install(session)
        seeder.created += await territory_demo.seed(session)
        step("territory", 1)
        seeder.created += await seed_products(session, SYSTEM, clusters=seeder.clusters)
        step("products", 1)
        return seeder.created
