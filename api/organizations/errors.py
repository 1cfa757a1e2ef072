from api.core.errors import Conflict, NotFound


class OrganizationNotFound(NotFound):
    slug, title = "organization-not-found", "Organization not found"


class DuplicateVatNumber(Conflict):
    slug, title = "duplicate-vat-number", "An organization with this VAT number exists"


class OrganizationInUse(Conflict):
    slug, title = "organization-in-use", "Records that must keep the organization refer to it"
