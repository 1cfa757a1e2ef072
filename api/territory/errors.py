from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.core.errors import Conflict, NotFound, ProblemDetails, ValidationFailed


class BadRow(BaseModel):
    line: int = Field(description="Line of the file, the header being line 1.")
    column: str | None = Field(description="The column at fault; empty when the whole row is.")
    reason: str


class ImportProblem(ProblemDetails):
    """A rejected import: the common problem members, and the bad rows."""

    rows: list[BadRow] | None = Field(default=None, description="The bad rows (the first ones, when many).")
    error_count: int | None = Field(default=None, description="How many rows are bad in all.")


class ImportRejected(ValidationFailed):
    """A file with bad rows: nothing was imported; `rows` lists each bad row's line, column and reason."""

    slug, title = "import-rejected", "The file was not imported"
    model = ImportProblem

    def __init__(self, detail: str, *, rows: list[dict[str, Any]] | None = None, error_count: int | None = None):
        rows = rows or []
        errors = [{"field": ".".join(str(p) for p in ("file", "line", r["line"], r["column"]) if p is not None),
                   "message": r["reason"], "code": "bad_row"} for r in rows]
        super().__init__(detail, errors=errors, rows=rows, error_count=len(rows) if error_count is None
                         else error_count)
        self.rows = rows


class EwcCodeExists(Conflict):
    slug, title = "ewc-code-exists", "The EWC code is already in the catalogue"


class UnknownEwcChapter(NotFound):
    slug, title = "ewc-chapter-not-found", "No such EWC chapter"


class SymbiosisMappingNotFound(NotFound):
    slug, title = "symbiosis-mapping-not-found", "Symbiosis mapping not found"


class SymbiosisMappingExists(Conflict):
    slug, title = "symbiosis-mapping-exists", "This EWC prefix already maps to this sector"


class ClusterNotFoundForLeads(NotFound):
    slug, title = "cluster-not-found", "Cluster not found"
