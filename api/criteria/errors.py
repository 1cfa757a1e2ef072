from api.core.errors import Conflict, NotFound


class CriterionNotFound(NotFound):
    slug, title = "criterion-not-found", "Criterion not found"


class CriteriaSetNotFound(NotFound):
    slug, title = "criteria-set-not-found", "Criteria set not found"


class VersionNotFound(NotFound):
    slug, title = "criteria-set-version-not-found", "Criteria set version not found"


class VersionInUse(Conflict):
    slug, title = "criteria-set-version-in-use", "A screening used this version"


class SetInUse(Conflict):
    slug, title = "criteria-set-in-use", "Screenings use this set"
