"""Where the app's per-request CPU goes: the by-id read rebuilt one layer at a time, each step measured.

    .venv/bin/python bench/ladder.py --duration 10 --repeat 3

Steps (all answer GET /clusters/{id} with the stored document and the same ETag, byte for byte):

  ceiling        bench/ceiling.py: Starlette + psycopg pool, autocommit
  fastapi        + FastAPI (bare app, `cluster_id: int` path parameter)           psycopg pool, autocommit
  sa_core        + SQLAlchemy AsyncEngine, prebuilt statement, engine-level AUTOCOMMIT, AsyncConnection
  sa_core_build  + the statement built per request, as service.read_document() does
  sa_session_ac  + an AsyncSession per request (plain dependency) on an engine that is AUTOCOMMIT already,
                   service.read_document(), api.core.http.json_bytes()
  sa_session     the same with the project's Database.read_scope(), which switches each session's connection
                   to AUTOCOMMIT (and SQLAlchemy switches it back on release): the app's route on a bare
                   FastAPI app
  app            the real app (api.asgi:app): its middleware, exception handlers, routers, and the
                   ReadSessionDep dependency (Depends(..., scope="function"))

and three "what if" steps: the real app with its by-id read patched at run time (nothing in api/ changes):

  app_stmt       service.read_document() runs one prebuilt statement (bindparam) instead of building it
  app_conn       + get_read_session overridden (app.dependency_overrides) to yield an AsyncConnection of an
                   AUTOCOMMIT engine view (no AsyncSession, no per-request isolation switch)
  app_raw        + the query run on the psycopg connection under that AsyncConnection (SQL text, %s)
  app_keyset     the real app with api.core.pagination.keyset() replaced (in api.clusters.service) by one
                 that orders a NOT NULL sort column without the `col IS NULL` key and continues after the
                 cursor with a row comparison `(col, id) > (:value, :id)`; measured on the two list pages
                 of run.py, not on the by-id read

The difference between two neighbouring steps is the price of the layer added. Server CPU µs/request is the
figure to compare (the 2 CPUs are shared with wrk and PostgreSQL, so req/s moves with everything else).
The module is also the ASGI app of each step: BENCH_LADDER_STEP=<step> uvicorn --app-dir bench ladder:app
"""
# No `from __future__ import annotations` here: FastAPI must resolve the annotations of the endpoints, which
# are defined inside functions.

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

STEPS = ["ceiling", "fastapi", "sa_core", "sa_core_build", "sa_session_ac", "sa_session", "app"]
WHAT_IF = ["app_stmt", "app_conn", "app_raw"]
LIST_STEPS = ["app_keyset"]


def _fastapi_psycopg():
    from fastapi import FastAPI, Response
    from psycopg_pool import AsyncConnectionPool

    from common import database_url, libpq_url

    size = int(os.environ.get("BENCH_POOL_SIZE", "32"))
    pool = AsyncConnectionPool(libpq_url(database_url()), min_size=size, max_size=size,
                               kwargs={"autocommit": True}, open=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await pool.open(wait=True)
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/clusters/{cluster_id}")
    async def get_cluster(cluster_id: int) -> Response:
        async with pool.connection() as conn:
            row = await (await conn.execute("SELECT version, document FROM clusters WHERE id = %s",
                                            (cluster_id,))).fetchone()
        if row is None:
            return Response(b"{}", status_code=404, media_type="application/json")
        return Response(row[1].encode(), media_type="application/json",
                        headers={"ETag": f'"cluster-{cluster_id}-v{row[0]}"'})

    return app


def _fastapi_sa_core(build_per_request: bool = False):
    from fastapi import FastAPI, Response
    from sqlalchemy import bindparam, select
    from sqlalchemy.ext.asyncio import create_async_engine

    from api.clusters.models import Cluster
    from common import database_url

    size = int(os.environ.get("BENCH_POOL_SIZE", "32"))
    prebuilt = select(Cluster.version, Cluster.document).where(Cluster.id == bindparam("id"))
    state = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_async_engine(database_url(), pool_size=size, max_overflow=10, isolation_level="AUTOCOMMIT")
        state["engine"] = engine
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/clusters/{cluster_id}")
    async def get_cluster(cluster_id: int) -> Response:
        async with state["engine"].connect() as conn:
            if build_per_request:
                stmt = select(Cluster.version, Cluster.document).where(Cluster.id == cluster_id)
                row = (await conn.execute(stmt)).one_or_none()
            else:
                row = (await conn.execute(prebuilt, {"id": cluster_id})).one_or_none()
        if row is None:
            return Response(b"{}", status_code=404, media_type="application/json")
        return Response(row[1].encode(), media_type="application/json",
                        headers={"ETag": f'"cluster-{cluster_id}-v{row[0]}"'})

    return app


def _fastapi_sa_session(engine_autocommit: bool = False):
    from fastapi import Depends, FastAPI, Request, Response
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from api.clusters import service
    from api.clusters.errors import ClusterNotFound
    from api.core.config import Settings
    from api.core.db import Database
    from api.core.etag import etag
    from api.core.http import json_bytes
    from common import database_url

    size = int(os.environ.get("BENCH_POOL_SIZE", "32"))
    state = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(Settings(database_url=database_url(), db_pool_size=size, environment="development"))
        state["db"] = db
        state["autocommit"] = async_sessionmaker(db.engine.execution_options(isolation_level="AUTOCOMMIT"),
                                                 expire_on_commit=False, autoflush=False)
        yield
        await db.dispose()

    async def session() -> AsyncIterator[AsyncSession]:
        if engine_autocommit:
            async with state["autocommit"]() as s:
                yield s
        else:
            async with state["db"].read_scope() as s:
                yield s

    app = FastAPI(lifespan=lifespan)

    @app.get("/clusters/{cluster_id}")
    async def get_cluster(request: Request, cluster_id: int,
                          s: Annotated[AsyncSession, Depends(session)]) -> Response:
        try:
            version, document = await service.read_document(s, cluster_id)
        except ClusterNotFound:
            return Response(b"{}", status_code=404, media_type="application/json")
        return json_bytes(document.encode(), etag=etag("cluster", cluster_id, version), request=request)

    return app


def _patched_app(mode: str):
    """The real app with its by-id read made cheaper at run time (see the module docstring)."""
    import psycopg
    from fastapi import Request
    from sqlalchemy import bindparam, select

    from api.clusters import service
    from api.clusters.errors import ClusterNotFound
    from api.clusters.models import Cluster
    from api.core.db import get_read_session
    from api.main import create_app

    prebuilt = select(Cluster.version, Cluster.document).where(Cluster.id == bindparam("cluster_id"))
    sql = "SELECT version, document FROM clusters WHERE id = %s"

    async def read_document(session, cluster_id: int):
        if isinstance(session, psycopg.AsyncConnection):
            row = await (await session.execute(sql, (cluster_id,))).fetchone()
        else:
            row = (await session.execute(prebuilt, {"cluster_id": cluster_id})).one_or_none()
        if row is None:
            raise ClusterNotFound(f"No cluster with id {cluster_id}.")
        return row[0], row[1]

    service.read_document = read_document
    app = create_app()
    if mode == "app_stmt":
        return app

    async def read_connection(request: Request):
        state = request.app.state
        engine = getattr(state, "bench_read_engine", None)
        if engine is None:
            engine = state.bench_read_engine = state.db.engine.execution_options(isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            if mode == "app_raw":
                raw = await conn.get_raw_connection()
                yield raw.driver_connection
            else:
                yield conn

    app.dependency_overrides[get_read_session] = read_connection
    return app


def _keyset_app():
    """The real app with a keyset that can walk an index (see the module docstring)."""
    from sqlalchemy import tuple_

    from api.clusters import service
    from api.core import pagination
    from api.main import create_app

    original = pagination.keyset

    def keyset(stmt, *, key, id_column, cursor, limit):
        col = key.column
        nullable = getattr(getattr(col, "expression", col), "nullable", True)
        if col is id_column or nullable:
            return original(stmt, key=key, id_column=id_column, cursor=cursor, limit=limit)
        order = [col.desc(), id_column.desc()] if key.descending else [col.asc(), id_column.asc()]
        if cursor:
            value, ident = pagination.decode_cursor(cursor, key.name)
            pair, at = tuple_(col, id_column), tuple_(value, ident)
            stmt = stmt.where(pair < at if key.descending else pair > at)
        return stmt.order_by(*order).limit(limit + 1)

    service.keyset = keyset
    return create_app()


def _build():
    step = os.environ.get("BENCH_LADDER_STEP")
    if step is None:
        return None
    return {
        "fastapi": _fastapi_psycopg,
        "sa_core": _fastapi_sa_core,
        "sa_core_build": lambda: _fastapi_sa_core(build_per_request=True),
        "sa_session_ac": lambda: _fastapi_sa_session(engine_autocommit=True),
        "sa_session": _fastapi_sa_session,
        "app_stmt": lambda: _patched_app("app_stmt"),
        "app_conn": lambda: _patched_app("app_conn"),
        "app_raw": lambda: _patched_app("app_raw"),
        "app_keyset": _keyset_app,
    }[step]()


app = _build()


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import random
    import shutil
    import tempfile
    from datetime import UTC, datetime
    from pathlib import Path

    import psycopg
    from rich.table import Table

    import run
    from common import DEFAULT_DATABASE_URL, libpq_url

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=float, default=3)
    p.add_argument("--steps", default=",".join(STEPS + WHAT_IF + LIST_STEPS))
    p.add_argument("--port", type=int, default=18600)
    args = p.parse_args(argv)
    steps = [s for s in args.steps.split(",") if s]

    for step in STEPS[1:-1]:
        run.TARGETS[step] = {"module": "ladder:app", "prefix": "/clusters/", "env": {"BENCH_LADDER_STEP": step}}
    for step in WHAT_IF + LIST_STEPS:
        run.TARGETS[step] = {"module": "ladder:app", "prefix": "/api/v1/clusters/", "cartesio": True,
                             "env": {"BENCH_LADDER_STEP": step}}
    conn = psycopg.connect(libpq_url(args.database_url), autocommit=True)
    max_id = conn.execute("SELECT max(id) FROM clusters").fetchone()[0]
    samples = conn.execute("SELECT id, version, document FROM clusters ORDER BY random() LIMIT 10").fetchall()
    work = Path(tempfile.mkdtemp(prefix="cartesio-ladder-"))
    rng = random.Random(1)
    list_files = {name: run.list_paths(conn, name, 500, rng, work) for name in run.LISTS}
    byid = run.BENCH / "wrk" / "byid.lua"
    paths_lua = run.BENCH / "wrk" / "paths.lua"
    measures = []
    server = None
    try:
        for rep in range(1, args.repeat + 1):
            run.console.rule(f"repetition {rep}/{args.repeat}")
            for i, step in enumerate(steps):
                server = run.start_server(step, port=args.port + (rep - 1) * len(steps) + i,
                                          database_url=args.database_url, pool=args.connections, log_dir=work)
                if rep == 1:
                    run.check_target(server, samples)
                if step in LIST_STEPS:
                    for lname, path in list_files.items():
                        if rep == 1:
                            run.check_list(server, lname, run.LISTS[lname]["where"], conn)
                        run.wrk(server.base, paths_lua, [str(path)], duration=2, connections=args.connections,
                                threads=args.threads, latency=False)
                        measures.append(run.measure(server, lname, rep, paths_lua, [str(path)], args=args,
                                                    latency=True))
                    server.stop()
                    server = None
                    continue
                id_args = [run.TARGETS[step]["prefix"], str(max_id)]
                run.wrk(server.base, byid, id_args, duration=args.warmup, connections=args.connections,
                        threads=args.threads, latency=False)
                measures.append(run.measure(server, "by_id", rep, byid, id_args, args=args, latency=True))
                server.stop()
                server = None
    finally:
        if server is not None:
            server.stop()
        conn.close()
    summary = run.summarise(measures)
    table = Table(title=f"By-id read, one layer at a time (medians of {args.repeat} x {args.duration:g} s, "
                        f"{args.connections} connections)")
    for col in ("step", "req/s", "req/s / ceiling", "p50 ms", "p99 ms", "server µs/req", "Δ server µs/req",
                "postgres µs/req"):
        table.add_column(col, justify="left" if col == "step" else "right")
    ceiling = summary.get("ceiling/by_id", {}).get("rps")
    app_cpu = summary.get("app/by_id", {}).get("server_cpu_us_per_req")
    previous = None
    for step in [s for s in steps if s not in LIST_STEPS]:
        s = summary[f"{step}/by_id"]
        cpu = s["server_cpu_us_per_req"]
        # Ladder steps: against the step before; what-if steps: against the real app.
        base = app_cpu if step in WHAT_IF else previous
        delta = "" if base is None else f"{cpu - base:+.0f}" + (" vs app" if step in WHAT_IF else "")
        table.add_row(step, f"{s['rps']:.0f}", f"{s['rps'] / ceiling:.2f}" if ceiling else "",
                      f"{s['p50_ms']:.2f}", f"{s['p99_ms']:.2f}", f"{cpu:.0f}", delta,
                      f"{s['postgres_cpu_us_per_req']:.0f}")
        if step not in WHAT_IF:
            previous = cpu
    run.console.print(table)
    for step in [s for s in steps if s in LIST_STEPS]:
        lt = Table(title=f"{step}: list pages at random cursors (medians of {args.repeat} x {args.duration:g} s)")
        for col in ("list", "req/s", "p50 ms", "p90 ms", "p99 ms", "server µs/req", "postgres µs/req"):
            lt.add_column(col, justify="left" if col == "list" else "right")
        for lname in list_files:
            s = summary[f"{step}/{lname}"]
            lt.add_row(lname, f"{s['rps']:.0f}", f"{s['p50_ms']:.2f}", f"{s['p90_ms']:.2f}", f"{s['p99_ms']:.2f}",
                       f"{s['server_cpu_us_per_req']:.0f}", f"{s['postgres_cpu_us_per_req']:.0f}")
        run.console.print(lt)
    out = run.BENCH / "results" / f"ladder-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"config": vars(args), "medians": summary, "runs": [m.row() for m in measures]},
                              indent=2, default=str))
    run.console.print(f"results written to {out}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
