"""Sync batch benchmark: POST /api/v1/sync/{source}/clusters:batch against PostgreSQL's own COPY, same run.

    .venv/bin/python bench/sync_batch.py                         # 5 rounds of 10,000 records, ~2 minutes
    .venv/bin/python bench/sync_batch.py --rounds 3 --no-ndjson  # quicker
    .venv/bin/python bench/sync_batch.py --app-dir /tmp/wt       # benchmark another checkout (a git worktree)

On a fresh database (`cartesio_bench_sync`: dropped, created, migrated with the project's CLI) a regional
register's service account (source `lombardia`, region ITC4, role region_officer) pre-loads 5,000 clusters
through the API; one warm-up round follows. Then each round sends ONE batch of 10,000 records, half of them
new (fresh external ids) and half existing records with changed content (a new description, employee count,
sometimes new tags or sectors), so every round really creates 5,000 and updates 5,000. The batch goes through
the real HTTP server (uvicorn, one process, started from --app-dir) as a JSON array; its wall time is
measured from the first byte sent to the last byte of the answer, whose counts are checked.

In the same round, the ceiling: the rows that batch wrote (read back: clusters with every column, including
the same `document`, their cluster_sectors and cluster_nace_codes rows and their `changes` rows) are loaded
again as 10,000 new clusters (ids, slugs and external ids shifted) with psycopg 3 `cursor.copy()` into the
same tables, with all their indexes and constraints, in one transaction that is then rolled back. That is
the least PostgreSQL can do to store the same rows; the batch also has to parse, validate, render, compare,
update and delete, so the ratio says how close the whole service gets to a bulk load.

The server's memory: VmHWM of its process (reset before each batch through /proc/PID/clear_refs) is the
peak RSS during the batch; VmRSS is also sampled every 50 ms as a cross-check. Server and PostgreSQL CPU
seconds per batch come from /proc. Finally the same kind of batch is sent once as NDJSON.

Results: printed, and written to bench/results/sync-batch-<UTC time>.json. The database is left in place
(feed_catchup.py reuses it).

Between rounds, untimed, the written tables are VACUUMed, as autovacuum would do on a server with default
settings (each round leaves far more dead rows than its 20 % threshold: the replaced versions, and the rolled
back ceiling). `--no-vacuum` leaves them, as a server with autovacuum off would: both the batch and the
ceiling then slow down round after round as their tables and indexes bloat.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synclib  # noqa: E402
from common import libpq_url  # noqa: E402

console = Console(width=160)
# The tables a cluster batch writes (and the ceiling's COPY fills and rolls back).
WRITTEN_TABLES = ("clusters", "cluster_sectors", "cluster_nace_codes", "cluster_recognitions", "cluster_sources",
                  "changes")
ID_SHIFT = 1_000_000_000  # ceiling rows: ids far above the service's (clusters.id is a 32-bit integer)


# ---- the batch -----------------------------------------------------------------------------------------

class Register:
    """The client side: what the register has pushed so far, and the next batch it sends."""

    def __init__(self, seed: int):
        self.factory = synclib.RecordFactory(seed=seed)
        self.rng = random.Random(seed + 1)
        self.records: dict[str, dict[str, Any]] = {}

    def batch(self, new: int, changed: int, round_no: int) -> list[dict[str, Any]]:
        picked = self.rng.sample(sorted(self.records), changed) if changed else []
        out = [self.factory.changed(self.records[key], round_no) for key in picked]
        out += [self.factory.new() for _ in range(new)]
        self.rng.shuffle(out)
        return out

    def accept(self, records: list[dict[str, Any]]) -> None:
        for r in records:
            self.records[r["external_id"]] = r


def post_batch(client: httpx.Client, source: str, records: list[dict[str, Any]], *, pid: int, ndjson: bool = False,
               expect: tuple[int, int] | None = None) -> tuple[synclib.Usage, dict[str, Any], int]:
    if ndjson:
        body = b"\n".join(orjson.dumps(r) for r in records) + b"\n"
        content_type = "application/x-ndjson"
    else:
        body = orjson.dumps(records)
        content_type = "application/json"
    with synclib.Usage(pid) as usage:
        r = client.post(f"/api/v1/sync/{source}/clusters:batch", content=body, headers={"Content-Type": content_type})
        raw = r.content
    if r.status_code != 200:
        raise SystemExit(f"batch answered {r.status_code}: {raw[:2000]!r}")
    answer = orjson.loads(raw)
    if len(answer["items"]) != len(records) or (expect and (answer["created"], answer["updated"]) != expect) \
            or answer["unchanged"]:
        raise SystemExit(f"unexpected batch answer: created {answer['created']}, updated {answer['updated']}, "
                         f"unchanged {answer['unchanged']}, expected {expect}")
    return usage, answer, len(body)


# ---- the ceiling ---------------------------------------------------------------------------------------

def columns(conn: psycopg.Connection, table: str, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    # Generated columns (the NACE division) are computed by the server: COPY may not write them.
    rows = conn.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
                        "'public' AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
                        (table,)).fetchall()
    return [(name, dtype) for name, dtype in rows if name not in skip]


def select_list(cols: list[tuple[str, str]]) -> str:
    # JSON columns as their text: the loader holds JSON as text, as the service does.
    return ", ".join(f'"{n}"::text' if t in ("json", "jsonb") else f'"{n}"' for n, t in cols)


class CeilingRows:
    """The rows one batch wrote, read back and shifted so they load again as new clusters."""

    def __init__(self, conn: psycopg.Connection, ids: list[int], first_change_id: int, last_change_id: int):
        self.tables: list[tuple[str, list[str], list[tuple]]] = []
        ccols = columns(conn, "clusters")
        names = [n for n, _ in ccols]
        i_id, i_slug, i_ext = names.index("id"), names.index("slug"), names.index("external_id")
        rows = []
        for row in conn.execute(f"SELECT {select_list(ccols)} FROM clusters WHERE id = ANY(%s) ORDER BY id",  # noqa: S608
                                (ids,)):
            row = list(row)
            row[i_id] += ID_SHIFT
            row[i_slug] = f"c{row[i_id]}-{row[i_slug]}"[:120]
            row[i_ext] = f"ceiling-{row[i_ext]}"
            rows.append(tuple(row))
        self.tables.append(("clusters", names, rows))
        for table, skip in (("cluster_sectors", ("id",)), ("cluster_nace_codes", ())):
            tcols = columns(conn, table, skip)
            tnames = [n for n, _ in tcols]
            i_cluster = tnames.index("cluster_id")
            trows = []
            for row in conn.execute(f"SELECT {select_list(tcols)} FROM {table} WHERE cluster_id = ANY(%s) "  # noqa: S608
                                    "ORDER BY cluster_id", (ids,)):
                row = list(row)
                row[i_cluster] += ID_SHIFT
                trows.append(tuple(row))
            self.tables.append((table, tnames, trows))
        chcols = columns(conn, "changes", ("id",))
        chnames = [n for n, _ in chcols]
        i_rid, i_ext, i_txid = chnames.index("resource_id"), chnames.index("external_id"), chnames.index("txid")
        chrows = []
        for row in conn.execute(f"SELECT {select_list(chcols)} FROM changes WHERE id BETWEEN %s AND %s ORDER BY id",  # noqa: S608
                                (first_change_id, last_change_id)):
            row = list(row)
            row[i_rid] += ID_SHIFT
            row[i_ext] = f"ceiling-{row[i_ext]}"
            chrows.append(row)
        self.changes = ("changes", chnames, chrows, i_txid)
        if len(rows) != len(ids) or len(chrows) != len(ids):
            raise SystemExit(f"read back {len(rows)} clusters and {len(chrows)} changes for {len(ids)} records")

    @property
    def counts(self) -> dict[str, int]:
        out = {table: len(rows) for table, _, rows in self.tables}
        out["changes"] = len(self.changes[2])
        return out

    def load(self, conn: psycopg.Connection) -> None:
        """COPY everything in one transaction (timed by the caller), then roll back."""
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            txid = cur.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
            for table, names, rows in self.tables:
                with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            table, names, rows, i_txid = self.changes
            with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    row[i_txid] = txid
                    copy.write_row(row)
            # Make sure every deferred check ran before we stop the clock (none are deferred today).
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


def copy_ceiling(conn: psycopg.Connection, rows: CeilingRows) -> synclib.Usage:
    usage = synclib.Usage(pid=None)
    with usage:
        rows.load(conn)
    return usage


# ---- the run -------------------------------------------------------------------------------------------

def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=synclib.DEFAULT_SYNC_DATABASE_URL,
                   help="dropped and created again (default %(default)s)")
    p.add_argument("--app-dir", type=Path, default=synclib.ROOT,
                   help="checkout whose api package is served (default: this repository)")
    p.add_argument("--port", type=int, default=18500)
    p.add_argument("--rounds", type=int, default=5, help="measured batches (default 5)")
    p.add_argument("--batch", type=int, default=10_000, help="records per batch, half new half changed")
    p.add_argument("--preload", type=int, default=5_000, help="records loaded before the rounds")
    p.add_argument("--warmup", type=int, default=1_000, help="records of the unmeasured warm-up batch")
    p.add_argument("--no-ndjson", action="store_true", help="skip the NDJSON batch")
    p.add_argument("--no-vacuum", action="store_true",
                   help="do not VACUUM the written tables between rounds (what a server with autovacuum off does)")
    p.add_argument("--source", default=synclib.SOURCE)
    p.add_argument("--regions", default=synclib.REGIONS)
    p.add_argument("--server-gc", choices=("default", "stats", "off"), default="default",
                   help="stats: start the server through gcstat_server.py and report its GC pauses per batch; "
                        "off: the same with the cyclic GC disabled (a what-if)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--results", type=Path, default=synclib.BENCH / "results")
    args = p.parse_args(argv)
    app_dir = args.app_dir.resolve()
    if not (app_dir / "api" / "asgi.py").exists():
        p.error(f"{app_dir} has no api/asgi.py")
    half_new, half_changed = args.batch - args.batch // 2, args.batch // 2

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    console.print(f"[bold]Sync batch benchmark[/] app {app_dir} ({synclib.git_commit(app_dir)}), "
                  f"database {args.database_url}")
    t0 = time.perf_counter()
    synclib.recreate_database(args.database_url)
    synclib.migrate(app_dir, args.database_url)
    client_id, secret = synclib.create_client(app_dir, args.database_url, name="Regione Lombardia (bench)",
                                              source=args.source, regions=args.regions)
    console.print(f"database created and migrated, service account {client_id} ({args.source}, {args.regions}) "
                  f"in {time.perf_counter() - t0:.1f} s")

    register = Register(args.seed)
    pg = psycopg.connect(libpq_url(args.database_url), autocommit=True)
    env_info = {"python": platform.python_version(), "kernel": platform.release(),
                "postgres": pg.execute("SHOW server_version").fetchone()[0],
                "uvicorn_options": synclib.uvicorn_options(), "git_commit": synclib.git_commit(app_dir),
                "vacuum_between_rounds": not args.no_vacuum}
    rounds: list[dict[str, Any]] = []
    ndjson: dict[str, Any] | None = None
    server = synclib.Server(app_dir, args.database_url, args.port, gc_mode=args.server_gc)
    try:
        token = synclib.access_token(server.base, client_id, secret)
        client = httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=600)
        base_rss = synclib.proc_status(server.pid).get("VmRSS", 0)
        console.print(f"server pid {server.pid}, RSS after start {base_rss / 1024:.1f} MB")

        records = register.batch(args.preload, 0, 0)
        usage, _, size = post_batch(client, args.source, records, pid=server.pid, expect=(args.preload, 0))
        register.accept(records)
        console.print(f"pre-load: {args.preload:,} new records ({size / 1e6:.1f} MB) in {usage.wall:.2f} s = "
                      f"{args.preload / usage.wall:,.0f} records/s, peak RSS {usage.hwm_kb / 1024:.1f} MB")
        if args.warmup:
            records = register.batch(args.warmup - args.warmup // 2, args.warmup // 2, 0)
            usage, _, _ = post_batch(client, args.source, records, pid=server.pid,
                                     expect=(args.warmup - args.warmup // 2, args.warmup // 2))
            register.accept(records)
            console.print(f"warm-up: {args.warmup:,} records (half new) in {usage.wall:.2f} s")
        pg.execute("VACUUM ANALYZE")
        console.print(f"VACUUM ANALYZE; clusters: {pg.execute('SELECT count(*) FROM clusters').fetchone()[0]:,}")

        def one_round(round_no: int, *, as_ndjson: bool) -> dict[str, Any]:
            records = register.batch(half_new, half_changed, round_no)
            last_change = pg.execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()[0]
            gc0 = server.gc_stats()
            usage, answer, size = post_batch(client, args.source, records, pid=server.pid, ndjson=as_ndjson,
                                             expect=(half_new, half_changed))
            gc1 = server.gc_stats()
            register.accept(records)
            ids = [item["id"] for item in answer["items"]]
            top_change = pg.execute("SELECT max(id) FROM changes").fetchone()[0]
            row: dict[str, Any] = {
                "round": round_no, "format": "ndjson" if as_ndjson else "json", "records": len(records),
                "body_bytes": size, "seconds": usage.wall, "records_per_s": len(records) / usage.wall,
                "server_cpu_s": usage.server_cpu, "postgres_cpu_s": usage.postgres_cpu,
                "rss_before_mb": usage.rss_before_kb / 1024, "rss_after_mb": usage.rss_after_kb / 1024,
                "peak_rss_mb": usage.hwm_kb / 1024, "sampled_peak_rss_mb": usage.sampled_peak_kb / 1024,
            }
            if gc0 and gc1:
                row["gc_seconds"] = sum(gc1["seconds"]) - sum(gc0["seconds"])
                row["gc_collections"] = [b - a for a, b in zip(gc0["collections"], gc1["collections"], strict=True)]
                row["gc_gen2_seconds"] = gc1["seconds"][2] - gc0["seconds"][2]
            if not as_ndjson:
                ceiling_rows = CeilingRows(pg, ids, last_change + 1, top_change)
                cu = copy_ceiling(pg, ceiling_rows)
                row.update({"copy_seconds": cu.wall, "copy_records_per_s": len(records) / cu.wall,
                            "copy_postgres_cpu_s": cu.postgres_cpu, "copy_rows": ceiling_rows.counts,
                            "ratio": (len(records) / usage.wall) / (len(records) / cu.wall)})
            return row

        def settle() -> None:
            # Untimed: what autovacuum does between batches on a default server (each round leaves well over
            # its 20 % threshold of dead rows: the replaced versions, and the ceiling's rolled-back COPY).
            if not args.no_vacuum:
                for table in WRITTEN_TABLES:
                    pg.execute(f"VACUUM {table}")

        for round_no in range(1, args.rounds + 1):
            settle()
            row = one_round(round_no, as_ndjson=False)
            rounds.append(row)
            console.print(
                f"round {round_no}: batch {row['seconds']:.2f} s = {row['records_per_s']:,.0f} rec/s "
                f"(server CPU {row['server_cpu_s']:.2f} s, postgres CPU {row['postgres_cpu_s']:.2f} s, "
                f"{row['body_bytes'] / 1e6:.1f} MB); COPY {row['copy_seconds']:.2f} s = "
                f"{row['copy_records_per_s']:,.0f} rec/s (postgres CPU {row['copy_postgres_cpu_s']:.2f} s); "
                f"ratio {row['ratio']:.3f}; server RSS {row['rss_before_mb']:.0f} -> peak {row['peak_rss_mb']:.0f} "
                f"(sampled {row['sampled_peak_rss_mb']:.0f}) -> {row['rss_after_mb']:.0f} MB"
                + (f"; server GC {row['gc_seconds']:.2f} s ({row['gc_collections']} collections per generation)"
                   if "gc_seconds" in row else ""))
        if not args.no_ndjson:
            settle()
            ndjson = one_round(args.rounds + 1, as_ndjson=True)
            console.print(f"NDJSON: batch {ndjson['seconds']:.2f} s = {ndjson['records_per_s']:,.0f} rec/s "
                          f"(server CPU {ndjson['server_cpu_s']:.2f} s, postgres CPU {ndjson['postgres_cpu_s']:.2f} s)"
                          f", peak RSS {ndjson['peak_rss_mb']:.0f} MB")
        client.close()
    finally:
        server.stop()
        pg.close()

    med = {k: median([r[k] for r in rounds]) for k in (
        "seconds", "records_per_s", "server_cpu_s", "postgres_cpu_s", "peak_rss_mb", "sampled_peak_rss_mb",
        "copy_seconds", "copy_records_per_s", "copy_postgres_cpu_s", "ratio", "gc_seconds") if k in rounds[0]}
    peak_max = max(r["peak_rss_mb"] for r in rounds + ([ndjson] if ndjson else []))
    checks = {
        "batch_over_copy": {"value": round(med["ratio"], 3), "target": ">= 0.25", "ok": med["ratio"] >= 0.25},
        "batch_records_per_s": {"value": round(med["records_per_s"]), "target": ">= 5000",
                                "ok": med["records_per_s"] >= 5000},
        "peak_rss_mb": {"value": round(peak_max, 1), "target": "< 300", "ok": peak_max < 300},
    }

    table = Table(title=f"Medians of {len(rounds)} rounds: {args.batch:,} records per batch "
                        f"({half_new:,} new, {half_changed:,} changed)")
    for col in ("target", "seconds", "records/s", "server CPU s", "postgres CPU s", "records/s of each round"):
        table.add_column(col, justify="left" if col == "target" else "right")
    table.add_row("batch (JSON, HTTP)", f"{med['seconds']:.2f}", f"{med['records_per_s']:,.0f}",
                  f"{med['server_cpu_s']:.2f}", f"{med['postgres_cpu_s']:.2f}",
                  " ".join(f"{r['records_per_s']:.0f}" for r in rounds))
    table.add_row("ceiling (COPY)", f"{med['copy_seconds']:.2f}", f"{med['copy_records_per_s']:,.0f}", "-",
                  f"{med['copy_postgres_cpu_s']:.2f}", " ".join(f"{r['copy_records_per_s']:.0f}" for r in rounds))
    if ndjson:
        table.add_row("batch (NDJSON, once)", f"{ndjson['seconds']:.2f}", f"{ndjson['records_per_s']:,.0f}",
                      f"{ndjson['server_cpu_s']:.2f}", f"{ndjson['postgres_cpu_s']:.2f}", "")
    console.print(table)
    ct = Table(title="Targets")
    for col in ("measure", "value", "target", "ok"):
        ct.add_column(col)
    labels = {"batch_over_copy": "batch records/s / COPY (median of per-round ratios)",
              "batch_records_per_s": "batch records/s", "peak_rss_mb": "server peak RSS during a batch (MB)"}
    for key, c in checks.items():
        ct.add_row(labels[key], str(c["value"]), c["target"], "[green]yes[/]" if c["ok"] else "[red]NO[/]")
    console.print(ct)
    console.print(f"ratio of the medians: {med['records_per_s'] / med['copy_records_per_s']:.3f}; per round: "
                  + " ".join(f"{r['ratio']:.3f}" for r in rounds)
                  + "; peak RSS per round (MB): " + " ".join(f"{r['peak_rss_mb']:.0f}" for r in rounds)
                  + (f"; NDJSON / JSON median: {ndjson['records_per_s'] / med['records_per_s']:.2f}" if ndjson else "")
                  + (f"; server GC per batch (median): {med['gc_seconds']:.2f} s" if "gc_seconds" in med else "")
                  + ("; [yellow]the server ran with the cyclic GC disabled (--server-gc off)[/]"
                     if args.server_gc == "off" else ""))

    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"sync-batch-{stamp}.json"
    out.write_text(json.dumps({
        "started": stamp, "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "environment": env_info, "medians": med, "checks": checks, "rounds": rounds, "ndjson": ndjson,
    }, indent=2, default=str))
    console.print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
