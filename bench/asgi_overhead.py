"""CPU per request of the web layers alone: ASGI apps called in-process, no socket, no database.

    .venv/bin/python bench/asgi_overhead.py

Each variant answers GET /.../clusters/123 with the same 1.1 kB document and ETag. The database is replaced by
a constant, so what is left is routing, middleware, dependencies, parameter validation and the response:
the share of the app's per-request CPU that no query tuning can remove. The variants:

  starlette          bare Starlette route (what bench/ceiling.py pays besides the query)
  fastapi            bare FastAPI, `cluster_id: int`
  fastapi_like_app   bare FastAPI with the app's endpoint signature: Request, Path(ge, le), a generator
                     dependency with scope="function", api.core.http.json_bytes()
  app                the real app (api.main.create_app()) with app.state.db a stub whose read_scope() yields
                     None and service.read_document() patched to return the document
  app_no_body_limit  the same without the BodySizeLimit middleware (api/core/limits.py)
  app_healthz        the real app, GET /healthz (a route matched before the /api/v1 routers)
"""

import asyncio
import os
import statistics
import sys
import time
from contextlib import asynccontextmanager
from typing import Annotated

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

DOC = ('{"id":123,"slug":"distretto-conciario-di-santa-croce-sull-arno-123","name":"Distretto conciario",'
       + '"x":"' + "y" * 950 + '"}')


def starlette_app():
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def get_cluster(request):
        cid = request.path_params["cluster_id"]
        return Response(DOC.encode(), media_type="application/json", headers={"ETag": f'"cluster-{cid}-v1"'})

    return Starlette(routes=[Route("/clusters/{cluster_id:int}", get_cluster)]), "/clusters/123"


def fastapi_app():
    from fastapi import FastAPI, Response

    app = FastAPI()

    @app.get("/clusters/{cluster_id}")
    async def get_cluster(cluster_id: int) -> Response:
        return Response(DOC.encode(), media_type="application/json", headers={"ETag": f'"cluster-{cluster_id}-v1"'})

    return app, "/clusters/123"


def fastapi_like_app():
    from fastapi import Depends, FastAPI, Path, Request, Response

    from api.core.etag import etag
    from api.core.http import json_bytes

    async def session():
        yield None

    app = FastAPI()

    @app.get("/api/v1/clusters/{cluster_id}")
    async def get_cluster(request: Request, cluster_id: Annotated[int, Path(ge=1, le=2**62)],
                          s: Annotated[object, Depends(session, scope="function")]) -> Response:
        return json_bytes(DOC.encode(), etag=etag("cluster", cluster_id, 1), request=request)

    return app, "/api/v1/clusters/123"


class _StubDatabase:
    @asynccontextmanager
    async def read_scope(self):
        yield None

    @asynccontextmanager
    async def session_scope(self):
        yield None


def real_app(*, body_limit: bool = True, path: str = "/api/v1/clusters/123"):
    os.environ.setdefault("CARTESIO_ENVIRONMENT", "development")
    from api.clusters import service
    from api.core.config import Settings
    from api.main import create_app

    async def read_document(session, cluster_id):
        return 1, DOC

    service.read_document = read_document
    app = create_app(Settings(environment="development"))
    app.state.db = _StubDatabase()
    if not body_limit:
        app.user_middleware = [m for m in app.user_middleware if m.cls.__name__ != "BodySizeLimit"]
        app.middleware_stack = None
    return app, path


VARIANTS = {
    "starlette": starlette_app,
    "fastapi": fastapi_app,
    "fastapi_like_app": fastapi_like_app,
    "app": real_app,
    "app_no_body_limit": lambda: real_app(body_limit=False),
    "app_healthz": lambda: real_app(path="/healthz"),
}


async def time_app(app, path: str, *, n: int, batches: int) -> tuple[float, int]:
    scope_base = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"127.0.0.1:18400"), (b"user-agent", b"wrk"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 18400), "state": {},
    }
    status = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    async def one():
        await app(dict(scope_base, state={}), receive, send)

    for _ in range(500):  # warm-up
        await one()
    results = []
    for _ in range(batches):
        t0 = time.perf_counter()
        for _ in range(n):
            await one()
        results.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(results), status[-1]


def main() -> int:
    import argparse

    try:
        import uvloop
    except ImportError:
        uvloop = None
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=5000, help="requests per batch")
    p.add_argument("--batches", type=int, default=5)
    p.add_argument("--variants", default=",".join(VARIANTS))
    args = p.parse_args()
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"In-process ASGI cost per request (median of {args.batches} x {args.requests}, "
                        "no socket, no database)")
    for col in ("variant", "status", "µs/request"):
        table.add_column(col, justify="left" if col == "variant" else "right")
    runner = uvloop.run if uvloop else asyncio.run
    for name in args.variants.split(","):
        app, path = VARIANTS[name]()
        us, status = runner(time_app(app, path, n=args.requests, batches=args.batches))
        table.add_row(name, str(status), f"{us:.1f}")
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
