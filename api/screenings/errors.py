from api.core.errors import Conflict, NotFound


class ScreeningNotFound(NotFound):
    slug, title = "screening-not-found", "Screening not found"


class ScreeningNotFinished(Conflict):
    slug, title = "screening-not-finished", "The screening has not finished"
