"""The language of criteria: typed predicates over a cluster and what is linked to it.

A definition is a tree of JSON objects told apart by `type`. Everything about it is checked when it is
saved (unknown types, fields, operators and value types are a 422 pointing at the bad part), so a screening
run never meets a definition it cannot evaluate. api/criteria/compiler.py turns a tree into SQL.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, StrictStr, field_validator, model_validator

from api.clusters.schemas import ClusterKind, RecognitionKind
from api.core.identifiers import COUNTRY_RE, NUTS_RE
from api.core.schemas import MAX_ID, InputSchema
from api.core.types import NaceCode

MAX_DEPTH = 8
MAX_NODES = 200
TAG_RE = re.compile(r"^[\w .\-/]{1,64}$")


class FieldType(StrEnum):
    count = "count"
    country = "country"
    nuts = "nuts"
    kind = "kind"


# The fields a comparison may name: their type, the words an explanation uses, and the operators they take.
FIELDS: dict[str, tuple[FieldType, str]] = {
    "enterprises_count": (FieldType.count, "enterprises"),
    "employees_count": (FieldType.count, "employees"),
    "sector_count": (FieldType.count, "number of sectors"),
    "country": (FieldType.country, "country"),
    "region_code": (FieldType.nuts, "region"),
    "kind": (FieldType.kind, "kind"),
}
ORDERING_OPS = ("<", "<=", ">", ">=")
SET_OPS = ("in", "not_in")
OPERATORS: dict[FieldType, tuple[str, ...]] = {
    FieldType.count: ("=", "!=", *ORDERING_OPS, *SET_OPS),
    FieldType.country: ("=", "!=", *SET_OPS),
    FieldType.nuts: ("=", "!=", *SET_OPS, "starts_with"),
    FieldType.kind: ("=", "!=", *SET_OPS),
}
Operator = Literal["=", "!=", "<", "<=", ">", ">=", "in", "not_in", "starts_with"]


def _check_value(field_type: FieldType, value: Any) -> str | None:
    """Why a single value does not fit the field's type, or None."""
    if field_type is FieldType.count:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return "must be a whole number of at least 0"
    elif not isinstance(value, str):
        return "must be a string"
    elif field_type is FieldType.country and not COUNTRY_RE.match(value):
        return "must be an ISO 3166-1 alpha-2 code such as IT"
    elif field_type is FieldType.nuts and not NUTS_RE.match(value) and not COUNTRY_RE.match(value):
        return "must be a NUTS code such as ITI1"
    elif field_type is FieldType.kind and value not in ClusterKind.__members__:
        return "must be one of " + ", ".join(ClusterKind)
    return None


class NaceCriterion(InputSchema):
    """Passes when a sector of the cluster has a NACE code within one of the prefixes."""

    type: Literal["nace"]
    prefixes: list[NaceCode] = Field(min_length=1, max_length=100,
                                     description="NACE Rev.2 codes; a code matches itself and every code under it.")
    label: str | None = Field(default=None, max_length=120,
                              description="How explanations name the set, e.g. 'fashion sectors'.")


class FieldCriterion(InputSchema):
    """Compares a field of the cluster with a value; a field with no value gives `unknown`."""

    type: Literal["field"]
    field: Literal["enterprises_count", "employees_count", "sector_count", "country", "region_code", "kind"]
    op: Operator
    value: StrictInt | StrictStr | list[StrictInt | StrictStr]

    @model_validator(mode="after")
    def _typed(self) -> FieldCriterion:
        field_type = FIELDS[self.field][0]
        if self.op not in OPERATORS[field_type]:
            raise ValueError(f"operator {self.op!r} does not apply to {self.field}; use one of "
                             + ", ".join(OPERATORS[field_type]))
        values = self.value if isinstance(self.value, list) else [self.value]
        if self.op in SET_OPS:
            if not isinstance(self.value, list) or not 1 <= len(self.value) <= 500:
                raise ValueError(f"operator {self.op!r} takes a list of 1 to 500 values")
        elif isinstance(self.value, list):
            raise ValueError(f"operator {self.op!r} takes a single value, not a list")
        for value in values:
            problem = _check_value(field_type, value)
            if problem:
                raise ValueError(f"value {value!r} for {self.field} {problem}")
        return self


class Presence(StrEnum):
    coordinating_body = "coordinating_body"
    eco_innovation = "eco_innovation"
    recognition = "recognition"
    members = "members"
    website = "website"
    location = "location"
    coordinates = "coordinates"
    # A specific product to which LCA and EPD apply: a typical product recorded, one with an LCA study, one with
    # an EPD whose validity has not ended on the day of the run.
    typical_product = "typical_product"
    lca_study = "lca_study"
    epd = "epd"


class PresenceCriterion(InputSchema):
    """Passes when the cluster has the data: a coordinating body, eco-innovation experiences, a recognition, a
    typical product, a typical product with an LCA study or with an EPD in force..."""

    type: Literal["has"]
    what: Presence
    kinds: list[RecognitionKind] | None = Field(default=None, max_length=10,
                                                description="Only with `recognition`: the kinds that count.")

    @model_validator(mode="after")
    def _kinds_only_for_recognitions(self) -> PresenceCriterion:
        if self.kinds is not None and self.what is not Presence.recognition:
            raise ValueError("`kinds` applies only to what = 'recognition'")
        return self


class SupplyChainCriterion(InputSchema):
    """Passes when the cluster is linked in a supply chain, as supplier, customer or either."""

    type: Literal["supply_chain"]
    direction: Literal["any", "supplier", "customer"] = "any"


class TagsCriterion(InputSchema):
    """Passes when the cluster carries any (or all) of the tags."""

    type: Literal["tags"]
    match: Literal["any", "all"] = "any"
    tags: list[str] = Field(min_length=1, max_length=50)

    @field_validator("tags")
    @classmethod
    def _plain_tags(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not TAG_RE.match(tag):
                raise ValueError(f"tag {tag!r} must be 1 to 64 letters, digits, spaces or . - _ /")
        return tags


class Evidence(StrEnum):
    # Kinds of evidence this service records; a definition naming another is refused when it is saved.
    network_membership = "network_membership"
    signed_commitment = "signed_commitment"
    event_attendance = "event_attendance"


class InterestCriterion(InputSchema):
    """Passes when the cluster's coordinating body or a current member shows interest: it belongs to a network,
    signed a network's commitment declaration, or its people attended an event (a conference, a seminar)."""

    type: Literal["interest"]
    evidence: list[Evidence] = Field(min_length=1, max_length=5)
    network_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, max_length=100, description="Only these networks count; all networks when absent.")
    event_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, max_length=100, description="Only attendance at these events counts; any event when absent.")


class AllCriterion(InputSchema):
    """Passes when every part passes; fails when any fails; otherwise unknown."""

    type: Literal["all"]
    of: list[Definition] = Field(min_length=1, max_length=50)


class AnyCriterion(InputSchema):
    """Passes when some part passes; fails when every part fails; otherwise unknown."""

    type: Literal["any"]
    of: list[Definition] = Field(min_length=1, max_length=50)


class NotCriterion(InputSchema):
    """Passes when the part fails and fails when it passes; unknown stays unknown."""

    type: Literal["not"]
    of: Definition


Definition = Annotated[
    NaceCriterion | FieldCriterion | PresenceCriterion | SupplyChainCriterion | TagsCriterion | InterestCriterion
    | AllCriterion | AnyCriterion | NotCriterion,
    Field(discriminator="type"),
]
Leaf = NaceCriterion | FieldCriterion | PresenceCriterion | SupplyChainCriterion | TagsCriterion | InterestCriterion

AllCriterion.model_rebuild()
AnyCriterion.model_rebuild()
NotCriterion.model_rebuild()


def children(node: Any) -> list[Any]:
    if isinstance(node, AllCriterion | AnyCriterion):
        return list(node.of)
    if isinstance(node, NotCriterion):
        return [node.of]
    return []


def check_size(node: Any) -> None:
    """Refuse trees deeper or larger than a person could read (and a query should carry)."""
    count = 0
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise ValueError(f"a definition may nest at most {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children(current))
    if count > MAX_NODES:
        raise ValueError(f"a definition may have at most {MAX_NODES} parts")


def catalogue() -> dict[str, Any]:
    """What definitions may say, for clients that build them."""
    return {
        "types": ["nace", "field", "has", "supply_chain", "tags", "interest", "all", "any", "not"],
        "fields": [{"field": name, "type": kind.value, "operators": list(OPERATORS[kind]), "label": label}
                   for name, (kind, label) in FIELDS.items()],
        "presence": [p.value for p in Presence],
        "recognition_kinds": [k.value for k in RecognitionKind],
        "evidence": [e.value for e in Evidence],
        "cluster_kinds": [k.value for k in ClusterKind],
        "outcomes": ["pass", "fail", "unknown"],
    }
