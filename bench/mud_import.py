"""MUD import at scale: 1,000,000 declaration lines imported by the real import code on PostgreSQL, against COPY of
the same file into a plain table in the same run.

    .venv/bin/python bench/mud_import.py                      # 1,000,000 rows, about 50,000 firms
    .venv/bin/python bench/mud_import.py --rows 50000         # quick check

Database `cartesio_bench_mud` (created if missing, reset and migrated with the project's migrations; the EWC
catalogue installed). The CSV (the documented layout, `;`-separated, decimal commas, some codes starred) is
generated with a fixed seed into a temporary file. Timed:

  * import: `api.territory.imports.run` in one transaction, exactly as `cartesio import mud` runs it: streaming
    parse and checks in Python, COPY into the staging table, organizations matched and created, the declarations
    upserted; the peak memory of this process (ru_maxrss) is read around it;
  * re-import: the same file again (nothing changes; every row must come back unchanged);
  * ceiling: `COPY plain_mud FROM STDIN (FORMAT csv, HEADER, DELIMITER ';')` of the same bytes through psycopg
    into an unlogged table of text columns: no parsing, checking, matching or upserting.

Prints rows/s, the ratio import/ceiling and the peak memory; the target is under 120 s for 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from api.core import migrate
from api.core.config import Settings
from api.core.db import Database
from api.territory import imports, reference
from api.territory.demo import _vat

SERVER = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
NAME = "cartesio_bench_mud"
CODES = ("150101", "150102", "150103", "150104", "150106", "120101", "120103", "120109*", "170405", "080111*",
         "040222", "040108", "030105", "101208", "160214", "200301", "130205*", "150110*", "100202", "020304")


def generate(path: Path, rows: int, firms: int) -> None:
    rng = random.Random(11)
    provinces = ("BG", "BS", "CO", "CR", "LC", "LO", "MN", "MI", "MB", "PV", "SO", "VA")
    vats = [_vat(5_000_000 + i) for i in range(firms)]
    with path.open("w", encoding="utf-8") as out:
        out.write("partita_iva;ragione_sociale;anno;codice_eer;quantita;unita_misura;attivita;unita_locale;"
                  "provincia\n")
        written = 0
        firm = 0
        # Each firm declares distinct (year, code, local unit) lines, so that the file has no duplicate key.
        while written < rows:
            vat, province = vats[firm % firms], provinces[firm % len(provinces)]
            unit = f"UL{firm // firms}"
            for year in (2021, 2022, 2023):
                for code in rng.sample(CODES, 7):
                    if written == rows:
                        break
                    quantity = f"{rng.uniform(0.1, 900):.3f}".replace(".", ",")
                    activity = "prodotto" if rng.random() < 0.9 else "gestito"
                    out.write(f"{vat};Impresa bench {firm % firms};{year};{code};{quantity};t;{activity};{unit};"
                              f"{province}\n")
                    written += 1
            firm += 1


def reset(url: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (NAME,)).fetchone() is None:
            conn.execute(f"CREATE DATABASE {NAME}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    migrate.upgrade(url)


async def run_import(db: Database, path: Path) -> imports.Outcome:
    async with db.session_scope() as session:
        with path.open("rb") as handle:
            return await imports.run(session, kind="mud", stream=handle, filename=path.name, actor_key="bench")


async def install(db: Database) -> None:
    async with db.session_scope() as session:
        await reference.install(session)


def ceiling(url: str, path: Path) -> float:
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS plain_mud")
        conn.execute("CREATE UNLOGGED TABLE plain_mud (partita_iva text, ragione_sociale text, anno text, "
                     "codice_eer text, quantita text, unita_misura text, attivita text, unita_locale text, "
                     "provincia text)")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(
                "COPY plain_mud FROM STDIN (FORMAT csv, HEADER, DELIMITER ';')") as copy, path.open("rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE plain_mud")
        conn.commit()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--firms", type=int, default=50_000)
    args = parser.parse_args()
    url = f"{SERVER}/{NAME}"
    reset(url)
    settings = Settings(environment="test", database_url=url, jwt_secret="bench-" + "x" * 40)
    db = Database(settings)
    with tempfile.TemporaryDirectory(prefix="mud-bench-") as tmp:
        path = Path(tmp) / "mud.csv"
        generate(path, args.rows, args.firms)
        size = path.stat().st_size
        asyncio.run(install(db))
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        outcome = asyncio.run(run_import(db, path))
        import_s = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        again = asyncio.run(run_import(db, path))
        reimport_s = time.perf_counter() - started
        copy_s = ceiling(url, path)
    asyncio.run(db.dispose())
    assert outcome.rows == args.rows and outcome.inserted == args.rows, outcome
    assert again.unchanged == args.rows and again.inserted == again.updated == 0, again
    print(f"file: {args.rows:,} rows, {size / 2**20:.1f} MiB, {outcome.organizations_created:,} firms created")
    print(f"import:    {import_s:7.1f} s  {args.rows / import_s:10,.0f} rows/s   (target: 1,000,000 rows < 120 s: "
          f"{'PASS' if import_s * 1_000_000 / args.rows < 120 else 'FAIL'})")
    print(f"re-import: {reimport_s:7.1f} s  {args.rows / reimport_s:10,.0f} rows/s   (all {again.unchanged:,} "
          f"unchanged)")
    print(f"ceiling:   {copy_s:7.1f} s  {args.rows / copy_s:10,.0f} rows/s   (COPY of the same file, text columns)")
    print(f"ratio import/ceiling: {copy_s / import_s:.3f}x of COPY's speed")
    print(f"peak memory of the importing process: {peak_mb:.0f} MB (before the import: {rss_before / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
