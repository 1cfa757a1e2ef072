from api.core.errors import Conflict, NotFound, ValidationFailed


class ClusterNotFound(NotFound):
    slug, title = "cluster-not-found", "Cluster not found"


class SlugTaken(Conflict):
    slug, title = "slug-taken", "Slug already in use"


class MembershipExists(Conflict):
    slug, title = "membership-exists", "Already a member"


class MembershipNotFound(NotFound):
    slug, title = "membership-not-found", "Membership not found"


class LinkExists(Conflict):
    slug, title = "supply-chain-link-exists", "Supply-chain link already recorded"


class LinkNotFound(NotFound):
    slug, title = "supply-chain-link-not-found", "Supply-chain link not found"


class UnknownReference(ValidationFailed):
    slug, title = "unknown-reference", "The request refers to something that does not exist"
