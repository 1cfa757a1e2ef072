"""Definitions compiled to SQL: each criterion becomes an outcome (TRUE, FALSE or NULL for unknown) and a
one-line explanation built from the data, both computed by the database for every cluster in one query.

SQL's three-valued logic is the logic of outcomes: AND, OR and NOT over TRUE/FALSE/NULL are exactly the
all/any/not combinators over pass/fail/unknown. The query has three levels:
  1. `facts`: one row per cluster with what the leaves look up (linked tables, grouped by cluster, joined);
  2. `outcomes`: each criterion's outcome and explanation, from the facts;
  3. the caller's projection (phases, score, final outcome), from the outcomes.
Levels 1 and 2 carry OFFSET 0, which keeps the planner from inlining them (and re-running the look-ups once
for every reference).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo
from typing import Any

from sqlalchemy import (ColumnElement, Select, String, Text, and_, case, cast, false, func, literal, not_, null, or_,
                        select, true)
from sqlalchemy.orm import aliased

from api.clusters.models import Cluster, ClusterMembership, ClusterSector, Recognition, SupplyChainLink
from api.criteria import definitions as d
from api.networks.models import Declaration, Network, NetworkMembership, Signature
from api.organizations.models import Organization
from api.products.models import Epd, LcaStudy, Product
from api.training.models import Attendance, Event, Registration

Columns = Any  # the .c collection of the facts sub-query
Expr = Callable[[Columns], ColumnElement[Any]]

_PASS_FAIL = {
    "=": ("= {x}", "≠ {x}"), "!=": ("≠ {x}", "= {x}"),
    "<": ("< {x}", "≥ {x}"), "<=": ("≤ {x}", "> {x}"), ">": ("> {x}", "≤ {x}"), ">=": ("≥ {x}", "< {x}"),
    "in": ("is one of {x}", "is not one of {x}"), "not_in": ("is not one of {x}", "is one of {x}"),
    "starts_with": ("is within {x}", "is not within {x}"),
}


def text(value: str) -> ColumnElement[str]:
    return literal(value, String)


def concat(*parts: ColumnElement[Any] | str) -> ColumnElement[str]:
    out: ColumnElement[Any] | None = None
    for part in parts:
        piece = text(part) if isinstance(part, str) else part
        out = piece if out is None else out + piece
    assert out is not None
    return out


def outcome_char(outcome: ColumnElement[Any]) -> ColumnElement[str]:
    return case((outcome, text("p")), (not_(outcome), text("f")), else_=text("u"))


@dataclass
class Node:
    outcome: Expr
    explain: Expr


@dataclass
class Compiler:
    """Collects the facts the leaves need and returns, per criterion, how to compute its outcome from them."""

    dialect: str
    facts: list[ColumnElement[Any]] = field(default_factory=list)
    joins: list[tuple[Any, ColumnElement[bool]]] = field(default_factory=list)
    _joined: dict[str, Any] = field(default_factory=dict)

    def fact(self, expr: ColumnElement[Any]) -> str:
        name = f"f{len(self.facts)}"
        self.facts.append(expr.label(name))
        return name

    def joined(self, key: str, query: Select[Any], on: Any = None) -> ColumnElement[Any]:
        """The `v` column of a query keyed by `k`, LEFT JOINed to the clusters on `on` (their id by default).

        Linked tables are read once, grouped by cluster, rather than looked up once per cluster: at 100,000
        clusters the per-cluster look-ups were most of a run's time. The same look-up is joined once.
        """
        if key not in self._joined:
            sub = query.subquery(f"j{len(self.joins)}")
            self.joins.append((sub, sub.c.k == (Cluster.id if on is None else on)))
            self._joined[key] = sub.c.v
        return self._joined[key]

    def agg_text(self, column: Any) -> ColumnElement[str]:
        if self.dialect == "postgresql":
            return func.string_agg(column, text(", "))
        return func.group_concat(column, text(", "))

    def compile(self, node: Any) -> Node:
        handler = getattr(self, "_" + node.type)
        return handler(node)

    # combinators -------------------------------------------------------------------------------------------
    def _all(self, node: d.AllCriterion) -> Node:
        return self._combined(node.of, every=True)

    def _any(self, node: d.AnyCriterion) -> Node:
        return self._combined(node.of, every=False)

    def _combined(self, children: Sequence[Any], *, every: bool) -> Node:
        """all/any: the explanation is the part that decided (the first that failed for all, passed for any),
        else the first unknown part, else every part."""
        parts = [self.compile(child) for child in children]

        def decisive(outcome: ColumnElement[Any]) -> ColumnElement[Any]:
            return not_(outcome) if every else outcome

        return Node(
            outcome=lambda f: (and_ if every else or_)(*[p.outcome(f) for p in parts]),
            explain=lambda f: case(
                *[(decisive(p.outcome(f)), p.explain(f)) for p in parts],
                *[(p.outcome(f).is_(None), p.explain(f)) for p in parts],
                else_=_joined([p.explain(f) for p in parts])),
        )

    def _not(self, node: d.NotCriterion) -> Node:
        part = self.compile(node.of)
        return Node(outcome=lambda f: not_(part.outcome(f)), explain=lambda f: concat("not: ", part.explain(f)))

    # leaves ------------------------------------------------------------------------------------------------
    def _nace(self, node: d.NaceCriterion) -> Node:
        codes_text = cast(ClusterSector.nace_codes, Text)
        # A code list is stored as JSON text: '"13' finds 13, 13.1 and 13.10 (NACE codes are NN, NN.N, NN.NN).
        within = or_(*[codes_text.like(f'%"{prefix}%') for prefix in node.prefixes])
        by_cluster = (ClusterSector.cluster_id.label("k"),)
        matched = self.fact(self.joined(f"nace:{','.join(node.prefixes)}", select(
            *by_cluster, func.min(ClusterSector.label).label("v")).where(within).group_by(ClusterSector.cluster_id)))
        known = self.fact(self.joined("nace-known", select(
            *by_cluster, self.agg_text(ClusterSector.label).label("v")).where(codes_text != "[]")
            .group_by(ClusterSector.cluster_id)))
        name = node.label or "NACE " + ", ".join(node.prefixes)
        return Node(
            outcome=lambda f: case((f[matched].is_not(None), true()), (f[known].is_not(None), false()), else_=null()),
            explain=lambda f: case(
                (f[matched].is_not(None), concat("sector '", f[matched], f"' matches {name}")),
                (f[known].is_not(None), concat("sectors '", f[known], f"' do not match {name}")),
                else_=text("no NACE code known for the cluster's sectors")),
        )

    def _field(self, node: d.FieldCriterion) -> Node:
        field_type, label = d.FIELDS[node.field]
        if node.field == "sector_count":
            column: ColumnElement[Any] = self.joined("sector-count", select(
                ClusterSector.cluster_id.label("k"), func.count().label("v")).group_by(ClusterSector.cluster_id))
        else:
            column = getattr(Cluster, node.field)
        value = self.fact(column)
        approximate = None
        if node.field in ("enterprises_count", "employees_count"):
            approximate = self.fact(getattr(Cluster, node.field.replace("_count", "_approximate")))
        shown = (", ".join(str(v) for v in node.value) if isinstance(node.value, list) else str(node.value))
        yes, no = (template.format(x=shown) for template in _PASS_FAIL[node.op])

        def compare(f: Columns) -> ColumnElement[Any]:
            col = f[value]
            op = node.op
            if op == "in":
                return col.in_(node.value)
            if op == "not_in":
                return col.not_in(node.value)
            if op == "starts_with":
                return col.like(f"{node.value}%")
            return {"=": col.__eq__, "!=": col.__ne__, "<": col.__lt__, "<=": col.__le__, ">": col.__gt__,
                    ">=": col.__ge__}[op](node.value)

        def explain(f: Columns) -> ColumnElement[str]:
            about: ColumnElement[str] | str = ""
            if approximate is not None:
                about = case((f[approximate], text("about ")), else_=text(""))
            shown_value = concat(about, cast(f[value], String))
            return case(
                (f[value].is_(None), text(f"{label} unknown")),
                (compare(f), concat(f"{label} ", shown_value, f" {yes}")),
                else_=concat(f"{label} ", shown_value, f" {no}"))

        return Node(outcome=compare, explain=explain)

    def _has(self, node: d.PresenceCriterion) -> Node:
        what = node.what
        P = d.Presence
        if what is P.coordinating_body:
            expr = concat("coordinating body: ", self.joined("coordinating-body", select(
                Organization.id.label("k"), Organization.name.label("v")), on=Cluster.coordinating_body_id))
            missing = "no coordinating body recorded"
        elif what is P.eco_innovation:
            expr = case((func.length(func.trim(func.coalesce(Cluster.eco_innovation, ""))) > 0,
                         text("eco-innovation experiences recorded")))
            missing = "no eco-innovation experience recorded"
        elif what is P.recognition:
            kinds = sorted(k.value for k in node.kinds or [])
            query = select(Recognition.cluster_id.label("k"), func.min(concat("recognition: ", Recognition.name))
                           .label("v")).group_by(Recognition.cluster_id)
            if kinds:
                query = query.where(Recognition.kind.in_(kinds))
            expr = self.joined(f"recognition:{','.join(kinds)}", query)
            missing = ("no environmental recognition recorded" if not node.kinds else
                       "no recognition of kind " + ", ".join(k.value for k in node.kinds) + " recorded")
        elif what is P.members:
            count = self.joined("members", select(ClusterMembership.cluster_id.label("k"), func.count().label("v"))
                                .where(ClusterMembership.left_date.is_(None)).group_by(ClusterMembership.cluster_id))
            expr = concat(cast(count, String), " member organizations recorded")
            missing = "no member organization recorded"
        elif what is P.website:
            expr = case((func.length(func.coalesce(Cluster.website, "")) > 0, concat("website: ", Cluster.website)))
            missing = "no website recorded"
        elif what is P.location:
            expr = case((func.coalesce(Cluster.locality, Cluster.region_name, Cluster.region_code).is_not(None),
                         concat("located in ", func.coalesce(Cluster.locality, Cluster.region_name,
                                                             Cluster.region_code))))
            missing = "no locality or region recorded"
        elif what is P.coordinates:
            expr = case((and_(Cluster.latitude.is_not(None), Cluster.longitude.is_not(None)),
                         text("coordinates recorded")))
            missing = "no coordinates recorded"
        else:
            expr, missing = self._product_evidence(what)
        found = self.fact(expr)
        return Node(outcome=lambda f: f[found].is_not(None),
                    explain=lambda f: func.coalesce(f[found], text(missing)))

    def _product_evidence(self, what: d.Presence) -> tuple[ColumnElement[Any], str]:
        """The first typical product of the cluster (by name) that has the evidence, in words."""
        by_cluster = Product.cluster_id.label("k")
        if what is d.Presence.typical_product:
            return self.joined("typical-product", select(
                by_cluster, func.min(concat("typical product: ", Product.name)).label("v"))
                .group_by(Product.cluster_id)), "no typical product recorded"
        if what is d.Presence.lca_study:
            return self.joined("lca-study", select(
                by_cluster, func.min(concat("LCA study of ", Product.name, " (", LcaStudy.method, ")")).label("v"))
                .join(LcaStudy, LcaStudy.product_id == Product.id).group_by(Product.cluster_id)), \
                "no LCA study of a typical product recorded"
        # The day is the run's, in Rome: an EPD counts until the end of its last day of validity.
        on = datetime.now(ZoneInfo("Europe/Rome")).date()
        return self.joined(f"epd:{on.isoformat()}", select(
            by_cluster, func.min(concat("EPD ", Epd.registration_number, " of ", Product.name)).label("v"))
            .join(Epd, Epd.product_id == Product.id).where(Epd.valid_until >= on)
            .group_by(Product.cluster_id)), "no EPD in force for a typical product"

    def _held_by_cluster_orgs(self, key: str, record: Any, org_column: Any, text_: ColumnElement[str],
                              complete: Callable[[Select[Any]], Select[Any]]) -> list[ColumnElement[Any]]:
        """Evidence recorded for organizations (`record` rows keyed by `org_column`), found through the cluster's
        coordinating body and through its current members; `complete` adds the joins the text needs."""
        explained = func.min(text_).label("v")
        by_body = self.joined(f"{key}-body", complete(
            select(org_column.label("k"), explained).select_from(record)).group_by(org_column),
            on=Cluster.coordinating_body_id)
        by_members = self.joined(f"{key}-members", complete(
            select(ClusterMembership.cluster_id.label("k"), explained).select_from(ClusterMembership)
            .join(record, org_column == ClusterMembership.organization_id)
            .where(ClusterMembership.left_date.is_(None))).group_by(ClusterMembership.cluster_id))
        return [by_body, by_members]

    def _supply_chain(self, node: d.SupplyChainCriterion) -> Node:
        partner = aliased(Cluster)
        supplies = self.joined("supplies", select(
            SupplyChainLink.supplier_id.label("k"), func.min(concat("supplies ", partner.name)).label("v"))
            .join(partner, partner.id == SupplyChainLink.customer_id).group_by(SupplyChainLink.supplier_id))
        supplied = self.joined("supplied", select(
            SupplyChainLink.customer_id.label("k"), func.min(concat("is supplied by ", partner.name)).label("v"))
            .join(partner, partner.id == SupplyChainLink.supplier_id).group_by(SupplyChainLink.customer_id))
        expr = {"supplier": supplies, "customer": supplied}.get(node.direction, func.coalesce(supplies, supplied))
        found = self.fact(expr)
        missing = {"supplier": "supplies no recorded cluster", "customer": "is supplied by no recorded cluster"}.get(
            node.direction, "no supply-chain link recorded")
        return Node(outcome=lambda f: f[found].is_not(None),
                    explain=lambda f: func.coalesce(f[found], text(missing)))

    def _tags(self, node: d.TagsCriterion) -> Node:
        tags_text = self.fact(cast(Cluster.tags, Text))
        quoted = ", ".join(f"'{tag}'" for tag in node.tags)
        several = len(node.tags) > 1
        yes = f"tagged {'with one of ' if several and node.match == 'any' else ''}{quoted}"
        no = f"not tagged {'with all of ' if several and node.match == 'all' else ''}{quoted}"

        def outcome(f: Columns) -> ColumnElement[Any]:
            tests = [f[tags_text].like(f'%"{_like_escape(tag)}"%', escape="\\") for tag in node.tags]
            return func.coalesce(and_(*tests) if node.match == "all" else or_(*tests), false())

        return Node(outcome=outcome, explain=lambda f: case((outcome(f), text(yes)), else_=text(no)))

    def _interest(self, node: d.InterestCriterion) -> Node:
        ids = sorted(node.network_ids or [])
        events = sorted(node.event_ids or [])
        found_by: list[ColumnElement[Any]] = []
        if d.Evidence.network_membership in node.evidence:
            def memberships(query: Select[Any]) -> Select[Any]:
                query = (query.join(Network, Network.id == NetworkMembership.network_id)
                         .join(Organization, Organization.id == NetworkMembership.organization_id)
                         .where(NetworkMembership.left_date.is_(None)))
                return query.where(NetworkMembership.network_id.in_(ids)) if ids else query

            found_by += self._held_by_cluster_orgs(
                f"network:{ids}", NetworkMembership, NetworkMembership.organization_id,
                concat("member of network '", Network.name, "' through ", Organization.name), memberships)
        if d.Evidence.signed_commitment in node.evidence:
            def signatures(query: Select[Any]) -> Select[Any]:
                query = (query.join(Declaration, Declaration.id == Signature.declaration_id)
                         .join(Organization, Organization.id == Signature.organization_id))
                return query.where(Declaration.network_id.in_(ids)) if ids else query

            found_by += self._held_by_cluster_orgs(
                f"signed:{ids}", Signature, Signature.organization_id,
                concat("signed '", Declaration.title, "' through ", Organization.name), signatures)
        if d.Evidence.event_attendance in node.evidence:
            def attended(query: Select[Any]) -> Select[Any]:
                query = (query.join(Attendance, (Attendance.registration_id == Registration.id)
                                    & Attendance.attended.is_(True))
                         .join(Event, Event.id == Registration.event_id)
                         .join(Organization, Organization.id == Registration.organization_id))
                return query.where(Registration.event_id.in_(events)) if events else query

            found_by += self._held_by_cluster_orgs(
                f"attended:{events}", Registration, Registration.organization_id,
                concat("attended '", Event.title, "' through ", Organization.name), attended)
        found = self.fact(found_by[0] if len(found_by) == 1 else func.coalesce(*found_by))
        return Node(outcome=lambda f: f[found].is_not(None),
                    explain=lambda f: func.coalesce(concat("shows interest: ", f[found]),
                                                    text("no evidence of interest recorded")))


def _joined(parts: Sequence[ColumnElement[str]]) -> ColumnElement[str]:
    pieces: list[ColumnElement[str] | str] = []
    for i, part in enumerate(parts):
        if i:
            pieces.append("; ")
        pieces.append(part)
    return concat(*pieces)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class Compiled:
    """The outcome and explanation columns of each criterion, over a sub-query of the clusters in scope."""

    outcomes: Any  # sub-query with id, name, country, region_code, kind, o0.., x0..
    count: int


def compile_criteria(definitions: Sequence[Any], *, dialect: str, scope: Sequence[ColumnElement[bool]]) -> Compiled:
    compiler = Compiler(dialect)
    nodes = [compiler.compile(definition) for definition in definitions]
    source: Any = Cluster.__table__
    for sub, on in compiler.joins:
        source = source.outerjoin(sub, on)
    facts = (select(Cluster.id, Cluster.name, Cluster.country, Cluster.region_code, Cluster.kind, *compiler.facts)
             .select_from(source).where(*scope).offset(0).subquery("facts"))
    f = facts.c
    columns = [f.id, f.name, f.country, f.region_code, f.kind]
    for i, node in enumerate(nodes):
        columns.append(node.outcome(f).label(f"o{i}"))
        columns.append(node.explain(f).label(f"x{i}"))
    outcomes = select(*columns).offset(0).subquery("outcomes")
    return Compiled(outcomes=outcomes, count=len(nodes))


def validate_compiles(definition: Any) -> None:
    """Compile once when a definition is saved, so a run never meets one it cannot evaluate."""
    Compiler("sqlite").compile(definition)

