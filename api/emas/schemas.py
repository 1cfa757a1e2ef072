from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from api.core.schemas import InputSchema, ReadSchema
from api.core.types import NaceCode
from api.core.schemas import MAX_ID

RequirementCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9.]+$")]


class ResourceType(StrEnum):
    territorial_environmental_analysis = "territorial_environmental_analysis"
    legal_register = "legal_register"
    environmental_policy_template = "environmental_policy_template"
    ems_manual = "ems_manual"
    procedure = "procedure"
    training_programme = "training_programme"
    internal_audit_programme = "internal_audit_programme"
    common_environmental_statement = "common_environmental_statement"
    indicator_set = "indicator_set"
    emergency_plan = "emergency_plan"
    communication_plan = "communication_plan"
    other = "other"


class VersionStatus(StrEnum):
    draft = "draft"
    released = "released"


class ValidationOutcome(StrEnum):
    validated = "validated"
    validated_with_findings = "validated_with_findings"
    rejected = "rejected"


class RequirementNode(ReadSchema):
    code: str
    title_it: str
    title_en: str
    children: list[RequirementNode] = []


class ResourceCreate(InputSchema):
    cluster_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    network_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    type: ResourceType
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    requirements: list[RequirementCode] = Field(default_factory=list, max_length=500,
                                                description="Codes of the EMAS requirements the resource covers.")

    @model_validator(mode="after")
    def _one_owner(self) -> ResourceCreate:
        if (self.cluster_id is None) == (self.network_id is None):
            raise ValueError("give exactly one of cluster_id and network_id")
        return self


class ResourceUpdate(InputSchema):
    type: ResourceType | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    requirements: list[RequirementCode] | None = Field(default=None, max_length=500)


class FileRead(ReadSchema):
    id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class Surveillance(ReadSchema):
    due_date: date
    state: str = Field(description="due (the date has come) or upcoming")


class ValidationRead(ReadSchema):
    id: int
    verifier_organization_id: int
    verifier_name: str
    accreditation_number: str | None
    outcome: ValidationOutcome
    findings: str | None
    validated_date: date
    valid_until: date
    status: str = Field(description="current, expired (counts no more) or rejected")
    expired_on: date | None
    surveillance: list[Surveillance]
    is_demo: bool


class SurveillanceItem(ReadSchema):
    validation_id: int
    resource_id: int
    resource_title: str
    cluster_id: int | None
    version: int
    verifier_organization_id: int
    due_date: date
    state: str = Field(description="due (the date has come) or upcoming")


class ResourceVersionRead(ReadSchema):
    resource_id: int
    number: int
    status: VersionStatus
    notes: str | None
    created_at: datetime
    released_at: datetime | None
    files: list[FileRead]
    validations: list[ValidationRead]
    validated: bool = Field(description="A current validation covers this version: members may adopt it.")


class ResourceRead(ReadSchema):
    id: int
    cluster_id: int | None
    network_id: int | None
    type: ResourceType
    title: str
    description: str | None
    requirements: list[str]
    latest_version: int
    version: int
    is_demo: bool
    created_at: datetime
    updated_at: datetime


class VersionCreate(InputSchema):
    notes: str | None = Field(default=None, max_length=20_000)


class ValidationCreate(InputSchema):
    outcome: ValidationOutcome
    findings: str | None = Field(default=None, max_length=20_000)
    validated_date: date | None = Field(default=None, description="Today when absent.")
    valid_until: date | None = Field(default=None, description="Three years after the validation when absent.")

    @model_validator(mode="after")
    def _order(self) -> ValidationCreate:
        if self.validated_date and self.valid_until and self.valid_until <= self.validated_date:
            raise ValueError("valid_until must be after validated_date")
        if self.outcome is not ValidationOutcome.validated and not self.findings:
            raise ValueError("findings are required unless the outcome is validated")
        return self


class AccreditationIn(InputSchema):
    accreditation_number: str = Field(min_length=1, max_length=100)
    accrediting_body: str = Field(min_length=1, max_length=200)
    nace_scopes: list[NaceCode] = Field(min_length=1, max_length=200)
    valid_until: date | None = None


class AccreditationRead(ReadSchema):
    organization_id: int
    accreditation_number: str
    accrediting_body: str
    nace_scopes: list[str]
    valid_until: date | None
    is_demo: bool


class AdoptionCreate(InputSchema):
    resource_id: int = Field(ge=1, le=MAX_ID)
    version: int = Field(ge=1, le=10**6)
    note: str | None = Field(default=None, max_length=5000)


class AdoptionRead(ReadSchema):
    id: int
    organization_id: int
    resource_id: int
    resource_title: str
    version: int
    adopted_at: datetime
    validation_status: str
    valid_until: date | None
    is_demo: bool


class EvidenceCreate(InputSchema):
    requirement_code: RequirementCode
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    reference: str | None = Field(default=None, max_length=500)
    valid_until: date | None = None


class EvidenceRead(ReadSchema):
    id: int
    organization_id: int
    requirement_code: str
    title: str
    description: str | None
    reference: str | None
    valid_until: date | None
    recorded_at: datetime
    is_demo: bool


class CoveringResource(ReadSchema):
    resource_id: int
    title: str
    version: int
    valid_until: date | None


class CoveringEvidence(ReadSchema):
    evidence_id: int
    title: str


class RequirementCoverage(ReadSchema):
    code: str
    title_it: str | None
    title_en: str | None
    state: str = Field(description="shared_resource, own_evidence or open")
    resource: CoveringResource | None = Field(description="The adopted, validated resource that covers it.")
    evidence: CoveringEvidence | None = Field(description="The firm's own evidence, when no resource covers it.")


class LapsedAdoption(CoveringResource):
    status: str = Field(description="Why the adoption no longer counts: the validation's state.")


class OrganizationCoverage(ReadSchema):
    organization_id: int
    as_of: date
    requirements: list[RequirementCoverage] = Field(description="Every requirement without sub-requirements.")
    total: int
    covered: int
    covered_by_shared_resources: int
    covered_by_own_evidence: int
    covered_share: float = Field(ge=0, le=1)
    open: list[str] = Field(description="Codes of the requirements still open.")
    lapsed_adoptions: list[LapsedAdoption]


class RequirementFirms(ReadSchema):
    code: str
    firms_covering: int
    firms: int


class AdoptionSuggestion(ReadSchema):
    resource_id: int
    title: str
    type: ResourceType
    version: int
    valid_until: date | None
    gaps_closed: int = Field(description="Open requirements of members that adopting it would close.")
    firms_not_adopting: int


class ClusterCoverage(ReadSchema):
    cluster_id: int
    as_of: date
    firms: int
    requirements: list[RequirementFirms]
    fully_covered_firms: int
    suggestions: list[AdoptionSuggestion]
