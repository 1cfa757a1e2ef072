"""Screening runs at registry scale: the service's run against a hand-written SQL query, same session.

    .venv/bin/python bench/screening.py                      # 100,000 clusters, 5 rounds (+1 warm-up)
    .venv/bin/python bench/screening.py --explain            # and EXPLAIN ANALYZE of both statements
    .venv/bin/python bench/screening.py --recreate           # drop the database and generate the data again
    .venv/bin/python bench/screening.py --clusters 2000 --organizations 5000 --rounds 2   # quick check

Database `cartesio_bench_screening` (created if missing, migrated with the project's Alembic migrations). The
registry is loaded by bench/generate.py (imported: 100,000 clusters with sectors, NACE codes, counts with
NULLs, countries, NUTS codes, kinds, coordinating bodies, tags, recognitions) only when the database holds
fewer clusters than asked or with --recreate; what generate.py does not make (sectors without NACE codes,
cluster members, supply-chain links, networks and their members) is added here with plain SQL.

A 10-criterion set in 3 phases (filter, filter, include; unknown counts as "review") is saved through
api.criteria.service. Each round then times, alternating which goes first:

  * service: `api.screenings.service.start()` in one `Database.session_scope()` (inline: the inline limit is
    raised above the registry's size), i.e. the count of the scope, the INSERT ... SELECT of every cluster's
    outcomes and explanations into screening_results, the funnel's GROUP BY and the commit;
  * ceiling: one plain SQL query (EXISTS sub-queries on the index tables) giving every cluster's final
    outcome for the same criteria and phase logic, fetched with psycopg.

Each round checks that every cluster's stored outcome equals the ceiling's; the first round also compares the
outcome of every criterion. Results: printed, and bench/results/screening.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate
from common import libpq_url

from api.auth.principal import Principal
from api.core import migrate
from api.core.config import Settings
from api.core.db import Database
from api.criteria import service as criteria_service
from api.criteria.schemas import CriteriaSetCreate, CriterionCreate
from api.screenings import service as screenings_service
from api.screenings.schemas import ScreeningCreate

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cartesio_bench_screening"
RESULTS = Path(__file__).resolve().parent / "results" / "screening.json"
ADMIN = Principal(kind="system", id=None, role="admin", label="bench")
TARGET_SECONDS = 5.0
TARGET_RATIO = 3.0
console = Console(width=150)


# ---- data ------------------------------------------------------------------------------------------------

def _schema_drift(url: str) -> list[str]:
    """generate.schema_drift() for the registry tables, plus the criteria and screening tables."""
    return generate.schema_drift(url, [*generate.TABLES, "criteria", "criteria_sets", "criteria_set_versions",
                                       "screenings", "screening_results", "networks", "network_memberships"])


# What generate.py leaves out, added in one transaction. Deterministic: choices come from hashes of ids. The
# stored `clusters.document` is not rewritten for the sectors changed here (a screening never reads it).
ENRICH_SQL = """
CREATE TEMP TABLE touched (cluster_id int PRIMARY KEY) ON COMMIT DROP;

-- Sectors with no NACE code: 3 % of clusters have none at all (unknown), 4 % of two-sector clusters lose the
-- codes of their second sector (still known through the first); 1 % of clusters have no sector at all.
INSERT INTO touched
SELECT id FROM clusters WHERE abs(hashtext('nace-none' || id)) % 100 < 4;
UPDATE cluster_sectors SET nace_codes = '[]'
WHERE cluster_id IN (SELECT cluster_id FROM touched WHERE abs(hashtext('nace-gone' || cluster_id)) % 4 > 0);
DELETE FROM cluster_sectors WHERE cluster_id IN (SELECT cluster_id FROM touched
                                                 WHERE abs(hashtext('nace-gone' || cluster_id)) % 4 = 0);
INSERT INTO touched
SELECT cluster_id FROM cluster_sectors
WHERE position = 1 AND abs(hashtext('nace-second' || cluster_id)) % 100 < 4
ON CONFLICT DO NOTHING;
UPDATE cluster_sectors SET nace_codes = '[]'
WHERE position = 1 AND abs(hashtext('nace-second' || cluster_id)) % 100 < 4;
-- cluster_nace_codes is the service's index of the sectors' codes: rebuilt for the clusters touched.
DELETE FROM cluster_nace_codes WHERE cluster_id IN (SELECT cluster_id FROM touched);
INSERT INTO cluster_nace_codes (cluster_id, code)
SELECT DISTINCT s.cluster_id, code.value
FROM cluster_sectors s JOIN touched t ON t.cluster_id = s.cluster_id, json_array_elements_text(s.nace_codes) AS code;

-- Members: 40 % of clusters list 1 to 8 member organizations; 15 % of memberships have ended.
INSERT INTO cluster_memberships (cluster_id, organization_id, role, joined_date, left_date, created_at)
SELECT c.id, 1 + abs(hashtext('member' || c.id || ':' || g)) % {organizations},
       (ARRAY['member', 'member', 'member', 'coordinator', 'supporting_institution'])[1 + g % 5],
       DATE '2010-01-01' + abs(hashtext('joined' || c.id || ':' || g)) % 4000,
       CASE WHEN abs(hashtext('left' || c.id || ':' || g)) % 100 < 15 THEN DATE '2024-06-30' END, now()
FROM clusters c, generate_series(1, 8) AS g
WHERE abs(hashtext('members' || c.id)) % 100 < 40 AND g <= 1 + abs(hashtext('size' || c.id)) % 8
ON CONFLICT DO NOTHING;

-- Supply chains: 12 % of clusters supply 1 to 3 others.
INSERT INTO supply_chain_links (supplier_id, customer_id, product, note, created_at)
SELECT s.id, p.id, 'semi-finished goods', NULL, now()
FROM clusters s
CROSS JOIN LATERAL generate_series(1, 1 + abs(hashtext('links' || s.id)) % 3) AS g
JOIN clusters p ON p.id = 1 + abs(hashtext('customer' || s.id || ':' || g)) % {clusters}
WHERE abs(hashtext('supplier' || s.id)) % 100 < 12 AND p.id <> s.id
ON CONFLICT DO NOTHING;

-- Networks and their members: 25 % of the organizations that coordinate a cluster, and 2 % of all others,
-- belong to one of 12 networks; 10 % of those memberships have ended.
DELETE FROM networks WHERE slug LIKE 'bench-network-%';
INSERT INTO networks (slug, name, full_name, description, objectives, website, version, created_at, updated_at)
SELECT 'bench-network-' || n, 'Rete ' || n, NULL, NULL, '[]', NULL, 1, now(), now()
FROM generate_series(1, 12) AS n;
INSERT INTO network_memberships (network_id, organization_id, role, joined_date, left_date, note, created_at)
SELECT (SELECT min(id) FROM networks WHERE slug LIKE 'bench-network-%') + abs(hashtext('network' || o.id)) % 12,
       o.id, (ARRAY['promoter', 'referent', 'adherent', 'adherent'])[1 + o.id % 4], DATE '2015-01-01',
       CASE WHEN abs(hashtext('net-left' || o.id)) % 100 < 10 THEN DATE '2023-12-31' END, NULL, now()
FROM organizations o
WHERE abs(hashtext('net' || o.id)) % 100 <
      CASE WHEN EXISTS (SELECT 1 FROM clusters c WHERE c.coordinating_body_id = o.id) THEN 25 ELSE 2 END;
"""

# Non-empty tables that ENRICH_SQL fills (generate.py's TRUNCATE ... CASCADE empties them again).
ENRICHED_CHECK = """SELECT EXISTS (SELECT 1 FROM supply_chain_links) AND EXISTS (SELECT 1 FROM cluster_memberships)
                    AND EXISTS (SELECT 1 FROM network_memberships)"""


def enrich(url: str, *, clusters: int, organizations: int) -> None:
    t0 = time.perf_counter()
    statements = sql.SQL(ENRICH_SQL).format(clusters=sql.Literal(clusters),
                                            organizations=sql.Literal(max(1, organizations)))
    with psycopg.connect(libpq_url(url)) as conn:  # one transaction
        conn.execute(statements)
    console.print(f"added empty NACE lists, members, supply-chain links, networks in {time.perf_counter() - t0:.1f} s")


def prepare(url: str, *, clusters: int, organizations: int, recreate: bool) -> int:
    """The database at head with at least `clusters` clusters; returns how many there are."""
    generate.ensure_database(url, recreate=recreate)
    migrate.upgrade(url)
    drift = _schema_drift(url)
    if drift:
        raise SystemExit("the database schema differs from the models (migration edited in place?):\n  "
                         + "\n  ".join(drift) + "\nrun again with --recreate")
    with psycopg.connect(libpq_url(url)) as conn:
        present = conn.execute("SELECT count(*) FROM clusters").fetchone()[0]
        enriched = conn.execute(ENRICHED_CHECK).fetchone()[0]
        orgs = conn.execute("SELECT count(*) FROM organizations").fetchone()[0]
    if present < clusters:
        console.print(f"{present:,} clusters present, {clusters:,} wanted: generating")
        generate.generate(url, clusters=clusters, organizations=organizations, reset=True, seed=42, drop_indexes=True)
        if asyncio.run(generate.verify(url, 50, clusters, 42)):
            raise SystemExit("generated documents do not match render()")
        present, enriched, orgs = clusters, False, organizations
    if not enriched:
        enrich(url, clusters=present, organizations=orgs)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        # Earlier runs' sets and screenings: this database is the benchmark's own.
        conn.execute("TRUNCATE screening_results, screenings, criteria_set_versions, criteria_sets, criteria "
                     "RESTART IDENTITY")
        t0 = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        console.print(f"VACUUM ANALYZE in {time.perf_counter() - t0:.1f} s")
    return present


PROFILE_SQL = """
SELECT count(*) AS clusters,
       avg((NOT EXISTS (SELECT 1 FROM cluster_nace_codes n WHERE n.cluster_id = c.id))::int) AS no_nace_code,
       avg((NOT EXISTS (SELECT 1 FROM cluster_sectors s WHERE s.cluster_id = c.id))::int) AS no_sector,
       avg((enterprises_count IS NULL)::int) AS enterprises_null,
       avg((employees_count IS NULL)::int) AS employees_null,
       avg((region_code IS NULL)::int) AS region_null,
       avg((country = 'IT')::int) AS italian,
       avg((coordinating_body_id IS NOT NULL)::int) AS coordinating_body,
       avg((json_array_length(tags) > 0)::int) AS tagged,
       avg((EXISTS (SELECT 1 FROM cluster_recognitions r WHERE r.cluster_id = c.id))::int) AS recognition,
       avg((EXISTS (SELECT 1 FROM cluster_memberships m WHERE m.cluster_id = c.id))::int) AS members,
       avg((EXISTS (SELECT 1 FROM supply_chain_links l WHERE l.supplier_id = c.id OR l.customer_id = c.id))::int)
           AS supply_chain,
       (SELECT count(*) FROM cluster_sectors WHERE nace_codes::text = '[]') AS sectors_without_code,
       (SELECT count(*) FROM cluster_memberships) AS memberships,
       (SELECT count(*) FROM supply_chain_links) AS links,
       (SELECT count(*) FROM network_memberships) AS network_memberships,
       (SELECT count(*) FROM organizations) AS organizations
FROM clusters c
"""


def profile(url: str) -> dict[str, Any]:
    with psycopg.connect(libpq_url(url)) as conn:
        cur = conn.execute(PROFILE_SQL)
        row = cur.fetchone()
        return {d.name: (round(float(v), 4) if not isinstance(v, int) else v) for d, v in zip(cur.description, row)}


# ---- the criteria set ------------------------------------------------------------------------------------

MANUFACTURING = [str(n) for n in range(10, 34)]
FASHION = ["13", "14", "15"]
RECOGNITION_KINDS = ["emas_cluster", "apo_attestation", "iso14001_network"]
PARTNER_COUNTRIES = ["ES", "FR", "AT", "SI"]
EXCLUDED_KINDS = ["industrial_park", "enterprise_network"]
GREEN_TAGS = ["circular-economy", "emas", "eco-design"]

CRITERIA: list[dict[str, Any]] = [
    {"name": "Manufacturing (NACE 10-33)",
     "definition": {"type": "nace", "label": "manufacturing", "prefixes": MANUFACTURING}},
    {"name": "At least 50 enterprises",
     "definition": {"type": "field", "field": "enterprises_count", "op": ">=", "value": 50}},
    {"name": "In Italy (region known) or a partner country",
     "definition": {"type": "any", "of": [
         {"type": "field", "field": "country", "op": "in", "value": PARTNER_COUNTRIES},
         {"type": "field", "field": "region_code", "op": "starts_with", "value": "IT"}]}},
    {"name": "Not an industrial park or business network",
     "definition": {"type": "not", "of": {"type": "field", "field": "kind", "op": "in", "value": EXCLUDED_KINDS}}},
    {"name": "At least 200 employees",
     "definition": {"type": "field", "field": "employees_count", "op": ">=", "value": 200}},
    {"name": "Governed: coordinating body, environmental recognition or eco-innovation",
     "definition": {"type": "any", "of": [
         {"type": "has", "what": "coordinating_body"},
         {"type": "has", "what": "recognition", "kinds": RECOGNITION_KINDS},
         {"type": "has", "what": "eco_innovation"}]}},
    {"name": "In a supply chain", "definition": {"type": "supply_chain", "direction": "any"}},
    {"name": "Fashion (NACE 13, 14, 15)",
     "definition": {"type": "nace", "label": "fashion sectors", "prefixes": FASHION}},
    {"name": "Shows interest (network member)",
     "definition": {"type": "interest", "evidence": ["network_membership"]}},
    {"name": "Green tags", "definition": {"type": "tags", "match": "any", "tags": GREEN_TAGS}},
]
PHASES = [  # (name, mode, combine, indexes into CRITERIA)
    ("Macro-criteria", "filter", "all", [0, 1, 2, 3]),
    ("Cluster characteristics", "filter", "any", [4, 5, 6]),
    ("Fashion clusters that showed interest", "include", "all", [7, 8, 9]),
]


async def create_set(db: Database) -> int:
    async with db.session_scope() as session:
        ids = []
        for record in CRITERIA:
            criterion = await criteria_service.create_criterion(
                session, data=CriterionCreate.model_validate(record), actor=ADMIN)
            ids.append(criterion.id)
        data = CriteriaSetCreate.model_validate({
            "name": "Bench screening: 10 criteria in 3 phases", "unknown_as": "review",
            "phases": [{"name": name, "mode": mode, "combine": combine, "criteria": [ids[i] for i in members]}
                       for name, mode, combine, members in PHASES]})
        return (await criteria_service.create_set(session, data=data, actor=ADMIN)).id


# ---- the ceiling -----------------------------------------------------------------------------------------

# What a DBA would write for the same criteria: NACE prefixes on the cluster_nace_codes index table, EXISTS for
# what is linked, three-valued booleans for outcomes (NULL = unknown). Outcome per phase, then the list after
# each phase: filter = on the list and passing, include = on the list or passing. The list is followed counting
# unknown as a pass and as a fail; a cluster on the first but not the second is "needs_review" (as the service
# defines it).
# MATERIALIZED: the phase logic refers to each outcome several times, and an inlined CTE evaluates the
# sub-plans once per reference (measured: 0.95 s inlined, 0.53 s materialized, JIT off).
CEILING_CTE = """
WITH o AS MATERIALIZED (
    SELECT c.id,
        CASE WHEN EXISTS (SELECT 1 FROM cluster_nace_codes n WHERE n.cluster_id = c.id
                                                             AND n.code LIKE ANY (%(manufacturing)s)) THEN TRUE
             WHEN EXISTS (SELECT 1 FROM cluster_nace_codes n WHERE n.cluster_id = c.id) THEN FALSE END AS c1,
        c.enterprises_count >= 50 AS c2,
        (c.country = ANY (%(partner_countries)s) OR c.region_code LIKE 'IT%%') AS c3,
        NOT (c.kind = ANY (%(excluded_kinds)s)) AS c4,
        c.employees_count >= 200 AS c5,
        (c.coordinating_body_id IS NOT NULL
         OR EXISTS (SELECT 1 FROM cluster_recognitions r WHERE r.cluster_id = c.id
                                                           AND r.kind = ANY (%(recognition_kinds)s))
         OR length(trim(coalesce(c.eco_innovation, ''))) > 0) AS c6,
        (EXISTS (SELECT 1 FROM supply_chain_links l WHERE l.supplier_id = c.id)
         OR EXISTS (SELECT 1 FROM supply_chain_links l WHERE l.customer_id = c.id)) AS c7,
        CASE WHEN EXISTS (SELECT 1 FROM cluster_nace_codes n WHERE n.cluster_id = c.id
                                                             AND n.code LIKE ANY (%(fashion)s)) THEN TRUE
             WHEN EXISTS (SELECT 1 FROM cluster_nace_codes n WHERE n.cluster_id = c.id) THEN FALSE END AS c8,
        (EXISTS (SELECT 1 FROM network_memberships nm
                 WHERE nm.organization_id = c.coordinating_body_id AND nm.left_date IS NULL)
         OR EXISTS (SELECT 1 FROM cluster_memberships m
                    JOIN network_memberships nm ON nm.organization_id = m.organization_id AND nm.left_date IS NULL
                    WHERE m.cluster_id = c.id AND m.left_date IS NULL)) AS c9,
        coalesce(c.tags::jsonb ?| %(green_tags)s, FALSE) AS c10
    FROM clusters c
), p AS (
    SELECT o.*, c1 AND c2 AND c3 AND c4 AS p1, c5 OR c6 OR c7 AS p2, c8 AND c9 AND c10 AS p3 FROM o
), l AS (
    SELECT p.*, coalesce(p1, TRUE) AS on1, coalesce(p1, TRUE) AND coalesce(p2, TRUE) AS on2,
           (coalesce(p1, TRUE) AND coalesce(p2, TRUE)) OR coalesce(p3, TRUE) AS on3,
           (coalesce(p1, FALSE) AND coalesce(p2, FALSE)) OR coalesce(p3, FALSE) AS strict3 FROM p
)
"""
CEILING_OUTCOME = """CASE WHEN NOT on3 THEN 'rejected' WHEN NOT strict3 THEN 'needs_review'
                          ELSE 'selected' END"""
CEILING_SQL = CEILING_CTE + f"SELECT id, {CEILING_OUTCOME} FROM l"


def _chars(names: list[str]) -> str:
    return " || ".join(f"CASE WHEN {n} THEN 'p' WHEN NOT {n} THEN 'f' ELSE 'u' END" for n in names)


# Untimed: every criterion's and phase's outcome too, to say which criterion disagrees when outcomes do.
CEILING_DETAIL_SQL = (CEILING_CTE + f"SELECT id, {_chars([f'c{i}' for i in range(1, 11)])}, "
                      f"{_chars(['p1', 'p2', 'p3'])}, {CEILING_OUTCOME} FROM l")
# Informational, not the ceiling: the same outcomes stored the way the service stores them (same table, indexes
# and foreign key) but without explanation texts, in a transaction rolled back: what writing the rows costs.
CEILING_STORE_SQL = CEILING_CTE + f"""
INSERT INTO screening_results (screening_id, cluster_id, name, country, region_code, kind, outcome, score, criteria,
                               phases, path, explanations)
SELECT %(screening_id)s, c.id, c.name, c.country, c.region_code, c.kind, {CEILING_OUTCOME},
       {" + ".join(f"coalesce(c{i}, FALSE)::int" for i in range(1, 11))},
       {_chars([f'c{i}' for i in range(1, 11)])}, {_chars(['p1', 'p2', 'p3'])},
       {" || ".join(f"CASE WHEN on{i} THEN '+' ELSE '-' END" for i in range(1, 4))}, '[]'
FROM l JOIN clusters c ON c.id = l.id"""
CEILING_PARAMS = {"manufacturing": [p + "%" for p in MANUFACTURING], "fashion": [p + "%" for p in FASHION],
                  "partner_countries": PARTNER_COUNTRIES, "excluded_kinds": EXCLUDED_KINDS,
                  "recognition_kinds": RECOGNITION_KINDS, "green_tags": GREEN_TAGS}


# ---- measuring -------------------------------------------------------------------------------------------

class StatementClock:
    """Seconds spent in each SQL statement the engine runs (cursor execute to return), by statement kind."""

    def __init__(self, db: Database) -> None:
        self.records: list[tuple[str, float]] = []
        self.last_insert: tuple[str, Any] | None = None
        engine = db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        elapsed = time.perf_counter() - conn.info["bench_started"].pop()
        head = " ".join(statement.split()[:3]).upper()
        if head.startswith("INSERT INTO SCREENING_RESULTS"):
            kind = "insert_select"
            self.last_insert = (statement, parameters)
        elif head.startswith("INSERT INTO SCREENINGS"):
            kind = "insert_screening"
        elif "FROM SCREENING_RESULTS" in statement.upper():
            kind = "funnel"
        elif head.startswith("SELECT COUNT(*)"):
            kind = "count_scope"
        elif head.startswith("UPDATE"):
            kind = "update"
        else:
            kind = "other"
        self.records.append((kind, elapsed))

    def take(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for kind, seconds in self.records:
            out[kind] = out.get(kind, 0.0) + seconds
        self.records.clear()
        return out


async def service_round(db: Database, clock: StatementClock, set_id: int) -> tuple[float, int, dict[str, float]]:
    clock.take()
    t0 = time.perf_counter()
    async with db.session_scope() as session:
        screening = await screenings_service.start(session, data=ScreeningCreate(criteria_set_id=set_id),
                                                   actor=ADMIN, db=db)
        screening_id = screening.id
        body_done = time.perf_counter()
    elapsed = time.perf_counter() - t0
    parts = clock.take()
    parts["commit"] = elapsed - (body_done - t0)
    # Python work around the statements: ORM, compiling the query, round trips.
    parts["python_and_rest"] = elapsed - sum(parts.values())
    return elapsed, screening_id, {k: round(v, 4) for k, v in parts.items()}


async def ceiling_round(conn: psycopg.AsyncConnection) -> tuple[float, dict[int, str]]:
    t0 = time.perf_counter()
    cur = await conn.execute(CEILING_SQL, CEILING_PARAMS)
    rows = await cur.fetchall()
    return time.perf_counter() - t0, dict(rows)


async def ceiling_store_round(conn: psycopg.AsyncConnection, screening_id: int) -> float:
    async with conn.transaction(force_rollback=True):
        t0 = time.perf_counter()
        await conn.execute(CEILING_STORE_SQL, {**CEILING_PARAMS, "screening_id": screening_id})
        return time.perf_counter() - t0


async def stored(conn: psycopg.AsyncConnection, screening_id: int) -> dict[int, tuple[str, str, str]]:
    cur = await conn.execute("SELECT cluster_id, outcome, criteria, phases FROM screening_results "
                             "WHERE screening_id = %s", (screening_id,))
    return {row[0]: row[1:] for row in await cur.fetchall()}


def compare(service_rows: dict[int, tuple[str, str, str]], ceiling: dict[int, str]) -> dict[str, Any]:
    mismatched = sorted(cid for cid in service_rows.keys() | ceiling.keys()
                        if service_rows.get(cid, (None,))[0] != ceiling.get(cid))
    return {"clusters": len(ceiling), "stored": len(service_rows), "mismatches": len(mismatched),
            "examples": [{"cluster_id": cid, "service": service_rows.get(cid, (None,))[0],
                          "ceiling": ceiling.get(cid)} for cid in mismatched[:10]]}


async def compare_detail(conn: psycopg.AsyncConnection, service_rows: dict[int, tuple[str, str, str]]) -> dict:
    """Every criterion's and phase's outcome, service against ceiling: counts of disagreements per position."""
    cur = await conn.execute(CEILING_DETAIL_SQL, CEILING_PARAMS)
    by_criterion = [0] * 10
    by_phase = [0] * 3
    examples = []
    for cid, criteria, phases, _ in await cur.fetchall():
        mine = service_rows.get(cid)
        if mine is None:
            continue
        for i in range(10):
            by_criterion[i] += mine[1][i] != criteria[i]
        for i in range(3):
            by_phase[i] += mine[2][i] != phases[i]
        if (mine[1] != criteria or mine[2] != phases) and len(examples) < 10:
            examples.append({"cluster_id": cid, "service": mine[1] + "/" + mine[2], "ceiling": criteria + "/" + phases})
    return {"criteria_mismatches": by_criterion, "phase_mismatches": by_phase, "examples": examples}


async def outcome_counts(conn: psycopg.AsyncConnection, screening_id: int) -> dict[str, Any]:
    """Outcome totals and pass/fail/unknown per criterion, from the stored results."""
    cur = await conn.execute("SELECT outcome, count(*) FROM screening_results WHERE screening_id = %s GROUP BY 1",
                             (screening_id,))
    outcomes = dict(await cur.fetchall())
    per = []
    for i in range(1, 11):
        cur = await conn.execute(
            "SELECT substr(criteria, %s, 1), count(*) FROM screening_results WHERE screening_id = %s GROUP BY 1",
            (i, screening_id))
        counts = dict(await cur.fetchall())
        per.append({"criterion": CRITERIA[i - 1]["name"], **{k: counts.get(k, 0) for k in "pfu"}})
    return {"outcomes": outcomes, "criteria": per}


async def explain(db: Database, clock: StatementClock, conn: psycopg.AsyncConnection, set_id: int) -> dict[str, str]:
    """EXPLAIN ANALYZE of the service's INSERT ... SELECT (rolled back) and of the ceiling query."""
    await service_round(db, clock, set_id)  # captures the statement and its parameters
    statement, parameters = clock.last_insert
    plans = {}
    async with db.engine.connect() as sa_conn:
        raw = await sa_conn.get_raw_connection()
        cur = raw.driver_connection.cursor()
        await cur.execute("DELETE FROM screening_results WHERE screening_id = (SELECT max(id) FROM screenings)")
        await cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plans["service_insert_select"] = "\n".join(r[0] for r in await cur.fetchall())
        await raw.driver_connection.rollback()
    cur = await conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + CEILING_SQL, CEILING_PARAMS)
    plans["ceiling"] = "\n".join(r[0] for r in await cur.fetchall())
    return plans


# ---- the run ---------------------------------------------------------------------------------------------

def _git() -> dict[str, Any]:
    def run(*args: str) -> str:
        return subprocess.run(["git", *args], check=False, capture_output=True, text=True,
                              cwd=Path(__file__).parent).stdout.strip()
    return {"commit": run("rev-parse", "--short", "HEAD"),
            "dirty_files": len(run("status", "--porcelain").splitlines())}


async def bench(url: str, *, rounds: int, warmup: int, with_explain: bool, clusters: int) -> dict[str, Any]:
    settings = Settings(database_url=url, environment="development", screening_inline_max_clusters=10 * clusters + 1)
    db = Database(settings)
    clock = StatementClock(db)
    conn = await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True)
    out: dict[str, Any] = {}
    try:
        cur = await conn.execute("SELECT current_setting('jit'), current_setting('work_mem'), "
                                 "current_setting('shared_buffers'), "
                                 "current_setting('max_parallel_workers_per_gather'), version()")
        jit, work_mem, shared_buffers, parallel, version = await cur.fetchone()
        out["postgres"] = {"version": version, "jit": jit, "work_mem": work_mem, "shared_buffers": shared_buffers,
                           "max_parallel_workers_per_gather": parallel}
        set_id = await create_set(db)
        rows: list[dict[str, Any]] = []
        for n in range(-warmup + 1, rounds + 1):
            label = f"warm-up {n + warmup}" if n <= 0 else f"round {n}"
            order = ("service", "ceiling") if n % 2 else ("ceiling", "service")
            result: dict[str, Any] = {"round": n, "order": list(order)}
            for target in order:
                if target == "service":
                    seconds, screening_id, parts = await service_round(db, clock, set_id)
                    result.update(service_s=round(seconds, 3), service_parts=parts, screening_id=screening_id)
                else:
                    seconds, ceiling = await ceiling_round(conn)
                    result["ceiling_s"] = round(seconds, 3)
            mine = await stored(conn, result["screening_id"])
            result["check"] = compare(mine, ceiling)
            if n == 1:
                out["detail_check"] = await compare_detail(conn, mine)
                out["counts"] = await outcome_counts(conn, result["screening_id"])
                async with db.session_scope() as session:
                    screening = await screenings_service.get(session, result["screening_id"])
                    out["funnel"] = screening.funnel
            result["ratio"] = round(result["service_s"] / result["ceiling_s"], 2)
            await conn.execute("DELETE FROM screening_results WHERE screening_id = %s", (result["screening_id"],))
            await conn.execute("VACUUM ANALYZE screening_results")
            result["ceiling_store_s"] = round(await ceiling_store_round(conn, result["screening_id"]), 3)
            await conn.execute("VACUUM ANALYZE screening_results")
            parts = result["service_parts"]
            console.print(f"{label:>10}: service {result['service_s']:6.3f} s (insert-select "
                          f"{parts.get('insert_select', 0):.3f}, funnel {parts.get('funnel', 0):.3f}, commit "
                          f"{parts['commit']:.3f}), ceiling {result['ceiling_s']:6.3f} s, "
                          f"ratio {result['ratio']:5.2f}, ceiling stored {result['ceiling_store_s']:.3f} s, mismatches "
                          f"{result['check']['mismatches']}")
            if n > 0:
                rows.append(result)
        out["rounds"] = rows
        if with_explain:
            out["explain"] = await explain(db, clock, conn, set_id)
            await conn.execute("DELETE FROM screening_results")
    finally:
        await conn.close()
        await db.dispose()
    return out


def summarise(out: dict[str, Any]) -> dict[str, Any]:
    rounds = out["rounds"]
    service = statistics.median(r["service_s"] for r in rounds)
    ceiling = statistics.median(r["ceiling_s"] for r in rounds)
    kinds = sorted({k for r in rounds for k in r["service_parts"]})
    return {
        "service_median_s": round(service, 3), "ceiling_median_s": round(ceiling, 3),
        "ratio_of_medians": round(service / ceiling, 2),
        "ratio_median_per_round": round(statistics.median(r["ratio"] for r in rounds), 2),
        "service_parts_median_s": {k: round(statistics.median(r["service_parts"].get(k, 0.0) for r in rounds), 3)
                                   for k in kinds},
        "ceiling_store_median_s": round(statistics.median(r["ceiling_store_s"] for r in rounds), 3),
        "mismatches": max(r["check"]["mismatches"] for r in rounds),  # clusters, in the worst round
        "under_5_s": service < TARGET_SECONDS, "within_3x": service / ceiling <= TARGET_RATIO,
    }


def report(out: dict[str, Any]) -> None:
    s = out["summary"]
    table = Table(title=f"Screening runs, {out['clusters']:,} clusters, 10 criteria in 3 phases")
    for col in ("round", "service s", "insert-select s", "funnel s", "commit s", "ceiling s", "service/ceiling",
                "ceiling stored s", "mismatches"):
        table.add_column(col, justify="right")
    for r in out["rounds"]:
        p = r["service_parts"]
        table.add_row(str(r["round"]), f"{r['service_s']:.3f}", f"{p.get('insert_select', 0):.3f}",
                      f"{p.get('funnel', 0):.3f}", f"{p['commit']:.3f}", f"{r['ceiling_s']:.3f}", f"{r['ratio']:.2f}",
                      f"{r['ceiling_store_s']:.3f}", str(r["check"]["mismatches"]))
    p = s["service_parts_median_s"]
    table.add_row("median", f"{s['service_median_s']:.3f}", f"{p.get('insert_select', 0):.3f}",
                  f"{p.get('funnel', 0):.3f}", f"{p.get('commit', 0):.3f}", f"{s['ceiling_median_s']:.3f}",
                  f"{s['ratio_of_medians']:.2f}", f"{s['ceiling_store_median_s']:.3f}", str(s["mismatches"]),
                  style="bold")
    console.print(table)
    counts = out["counts"]
    console.print("outcomes (round 1): " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts["outcomes"].items())))
    for c in counts["criteria"]:
        console.print(f"  {c['criterion']:<72} pass {c['p']:>6,}  fail {c['f']:>6,}  unknown {c['u']:>6,}")
    for ph in out["funnel"]:
        console.print(f"  phase {ph['position']} {ph['mode']:<7} considered {ph['considered']:>6,} "
                      f"passed {ph['passed']:>6,} failed {ph['failed']:>6,} unknown {ph['unknown']:>6,} "
                      f"removed {ph['removed']:>6,} "
                      f"added {ph['added']:>6,} after {ph['after']:>6,}")
    d = out["detail_check"]
    console.print(f"per-criterion check (round 1): disagreements per criterion {d['criteria_mismatches']}, "
                  f"per phase {d['phase_mismatches']}")
    for ex in d["examples"]:
        console.print(f"  cluster {ex['cluster_id']}: service {ex['service']} ceiling {ex['ceiling']}")
    first = out["rounds"][0]["check"]
    for ex in first["examples"]:
        console.print(f"  round 1, cluster {ex['cluster_id']}: service {ex['service']}, ceiling {ex['ceiling']}")
    ok = "[green]met[/]", "[red]not met[/]"
    console.print(f"service median {s['service_median_s']:.3f} s (target < {TARGET_SECONDS:.0f} s: "
                  f"{ok[0] if s['under_5_s'] else ok[1]}); ceiling median {s['ceiling_median_s']:.3f} s; "
                  f"service/ceiling {s['ratio_of_medians']:.2f} (per-round median {s['ratio_median_per_round']:.2f}; "
                  f"target <= {TARGET_RATIO:.0f}: {ok[0] if s['within_3x'] else ok[1]}); "
                  f"outcome mismatches {s['mismatches']}")
    for name, plan in out.get("explain", {}).items():
        console.print(f"\n[bold]EXPLAIN ANALYZE {name}[/]")
        console.print(plan, markup=False, highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--clusters", type=int, default=100_000)
    p.add_argument("--organizations", type=int, default=100_000)
    p.add_argument("--recreate", action="store_true", help="drop and create the database, generate the data again")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    p.add_argument("--explain", action="store_true",
                   help="EXPLAIN ANALYZE the service's INSERT ... SELECT and the ceiling")
    p.add_argument("--jit", choices=("server", "off"), default="server",
                   help="PostgreSQL's JIT for every connection of the run: the server's setting, or off (a what-if)")
    p.add_argument("--output", type=Path, help=f"default {RESULTS} ({RESULTS.stem}-jit-off.json with --jit off)")
    args = p.parse_args(argv)
    if args.jit == "off":  # libpq reads PGOPTIONS: applies to the service's engine and the ceiling's connection
        os.environ["PGOPTIONS"] = (os.environ.get("PGOPTIONS", "") + " -c jit=off").strip()
    if args.rounds < 1 or args.clusters < 1:
        p.error("need at least one round and one cluster")

    present = prepare(args.database_url, clusters=args.clusters, organizations=args.organizations,
                      recreate=args.recreate)
    data = profile(args.database_url)
    console.print("data: " + ", ".join(f"{k} {v}" for k, v in data.items()))
    out: dict[str, Any] = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"), "clusters": present,
                           "jit": args.jit, "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                           "git": _git(), "data": data,
                           "criteria": CRITERIA, "phases": [list(ph) for ph in PHASES]}
    out.update(asyncio.run(bench(args.database_url, rounds=args.rounds, warmup=args.warmup,
                                 with_explain=args.explain, clusters=present)))
    out["summary"] = summarise(out)
    report(out)
    output = args.output or (RESULTS if args.jit == "server" else RESULTS.with_name(f"{RESULTS.stem}-jit-off.json"))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(out, indent=2, default=str))
    console.print(f"wrote {output}")
    return 1 if out["summary"]["mismatches"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
