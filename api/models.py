"""Every table, imported in one place so Alembic and the tests see the whole metadata."""

from api.audit.models import AuditEvent
from api.auth.models import LoginFailure, ServiceAccount, User
from api.clusters.models import (Cluster, ClusterMembership, ClusterNaceCode, ClusterSector, ClusterSource,
                                 Recognition, SupplyChainLink)
from api.calls.models import (AccompanimentEntry, Application, ApplicationPartner, Assignment, Call, CallCriterion,
                              CallPhase, Funder, LedgerEntry, Transition)
from api.changes.models import Change, FeedMark
from api.core.db import Base
from api.core.idempotency_models import IdempotencyRecord
from api.criteria.models import CriteriaSet, CriteriaSetVersion, Criterion
from api.datasets.models import DatasetRelease
from api.documents.models import Document
from api.ecocluster.models import ApoAttestation, IndicatorSeries, IndicatorTarget, IndicatorValue, ProgrammeStep
from api.emas.models import (Adoption, EmasRequirement, Evidence, ResourceFile, ResourceVersion, SharedResource,
                             SharedResourceRequirement, Validation, VerifierAccreditation)
from api.networks.models import (Commitment, Declaration, Network, NetworkGroup, NetworkGroupMember,
                                 NetworkMemberRole, NetworkMembership, NetworkSource, Signature)
from api.organizations.models import Organization
from api.screenings.models import Screening, ScreeningResult
from api.sync.models import MirrorState, SyncSource
from api.territory.models import (EwcChapter, EwcCode, RegisterEntry, SymbiosisMapping, TerritoryImport,
                                  WasteDeclaration)
from api.training.models import (Attendance, Event, EventSession, Goal, Message, Programme, ProgrammeOutput,
                                 Registration)
from api.webhooks.models import WebhookDelivery, WebhookSubscription
from api.products.models import Epd, LcaResult, LcaStudy, LcaStudyFile, Product

__all__ = [
    "Adoption", "AuditEvent", "EmasRequirement", "Evidence", "ResourceFile", "ResourceVersion", "SharedResource",
    "SharedResourceRequirement", "Validation", "VerifierAccreditation",
    "ApoAttestation", "IndicatorSeries", "IndicatorTarget", "IndicatorValue", "ProgrammeStep",
    "AccompanimentEntry", "Application", "ApplicationPartner", "Assignment", "Call", "CallCriterion", "CallPhase",
    "Funder", "LedgerEntry", "Transition",
    "Attendance", "Event", "EventSession", "Goal", "Message", "Programme", "ProgrammeOutput", "Registration",
    "DatasetRelease",
    "Epd", "LcaResult", "LcaStudy", "LcaStudyFile", "Product",
    "EwcChapter", "EwcCode", "RegisterEntry", "SymbiosisMapping", "TerritoryImport", "WasteDeclaration",
    "Base", "Change", "CriteriaSet", "CriteriaSetVersion", "Criterion", "Screening", "ScreeningResult", "Cluster", "ClusterMembership", "ClusterNaceCode", "ClusterSector", "ClusterSource", "Commitment",
    "Declaration", "Document", "FeedMark", "IdempotencyRecord", "LoginFailure", "MirrorState", "Network", "NetworkGroup", "NetworkGroupMember", "NetworkMemberRole",
    "NetworkMembership", "NetworkSource", "Organization", "Recognition", "ServiceAccount", "Signature",
    "SupplyChainLink", "SyncSource", "User", "WebhookDelivery", "WebhookSubscription",
]
