"""Hostile input against a real server on loopback: deeply nested JSON, very long strings, huge page sizes, and
clients that send their headers or bodies slowly. Each is refused with a problem (or simply waited for), and
the server keeps answering everyone else while it happens."""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from api.core.config import Settings
from api.main import create_app
from tests.conftest import DEMO_PASSWORD

ADMIN = "admin@cartesio.example"
# Generous: the machine may be busy with the rest of the suite; a blocked event loop takes the whole trickle.
PROMPT_SECONDS = 2.0


@pytest.fixture(scope="module")
def base(seeded: Settings) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(seeded), log_level="warning", access_log=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="uvicorn-hostile")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="module")
def admin(base: str) -> dict[str, str]:
    answer = httpx.post(f"{base}/api/v1/auth/token",
                        data={"grant_type": "password", "username": ADMIN, "password": DEMO_PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def assert_problem(answer: httpx.Response, *statuses: int) -> dict:
    assert answer.status_code in statuses, (answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.headers
    return answer.json()


def response_times(base: str, n: int = 10) -> list[float]:
    """How long ordinary public reads take, one after another, on fresh connections."""
    times = []
    for _ in range(n):
        started = time.monotonic()
        answer = httpx.get(f"{base}/api/v1/clusters?limit=5", timeout=10)
        times.append(time.monotonic() - started)
        assert answer.status_code == 200
    return times


class TestNestedJson:
    @pytest.mark.parametrize("depth", [1_000, 100_000])
    def test_deep_arrays_are_refused(self, base, admin, depth):
        body = "[" * depth + "]" * depth
        assert_problem(httpx.post(f"{base}/api/v1/clusters", content=body, timeout=30,
                                  headers={**admin, "Content-Type": "application/json"}), 400, 422)
        assert max(response_times(base, 3)) < PROMPT_SECONDS

    def test_deep_objects_inside_a_field_are_refused(self, base, admin):
        depth = 50_000
        body = '{"name": ' + '{"a": ' * depth + "1" + "}" * depth + ', "kind": "cluster", "country": "IT"}'
        problem = assert_problem(httpx.post(f"{base}/api/v1/clusters", content=body, timeout=30,
                                            headers={**admin, "Content-Type": "application/json"}), 400, 422)
        assert problem["status"] in (400, 422)

    def test_deep_records_in_a_sync_batch_are_refused(self, base, admin):
        depth = 50_000
        body = "[" + '{"x": ' * depth + "1" + "}" * depth + "]"
        assert_problem(httpx.post(f"{base}/api/v1/sync/hostile/clusters:batch", content=body, timeout=30,
                                  headers={**admin, "Content-Type": "application/json"}), 400, 403, 404, 422)


class TestLongValues:
    def test_a_long_string_is_refused_by_its_field(self, base, admin):
        problem = assert_problem(httpx.post(f"{base}/api/v1/clusters", headers=admin, timeout=30, json={
            "name": "x" * 900_000, "kind": "cluster", "country": "IT"}), 422)
        assert any(e["field"] == "body.name" for e in problem["errors"]), problem

    def test_a_body_over_the_limit_is_413(self, base, admin):
        assert_problem(httpx.post(f"{base}/api/v1/clusters", headers=admin, timeout=30, json={
            "name": "x" * 2_000_000, "kind": "cluster", "country": "IT"}), 413)

    @pytest.mark.parametrize("path", ["/api/v1/clusters", "/api/v1/organizations", "/api/v1/events",
                                      "/api/v1/changes"])
    def test_huge_page_sizes_are_refused(self, base, admin, path):
        problem = assert_problem(httpx.get(f"{base}{path}?limit={10**12}", headers=admin), 422)
        assert any(e["field"] == "query.limit" for e in problem["errors"]), problem

    def test_a_long_query_string_is_refused(self, base):
        assert_problem(httpx.get(f"{base}/api/v1/clusters?q={'a' * 50_000}"), 422)


def _trickle(port: int, head: bytes, body_bytes: int, stop: threading.Event, pause: float = 0.1) -> None:
    """Send `head` a few bytes at a time, then `body_bytes` of body slowly, until stopped."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        for i in range(0, len(head), 8):
            if stop.is_set():
                return
            sock.sendall(head[i:i + 8])
            time.sleep(pause / 4)
        sent = 0
        while sent < body_bytes and not stop.is_set():
            sock.sendall(b" " * 16)
            sent += 16
            time.sleep(pause)


class TestSlowClients:
    def test_slow_headers_and_bodies_do_not_hold_up_others(self, base, admin):
        port = int(base.rsplit(":", 1)[1])
        before = statistics.median(response_times(base, 5))
        stop = threading.Event()
        heads = [
            # Headers sent a few bytes at a time (never finished within the test).
            b"GET /api/v1/clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"p" * 4000 + b"\r\n\r\n",
            # A large announced body trickled in: an upload, and a JSON write.
            b"PUT /api/v1/emas/resources/1/versions/1/files/lento.pdf HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: " + admin["Authorization"].encode() + b"\r\nContent-Length: 5000000\r\n\r\n",
            b"POST /api/v1/clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 900000\r\n\r\n",
        ]
        slow = [threading.Thread(target=_trickle, args=(port, heads[i % len(heads)], 5_000_000, stop), daemon=True)
                for i in range(30)]
        for thread in slow:
            thread.start()
        try:
            time.sleep(1.0)  # every slow client connected and sending
            during = response_times(base, 10)
        finally:
            stop.set()
            for thread in slow:
                thread.join(timeout=10)
        assert max(during) < PROMPT_SECONDS, (before, during)
        assert statistics.median(during) < max(PROMPT_SECONDS / 2, 10 * before), (before, during)
        # And it still serves writes afterwards.
        answer = httpx.post(f"{base}/api/v1/clusters", headers=admin, json={
            "name": "Dopo i client lenti", "kind": "cluster", "country": "IT", "region_code": "ITC4C"})
        assert answer.status_code == 201, answer.text
