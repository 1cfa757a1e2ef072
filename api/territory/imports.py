"""Imports of the business register (Registro Imprese) and of MUD waste declarations, in the layouts of
docs/imports.md.

A file is read once, streaming: each row is checked in Python and written to a temporary staging table (COPY on
PostgreSQL, executemany elsewhere). Matching rows to organizations (by partita IVA, then codice fiscale), creating
the missing ones and upserting the rows are then a few set-based statements. Any bad row - found while reading, or
in the staging table (the same declaration twice) - rejects the whole file: nothing is applied, and every bad row
is reported with its line, column and reason. Upserts write only what differs, so importing a file again changes
nothing.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from itertools import islice
from typing import IO, Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.changes import service as changes
from api.core.identifiers import NACE_RE, PROVINCE_RE, tax_code_ok, vat_check_digit_ok
from api.organizations import service as organizations_service
from api.organizations.models import Organization
from api.territory.errors import ImportRejected
from api.territory.models import EwcCode, TerritoryImport

# Rows reported in full; past this the report says how many more there are.
MAX_REPORTED = 1000
BATCH = 5000
FIRST_MUD_YEAR = 1993

# NUTS 3 codes of the provinces whose registry records the Regions' scopes work on (Lombardy and Tuscany); new
# organizations elsewhere get no region until someone sets it.
PROVINCE_NUTS = {
    "VA": "ITC41", "CO": "ITC42", "LC": "ITC43", "SO": "ITC44", "BG": "ITC46", "BS": "ITC47", "PV": "ITC48",
    "LO": "ITC49", "CR": "ITC4A", "MN": "ITC4B", "MI": "ITC4C", "MB": "ITC4D",
    "MS": "ITI11", "LU": "ITI12", "PT": "ITI13", "FI": "ITI14", "PO": "ITI15", "LI": "ITI16", "PI": "ITI17",
    "AR": "ITI18", "SI": "ITI19", "GR": "ITI1A",
}

ACTIVITIES = {"prodotto": "produced", "prodotti": "produced", "produzione": "produced", "produced": "produced",
              "p": "produced", "gestito": "managed", "gestiti": "managed", "gestione": "managed",
              "managed": "managed", "g": "managed"}
UNITS = {"kg": 1000, "t": 1_000_000}


@dataclass(frozen=True)
class Layout:
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


REGISTER = Layout("registro-imprese", required=("denominazione", "codice_ateco", "provincia"),
                  optional=("partita_iva", "codice_fiscale", "forma_giuridica", "comune", "codice_istat_comune",
                            "classe_addetti"))
MUD = Layout("mud", required=("ragione_sociale", "anno", "codice_eer", "quantita", "unita_misura", "attivita"),
             optional=("partita_iva", "codice_fiscale", "unita_locale", "provincia"))
LAYOUTS = {layout.kind: layout for layout in (REGISTER, MUD)}


@dataclass
class RowError:
    line: int
    column: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "reason": self.reason}


@dataclass
class Outcome:
    kind: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    organizations_created: int = 0
    import_id: int | None = None
    demo: bool = False
    errors: list[RowError] = field(default_factory=list)


class _Bad(Exception):
    def __init__(self, column: str, reason: str):
        self.column, self.reason = column, reason


class CountingReader(io.RawIOBase):
    """A binary stream that tells `progress` how many bytes have been read (for the CLI's bar)."""

    def __init__(self, raw: IO[bytes], progress: Callable[[int], None] | None):
        self.raw, self.progress = raw, progress
        self.nul = False  # whether a NUL byte was read: then the rows are searched for it

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if not self.nul and b"\x00" in data:
            self.nul = True
        if self.progress is not None and n:
            self.progress(n)
        return n


# Parsing ---------------------------------------------------------------------------------------------------------
# A firm's identifiers repeat on every line it declares: each distinct value is checked once.
@lru_cache(maxsize=200_000)
def _vat(value: str) -> str | None:
    value = value.strip().upper().removeprefix("IT").replace(" ", "")
    if not value:
        return None
    if not vat_check_digit_ok(value):
        raise _Bad("partita_iva", f"{value!r} is not a valid partita IVA (11 digits with a check digit)")
    return value


@lru_cache(maxsize=200_000)
def _tax_code(value: str) -> str | None:
    value = value.strip().upper().replace(" ", "")
    if not value:
        return None
    if not tax_code_ok(value):
        raise _Bad("codice_fiscale", f"{value!r} is not a valid codice fiscale")
    return value


def _firm(row: dict[str, str]) -> tuple[str, str | None, str | None]:
    vat = _vat(row.get("partita_iva", ""))
    tax = _tax_code(row.get("codice_fiscale", ""))
    if vat is None and tax is None:
        raise _Bad("partita_iva", "neither a partita IVA nor a codice fiscale is given")
    return ("V" + vat if vat else "T" + tax), vat, tax  # type: ignore[operator]


def _text(row: dict[str, str], column: str, max_length: int, *, required: bool = False) -> str | None:
    value = row.get(column, "").strip()
    if not value:
        if required:
            raise _Bad(column, "is empty")
        return None
    if len(value) > max_length:
        raise _Bad(column, f"is longer than {max_length} characters")
    return value


def _province(row: dict[str, str], *, required: bool) -> str | None:
    value = (row.get("provincia") or "").strip().upper()
    if not value:
        if required:
            raise _Bad("provincia", "is empty")
        return None
    if not PROVINCE_RE.match(value):
        raise _Bad("provincia", f"{value!r} is not a province abbreviation (two letters, e.g. MI)")
    return value


def _quantity_g(value: str, unit: str) -> int:
    value = value.strip().replace(" ", "")
    if "," in value:
        if "." in value:
            raise _Bad("quantita", f"{value!r}: write the quantity without thousands separators")
        value = value.replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise _Bad("quantita", f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise _Bad("quantita", f"{value!r} is not a number")
    if amount < 0:
        raise _Bad("quantita", "is negative")
    grams = amount * UNITS[unit]
    if grams != grams.to_integral_value():
        raise _Bad("quantita", "has more decimal places than a gram")
    if grams > 10**17:
        raise _Bad("quantita", "is implausibly large")
    return int(grams)


@dataclass
class Catalogue:
    hazardous: dict[str, bool]

    def __post_init__(self) -> None:
        self.code = lru_cache(maxsize=4096)(self._code)  # type: ignore[method-assign]

    def code(self, value: str) -> str:  # replaced by a cached _code per instance
        return self._code(value)

    def _code(self, value: str) -> str:
        raw = value.strip().replace(" ", "").replace(".", "")
        starred = raw.endswith("*")
        code = raw.rstrip("*")
        if len(code) != 6 or not code.isdigit():
            raise _Bad("codice_eer", f"{value.strip()!r} is not a six-digit EWC code")
        if code not in self.hazardous:
            raise _Bad("codice_eer", f"{code} is not in the European Waste Catalogue as loaded here")
        if starred and not self.hazardous[code]:
            raise _Bad("codice_eer", f"{code} is marked hazardous (*) but the catalogue does not mark it")
        return code


def register_row(row: dict[str, str]) -> dict[str, Any]:
    key, vat, tax = _firm(row)
    ateco = (row.get("codice_ateco") or "").strip()
    if not ateco:
        raise _Bad("codice_ateco", "is empty")
    if not NACE_RE.match(ateco):
        raise _Bad("codice_ateco", f"{ateco!r} is not an ATECO code (e.g. 13.20 or 13.20.00)")
    province = _province(row, required=True)
    istat = _text(row, "codice_istat_comune", 6)
    if istat is not None and (len(istat) != 6 or not istat.isdigit()):
        raise _Bad("codice_istat_comune", f"{istat!r} is not a six-digit ISTAT code")
    return {"firm_key": key, "vat": vat, "tax_code": tax, "name": _text(row, "denominazione", 300, required=True),
            "legal_form": _text(row, "forma_giuridica", 100), "ateco": ateco, "province": province,
            "region_code": PROVINCE_NUTS.get(province or ""), "municipality": _text(row, "comune", 200),
            "istat": istat, "employees_class": _text(row, "classe_addetti", 20)}


def mud_row(row: dict[str, str], catalogue: Catalogue, this_year: int) -> dict[str, Any]:
    key, vat, tax = _firm(row)
    year_text = (row.get("anno") or "").strip()
    if not year_text.isdigit():
        raise _Bad("anno", f"{year_text!r} is not a year")
    year = int(year_text)
    if year > this_year:
        raise _Bad("anno", f"{year} is in the future")
    if year < FIRST_MUD_YEAR:
        raise _Bad("anno", f"{year} is before the first MUD ({FIRST_MUD_YEAR})")
    unit = (row.get("unita_misura") or "").strip().lower()
    if unit not in UNITS:
        raise _Bad("unita_misura", f"{unit!r}: state the unit as kg or t")
    activity = ACTIVITIES.get((row.get("attivita") or "").strip().lower())
    if activity is None:
        raise _Bad("attivita", "must be prodotto or gestito")
    province = _province(row, required=False)
    return {"firm_key": key, "vat": vat, "tax_code": tax, "name": _text(row, "ragione_sociale", 300, required=True),
            "province": province, "region_code": PROVINCE_NUTS.get(province or ""), "year": year,
            "ewc_code": catalogue.code(row.get("codice_eer") or ""), "activity": activity,
            "local_unit": _text(row, "unita_locale", 100) or "",
            "quantity_g": _quantity_g(row.get("quantita") or "", unit)}


def read_rows(stream: IO[str], layout: Layout, parse: Callable[[dict[str, str]], dict[str, Any]],
              errors: list[RowError], counter: list[int], source: CountingReader | None = None
              ) -> Iterator[dict[str, Any]]:
    """The good rows of a CSV file, each with its line number; bad ones go to `errors` (all counted in counter[1]).

    `source`, the file's byte stream, says whether a NUL byte was read: text cannot hold one, and only then are
    the rows searched for it."""
    first = stream.readline()
    if not first.strip():
        raise ImportRejected("The file is empty: the first line must name the columns.",
                             rows=[RowError(1, None, "no header line").as_dict()])
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = [name.strip().lower() for name in next(csv.reader([first], delimiter=delimiter))]
    unknown = [name for name in header if name not in layout.columns]
    missing = [name for name in layout.required if name not in header]
    if "partita_iva" not in header and "codice_fiscale" not in header:
        missing.append("partita_iva or codice_fiscale")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    problems = ([RowError(1, name, "unknown column") for name in unknown]
                + [RowError(1, name, "required column missing") for name in missing]
                + [RowError(1, name, "column given twice") for name in duplicated])
    if problems:
        names = "; ".join(f"{p.reason}: {p.column}" for p in problems)
        raise ImportRejected(f"The header of the {layout.kind} file is not the documented layout ({names}).",
                             rows=[p.as_dict() for p in problems])
    width = len(header)
    line = 1
    for values in csv.reader(stream, delimiter=delimiter):
        line += 1
        if not values or (len(values) == 1 and not values[0].strip()):
            continue
        counter[0] += 1
        if len(values) != width:
            _error(errors, counter, RowError(line, None, f"{len(values)} values for {width} columns"))
            continue
        if source is not None and source.nul:
            nul = next((name for name, value in zip(header, values, strict=True) if "\x00" in value), None)
            if nul is not None:
                _error(errors, counter, RowError(line, nul, "contains the NUL character, which text cannot hold"))
                continue
        try:
            parsed = parse(dict(zip(header, values, strict=True)))
        except _Bad as bad:
            _error(errors, counter, RowError(line, bad.column, bad.reason))
            continue
        parsed["line"] = line
        yield parsed


def _error(errors: list[RowError], counter: list[int], error: RowError) -> None:
    counter[1] += 1
    if len(errors) < MAX_REPORTED:
        errors.append(error)


# Staging ---------------------------------------------------------------------------------------------------------
STAGING = {
    "registro-imprese": ("line", "firm_key", "vat", "tax_code", "name", "legal_form", "ateco", "province",
                         "region_code", "municipality", "istat", "employees_class"),
    "mud": ("line", "firm_key", "vat", "tax_code", "name", "province", "region_code", "year", "ewc_code",
            "activity", "local_unit", "quantity_g"),
}
STAGING_TYPES = {"line": "integer", "year": "integer", "quantity_g": "bigint"}


def _postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


async def _create_staging(session: AsyncSession, kind: str) -> None:
    columns = ", ".join(f"{name} {STAGING_TYPES.get(name, 'text')}" for name in STAGING[kind])
    await session.execute(text("DROP TABLE IF EXISTS territory_staging"))
    await session.execute(text("DROP TABLE IF EXISTS territory_staging_firms"))
    await session.execute(text(f"CREATE TEMPORARY TABLE territory_staging ({columns})"))
    await session.execute(text(
        "CREATE TEMPORARY TABLE territory_staging_firms (firm_key text PRIMARY KEY, vat text, tax_code text, "
        "name text, legal_form text, ateco text, province text, region_code text, municipality text, istat text, "
        "organization_id integer, created integer NOT NULL DEFAULT 0)"))


_SPECIAL = re.compile(r"[\\\t\n\r]")


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        if _SPECIAL.search(value) is None:
            return value
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def _copy_chunk(rows: Iterator[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """The next BATCH rows as COPY text ('' at the end): reading, parsing and formatting in one call."""
    return "".join("\t".join([_copy_text(row[name]) for name in columns]) + "\n" for row in islice(rows, BATCH))


async def _stage(session: AsyncSession, kind: str, rows: Iterator[dict[str, Any]]) -> None:
    # Reading and parsing the file is CPU work on blocking reads: it runs in a worker thread, one batch at a
    # time, so that the server keeps answering other requests during a large import.
    columns = STAGING[kind]
    if _postgres(session):
        connection = await session.connection()
        raw = (await connection.get_raw_connection()).driver_connection
        sql = f"COPY territory_staging ({', '.join(columns)}) FROM STDIN"
        async with raw.cursor() as cursor, cursor.copy(sql) as copy:
            while chunk := await asyncio.to_thread(_copy_chunk, rows, columns):
                await copy.write(chunk)
        return
    statement = text(f"INSERT INTO territory_staging ({', '.join(columns)}) "
                     f"VALUES ({', '.join(':' + name for name in columns)})")
    while batch := await asyncio.to_thread(lambda: list(islice(rows, BATCH))):
        await session.execute(statement, batch)


FIRM_COLUMNS = ("vat", "tax_code", "name", "legal_form", "ateco", "province", "region_code", "municipality", "istat")


async def _match_organizations(session: AsyncSession, kind: str, *, demo: bool) -> int:
    """Give every staged firm its organization: by partita IVA, then by codice fiscale; create the missing."""
    staged = STAGING[kind]
    picks = ", ".join(f"min({name})" if name in staged else "NULL" for name in FIRM_COLUMNS)
    await session.execute(text(
        f"INSERT INTO territory_staging_firms (firm_key, {', '.join(FIRM_COLUMNS)}) "
        f"SELECT firm_key, {picks} FROM territory_staging GROUP BY firm_key"))
    by_vat = ("UPDATE territory_staging_firms SET organization_id = (SELECT o.id FROM organizations o "
              "WHERE o.vat_number = territory_staging_firms.vat) WHERE organization_id IS NULL AND vat IS NOT NULL")
    # A company's codice fiscale is usually its partita IVA: a numeric one matches either column.
    by_tax = ("UPDATE territory_staging_firms SET organization_id = (SELECT min(o.id) FROM organizations o "
              "WHERE o.tax_code = territory_staging_firms.tax_code "
              "OR o.vat_number = territory_staging_firms.tax_code) "
              "WHERE organization_id IS NULL AND tax_code IS NOT NULL")
    create = ("INSERT INTO organizations (name, kind, country, vat_number, tax_code, ateco_code, province, "
              "region_code, municipality, istat_municipality_code, is_demo, version, created_at, updated_at) "
              "SELECT name, 'enterprise', 'IT', vat, tax_code, ateco, province, region_code, municipality, istat, "
              ":demo, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM territory_staging_firms "
              "WHERE organization_id IS NULL AND {which} ORDER BY firm_key")
    await session.execute(text(by_vat))
    await session.execute(text(by_tax))
    await session.execute(text("UPDATE territory_staging_firms SET created = 1 WHERE organization_id IS NULL"))
    # Firms known by partita IVA first, so that a row giving only the codice fiscale of one of them finds it.
    await session.execute(text(create.format(which="vat IS NOT NULL")), {"demo": demo})
    await session.execute(text(by_vat))
    await session.execute(text(by_tax))
    await session.execute(text(create.format(which="vat IS NULL")), {"demo": demo})
    await session.execute(text(by_tax))
    created = (await session.execute(select(Organization).where(Organization.id.in_(
        text("SELECT organization_id FROM territory_staging_firms WHERE created = 1"))))).scalars().all()
    await changes.record_many(session, [{
        "resource_type": "organizations", "resource_id": org.id, "event": "created", "version": org.version,
        "document": orjson.dumps(organizations_service.render(org)).decode(), "source": org.source,
        "external_id": org.external_id} for org in created])
    return len(created)


DECLARATION_KEY = ("f.organization_id = d.organization_id AND d.year = s.year AND d.ewc_code = s.ewc_code "
                   "AND d.activity = s.activity AND d.local_unit = s.local_unit")
STAGED = "territory_staging s JOIN territory_staging_firms f ON f.firm_key = s.firm_key"


async def _duplicates(session: AsyncSession, kind: str) -> list[RowError]:
    if kind == "mud":
        sql = (f"SELECT min(s.line), max(s.line) FROM {STAGED} GROUP BY f.organization_id, s.year, s.ewc_code, "
               f"s.activity, s.local_unit HAVING count(*) > 1 ORDER BY min(s.line) LIMIT {MAX_REPORTED}")
        what = "the same firm, year, EWC code, activity and local unit as line"
    else:
        sql = (f"SELECT min(s.line), max(s.line) FROM {STAGED} GROUP BY f.organization_id "
               f"HAVING count(*) > 1 ORDER BY min(s.line) LIMIT {MAX_REPORTED}")
        what = "the same firm as line"
    return [RowError(last, "partita_iva", f"{what} {first}")
            for first, last in (await session.execute(text(sql))).all()]


async def _apply_mud(session: AsyncSession, outcome: Outcome) -> None:
    counts = (await session.execute(text(
        f"SELECT count(*), coalesce(sum(CASE WHEN d.id IS NULL THEN 1 ELSE 0 END), 0), "
        f"coalesce(sum(CASE WHEN d.quantity_g <> s.quantity_g THEN 1 ELSE 0 END), 0) "
        f"FROM {STAGED} LEFT JOIN waste_declarations d ON {DECLARATION_KEY}"))).one()
    outcome.rows, outcome.inserted, outcome.updated = (int(v) for v in counts)
    await session.execute(text(
        f"INSERT INTO waste_declarations (organization_id, year, ewc_code, activity, local_unit, quantity_g, "
        f"import_id, is_demo) SELECT f.organization_id, s.year, s.ewc_code, s.activity, s.local_unit, s.quantity_g, "
        f":import_id, :demo FROM {STAGED} WHERE true "
        f"ON CONFLICT (organization_id, year, ewc_code, activity, local_unit) DO UPDATE SET "
        f"quantity_g = excluded.quantity_g, import_id = excluded.import_id "
        f"WHERE waste_declarations.quantity_g <> excluded.quantity_g"),
        {"import_id": outcome.import_id, "demo": outcome.demo})


REGISTER_FIELDS = (("name", "name"), ("vat_number", "vat"), ("tax_code", "tax_code"), ("legal_form", "legal_form"),
                   ("ateco_code", "ateco"), ("province", "province"), ("municipality", "municipality"),
                   ("istat_municipality_code", "istat"), ("employees_class", "employees_class"))


async def _apply_register(session: AsyncSession, outcome: Outcome) -> None:
    differs = " OR ".join(f"NOT (r.{column} IS NOT DISTINCT FROM s.{staged})" if _postgres(session)
                          else f"r.{column} IS NOT s.{staged}" for column, staged in REGISTER_FIELDS)
    counts = (await session.execute(text(
        f"SELECT count(*), coalesce(sum(CASE WHEN r.organization_id IS NULL THEN 1 ELSE 0 END), 0), "
        f"coalesce(sum(CASE WHEN r.organization_id IS NOT NULL AND ({differs}) THEN 1 ELSE 0 END), 0) "
        f"FROM {STAGED} LEFT JOIN register_entries r ON r.organization_id = f.organization_id"))).one()
    outcome.rows, outcome.inserted, outcome.updated = (int(v) for v in counts)
    columns = ", ".join(column for column, _ in REGISTER_FIELDS)
    values = ", ".join(f"s.{staged}" for _, staged in REGISTER_FIELDS)
    sets = ", ".join(f"{column} = excluded.{column}" for column, _ in REGISTER_FIELDS)
    changed = " OR ".join(
        f"NOT (register_entries.{column} IS NOT DISTINCT FROM excluded.{column})" if _postgres(session)
        else f"register_entries.{column} IS NOT excluded.{column}" for column, _ in REGISTER_FIELDS)
    await session.execute(text(
        f"INSERT INTO register_entries (organization_id, {columns}, import_id, is_demo) "
        f"SELECT f.organization_id, {values}, :import_id, :demo FROM {STAGED} WHERE true "
        f"ON CONFLICT (organization_id) DO UPDATE SET {sets}, import_id = excluded.import_id WHERE {changed}"),
        {"import_id": outcome.import_id, "demo": outcome.demo})


async def catalogue(session: AsyncSession) -> Catalogue:
    rows = (await session.execute(select(EwcCode.code, EwcCode.hazardous))).all()
    return Catalogue({code: hazardous for code, hazardous in rows})


async def run(session: AsyncSession, *, kind: str, stream: IO[bytes], filename: str | None, actor_key: str | None,
              demo: bool = False, progress: Callable[[int], None] | None = None,
              today: date | None = None) -> Outcome:
    """Import one file in the caller's transaction; raises ImportRejected (and writes nothing) on any bad row."""
    layout = LAYOUTS[kind]
    digest = hashlib.sha256()

    class Hashing(CountingReader):
        def readinto(self, buffer: Any) -> int:
            n = super().readinto(buffer)
            digest.update(memoryview(buffer)[:n])
            return n

    source = Hashing(stream, progress)
    binary = io.BufferedReader(source, buffer_size=1 << 20)
    textual = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    errors: list[RowError] = []
    counter = [0, 0]
    if kind == "mud":
        known = await catalogue(session)
        if not known.hazardous:
            raise ImportRejected("The EWC catalogue is empty: run `cartesio seed reference` first.")
        this_year = (today or date.today()).year
        parse: Callable[[dict[str, str]], dict[str, Any]] = lambda row: mud_row(row, known, this_year)
    else:
        parse = register_row
    await _create_staging(session, kind)
    try:
        await _stage(session, kind, read_rows(textual, layout, parse, errors, counter, source))
    except UnicodeDecodeError:
        raise ImportRejected("The file is not UTF-8 text.", rows=[]) from None
    outcome = Outcome(kind=kind, demo=demo)
    if _postgres(session):
        # Temporary tables have no statistics until analysed: without them the joins below plan as nested loops.
        await session.execute(text("ANALYZE territory_staging"))
    if counter[1]:
        _reject(layout, errors, counter[1])
    outcome.organizations_created = await _match_organizations(session, kind, demo=demo)
    if _postgres(session):
        await session.execute(text("ANALYZE territory_staging_firms"))
    duplicates = await _duplicates(session, kind)
    if duplicates:
        _reject(layout, duplicates, len(duplicates))
    record = TerritoryImport(kind=kind, filename=filename, sha256=digest.hexdigest(), rows=0, inserted=0, updated=0,
                             unchanged=0, organizations_created=outcome.organizations_created, is_demo=demo,
                             imported_by=actor_key)
    session.add(record)
    await session.flush()
    outcome.import_id = record.id
    await (_apply_mud if kind == "mud" else _apply_register)(session, outcome)
    outcome.unchanged = outcome.rows - outcome.inserted - outcome.updated
    record.rows, record.inserted, record.updated, record.unchanged = (outcome.rows, outcome.inserted,
                                                                      outcome.updated, outcome.unchanged)
    await session.execute(text("DROP TABLE territory_staging"))
    await session.execute(text("DROP TABLE territory_staging_firms"))
    await session.flush()
    return outcome


def _reject(layout: Layout, errors: list[RowError], total: int) -> None:
    errors = sorted(errors, key=lambda e: e.line)
    more = f" (the first {len(errors)} are listed)" if total > len(errors) else ""
    raise ImportRejected(f"{total} bad row(s) in the {layout.kind} file{more}; nothing was imported.",
                         rows=[e.as_dict() for e in errors], error_count=total)
