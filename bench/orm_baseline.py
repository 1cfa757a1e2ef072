"""The baseline to beat: GET /clusters/{id} written the straightforward FastAPI + SQLAlchemy + Pydantic way.

Loads the Cluster ORM object with selectinload of its sectors, recognitions, sources (+ their document) and
coordinating body through an ordinary AsyncSession (default transaction: BEGIN ... ROLLBACK on close, no
autocommit), builds ClusterRead with model_validate from a dict of the ORM fields and returns it through
`response_model=ClusterRead`, so FastAPI validates and serialises it again. Reuses the project's models and
schemas; nothing of the project's read path (stored `document`, autocommit read scope).

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/cartesio_bench BENCH_POOL_SIZE=32 \
        .venv/bin/uvicorn --app-dir bench orm_baseline:app --loop uvloop --http httptools --no-access-log
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import selectinload

import api.models  # noqa: F401  (every mapper, so relationships resolve)
from api.clusters.models import Cluster, ClusterSource
from api.clusters.schemas import ClusterRead

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import database_url  # noqa: E402

POOL_SIZE = int(os.environ.get("BENCH_POOL_SIZE", "32"))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_async_engine(database_url(), pool_size=POOL_SIZE, max_overflow=10)
    app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    try:
        yield
    finally:
        await engine.dispose()


app = FastAPI(title="ORM baseline", lifespan=lifespan)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def fields(cluster: Cluster) -> dict[str, Any]:
    """The ORM object's fields in the shape of ClusterRead (nested objects left to from_attributes)."""
    return {
        "id": cluster.id, "slug": cluster.slug, "name": cluster.name, "kind": cluster.kind,
        "country": cluster.country, "region_code": cluster.region_code, "region_name": cluster.region_name,
        "locality": cluster.locality, "location_text": cluster.location_text, "latitude": cluster.latitude,
        "longitude": cluster.longitude,
        "enterprises": {"count": cluster.enterprises_count, "approximate": cluster.enterprises_approximate,
                        "note": cluster.enterprises_note},
        "employees": {"count": cluster.employees_count, "approximate": cluster.employees_approximate,
                      "note": cluster.employees_note},
        "website": cluster.website, "website_note": cluster.website_note,
        "coordinating_body": cluster.coordinating_body,
        "constitutive_elements": cluster.constitutive_elements, "eco_innovation": cluster.eco_innovation,
        "tags": cluster.tags or [],
        "sectors": [{"label": s.label, "nace": s.nace_codes or []} for s in cluster.sectors],
        "recognitions": cluster.recognitions,
        "sources": [{"document": s.document.key, "title": s.document.title, "locator": s.locator,
                     "fields": s.fields} for s in cluster.sources],
        "version": cluster.version, "created_at": cluster.created_at, "updated_at": cluster.updated_at,
    }


@app.get("/clusters/{cluster_id}", response_model=ClusterRead)
async def get_cluster(cluster_id: Annotated[int, Path(ge=1)], session: SessionDep, response: Response) -> Any:
    cluster = await session.scalar(
        select(Cluster).where(Cluster.id == cluster_id).options(
            selectinload(Cluster.sectors),
            selectinload(Cluster.recognitions),
            selectinload(Cluster.sources).selectinload(ClusterSource.document),
            selectinload(Cluster.coordinating_body),
        )
    )
    if cluster is None:
        raise HTTPException(status_code=404, detail=f"No cluster with id {cluster_id}.")
    response.headers["ETag"] = f'"cluster-{cluster.id}-v{cluster.version}"'
    return ClusterRead.model_validate(fields(cluster))
