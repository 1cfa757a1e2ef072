from api.core.errors import Conflict, NotFound


class ProductNotFound(NotFound):
    slug, title = "product-not-found", "Product not found"


class LcaStudyNotFound(NotFound):
    slug, title = "lca-study-not-found", "LCA study not found"


class EpdNotFound(NotFound):
    slug, title = "epd-not-found", "EPD not found"


class StudyFileNotFound(NotFound):
    slug, title = "lca-study-file-not-found", "Study document not found"


class ProductExists(Conflict):
    slug, title = "product-exists", "The cluster already has a product of this name"


class EpdExists(Conflict):
    slug, title = "epd-exists", "An EPD with this registration number is already recorded by the programme operator"
