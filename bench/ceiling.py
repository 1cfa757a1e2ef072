"""The ceiling: the least a Python server can do to answer GET /clusters/{id} from this database.

A bare Starlette app (no FastAPI, no SQLAlchemy, no validation) that runs the same single-row query as the
API (`SELECT version, document FROM clusters WHERE id = %s`) with the same driver (psycopg 3, async) through
a psycopg_pool.AsyncConnectionPool in autocommit, and returns the stored JSON with the same ETag.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/cartesio_bench BENCH_POOL_SIZE=32 \
        .venv/bin/uvicorn --app-dir bench ceiling:app --loop uvloop --http httptools --no-access-log
"""

from __future__ import annotations

import os
import sys
from contextlib import asynccontextmanager

from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import database_url, libpq_url  # noqa: E402

POOL_SIZE = int(os.environ.get("BENCH_POOL_SIZE", "32"))
QUERY = "SELECT version, document FROM clusters WHERE id = %s"

pool = AsyncConnectionPool(libpq_url(database_url()), min_size=POOL_SIZE, max_size=POOL_SIZE,
                           kwargs={"autocommit": True}, open=False)


async def get_cluster(request: Request) -> Response:
    cluster_id = request.path_params["cluster_id"]
    async with pool.connection() as conn:
        cur = await conn.execute(QUERY, (cluster_id,))
        row = await cur.fetchone()
    if row is None:
        return Response(b'{"title":"Not Found","status":404}', status_code=404, media_type="application/problem+json")
    version, document = row
    return Response(document.encode(), media_type="application/json",
                    headers={"ETag": f'"cluster-{cluster_id}-v{version}"'})


@asynccontextmanager
async def lifespan(app: Starlette):
    await pool.open(wait=True)
    try:
        yield
    finally:
        await pool.close()


app = Starlette(routes=[Route("/clusters/{cluster_id:int}", get_cluster)], lifespan=lifespan)
