"""No acknowledged write lost: the real server, killed with SIGKILL at random moments while threads write to it.

`cartesio serve` runs on a database of its own (a SQLite file in WAL mode, or `<test database>_crash` beside
TEST_DATABASE_URL on PostgreSQL). Threads push sync batches, create and submit applications, register for an
event with few seats and cancel, and take funding decisions on a budget that cannot cover them all. The server
is killed (seeded random moments, CARTESIO_CRASH_SEED to replay one) and restarted on the same database, and
after every restart:

- every write that got a 2xx is there as it was acknowledged (versions, states, amounts);
- nothing is half applied: a batch's records are all at one revision, an application has the transitions of its
  state, a funding decision has its ledger entries, its grant and its transition, or none of them;
- what got no answer may or may not be there, but nothing is there that was never sent;
- the budget ledger holds (no funder below zero; what the ledger allocates is what the funded applications
  show), an event never has more seats given than its capacity, and its counters equal its rows;
- the changes feed read from the start has every acknowledged sync write, cursors strictly increasing, and
  ends at each record's stored version.

SQLite runs `synchronous=NORMAL` in WAL mode: a commit has written its frames to the WAL file (the operating
system's cache) before it returns, and only the fsync is left to checkpoints. Killing the process therefore
loses nothing that was committed: the operating system still writes those pages. Only an operating system
crash or a power cut may lose the last commits (never corrupting the file), which FULL would prevent at one
fsync per commit. This test kills the process, the failure a server really meets most.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from collections import defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from api.core.db import make_sync_engine
from tests.helpers import free_port, own_database

ROOT = Path(__file__).resolve().parents[1]
CARTESIO = str(Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "cartesio")
PASSWORD = "crash-tests-password"
SOURCE = "crashtest"
CYCLES = int(os.environ.get("CARTESIO_CRASH_CYCLES", "3"))
SEED = int(os.environ.get("CARTESIO_CRASH_SEED", "20261129"))
CAPACITY = 12
FUNDABLE = 3  # the chambers' 1,500 euro cover three grants of 1,000 (500 charged to each funder)
DECISIONS = 15
API = "/api/v1"
# What a killed server leaves a request with: no answer at all.
NO_ANSWER = (httpx.TransportError,)


class Server:
    """`cartesio serve` in its own process group, so that SIGKILL takes it whole, as a crash would."""

    def __init__(self, tmp: Path, env: dict[str, str]):
        self.tmp, self.env, self.port = tmp, env, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = (tmp / "server.log").open("ab")

    def start(self) -> float:
        started = time.monotonic()
        self.process = subprocess.Popen([CARTESIO, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                        env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = started + 90
        while True:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None, (self.tmp / "server.log").read_text()[-4000:]
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        self.log.close()


# ---- what the writers sent and what they were told ------------------------------------------------------------

@dataclass
class Group:
    """A batch's records: created together, then replaced together at a new revision, by one thread only."""

    name: str
    size: int
    acked: int | None = None                       # the last revision a 2xx answered
    acked_items: dict[str, tuple[int, int]] = field(default_factory=dict)  # external id -> (id, version)
    unanswered: list[int] = field(default_factory=list)  # revisions sent that got no answer
    next_rev: int = 1

    def external_ids(self) -> list[str]:
        return [f"{self.name}-{i:03d}" for i in range(self.size)]


@dataclass
class Ledger:
    """Every write the threads made and what came of it; one lock, since several threads record."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    groups: list[Group] = field(default_factory=list)
    feed_acked: set[tuple[int, int]] = field(default_factory=set)  # (cluster id, version) acknowledged
    apps_acked: dict[str, int] = field(default_factory=dict)       # title -> id (created)
    apps_submitted: set[int] = field(default_factory=set)
    apps_unanswered: set[str] = field(default_factory=set)         # titles of creates without an answer
    registrations: dict[str, tuple[int, str]] = field(default_factory=dict)  # email -> (id, status answered)
    registrations_unanswered: set[str] = field(default_factory=set)
    cancelled: set[int] = field(default_factory=set)
    cancels_unanswered: set[int] = field(default_factory=set)
    funded: dict[int, str] = field(default_factory=dict)           # application id -> grant answered
    refused: set[int] = field(default_factory=set)
    decisions_unanswered: set[int] = field(default_factory=set)
    unexpected: list[str] = field(default_factory=list)            # answers no valid request should get
    answered: int = 0
    unanswered: int = 0

    def note(self, response: httpx.Response, expected: tuple[int, ...]) -> bool:
        with self.lock:
            self.answered += 1
            if response.status_code not in expected:
                self.unexpected.append(f"{response.request.method} {response.request.url.path}: "
                                       f"{response.status_code} {response.text[:300]}")
                return False
        return True

    def lost(self) -> None:
        with self.lock:
            self.unanswered += 1


@dataclass
class World:
    base: str
    headers: dict[str, dict[str, str]]
    call_id: int
    event_id: int
    funding_queue: list[int]
    ledger: Ledger = field(default_factory=Ledger)
    counter: int = 0

    def next_number(self) -> int:
        with self.ledger.lock:
            self.counter += 1
            return self.counter


def cluster_record(group: Group, index: int, rev: int) -> dict[str, Any]:
    # The revision is in every record's name: a batch applied in part would show two revisions in one group.
    return {"external_id": f"{group.name}-{index:03d}", "name": f"Distretto {group.name}-{index:03d} r{rev}",
            "kind": "industrial_district", "country": "IT", "region_code": "ITC4B", "locality": "Como",
            "enterprises": {"count": 10 + rev}, "sectors": [{"label": "Seta", "nace": ["13.20"]}],
            "tags": [group.name]}


# ---- the writers ---------------------------------------------------------------------------------------------

def sync_writer(world: World, stop: threading.Event, rng: random.Random, mine: list[Group]) -> None:
    ledger = world.ledger
    with httpx.Client(base_url=world.base, headers=world.headers["service"], timeout=60) as http:
        while not stop.is_set():
            if not mine or rng.random() < 0.6:
                group = Group(f"crash-{world.next_number():04d}-{uuid.uuid4().hex[:4]}", rng.randint(50, 200))
                mine.append(group)
                with ledger.lock:
                    ledger.groups.append(group)
            else:
                group = rng.choice(mine)
            rev = group.next_rev
            group.next_rev += 1
            body = [cluster_record(group, i, rev) for i in range(group.size)]
            try:
                answer = http.post(f"{API}/sync/{SOURCE}/clusters:batch", json=body)
            except NO_ANSWER:
                group.unanswered.append(rev)
                ledger.lost()
                stop.wait()
                return
            if ledger.note(answer, (200,)):
                items = answer.json()["items"]
                with ledger.lock:
                    group.acked = rev
                    group.unanswered = [r for r in group.unanswered if r > rev]
                    group.acked_items = {item["external_id"]: (item["id"], item["version"]) for item in items}
                    ledger.feed_acked.update((item["id"], item["version"]) for item in items)


def application_writer(world: World, stop: threading.Event, rng: random.Random) -> None:
    ledger = world.ledger
    with httpx.Client(base_url=world.base, headers=world.headers["enterprise"], timeout=60) as http:
        while not stop.is_set():
            title = f"Progetto crash {world.next_number()} {uuid.uuid4().hex[:6]}"
            try:
                created = http.post(f"{API}/applications", json={
                    "call_id": world.call_id, "title": title, "category": "riuso", "requested": "800.00",
                    "budget_lines": [{"label": "impianto", "amount": "2500.00"}]})
            except NO_ANSWER:
                ledger.apps_unanswered.add(title)
                ledger.lost()
                stop.wait()
                return
            if not ledger.note(created, (201,)):
                continue
            app_id = created.json()["id"]
            with ledger.lock:
                ledger.apps_acked[title] = app_id
            if rng.random() < 0.3:
                continue  # some stay drafts
            try:
                submitted = http.post(f"{API}/applications/{app_id}/submit")
            except NO_ANSWER:
                ledger.lost()
                stop.wait()
                return
            if ledger.note(submitted, (200,)):
                with ledger.lock:
                    ledger.apps_submitted.add(app_id)


def registration_writer(world: World, stop: threading.Event, rng: random.Random) -> None:
    ledger = world.ledger
    url = f"{API}/events/{world.event_id}/registrations"
    with httpx.Client(base_url=world.base, headers=world.headers["enterprise"], timeout=60) as http:
        while not stop.is_set():
            active = [rid for rid, status in ledger.registrations.values()
                      if status != "cancelled" and rid not in ledger.cancelled]
            if active and rng.random() < 0.25:
                rid = rng.choice(active)
                try:
                    answer = http.delete(f"{url}/{rid}")
                except NO_ANSWER:
                    ledger.cancels_unanswered.add(rid)
                    ledger.lost()
                    stop.wait()
                    return
                if ledger.note(answer, (200,)):
                    with ledger.lock:
                        ledger.cancelled.add(rid)
                continue
            email = f"iscritto-{world.next_number()}-{uuid.uuid4().hex[:6]}@crash.example"
            try:
                answer = http.post(url, json={"name": "Partecipante", "email": email})
            except NO_ANSWER:
                ledger.registrations_unanswered.add(email)
                ledger.lost()
                stop.wait()
                return
            if ledger.note(answer, (201,)):
                body = answer.json()
                with ledger.lock:
                    ledger.registrations[email] = (body["id"], body["status"])


def funding_writer(world: World, stop: threading.Event, rng: random.Random) -> None:
    ledger = world.ledger
    with httpx.Client(base_url=world.base, headers=world.headers["manager"], timeout=60) as http:
        while not stop.is_set() and world.funding_queue:
            app_id = world.funding_queue.pop(0)
            try:
                answer = http.post(f"{API}/applications/{app_id}/funding", json={"note": "crash test"})
            except NO_ANSWER:
                ledger.decisions_unanswered.add(app_id)
                ledger.lost()
                stop.wait()
                return
            if not ledger.note(answer, (200, 409)):
                continue
            with ledger.lock:
                if answer.status_code == 200:
                    ledger.funded[app_id] = answer.json()["granted"]
                else:
                    ledger.refused.add(app_id)
            time.sleep(rng.uniform(0.02, 0.2))
        stop.wait()


def guarded(writer: Any) -> Any:
    """A writer whose own failure is reported by the test, not lost in its thread."""
    def run(world: World, stop: threading.Event, *args: Any) -> None:
        try:
            writer(world, stop, *args)
        except Exception as exc:  # noqa: BLE001 - any failure goes to the test's report
            with world.ledger.lock:
                world.ledger.unexpected.append(f"{writer.__name__} failed: {exc!r}")
            stop.wait()
    return run


# ---- set-up --------------------------------------------------------------------------------------------------

def _token(base: str, **form: str) -> dict[str, str]:
    answer = httpx.post(f"{base}{API}/auth/token", data=form, timeout=30)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def prepare(base: str, engine: Engine) -> World:
    """Accounts, a call with an open phase, an event with few seats, and definitive projects awaiting funding."""
    def user(email: str) -> dict[str, str]:
        return _token(base, grant_type="password", username=email, password=PASSWORD)

    headers = {"admin": user("admin@cartesio.example"), "manager": user("toscana@cartesio.example"),
               "enterprise": user("conceria@cartesio.example"), "organizer": user("camera@cartesio.example")}
    account = httpx.post(f"{base}{API}/service-accounts", headers=headers["admin"], timeout=30, json={
        "name": "Crash test integration", "role": "region_officer", "source": SOURCE, "scopes": ["region:ITC4"]})
    assert account.status_code == 201, account.text
    headers["service"] = _token(base, grant_type="client_credentials", client_id=account.json()["client_id"],
                                client_secret=account.json()["client_secret"])
    now = datetime.now(UTC)
    call = httpx.post(f"{base}{API}/calls", headers=headers["manager"], timeout=30, json={
        "slug": f"bando-crash-{uuid.uuid4().hex[:6]}", "title_it": "Bando della prova di crash",
        "categories": ["riuso"], "max_grant": "1000.00",
        "funders": [{"key": "regione", "name": "Regione", "role": "region", "contribution": "10000.00"},
                    {"key": "camere", "name": "Camere di commercio", "role": "pool",
                     "contribution": f"{FUNDABLE * 500}.00"}],
        "charge_rule": [{"funder": "region", "share": "0.5"}, {"funder": "chamber_of_province", "share": "0.5"}],
        "eligibility": {"regions": ["ITI1"], "kinds": ["enterprise"]},
        "phases": [{"name": "Fase unica", "opens_at": (now - timedelta(days=1)).isoformat(),
                    "closes_at": (now + timedelta(days=30)).isoformat()}],
        "criteria": [{"code": "qualita", "name": "Qualità", "weight": "1", "max_score": "10"}]})
    assert call.status_code == 201, call.text
    start = (now + timedelta(days=10)).replace(microsecond=0)
    event = httpx.post(f"{base}{API}/events", headers=headers["organizer"], timeout=30, json={
        "title": "Seminario della prova di crash", "kind": "seminar", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "capacity": CAPACITY})
    assert event.status_code == 201, event.text
    # Projects already through evaluation and accompaniment, written directly: the test is about the decisions.
    queue = []
    with engine.begin() as conn:
        organization_id = conn.execute(text("SELECT id FROM organizations WHERE external_id = 'conceria-demo'")
                                       ).scalar_one()
        for n in range(DECISIONS):
            queue.append(conn.execute(text(
                "INSERT INTO applications (call_id, organization_id, province, title, requested_cents, "
                "definitive_requested_cents, budget_lines, state, reserve, is_demo, version, created_at, updated_at)"
                " VALUES (:call, :org, 'PI', :title, 100000, 100000, '[]', 'definitive_submitted', false, false, 1,"
                " :now, :now) RETURNING id"), {"call": call.json()["id"], "org": organization_id,
                                                "title": f"Progetto definitivo {n}", "now": now}).scalar_one())
    return World(base=base, headers=headers, call_id=call.json()["id"], event_id=event.json()["id"],
                 funding_queue=queue)


# ---- the checks after each restart --------------------------------------------------------------------------

def check_sync(world: World, engine: Engine) -> tuple[int, int]:
    ledger = world.ledger
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, external_id, name, version, document FROM clusters "
                                 "WHERE source = :s"), {"s": SOURCE}).all()
    by_group: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_group[row.external_id.rsplit("-", 1)[0]].append(row)
    known = {g.name: g for g in ledger.groups}
    applied_unanswered = 0
    assert set(by_group) <= set(known), f"records nobody sent: {sorted(set(by_group) - set(known))[:5]}"
    for group in ledger.groups:
        stored = by_group.get(group.name, [])
        if not stored:
            assert group.acked is None, f"batch {group.name} r{group.acked} was acknowledged and is gone"
            continue
        assert sorted(r.external_id for r in stored) == group.external_ids(), \
            f"batch {group.name} is half applied: {len(stored)} of {group.size} records"
        revisions = {int(r.name.rsplit(" r", 1)[1]) for r in stored}
        assert len(revisions) == 1, f"batch {group.name} mixes revisions {sorted(revisions)}"
        (rev,) = revisions
        allowed = ([group.acked] if group.acked is not None else []) + group.unanswered
        assert rev in allowed, f"batch {group.name} is at r{rev}; acknowledged r{group.acked}, " \
                               f"unanswered {group.unanswered}"
        applied_unanswered += rev != group.acked
        for row in stored:
            document = json.loads(row.document)
            assert (document["name"], document["version"], document["id"]) == (row.name, row.version, row.id)
            if rev == group.acked:
                assert (row.id, row.version) == group.acked_items[row.external_id], \
                    f"{row.external_id} is not at the version acknowledged"
    return len(rows), applied_unanswered


def check_feed(world: World, engine: Engine) -> int:
    """The feed from the start: cursors strictly increasing, every acknowledged version in it, and each of the
    source's records ending at its stored version."""
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, version FROM clusters WHERE source = :s"), {"s": SOURCE}).all())
    seen: set[tuple[int, int]] = set()
    last: dict[int, int] = {}
    previous = (-1, -1)
    since: str | None = None
    with httpx.Client(base_url=world.base, headers=world.headers["service"], timeout=60) as http:
        while True:
            page = http.get(f"{API}/changes", params={"types": "clusters", "limit": 1000,
                                                      **({"since": since} if since else {})})
            assert page.status_code == 200, page.text
            body = page.json()
            for change in body["changes"]:
                txid, change_id = (int(part, 16) for part in change["cursor"].split(".")[:2])
                assert (txid, change_id) > previous, f"cursor {change['cursor']} after {previous}"
                previous = (txid, change_id)
                seen.add((change["id"], change["version"]))
                last[change["id"]] = change["version"]
            since = body["next_cursor"]
            if not body["has_more"]:
                break
    missing = world.ledger.feed_acked - seen
    assert not missing, f"acknowledged writes missing from the feed: {sorted(missing)[:10]}"
    for cluster_id, version in stored.items():
        assert last.get(cluster_id) == version, f"cluster {cluster_id} is at v{version}, the feed ends at " \
                                                f"v{last.get(cluster_id)}"
    return len(seen)


def check_applications(world: World, engine: Engine) -> int:
    ledger = world.ledger
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, title, state, version, submitted_at, phase_id FROM applications "
                                 "WHERE call_id = :c AND title LIKE 'Progetto crash %'"), {"c": world.call_id}).all()
        moves = defaultdict(list)
        for app_id, to_state in conn.execute(text(
                "SELECT t.application_id, t.to_state FROM application_transitions t JOIN applications a "
                "ON a.id = t.application_id WHERE a.call_id = :c ORDER BY t.id"), {"c": world.call_id}).all():
            moves[app_id].append(to_state)
    by_title = {row.title: row for row in rows}
    for title, app_id in ledger.apps_acked.items():
        assert title in by_title and by_title[title].id == app_id, f"acknowledged application {title!r} is lost"
    for app_id in ledger.apps_submitted:
        row = next(r for r in rows if r.id == app_id)
        assert row.state == "submitted", f"application {app_id} was acknowledged submitted and is {row.state}"
    for row in rows:
        assert row.title in ledger.apps_acked or row.title in ledger.apps_unanswered, f"{row.title!r} never sent"
        if row.state == "draft":
            assert (moves[row.id], row.version, row.submitted_at) == (["draft"], 1, None), row
        else:
            assert row.state == "submitted", row
            assert moves[row.id] == ["draft", "submitted"] and row.version == 2, (row, moves[row.id])
            assert row.submitted_at is not None and row.phase_id is not None, row
    return len(rows)


def check_registrations(world: World, engine: Engine) -> int:
    ledger = world.ledger
    with engine.connect() as conn:
        registered, capacity = conn.execute(text("SELECT registered, capacity FROM events WHERE id = :e"),
                                            {"e": world.event_id}).one()
        rows = conn.execute(text("SELECT id, email, status, position FROM registrations WHERE event_id = :e"),
                            {"e": world.event_id}).all()
    tally = defaultdict(int)
    for row in rows:
        tally[row.status] += 1
    assert tally["confirmed"] <= capacity, f"{tally['confirmed']} seats given of {capacity}"
    assert not tally["waiting"] or tally["confirmed"] == capacity, f"a free seat while people wait: {dict(tally)}"
    assert sorted(r.position for r in rows) == list(range(1, registered + 1)), \
        f"the event counts {registered} arrivals; its rows have positions {sorted(r.position for r in rows)}"
    by_email = {row.email: row for row in rows}
    for email, (rid, status) in ledger.registrations.items():
        row = by_email.get(email)
        assert row is not None and row.id == rid, f"acknowledged registration {email} is lost"
        if rid in ledger.cancelled:
            assert row.status == "cancelled", f"registration {rid} was acknowledged cancelled and is {row.status}"
        elif row.status == "cancelled":
            assert rid in ledger.cancels_unanswered, f"registration {rid} is cancelled; nobody was told so"
        else:  # a seat is kept; a place on the waiting list may have become a seat
            assert row.status in (("confirmed",) if status == "confirmed" else ("waiting", "confirmed")), (row, status)
    for row in rows:
        assert row.email in ledger.registrations or row.email in ledger.registrations_unanswered, \
            f"{row.email} never registered"
    stats = httpx.get(f"{world.base}{API}/events/{world.event_id}/stats", timeout=30).json()
    assert {k: stats[k] for k in ("confirmed", "waiting", "cancelled")} == \
        {k: tally[k] for k in ("confirmed", "waiting", "cancelled")}, (stats, dict(tally))
    return len(rows)


def check_funding(world: World, engine: Engine) -> int:
    ledger = world.ledger
    budget = httpx.get(f"{world.base}{API}/calls/{world.call_id}/budget", timeout=30).json()
    assert budget["allocated"] == budget["granted_by_applications"], budget
    assert all(not f["remaining"].startswith("-") for f in budget["funders"]), budget
    with engine.connect() as conn:
        apps = conn.execute(text("SELECT id, state, granted_cents, version FROM applications "
                                 "WHERE call_id = :c AND title LIKE 'Progetto definitivo %'"),
                            {"c": world.call_id}).all()
        entries = defaultdict(list)
        for app_id, amount in conn.execute(text("SELECT application_id, amount_cents FROM budget_ledger "
                                                "WHERE call_id = :c"), {"c": world.call_id}).all():
            entries[app_id].append(amount)
        funded_moves = defaultdict(int)
        for (app_id,) in conn.execute(text(
                "SELECT t.application_id FROM application_transitions t JOIN applications a ON a.id = "
                "t.application_id WHERE a.call_id = :c AND t.to_state = 'funded'"), {"c": world.call_id}).all():
            funded_moves[app_id] += 1
    funded = 0
    for app in apps:
        if app.state == "funded":
            funded += 1
            assert app.granted_cents == 100_000 and sorted(entries[app.id]) == [50_000, 50_000], (app, entries[app.id])
            assert funded_moves[app.id] == 1 and app.version == 2, app
            assert app.id in ledger.decisions_unanswered or ledger.funded.get(app.id) == "1000.00", \
                f"application {app.id} is funded; the answer was {ledger.funded.get(app.id)!r}"
        else:
            assert app.state == "definitive_submitted", app
            assert app.granted_cents is None and not entries[app.id] and not funded_moves[app.id], app
            assert app.id not in ledger.funded, f"application {app.id} was acknowledged funded and is not"
    assert funded <= FUNDABLE
    return funded


# ---- the test ------------------------------------------------------------------------------------------------

@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """The server's own database: a file beside the test's files, or `<test database>_crash` on PostgreSQL."""
    with own_database(tmp_path, "crash") as url:
        yield url


def test_no_acknowledged_write_is_lost_when_the_server_is_killed(tmp_path: Path, database_url: str) -> None:
    rng = random.Random(SEED)
    env = {**os.environ, "CARTESIO_VAR_DIR": str(tmp_path), "CARTESIO_DATABASE_URL": database_url,
           "CARTESIO_DEMO_PASSWORD": PASSWORD, "CARTESIO_ENVIRONMENT": "development",
           "CARTESIO_RATE_LIMIT_PER_SECOND": "0", "CARTESIO_RATE_LIMIT_ANONYMOUS_PER_SECOND": "0",
           "CARTESIO_WORKER_IN_PROCESS": "true"}
    for step in (["db", "upgrade"], ["seed", "demo"]):
        done = subprocess.run([CARTESIO, *step], env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
    server = Server(tmp_path, env)
    engine = make_sync_engine(database_url)
    report: list[str] = []
    try:
        report.append(f"start {server.start():.1f}s")
        world = prepare(server.base, engine)
        groups: list[list[Group]] = [[], []]
        for cycle in range(CYCLES):
            stop = threading.Event()
            writers = [threading.Thread(target=guarded(sync_writer), args=(world, stop, random.Random(rng.random()), mine))
                       for mine in groups]
            writers += [threading.Thread(target=guarded(fn), args=(world, stop, random.Random(rng.random())))
                        for fn in (application_writer, registration_writer, funding_writer)]
            for writer in writers:
                writer.start()
            # The random moment: after a random number of answers (so that a slow machine sees the same mix of
            # writes), then a random fraction of a second, while the next requests are in flight.
            # Funding decisions queue behind batches on SQLite's one writer: wait for two of them too.
            ledger = world.ledger
            target, deadline = ledger.answered + rng.randint(10, 30), time.monotonic() + 60
            decided = len(ledger.funded) + len(ledger.refused) + 2
            while time.monotonic() < deadline and (ledger.answered < target or (
                    world.funding_queue and len(ledger.funded) + len(ledger.refused) < decided)):
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.5))
            server.kill()
            stop.set()
            for writer in writers:
                writer.join(timeout=60)
                assert not writer.is_alive(), "a writer hung after the kill"
            restart = server.start()
            if engine.dialect.name == "sqlite":
                with engine.connect() as conn:
                    assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
                    assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 1  # NORMAL, see above
                # WAL is a property of the file, set by the server's connections: read it without our engine.
                with closing(sqlite3.connect(make_url(database_url).database)) as plain:
                    assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            found = (check_sync(world, engine), check_feed(world, engine), check_applications(world, engine),
                     check_registrations(world, engine), check_funding(world, engine))
            report.append(f"cycle {cycle}: restart {restart:.1f}s, clusters {found[0][0]} (batches applied "
                          f"without an answer: {found[0][1]}), feed {found[1]}, "
                          f"applications {found[2]}, registrations {found[3]}, funded {found[4]}")
        ledger = world.ledger
        assert not ledger.unexpected, ledger.unexpected[:5]
        # The kills must have hit writes in flight, and the writers must have got work done between them.
        assert ledger.unanswered >= CYCLES, f"only {ledger.unanswered} requests were cut off"
        assert sum(1 for g in ledger.groups if g.acked) and ledger.apps_acked and ledger.registrations
        assert ledger.funded and ledger.refused, (ledger.funded, ledger.refused, ledger.decisions_unanswered)
        print(f"\nseed {SEED}, {engine.dialect.name}: {ledger.answered} answered, {ledger.unanswered} cut off; "
              + "; ".join(report))
    finally:
        engine.dispose()
        server.stop()
