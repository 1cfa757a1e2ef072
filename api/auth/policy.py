"""The one authorization table: which role may do which action, on which objects (the scope rule).

Reads of the public registry are open to everyone, anonymous callers included. Every other action is
listed here; anything not listed is refused. Tests iterate over this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    region_officer = "region_officer"
    cluster_manager = "cluster_manager"
    enterprise = "enterprise"
    evaluator = "evaluator"
    verifier = "verifier"
    chamber_officer = "chamber_officer"
    reader = "reader"


class ScopeRule(StrEnum):
    any = "any"                      # no object restriction
    region = "region"                # the object's NUTS code lies within one of the caller's regions
    cluster = "cluster"              # the object is (or belongs to) one of the caller's clusters
    organization = "organization"    # the object is the caller's own organization
    chamber = "chamber"              # the object is the caller's chamber of commerce
    source_region = "source_region"  # the object is under the caller's sync source and within its regions
    owner = "owner"                  # the caller created the object


class Action(StrEnum):
    clusters_create = "clusters:create"
    clusters_update = "clusters:update"
    clusters_delete = "clusters:delete"
    cluster_members_write = "cluster_members:write"
    supply_chain_write = "supply_chain:write"
    organizations_create = "organizations:create"
    organizations_update = "organizations:update"
    organizations_delete = "organizations:delete"
    networks_create = "networks:create"
    networks_update = "networks:update"
    networks_delete = "networks:delete"
    network_members_write = "network_members:write"
    users_manage = "users:manage"
    changes_read = "changes:read"
    sync_write = "sync:write"
    webhooks_manage = "webhooks:manage"
    criteria_create = "criteria:create"
    criteria_update = "criteria:update"
    screenings_run = "screenings:run"
    emas_resources_write = "emas_resources:write"
    emas_validate = "emas:validate"
    verifiers_manage = "verifiers:manage"
    emas_adopt = "emas:adopt"
    emas_evidence_write = "emas_evidence:write"
    emas_coverage_read = "emas_coverage:read"
    audit_read = "audit:read"
    cluster_programme_write = "cluster_programme:write"
    apo_decide = "apo:decide"
    calls_manage = "calls:manage"
    applications_write = "applications:write"
    evaluations_write = "evaluations:write"
    events_manage = "events:manage"
    datasets_release = "datasets:release"
    products_write = "products:write"
    territory_import = "territory:import"
    territory_reference_write = "territory:reference_write"
    territory_declarations_read = "territory:declarations_read"


PUBLIC_READS = ("clusters:read", "organizations:read", "networks:read", "documents:read", "criteria:read",
                "screenings:read", "emas_requirements:read", "emas_resources:read", "datasets:read",
                "products:read")


@dataclass(frozen=True)
class Rule:
    role: Role
    action: Action
    scope: ScopeRule


R, A, S = Role, Action, ScopeRule

# Only an accredited verifier validates, and only an assigned evaluator scores, whatever other rights an account
# has.
ACCREDITED_ONLY = frozenset({A.emas_validate, A.evaluations_write})

POLICY: tuple[Rule, ...] = (
    *(Rule(R.admin, action, S.any) for action in Action if action not in ACCREDITED_ONLY),
    Rule(R.region_officer, A.clusters_create, S.region),
    Rule(R.region_officer, A.clusters_update, S.region),
    Rule(R.region_officer, A.clusters_delete, S.region),
    Rule(R.region_officer, A.cluster_members_write, S.region),
    Rule(R.region_officer, A.supply_chain_write, S.region),
    Rule(R.region_officer, A.organizations_create, S.region),
    Rule(R.region_officer, A.organizations_update, S.region),
    Rule(R.cluster_manager, A.clusters_update, S.cluster),
    Rule(R.cluster_manager, A.cluster_members_write, S.cluster),
    Rule(R.cluster_manager, A.supply_chain_write, S.cluster),
    # A cluster manager registers the firms of the cluster before adding them as members.
    Rule(R.cluster_manager, A.organizations_create, S.any),
    Rule(R.enterprise, A.organizations_update, S.organization),
    Rule(R.chamber_officer, A.organizations_update, S.chamber),
    # Integrations: a Region's system writes its own records by external id, within its regions; anyone
    # signed in may follow the feed of the public registry.
    Rule(R.region_officer, A.sync_write, S.source_region),
    *(Rule(role, A.changes_read, S.any) for role in Role if role is not R.admin),
    # Webhooks are for integrations (and their administrators); each sees only its own.
    Rule(R.region_officer, A.webhooks_manage, S.any),
    Rule(R.reader, A.webhooks_manage, S.any),
    # Regions pick the clusters where the cluster approach can be replicated: they write criteria and sets
    # (changing only their own) and run screenings.
    Rule(R.region_officer, A.criteria_create, S.any),
    Rule(R.region_officer, A.criteria_update, S.owner),
    Rule(R.region_officer, A.screenings_run, S.any),
    # The district EMAS approach: the cluster builds shared resources, an accredited verifier validates them
    # (its accreditation and conflicts of interest are checked by the service), members adopt them and
    # record what they built themselves; a firm's coverage is seen by the firm, its clusters and its Region.
    Rule(R.cluster_manager, A.emas_resources_write, S.cluster),
    Rule(R.verifier, A.emas_validate, S.any),
    Rule(R.enterprise, A.emas_adopt, S.organization),
    Rule(R.cluster_manager, A.emas_adopt, S.cluster),
    Rule(R.enterprise, A.emas_evidence_write, S.organization),
    Rule(R.enterprise, A.emas_coverage_read, S.organization),
    Rule(R.cluster_manager, A.emas_coverage_read, S.cluster),
    Rule(R.region_officer, A.emas_coverage_read, S.region),
    # The Eco-Cluster programme, territorial indicators and the APO request are the cluster's to keep; the
    # Region records the decision on an APO attestation.
    Rule(R.cluster_manager, A.cluster_programme_write, S.cluster),
    Rule(R.region_officer, A.cluster_programme_write, S.region),
    Rule(R.region_officer, A.apo_decide, S.region),
    # Funding calls are run by the Region and the chambers of commerce; firms apply for themselves; evaluators
    # score what they are assigned (checked by the service).
    Rule(R.region_officer, A.calls_manage, S.any),
    Rule(R.chamber_officer, A.calls_manage, S.any),
    Rule(R.enterprise, A.applications_write, S.organization),
    Rule(R.evaluator, A.evaluations_write, S.any),
    # Chambers, Regions and cluster managers organize programmes and events; an event's organizers are its
    # creator and the users of its organizing body (checked by the service).
    Rule(R.chamber_officer, A.events_manage, S.any),
    Rule(R.region_officer, A.events_manage, S.any),
    Rule(R.cluster_manager, A.events_manage, S.any),
    # A cluster's typical products, their LCA studies and EPDs are kept by the cluster and its Region.
    Rule(R.cluster_manager, A.products_write, S.cluster),
    Rule(R.region_officer, A.products_write, S.region),
    # The territorial analysis: the administrator imports the business register and the MUD and keeps the EWC
    # and symbiosis reference data; a firm's own declaration lines are read only by Region and chamber officers,
    # and the service narrows those to the caller's regions or the chamber's territory. Everyone else sees the
    # aggregates, which suppress small groups.
    Rule(R.region_officer, A.territory_declarations_read, S.any),
    Rule(R.chamber_officer, A.territory_declarations_read, S.any),
)


def rules_for(role: str, action: Action) -> list[Rule]:
    return [rule for rule in POLICY if rule.role == role and rule.action == action]


# Which scope strings each role carries, for account creation checks.
ROLE_SCOPE_KINDS: dict[Role, frozenset[str]] = {
    R.admin: frozenset(),
    R.region_officer: frozenset({"region"}),
    R.cluster_manager: frozenset({"cluster"}),
    R.enterprise: frozenset({"organization"}),
    R.evaluator: frozenset(),
    R.verifier: frozenset({"organization"}),
    R.chamber_officer: frozenset({"chamber"}),
    R.reader: frozenset(),
}
