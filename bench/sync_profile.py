"""Where the time of a sync batch and of a feed page goes: the service's own functions, in-process, no HTTP.

    .venv/bin/python bench/sync_profile.py batch                  # phases of a 10,000-record batch, then cProfile
    .venv/bin/python bench/sync_profile.py feed                   # phases of reading the whole feed, then cProfile
    .venv/bin/python bench/sync_profile.py batch --app-dir /tmp/wt --rounds 5 --top 40

`batch` works on its own database (`cartesio_bench_profile`: dropped, created, migrated; a `lombardia`
service account registers the source), pre-loads 5,000 records with `api.sync.clusters.upsert` and then, for
each round, takes a batch of 10,000 records (half new, half changed, the records of sync_batch.py) through
what `POST .../clusters:batch` does: parse and validation as `api.sync.bodies.read_records` does them for
a valid body (one `validate_json` of the bytes; orjson and `model_validate` per record for older
checkouts), `require_source` + `upsert` in one session, commit, the answer's JSON
(`api.sync.router._result`). Each step is timed, and inside `upsert` every statement (`AsyncSession.execute`:
SQLAlchemy + driver + server) and, at the driver level, every cursor execution, as well as `render`,
`content_hash` and `_namespace` (wrapped in this process only; nothing under api/ is changed).
PostgreSQL's CPU is read from /proc around the statements and the commit. The last round runs again under
cProfile.

`feed` reads the changes feed of an existing database (default: sync_batch.py's `cartesio_bench_sync`)
from the beginning with `api.changes.service.read` and `render_page`, as the endpoint does, timing the SQL
fetch (RowReader on the psycopg pool) and the rendering; then one more pass under cProfile.

The `api` package is imported from --app-dir (default: this repository).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synclib  # noqa: E402

console = Console(width=170)
DEFAULT_PROFILE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cartesio_bench_profile"


def import_app(app_dir: Path, url: str) -> None:
    """Put app_dir's `api` first on sys.path and configure it through the environment, as the server is."""
    sys.path.insert(0, str(app_dir))
    import atexit
    import shutil
    import tempfile

    var_dir = tempfile.mkdtemp(prefix="cartesio-bench-var-")
    atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
    os.environ.update({k: v for k, v in synclib.app_env(url, var_dir).items() if k.startswith("CARTESIO_")})
    import api  # noqa: F401

    if not Path(api.__file__).resolve().is_relative_to(app_dir):
        raise SystemExit(f"imported api from {api.__file__}, not from {app_dir}")


class Timer:
    """Accumulated wall time and calls per label."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.rows: dict[str, int] = defaultdict(int)

    def add(self, label: str, seconds: float, rows: int = 0) -> None:
        self.seconds[label] += seconds
        self.calls[label] += 1
        self.rows[label] += rows


class GcClock:
    """Time spent in the cyclic garbage collector, per generation (gc.callbacks)."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.count = [0, 0, 0]
        self._t0 = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.seconds[info["generation"]] += time.perf_counter() - self._t0
            self.count[info["generation"]] += 1

    def snapshot(self) -> tuple[list[float], list[int]]:
        return list(self.seconds), list(self.count)


def statement_label(stmt: Any) -> str:
    from sqlalchemy.sql.dml import Delete, Insert, Update
    from sqlalchemy.sql.elements import TextClause
    from sqlalchemy.sql.selectable import Select

    if isinstance(stmt, Insert):
        return f"INSERT {stmt.table.name}" + (" ON CONFLICT" if getattr(stmt, "_post_values_clause", None) is not None
                                             else "")
    if isinstance(stmt, Delete):
        return f"DELETE {stmt.table.name}"
    if isinstance(stmt, Update):
        return f"UPDATE {stmt.table.name}"
    if isinstance(stmt, Select):
        froms = ",".join(sorted({getattr(f, "name", "?") for f in stmt.get_final_froms()}))
        cols = ",".join(c.name for c in list(stmt.selected_columns)[:2])
        return f"SELECT {cols}.. FROM {froms}" + (" FOR UPDATE" if stmt._for_update_arg is not None else "")
    if isinstance(stmt, TextClause):
        return "TEXT " + " ".join(stmt.text.split())[:48]
    return type(stmt).__name__


def sql_label(statement: str) -> str:
    words = " ".join(statement.split())
    head = words[:60]
    for table in ("clusters", "cluster_sectors", "cluster_nace_codes", "cluster_recognitions", "cluster_sources",
                  "changes", "sync_sources"):
        if words.startswith(("INSERT INTO " + table + " ", "DELETE FROM " + table + " ")):
            return words.split(" (")[0].split(" WHERE")[0]
    return head


# ---- batch ---------------------------------------------------------------------------------------------

async def batch_profile(args: argparse.Namespace) -> None:
    app_dir = args.app_dir.resolve()
    url = args.database_url
    synclib.recreate_database(url)
    synclib.migrate(app_dir, url)
    synclib.create_client(app_dir, url, name="Regione Lombardia (profile)", source=synclib.SOURCE,
                          regions=synclib.REGIONS)
    import_app(app_dir, url)

    import api.models  # noqa: F401
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import AsyncSession

    import api.changes.service as changes_service
    import api.sync.clusters as cs
    from api.auth.principal import Principal
    from api.core.config import Settings
    from api.core.db import Database
    from api.sync.common import require_source
    from api.sync.router import _result
    from api.sync.schemas import ClusterRecord
    try:  # read_records' own validation of a valid body: straight from the bytes
        from api.sync.bodies import _list_of
        validate_json = _list_of(ClusterRecord, 10_000).validate_json
    except ImportError:  # a checkout before it: orjson, then each record
        validate_json = None

    def parse_and_validate(body: bytes) -> tuple[list[Any], float | None]:
        """The records of a body as read_records makes them, and the seconds of the orjson parse when separate."""
        if validate_json is not None:
            return validate_json(body), None
        t = time.perf_counter()
        items = orjson.loads(body)
        parsed = time.perf_counter() - t
        return [ClusterRecord.model_validate(item) for item in items], parsed

    settings = Settings()
    db = Database(settings)
    actor = Principal(kind="service", id=1, role="region_officer", regions=tuple(synclib.REGIONS.split(",")),
                      source=synclib.SOURCE, label="bench")
    timer = Timer()
    cursor_timer = Timer()
    gc_clock = GcClock()

    # ---- instrumentation (this process only) ----
    original_execute = AsyncSession.execute

    async def timed_execute(self, statement, params=None, *a, **k):  # noqa: ANN001, ANN202
        t = time.perf_counter()
        try:
            return await original_execute(self, statement, params, *a, **k)
        finally:
            rows = len(params) if isinstance(params, list) else 1
            timer.add("sql: " + statement_label(statement), time.perf_counter() - t, rows)

    def wrap_sync(module: Any, name: str, label: str) -> None:
        fn = getattr(module, name)

        def wrapper(*a, **k):  # noqa: ANN002, ANN003, ANN202
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                timer.add(label, time.perf_counter() - t)

        setattr(module, name, wrapper)

    starts: dict[int, float] = {}

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202
        starts[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202
        t0 = starts.pop(id(cursor), None)
        if t0 is not None:
            rows = len(parameters) if executemany and isinstance(parameters, (list, tuple)) else 1
            cursor_timer.add(("many " if executemany else "") + sql_label(statement), time.perf_counter() - t0, rows)

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    event.listen(db.engine.sync_engine, "after_cursor_execute", after)

    register = synclib.RecordFactory(seed=args.seed)
    records: dict[str, dict[str, Any]] = {}
    import random
    rng = random.Random(args.seed + 1)

    def make_batch(new: int, changed: int, round_no: int) -> list[dict[str, Any]]:
        out = [register.changed(records[k], round_no) for k in rng.sample(sorted(records), changed)] if changed else []
        out += [register.new() for _ in range(new)]
        rng.shuffle(out)
        return out

    async def run_batch(batch: list[dict[str, Any]], *, instrument: bool, profile: cProfile.Profile | None = None
                        ) -> dict[str, float]:
        phases: dict[str, float] = {}
        body = orjson.dumps(batch)
        gc_before = gc_clock.snapshot()
        if profile:
            profile.enable()
        cpu0 = time.process_time()
        t = time.perf_counter()
        models, parsed = parse_and_validate(body)
        if parsed is None:
            phases["1-2 parse and validate (validate_json)"] = time.perf_counter() - t
        else:
            phases["1 parse body (orjson)"] = parsed
            phases["2 validate (ClusterRecord.model_validate)"] = time.perf_counter() - t - parsed
        if instrument:
            AsyncSession.execute = timed_execute
        pg0 = synclib.postgres_ticks()
        t = time.perf_counter()
        async with db.sessionmaker() as session:
            await require_source(session, synclib.SOURCE)
            t1 = time.perf_counter()
            outcomes = await cs.upsert(session, source=synclib.SOURCE, records=[(r.external_id, r) for r in models],
                                       actor=actor)
            t2 = time.perf_counter()
            pg1 = synclib.postgres_ticks()
            await session.commit()
            t3 = time.perf_counter()
        pg2 = synclib.postgres_ticks()
        AsyncSession.execute = original_execute
        phases["3 require_source + session"] = t1 - t
        phases["4 upsert"] = t2 - t1
        phases["5 commit"] = t3 - t2
        t = time.perf_counter()
        answer = _result(outcomes)
        phases["6 answer JSON (_result)"] = time.perf_counter() - t
        phases["python CPU of steps 1-6"] = time.process_time() - cpu0
        if profile:
            profile.disable()
        gc_after = gc_clock.snapshot()
        for gen in range(3):
            phases[f"gc gen{gen} seconds"] = gc_after[0][gen] - gc_before[0][gen]
            phases[f"gc gen{gen} collections"] = gc_after[1][gen] - gc_before[1][gen]
        phases["postgres CPU during upsert"] = sum(pg1[p] - pg0.get(p, 0) for p in pg1) / synclib.CLK_TCK
        phases["postgres CPU during commit"] = sum(pg2[p] - pg1.get(p, 0) for p in pg2) / synclib.CLK_TCK
        for item in batch:
            records[item["external_id"]] = item
        counts = orjson.loads(answer)
        phases["created"], phases["updated"] = counts["created"], counts["updated"]
        return phases

    async def memory_run(batch: list[dict[str, Any]]) -> None:
        """Python-allocated memory (tracemalloc) at the end of each segment of a batch, and its peak within it."""
        import tracemalloc

        marks: list[tuple[str, int, int]] = []

        def mark(label: str) -> None:
            current, peak = tracemalloc.get_traced_memory()
            marks.append((label, current, peak))
            tracemalloc.reset_peak()

        state = {"statement": "", "allocations": 0}

        def before(kind: str, fn: Any) -> Any:
            async def wrapper(*a: Any, **k: Any) -> Any:
                if kind == "allocate_ids":
                    state["allocations"] += 1
                    if state["allocations"] == 1:
                        mark("upsert: locks, look-ups, slugs, render() + content_hash() of every record")
                elif kind == "write_rows":
                    mark("upsert: rows and document texts built, child rows deleted")
                    state["statement"] = "COPY / UPDATE clusters"
                else:
                    mark(f"upsert: {state['statement']}")
                    state["statement"] = f"INSERT {a[1].name}" if kind in ("insert_rows", "insert_tuples") \
                        else "INSERT changes"
                return await fn(*a, **k)
            return wrapper

        # (upsert_rows: the clusters' writer of older checkouts, before write_rows)
        wrapped = [name for name in ("allocate_ids", "write_rows", "upsert_rows", "insert_rows", "insert_tuples")
                   if hasattr(cs, name)]
        saved = {name: getattr(cs, name) for name in wrapped}, changes_service.record_many
        for name in wrapped:
            setattr(cs, name, before("write_rows" if name == "upsert_rows" else name, getattr(cs, name)))
        changes_service.record_many = before("record_many", changes_service.record_many)
        body = orjson.dumps(batch)
        gc.collect()
        tracemalloc.start()
        try:
            mark("start (the request body in memory)")
            models, _ = parse_and_validate(body)
            mark("1-2 parse and validate (the records only are kept)")
            async with db.sessionmaker() as session:
                await require_source(session, synclib.SOURCE)
                outcomes = await cs.upsert(session, source=synclib.SOURCE,
                                           records=[(r.external_id, r) for r in models], actor=actor)
                mark(f"upsert: {state['statement']} (upsert returned)")
                await session.commit()
                mark("5 commit")
            answer = _result(outcomes)
            mark("6 answer JSON")
            del models, outcomes, answer
            gc.collect()
            mark("after the request (garbage collected)")
        finally:
            tracemalloc.stop()
            for name, fn in saved[0].items():
                setattr(cs, name, fn)
            changes_service.record_many = saved[1]
        for item in batch:
            records[item["external_id"]] = item
        mt = Table(title="Python memory of one batch (tracemalloc; C buffers of libpq not included), MB")
        for col in ("segment (in order)", "in use at its end", "peak within it"):
            mt.add_column(col, justify="left" if col == "segment (in order)" else "right")
        base = marks[0][1]
        for label, current, peak in marks[1:]:
            mt.add_row(label, f"{(current - base) / 1e6:+.1f}", f"{(peak - base) / 1e6:+.1f}")
        console.print(mt)
        console.print(f"(relative to the start, where the {len(body) / 1e6:.1f} MB body is already held; "
                      f"highest peak {(max(p for _, _, p in marks) - base) / 1e6:+.1f} MB)")

    console.print(f"[bold]batch profile[/] app {app_dir}; pre-loading {args.preload:,} records")
    await db.rows.open()
    try:
        await run_batch(make_batch(args.preload, 0, 0), instrument=False)
        await run_batch(make_batch(500, 500, 0), instrument=False)  # warm-up of the update path
        async with db.engine.connect() as conn:
            from sqlalchemy import text
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        # As the server does after start-up (api.main lifespan): what lives as long as the process is frozen,
        # and with its thresholds, so that the collector's pauses are those of the server.
        from api.main import GC_THRESHOLD

        gc.collect()
        gc.freeze()
        gc.set_threshold(GC_THRESHOLD, 20, 20)
        if args.gc == "off":
            gc.disable()
        wrap_sync(cs, "render", "py: render()")
        wrap_sync(cs, "content_hash", "py: content_hash()")
        wrap_sync(cs, "_namespace", "py: _namespace()")
        all_phases: list[dict[str, float]] = []
        half = args.batch // 2
        for round_no in range(1, args.rounds + 1):
            timer.seconds.clear(); timer.calls.clear(); timer.rows.clear()  # noqa: E702
            cursor_timer.seconds.clear(); cursor_timer.calls.clear(); cursor_timer.rows.clear()  # noqa: E702
            phases = await run_batch(make_batch(args.batch - half, half, round_no), instrument=True)
            phases.update({k: v for k, v in timer.seconds.items()})
            phases.update({"cursor: " + k: v for k, v in cursor_timer.seconds.items()})
            all_phases.append(phases)
            total = sum(phases[k] for k in phases if k[:1].isdigit())
            console.print(f"round {round_no}: {total:.2f} s = {args.batch / total:,.0f} records/s "
                          f"(upsert {phases['4 upsert']:.2f} s, commit {phases['5 commit']:.2f} s, "
                          f"Python CPU {phases['python CPU of steps 1-6']:.2f} s, "
                          f"PostgreSQL CPU {phases['postgres CPU during upsert'] + phases['postgres CPU during commit']:.2f} s, "
                          f"created {phases['created']:.0f}, updated {phases['updated']:.0f})")
        last_calls, last_rows = dict(timer.calls), dict(timer.rows)
        last_cursor_calls, last_cursor_rows = dict(cursor_timer.calls), dict(cursor_timer.rows)

        keys = list(dict.fromkeys(k for p in all_phases for k in p))
        med = {k: statistics.median([p.get(k, 0.0) for p in all_phases]) for k in keys}
        total = sum(v for k, v in med.items() if k[:1].isdigit())
        table = Table(title=f"Batch of {args.batch:,} records ({args.batch - half:,} new, {half:,} changed): "
                            f"medians of {len(all_phases)} rounds, in-process (no HTTP)")
        for col in ("step", "seconds", "% of total", "µs/record", "calls", "rows"):
            table.add_column(col, justify="left" if col == "step" else "right")

        def add(label: str, key: str, calls: Any = "", rows: Any = "") -> None:
            v = med.get(key, 0.0)
            table.add_row(label, f"{v:.3f}", f"{100 * v / total:.1f}", f"{1e6 * v / args.batch:.0f}", str(calls),
                          str(rows))

        for key in [k for k in keys if k[:1].isdigit()]:
            add(key, key)
            if key == "4 upsert":
                inner = 0.0
                for sub in sorted((k for k in keys if k.startswith(("sql: ", "py: "))), key=lambda k: -med[k]):
                    add("    " + sub, sub, last_calls.get(sub, ""), last_rows.get(sub, "") or "")
                    inner += med[sub]
                rest = med["4 upsert"] - inner
                table.add_row("    py: the rest of upsert (loops, row dicts, orjson.dumps of documents)",
                              f"{rest:.3f}", f"{100 * rest / total:.1f}", f"{1e6 * rest / args.batch:.0f}", "", "")
        table.add_row("total", f"{total:.3f}", "100.0", f"{1e6 * total / args.batch:.0f}",
                      f"{args.batch / total:,.0f} records/s", "")
        console.print(table)
        ct = Table(title="Driver level (SQLAlchemy cursor events: psycopg + network + PostgreSQL), medians")
        for col in ("cursor execution", "seconds", "calls", "rows"):
            ct.add_column(col, justify="left" if col == "cursor execution" else "right")
        for key in sorted((k for k in keys if k.startswith("cursor: ")), key=lambda k: -med[k]):
            name = key.removeprefix("cursor: ")
            ct.add_row(name, f"{med[key]:.3f}", str(last_cursor_calls.get(name, "")), str(last_cursor_rows.get(name, "")))
        sql_total = sum(med[k] for k in keys if k.startswith("sql: "))
        cursor_total = sum(med[k] for k in keys if k.startswith("cursor: "))
        ct.add_row("total at the driver", f"{cursor_total:.3f}", "", "")
        ct.add_row("total in AsyncSession.execute (adds SQLAlchemy's compile and parameter processing)",
                   f"{sql_total:.3f}", "", "")
        console.print(ct)
        console.print(f"Python CPU of steps 1-6 (this process): {med['python CPU of steps 1-6']:.2f} s = "
                      f"{1e6 * med['python CPU of steps 1-6'] / args.batch:.0f} µs/record")
        console.print(f"PostgreSQL CPU (all backends, /proc): during upsert {med['postgres CPU during upsert']:.2f} s, "
                      f"during commit {med['postgres CPU during commit']:.2f} s")
        gc_total = sum(med[f"gc gen{g} seconds"] for g in range(3))
        console.print(f"cyclic GC (gc {args.gc}) during steps 1-6: {gc_total:.3f} s = {100 * gc_total / total:.1f} % of the "
                      f"total; " + ", ".join(f"gen{g}: {med[f'gc gen{g} collections']:.0f} collections, "
                                             f"{med[f'gc gen{g} seconds']:.3f} s" for g in range(3))
                      + " (GC pauses are counted in whichever step allocated)")

        # Memory: one more round under tracemalloc, with the peak of each segment.
        await memory_run(make_batch(args.batch - half, half, args.rounds + 1))

        # cProfile of one more round
        prof = cProfile.Profile()
        await run_batch(make_batch(args.batch - half, half, args.rounds + 2), instrument=False, profile=prof)
        print_profile(prof, args.top, args.profile_out)
    finally:
        await db.dispose()


def print_profile(prof: cProfile.Profile, top: int, out: Path | None) -> None:
    if out:
        prof.dump_stats(str(out))
        console.print(f"cProfile data written to {out} (python -m pstats {out})")
    for order in ("tottime", "cumulative"):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(order)
        stats.print_stats(top)
        text = buf.getvalue()
        start = text.find("   ncalls")
        console.print(f"[bold]cProfile, top {top} by {order}[/]")
        console.print(text[start:], markup=False, highlight=False)


# ---- sql: the same writes, other statement shapes ------------------------------------------------------

CLUSTER_KEEP = ("id", "created_at", "source", "external_id")  # what upsert_rows keeps on conflict (clusters.py)


async def sql_whatif(args: argparse.Namespace) -> None:
    """The rows one batch writes, captured from `upsert`, written again in rolled-back transactions:

    * current  - api.core.bulk's upsert_rows / insert_rows, record_many and the child deletes (COPY from a few
                 hundred rows on; the clusters through a temporary table and INSERT ... ON CONFLICT);
    * imv      - the same functions on an engine whose dialect batches executemany into multi-row INSERT ...
                 VALUES of 1000 rows (SQLAlchemy's insertmanyvalues, `use_insertmanyvalues_wo_returning`);
    * unnest   - one INSERT ... SELECT FROM unnest(array per column) per table (psycopg, arrays sent in binary);
    * copy     - COPY for cluster_sectors, cluster_nace_codes and changes; clusters COPYed into a temporary
                 table, then one INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE.
    """
    app_dir = args.app_dir.resolve()
    url = args.database_url
    synclib.recreate_database(url)
    synclib.migrate(app_dir, url)
    synclib.create_client(app_dir, url, name="Regione Lombardia (profile)", source=synclib.SOURCE,
                          regions=synclib.REGIONS)
    import_app(app_dir, url)

    import random

    import api.models  # noqa: F401
    import psycopg
    from sqlalchemy import delete
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    import api.changes.service as changes_service
    import api.sync.clusters as cs
    from api.auth.principal import Principal
    from api.clusters.models import Cluster, ClusterNaceCode, ClusterSector, ClusterSource, Recognition
    from api.core.config import Settings
    from api.core.db import Database, utcnow
    from api.core.bulk import insert_rows, upsert_rows
    from api.sync.schemas import ClusterRecord
    from common import libpq_url

    settings = Settings()
    db = Database(settings)
    imv_engine = create_async_engine(settings.resolved_database_url, pool_size=2)
    imv_engine.sync_engine.dialect.use_insertmanyvalues_wo_returning = True
    actor = Principal(kind="service", id=1, role="region_officer", regions=tuple(synclib.REGIONS.split(",")),
                      source=synclib.SOURCE, label="bench")
    factory = synclib.RecordFactory(seed=args.seed)
    rng = random.Random(args.seed + 1)
    records: dict[str, dict[str, Any]] = {}

    def make_batch(new: int, changed: int, round_no: int) -> list[ClusterRecord]:
        out = [factory.changed(records[k], round_no) for k in rng.sample(sorted(records), changed)] if changed else []
        out += [factory.new() for _ in range(new)]
        for r in out:
            records[r["external_id"]] = r
        return [ClusterRecord.model_validate(r) for r in out]

    async def upsert(batch: list[ClusterRecord]) -> None:
        async with db.session_scope() as session:
            await cs.upsert(session, source=synclib.SOURCE, records=[(r.external_id, r) for r in batch], actor=actor)

    console.print(f"[bold]SQL what-if[/] app {app_dir}; pre-loading {args.preload:,} records")
    await upsert(make_batch(args.preload, 0, 0))
    await upsert(make_batch(500, 500, 0))
    half = args.batch // 2
    batch = make_batch(args.batch - half, half, 1)

    # Capture what upsert would write (and roll back): the rows of each table and the replaced clusters.
    captured: dict[str, Any] = {}

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def cap_update_rows(session, table, columns, rows, *, keep=("id", "created_at")):  # noqa: ANN001, ANN202
        captured.setdefault("clusters", []).extend(dict(zip(columns, row, strict=True)) for row in rows)
        yield

    async def cap_insert_tuples(session, table, columns, rows):  # noqa: ANN001, ANN202
        captured.setdefault(table.name, []).extend(dict(zip(columns, row, strict=True)) for row in rows)

    async def cap_insert_rows(session, table, rows):  # noqa: ANN001, ANN202
        captured[table.name] = rows

    async def cap_record_many(session, changes):  # noqa: ANN001, ANN202
        captured["changes"] = changes

    saved = cs.update_rows, cs.insert_tuples, cs.insert_rows, changes_service.record_many
    cs.update_rows, cs.insert_tuples, cs.insert_rows, changes_service.record_many = (
        cap_update_rows, cap_insert_tuples, cap_insert_rows, cap_record_many)
    try:
        async with db.sessionmaker() as session:
            await cs.upsert(session, source=synclib.SOURCE, records=[(r.external_id, r) for r in batch], actor=actor)
            await session.rollback()
    finally:
        cs.update_rows, cs.insert_tuples, cs.insert_rows, changes_service.record_many = saved
    cluster_rows = captured["clusters"]
    replaced = [r["id"] for r in cluster_rows if r["version"] > 1]
    sector_rows, nace_rows = captured.get("cluster_sectors", []), captured.get("cluster_nace_codes", [])
    change_rows = captured["changes"]
    console.print(f"captured: {len(cluster_rows):,} clusters ({len(replaced):,} replaced), {len(sector_rows):,} "
                  f"sectors, {len(nace_rows):,} NACE rows, {len(change_rows):,} changes")

    async def via_sqlalchemy(engine: Any) -> None:
        async with AsyncSession(engine) as session:
            async with session.begin():
                for table in (ClusterSector, ClusterNaceCode, Recognition, ClusterSource):
                    for start in range(0, len(replaced), 1000):
                        await session.execute(delete(table).where(table.cluster_id.in_(replaced[start:start + 1000])))
                await upsert_rows(session, Cluster.__table__, cluster_rows, keep=CLUSTER_KEEP)
                await insert_rows(session, ClusterSector.__table__, sector_rows)
                await insert_rows(session, ClusterNaceCode.__table__, nace_rows)
                await changes_service.record_many(session, change_rows)
                await session.rollback()

    ccols = list(cluster_rows[0])
    types = {"id": "int", "slug": "text", "name": "text", "kind": "text", "country": "text", "region_code": "text",
             "region_name": "text", "locality": "text", "location_text": "text", "latitude": "float8",
             "longitude": "float8", "enterprises_count": "int", "enterprises_approximate": "bool",
             "enterprises_note": "text", "employees_count": "int", "employees_approximate": "bool",
             "employees_note": "text", "website": "text", "website_note": "text", "coordinating_body_id": "int",
             "constitutive_elements": "text", "eco_innovation": "text", "tags": "text", "source": "text",
             "external_id": "text", "version": "int", "content_hash": "text", "document": "text",
             "created_at": "timestamptz", "updated_at": "timestamptz"}
    missing = set(ccols) - set(types)
    if missing:
        raise SystemExit(f"clusters columns unknown to the what-if: {sorted(missing)}")
    json_cols = {"tags"}
    set_clause = ", ".join(f"{c} = EXCLUDED.{c}" for c in ccols if c not in CLUSTER_KEEP)
    ch_cols = ["txid", "resource_type", "resource_id", "event", "version", "document", "source", "external_id",
               "changed_at"]

    def cluster_values(row: dict[str, Any]) -> list[Any]:
        return [orjson.dumps(row[c]).decode() if c in json_cols else row[c] for c in ccols]

    async def via_unnest(conn: psycopg.AsyncConnection) -> None:
        async with conn.transaction(force_rollback=True):
            for table in ("cluster_sectors", "cluster_nace_codes", "cluster_recognitions", "cluster_sources"):
                await conn.execute(f"DELETE FROM {table} WHERE cluster_id = ANY(%s)", (replaced,))
            columns = list(zip(*(cluster_values(r) for r in cluster_rows), strict=True))
            select = ", ".join(f"u.{c}::json" if c in json_cols else f"u.{c}" for c in ccols)
            await conn.execute(
                f"INSERT INTO clusters ({', '.join(ccols)}) SELECT {select} FROM unnest("
                + ", ".join(f"%b::{types[c]}[]" for c in ccols) + f") AS u({', '.join(ccols)}) "
                f"ON CONFLICT (id) DO UPDATE SET {set_clause}", [list(col) for col in columns])
            await conn.execute(
                "INSERT INTO cluster_sectors (cluster_id, position, label, nace_codes) "
                "SELECT c, p, l, n::json FROM unnest(%b::int[], %b::int[], %b::text[], %b::text[]) AS u(c, p, l, n)",
                ([r["cluster_id"] for r in sector_rows], [r["position"] for r in sector_rows],
                 [r["label"] for r in sector_rows], [orjson.dumps(r["nace_codes"]).decode() for r in sector_rows]))
            await conn.execute("INSERT INTO cluster_nace_codes (cluster_id, code) SELECT * FROM unnest(%b::int[], "
                               "%b::text[])", ([r["cluster_id"] for r in nace_rows], [r["code"] for r in nace_rows]))
            now = utcnow()
            await conn.execute(
                "INSERT INTO changes (txid, resource_type, resource_id, event, version, document, source, external_id, "
                "changed_at) SELECT pg_current_xact_id()::text::bigint, t, r, e, v, d, s, x, %s FROM unnest(%b::text[], "
                "%b::bigint[], %b::text[], %b::int[], %b::text[], %b::text[], %b::text[]) AS u(t, r, e, v, d, s, x)",
                (now, *[[c[k] for c in change_rows] for k in ("resource_type", "resource_id", "event", "version",
                                                             "document", "source", "external_id")]))

    async def via_copy(conn: psycopg.AsyncConnection) -> None:
        async with conn.transaction(force_rollback=True):
            for table in ("cluster_sectors", "cluster_nace_codes", "cluster_recognitions", "cluster_sources"):
                await conn.execute(f"DELETE FROM {table} WHERE cluster_id = ANY(%s)", (replaced,))
            await conn.execute("CREATE TEMP TABLE stage_clusters (LIKE clusters INCLUDING DEFAULTS) ON COMMIT DROP")
            cur = conn.cursor()
            async with cur.copy(f"COPY stage_clusters ({', '.join(ccols)}) FROM STDIN") as copy:
                for r in cluster_rows:
                    await copy.write_row(cluster_values(r))
            await conn.execute(f"INSERT INTO clusters ({', '.join(ccols)}) SELECT {', '.join(ccols)} FROM stage_clusters "
                               f"ON CONFLICT (id) DO UPDATE SET {set_clause}")
            async with cur.copy("COPY cluster_sectors (cluster_id, position, label, nace_codes) FROM STDIN") as copy:
                for r in sector_rows:
                    await copy.write_row((r["cluster_id"], r["position"], r["label"], orjson.dumps(r["nace_codes"]).decode()))
            async with cur.copy("COPY cluster_nace_codes (cluster_id, code) FROM STDIN") as copy:
                for r in nace_rows:
                    await copy.write_row((r["cluster_id"], r["code"]))
            txid = (await (await conn.execute("SELECT pg_current_xact_id()::text::bigint")).fetchone())[0]
            now = utcnow()
            async with cur.copy(f"COPY changes ({', '.join(ch_cols)}) FROM STDIN") as copy:
                for c in change_rows:
                    await copy.write_row((txid, c["resource_type"], c["resource_id"], c["event"], c["version"],
                                          c["document"], c["source"], c["external_id"], now))

    # The look-ups before the writes: existing records (locked) and taken slugs.
    from sqlalchemy import select

    external_ids = [r.external_id for r in batch]
    slugs = [r["slug"] for r in cluster_rows]

    async def lookups_in_lists() -> None:
        async with db.sessionmaker() as session:
            async with session.begin():
                await cs.select_in(session, lambda chunk: select(
                    Cluster.id, Cluster.external_id, Cluster.version, Cluster.content_hash, Cluster.slug,
                    Cluster.region_code, Cluster.created_at).where(Cluster.source == synclib.SOURCE,
                                                                   Cluster.external_id.in_(chunk)).with_for_update(),
                    external_ids)
                await cs.select_in(session, lambda chunk: select(Cluster.slug, Cluster.id).where(
                    Cluster.slug.in_(chunk)), sorted(set(slugs)))
                await session.rollback()

    async def lookups_any(conn: psycopg.AsyncConnection) -> None:
        async with conn.transaction(force_rollback=True):
            await (await conn.execute(
                "SELECT id, external_id, version, content_hash, slug, region_code, created_at FROM clusters "
                "WHERE source = %s AND external_id = ANY(%s) FOR UPDATE", (synclib.SOURCE, external_ids))).fetchall()
            await (await conn.execute("SELECT slug, id FROM clusters WHERE slug = ANY(%s)",
                                      (sorted(set(slugs)),))).fetchall()

    conn = await psycopg.AsyncConnection.connect(libpq_url(url))
    variants = {"current": lambda: via_sqlalchemy(db.engine), "imv": lambda: via_sqlalchemy(imv_engine),
                "unnest": lambda: via_unnest(conn), "copy": lambda: via_copy(conn),
                "lookups_in": lookups_in_lists, "lookups_any": lambda: lookups_any(conn)}
    labels = {"current": "writes, bulk.upsert_rows/insert_rows: COPY (clusters: temp table + INSERT ... ON CONFLICT)",
              "imv": "writes, SQLAlchemy insertmanyvalues: INSERT ... VALUES of 1000 rows",
              "unnest": "writes, one INSERT ... SELECT FROM unnest(arrays) per table",
              "copy": "writes, COPY (clusters via a temp table + INSERT ... ON CONFLICT)",
              "lookups_in": "look-ups, current: select_in, IN lists of 1000 (existing FOR UPDATE + slugs)",
              "lookups_any": "look-ups, one query each with = ANY(array) (psycopg)"}
    results: dict[str, list[dict[str, float]]] = {k: [] for k in variants}
    try:
        for name in variants:  # warm-up
            await variants[name]()
        for rep in range(args.rounds):
            for name, run in variants.items():
                gc.collect()
                c0, p0, t0 = time.process_time(), synclib.postgres_ticks(), time.perf_counter()
                await run()
                results[name].append({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                                      "pg": synclib.postgres_seconds_since(p0)})
            console.print(f"repetition {rep + 1}: " + ", ".join(f"{n} {results[n][-1]['wall']:.2f} s" for n in variants))
    finally:
        await conn.close()
        await imv_engine.dispose()
        await db.dispose()
    table = Table(title=f"Writing one batch's rows ({len(cluster_rows):,} clusters of which {len(replaced):,} replaced, "
                        f"{len(sector_rows):,} sectors, {len(nace_rows):,} NACE rows, {len(change_rows):,} changes), "
                        f"rolled back; medians of {args.rounds}")
    for col in ("statements", "wall s", "Python CPU s", "postgres CPU s", "rows/s (clusters)", "wall of each"):
        table.add_column(col, justify="left" if col == "statements" else "right")
    for name, rs in results.items():
        wall = statistics.median(r["wall"] for r in rs)
        table.add_row(labels[name], f"{wall:.2f}", f"{statistics.median(r['cpu'] for r in rs):.2f}",
                      f"{statistics.median(r['pg'] for r in rs):.2f}", f"{len(cluster_rows) / wall:,.0f}",
                      " ".join(f"{r['wall']:.2f}" for r in rs))
    console.print(table)


# ---- feed ----------------------------------------------------------------------------------------------

async def feed_profile(args: argparse.Namespace) -> None:
    app_dir = args.app_dir.resolve()
    url = args.database_url
    import_app(app_dir, url)
    import api.models  # noqa: F401
    from api.changes import service
    from api.core.config import Settings
    from api.core.db import Database

    db = Database(Settings())
    await db.rows.open()
    limit = args.limit
    try:
        async def one_pass(profile: cProfile.Profile | None = None) -> dict[str, float]:
            read = render = 0.0
            changes = pages = size = 0
            since = None
            if profile:
                profile.enable()
            while True:
                t = time.perf_counter()
                rows, after = await service.read(db, since=since, types=[], limit=limit)
                t1 = time.perf_counter()
                body = service.render_page(rows, after, limit=limit)
                t2 = time.perf_counter()
                read += t1 - t
                render += t2 - t1
                pages += 1
                changes += len(rows)
                size += len(body)
                since = after
                if len(rows) < limit:
                    break
            if profile:
                profile.disable()
            return {"read": read, "render": render, "changes": changes, "pages": pages, "bytes": size}

        await one_pass()  # warm-up
        passes = []
        for i in range(args.rounds):
            p0 = synclib.postgres_ticks()
            r = await one_pass()
            r["postgres_cpu"] = synclib.postgres_seconds_since(p0)
            passes.append(r)
            console.print(f"pass {i + 1}: {r['changes']:,} changes in {r['pages']} pages: service.read "
                          f"{r['read']:.2f} s, render_page {r['render']:.2f} s "
                          f"({r['changes'] / (r['read'] + r['render']):,.0f} changes/s without HTTP), "
                          f"{r['bytes'] / 1e6:.0f} MB, postgres CPU {r['postgres_cpu']:.2f} s")
        med = {k: statistics.median([p[k] for p in passes]) for k in ("read", "render", "changes", "postgres_cpu")}
        n = med["changes"]
        console.print(f"medians: service.read {med['read']:.2f} s ({1e6 * med['read'] / n:.1f} µs/change), "
                      f"render_page {med['render']:.2f} s ({1e6 * med['render'] / n:.1f} µs/change)")
        await feed_parts(db, limit)
        prof = cProfile.Profile()
        await one_pass(prof)
        print_profile(prof, args.top, args.profile_out)
    finally:
        await db.dispose()


async def feed_parts(db: Any, limit: int) -> None:
    """What render_page's work per change is made of, and what the fetch costs with the documents as bytes."""
    import psycopg

    from api.changes import service
    from api.changes.service import Cursor, Position
    from api.core.db import as_utc, utc_iso

    pages: list[tuple[list[tuple], Any]] = []
    since = None
    while True:
        rows, after = await service.read(db, since=since, types=[], limit=limit)
        pages.append((rows, after))
        since = after
        if len(rows) < limit:
            break
    n = sum(len(rows) for rows, _ in pages)

    def best_of_3(fn: Any) -> float:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            for rows, after in pages:
                fn(rows, after)
            times.append(time.perf_counter() - t)
        return 1e6 * min(times) / n

    full = best_of_3(lambda rows, after: service.render_page(rows, after, limit=limit))
    parts = {
        "cursor of each change (Cursor.encode, base64)": best_of_3(
            lambda rows, after: [Cursor(Position(r[0], r[1]), after.horizon).encode() for r in rows]),
        "changed_at formatting (utc_iso(as_utc(...)))": best_of_3(
            lambda rows, after: [utc_iso(as_utc(r[8])) for r in rows]),
        "head dict + orjson.dumps": best_of_3(lambda rows, after: [orjson.dumps({
            "cursor": "c", "type": r[2], "id": r[3], "external_id": {"source": r[4], "id": r[5]},
            "operation": "upsert", "event": r[6], "version": r[7], "changed_at": "t"}) for r in rows]),
        "document str -> bytes": best_of_3(lambda rows, after: [r[9].encode() for r in rows]),
    }
    table = Table(title=f"render_page, µs per change (best of 3 over the {n:,} changes, no profiler)")
    table.add_column("part")
    table.add_column("µs/change", justify="right")
    for label, value in parts.items():
        table.add_row(label, f"{value:.1f}")
    table.add_row("the rest: unpacking, slicing and splicing bytes, join", f"{full - sum(parts.values()):.1f}")
    table.add_row("render_page in all", f"{full:.1f}")
    console.print(table)

    class BytesLoader(psycopg.adapt.Loader):
        def load(self, data: Any) -> bytes:
            return bytes(data)

    from common import libpq_url

    sql = ("SELECT txid, id, resource_type, resource_id, source, external_id, event, version, changed_at, document "
           "FROM changes WHERE (txid, id) > (%s, %s) AND txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
           "ORDER BY txid, id LIMIT %s")
    conn = await psycopg.AsyncConnection.connect(libpq_url(db.url), autocommit=True)
    try:
        async def fetch_all(as_bytes: bool) -> float:
            cur = conn.cursor()
            if as_bytes:
                cur.adapters.register_loader("text", BytesLoader)
            position, count = (0, 0), 0
            t = time.perf_counter()
            while True:
                rows = await (await cur.execute(sql, (*position, limit), prepare=True)).fetchall()
                count += len(rows)
                if len(rows) < limit:
                    break
                position = (rows[-1][0], rows[-1][1])
            return 1e6 * (time.perf_counter() - t) / count

        as_str = min([await fetch_all(False) for _ in range(3)])
        as_bytes = min([await fetch_all(True) for _ in range(3)])
    finally:
        await conn.close()
    console.print(f"the same pages fetched with plain psycopg: {as_str:.1f} µs/change (text columns as str, as "
                  f"today), {as_bytes:.1f} µs/change (text columns loaded as bytes, no decode/encode)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", choices=("batch", "feed", "sql"))
    p.add_argument("--database-url", default=None,
                   help=f"batch: dropped and created (default {DEFAULT_PROFILE_URL}); "
                        f"feed: read (default {synclib.DEFAULT_SYNC_DATABASE_URL})")
    p.add_argument("--app-dir", type=Path, default=synclib.ROOT)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch", type=int, default=10_000)
    p.add_argument("--preload", type=int, default=5_000)
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--top", type=int, default=30, help="functions listed by cProfile")
    p.add_argument("--profile-out", type=Path, default=None, help="also write the cProfile data here")
    p.add_argument("--gc", choices=("on", "off"), default="on",
                   help="batch: 'off' disables the cyclic GC after the warm-up (a what-if; the server keeps it on)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if args.database_url is None:
        args.database_url = DEFAULT_PROFILE_URL if args.what in ("batch", "sql") else synclib.DEFAULT_SYNC_DATABASE_URL
    try:
        import uvloop
        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    runner({"batch": batch_profile, "feed": feed_profile, "sql": sql_whatif}[args.what](args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
