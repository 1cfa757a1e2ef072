"""`cartesio sync pull` between two real instances: a source served by uvicorn on its own database, and a
mirror (a second database, served too) that follows the source's changes feed.

Random creates, updates and deletes go to the source through its HTTP API; after each pull every live record
of the source must have its twin in the mirror (source `mirror`, external id = the source's id) with the same
content, and nothing mirrored may outlive its original. Pulls are also cut short (max_pages, a failure inside a
page, the remote going away), repeated, and restarted after the source pruned its feed (410, `--reset`).

The tests of this module share the two instances and run in order; each catches the mirror up first, so any one
of them also runs alone. The last one prunes the source's feed.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, func, select, text

from api.changes import service as changes_service
from api.changes.models import Change
from api.core import migrate
from api.core.config import Settings
from api.core.db import Database, make_sync_engine
from api.core.identifiers import vat_check_digit_ok
from api.documents.models import Document
from api.main import create_app
from api.seed.demo import seed_demo
from api.sync import mirror
from api.sync.models import MirrorState
from tests.conftest import DEMO_PASSWORD
from tests.helpers import own_database

MIRROR = "mirror"
ADMIN = "admin@cartesio.example"
ONLY_AT_SOURCE = "solo-sorgente"  # a document the mirror does not have: sources citing it are dropped there
CARTESIO = shutil.which("cartesio") or str(Path(sys.executable).with_name("cartesio"))


# ---- two instances ------------------------------------------------------------------------------------

@dataclass
class Instance:
    settings: Settings
    url: str
    server: uvicorn.Server
    thread: threading.Thread
    engine: Engine

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.engine.dispose()


@dataclass
class World:
    source: Instance
    mirror: Instance
    client_id: str
    client_secret: str
    http: httpx.Client          # to the source, as its admin
    history: History
    tmp: Path


def _prepare(url: str, var_dir: Path, secret: str) -> Settings:
    """Migrated and seeded, as `cartesio db upgrade && cartesio seed demo` leave it."""
    migrate.upgrade(url)
    settings = Settings(environment="test", database_url=url, var_dir=var_dir, jwt_secret=secret, db_pool_size=5,
                        db_read_pool_size=4, worker_in_process=False)

    async def seed() -> None:
        db = Database(settings)
        try:
            await seed_demo(db, password=DEMO_PASSWORD)
        finally:
            await db.dispose()

    asyncio.run(seed())
    return settings


def _serve(settings: Settings) -> Instance:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", access_log=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"uvicorn-{port}")
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return Instance(settings=settings, url=f"http://127.0.0.1:{port}", server=server, thread=thread,
                    engine=make_sync_engine(settings.resolved_database_url))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("mirror")
    instances: list[Instance] = []
    with own_database(tmp, "mirror_src") as source_url, own_database(tmp, "mirror_dst") as mirror_url:
        try:
            source_settings = _prepare(source_url, tmp / "source-var", "source-signing-key-" + "s" * 32)
            mirror_settings = _prepare(mirror_url, tmp / "mirror-var", "mirror-signing-key-" + "m" * 32)
            # Both instances hold the same demo firms; two registers of different Regions would not both record
            # one firm's VAT number, and the mirror (rightly) refuses a second holder of a number: the local
            # copies keep theirs out of the way.
            engine = make_sync_engine(mirror_url)
            with engine.begin() as conn:
                conn.execute(text("UPDATE organizations SET vat_number = NULL WHERE vat_number IS NOT NULL"))
            engine.dispose()
            engine = make_sync_engine(source_url)
            with engine.begin() as conn:
                conn.execute(Document.__table__.insert().values(key=ONLY_AT_SOURCE,
                                                                title="Documento della sola sorgente"))
            engine.dispose()
            instances.append(_serve(source_settings))
            instances.append(_serve(mirror_settings))
            source, mirror_instance = instances
            with httpx.Client(base_url=source.url, timeout=30) as http:
                token = http.post("/api/v1/auth/token", data={"grant_type": "password", "username": ADMIN,
                                                              "password": DEMO_PASSWORD})
                assert token.status_code == 200, token.text
                http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
                # Reading the feed needs no more than the reader role.
                account = http.post("/api/v1/service-accounts", json={"name": "Mirror", "role": "reader"})
                assert account.status_code == 201, account.text
                documents = [d["key"] for d in http.get("/api/v1/documents").json()["items"]]
                assert ONLY_AT_SOURCE in documents
                history = History(http, random.Random(20261122), documents)
                history.load()
                yield World(source=source, mirror=mirror_instance, client_id=account.json()["client_id"],
                            client_secret=account.json()["client_secret"], http=http, history=history, tmp=tmp)
        finally:
            for instance in instances:
                instance.stop()


# ---- random history at the source -------------------------------------------------------------------

REGIONS = ("ITI17", "ITI14", "ITC4C", "ITH35", "ITF33", "ITG12")
WORDS = ("Arno", "Brenta", "Lario", "Murgia", "Sila", "Tevere", "Adige", "Mincio", "Serchio", "Piave")
ORG_KINDS = ("enterprise", "association", "university", "public_administration", "research_body", "other")
CLUSTER_KINDS = ("industrial_district", "cluster", "apea", "industrial_park", "supply_chain")
TAGS = ("tessile", "conciario", "economia-circolare", "emas", "logistica", "energia", "acqua", "rifiuti")
NACE = (("Tessile", ["13", "13.20"]), ("Concia", ["15.11"]), ("Carta", ["17", "17.12"]), ("Ceramica", ["23.31"]),
        ("Meccanica", ["28", "28.1", "28.15"]))


@dataclass
class History:
    """Random writes at the source, keeping track of what lives there."""

    http: httpx.Client
    rng: random.Random
    documents: list[str]
    orgs: set[int] = field(default_factory=set)
    clusters: dict[int, int | None] = field(default_factory=dict)  # cluster -> its coordinating body
    vats: dict[int, str] = field(default_factory=dict)
    counter: int = 0

    def _ok(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201, 204), f"{response.request.method} {response.request.url}: " \
                                                         f"{response.status_code} {response.text}"
        return response.json() if response.status_code != 204 else {}

    def load(self) -> None:
        for org in listing(self.http, "/api/v1/organizations"):
            self.orgs.add(org["id"])
            if org["vat_number"]:
                self.vats[org["id"]] = org["vat_number"]
        for cluster in listing(self.http, "/api/v1/clusters"):
            body = cluster["coordinating_body"]
            self.clusters[cluster["id"]] = body["id"] if body else None

    def _name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix} {self.rng.choice(WORDS)} {self.counter}"

    def _vat(self) -> str:
        while True:
            head = "".join(self.rng.choice("0123456789") for _ in range(10))
            vat = next(head + d for d in "0123456789" if vat_check_digit_ok(head + d))
            if vat not in self.vats.values():
                return vat

    def _org_fields(self) -> dict[str, Any]:
        rng = self.rng
        body: dict[str, Any] = {}
        if rng.random() < 0.7:
            body.update(country="IT", region_code=rng.choice(REGIONS))
        if rng.random() < 0.5:
            body["employees"] = rng.randint(1, 400)
            if rng.random() < 0.5:
                body["annual_turnover"] = f"{rng.randint(1, 90_000_000)}.{rng.randint(0, 99):02d}"
        elif rng.random() < 0.3:
            body["size_class"] = rng.choice(("micro", "small", "medium"))
        if rng.random() < 0.4:
            body.update(municipality=rng.choice(WORDS), postal_code=f"{rng.randint(10000, 99999)}", province="PI")
        if rng.random() < 0.3:
            body["description"] = f"Descrizione {rng.randint(1, 10**6)}"
        if rng.random() < 0.2:
            body["ateco_code"] = rng.choice(("13.20", "15.11", "28.15"))
        return body

    def _cluster_fields(self) -> dict[str, Any]:
        rng = self.rng
        body: dict[str, Any] = {"country": "IT", "region_code": rng.choice(REGIONS), "locality": rng.choice(WORDS)}
        if rng.random() < 0.6:
            body["tags"] = rng.sample(TAGS, rng.randint(1, 3))
        if rng.random() < 0.6:
            body["sectors"] = [{"label": label, "nace": nace} for label, nace in rng.sample(NACE, rng.randint(1, 2))]
        if rng.random() < 0.4:
            body["recognitions"] = [{"kind": rng.choice(("emas_cluster", "apo_attestation", "other")),
                                     "name": f"Riconoscimento {rng.randint(1, 999)}", "issuer": "Regione",
                                     "issued_date": f"20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-15"}
                                    for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.6:
            docs = rng.sample(self.documents, min(len(self.documents), rng.randint(1, 3)))
            if rng.random() < 0.3 and ONLY_AT_SOURCE not in docs:
                docs.append(ONLY_AT_SOURCE)
            body["sources"] = [{"document": key, "locator": f"p. {rng.randint(1, 300)}", "fields": ["name"]}
                               for key in docs]
        if rng.random() < 0.5:
            count = rng.randint(5, 3000)
            body["enterprises"] = {"count": count, "approximate": rng.random() < 0.5, "note": f"circa {count}"}
        if rng.random() < 0.3:
            body.update(latitude=round(rng.uniform(37, 46), 4), longitude=round(rng.uniform(8, 18), 4))
        if self.orgs and rng.random() < 0.6:
            body["coordinating_body_id"] = rng.choice(sorted(self.orgs))
        return body

    def create_org(self, **extra: Any) -> int:
        body = {"name": self._name("Impresa"), "kind": self.rng.choice(ORG_KINDS), **self._org_fields(), **extra}
        if self.rng.random() < 0.3 and "vat_number" not in body:
            body["vat_number"] = self._vat()
        org = self._ok(self.http.post("/api/v1/organizations", json=body))
        self.orgs.add(org["id"])
        if org["vat_number"]:
            self.vats[org["id"]] = org["vat_number"]
        return org["id"]

    def update_org(self, org_id: int, **fields: Any) -> None:
        if not fields:
            fields = {k: v for k, v in self._org_fields().items() if self.rng.random() < 0.6}
            fields.pop("size_class", None)  # may contradict the stored figures
            if ("country" in fields) != ("region_code" in fields):
                fields.pop("country", None), fields.pop("region_code", None)
            if self.rng.random() < 0.3:
                fields["name"] = self._name("Ente")  # the clusters it coordinates change with it
            if self.rng.random() < 0.15:
                fields["vat_number"] = self._vat()
        org = self._ok(self.http.patch(f"/api/v1/organizations/{org_id}", json=fields or {"description": "x"}))
        self.vats.pop(org_id, None)
        if org["vat_number"]:
            self.vats[org_id] = org["vat_number"]

    def delete_org(self, org_id: int) -> None:
        response = self.http.delete(f"/api/v1/organizations/{org_id}")
        if response.status_code == 409 and response.json()["type"].endswith("organization-in-use"):
            return  # an applicant or a verifier of record stays; nothing changed
        self._ok(response)
        self.orgs.discard(org_id)
        self.vats.pop(org_id, None)
        for cluster_id, body in self.clusters.items():
            if body == org_id:
                self.clusters[cluster_id] = None

    def move_vat(self) -> None:
        """A VAT number goes from one organization to another: the first gives it up, the second takes it."""
        holders = sorted(self.vats)
        others = sorted(self.orgs - set(holders))
        if not holders or not others:
            return
        giver, taker = self.rng.choice(holders), self.rng.choice(others)
        vat = self.vats[giver]
        self.update_org(giver, vat_number=None)
        self.update_org(taker, vat_number=vat)

    def create_cluster(self, **extra: Any) -> int:
        body = {"name": self._name("Distretto"), "kind": self.rng.choice(CLUSTER_KINDS), **self._cluster_fields(),
                **extra}
        cluster = self._ok(self.http.post("/api/v1/clusters", json=body))
        self.clusters[cluster["id"]] = body.get("coordinating_body_id")
        return cluster["id"]

    def update_cluster(self, cluster_id: int) -> None:
        fields = {k: v for k, v in self._cluster_fields().items() if self.rng.random() < 0.5}
        for pair in (("country", "region_code"), ("latitude", "longitude")):  # valid only together
            if any(k in fields for k in pair) and not all(k in fields for k in pair):
                for k in pair:
                    fields.pop(k, None)
        if self.rng.random() < 0.3:
            fields["name"] = self._name("Polo")
        if self.rng.random() < 0.2:
            fields.update(coordinating_body_id=None, tags=[], sources=[], recognitions=[])
        cluster = self._ok(self.http.patch(f"/api/v1/clusters/{cluster_id}", json=fields or {"locality": "Prato"}))
        body = cluster["coordinating_body"]
        self.clusters[cluster_id] = body["id"] if body else None

    def delete_cluster(self, cluster_id: int) -> None:
        self._ok(self.http.delete(f"/api/v1/clusters/{cluster_id}"))
        del self.clusters[cluster_id]

    def run(self, steps: int) -> None:
        rng = self.rng
        for _ in range(steps):
            roll = rng.random()
            coordinators = sorted({b for b in self.clusters.values() if b is not None})
            if roll < 0.18 or not self.orgs:
                self.create_org()
            elif roll < 0.32:
                self.update_org(rng.choice(sorted(self.orgs)))
            elif roll < 0.40:
                # Half of the time one that coordinates clusters: they lose their coordinating body.
                pool = coordinators if coordinators and rng.random() < 0.5 else sorted(self.orgs)
                self.delete_org(rng.choice(pool))
            elif roll < 0.44:
                self.move_vat()
            elif roll < 0.68 or not self.clusters:
                if rng.random() < 0.3:  # a cluster coordinated by an organization created just before it
                    self.create_cluster(coordinating_body_id=self.create_org())
                else:
                    self.create_cluster()
            elif roll < 0.90:
                self.update_cluster(rng.choice(sorted(self.clusters)))
            else:
                self.delete_cluster(rng.choice(sorted(self.clusters)))


# ---- comparing ----------------------------------------------------------------------------------------

def listing(http: httpx.Client, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"sort": "id", "limit": 200}
        if cursor:
            params["cursor"] = cursor
        response = http.get(path, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        cursor = body.get("next_cursor")
        if not cursor:
            return items


ORG_IGNORED = {"id", "source", "external_id", "version", "created_at", "updated_at",
               # not mirrored: the demo flag and the seed's source document are the remote's own business
               "demo", "source_document", "source_locator"}
CLUSTER_IGNORED = {"id", "slug", "source", "external_id", "version", "created_at", "updated_at", "coordinating_body",
                   "recognitions", "sources"}


def org_content(org: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in org.items() if k not in ORG_IGNORED}


def cluster_content(cluster: dict[str, Any], documents: set[str]) -> dict[str, Any]:
    out = {k: v for k, v in cluster.items() if k not in CLUSTER_IGNORED}
    out["recognitions"] = [{k: v for k, v in r.items() if k != "id"} for r in cluster["recognitions"]]
    # The title comes from the mirror's own copy of the document; sources citing a document it lacks are dropped.
    out["sources"] = [{"document": s["document"], "locator": s["locator"], "fields": s["fields"]}
                      for s in cluster["sources"] if s["document"] in documents]
    body = cluster["coordinating_body"]
    out["coordinating_body"] = {"name": body["name"], "kind": body["kind"]} if body else None
    return out


def assert_mirrored(world: World) -> dict[str, int]:
    """The mirror holds exactly the source's live records, with the same content."""
    with httpx.Client(base_url=world.mirror.url, timeout=30) as local:
        documents = {d["key"] for d in local.get("/api/v1/documents").json()["items"]}
        mine_orgs = [o for o in listing(local, "/api/v1/organizations") if o["source"] == MIRROR]
        mine_clusters = [c for c in listing(local, "/api/v1/clusters") if c["source"] == MIRROR]
    assert ONLY_AT_SOURCE not in documents
    theirs_orgs = {str(o["id"]): o for o in listing(world.http, "/api/v1/organizations")}
    theirs_clusters = {str(c["id"]): c for c in listing(world.http, "/api/v1/clusters")}
    orgs = {o["external_id"]: o for o in mine_orgs}
    clusters = {c["external_id"]: c for c in mine_clusters}
    external_of = {o["id"]: o["external_id"] for o in mine_orgs}
    assert len(orgs) == len(mine_orgs) and len(clusters) == len(mine_clusters)
    assert sorted(orgs, key=int) == sorted(theirs_orgs, key=int), "mirrored organizations differ from the live ones"
    assert sorted(clusters, key=int) == sorted(theirs_clusters, key=int), "mirrored clusters differ from the live ones"
    wrong: list[str] = []
    for key, theirs in theirs_orgs.items():
        if org_content(orgs[key]) != org_content(theirs):
            wrong.append(f"organization {key}: {org_content(theirs)} != {org_content(orgs[key])}")
    for key, theirs in theirs_clusters.items():
        mine = clusters[key]
        if cluster_content(mine, documents) != cluster_content(theirs, documents):
            wrong.append(f"cluster {key}: {cluster_content(theirs, documents)} != {cluster_content(mine, documents)}")
        body, own_body = theirs["coordinating_body"], mine["coordinating_body"]
        if body is not None and (own_body is None or external_of.get(own_body["id"]) != str(body["id"])):
            wrong.append(f"cluster {key}: coordinated by {body['id']} there, by local {own_body} here")
    assert not wrong, "\n".join(wrong[:10])
    return {"organizations": len(orgs), "clusters": len(clusters)}


# ---- running pulls ------------------------------------------------------------------------------------

def settle(world: World, timeout: float = 30.0) -> None:
    """Wait until the source's feed serves every change committed so far.

    On PostgreSQL the feed serves only changes of transactions older than the oldest one still running on the
    server, in any database (a reader must never pass a change that commits late): while, say, another test
    run holds a transaction open, the newest changes are not served yet and a pull stops short of them.
    """
    if not world.source.settings.resolved_database_url.startswith("postgresql"):
        return  # SQLite: one writer at a time, committed is served
    deadline = time.monotonic() + timeout
    with world.source.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        top = conn.execute(text("SELECT COALESCE(MAX(txid), 0) FROM changes")).scalar_one()
        while conn.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar_one() <= top:
            if time.monotonic() > deadline:
                holders = conn.execute(text("SELECT datname, pid, state, now() - xact_start FROM pg_stat_activity "
                                            "WHERE backend_xid IS NOT NULL")).all()
                raise AssertionError(f"the feed is held back by transactions still running: {holders}")
            time.sleep(0.05)


def pull(world: World, **kw: Any) -> mirror.PullResult:
    settle(world)

    async def run() -> mirror.PullResult:
        db = Database(world.mirror.settings)
        try:
            return await mirror.pull(db, **{"remote_url": world.source.url, "client_id": world.client_id,
                                            "client_secret": world.client_secret, "source": MIRROR, **kw})
        finally:
            await db.dispose()

    return asyncio.run(run())


def cli(world: World, *args: str) -> subprocess.CompletedProcess:
    settle(world)
    env = {**os.environ, "CARTESIO_DATABASE_URL": world.mirror.settings.resolved_database_url,
           "CARTESIO_VAR_DIR": str(world.tmp / "cli-var"), "CARTESIO_SYNC_CLIENT_SECRET": world.client_secret}
    return subprocess.run([CARTESIO, "sync", "pull", "--from", world.source.url, "--client-id", world.client_id,
                           *args], env=env, capture_output=True, text=True, timeout=120)


def stored_cursor(world: World) -> str | None:
    with world.mirror.engine.connect() as conn:
        return conn.execute(select(MirrorState.cursor).where(MirrorState.remote == world.source.url)).scalar()


def local_changes(world: World) -> int:
    """How many changes the mirror's own feed holds: a pull that changes nothing adds none."""
    with world.mirror.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Change)).scalar_one()


class Scripted(httpx.AsyncBaseTransport):
    """The real network, except where `script(request, n)` (n: the nth request to that path) answers or fails."""

    def __init__(self, script: Callable[[httpx.Request, int], httpx.Response | Exception | None]):
        self.inner = httpx.AsyncHTTPTransport()
        self.script = script
        self.seen: dict[str, int] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        n = self.seen[request.url.path] = self.seen.get(request.url.path, 0) + 1
        action = self.script(request, n)
        if isinstance(action, Exception):
            raise action
        if isinstance(action, httpx.Response):
            return action
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


FEED = "/api/v1/changes"
TOKEN = "/api/v1/auth/token"


# ---- tests --------------------------------------------------------------------------------------------

def test_pull_mirrors_a_random_history(world):
    history = world.history
    history.run(70)
    # Consecutive changes of one record (one upsert of the last is enough), and a VAT number that moves from
    # one organization to another (refused as one batch, so replayed change by change).
    twice = history.create_org()
    history.update_org(twice, description="prima")
    history.update_org(twice, name="Ente rinominato due volte")
    history.create_org(vat_number=history._vat())
    history.move_vat()
    first = pull(world, page_size=1000)
    assert first.complete and first.pages == 1 and first.applied > 70
    assert first.created > 0 and first.cursor == stored_cursor(world)
    counts = assert_mirrored(world)
    assert counts["clusters"] > 20 and counts["organizations"] > 20

    history.run(50)
    done = cli(world, "--page-size", "25")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("pulled ") and "as source mirror" in done.stdout, done.stdout
    assert "Traceback" not in done.stderr
    assert_mirrored(world)


def test_a_second_pull_applies_nothing(world):
    pull(world)
    before, cursor = local_changes(world), stored_cursor(world)
    again = pull(world)
    assert (again.applied, again.pages, again.created, again.updated, again.deleted) == (0, 1, 0, 0, 0)
    assert again.complete and again.cursor == cursor == stored_cursor(world)
    assert local_changes(world) == before

    # Applying pages again does no harm: records equal to the stored ones stay as they are, and deleting what
    # is gone already does nothing.
    doomed = world.history.create_org()
    pull(world)
    cursor = stored_cursor(world)
    orgs = [world.history.create_org() for _ in range(2)]
    world.history.create_cluster(coordinating_body_id=orgs[0])
    world.history.delete_org(doomed)
    pull(world)
    before = local_changes(world)
    with world.mirror.engine.begin() as conn:
        conn.execute(MirrorState.__table__.update().values(cursor=cursor))
    replayed = pull(world)
    assert (replayed.applied, replayed.unchanged) == (4, 3)
    assert (replayed.created, replayed.updated, replayed.deleted) == (0, 0, 0)
    assert local_changes(world) == before
    assert_mirrored(world)


def test_an_interrupted_pull_resumes_where_it_stopped(world, monkeypatch):
    pull(world)
    world.history.run(40)
    start = stored_cursor(world)

    # Stopped half-way on purpose: two pages of five.
    half = pull(world, page_size=5, max_pages=2)
    assert (half.pages, half.applied, half.complete) == (2, 10, False)
    assert half.cursor == stored_cursor(world) != start

    # A failure inside a page: its changes and its cursor roll back together.
    before = local_changes(world)
    real_apply = mirror.apply_page

    async def apply_then_fail(ctx, changes):  # noqa: ANN001, ANN202
        await real_apply(ctx, changes)
        raise RuntimeError("power cut")

    monkeypatch.setattr(mirror, "apply_page", apply_then_fail)
    with pytest.raises(RuntimeError, match="power cut"):
        pull(world, page_size=5)
    monkeypatch.undo()
    assert stored_cursor(world) == half.cursor and local_changes(world) == before

    # The remote goes away after two more pages: those stay applied, the rest waits.
    gone = Scripted(lambda request, n: httpx.ConnectError("refused") if request.url.path == FEED and n > 2 else None)
    with pytest.raises(mirror.MirrorError, match="Cannot reach"):
        pull(world, page_size=5, transport=gone, attempts=2, backoff=0.01)
    moved = stored_cursor(world)
    assert moved != half.cursor and gone.seen[FEED] == 4  # two pages, then one request and its retry

    rest = pull(world, page_size=5)
    assert rest.complete and rest.applied > 0
    assert_mirrored(world)


def test_retries_and_a_renewed_token(world):
    pull(world)
    world.history.run(15)

    def script(request: httpx.Request, n: int) -> httpx.Response | None:
        if request.url.path == FEED and n == 1:
            return httpx.Response(503, json={"title": "Service unavailable"})
        if request.url.path == FEED and n == 2:
            return httpx.Response(401, json={"title": "Authentication required"})  # the token expired
        return None

    with pytest.raises(mirror.MirrorError, match="refused the client credentials"):
        pull(world, remote_url=world.source.url + "/api/v1/", client_secret="not-the-secret")

    flaky = Scripted(script)
    result = pull(world, transport=flaky, backoff=0.01)
    assert result.complete and result.applied > 0
    assert flaky.seen[TOKEN] == 2 and flaky.seen[FEED] >= 3
    assert_mirrored(world)


def test_an_outdated_cursor_needs_a_reset(world):
    """After the source prunes its feed, an old cursor answers 410; --reset deletes what the source no longer
    lists and reads the compacted feed from its beginning."""
    pull(world)
    history = world.history
    # Its tombstone will be pruned: only the reset's listing tells. Not the highest id, which SQLite gives again
    # to the next cluster (the feed would then carry that creation, not the delete).
    history.delete_cluster(sorted(history.clusters)[len(history.clusters) // 2])
    # An organization whose creation the compaction removes: its only change left comes after the cluster's.
    body = history.create_org(name="Ente compattato", kind="association")
    coordinated = history.create_cluster(coordinating_body_id=body)
    history.update_org(body, description="cambiata dopo il cluster")

    async def prune() -> dict[str, int]:
        db = Database(world.source.settings)
        try:
            async with db.session_scope() as session:  # as if webhooks had gone out for every change
                await session.execute(text("DELETE FROM feed_marks WHERE name = 'webhooks'"))
                await session.execute(text("INSERT INTO feed_marks (name, txid, change_id, updated_at) "
                                           "SELECT 'webhooks', MAX(txid), MAX(id), CURRENT_TIMESTAMP FROM changes"))
            return await changes_service.prune(db, retention_seconds=0, compact_after_seconds=0)
        finally:
            await db.dispose()

    assert asyncio.run(prune())["tombstones"] >= 1
    with pytest.raises(mirror.CursorGone, match="--reset"):
        pull(world)
    refused = cli(world)
    assert refused.returncode == 1 and "--reset" in refused.stderr and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr

    feed = [(c["type"], c["id"]) for c in world.http.get(FEED, params={"limit": 1000}).json()["changes"]]
    assert feed.index(("clusters", coordinated)) < feed.index(("organizations", body))
    assert ("organizations", body) not in feed[:feed.index(("clusters", coordinated))]

    watched = Scripted(lambda request, n: None)
    result = pull(world, reset=True, page_size=200, transport=watched)
    assert result.complete and result.deleted >= 1
    # The body was fetched when its cluster came first, so the cluster keeps its coordinating body here.
    assert watched.seen[f"/api/v1/organizations/{body}"] == 1
    assert stored_cursor(world) == result.cursor
    assert_mirrored(world)
    assert pull(world).applied == 0
