"""Idempotent retries (Idempotency-Key) and per-client rate limits, including truly concurrent requests
against a real server."""

from __future__ import annotations

import threading
import uuid

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.main import create_app
from tests.helpers import assert_problem

ADMIN = "admin@cartesio.example"


def cluster_body(name: str) -> dict:
    return {"name": name, "kind": "cluster", "country": "IT", "region_code": "ITI17"}


def count_named(engine, name: str) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM clusters WHERE name = :n"), {"n": name}).scalar_one()


class TestIdempotencyKey:
    def test_retry_gets_the_first_answer_and_does_no_work(self, client, auth, engine):
        name, key = f"Idem {uuid.uuid4().hex[:8]}", str(uuid.uuid4())
        headers = {**auth(ADMIN), "Idempotency-Key": key}
        first = client.post("/api/v1/clusters", json=cluster_body(name), headers=headers)
        again = client.post("/api/v1/clusters", json=cluster_body(name), headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json() and again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Location"] == first.headers["Location"]
        assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
        assert count_named(engine, name) == 1
        # Without the key, the same body is a new request.
        assert client.post("/api/v1/clusters", json=cluster_body(name), headers=auth(ADMIN)).status_code == 201
        assert count_named(engine, name) == 2

    def test_same_key_different_body_is_422(self, client, auth, engine):
        key = str(uuid.uuid4())
        headers = {**auth(ADMIN), "Idempotency-Key": key}
        name = f"Idem {uuid.uuid4().hex[:8]}"
        assert client.post("/api/v1/clusters", json=cluster_body(name), headers=headers).status_code == 201
        other = client.post("/api/v1/clusters", json=cluster_body(name + " bis"), headers=headers)
        assert_problem(other, 422)
        assert other.json()["type"].endswith("idempotency-key-reused")
        assert count_named(engine, name + " bis") == 0

    def test_keys_belong_to_their_caller(self, client, auth, engine):
        key, name = str(uuid.uuid4()), f"Idem {uuid.uuid4().hex[:8]}"
        a = client.post("/api/v1/clusters", json=cluster_body(name),
                        headers={**auth(ADMIN), "Idempotency-Key": key})
        b = client.post("/api/v1/clusters", json=cluster_body(name),
                        headers={**auth("toscana@cartesio.example"), "Idempotency-Key": key})
        assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]

    def test_client_errors_are_replayed_too(self, client, auth):
        headers = {**auth(ADMIN), "Idempotency-Key": str(uuid.uuid4())}
        bad = {"name": "x", "kind": "volcano", "country": "IT"}
        first = client.post("/api/v1/clusters", json=bad, headers=headers)
        again = client.post("/api/v1/clusters", json=bad, headers=headers)
        assert first.status_code == again.status_code == 422 and again.json() == first.json()
        assert again.headers["content-type"].startswith("application/problem+json")

    def test_bad_key_is_422(self, client, auth):
        headers = {**auth(ADMIN), "Idempotency-Key": "with space"}
        assert_problem(client.post("/api/v1/clusters", json=cluster_body("x"), headers=headers), 422)

    def test_batch_retry_is_replayed(self, client, service_client, engine):
        headers = {**service_client("lombardia", "ITC4"), "Idempotency-Key": str(uuid.uuid4())}
        ext = f"I-{uuid.uuid4().hex[:8]}"
        records = [{"name": f"Idem batch {ext}", "kind": "cluster", "country": "IT", "region_code": "ITC4B",
                    "external_id": ext}]
        first = client.post("/api/v1/sync/lombardia/clusters:batch", json=records, headers=headers)
        again = client.post("/api/v1/sync/lombardia/clusters:batch", json=records, headers=headers)
        assert first.json()["created"] == 1 and again.json() == first.json()

    def test_concurrent_requests_with_one_key_do_the_work_once(self, live_url, auth, engine):
        name, key = f"Concorrente {uuid.uuid4().hex[:8]}", str(uuid.uuid4())
        headers = {**auth(ADMIN), "Idempotency-Key": key}
        answers: list[httpx.Response] = []
        barrier = threading.Barrier(8)

        def fire() -> None:
            with httpx.Client(base_url=live_url, timeout=30) as http:
                barrier.wait()
                answers.append(http.post("/api/v1/clusters", json=cluster_body(name), headers=headers))

        threads = [threading.Thread(target=fire) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert count_named(engine, name) == 1
        created = [a for a in answers if a.status_code == 201]
        assert created and all(a.status_code in (201, 409) for a in answers)
        assert len({a.json()["id"] for a in created}) == 1


class TestRateLimit:
    def test_bucket_refuses_beyond_the_burst(self, seeded, auth):
        settings = seeded.model_copy(update={"rate_limit_per_second": 0.5, "rate_limit_burst": 3})
        with TestClient(create_app(settings), raise_server_exceptions=False) as limited:
            token = limited.post("/api/v1/auth/token", data={
                "grant_type": "password", "username": "ricerca@cartesio.example",
                "password": "demo-password-for-tests"}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            answers = [limited.get("/api/v1/changes?limit=1", headers=headers) for _ in range(3)]
            assert [a.status_code for a in answers] == [200, 200, 200]
            assert answers[0].headers["RateLimit-Limit"] == "3"
            assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
            refused = limited.get("/api/v1/changes?limit=1", headers=headers)
            assert_problem(refused, 429)
            assert int(refused.headers["Retry-After"]) >= 1 and refused.headers["RateLimit-Remaining"] == "0"
            # Another client has its own bucket; anonymous reads are not limited by default.
            other = limited.post("/api/v1/auth/token", data={
                "grant_type": "password", "username": "admin@cartesio.example",
                "password": "demo-password-for-tests"}).json()["access_token"]
            assert limited.get("/api/v1/changes?limit=1",
                               headers={"Authorization": f"Bearer {other}"}).status_code == 200
            assert all(limited.get("/api/v1/clusters?limit=1").status_code == 200 for _ in range(5))
            assert limited.get("/healthz").status_code == 200
