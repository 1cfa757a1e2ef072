"""Every table, imported in one place so Alembic and the tests see the whole metadata."""

from api.auth.models import LoginFailure, ServiceAccount, User
from api.clusters.models import (Cluster, ClusterMembership, ClusterNaceCode, ClusterSector, ClusterSource,
                                 Recognition, SupplyChainLink)
from api.core.db import Base
from api.documents.models import Document
from api.networks.models import (Commitment, Declaration, Network, NetworkGroup, NetworkGroupMember,
                                 NetworkMemberRole, NetworkMembership, NetworkSource, Signature)
from api.organizations.models import Organization

__all__ = [
    "Base", "Cluster", "ClusterMembership", "ClusterNaceCode", "ClusterSector", "ClusterSource", "Commitment",
    "Declaration", "Document", "LoginFailure", "Network", "NetworkGroup", "NetworkGroupMember", "NetworkMemberRole",
    "NetworkMembership", "NetworkSource", "Organization", "Recognition", "ServiceAccount", "Signature",
    "SupplyChainLink", "User",
]
