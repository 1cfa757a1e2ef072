"""Italian and EU identifiers, validated the way the issuing bodies define them."""

from __future__ import annotations

import re
from decimal import Decimal

NACE_RE = re.compile(r"^\d{2}(\.\d{1,2}){0,2}$")
NUTS_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
ISTAT_MUNICIPALITY_RE = re.compile(r"^\d{6}$")
ISTAT_PROVINCE_RE = re.compile(r"^\d{3}$")
PROVINCE_RE = re.compile(r"^[A-Z]{2}$")
IPA_RE = re.compile(r"^[A-Za-z0-9_]{2,20}$")
PERSONAL_TAX_CODE_RE = re.compile(r"^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$")
# NUTS uses EL for Greece and UK for the United Kingdom, unlike ISO 3166-1.
NUTS_COUNTRY = {"GR": "EL", "GB": "UK"}


def vat_check_digit_ok(vat: str) -> bool:
    """Partita IVA: 11 digits, the last a Luhn-style check digit over the first ten."""
    if len(vat) != 11 or not vat.isdigit():
        return False
    total = 0
    for i, ch in enumerate(vat[:10]):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(vat[10])


_ODD = {
    **dict(zip("0123456789", [1, 0, 5, 7, 9, 13, 15, 17, 19, 21], strict=True)),
    **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
               [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23],
               strict=True)),
}


def _even(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - ord("A")


def tax_code_ok(code: str) -> bool:
    """Codice fiscale: 16 characters with a check letter for people, or 11 digits (as a VAT number) for bodies."""
    if code.isdigit():
        return vat_check_digit_ok(code)
    if not PERSONAL_TAX_CODE_RE.match(code):
        return False
    total = sum(_ODD[ch] if i % 2 == 0 else _even(ch) for i, ch in enumerate(code[:15]))
    return chr(ord("A") + total % 26) == code[15]


def nuts_matches_country(nuts: str, country: str | None) -> bool:
    if country is None:
        return True
    return nuts[:2] == NUTS_COUNTRY.get(country, country)


# EU Recommendation 2003/361/EC: (headcount below, turnover at most, balance sheet at most), in euro.
SIZE_CEILINGS = (
    ("micro", 10, Decimal(2_000_000), Decimal(2_000_000)),
    ("small", 50, Decimal(10_000_000), Decimal(10_000_000)),
    ("medium", 250, Decimal(50_000_000), Decimal(43_000_000)),
)


def size_class(employees: int | None, turnover: Decimal | None, balance_sheet: Decimal | None) -> str | None:
    """The SME class from headcount and, when given, the financial ceilings (either one may be met)."""
    if employees is None:
        return None
    for name, max_staff, max_turnover, max_balance in SIZE_CEILINGS:
        if employees >= max_staff:
            continue
        financials = [(turnover, max_turnover), (balance_sheet, max_balance)]
        given = [(value, ceiling) for value, ceiling in financials if value is not None]
        if not given or any(value <= ceiling for value, ceiling in given):
            return name
    return "large"
