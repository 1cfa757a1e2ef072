"""Who is calling, and the object-level check against the policy table."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.auth.policy import Action, ScopeRule, rules_for
from api.core.errors import Forbidden, Unauthorized


@dataclass(frozen=True)
class Target:
    """The facts of an object that scope rules look at."""

    region_codes: tuple[str, ...] = ()
    cluster_ids: tuple[int, ...] = ()
    organization_id: int | None = None
    source: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class Principal:
    kind: str  # "user", "service" or "anonymous"
    id: int | None
    role: str | None
    organization_id: int | None = None
    regions: tuple[str, ...] = ()
    clusters: tuple[int, ...] = ()
    organizations: tuple[int, ...] = ()
    chambers: tuple[int, ...] = ()
    label: str = field(default="anonymous")
    # The sync source a service account writes as; None for people.
    source: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.kind != "anonymous"

    @classmethod
    def from_scopes(cls, *, kind: str, id: int, role: str, scopes: list[str], organization_id: int | None,
                    label: str, source: str | None = None) -> Principal:
        parsed = parse_scopes(scopes)
        orgs = {int(o) for o in parsed["organization"]}
        if organization_id is not None:
            orgs.add(organization_id)
        return cls(
            kind=kind, id=id, role=role, organization_id=organization_id, label=label,
            regions=tuple(parsed["region"]), clusters=tuple(int(c) for c in parsed["cluster"]),
            organizations=tuple(sorted(orgs)), chambers=tuple(int(c) for c in parsed["chamber"]), source=source,
        )

    @property
    def key(self) -> str:
        """Who this is, as stored with what it owns: "service:3", "user:7" ("system" for the seed)."""
        return self.kind if self.id is None else f"{self.kind}:{self.id}"

    def matches(self, rule: ScopeRule, target: Target | None) -> bool:
        if rule is ScopeRule.any:
            return True
        if target is None:
            return False
        if rule is ScopeRule.region:
            return any(code.startswith(region) for code in target.region_codes for region in self.regions)
        if rule is ScopeRule.source_region:
            return (self.source is not None and target.source == self.source
                    and any(code.startswith(region) for code in target.region_codes for region in self.regions))
        if rule is ScopeRule.owner:
            return target.owner is not None and target.owner == self.key
        if rule is ScopeRule.cluster:
            return any(cid in self.clusters for cid in target.cluster_ids)
        if rule is ScopeRule.organization:
            return target.organization_id is not None and target.organization_id in self.organizations
        if rule is ScopeRule.chamber:
            return target.organization_id is not None and target.organization_id in self.chambers
        return False

    def can(self, action: Action, target: Target | None = None) -> bool:
        if self.role is None:
            return False
        return any(self.matches(rule.scope, target) for rule in rules_for(self.role, action))

    def require(self, action: Action, target: Target | None = None) -> None:
        if not self.is_authenticated:
            raise Unauthorized(f"Sign in to {action.value.replace(':', ' ')}.")
        if not self.can(action, target):
            raise Forbidden(f"Your role ({self.role}) may not {action.value} here.")


ANONYMOUS = Principal(kind="anonymous", id=None, role=None)

SCOPE_KINDS = ("region", "cluster", "organization", "chamber")


def parse_scopes(scopes: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {kind: [] for kind in SCOPE_KINDS}
    for scope in scopes:
        kind, _, value = scope.partition(":")
        if kind in out and value:
            out[kind].append(value)
    return out
