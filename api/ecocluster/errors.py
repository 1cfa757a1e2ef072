from api.core.errors import Conflict, NotFound


class StepNotFound(NotFound):
    slug, title = "programme-step-not-found", "Programme step not found"


class StepBlocked(Conflict):
    slug, title = "programme-step-blocked", "Steps this one depends on are not done"


class SeriesNotFound(NotFound):
    slug, title = "indicator-series-not-found", "Indicator series not found"


class SeriesNameTaken(Conflict):
    slug, title = "indicator-series-name-taken", "The cluster has a series of this name"


class ValueNotFound(NotFound):
    slug, title = "indicator-value-not-found", "No value or target for that year"


class AttestationNotFound(NotFound):
    slug, title = "apo-attestation-not-found", "APO attestation not found"


class AttestationDecided(Conflict):
    slug, title = "apo-attestation-decided", "The attestation was already decided"


class AttestationPending(Conflict):
    slug, title = "apo-attestation-pending", "A request is already pending"
