from api.core.errors import Conflict, NotFound


class NetworkNotFound(NotFound):
    slug, title = "network-not-found", "Network not found"


class NetworkSlugTaken(Conflict):
    slug, title = "slug-taken", "Slug already in use"


class NetworkMembershipNotFound(NotFound):
    slug, title = "network-membership-not-found", "Network membership not found"


class AlreadyCurrentMember(Conflict):
    slug, title = "already-member", "Already a current member"


class DeclarationNotFound(NotFound):
    slug, title = "declaration-not-found", "Declaration not found"


class AlreadySigned(Conflict):
    slug, title = "already-signed", "Already signed"
