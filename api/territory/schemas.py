from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from api.core.schemas import InputSchema, ReadSchema

# Groups with fewer declaring firms than this are never published with their figures (see docs/imports.md).
MIN_FIRMS = 3


class WasteGroupBy(StrEnum):
    province = "province"
    ateco = "ateco"
    ewc_chapter = "ewc_chapter"
    cluster = "cluster"


class Topic(StrEnum):
    waste = "waste"
    by_products = "by_products"
    energy = "energy"
    water = "water"
    certification = "certification"


class ImportRead(ReadSchema):
    id: int
    kind: str
    filename: str | None
    sha256: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    organizations_created: int
    demo: bool = Field(validation_alias="is_demo")
    imported_by: str | None


class EwcChapterRead(ReadSchema):
    code: str
    title: str
    codes: int = Field(description="Codes of the chapter in the catalogue as loaded here.")


class EwcCodeRead(ReadSchema):
    code: str = Field(description="Six digits, without spaces or asterisk.")
    chapter: str = Field(validation_alias="chapter_code")
    title: str
    hazardous: bool = Field(description="Marked with an asterisk in the catalogue.")
    added_by: str | None = Field(description="None for the shipped catalogue.")


class EwcCodeCreate(InputSchema):
    code: str = Field(pattern=r"^\d{6}$", description="Six digits, e.g. 040108.")
    title: str = Field(min_length=1, max_length=500)
    hazardous: bool = False


class EwcCatalogue(ReadSchema):
    source: str
    complete: bool = Field(description="False: only part of the catalogue is shipped; the administrator adds codes.")
    chapters: list[EwcChapterRead]


class SymbiosisMappingRead(ReadSchema):
    id: int
    ewc_prefix: str = Field(description="An EWC code (6 digits), sub-chapter (4) or chapter (2).")
    nace_code: str
    material: str | None
    note: str | None
    illustrative: bool


class SymbiosisMappingCreate(InputSchema):
    ewc_prefix: str = Field(pattern=r"^(\d{2}|\d{4}|\d{6})$")
    nace_code: str = Field(pattern=r"^\d{2}(\.\d{1,2}){0,2}$")
    material: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class SymbiosisMappingUpdate(InputSchema):
    ewc_prefix: str | None = Field(default=None, pattern=r"^(\d{2}|\d{4}|\d{6})$")
    nace_code: str | None = Field(default=None, pattern=r"^\d{2}(\.\d{1,2}){0,2}$")
    material: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class Stream(ReadSchema):
    ewc_code: str
    title: str | None
    hazardous: bool
    tonnes: float
    firms: int


class WasteGroup(ReadSchema):
    key: str
    label: str | None = None
    suppressed: bool = Field(description=f"Fewer than {MIN_FIRMS} declaring firms: figures withheld.")
    declaring_firms: int | None
    tonnes_produced: float | None
    tonnes_managed: float | None
    hazardous_share: float | None = Field(description="Hazardous tonnes produced / tonnes produced.")
    top_streams: list[Stream] = Field(description=f"Largest streams produced, each declared by at least {MIN_FIRMS} "
                                                  "firms.")


class WasteStats(ReadSchema):
    group_by: WasteGroupBy
    year: int | None
    province: str | None
    ateco: str | None
    min_firms: int = MIN_FIRMS
    demo: bool = Field(description="Demo data are among the declarations counted.")
    groups: list[WasteGroup]


class PlannedEvent(ReadSchema):
    id: int
    title: str
    starts_at: str | None
    topics: list[str]


class TopicBasis(StrEnum):
    """Why a topic has its score, for a client to say in its own words (`basis` says it in English)."""

    per_firm_tonnes = "per_firm_tonnes"
    recoverable_share = "recoverable_share"
    uncertified_share = "uncertified_share"
    too_few_firms = "too_few_firms"
    no_registered_firms = "no_registered_firms"
    no_data_source = "no_data_source"


class TopicScore(ReadSchema):
    topic: Topic
    rank: int
    score: float | None = Field(description="1.0 = as the whole data set; higher = more relevant here. None: no "
                                            "data to score it.")
    basis: str = Field(description="How the score is computed, or why there is none.")
    basis_code: TopicBasis
    figures: dict[str, float | int | None]
    planned_events: list[PlannedEvent]


class TopicRanking(ReadSchema):
    province: str | None
    ateco: str | None
    year: int | None
    min_firms: int = Field(description="Fewest declaring firms for the waste topics to be scored.")
    demo: bool
    topics: list[TopicScore]


class ReceivingCluster(ReadSchema):
    id: int
    name: str


class ReceivingFirm(ReadSchema):
    id: int
    name: str
    province: str | None
    ateco_code: str | None


class Receiver(ReadSchema):
    nace_code: str
    material: str | None
    illustrative: bool
    clusters: list[ReceivingCluster] = Field(description="Clusters with a code of the receiving sector.")
    firms: list[ReceivingFirm] = Field(description="Firms of the receiving sector, those of the province first.")


class Lead(ReadSchema):
    ewc_code: str
    title: str | None
    hazardous: bool
    tonnes: float
    firms: int
    receivers: list[Receiver]


class SymbiosisLeads(ReadSchema):
    cluster_id: int | None
    province: str | None
    year: int | None
    min_tonnes: float
    demo: bool
    leads: list[Lead]


class WasteDeclarationRead(ReadSchema):
    id: int
    organization_id: int
    organization_name: str
    province: str | None
    year: int
    ewc_code: str
    activity: str
    local_unit: str
    quantity_kg: float
    demo: bool
