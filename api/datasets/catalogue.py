"""The published datasets: what each holds (public fields only, never personal or confidential data), its
data dictionary, and the query that streams it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, and_, case, cast, distinct, func, select

from api.calls.models import Application, Call
from api.clusters.models import Cluster, SupplyChainLink
from api.emas.models import ResourceVersion, SharedResource, Validation
from api.networks.models import Network, NetworkMembership
from api.organizations.models import Organization
from api.products.models import LcaResult, LcaStudy, Product
from api.products.schemas import SystemBoundary
from api.screenings.models import Screening, ScreeningResult
from api.territory.models import EwcCode, RegisterEntry, WasteDeclaration
from api.territory.schemas import MIN_FIRMS
from api.training.models import Attendance, Event, Registration


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    unit: str | None = None
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    theme: str  # EU data theme (publications office vocabulary)
    fields: tuple[Field, ...]
    query: Callable[[], Select[Any]]
    # The column `modified_since` filters on and `last_modified` is read from; None when there is none.
    modified: Callable[[], ColumnElement[datetime]] | None = None
    keywords: tuple[str, ...] = field(default=())


F = Field


def _clusters() -> Select[Any]:
    return select(Cluster.id, Cluster.name, Cluster.kind, Cluster.country, Cluster.region_code, Cluster.locality,
                  Cluster.latitude, Cluster.longitude, Cluster.enterprises_count, Cluster.employees_count,
                  Cluster.website, Cluster.updated_at).order_by(Cluster.id)


def _organizations() -> Select[Any]:
    # Public registry facts only: no addresses, tax codes, contacts or demo records.
    return (select(Organization.id, Organization.name, Organization.kind, Organization.country,
                   Organization.region_code, Organization.province, Organization.municipality,
                   Organization.ateco_code, Organization.size_class, Organization.emas_registration_number,
                   Organization.iso14001_certificate, Organization.updated_at)
            .where(Organization.is_demo.is_(False)).order_by(Organization.id))


def _links() -> Select[Any]:
    return select(SupplyChainLink.id, SupplyChainLink.supplier_id, SupplyChainLink.customer_id,
                  SupplyChainLink.product, SupplyChainLink.created_at).order_by(SupplyChainLink.id)


def _memberships() -> Select[Any]:
    return (select(NetworkMembership.id, NetworkMembership.network_id, Network.name.label("network"),
                   NetworkMembership.organization_id, NetworkMembership.role, NetworkMembership.joined_date,
                   NetworkMembership.left_date, NetworkMembership.created_at)
            .join(Network, Network.id == NetworkMembership.network_id).order_by(NetworkMembership.id))


def _screening_results() -> Select[Any]:
    return (select(ScreeningResult.screening_id, Screening.set_id.label("criteria_set_id"),
                   Screening.version_number.label("criteria_set_version"), ScreeningResult.cluster_id,
                   ScreeningResult.name, ScreeningResult.country, ScreeningResult.outcome, ScreeningResult.score,
                   ScreeningResult.criteria.label("criterion_outcomes"), Screening.finished_at)
            .join(Screening, Screening.id == ScreeningResult.screening_id)
            .where(Screening.status == "done").order_by(ScreeningResult.screening_id, ScreeningResult.cluster_id))


def _validations() -> Select[Any]:
    return (select(Validation.id, SharedResource.id.label("resource_id"), SharedResource.cluster_id,
                   SharedResource.type.label("resource_type"), SharedResource.title.label("resource_title"),
                   ResourceVersion.number.label("version"), Validation.verifier_organization_id,
                   Validation.outcome, Validation.validated_date, Validation.valid_until, Validation.created_at)
            .join(ResourceVersion, ResourceVersion.id == Validation.version_id)
            .join(SharedResource, SharedResource.id == ResourceVersion.resource_id)
            .where(SharedResource.is_demo.is_(False)).order_by(Validation.id))


def _call_statistics() -> Select[Any]:
    # Aggregates only: never an applicant, its project or its amounts one by one.
    return (select(Application.call_id, Call.title_it.label("call"), Application.state, Application.province,
                   Application.category, func.count().label("applications"),
                   func.sum(Application.requested_cents).label("requested_cents"),
                   func.sum(func.coalesce(Application.granted_cents, 0)).label("granted_cents"),
                   func.max(Application.updated_at).label("updated_at"))
            .join(Call, Call.id == Application.call_id)
            .group_by(Application.call_id, Call.title_it, Application.state, Application.province,
                      Application.category)
            .order_by(Application.call_id, Application.state, Application.province, Application.category))


def _events() -> Select[Any]:
    attended = (select(Registration.event_id, func.count(func.distinct(Attendance.registration_id)).label("n"))
                .join(Attendance, Attendance.registration_id == Registration.id)
                .where(Attendance.attended.is_(True)).group_by(Registration.event_id).subquery())
    confirmed = (select(Registration.event_id, func.count().label("n")).where(Registration.status == "confirmed")
                 .group_by(Registration.event_id).subquery())
    return (select(Event.id, Event.title, Event.kind, Event.audience, Event.organizer_id, Event.starts_at,
                   Event.ends_at, Event.capacity, Event.programme_id, Event.status,
                   func.coalesce(confirmed.c.n, 0).label("confirmed"), func.coalesce(attended.c.n, 0).label("attended"),
                   Event.updated_at)
            .outerjoin(confirmed, confirmed.c.event_id == Event.id).outerjoin(attended, attended.c.event_id == Event.id)
            .order_by(Event.id))


def _waste_statistics() -> Select[Any]:
    # Aggregates only, and only of groups that at least MIN_FIRMS firms declare in (the figures of a smaller
    # group are left empty): never a single firm's declaration. Demo declarations are illustrative: left out.
    d, r, o = WasteDeclaration, RegisterEntry, Organization
    province = func.coalesce(r.province, o.province)
    division = func.substr(func.coalesce(r.ateco_code, o.ateco_code), 1, 2)
    chapter = func.substr(d.ewc_code, 1, 2)
    firms = func.count(distinct(d.organization_id))
    shown = firms >= MIN_FIRMS

    def kg(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        # Whole kilograms (declarations are in t or kg) from integer grams: the same digits on both engines.
        return case((shown, cast(func.coalesce(func.sum(case((condition, d.quantity_g), else_=0)), 0), BigInteger)
                     // 1000))

    return (select(d.year, province.label("province"), division.label("ateco_division"), chapter.label("ewc_chapter"),
                   case((shown, firms)).label("declaring_firms"), kg(d.activity == "produced").label("produced_kg"),
                   kg(and_(d.activity == "produced", EwcCode.hazardous.is_(True))).label("hazardous_produced_kg"),
                   kg(d.activity == "managed").label("managed_kg"))
            .select_from(d).join(o, o.id == d.organization_id).join(EwcCode, EwcCode.code == d.ewc_code)
            .outerjoin(r, r.organization_id == d.organization_id).where(d.is_demo.is_(False))
            .group_by(d.year, province, division, chapter).order_by(d.year, province, division, chapter))


def _lca_results() -> Select[Any]:
    # Published studies only: illustrative figures (made up to show the feature) are not research data.
    return (select(LcaResult.study_id, LcaStudy.product_id, Product.name.label("product"), Product.cluster_id,
                   Product.code.label("product_code"), LcaStudy.functional_unit_quantity,
                   LcaStudy.functional_unit_unit, LcaStudy.system_boundary, LcaStudy.reference_year, LcaStudy.method,
                   LcaResult.indicator, LcaResult.value, LcaResult.unit, LcaStudy.updated_at)
            .join(LcaStudy, LcaStudy.id == LcaResult.study_id).join(Product, Product.id == LcaStudy.product_id)
            .where(LcaStudy.is_illustrative.is_(False)).order_by(LcaResult.study_id, LcaResult.id))


ID = F("id", "integer", "Identifier, stable across releases.")
UPDATED = F("updated_at", "datetime", "When the record last changed (UTC, ISO 8601).")

DATASETS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("clusters", "Cluster e distretti", "Clusters, districts and homogeneous enterprise systems of the "
            "registry, with their place and size.", "ECON", (
                ID, F("name", "string", "Name of the cluster."),
                F("kind", "string", "Kind of cluster.", allowed=("industrial_district", "cluster", "apea",
                                                                 "industrial_park", "supply_chain",
                                                                 "enterprise_network", "other")),
                F("country", "string", "ISO 3166-1 alpha-2 country code."),
                F("region_code", "string", "NUTS code of the region, when known."),
                F("locality", "string", "Locality."), F("latitude", "number", "Latitude (WGS 84).", "degree"),
                F("longitude", "number", "Longitude (WGS 84).", "degree"),
                F("enterprises_count", "integer", "Enterprises in the cluster, as its source gives it.", "enterprise"),
                F("employees_count", "integer", "People employed, as its source gives it.", "person"),
                F("website", "string", "Website."), UPDATED),
            _clusters, lambda: Cluster.updated_at, ("cluster", "distretto industriale")),
    Dataset("organizations", "Organizzazioni", "Organizations of the registry: public registry facts only (no "
            "addresses, tax codes or contacts; demo records left out).", "ECON", (
                ID, F("name", "string", "Name."), F("kind", "string", "Kind of organization."),
                F("country", "string", "ISO 3166-1 alpha-2."), F("region_code", "string", "NUTS code."),
                F("province", "string", "Italian province abbreviation."),
                F("municipality", "string", "Municipality."), F("ateco_code", "string", "ATECO (NACE) code."),
                F("size_class", "string", "Size class per Rec. 2003/361/EC.",
                  allowed=("micro", "small", "medium", "large")),
                F("emas_registration_number", "string", "EMAS registration number."),
                F("iso14001_certificate", "string", "ISO 14001 certificate."), UPDATED),
            _organizations, lambda: Organization.updated_at, ("impresa", "EMAS")),
    Dataset("supply-chain-links", "Filiere tra cluster", "Directed supply-chain links between clusters.", "ECON", (
                ID, F("supplier_id", "integer", "Supplier cluster."), F("customer_id", "integer", "Customer cluster."),
                F("product", "string", "What flows along the link."),
                F("created_at", "datetime", "When the link was recorded.")),
            _links, lambda: SupplyChainLink.created_at, ("filiera",)),
    Dataset("network-memberships", "Adesioni alle reti", "Memberships of organizations in networks, with their "
            "periods.", "GOVE", (
                ID, F("network_id", "integer", "Network."), F("network", "string", "Network name."),
                F("organization_id", "integer", "Member organization."), F("role", "string", "Role in the network."),
                F("joined_date", "date", "Joined."), F("left_date", "date", "Left (empty while a member)."),
                F("created_at", "datetime", "When recorded.")),
            _memberships, lambda: NetworkMembership.created_at, ("rete", "CARTESIO")),
    Dataset("screening-results", "Esiti degli screening", "Outcomes of finished screening runs per cluster.",
            "ENVI", (
                F("screening_id", "integer", "The run."), F("criteria_set_id", "integer", "Criteria set."),
                F("criteria_set_version", "integer", "Version of the set the run used."),
                F("cluster_id", "integer", "Cluster."), F("name", "string", "Cluster name when the run read it."),
                F("country", "string", "Country."), F("outcome", "string", "Final outcome.",
                                                      allowed=("selected", "needs_review", "rejected")),
                F("score", "number", "Sum of the weights of the criteria passed."),
                F("criterion_outcomes", "string", "One letter per criterion in the version's order: p pass, f fail, "
                                                  "u unknown."),
                F("finished_at", "datetime", "When the run finished.")),
            _screening_results, lambda: Screening.finished_at, ("EMAS cluster", "screening")),
    Dataset("shared-resource-validations", "Validazioni delle risorse condivise", "Validations of shared EMAS "
            "resources by accredited verifiers (demo records left out).", "ENVI", (
                ID, F("resource_id", "integer", "Shared resource."), F("cluster_id", "integer", "Owning cluster."),
                F("resource_type", "string", "Type of resource."), F("resource_title", "string", "Title."),
                F("version", "integer", "Version validated."),
                F("verifier_organization_id", "integer", "Verifier organization."),
                F("outcome", "string", "Outcome.", allowed=("validated", "validated_with_findings", "rejected")),
                F("validated_date", "date", "Date of the validation."), F("valid_until", "date", "End of validity."),
                F("created_at", "datetime", "When recorded.")),
            _validations, lambda: Validation.created_at, ("EMAS",)),
    Dataset("call-statistics", "Statistiche dei bandi", "Applications to funding calls, aggregated by call, state, "
            "province and category: never an applicant's data.", "ECON", (
                F("call_id", "integer", "Call."), F("call", "string", "Call title."), F("state", "string", "State."),
                F("province", "string", "Province of the applicants."), F("category", "string", "Category."),
                F("applications", "integer", "Applications."),
                F("requested_cents", "integer", "Amount requested, in euro cents.", "EUR cent"),
                F("granted_cents", "integer", "Amount granted, in euro cents.", "EUR cent"),
                F("updated_at", "datetime", "Latest change among them.")),
            _call_statistics, None, ("economia circolare", "bando")),
    Dataset("events", "Eventi e partecipazione", "Training and information events with their counts of confirmed "
            "registrations and attendance: never the registrants.", "EDUC", (
                ID, F("title", "string", "Title."), F("kind", "string", "Kind of event."),
                F("audience", "string", "Audience."), F("organizer_id", "integer", "Organizing body."),
                F("starts_at", "datetime", "Start (UTC)."), F("ends_at", "datetime", "End (UTC)."),
                F("capacity", "integer", "Seats."), F("programme_id", "integer", "Programme."),
                F("status", "string", "scheduled or cancelled."), F("confirmed", "integer", "Confirmed registrations."),
                F("attended", "integer", "People who attended."), UPDATED),
            _events, lambda: Event.updated_at, ("formazione", "seminario")),
    Dataset("waste-statistics", "Rifiuti prodotti e gestiti (MUD)", "Waste declared in the firms' annual "
            "environmental declarations (MUD), aggregated by year, province, ATECO division and European Waste "
            f"Catalogue chapter. The figures of a group declared by fewer than {MIN_FIRMS} firms are left empty: "
            "never a single firm's declaration.", "ENVI", (
                F("year", "integer", "Year the declaration refers to."),
                F("province", "string", "Italian province abbreviation of the declaring firms."),
                F("ateco_division", "string", "ATECO 2007 (NACE Rev. 2) division of the declaring firms."),
                F("ewc_chapter", "string", "Chapter of the European Waste Catalogue (Decision 2000/532/EC)."),
                F("declaring_firms", "integer", f"Firms declaring in the group; empty below {MIN_FIRMS}.", "firm"),
                F("produced_kg", "integer", "Waste produced.", "kg"),
                F("hazardous_produced_kg", "integer", "Hazardous waste produced (codes with an asterisk).", "kg"),
                F("managed_kg", "integer", "Waste managed (received for recovery or disposal).", "kg")),
            _waste_statistics, None, ("rifiuti", "MUD", "simbiosi industriale")),
    Dataset("lca-results", "Risultati LCA dei prodotti tipici", "Impact results of the life-cycle assessments of "
            "the clusters' typical products, one row per study and indicator (EN 15804+A2 indicators), per "
            "functional unit; illustrative figures are left out.", "ENVI", (
                F("study_id", "integer", "LCA study."), F("product_id", "integer", "Typical product."),
                F("product", "string", "Product name."), F("cluster_id", "integer", "Cluster the product is typical of."),
                F("product_code", "string", "NACE or PRODCOM code of the product, when known."),
                F("functional_unit_quantity", "number", "Quantity of the functional unit."),
                F("functional_unit_unit", "string", "Unit of the functional unit."),
                F("system_boundary", "string", "System boundary.",
                  allowed=tuple(SystemBoundary)),
                F("reference_year", "integer", "Reference year of the inventory."),
                F("method", "string", "Impact assessment method."),
                F("indicator", "string", "Impact indicator (see /api/v1/lca-indicators)."),
                F("value", "number", "Result per functional unit, in `unit`."),
                F("unit", "string", "Unit of the result."), F("updated_at", "datetime", "When the study last changed.")),
            _lca_results, lambda: LcaStudy.updated_at, ("LCA", "EPD", "prodotto tipico")),
)}
