"""Mixed load at a stated request rate, with 1 and 2 app processes: public reads, sync batches, statistics, registrations.

    .venv/bin/python bench/load.py                        # 1 and 2 processes: 300 s paced at 100 req/s + 60 s saturation
    .venv/bin/python bench/load.py --duration 30 --warmup 5 --saturate 30           # a quick look
    .venv/bin/python bench/load.py --rate 100,150,200,250 --duration 60 --saturate 0  # the highest rate that passes

The server is the real command, `cartesio serve --workers N`, on its own database (`cartesio_bench_load`, filled by
generate.py when it does not hold the clusters and organizations asked). For each N in --workers, in turn:

1. start the server; create (through the API, as an administrator made with the CLI) 8 enterprise users of
   8 organizations and 4 future events (three with 100,000 seats, one with 25 seats, so most of its answers are
   places on the waiting list); the sync service account writes as source `lombardia` (regions ITC4);
2. make sure the sync source holds its 5,000 records (created once, in batches of 1,000, not measured);
3. warm up at the stated rate (--warmup seconds, not measured);
4. the paced run: requests are sent on a fixed schedule (`--rate` per second, open loop: a slow answer never
   delays the next request) for --duration seconds. Latency is measured from the moment the request was due,
   not from when it was sent, so a stall counts in full for every request it held up (no coordinated omission);
5. the saturation run (--saturate seconds, 0 skips it): --connections connections each send the next request
   as soon as the previous answer arrived: the most the box serves with this mix;
6. stop the server.

Each request is one of (weights in --mix):

* cluster:      GET /api/v1/clusters/{random id of the generated clusters}                           200
* organization: GET /api/v1/organizations/{random id of the 1,000,000}                               200
* list:         a filtered cluster list page (3 filters), first page or one of 300 random cursors    200
* stats:        a dashboard statistic (clusters by country, kind, size, sector; organizations),
                with If-None-Match of the last ETag the client saw for it, as a dashboard polls       200 or 304
* register:     POST /api/v1/events/{id}/registrations, a new e-mail each time; two in three by an
                enterprise user (a seat or a place on the waiting list), one in three anonymous (pending
                until the e-mailed link is followed)                                                  201
* batch:        POST /api/v1/sync/lombardia/clusters:batch, 100 of its records with changed content    200

Any other answer, a timeout or a broken connection is an error. The paced run passes with 0 errors, the rate
achieved (requests / time from the first one due to the last answer) within 2 % of the stated one and an overall
p99 under --p99-limit (a server that does not keep up builds a queue, and its p99 grows with the run). The load
generator is this process (uvloop, httptools, keep-alive connections): it reports its own CPU next to the
server's (all its processes) and PostgreSQL's, since all three share the machine. The rate limiter is off (the
load comes from one loopback address standing for many clients); the app's JSON access log is on, as in
production. Results go to bench/results/load-<UTC time>.json, the server's log without its access lines next to it.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import math
import os
import platform
import random
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, Self

import httptools
import httpx
import orjson
import psycopg
import uvloop
from rich.console import Console
from rich.table import Table

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import generate
import synclib
from common import libpq_url

from api.core.pagination import encode_cursor

console = Console(width=150)
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cartesio_bench_load"
SOURCE, REGIONS, PREFIX = "lombardia", "ITC4", "LOAD"

KINDS = ("cluster", "organization", "list", "stats", "register", "batch")
DEFAULT_MIX = "cluster=55,organization=20,list=15,stats=4,register=5,batch=1"
EXPECTED = {"cluster": {200}, "organization": {200}, "list": {200}, "stats": {200, 304}, "register": {201},
            "batch": {200}}
LISTS = (
    ("/api/v1/clusters?country=IT&kind=industrial_district&limit=50", "country = 'IT' AND kind = 'industrial_district'"),
    ("/api/v1/clusters?region=ITI&min_enterprises=50&limit=50", "region_code LIKE 'ITI%%' AND enterprises_count >= 50"),
    ("/api/v1/clusters?kind=cluster&limit=20", "kind = 'cluster'"),
)
STATS = ("/api/v1/stats/clusters?group_by=country", "/api/v1/stats/clusters?group_by=kind",
         "/api/v1/stats/clusters?group_by=size", "/api/v1/stats/clusters?group_by=sector",
         "/api/v1/stats/organizations")
ENTERPRISE_USERS = 8
EVENT_CAPACITIES = (100_000, 100_000, 100_000, 25)
SYNC_RECORDS = 5_000
BATCH_RECORDS = 100
# Per process; two processes stay well under PostgreSQL's default max_connections (100), and more connections
# than cores buy nothing on this machine.
POOL_ENV = {"CARTESIO_DB_POOL_SIZE": "8", "CARTESIO_DB_MAX_OVERFLOW": "4", "CARTESIO_DB_READ_POOL_SIZE": "12"}


# ---- a small HTTP/1.1 client: keep-alive connections, httptools parser ------------------------------------

class Reply(NamedTuple):
    status: int
    etag: bytes | None
    body: bytes


class Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[Reply] | None = None
        self.closed = False
        self.keep_alive = True
        self.last_used = 0.0
        self.etag: bytes | None = None
        self.chunks: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)
            self.close()

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"etag":
            self.etag = value

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        reply = Reply(self.parser.get_status_code(), self.etag, b"".join(self.chunks))
        self.keep_alive = self.parser.should_keep_alive()
        self.etag, self.chunks = None, []
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionResetError("connection closed by the server"))

    def _fail(self, exc: BaseException) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def send(self, data: bytes, timeout: float) -> Reply:
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self.waiter = waiter = loop.create_future()
        # A timer on the future is cheaper than asyncio.wait_for's task per request.
        timer = loop.call_later(timeout, self._fail, TimeoutError(f"no answer within {timeout:g} s"))
        self.transport.write(data)
        try:
            return await waiter
        finally:
            timer.cancel()
            self.waiter = None


class Pool:
    """At most `limit` connections to the server; an idle connection is reused only while the server surely keeps
    it open (uvicorn closes idle keep-alive connections after 5 s)."""

    def __init__(self, host: str, port: int, limit: int, max_idle: float = 2.0):
        self.host, self.port, self.max_idle = host, port, max_idle
        self.slots = asyncio.Semaphore(limit)
        self.idle: list[Connection] = []
        self.opened = 0
        self.busy = 0
        self.peak_busy = 0

    async def request(self, data: bytes, timeout: float) -> Reply:
        async with self.slots:
            loop = asyncio.get_running_loop()
            conn = None
            while self.idle:
                candidate = self.idle.pop()
                if not candidate.closed and loop.time() - candidate.last_used < self.max_idle:
                    conn = candidate
                    break
                candidate.close()
            if conn is None:
                _, conn = await loop.create_connection(Connection, self.host, self.port)
                self.opened += 1
            self.busy += 1
            self.peak_busy = max(self.peak_busy, self.busy)
            try:
                reply = await conn.send(data, timeout)
            except BaseException:
                conn.close()
                raise
            finally:
                self.busy -= 1
            if conn.keep_alive and not conn.closed:
                conn.last_used = loop.time()
                self.idle.append(conn)
            else:
                conn.close()
            return reply

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()


def http_request(method: str, path: str, host: str, headers: tuple[str, ...] = (), body: bytes | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *headers]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


# ---- the workload ----------------------------------------------------------------------------------------

@dataclass
class Fixture:
    """What the requests need, made once per server start."""

    host: str
    clusters: int                  # generated clusters: ids 1..clusters
    organizations: int             # ids 1..organizations
    list_paths: list[str]
    events: list[int]
    user_tokens: list[str]
    sync_token: str
    batch_bodies: list[bytes]
    run_tag: str


class Workload:
    """Picks the next request by weight and builds its bytes; remembers the stats ETags like a dashboard does."""

    def __init__(self, fx: Fixture, mix: dict[str, float], seed: int):
        self.fx = fx
        self.rng = random.Random(seed)
        self.kinds = [k for k in KINDS if mix.get(k, 0) > 0]
        self.cum = list(itertools.accumulate(mix[k] for k in self.kinds))
        self.etags: dict[str, bytes] = {}
        self.registrations = itertools.count(1)
        self.batches = itertools.cycle(fx.batch_bodies) if fx.batch_bodies else None
        self.sync_auth = f"Authorization: Bearer {fx.sync_token}"
        self.user_auth = [f"Authorization: Bearer {t}" for t in fx.user_tokens]

    def pick(self) -> str:
        return self.kinds[bisect.bisect_right(self.cum, self.rng.random() * self.cum[-1])]

    def build(self, kind: str) -> tuple[bytes, str | None]:
        """The request's bytes and, for a statistic, its path (to keep the ETag of the answer)."""
        fx, rng, host = self.fx, self.rng, self.fx.host
        if kind == "cluster":
            return http_request("GET", f"/api/v1/clusters/{rng.randint(1, fx.clusters)}", host), None
        if kind == "organization":
            return http_request("GET", f"/api/v1/organizations/{rng.randint(1, fx.organizations)}", host), None
        if kind == "list":
            return http_request("GET", rng.choice(fx.list_paths), host), None
        if kind == "stats":
            path = rng.choice(STATS)
            tag = self.etags.get(path)
            return http_request("GET", path, host, (f"If-None-Match: {tag.decode()}",) if tag else ()), path
        if kind == "register":
            n = next(self.registrations)
            body = orjson.dumps({"name": f"Partecipante {n}", "email": f"load.{fx.run_tag}.{n}@example.org",
                                 "role": "Responsabile ambiente"})
            headers = () if n % 3 == 0 else (self.user_auth[n % len(self.user_auth)],)
            return http_request("POST", f"/api/v1/events/{rng.choice(fx.events)}/registrations", host, headers,
                                body), None
        if kind == "batch":
            assert self.batches is not None
            return http_request("POST", f"/api/v1/sync/{SOURCE}/clusters:batch", host, (self.sync_auth,),
                                next(self.batches)), None
        raise ValueError(kind)

    def seen(self, path: str | None, reply: Reply) -> None:
        if path is not None and reply.status == 200 and reply.etag:
            self.etags[path] = reply.etag


@dataclass
class Recorder:
    latency: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    statuses: dict[str, Counter] = field(default_factory=lambda: {k: Counter() for k in KINDS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    samples: list[str] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)  # how late requests left the generator (paced runs)
    first: float = math.inf
    last: float = 0.0

    def add(self, kind: str, due: float, done: float, outcome: Reply | BaseException) -> None:
        self.latency[kind].append(done - due)
        self.first, self.last = min(self.first, due), max(self.last, done)
        if isinstance(outcome, BaseException):
            label = type(outcome).__name__
            self.statuses[kind][label] += 1
            self.errors[kind] += 1
            if len(self.samples) < 10:
                self.samples.append(f"{kind}: {label} {outcome}")
            return
        self.statuses[kind][outcome.status] += 1
        if outcome.status not in EXPECTED[kind]:
            self.errors[kind] += 1
            if len(self.samples) < 10:
                self.samples.append(f"{kind}: {outcome.status} {outcome.body[:300]!r}")


async def one(pool: Pool, workload: Workload, rec: Recorder, kind: str, due: float, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    data, path = workload.build(kind)
    try:
        reply: Reply | BaseException = await pool.request(data, timeout)
    except (TimeoutError, OSError, httptools.HttpParserError) as exc:
        reply = exc
    rec.add(kind, due, loop.time(), reply)
    if isinstance(reply, Reply):
        workload.seen(path, reply)


async def paced(pool: Pool, workload: Workload, *, rate: float, duration: float, timeout: float) -> Recorder:
    """Open loop: request i is due at start + i / rate, whatever happened to the ones before."""
    loop = asyncio.get_running_loop()
    rec = Recorder()
    total = int(rate * duration)
    start = loop.time() + 0.05
    tasks: set[asyncio.Task] = set()
    i = 0
    while i < total:
        now = loop.time()
        due_count = min(total, int((now - start) * rate) + 1)
        while i < due_count:
            due = start + i / rate
            rec.lag.append(now - due)
            task = loop.create_task(one(pool, workload, rec, workload.pick(), due, timeout))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1
        if i < total:
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
    if tasks:
        await asyncio.wait(tasks, timeout=timeout + 5)
    rec.first = min(rec.first, start)
    return rec


async def saturate(pool: Pool, workload: Workload, *, connections: int, duration: float, timeout: float) -> Recorder:
    """Closed loop: each of `connections` clients sends its next request when the previous answer arrived."""
    loop = asyncio.get_running_loop()
    rec = Recorder()
    end = loop.time() + duration

    async def client() -> None:
        while loop.time() < end:
            await one(pool, workload, rec, workload.pick(), loop.time(), timeout)

    await asyncio.gather(*(client() for _ in range(connections)))
    return rec


# ---- CPU of the server's process tree, of PostgreSQL, of this process --------------------------------------

def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class CpuMeter:
    """CPU seconds of the server (all its processes), PostgreSQL and this load generator over a phase."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid

    def __enter__(self) -> Self:
        self.pids = process_tree(self.server_pid)
        self.s0 = {pid: synclib.cpu_seconds(pid) for pid in self.pids}
        self.p0 = synclib.postgres_ticks()
        self.c0 = self_cpu()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.client = self_cpu() - self.c0
        self.postgres = synclib.postgres_seconds_since(self.p0)
        self.server = sum(synclib.cpu_seconds(pid) - self.s0.get(pid, 0.0) for pid in process_tree(self.server_pid))


# ---- the server ------------------------------------------------------------------------------------------

class AppServer:
    """`cartesio serve --workers N` on a loopback port, in its own process group."""

    def __init__(self, url: str, port: int, workers: int, jwt_secret: str):
        self.var_dir = tempfile.mkdtemp(prefix="cartesio-load-var-")
        self.log = Path(self.var_dir) / "server.log"
        self.base = f"http://127.0.0.1:{port}"
        env = synclib.app_env(url, self.var_dir, CARTESIO_JWT_SECRET=jwt_secret,
                              CARTESIO_RATE_LIMIT_ANONYMOUS_PER_SECOND="0", **POOL_ENV)
        args = [sys.executable, "-c", "from api.cli import main; main()", "serve", "--workers", str(workers),
                "--port", str(port)]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(args, cwd=synclib.ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        synclib.wait_until_healthy(self.proc, self.base, self.log, 90, self.stop)
        # With several workers /healthz answers as soon as the first is up: wait until all of them are.
        deadline = time.monotonic() + 60
        while len(process_tree(self.proc.pid)) < (1 if workers == 1 else workers + 1) and time.monotonic() < deadline:
            time.sleep(0.3)
        time.sleep(2 if workers > 1 else 0)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, keep_log: Path | None = None) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own process group only
                self.proc.wait(timeout=5)
        if keep_log is not None and self.log.exists():
            # Everything but the access lines of answered requests (one per request): start-up, warnings, errors.
            keep_log.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log, "rb") as src, open(keep_log, "wb") as dst:
                for line in src:
                    if b'"logger": "cartesio.access"' not in line or b'"status": 5' in line:
                        dst.write(line)
        shutil.rmtree(self.var_dir, ignore_errors=True)


# ---- preparation -----------------------------------------------------------------------------------------

def prepare_database(url: str, *, clusters: int, organizations: int, recreate: bool) -> tuple[int, int]:
    """The database at head with the generated registry; returns (clusters, organizations) generated."""
    generate.database_at_head(url, recreate=recreate)
    with psycopg.connect(libpq_url(url)) as conn:
        n_clusters, n_orgs = conn.execute(
            "SELECT (SELECT count(*) FROM clusters WHERE source IS NULL AND id <= %s),"
            " (SELECT count(*) FROM organizations WHERE id <= %s)", (clusters, organizations)).fetchone()
    if (n_clusters, n_orgs) != (clusters, organizations):
        console.print(f"{n_clusters:,} clusters and {n_orgs:,} organizations present, {clusters:,} and "
                      f"{organizations:,} wanted: generating")
        generate.generate(url, clusters=clusters, organizations=organizations, reset=True, seed=42,
                          drop_indexes=True)
    return clusters, organizations


def list_paths(url: str, per_list: int, rng: random.Random) -> list[str]:
    """Each list's first page plus pages at `per_list` random positions (cursors of random matching rows)."""
    out: list[str] = []
    with psycopg.connect(libpq_url(url)) as conn:
        for path, where in LISTS:
            rows = conn.execute(f"SELECT name, id FROM clusters WHERE {where} AND source IS NULL "
                                f"ORDER BY random() LIMIT %s", (per_list,)).fetchall()
            if not rows:
                raise SystemExit(f"no cluster matches {path}: is the database filled?")
            out += [path] + [f"{path}&cursor={encode_cursor('name', n, i)}" for n, i in rows]
    rng.shuffle(out)
    return out


def enterprise_ids(url: str, count: int) -> list[int]:
    with psycopg.connect(libpq_url(url)) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM organizations WHERE kind = 'enterprise' ORDER BY id "
                                           "LIMIT %s", (count,))]


def sync_records_present(url: str) -> int:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute("SELECT count(*) FROM clusters WHERE source = %s AND external_id LIKE %s",
                            (SOURCE, f"{PREFIX}-%")).fetchone()[0]


def batch_bodies(base: list[dict[str, Any]], count: int, seed: int) -> list[bytes]:
    """`count` batches of BATCH_RECORDS records of the sync source, each record with new content (always a real
    change, so every batch writes). Bodies are cycled when a run needs more; a record sent again is still a
    change, since later batches changed it meanwhile."""
    factory = synclib.RecordFactory(seed=seed, prefix=PREFIX)
    rng = random.Random(seed)
    return [orjson.dumps([factory.changed(base[i], n) for i in rng.sample(range(len(base)), BATCH_RECORDS)])
            for n in range(count)]


@dataclass
class Accounts:
    admin_email: str
    admin_password: str
    sync_id: str
    sync_secret: str


def make_accounts(url: str, run_tag: str) -> Accounts:
    email, password = f"load-admin-{run_tag}@cartesio.example", secrets.token_urlsafe(18)
    synclib.cartesio(synclib.ROOT, url, "users", "create", "--email", email, "--password", password, "--role", "admin")
    sync_id, sync_secret = synclib.create_client(synclib.ROOT, url, name=f"Load test {run_tag}", source=SOURCE,
                                                 regions=REGIONS)
    return Accounts(email, password, sync_id, sync_secret)


def password_token(client: httpx.Client, email: str, password: str) -> str:
    r = client.post("/api/v1/auth/token", data={"grant_type": "password", "username": email, "password": password})
    r.raise_for_status()
    return r.json()["access_token"]


def fixture(server: AppServer, url: str, acc: Accounts, *, n_clusters: int, n_orgs: int, paths: list[str],
            bodies: list[bytes], base: list[dict[str, Any]], label: str) -> Fixture:
    """Users, events and the sync source's records for one server start (fresh events: equal footing per run)."""
    run_tag = f"{label}{secrets.token_hex(3)}"
    with httpx.Client(base_url=server.base, timeout=120) as client:
        admin = {"Authorization": f"Bearer {password_token(client, acc.admin_email, acc.admin_password)}"}
        sync_token = synclib.access_token(server.base, acc.sync_id, acc.sync_secret)
        present = sync_records_present(url)
        if present < len(base):
            console.print(f"  the sync source holds {present:,} of its {len(base):,} records: sending them")
            for start in range(0, len(base), 1000):
                r = client.post(f"/api/v1/sync/{SOURCE}/clusters:batch", content=orjson.dumps(base[start:start + 1000]),
                                headers={"Authorization": f"Bearer {sync_token}", "Content-Type": "application/json"})
                r.raise_for_status()
        tokens = []
        for i, org_id in enumerate(enterprise_ids(url, ENTERPRISE_USERS)):
            email, password = f"load-{run_tag}-{i}@cartesio.example", secrets.token_urlsafe(18)
            r = client.post("/api/v1/users", headers=admin, json={
                "email": email, "password": password, "role": "enterprise", "organization_id": org_id,
                "full_name": f"Referente {i}"})
            r.raise_for_status()
            tokens.append(password_token(client, email, password))
        starts = datetime.now(UTC) + timedelta(days=60)
        events = []
        for i, capacity in enumerate(EVENT_CAPACITIES):
            begin = (starts + timedelta(days=i)).replace(hour=9, minute=30, second=0, microsecond=0, tzinfo=None)
            r = client.post("/api/v1/events", headers=admin, json={
                "title": f"Seminario sull'economia circolare {run_tag}-{i}", "kind": "seminar",
                "starts_at": begin.isoformat(), "ends_at": (begin + timedelta(hours=4)).isoformat(),
                "capacity": capacity, "topics": [], "venue": "Camera di Commercio"})
            r.raise_for_status()
            events.append(r.json()["id"])
    return Fixture(host=server.base.removeprefix("http://"), clusters=n_clusters, organizations=n_orgs,
                   list_paths=paths, events=events, user_tokens=tokens, sync_token=sync_token, batch_bodies=bodies,
                   run_tag=run_tag)


# ---- figures ---------------------------------------------------------------------------------------------

def pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))]


def summarize(rec: Recorder, cpu: CpuMeter, *, target: float | None, pool: Pool) -> dict[str, Any]:
    # From the first request's due time to the last answer: a server that falls behind stretches it.
    seconds = rec.last - rec.first if rec.last > rec.first else 0.0
    kinds: dict[str, Any] = {}
    everything: list[float] = []
    for kind in KINDS:
        values = sorted(rec.latency[kind])
        if not values:
            continue
        everything += values
        kinds[kind] = {"requests": len(values), "errors": rec.errors[kind],
                       "statuses": {str(k): v for k, v in rec.statuses[kind].items()},
                       **{f"p{q}_ms": round(pct(values, q) * 1000, 2) for q in (50, 95, 99)},
                       "max_ms": round(values[-1] * 1000, 2)}
    everything.sort()
    n = len(everything)
    lag = sorted(rec.lag)
    out = {
        "requests": n, "errors": sum(rec.errors.values()), "seconds": round(seconds, 2),
        "rate": round(n / seconds, 1) if seconds else 0.0, "target_rate": target,
        **{f"p{q}_ms": round(pct(everything, q) * 1000, 2) for q in (50, 95, 99)},
        "max_ms": round(everything[-1] * 1000, 2) if everything else None,
        "kinds": kinds, "error_samples": rec.samples,
        "cpu": {"server_s": round(cpu.server, 2), "postgres_s": round(cpu.postgres, 2),
                "load_generator_s": round(cpu.client, 2), "wall_s": round(cpu.wall, 2),
                "server_us_per_req": round(cpu.server * 1e6 / n) if n else None,
                "postgres_us_per_req": round(cpu.postgres * 1e6 / n) if n else None,
                "load_generator_us_per_req": round(cpu.client * 1e6 / n) if n else None},
        "connections_opened": pool.opened, "peak_in_flight": pool.peak_busy,
    }
    if lag:
        out["send_lag_ms"] = {"p99": round(pct(lag, 99) * 1000, 2), "max": round(lag[-1] * 1000, 2)}
    return out


def show(title: str, s: dict[str, Any]) -> None:
    table = Table(title=title, title_justify="left")
    for col in ("kind", "requests", "share", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "answers"):
        table.add_column(col, justify="left" if col in ("kind", "answers") else "right")
    for kind, k in s["kinds"].items():
        table.add_row(kind, f"{k['requests']:,}", f"{100 * k['requests'] / s['requests']:.1f} %", f"{k['p50_ms']:.1f}",
                      f"{k['p95_ms']:.1f}", f"{k['p99_ms']:.1f}", f"{k['max_ms']:.1f}",
                      f"[red]{k['errors']}[/]" if k["errors"] else "0",
                      " ".join(f"{code}×{n}" for code, n in sorted(k["statuses"].items())))
    table.add_row("[b]all[/]", f"[b]{s['requests']:,}[/]", "100 %", f"[b]{s['p50_ms']:.1f}[/]", f"[b]{s['p95_ms']:.1f}[/]",
                  f"[b]{s['p99_ms']:.1f}[/]", f"{s['max_ms']:.1f}", f"[b]{s['errors']}[/]", "")
    console.print(table)
    c = s["cpu"]
    wall = c["wall_s"] or 1
    target = f" (stated {s['target_rate']:g})" if s.get("target_rate") else ""
    lag = s.get("send_lag_ms")
    console.print(f"  rate achieved [b]{s['rate']:.1f} req/s[/]{target}; CPU over {wall:.0f} s, in cores: server "
                  f"{c['server_s'] / wall:.2f}, PostgreSQL {c['postgres_s'] / wall:.2f}, load generator "
                  f"{c['load_generator_s'] / wall:.2f}; per request: server {c['server_us_per_req']} µs, PostgreSQL "
                  f"{c['postgres_us_per_req']} µs, generator {c['load_generator_us_per_req']} µs; peak in flight "
                  f"{s['peak_in_flight']}, connections opened {s['connections_opened']}"
                  + (f"; send lag p99 {lag['p99']:.1f} ms, max {lag['max']:.1f} ms" if lag else ""))
    for sample in s["error_samples"]:
        console.print(f"  [red]{sample}[/]")


def run_phase(server: AppServer, workload: Workload, *, mode: str, rate: float, duration: float, connections: int,
              timeout: float, limit: int) -> tuple[Recorder, CpuMeter, Pool]:
    async def main() -> tuple[Recorder, Pool]:
        host, port = server.base.removeprefix("http://").split(":")
        pool = Pool(host, int(port), connections if mode == "saturate" else limit)
        try:
            if mode == "saturate":
                return await saturate(pool, workload, connections=connections, duration=duration, timeout=timeout), pool
            return await paced(pool, workload, rate=rate, duration=duration, timeout=timeout), pool
        finally:
            pool.close()

    with CpuMeter(server.pid) as cpu:
        rec, pool = uvloop.run(main())
    return rec, cpu, pool


def parse_mix(text: str) -> dict[str, float]:
    mix: dict[str, float] = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        if name.strip() not in KINDS:
            raise SystemExit(f"unknown request kind {name!r} in --mix (one of {', '.join(KINDS)})")
        mix[name.strip()] = float(weight)
    return mix


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--workers", default="1,2", help="app processes, comma-separated: one run each, in turn")
    p.add_argument("--rate", default="100",
                   help="stated request rate of the paced run, req/s; several (150,200,250): one paced run each, "
                        "in turn, to find the highest that passes")
    p.add_argument("--duration", type=float, default=300, help="seconds of the paced run (default 300)")
    p.add_argument("--warmup", type=float, default=15, help="seconds at the stated rate before measuring")
    p.add_argument("--saturate", type=float, default=60, help="seconds of the saturation run (0: none)")
    p.add_argument("--connections", type=int, default=32, help="clients of the saturation run")
    p.add_argument("--max-connections", type=int, default=256, help="most connections the paced run opens")
    p.add_argument("--mix", default=DEFAULT_MIX, help=f"request kinds and weights (default {DEFAULT_MIX})")
    p.add_argument("--p99-limit", type=float, default=500,
                   help="ms; a paced run with a higher overall p99 did not keep up and fails (default 500)")
    p.add_argument("--timeout", type=float, default=30, help="seconds before a request counts as an error")
    p.add_argument("--clusters", type=int, default=100_000)
    p.add_argument("--organizations", type=int, default=1_000_000)
    p.add_argument("--recreate", action="store_true", help="drop and create the database, generate the data again")
    p.add_argument("--port", type=int, default=18700)
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--output", type=Path, help="default bench/results/load-<UTC time>.json")
    args = p.parse_args(argv)
    mix = parse_mix(args.mix)
    workers = [int(w) for w in args.workers.split(",")]
    rates = [float(r) for r in args.rate.split(",")]

    t0 = time.perf_counter()
    n_clusters, n_orgs = prepare_database(args.database_url, clusters=args.clusters, organizations=args.organizations,
                                          recreate=args.recreate)
    rng = random.Random(args.seed)
    paths = list_paths(args.database_url, 300, rng)
    base = sync_base(args.seed)
    share = mix.get("batch", 0) / sum(mix.values())
    needed = math.ceil(max(rates) * share * (args.duration * len(rates) + args.warmup)) + 10 if share else 0
    bodies = batch_bodies(base, min(needed, 1500), args.seed) if share else []
    run_tag = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    accounts = make_accounts(args.database_url, run_tag)
    console.print(f"ready in {time.perf_counter() - t0:.1f} s: {n_clusters:,} clusters, {n_orgs:,} organizations, "
                  f"{len(paths)} list pages, {len(bodies)} batch bodies of {BATCH_RECORDS} records; mix {args.mix}")

    jwt_secret = secrets.token_urlsafe(48)
    out = args.output or BENCH / "results" / f"load-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(), "commit": synclib.git_commit(synclib.ROOT),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}, "runs": {},
    }
    for n in workers:
        console.rule(f"{n} app process{'es' if n > 1 else ''}")
        server = AppServer(args.database_url, args.port, n, jwt_secret)
        try:
            fx = fixture(server, args.database_url, accounts, n_clusters=n_clusters, n_orgs=n_orgs, paths=paths,
                         bodies=bodies, base=base, label=f"w{n}")
            workload = Workload(fx, mix, args.seed + n)
            run: dict[str, Any] = {}
            if args.warmup:
                rec, cpu, pool = run_phase(server, workload, mode="paced", rate=rates[0], duration=args.warmup,
                                           connections=args.connections, timeout=args.timeout,
                                           limit=args.max_connections)
                warm = summarize(rec, cpu, target=rates[0], pool=pool)
                console.print(f"  warm-up: {warm['requests']:,} requests, {warm['errors']} errors, "
                              f"p99 {warm['p99_ms']:.1f} ms")
                run["warmup"] = warm
            run["paced"] = []
            for rate in rates if args.duration else []:
                rec, cpu, pool = run_phase(server, workload, mode="paced", rate=rate, duration=args.duration,
                                           connections=args.connections, timeout=args.timeout,
                                           limit=args.max_connections)
                s = summarize(rec, cpu, target=rate, pool=pool)
                s["passed"] = s["errors"] == 0 and s["rate"] >= 0.98 * rate and s["p99_ms"] <= args.p99_limit
                show(f"{n} process{'es' if n > 1 else ''}, paced at {rate:g} req/s for {args.duration:g} s: "
                     + ("[green]passed[/]" if s["passed"] else "[red]failed[/]"), s)
                run["paced"].append(s)
            if args.saturate:
                rec, cpu, pool = run_phase(server, workload, mode="saturate", rate=0, duration=args.saturate,
                                           connections=args.connections, timeout=args.timeout, limit=args.connections)
                s = summarize(rec, cpu, target=None, pool=pool)
                show(f"{n} process{'es' if n > 1 else ''}, saturation: {args.connections} connections for "
                     f"{args.saturate:g} s", s)
                run["saturation"] = s
            results["runs"][str(n)] = run
        finally:
            server.stop(keep_log=out.with_name(f"{out.stem}-server-{n}.log"))

    console.rule("summary")
    ok = True
    for n, run in results["runs"].items():
        sat = run.get("saturation")
        line = f"{n} process{'es' if n != '1' else ''}:"
        for paced_s in run["paced"]:
            ok &= paced_s["passed"]
            line += (f" paced {paced_s['rate']:.1f} req/s (stated {paced_s['target_rate']:g}), p99 "
                     f"{paced_s['p99_ms']:.1f} ms, errors {paced_s['errors']} — "
                     f"{'passed' if paced_s['passed'] else 'FAILED'};")
        if sat:
            ok &= sat["errors"] == 0
            line += f" saturation {sat['rate']:.1f} req/s, p99 {sat['p99_ms']:.1f} ms, errors {sat['errors']}"
        console.print(line)
    sats = {n: run["saturation"]["rate"] for n, run in results["runs"].items() if "saturation" in run}
    if "1" in sats and len(sats) > 1:
        results["saturation_ratio"] = {n: round(rate / sats["1"], 2) for n, rate in sats.items()}
        console.print("saturation throughput / 1 process: " + ", ".join(
            f"{n} processes [b]{ratio:.2f}×[/]" for n, ratio in results["saturation_ratio"].items() if n != "1"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    console.print(f"results: {out.relative_to(synclib.ROOT) if out.is_relative_to(synclib.ROOT) else out}")
    return 0 if ok else 1


def sync_base(seed: int) -> list[dict[str, Any]]:
    """The sync source's records as first sent: the same every run (same seed), so the database keeps SYNC_RECORDS."""
    factory = synclib.RecordFactory(seed=seed, prefix=PREFIX)
    return [factory.new() for _ in range(SYNC_RECORDS)]


if __name__ == "__main__":
    sys.exit(main())
