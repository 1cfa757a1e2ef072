from api.core.errors import Conflict, Forbidden, NotFound


class ResourceNotFound(NotFound):
    slug, title = "shared-resource-not-found", "Shared resource not found"


class VersionNotFound(NotFound):
    slug, title = "shared-resource-version-not-found", "Version not found"


class FileNotFound(NotFound):
    slug, title = "file-not-found", "File not found"


class VersionReleased(Conflict):
    slug, title = "version-released", "The version is released and cannot change"


class VersionNotReleased(Conflict):
    slug, title = "version-not-released", "The version is still a draft"


class EmptyVersion(Conflict):
    slug, title = "version-without-files", "The version has no file"


class NotAccredited(Forbidden):
    slug, title = "not-an-accredited-verifier", "Not an accredited verifier"


class OutsideAccreditation(Forbidden):
    slug, title = "outside-accreditation-scope", "Outside the verifier's NACE scope"


class ConflictOfInterest(Conflict):
    slug, title = "conflict-of-interest", "The verifier's organization belongs to the cluster"


class NotAMember(Conflict):
    slug, title = "not-a-member", "The organization is not a member"


class NotValidated(Conflict):
    slug, title = "version-not-validated", "The version has no current validation"


class AlreadyAdopted(Conflict):
    slug, title = "already-adopted", "The organization already adopted this version"


class ResourceInUse(Conflict):
    slug, title = "shared-resource-in-use", "Organizations adopted the resource"


class AdoptionNotFound(NotFound):
    slug, title = "adoption-not-found", "Adoption not found"


class EvidenceNotFound(NotFound):
    slug, title = "evidence-not-found", "Evidence not found"
