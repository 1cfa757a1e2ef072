"""Webhooks: subscriptions, signed deliveries to a real receiver on loopback, retries with backoff, the log,
giving up after the retry window, and several workers that never send one delivery twice at once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from datetime import datetime

import httpx
import orjson
import pytest

from api.core.db import Database
from api.webhooks import service, worker
from api.webhooks.signing import verify
from tests.helpers import assert_problem
from tests.receiver import Receiver


@pytest.fixture
def receiver():  # noqa: ANN201
    r = Receiver().start()
    yield r
    r.stop()


def run_worker(settings, rounds: int = 3, pause: float = 0.0) -> None:  # noqa: ANN001
    async def go() -> None:
        db = Database(settings)
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                for _ in range(rounds):
                    while await worker.step(db, client):
                        pass
                    if pause:
                        await asyncio.sleep(pause)
        finally:
            await db.dispose()

    asyncio.run(go())


def subscribe(client, headers, url, types=("cluster.*",)):  # noqa: ANN001, ANN201
    made = client.post("/api/v1/webhooks", headers=headers, json={"url": url, "event_types": list(types)})
    assert made.status_code == 201, made.text
    return made.json()


def put_cluster(client, headers, name="Hook"):  # noqa: ANN001, ANN201
    ext = f"W-{uuid.uuid4().hex[:8]}"
    made = client.put(f"/api/v1/sync/lombardia/clusters/{ext}", headers=headers, json={
        "name": f"{name} {ext}", "kind": "cluster", "country": "IT", "region_code": "ITC4B"})
    assert made.status_code == 201, made.text
    return made.json()


def test_signed_delivery_to_a_real_receiver(client, service_client, seeded, receiver):
    headers = service_client("lombardia", "ITC4")
    hook = subscribe(client, headers, receiver.url)
    assert hook["secret"].startswith("whsec_")
    cluster = put_cluster(client, headers)
    run_worker(seeded)
    mine = [r for r in receiver.received if orjson.loads(r.body)["data"]["id"] == cluster["id"]]
    assert len(mine) == 1
    got = mine[0]
    event = orjson.loads(got.body)
    assert event["type"] == "cluster.created" and got.headers["cartesio-event-id"] == event["id"]
    assert event["data"]["resource"] == cluster
    assert event["data"]["external_id"] == {"source": "lombardia", "id": cluster["external_id"]}
    assert verify(hook["secret"], got.body, got.headers["cartesio-signature"])
    assert not verify(hook["secret"], got.body + b" ", got.headers["cartesio-signature"])
    assert not verify("whsec_other", got.body, got.headers["cartesio-signature"])
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=headers).json()["items"]
    assert log[0]["status"] == "delivered" and log[0]["attempts"] == 1 and log[0]["last_status"] == 200
    client.patch(f"/api/v1/webhooks/{hook['id']}", headers=headers, json={"is_active": False})


def test_events_before_the_subscription_are_not_sent(client, service_client, seeded, receiver):
    headers = service_client("lombardia", "ITC4")
    earlier = put_cluster(client, headers, "Prima")
    time.sleep(0.01)
    hook = subscribe(client, headers, receiver.url)
    later = put_cluster(client, headers, "Dopo")
    run_worker(seeded)
    ids = [orjson.loads(r.body)["data"]["id"] for r in receiver.received]
    assert later["id"] in ids and earlier["id"] not in ids
    client.delete(f"/api/v1/webhooks/{hook['id']}", headers=headers)


def test_only_subscribed_event_types(client, service_client, seeded, receiver):
    headers = service_client("lombardia", "ITC4")
    hook = subscribe(client, headers, receiver.url, types=("cluster.deleted", "organization.*"))
    cluster = put_cluster(client, headers)
    client.delete(f"/api/v1/sync/lombardia/clusters/{cluster['external_id']}", headers=headers)
    run_worker(seeded)
    types = [orjson.loads(r.body)["type"] for r in receiver.received
             if orjson.loads(r.body)["data"]["id"] == cluster["id"]]
    assert types == ["cluster.deleted"]
    client.delete(f"/api/v1/webhooks/{hook['id']}", headers=headers)


def test_failed_deliveries_are_retried_with_backoff(client, service_client, seeded, receiver):
    # A base long enough that a busy machine finishes the first round before the retry falls due.
    settings = seeded.model_copy(update={"webhook_retry_base_seconds": 1.0})
    receiver.fail_first = 2
    headers = service_client("lombardia", "ITC4")
    # Fan out what the suite has written so far first: a round spent on thousands of earlier changes would
    # outlast the base interval and let the retry fall due within it.
    run_worker(settings, rounds=1)
    hook = subscribe(client, headers, receiver.url)
    cluster = put_cluster(client, headers)
    run_worker(settings, rounds=1)
    # Backoff: the second try is not made at once, but scheduled a base interval later.
    assert len(receiver.received) == 1
    first = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=headers).json()["items"][0]
    waited = datetime.fromisoformat(first["next_attempt_at"]) - datetime.fromisoformat(first["last_attempt_at"])
    assert first["attempts"] == 1 and waited.total_seconds() >= 0.99
    run_worker(settings, rounds=16, pause=0.5)
    mine = [r for r in receiver.received if orjson.loads(r.body)["data"]["id"] == cluster["id"]]
    assert len(mine) == 3 and len({r.headers["cartesio-event-id"] for r in mine}) == 1
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=headers).json()["items"][0]
    assert (log["status"], log["attempts"], log["last_status"]) == ("delivered", 3, 200)
    client.delete(f"/api/v1/webhooks/{hook['id']}", headers=headers)


def test_gives_up_after_the_retry_window(client, service_client, seeded, receiver):
    settings = seeded.model_copy(update={"webhook_retry_base_seconds": 0.05, "webhook_max_age_seconds": 2})
    receiver.status = 503
    headers = service_client("lombardia", "ITC4")
    # Fan out the suite's earlier changes first: a first round spent on them would outlast the window, and the
    # delivery would be given up after a single try.
    run_worker(settings, rounds=1)
    hook = subscribe(client, headers, receiver.url)
    put_cluster(client, headers)
    run_worker(settings, rounds=1)
    time.sleep(2.1)
    run_worker(settings, rounds=3, pause=0.1)
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=headers).json()["items"][0]
    assert log["status"] == "failed" and log["last_status"] == 503 and log["attempts"] >= 2
    client.delete(f"/api/v1/webhooks/{hook['id']}", headers=headers)


def test_two_workers_never_send_a_delivery_twice(client, service_client, seeded, receiver):
    headers = service_client("lombardia", "ITC4")
    hook = subscribe(client, headers, receiver.url)
    records = [{"name": f"Parallelo {i} {uuid.uuid4().hex[:6]}", "kind": "cluster", "country": "IT",
                "region_code": "ITC4B", "external_id": f"P-{uuid.uuid4().hex}"} for i in range(40)]
    assert client.post("/api/v1/sync/lombardia/clusters:batch", json=records, headers=headers).status_code == 200

    async def two_workers() -> None:
        dbs = [Database(seeded), Database(seeded)]
        try:
            await service.dispatch(dbs[0])
            async with httpx.AsyncClient(timeout=5) as http:
                async def drain(db: Database) -> None:
                    while await service.deliver_due(db, http, limit=5):
                        pass
                await asyncio.gather(drain(dbs[0]), drain(dbs[1]))
        finally:
            for db in dbs:
                await db.dispose()

    asyncio.run(two_workers())
    events = Counter(r.headers["cartesio-event-id"] for r in receiver.received)
    assert len(events) == 40 and set(events.values()) == {1}
    client.delete(f"/api/v1/webhooks/{hook['id']}", headers=headers)


def test_webhooks_are_private_to_their_owner(client, service_client, auth, receiver):
    mine = service_client("lombardia", "ITC4")
    other = service_client("piemonte", "ITC1")
    hook = subscribe(client, mine, receiver.url)
    assert_problem(client.get(f"/api/v1/webhooks/{hook['id']}", headers=other), 404)
    assert_problem(client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=other), 404)
    assert_problem(client.delete(f"/api/v1/webhooks/{hook['id']}", headers=other), 404)
    assert hook["id"] not in [h["id"] for h in client.get("/api/v1/webhooks", headers=other).json()["items"]]
    assert "secret" not in client.get(f"/api/v1/webhooks/{hook['id']}", headers=mine).json()
    assert_problem(client.post("/api/v1/webhooks", headers=auth("conceria@cartesio.example"),
                               json={"url": receiver.url, "event_types": ["*"]}), 403)
    client.delete(f"/api/v1/webhooks/{hook['id']}", headers=mine)


@pytest.mark.parametrize("body", [
    {"url": "ftp://example.org/x", "event_types": ["cluster.created"]},
    {"url": "http://127.0.0.1:9/x", "event_types": ["volcano.erupted"]},
    {"url": "http://127.0.0.1:9/x", "event_types": []},
    {"url": "http://127.0.0.1:9/?q=" + "a" * 1990, "event_types": ["*"]},  # 2001 characters once normalised
    {"url": "http://127.0.0.1:9/x?" + "a" * 2000, "event_types": ["*"]},
])
def test_bad_subscriptions_are_422(client, service_client, body):
    headers = service_client("lombardia", "ITC4")
    before = client.get("/api/v1/webhooks", headers=headers).json()["items"]
    assert_problem(client.post("/api/v1/webhooks", headers=headers, json=body), 422)
    assert client.get("/api/v1/webhooks", headers=headers).json()["items"] == before


def test_the_longest_url_is_kept_whole(client, service_client):
    url = "http://127.0.0.1:9/hook?" + "a" * (2000 - len("http://127.0.0.1:9/hook?"))
    made = client.post("/api/v1/webhooks", headers=service_client("lombardia", "ITC4"),
                       json={"url": url, "event_types": ["*"]})
    assert made.status_code == 201, made.text
    assert made.json()["url"] == url


def test_private_targets_are_refused_when_not_allowed(client, service_client, seeded, receiver):
    settings = seeded.model_copy(update={"webhook_allow_private_targets": False})
    headers = service_client("lombardia", "ITC4")
    hook = subscribe(client, headers, receiver.url)
    put_cluster(client, headers)
    run_worker(settings, rounds=1)
    assert receiver.received == []
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=headers).json()["items"][0]
    assert log["status"] == "pending" and "not allowed" in log["last_error"]
    client.delete(f"/api/v1/webhooks/{hook['id']}", headers=headers)
