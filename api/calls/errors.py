from api.core.errors import Conflict, NotFound, ValidationFailed


class CallNotFound(NotFound):
    slug, title = "call-not-found", "Call not found"


class CallSlugTaken(Conflict):
    slug, title = "call-slug-taken", "A call has this slug"


class ApplicationNotFound(NotFound):
    slug, title = "application-not-found", "Application not found"


class TransitionNotAllowed(Conflict):
    slug, title = "transition-not-allowed", "The application cannot move to that state"


class PhaseClosed(Conflict):
    slug, title = "call-phase-closed", "No phase of the call is open"


class NotEligible(ValidationFailed):
    slug, title = "not-eligible", "The application fails eligibility rules"


class OverBudget(Conflict):
    slug, title = "over-budget", "A funder's remaining budget is too small"


class EvaluatorConflict(Conflict):
    slug, title = "evaluator-conflict-of-interest", "The evaluator's organization takes part in the application"


class AlreadyAssigned(Conflict):
    slug, title = "evaluator-already-assigned", "The evaluator is already assigned"


class NotAssigned(NotFound):
    slug, title = "not-assigned", "Not assigned to this application"


class AlreadyScored(Conflict):
    slug, title = "evaluation-already-submitted", "The scores were already submitted"
