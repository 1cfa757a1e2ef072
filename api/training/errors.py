from api.core.errors import Conflict, NotFound


class ProgrammeNotFound(NotFound):
    slug, title = "programme-not-found", "Programme not found"


class EventNotFound(NotFound):
    slug, title = "event-not-found", "Event not found"


class RegistrationNotFound(NotFound):
    slug, title = "registration-not-found", "Registration not found"


class RegistrationClosed(Conflict):
    slug, title = "registration-closed", "Registration is not open"


class AlreadyRegistered(Conflict):
    slug, title = "already-registered", "This e-mail is already registered for the event"


class OrganizationLimit(Conflict):
    slug, title = "organization-limit-reached", "The organization has taken all the seats it may"


class NotRegistrationState(Conflict):
    slug, title = "registration-state", "The registration is not in a state that allows this"
