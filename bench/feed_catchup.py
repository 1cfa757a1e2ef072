"""Feed catch-up benchmark: a regional system reads the whole changes feed from the beginning.

    .venv/bin/python bench/feed_catchup.py                  # reuses sync_batch.py's database, 3 runs
    .venv/bin/python bench/feed_catchup.py --runs 5 --types clusters,organizations
    .venv/bin/python bench/feed_catchup.py --app-dir /tmp/wt

The database (`cartesio_bench_sync` by default, the one sync_batch.py leaves) must hold at least
--min-changes changes (100,000): if it does not exist it is created and migrated, and if it holds fewer it is
topped up through the API with batches of 10,000 new cluster records of the Lombardy register.

Each run, through the real HTTP server (uvicorn, one process, started from --app-dir), a client such as a
regional system would write (httpx, one keep-alive connection, a bearer token of a `reader` service account)
reads `GET /api/v1/changes?limit=1000` from no cursor, parses every page with orjson and follows `next_cursor`
until `has_more` is false; the count of changes read is checked against the table. Client-side changes/s are
reported, with the share of the client's own parse time and the server's and PostgreSQL's CPU.

In the same run, the ceiling: the same rows read with psycopg (one autocommit connection) as the feed reads
them, in pages of 1000 ordered by (txid, id), keyset on (txid, id) under the snapshot's xmin, the same
columns; the rows are fetched, not rendered or parsed. Medians of the runs and the ratio are printed and
written to bench/results/feed-catchup-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
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

CEILING_SQL = """
SELECT txid, id, resource_type, resource_id, source, external_id, event, version, changed_at, document
FROM changes
WHERE (txid, id) > (%(txid)s, %(id)s)
  AND txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
  {types}
ORDER BY txid, id
LIMIT %(limit)s
"""


def read_feed(client: httpx.Client, *, limit: int, types: str | None) -> dict[str, Any]:
    """Read the feed from the beginning to the end, as a catching-up client does."""
    params: dict[str, Any] = {"limit": limit}
    if types:
        params["types"] = types
    changes = pages = body_bytes = 0
    parse = http = 0.0
    last_position = None
    cpu0 = time.process_time()
    while True:
        t = time.perf_counter()
        r = client.get("/api/v1/changes", params=params)
        http += time.perf_counter() - t
        if r.status_code != 200:
            raise SystemExit(f"GET /changes answered {r.status_code}: {r.content[:1000]!r}")
        raw = r.content
        t = time.perf_counter()
        page = orjson.loads(raw)
        parse += time.perf_counter() - t
        pages += 1
        body_bytes += len(raw)
        batch = page["changes"]
        changes += len(batch)
        if batch:
            last_position = batch[-1]["cursor"]
        params["since"] = page["next_cursor"]
        if not page["has_more"]:
            break
    return {"changes": changes, "pages": pages, "bytes": body_bytes, "parse_seconds": parse, "http_seconds": http,
            "client_cpu_seconds": time.process_time() - cpu0, "last_cursor": last_position}


def read_feed_pipelined(client: httpx.Client, *, limit: int, types: str | None) -> dict[str, Any]:
    """As read_feed, but ask for page N+1 (named by the Link header) while parsing page N, as a client that
    overlaps its own work with the server's does."""
    params: dict[str, Any] = {"limit": limit, **({"types": types} if types else {})}
    changes = pages = body_bytes = 0
    parse = 0.0
    cpu0 = time.process_time()
    with ThreadPoolExecutor(max_workers=1) as fetcher:
        pending = fetcher.submit(client.get, "/api/v1/changes", params=params)
        while True:
            r = pending.result()
            if r.status_code != 200:
                raise SystemExit(f"GET /changes answered {r.status_code}: {r.content[:1000]!r}")
            following = r.links.get("next", {}).get("url")
            if following:
                pending = fetcher.submit(client.get, following)
            t = time.perf_counter()
            page = orjson.loads(r.content)
            parse += time.perf_counter() - t
            pages += 1
            body_bytes += len(r.content)
            changes += len(page["changes"])
            if not following:
                if page["has_more"]:
                    raise SystemExit("a full page without a Link header")
                break
    return {"changes": changes, "pages": pages, "bytes": body_bytes, "parse_seconds": parse,
            "client_cpu_seconds": time.process_time() - cpu0}


def read_sql(conn: psycopg.Connection, *, limit: int, types: list[str]) -> dict[str, Any]:
    """The same rows straight from PostgreSQL, page by page on (txid, id)."""
    query = CEILING_SQL.format(types="AND resource_type = ANY(%(types)s)" if types else "")
    params: dict[str, Any] = {"txid": 0, "id": 0, "limit": limit, "types": types}
    changes = pages = 0
    with conn.cursor() as cur:
        while True:
            rows = cur.execute(query, params, prepare=True).fetchall()
            pages += 1
            changes += len(rows)
            if len(rows) < limit:
                break
            params["txid"], params["id"] = rows[-1][0], rows[-1][1]
    return {"changes": changes, "pages": pages}


def top_up(app_dir: Path, url: str, server: synclib.Server, pg: psycopg.Connection, *, minimum: int, source: str,
           regions: str, seed: int) -> None:
    have = pg.execute("SELECT count(*) FROM changes").fetchone()[0]
    if have >= minimum:
        return
    client_id, secret = synclib.create_client(app_dir, url, name="Regione Lombardia (feed bench)", source=source,
                                              regions=regions)
    token = synclib.access_token(server.base, client_id, secret)
    factory = synclib.RecordFactory(seed=seed, prefix=f"FEED{have}")
    with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=600) as client:
        while have < minimum:
            n = min(10_000, max(1, minimum - have))
            body = orjson.dumps([factory.new() for _ in range(n)])
            t = time.perf_counter()
            r = client.post(f"/api/v1/sync/{source}/clusters:batch", content=body,
                            headers={"Content-Type": "application/json"})
            if r.status_code != 200:
                raise SystemExit(f"batch answered {r.status_code}: {r.content[:1000]!r}")
            have = pg.execute("SELECT count(*) FROM changes").fetchone()[0]
            console.print(f"  topped up {n:,} records in {time.perf_counter() - t:.1f} s; the feed holds {have:,}")
    pg.execute("VACUUM ANALYZE changes")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=synclib.DEFAULT_SYNC_DATABASE_URL)
    p.add_argument("--app-dir", type=Path, default=synclib.ROOT,
                   help="checkout whose api package is served (default: this repository)")
    p.add_argument("--port", type=int, default=18510)
    p.add_argument("--min-changes", type=int, default=100_000, help="top the feed up to this many changes")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--limit", type=int, default=1000, help="changes per page (the API allows up to 1000)")
    p.add_argument("--types", default=None, help="types= filter of the client, e.g. clusters,organizations")
    p.add_argument("--source", default=synclib.SOURCE)
    p.add_argument("--regions", default=synclib.REGIONS)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--results", type=Path, default=synclib.BENCH / "results")
    args = p.parse_args(argv)
    app_dir = args.app_dir.resolve()
    if not (app_dir / "api" / "asgi.py").exists():
        p.error(f"{app_dir} has no api/asgi.py")
    type_list = sorted({t.strip() for t in (args.types or "").split(",") if t.strip()})

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    console.print(f"[bold]Feed catch-up benchmark[/] app {app_dir} ({synclib.git_commit(app_dir)}), "
                  f"database {args.database_url}")
    if not synclib.database_exists(args.database_url):
        synclib.recreate_database(args.database_url)
        console.print("created the database")
    synclib.migrate(app_dir, args.database_url)
    reader_id, reader_secret = synclib.create_client(app_dir, args.database_url, name="Regional mirror (bench)")
    pg = psycopg.connect(libpq_url(args.database_url), autocommit=True)
    env_info = {"python": platform.python_version(), "kernel": platform.release(),
                "postgres": pg.execute("SHOW server_version").fetchone()[0],
                "uvicorn_options": synclib.uvicorn_options(), "git_commit": synclib.git_commit(app_dir)}
    runs: list[dict[str, Any]] = []
    server = synclib.Server(app_dir, args.database_url, args.port)
    try:
        top_up(app_dir, args.database_url, server, pg, minimum=args.min_changes, source=args.source,
               regions=args.regions, seed=args.seed)
        where = "WHERE resource_type = ANY(%s)" if type_list else ""
        expected = pg.execute(f"SELECT count(*), coalesce(sum(length(document)), 0) FROM changes {where}",  # noqa: S608
                              (type_list,) if type_list else ()).fetchone()
        console.print(f"the feed holds {expected[0]:,} changes{' of ' + args.types if args.types else ''} "
                      f"(documents {expected[1] / 1e6:.0f} MB); server pid {server.pid}")
        token = synclib.access_token(server.base, reader_id, reader_secret)
        client = httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=120)
        # Warm-up: a few pages, so connection set-up and first-use compilation are not measured.
        warm = client.get("/api/v1/changes", params={"limit": args.limit, **({"types": args.types} if args.types else {})})
        warm.raise_for_status()
        for run in range(1, args.runs + 1):
            with synclib.Usage(server.pid) as u:
                result = read_feed(client, limit=args.limit, types=args.types)
            if result["changes"] != expected[0]:
                raise SystemExit(f"read {result['changes']:,} changes, the table holds {expected[0]:,}")
            with synclib.Usage(server.pid) as piped_usage:
                piped = read_feed_pipelined(client, limit=args.limit, types=args.types)
            if piped["changes"] != expected[0]:
                raise SystemExit(f"the pipelined client read {piped['changes']:,} changes, not {expected[0]:,}")
            with synclib.Usage(None) as c:
                ceiling = read_sql(pg, limit=args.limit, types=type_list)
            if ceiling["changes"] != expected[0]:
                raise SystemExit(f"SQL read {ceiling['changes']:,} changes, the table holds {expected[0]:,}")
            row = {
                "run": run, "changes": result["changes"], "pages": result["pages"], "bytes": result["bytes"],
                "seconds": u.wall, "changes_per_s": result["changes"] / u.wall,
                "client_parse_s": result["parse_seconds"], "client_http_s": result["http_seconds"],
                "client_cpu_s": result["client_cpu_seconds"], "server_cpu_s": u.server_cpu,
                "postgres_cpu_s": u.postgres_cpu, "server_peak_rss_mb": u.hwm_kb / 1024,
                "sql_seconds": c.wall, "sql_changes_per_s": ceiling["changes"] / c.wall,
                "sql_postgres_cpu_s": c.postgres_cpu,
                "pipelined_seconds": piped_usage.wall,
                "pipelined_changes_per_s": piped["changes"] / piped_usage.wall,
            }
            row["ratio"] = row["changes_per_s"] / row["sql_changes_per_s"]
            runs.append(row)
            console.print(
                f"run {run}: feed {u.wall:.2f} s = {row['changes_per_s']:,.0f} changes/s ({result['pages']} pages, "
                f"{result['bytes'] / 1e6:.0f} MB; client: waiting for pages {result['http_seconds']:.2f} s, orjson "
                f"{result['parse_seconds']:.2f} s, CPU {result['client_cpu_seconds']:.2f} s; server CPU "
                f"{u.server_cpu:.2f} s, postgres CPU {u.postgres_cpu:.2f} s, server peak RSS {u.hwm_kb / 1024:.0f} MB)"
                f"; SQL {c.wall:.2f} s = {row['sql_changes_per_s']:,.0f} changes/s (postgres CPU "
                f"{c.postgres_cpu:.2f} s); ratio {row['ratio']:.3f}; pipelined client "
                f"{row['pipelined_changes_per_s']:,.0f} changes/s")
        client.close()
    finally:
        server.stop()
        pg.close()

    med = {k: median([r[k] for r in runs]) for k in (
        "seconds", "changes_per_s", "client_http_s", "client_parse_s", "client_cpu_s", "server_cpu_s", "postgres_cpu_s", "server_peak_rss_mb",
        "sql_seconds", "sql_changes_per_s", "sql_postgres_cpu_s", "ratio", "pipelined_seconds",
        "pipelined_changes_per_s")}
    checks = {"feed_changes_per_s": {"value": round(med["changes_per_s"]), "target": ">= 20000",
                                     "ok": med["changes_per_s"] >= 20_000},
              "pipelined_changes_per_s": {"value": round(med["pipelined_changes_per_s"]), "target": ">= 20000",
                                          "ok": med["pipelined_changes_per_s"] >= 20_000}}
    table = Table(title=f"Medians of {len(runs)} runs: {runs[0]['changes']:,} changes, limit={args.limit}")
    for col in ("target", "seconds", "changes/s", "client: HTTP s", "client: orjson s", "client CPU s",
                "server CPU s", "postgres CPU s", "changes/s of each run"):
        table.add_column(col, justify="left" if col == "target" else "right")
    table.add_row("feed (HTTP, httpx + orjson)", f"{med['seconds']:.2f}", f"{med['changes_per_s']:,.0f}",
                  f"{med['client_http_s']:.2f}", f"{med['client_parse_s']:.2f}", f"{med['client_cpu_s']:.2f}",
                  f"{med['server_cpu_s']:.2f}", f"{med['postgres_cpu_s']:.2f}",
                  " ".join(f"{r['changes_per_s']:.0f}" for r in runs))
    table.add_row("feed, next page fetched while parsing", f"{med['pipelined_seconds']:.2f}",
                  f"{med['pipelined_changes_per_s']:,.0f}", "-", "-", "-", "-", "-",
                  " ".join(f"{r['pipelined_changes_per_s']:.0f}" for r in runs))
    table.add_row("ceiling (SQL, psycopg)", f"{med['sql_seconds']:.2f}", f"{med['sql_changes_per_s']:,.0f}", "-",
                  "-", "-", "-", f"{med['sql_postgres_cpu_s']:.2f}", " ".join(f"{r['sql_changes_per_s']:.0f}" for r in runs))
    console.print(table)
    ok = checks["feed_changes_per_s"]["ok"]
    piped_ok = checks["pipelined_changes_per_s"]["ok"]
    console.print(f"feed changes/s {med['changes_per_s']:,.0f} one page at a time, "
                  f"{med['pipelined_changes_per_s']:,.0f} fetching the next page while parsing (target >= 20,000: "
                  f"{'[green]yes[/]' if ok else '[red]NO[/]'} / {'[green]yes[/]' if piped_ok else '[red]NO[/]'}); "
                  f"feed / SQL: median of per-run ratios "
                  f"{med['ratio']:.3f}, ratio of the medians {med['changes_per_s'] / med['sql_changes_per_s']:.3f}"
                  f" (per run: {' '.join(format(r['ratio'], '.3f') for r in runs)})")
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"feed-catchup-{stamp}.json"
    out.write_text(json.dumps({
        "started": stamp, "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "environment": env_info, "medians": med, "checks": checks, "runs": runs,
    }, indent=2, default=str))
    console.print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
