"""Validated string types for the codes the registry speaks in (countries, NUTS, NACE, Italian identifiers)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator

from api.core.identifiers import (COUNTRY_RE, IPA_RE, ISTAT_MUNICIPALITY_RE, ISTAT_PROVINCE_RE, NACE_RE, NUTS_RE,
                                  PROVINCE_RE, tax_code_ok)


def _code(check: re.Pattern[str] | Callable[[str], bool], message: str, *, normalise=str.strip) -> AfterValidator:  # noqa: ANN001
    def validate(value: str) -> str:
        value = normalise(value)
        ok = check.match(value) if isinstance(check, re.Pattern) else check(value)
        if not ok:
            raise ValueError(message)
        return value

    return AfterValidator(validate)


def _upper(value: str) -> str:
    return value.strip().upper()


def _compact_upper(value: str) -> str:
    return value.replace(" ", "").upper()


CountryCode = Annotated[str, _code(COUNTRY_RE, "must be an ISO 3166-1 alpha-2 code such as IT", normalise=_upper)]
NutsCode = Annotated[str, _code(NUTS_RE, "must be a NUTS code such as ITI1 or ITI17", normalise=_upper)]
NaceCode = Annotated[str, _code(NACE_RE, "must be a NACE Rev.2 / ATECO code such as 15, 15.1, 15.11 or 15.11.00")]
IpaCode = Annotated[str, _code(IPA_RE, "must be an IPA code (letters, digits and _; up to 20)")]
IstatMunicipalityCode = Annotated[str, _code(ISTAT_MUNICIPALITY_RE, "must be the 6-digit ISTAT municipality code")]
IstatProvinceCode = Annotated[str, _code(ISTAT_PROVINCE_RE, "must be the 3-digit ISTAT province code")]
ProvinceCode = Annotated[str, _code(PROVINCE_RE, "must be a two-letter province abbreviation such as PI",
                                    normalise=_upper)]
TaxCode = Annotated[str, _code(tax_code_ok, "is not a valid codice fiscale (wrong length, format or check character)",
                               normalise=_compact_upper)]
VatNumber = Annotated[str, _code(re.compile(r"^\d{11}$"), "must be 11 digits")]
