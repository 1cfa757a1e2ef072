"""/metrics in the Prometheus text format: requests and their latency by route template, the database pools, and
the worker's queues.

Requests are labelled by the route's template (/api/v1/clusters/{cluster_id}), never by the raw path, whose ids
would make a new series per record; what no route matched (the web client's pages, unknown addresses) is
`unmatched`. With `cartesio serve --workers N` each process counts its own requests: the command points
prometheus-client's multiprocess mode at a directory under the var dir (emptied at start), so that the process
answering a scrape reports the sums of all of them. Pool gauges are sampled by each process at most once a
second while it serves requests, and by the scraping one at every scrape; the queues are counted in the database
at every scrape.
"""

from __future__ import annotations

import hmac
import logging
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response

from api.core.errors import NotFound, Unauthorized, render

logger = logging.getLogger("cartesio.metrics")
# Chosen by prometheus-client when it is first imported, from the same variable (set by `cartesio serve`).
MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
# By-id reads take about a millisecond; screenings and batch uploads seconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SAMPLE_EVERY_SECONDS = 1.0

REQUESTS = Counter("cartesio_http_requests", "HTTP requests answered, by method, route template and status.",
                   ["method", "route", "status"])
LATENCY = Histogram("cartesio_http_request_duration_seconds",
                    "Time from a request's arrival to its answer's last byte, by method and route template.",
                    ["method", "route"], buckets=BUCKETS)
# livesum: with several processes, the sum over the ones running.
POOL_SIZE = Gauge("cartesio_db_pool_size", "Connections a database pool may hold open (orm: without overflow).",
                  ["pool"], multiprocess_mode="livesum")
POOL_CHECKED_OUT = Gauge("cartesio_db_pool_checked_out", "Connections of a database pool in use.",
                         ["pool"], multiprocess_mode="livesum")
POOL_WAITING = Gauge("cartesio_db_pool_waiting", "Requests waiting for a connection of the read pool.",
                     ["pool"], multiprocess_mode="livesum")


class RequestMetrics:
    """Counts one answered request; label children are looked up once per (method, route, status)."""

    def __init__(self) -> None:
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._sampled = 0.0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        # Any word is a method to HTTP: unknown ones share one label, so that a caller cannot grow the series.
        key = (method if method in METHODS else "other", route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (REQUESTS.labels(key[0], route, str(status)),
                                              LATENCY.labels(key[0], route))
        children[0].inc()
        children[1].observe(seconds)

    def maybe_sample(self, db: Any) -> None:
        now = time.monotonic()
        if now - self._sampled >= SAMPLE_EVERY_SECONDS:
            self._sampled = now
            sample_pools(db)


def sample_pools(db: Any) -> None:
    """The ORM pool (SQLAlchemy) and, on PostgreSQL, the by-id read pool (psycopg), as this process sees them."""
    if db is None:
        return
    pool = db.engine.pool
    if hasattr(pool, "checkedout"):
        POOL_SIZE.labels("orm").set(pool.size())
        POOL_CHECKED_OUT.labels("orm").set(pool.checkedout())
    reader = getattr(db.rows, "pool", None)
    if reader is not None:
        stats = reader.get_stats()
        POOL_SIZE.labels("read").set(stats.get("pool_max", 0))
        POOL_CHECKED_OUT.labels("read").set(stats.get("pool_size", 0) - stats.get("pool_available", 0))
        POOL_WAITING.labels("read").set(stats.get("requests_waiting", 0))


async def queue_depths(db: Any) -> dict[str, int]:
    """What the worker has still to do: webhook deliveries pending, screenings queued, messages not yet mailed."""
    from sqlalchemy import func, select

    from api.screenings.models import Screening
    from api.training.models import Message
    from api.webhooks.models import WebhookDelivery

    def count(model: Any, condition: Any) -> Any:
        return select(func.count()).select_from(model).where(condition).scalar_subquery()

    stmt = select(count(WebhookDelivery, WebhookDelivery.status == "pending"),
                  count(Screening, Screening.status == "queued"),
                  count(Message, Message.sent_at.is_(None)))
    async with db.read_scope() as session:
        row = (await session.execute(stmt)).one()
    return dict(zip(("webhook_deliveries", "screenings", "mails"), (int(value) for value in row), strict=True))


class _Collected:
    """Families computed for one scrape, or those of another collector, for a registry made per scrape."""

    def __init__(self, families: Iterable[Metric] | None = None, *, source: Any = None):
        self.families, self.source = list(families or ()), source

    def collect(self) -> Iterable[Metric]:
        return self.source.collect() if self.source is not None else self.families


def exposition(depths: dict[str, int]) -> bytes:
    """The text format: this process's metrics or, with several processes, their sums; then the queues."""
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS_DIR:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Collected(source=REGISTRY))
    queue = GaugeMetricFamily("cartesio_queue_depth", "Work waiting for the worker, counted in the database.",
                              labels=["queue"])
    for name, value in depths.items():
        queue.add_metric([name], value)
    if depths:
        registry.register(_Collected([queue]))
    return generate_latest(registry)


async def scrape(request: Request) -> Response:
    """The metrics of every process of this server, in the Prometheus text format."""
    settings = request.app.state.settings
    if not settings.metrics_enabled:
        return render(request, NotFound(f"No resource at {request.url.path}."))
    if settings.metrics_token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = settings.metrics_token.get_secret_value()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            return render(request, Unauthorized("/metrics needs the bearer token set in CARTESIO_METRICS_TOKEN."))
    db = request.app.state.db
    sample_pools(db)
    try:
        depths = await queue_depths(db)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:  # the rest matters most when the database is in trouble
        logger.warning("queue depths not counted: %s", type(exc).__name__)
        depths = {}
    body = exposition(depths)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def prepare_multiprocess_dir(var_dir: Path) -> Path:
    """An empty directory for the processes' metric files, named in the environment the workers inherit.

    Emptied at every start: files of an earlier run would be added to this one's counts.
    """
    directory = var_dir / "metrics"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory


def process_stopped() -> None:
    """Drop this process's gauges from the sums (its counters stay: what it served still counts)."""
    if MULTIPROCESS_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid(), MULTIPROCESS_DIR)
