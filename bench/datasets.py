"""Open-data downloads and dashboard statistics at registry scale: the real app against PostgreSQL doing the same
work by itself, in the same run.

    .venv/bin/python bench/datasets.py                     # 1,000,000 organizations, 100,000 clusters
    .venv/bin/python bench/datasets.py --rounds 5 --stats-rounds 31
    .venv/bin/python bench/datasets.py --organizations 20000 --clusters 2000 --rounds 1   # quick check
    .venv/bin/python bench/datasets.py --prepare-only      # only make sure the data is there

Database `cartesio_bench_datasets` (created if missing, migrated with the project's migrations), loaded by
bench/generate.py (imported) when it does not hold exactly the clusters and organizations asked; generate.py
leaves empty the organization columns the `organizations` dataset publishes besides name, kind, country, region,
ATECO code and size class, so they are filled here with plain SQL (province, municipality, EMAS registration,
ISO 14001 certificate) and the table rewritten (VACUUM FULL) so that it is as compact as a loaded one.

The app runs as `uvicorn api.asgi:app` (one process) on a loopback port. Then:

  * download: `GET /api/v1/datasets/organizations/download?format=csv` streamed with httpx (rows counted as
    lines, bytes counted, nothing parsed), while the server's peak RSS (VmHWM, reset just before) and its CPU
    time are read; the ceiling is psycopg 3 reading `COPY (<the dataset's own SELECT>) TO STDOUT WITH (FORMAT
    csv, HEADER)`: the same rows and columns in the same order, formatted by PostgreSQL. Also the jsonl format,
    for information. One untimed warm-up round whose bytes are kept and compared: the app's CSV must hold the
    same rows as COPY's, value for value. Which goes first alternates between rounds.
  * stats: `GET /api/v1/stats/clusters?group_by=sector|country|kind|size` and `/api/v1/stats/organizations`,
    without If-None-Match (the service keeps no computed answer: every such request runs the aggregate), then
    with the ETag it gave (the 304 path); the ceiling is one plain SQL statement giving the same figures (a GROUP
    BY; for sector the distinct clusters per division from the index the service also reads), run with psycopg
    (autocommit), whose answer must equal the app's. Also timed: the data-version statement a 304 costs, and for
    sector the former ordered pass over the code table's key, as a reference.

Prints medians, ratios and PASS/FAIL against the targets; writes bench/results/datasets-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table
from sqlalchemy.dialects import postgresql

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate
import synclib
from common import libpq_url

from api.datasets.catalogue import DATASETS

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cartesio_bench_datasets"
TARGET_ROWS_PER_S = 50_000
TARGET_RATIO = 0.3
TARGET_PEAK_MB = 200
TARGET_STATS_MS = 100
console = Console(width=160)


# ---- data ------------------------------------------------------------------------------------------------

# Italian province abbreviations of the provinces generate.py places organizations in.
PROVINCE_CODES = {
    "Torino": "TO", "Biella": "BI", "Cuneo": "CN", "Novara": "NO", "Milano": "MI", "Bergamo": "BG",
    "Brescia": "BS", "Como": "CO", "Varese": "VA", "Mantova": "MN", "Vicenza": "VI", "Treviso": "TV",
    "Venezia": "VE", "Verona": "VR", "Belluno": "BL", "Udine": "UD", "Pordenone": "PN", "Modena": "MO",
    "Parma": "PR", "Bologna": "BO", "Ravenna": "RA", "Rimini": "RN", "Pisa": "PI", "Prato": "PO", "Lucca": "LU",
    "Massa-Carrara": "MS", "Firenze": "FI", "Arezzo": "AR", "Pistoia": "PT", "Siena": "SI", "Perugia": "PG",
    "Terni": "TR", "Ancona": "AN", "Macerata": "MC", "Fermo": "FM", "Pesaro e Urbino": "PU", "Roma": "RM",
    "Latina": "LT", "Viterbo": "VT", "Napoli": "NA", "Salerno": "SA", "Avellino": "AV", "Bari": "BA",
    "Lecce": "LE", "Foggia": "FG", "Palermo": "PA", "Catania": "CT", "Siracusa": "SR", "Sassari": "SS",
}

# The place of an organization is its NUTS-3 region when it has one, else one of its NUTS-2 region's or its
# country's provinces (chosen by a hash of the id: deterministic). Public administrations are named "Comune di
# X": their municipality is X. EMAS registrations (2 % of enterprises, 6 % of public bodies, numbered as the
# national registers do, IT-001234) and ISO 14001 certificates (12 % of enterprises, nearly all EMAS ones).
def _places_rows() -> list[tuple[str, str, str, str | None, list[str]]]:
    return [(country, p.nuts2, p.nuts3, PROVINCE_CODES.get(p.province) if country == "IT" else None,
             list(p.localities)) for country, places in generate.PLACES.items() for p in places]


FILL_UPDATE = """
WITH by2 AS (SELECT nuts2, array_agg(nuts3 ORDER BY nuts3) AS codes FROM bench_places GROUP BY nuts2),
     byc AS (SELECT country, array_agg(nuts3 ORDER BY nuts3) AS codes FROM bench_places GROUP BY country),
     placed AS (
         SELECT o.id,
                coalesce(d.nuts3,
                         by2.codes[1 + abs(hashtext('place' || o.id)) % cardinality(by2.codes)],
                         byc.codes[1 + abs(hashtext('place' || o.id)) % cardinality(byc.codes)]) AS nuts3
         FROM organizations o
         LEFT JOIN bench_places d ON d.nuts3 = o.region_code
         LEFT JOIN by2 ON by2.nuts2 = o.region_code
         LEFT JOIN byc ON byc.country = o.country)
UPDATE organizations o SET
    province = p.province,
    municipality = CASE
        WHEN o.name LIKE 'Comune di %' THEN regexp_replace(substr(o.name, 11), ' #[0-9]+$', '')
        WHEN o.region_code IS NULL AND abs(hashtext('muni' || o.id)) % 2 = 0 THEN NULL
        ELSE p.localities[1 + abs(hashtext('locality' || o.id)) % cardinality(p.localities)] END,
    emas_registration_number = CASE
        WHEN abs(hashtext('emas' || o.id)) % 1000 < CASE o.kind WHEN 'enterprise' THEN 20
                                                           WHEN 'public_administration' THEN 60 ELSE 5 END
        THEN replace(o.country, 'GR', 'EL') || '-' || lpad((abs(hashtext('emas-no' || o.id)) % 2500)::text, 6, '0')
    END,
    iso14001_certificate = CASE
        WHEN abs(hashtext('emas' || o.id)) % 1000 < CASE o.kind WHEN 'enterprise' THEN 20
                                                           WHEN 'public_administration' THEN 60 ELSE 5 END
             OR (o.kind = 'enterprise' AND abs(hashtext('iso' || o.id)) % 100 < 10)
        THEN (ARRAY['CSQ', 'DNV', 'BV', 'TUV', 'SGS', 'RINA', 'IMQ', 'Certiquality'])
                 [1 + abs(hashtext('iso-body' || o.id)) % 8]
             || ' ' || lpad((abs(hashtext('iso-no' || o.id)) % 100000)::text, 5, '0')
             || '/' || (2008 + abs(hashtext('iso-year' || o.id)) % 17)::text
    END
FROM placed x JOIN bench_places p ON p.nuts3 = x.nuts3
WHERE o.id = x.id
"""


def fill_organizations(url: str) -> None:
    t0 = time.perf_counter()
    rows = _places_rows()
    with psycopg.connect(libpq_url(url)) as conn:  # one transaction
        conn.execute("CREATE TEMP TABLE bench_places (country text, nuts2 text, nuts3 text, province text, "
                     "localities text[]) ON COMMIT DROP")
        with conn.cursor().copy("COPY bench_places FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        updated = conn.execute(FILL_UPDATE).rowcount
    # The UPDATE left a dead copy of every row: rewrite the table as a fresh load would be.
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM (FULL, ANALYZE) organizations")
    console.print(f"filled province, municipality, EMAS and ISO 14001 of {updated:,} organizations "
                  f"and rewrote the table in {time.perf_counter() - t0:.1f} s")


DATA_SQL = """
SELECT (SELECT count(*) FROM clusters), (SELECT count(*) FROM organizations),
       (SELECT count(*) FROM organizations WHERE municipality IS NOT NULL)
"""

PROFILE_SQL = """
SELECT count(*) AS organizations, count(province) AS with_province, count(municipality) AS with_municipality,
       count(emas_registration_number) AS emas, count(iso14001_certificate) AS iso14001,
       count(ateco_code) AS with_ateco, count(region_code) AS with_region, count(size_class) AS with_size_class,
       pg_size_pretty(pg_table_size('organizations')) AS table_size
FROM organizations
"""


def prepare(url: str, *, clusters: int, organizations: int, recreate: bool) -> dict[str, Any]:
    """The database at head holding exactly `clusters` clusters and `organizations` filled organizations."""
    generate.database_at_head(url, recreate=recreate)
    with psycopg.connect(libpq_url(url)) as conn:
        n_clusters, n_orgs, filled = conn.execute(DATA_SQL).fetchone()
    if (n_clusters, n_orgs) != (clusters, organizations):
        console.print(f"{n_clusters:,} clusters and {n_orgs:,} organizations present, {clusters:,} and "
                      f"{organizations:,} wanted: generating")
        generate.generate(url, clusters=clusters, organizations=organizations, reset=True, seed=42,
                          drop_indexes=True)
        filled = 0
    if not filled and organizations:
        fill_organizations(url)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        cur = conn.execute(PROFILE_SQL)
        return dict(zip([d.name for d in cur.description], cur.fetchone(), strict=True))


# ---- download: the app and COPY --------------------------------------------------------------------------

def dataset_select(name: str) -> str:
    """The dataset's own SELECT (same columns, same WHERE, same ORDER BY) as PostgreSQL text."""
    stmt = DATASETS[name].query()
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def download(server: synclib.Server, client: httpx.Client, name: str, fmt: str, *, keep: bool = False
             ) -> dict[str, Any]:
    """One streamed download: lines and bytes counted as they come, the server's peak RSS and CPU read."""
    path = f"/api/v1/datasets/{name}/download?format={fmt}"
    lines = size = 0
    kept: list[bytes] = []
    first_byte = None
    with synclib.Usage(server.pid) as usage:
        t0 = time.perf_counter()
        with client.stream("GET", server.base + path) as response:
            if response.status_code != 200:
                raise SystemExit(f"GET {path} answered {response.status_code}: {response.read()[:500]!r}")
            for chunk in response.iter_raw():
                if first_byte is None:
                    first_byte = time.perf_counter() - t0
                lines += chunk.count(b"\n")
                size += len(chunk)
                if keep:
                    kept.append(chunk)
    rows = lines - 1 if fmt == "csv" else lines  # the CSV header; jsonl has one line per row
    out = {"target": f"app_{fmt}", "seconds": usage.wall, "rows": rows, "bytes": size,
           "rows_per_s": rows / usage.wall, "mb_per_s": size / usage.wall / 1e6, "first_byte_s": first_byte,
           "server_cpu_s": usage.server_cpu, "postgres_cpu_s": usage.postgres_cpu,
           "rss_before_mb": usage.rss_before_kb / 1024, "rss_after_mb": usage.rss_after_kb / 1024,
           "peak_mb": usage.hwm_kb / 1024, "sampled_peak_mb": usage.sampled_peak_kb / 1024}
    if keep:
        out["body"] = b"".join(kept)
    return out


def copy_ceiling(conninfo: str, select: str, *, keep: bool = False) -> dict[str, Any]:
    """PostgreSQL formats and sends the same rows as CSV by itself; psycopg reads every byte."""
    lines = size = 0
    kept: list[bytes] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        statement = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(sql.SQL(select))
        with synclib.Usage(None) as usage, conn.cursor().copy(statement) as copy:
            for view in copy:
                chunk = bytes(view)  # psycopg hands out memoryviews; httpx hands the app's bytes
                lines += chunk.count(b"\n")
                size += len(chunk)
                if keep:
                    kept.append(chunk)
    rows = lines - 1
    out = {"target": "copy_csv", "seconds": usage.wall, "rows": rows, "bytes": size, "rows_per_s": rows / usage.wall,
           "mb_per_s": size / usage.wall / 1e6, "postgres_cpu_s": usage.postgres_cpu}
    if keep:
        out["body"] = b"".join(kept)
    return out


def _timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


def compare_csv(app: bytes, ceiling: bytes, name: str) -> dict[str, Any]:
    """The app's CSV and COPY's hold the same header and rows, value for value (timestamps compared as instants:
    the app writes 2026-01-01T10:00:00Z, COPY 2026-01-01 10:00:00+00; an empty field is NULL in both)."""
    fields = [f.name for f in DATASETS[name].fields]
    stamps = [i for i, f in enumerate(DATASETS[name].fields) if f.type == "datetime"]
    a = csv.reader(io.StringIO(app.decode()))
    b = csv.reader(io.StringIO(ceiling.decode()))
    header_a, header_b = next(a), next(b)
    mismatches, examples, rows = 0, [], 0
    for row_a, row_b in zip(a, b, strict=False):
        rows += 1
        for i in stamps:
            if row_a[i] and row_b[i]:
                row_a[i], row_b[i] = _timestamp(row_a[i]), _timestamp(row_b[i])
        if row_a != row_b:
            mismatches += 1
            if len(examples) < 5:
                examples.append({"app": [str(v) for v in row_a], "copy": [str(v) for v in row_b]})
    rest_a, rest_b = sum(1 for _ in a), sum(1 for _ in b)
    return {"header_app": header_a, "header_copy": header_b, "header_equal": header_a == header_b == fields,
            "rows_compared": rows, "extra_rows_app": rest_a, "extra_rows_copy": rest_b, "mismatches": mismatches,
            "examples": examples}


def bench_downloads(server: synclib.Server, conninfo: str, *, name: str, rounds: int, warmup: int, jsonl: bool,
                    check: bool) -> dict[str, Any]:
    select = dataset_select(name)
    with psycopg.connect(conninfo) as conn:
        expected = conn.execute(sql.SQL("SELECT count(*) FROM ({}) AS d").format(sql.SQL(select))).fetchone()[0]
    out: dict[str, Any] = {"dataset": name, "select": select, "expected_rows": expected, "rounds": []}
    # One keep-alive connection, as a downloading client would have; no compression is offered by the app.
    with httpx.Client(timeout=httpx.Timeout(600, connect=10)) as client:
        for n in range(1 - warmup, rounds + 1):
            label = f"warm-up {n + warmup}" if n <= 0 else f"round {n}"
            keep = check and n == 1 - warmup  # the first round's bytes are compared (untimed if it is a warm-up)
            order = ["app_csv", "copy_csv"] if n % 2 else ["copy_csv", "app_csv"]
            if jsonl:
                order.append("app_jsonl")
            result: dict[str, Any] = {"round": n}
            for target in order:
                if target == "copy_csv":
                    result[target] = copy_ceiling(conninfo, select, keep=keep)
                else:
                    result[target] = download(server, client, name, target.split("_")[1],
                                              keep=keep and target == "app_csv")
            if keep:
                out["check"] = compare_csv(result["app_csv"].pop("body"), result["copy_csv"].pop("body"), name)
                c = out["check"]
                colour = "green" if not c["mismatches"] and c["header_equal"] else "red"
                console.print(f"[{colour}]check: {c['rows_compared']:,} rows of the app's CSV against COPY's: "
                              f"{c['mismatches']} differ, header equal {c['header_equal']}, extra rows "
                              f"{c['extra_rows_app']}/{c['extra_rows_copy']}[/]")
                for ex in c["examples"]:
                    console.print(f"  app  {ex['app']}\n  copy {ex['copy']}", markup=False)
            app, ceiling = result["app_csv"], result["copy_csv"]
            result["ratio"] = app["rows_per_s"] / ceiling["rows_per_s"]
            line = (f"{label:>10}: app csv {app['rows_per_s']:>9,.0f} rows/s ({app['seconds']:.2f} s, "
                    f"{app['bytes'] / 1e6:.0f} MB, server CPU {app['server_cpu_s']:.2f} s, peak {app['peak_mb']:.0f} MB)"
                    f"  COPY {ceiling['rows_per_s']:>9,.0f} rows/s ({ceiling['seconds']:.2f} s)  ratio "
                    f"{result['ratio']:.3f}")
            if jsonl:
                j = result["app_jsonl"]
                line += f"  jsonl {j['rows_per_s']:>9,.0f} rows/s (peak {j['peak_mb']:.0f} MB)"
            console.print(line)
            for target in order:
                if result[target]["rows"] != expected:
                    raise SystemExit(f"{target} gave {result[target]['rows']:,} rows, the dataset has {expected:,}")
            if n > 0:
                out["rounds"].append(result)
    return out


def summarise_downloads(out: dict[str, Any]) -> dict[str, Any]:
    rounds = out["rounds"]

    def med(target: str, key: str) -> float | None:
        values = [r[target][key] for r in rounds if target in r]
        return statistics.median(values) if values else None

    app, ceiling = med("app_csv", "rows_per_s"), med("copy_csv", "rows_per_s")
    peak = max(r["app_csv"]["peak_mb"] for r in rounds)
    s = {
        "rows": out["expected_rows"],
        "app_csv_rows_per_s": app, "copy_csv_rows_per_s": ceiling, "ratio_of_medians": app / ceiling,
        "ratio_median_per_round": statistics.median(r["ratio"] for r in rounds),
        "app_csv_seconds": med("app_csv", "seconds"), "copy_csv_seconds": med("copy_csv", "seconds"),
        "app_csv_mb_per_s": med("app_csv", "mb_per_s"), "copy_csv_mb_per_s": med("copy_csv", "mb_per_s"),
        "app_csv_server_cpu_s": med("app_csv", "server_cpu_s"),
        "app_csv_postgres_cpu_s": med("app_csv", "postgres_cpu_s"),
        "copy_csv_postgres_cpu_s": med("copy_csv", "postgres_cpu_s"),
        "app_csv_first_byte_s": med("app_csv", "first_byte_s"),
        "app_csv_peak_mb_max": peak, "app_csv_peak_mb_median": med("app_csv", "peak_mb"),
        "app_rss_before_mb": med("app_csv", "rss_before_mb"),
        "app_jsonl_rows_per_s": med("app_jsonl", "rows_per_s"),
        "app_jsonl_peak_mb_max": max((r["app_jsonl"]["peak_mb"] for r in rounds if "app_jsonl" in r), default=None),
        "app_jsonl_server_cpu_s": med("app_jsonl", "server_cpu_s"),
    }
    s["pass_rows_per_s"] = app >= TARGET_ROWS_PER_S
    s["pass_ratio"] = s["ratio_of_medians"] >= TARGET_RATIO
    s["pass_peak"] = max(peak, s["app_jsonl_peak_mb_max"] or 0) < TARGET_PEAK_MB
    s["rows_equal"] = all(r[t]["rows"] == out["expected_rows"] for r in rounds for t in r if t.startswith(("app", "copy")))
    check = out.get("check")
    s["content_equal"] = None if check is None else (not check["mismatches"] and check["header_equal"]
                                                     and not check["extra_rows_app"] and not check["extra_rows_copy"])
    return s


# ---- stats: the app and plain GROUP BY -------------------------------------------------------------------

SIZE_BAND_SQL = """CASE WHEN enterprises_count IS NULL OR enterprises_count < 1 THEN 'unknown'
                        WHEN enterprises_count < 10 THEN '1-9' WHEN enterprises_count < 50 THEN '10-49'
                        WHEN enterprises_count < 250 THEN '50-249' WHEN enterprises_count < 1000 THEN '250-999'
                        ELSE '1000+' END"""

# The ceiling: what a DBA would write for the same figures, one statement each, the total as the last row
# (key NULL). For sector a cluster counts once per NACE division (codes 15.1 and 15.20: once under 15), clusters
# without a code under "unknown", and the total is the clusters, not the sum of the groups: the distinct clusters
# of each division from the index on (division, cluster_id) (the division is the code's first two digits, a column
# the database computes), and on the total row the clusters having any code (unknown = total - those).
SECTOR_SQL = """
SELECT division AS key, count(DISTINCT cluster_id), NULL::bigint FROM cluster_nace_codes GROUP BY 1
UNION ALL SELECT NULL, (SELECT count(*) FROM clusters), (SELECT count(DISTINCT cluster_id) FROM cluster_nace_codes)"""
# For reference, not the ceiling: what the service ran before the division index, one ordered pass over the code
# table's key, a division counted at the first of its codes in a cluster, a cluster at its first code.
SECTOR_PASS_SQL = """
SELECT key, count(*) FILTER (WHERE previous IS NULL OR previous <> key), count(*) FILTER (WHERE previous IS NULL)
FROM (SELECT substr(code, 1, 2) AS key,
             lag(substr(code, 1, 2)) OVER (PARTITION BY cluster_id ORDER BY code) AS previous
      FROM cluster_nace_codes) s
GROUP BY key
UNION ALL SELECT NULL, count(*), NULL FROM clusters"""
STATS: dict[str, dict[str, str]] = {
    "clusters_sector": {"path": "/api/v1/stats/clusters?group_by=sector", "sql": SECTOR_SQL,
                        "reference_sql": SECTOR_PASS_SQL},
    "clusters_country": {"path": "/api/v1/stats/clusters?group_by=country",
                         "sql": "SELECT country, count(*) FROM clusters GROUP BY ROLLUP (country)"},
    "clusters_kind": {"path": "/api/v1/stats/clusters?group_by=kind",
                      "sql": "SELECT kind, count(*) FROM clusters GROUP BY ROLLUP (kind)"},
    "clusters_size": {"path": "/api/v1/stats/clusters?group_by=size",
                      "sql": f"SELECT {SIZE_BAND_SQL} AS band, count(*) FROM clusters GROUP BY ROLLUP (band)"},
    "organizations": {"path": "/api/v1/stats/organizations",
                      "sql": """SELECT size_class, count(*), count(*) FILTER (WHERE emas_registration_number <> ''),
                                       count(*) FILTER (WHERE iso14001_certificate <> '')
                                FROM organizations GROUP BY size_class"""},
}
# What a 304 costs at least: the data version the ETag is made of (api/stats/service.py), one statement.
VERSION_SQL = {
    "clusters": "SELECT (SELECT count(*) FROM clusters), (SELECT max(updated_at) FROM clusters)",
    "organizations": """SELECT (SELECT count(*) FROM organizations), (SELECT max(updated_at) FROM organizations),
                               (SELECT count(*) FROM cluster_memberships), (SELECT max(id) FROM cluster_memberships)""",
}


def _app_figures(key: str, body: dict[str, Any]) -> Any:
    if key == "organizations":
        return {"groups": {g["key"]: (g["count"], g["emas_registered"], g["iso14001_certified"])
                           for g in body["by_size_class"] if g["count"]}, "total": body["total"]}
    return {"groups": {g["key"]: g["count"] for g in body["groups"] if g["count"]}, "total": body["total"]}


def _ceiling_figures(key: str, rows: list[tuple]) -> Any:
    if key == "organizations":
        groups = {(k or "unknown"): (n, e, i) for k, n, e, i in rows}
        return {"groups": groups, "total": sum(v[0] for v in groups.values())}
    total = next(r[1] for r in rows if r[0] is None)
    groups = {r[0]: r[1] for r in rows if r[0] is not None}
    if key == "clusters_sector":
        coded = next(r[2] for r in rows if r[0] is None)
        if coded is None:  # the former pass counts a cluster at its first code, on that division's row
            coded = sum(r[2] for r in rows if r[0] is not None)
        unknown = total - coded
        groups = {k: n for k, n in groups.items() if n} | ({"unknown": unknown} if unknown else {})
    return {"groups": groups, "total": total}


def _timed_get(client: httpx.Client, url: str, headers: dict[str, str] | None = None) -> tuple[float, httpx.Response]:
    t0 = time.perf_counter()
    response = client.get(url, headers=headers)
    response.read()
    return time.perf_counter() - t0, response


def _timed_sql(conn: psycopg.Connection, statement: str) -> tuple[float, list[tuple]]:
    t0 = time.perf_counter()
    rows = conn.execute(statement).fetchall()
    return time.perf_counter() - t0, rows


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def bench_stats(server: synclib.Server, conninfo: str, *, rounds: int, warmup: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with httpx.Client(timeout=60) as client, psycopg.connect(conninfo, autocommit=True) as conn:
        for key, spec in STATS.items():
            url = server.base + spec["path"]
            version_sql = VERSION_SQL["organizations" if key == "organizations" else "clusters"]
            times: dict[str, list[float]] = {"app": [], "not_modified": [], "ceiling": [], "reference": [],
                                             "version": []}
            etag = body = rows = reference_rows = None
            for n in range(1 - warmup, rounds + 1):
                # Alternate which goes first. No If-None-Match: the service keeps no computed answer, so every
                # such request reads the version and runs the aggregate.
                for target in (("app", "ceiling") if n % 2 else ("ceiling", "app")):
                    if target == "app":
                        seconds, response = _timed_get(client, url)
                        if response.status_code != 200:
                            raise SystemExit(f"GET {spec['path']} answered {response.status_code}: {response.text}")
                        etag, body = response.headers["etag"], response.json()
                    else:
                        seconds, rows = _timed_sql(conn, spec["sql"])
                    if n > 0:
                        times[target].append(seconds)
                seconds, response = _timed_get(client, url, {"If-None-Match": etag})
                if response.status_code != 304:
                    raise SystemExit(f"GET {spec['path']} with If-None-Match answered {response.status_code}")
                version_seconds, _ = _timed_sql(conn, version_sql)
                if "reference_sql" in spec:
                    reference_seconds, reference_rows = _timed_sql(conn, spec["reference_sql"])
                if n > 0:
                    times["not_modified"].append(seconds)
                    times["version"].append(version_seconds)
                    if "reference_sql" in spec:
                        times["reference"].append(reference_seconds)
            app_figures, ceiling_figures = _app_figures(key, body), _ceiling_figures(key, rows)
            r: dict[str, Any] = {
                "path": spec["path"], "ceiling_sql": " ".join(spec["sql"].split()),
                **{f"{k}_ms": [round(s * 1000, 2) for s in v] for k, v in times.items() if v},
                "app_median_ms": _ms(times["app"]), "app_p90_ms": _pct(times["app"], 0.9) * 1000,
                "not_modified_median_ms": _ms(times["not_modified"]), "ceiling_median_ms": _ms(times["ceiling"]),
                "version_sql_median_ms": _ms(times["version"]),
                "figures_equal": app_figures == ceiling_figures, "total": app_figures["total"],
                "groups": len(app_figures["groups"]),
            }
            if times["reference"]:
                r["reference_sql"] = " ".join(spec["reference_sql"].split())
                r["reference_median_ms"] = _ms(times["reference"])
                r["reference_figures_equal"] = _ceiling_figures(key, reference_rows) == ceiling_figures
            r["ratio"] = r["app_median_ms"] / r["ceiling_median_ms"]
            r["pass"] = r["app_median_ms"] < TARGET_STATS_MS
            if not r["figures_equal"]:
                r["app_figures"], r["ceiling_figures"] = app_figures, ceiling_figures
            out[key] = r
            colour = "green" if r["figures_equal"] else "red"
            console.print(f"{spec['path']:<42} app {r['app_median_ms']:7.1f} ms (p90 {r['app_p90_ms']:6.1f})  "
                          f"304 {r['not_modified_median_ms']:6.1f} ms  SQL {r['ceiling_median_ms']:7.1f} ms  "
                          f"app/SQL {r['ratio']:5.2f}  version SQL {r['version_sql_median_ms']:5.1f} ms  "
                          f"[{colour}]figures equal: {r['figures_equal']}[/]"
                          + (f"  (join + DISTINCT SQL {r['reference_median_ms']:.1f} ms)" if times["reference"] else ""))
    return out


def explain_stats(conninfo: str) -> dict[str, str]:
    """EXPLAIN ANALYZE of each ceiling, reference and version statement."""
    statements = {key: spec["sql"] for key, spec in STATS.items()}
    statements |= {f"{key} (reference)": spec["reference_sql"] for key, spec in STATS.items() if "reference_sql" in spec}
    statements |= {f"{key} version": statement for key, statement in VERSION_SQL.items()}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return {key: "\n".join(r[0] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement))
                for key, statement in statements.items()}


# ---- report ----------------------------------------------------------------------------------------------

def _verdict(ok: bool) -> str:
    return "[green]PASS[/]" if ok else "[red]FAIL[/]"


def report(out: dict[str, Any]) -> None:
    if "downloads" in out:
        d, s = out["downloads"], out["downloads"]["summary"]
        table = Table(title=f"Download of the {d['dataset']} dataset, {s['rows']:,} rows (medians of "
                            f"{len(d['rounds'])} rounds)")
        for col in ("target", "rows/s", "seconds", "MB/s", "server CPU s", "postgres CPU s", "peak RSS MB"):
            table.add_column(col, justify="right")
        table.add_row("app, csv", f"{s['app_csv_rows_per_s']:,.0f}", f"{s['app_csv_seconds']:.2f}",
                      f"{s['app_csv_mb_per_s']:.1f}", f"{s['app_csv_server_cpu_s']:.2f}",
                      f"{s['app_csv_postgres_cpu_s']:.2f}", f"{s['app_csv_peak_mb_max']:.0f}")
        table.add_row("COPY ... TO STDOUT (csv)", f"{s['copy_csv_rows_per_s']:,.0f}", f"{s['copy_csv_seconds']:.2f}",
                      f"{s['copy_csv_mb_per_s']:.1f}", "–", f"{s['copy_csv_postgres_cpu_s']:.2f}", "–")
        if s["app_jsonl_rows_per_s"]:
            jsonl = [r["app_jsonl"] for r in d["rounds"]]
            table.add_row("app, jsonl", f"{s['app_jsonl_rows_per_s']:,.0f}",
                          f"{statistics.median(j['seconds'] for j in jsonl):.2f}",
                          f"{statistics.median(j['mb_per_s'] for j in jsonl):.1f}",
                          f"{s['app_jsonl_server_cpu_s']:.2f}",
                          f"{statistics.median(j['postgres_cpu_s'] for j in jsonl):.2f}",
                          f"{s['app_jsonl_peak_mb_max']:.0f}")
        console.print(table)
        console.print(f"app csv {s['app_csv_rows_per_s']:,.0f} rows/s (target >= {TARGET_ROWS_PER_S:,}: "
                      f"{_verdict(s['pass_rows_per_s'])}); app/COPY {s['ratio_of_medians']:.3f} (per-round median "
                      f"{s['ratio_median_per_round']:.3f}; target >= {TARGET_RATIO}: {_verdict(s['pass_ratio'])}); "
                      f"peak RSS {s['app_csv_peak_mb_max']:.0f} MB csv"
                      + (f", {s['app_jsonl_peak_mb_max']:.0f} MB jsonl" if s["app_jsonl_peak_mb_max"] else "")
                      + f" (RSS after start-up {out['server_rss_idle_mb']:.0f} MB, before a download "
                      f"{s['app_rss_before_mb']:.0f} MB; target < {TARGET_PEAK_MB} MB: {_verdict(s['pass_peak'])}); "
                      f"row counts equal: {_verdict(s['rows_equal'])}"
                      + ("" if s["content_equal"] is None else f"; content equal to COPY's: "
                         f"{_verdict(s['content_equal'])}"))
    if "stats" in out:
        table = Table(title="Dashboard statistics (medians; the app without If-None-Match computes every time)")
        for col in ("endpoint", "app ms", "app p90 ms", "SQL ms", "app/SQL", f"< {TARGET_STATS_MS} ms", "304 ms",
                    "version SQL ms", "figures equal"):
            table.add_column(col, justify="right")
        for r in out["stats"].values():
            table.add_row(r["path"].removeprefix("/api/v1"), f"{r['app_median_ms']:.1f}", f"{r['app_p90_ms']:.1f}",
                          f"{r['ceiling_median_ms']:.1f}", f"{r['ratio']:.2f}", _verdict(r["pass"]),
                          f"{r['not_modified_median_ms']:.1f}", f"{r['version_sql_median_ms']:.1f}",
                          _verdict(r["figures_equal"]))
        console.print(table)
        for r in out["stats"].values():
            if "reference_median_ms" in r:
                console.print(f"{r['path'].removeprefix('/api/v1')}: the same figures by one ordered pass over the "
                              f"code table's key (the service's former query) take {r['reference_median_ms']:.1f} "
                              f"ms of SQL; figures equal: {_verdict(r['reference_figures_equal'])}")
    for key, plan in out.get("explain", {}).items():
        console.print(f"\n[bold]EXPLAIN ANALYZE {key}[/]")
        console.print(plan, markup=False, highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--clusters", type=int, default=100_000)
    p.add_argument("--organizations", type=int, default=1_000_000)
    p.add_argument("--recreate", action="store_true", help="drop and create the database, generate the data again")
    p.add_argument("--prepare-only", action="store_true", help="make sure the data is there, measure nothing")
    p.add_argument("--rounds", type=int, default=3, help="measured download rounds")
    p.add_argument("--warmup", type=int, default=1, help="untimed download rounds first (the first is checked)")
    p.add_argument("--stats-rounds", type=int, default=21, help="measured requests per stats endpoint")
    p.add_argument("--stats-warmup", type=int, default=3)
    p.add_argument("--only", choices=("downloads", "stats"), help="run one part only")
    p.add_argument("--no-jsonl", action="store_true", help="skip the jsonl download")
    p.add_argument("--no-check", action="store_true", help="do not compare the app's CSV with COPY's")
    p.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the stats ceilings")
    p.add_argument("--port", type=int, default=18610)
    p.add_argument("--output", type=Path, help="default bench/results/datasets-<UTC time>.json")
    args = p.parse_args(argv)
    if args.rounds < 1 or args.stats_rounds < 1 or args.clusters < 1:
        p.error("need at least one round and one cluster")

    started = datetime.now(UTC)
    data = prepare(args.database_url, clusters=args.clusters, organizations=args.organizations,
                   recreate=args.recreate)
    data["clusters"] = args.clusters
    console.print("data: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in data.items()))
    if args.prepare_only:
        return 0
    conninfo = libpq_url(args.database_url)
    with psycopg.connect(conninfo) as conn:
        postgres = dict(zip(("version", "jit", "work_mem", "shared_buffers", "max_parallel_workers_per_gather"),
                            conn.execute("SELECT version(), current_setting('jit'), current_setting('work_mem'), "
                                         "current_setting('shared_buffers'), "
                                         "current_setting('max_parallel_workers_per_gather')").fetchone(),
                            strict=True))
    out: dict[str, Any] = {"started_at": started.isoformat(timespec="seconds"), "data": data, "postgres": postgres,
                           "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                           "git": synclib.git_commit(ROOT), "args": {k: str(v) for k, v in vars(args).items()}}
    # Anonymous reads are what an open-data client does; no rate limit may throttle the benchmark.
    with synclib.Server(ROOT, args.database_url, args.port, CARTESIO_RATE_LIMIT_ANONYMOUS_PER_SECOND="0") as server:
        out["server_rss_idle_mb"] = synclib.proc_status(server.pid).get("VmRSS", 0) / 1024
        if args.only in (None, "downloads"):
            out["downloads"] = bench_downloads(server, conninfo, name="organizations", rounds=args.rounds,
                                               warmup=args.warmup, jsonl=not args.no_jsonl, check=not args.no_check)
            out["downloads"]["summary"] = summarise_downloads(out["downloads"])
        if args.only in (None, "stats"):
            out["stats"] = bench_stats(server, conninfo, rounds=args.stats_rounds, warmup=args.stats_warmup)
        out["server_rss_end_mb"] = synclib.proc_status(server.pid).get("VmRSS", 0) / 1024
    if args.explain:
        out["explain"] = explain_stats(conninfo)
    report(out)
    output = args.output or BENCH / "results" / f"datasets-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(out, indent=2, default=str))
    console.print(f"wrote {output}")
    failed = False
    if "downloads" in out:
        s = out["downloads"]["summary"]
        failed |= not (s["rows_equal"] and s["content_equal"] is not False)
    if "stats" in out:
        failed |= not all(r["figures_equal"] for r in out["stats"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
