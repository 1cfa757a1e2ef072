"""Observability: request ids, JSON logs that keep secrets out (proven on a real `cartesio serve`), and /metrics
in the Prometheus format (also summed over the processes of `cartesio serve --workers 2`)."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import text

from api.core.config import Settings, normalise_database_url
from api.core.db import make_sync_engine
from api.core.logs import (
    ACCESS_LOGGER,
    JsonFormatter,
    RequestIdFilter,
    TextFormatter,
    logging_config,
    redact_query,
)
from api.core.observability import given_id
from api.main import create_app
from tests.helpers import free_port, own_database, stop_process

ROOT = Path(__file__).resolve().parents[1]
CARTESIO = str(Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "cartesio")
CLUSTER_ROUTE = "/api/v1/clusters/{cluster_id}"
ORGANIZER = "camera@cartesio.example"


def sample(exposition: str, name: str, **labels: str) -> float | None:
    """The value of one sample of a Prometheus text exposition, or None when it is not there."""
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None


def event_body() -> dict:
    start = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    return {"title": f"Seminario {uuid.uuid4().hex[:8]}", "kind": "seminar", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(), "capacity": 40, "topics": ["riuso e riciclo"],
            "audience": "enterprises", "venue": "Camera di Commercio di Milano"}


@pytest.fixture()
def logged() -> Iterator[io.StringIO]:
    """What the cartesio loggers write while the test runs, as the server writes it (JSON lines, with ids)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("cartesio")
    levels = logger.level, logging.getLogger(ACCESS_LOGGER).level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(levels[0])
    logging.getLogger(ACCESS_LOGGER).setLevel(levels[1])


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


class TestRequestId:
    def test_a_sane_id_is_kept(self, client: TestClient, ids: dict[str, int]) -> None:
        answer = client.get(f"/api/v1/clusters/{ids['cluster:prato-textile']}", headers={"X-Request-ID": "lb-7f3a 2"})
        assert answer.status_code == 200 and answer.headers["x-request-id"] == "lb-7f3a 2"

    @pytest.mark.parametrize("given", [None, "x" * 129, "bad\x7fid", "città", ""])
    def test_an_id_is_made_when_none_or_an_insane_one_is_given(self, client: TestClient, given: str | None) -> None:
        headers = {"X-Request-ID": given.encode("utf-8")} if given is not None else {}
        answer = client.get("/api/v1/clusters/999999999", headers=headers)
        assert answer.status_code == 404
        made = answer.headers["x-request-id"]
        assert len(made) == 32 and int(made, 16) >= 0 and made != given

    def test_ids_differ_between_requests(self, client: TestClient) -> None:
        assert client.get("/healthz").headers["x-request-id"] != client.get("/healthz").headers["x-request-id"]

    def test_the_limit_is_128_printable_characters(self) -> None:
        assert given_id(b"a" * 128) == "a" * 128 and given_id(b"a" * 129) is None
        assert given_id(b"tab\there") is None and given_id(b"~!@ #") == "~!@ #"

    def test_every_kind_of_answer_carries_it(self, seeded: Settings) -> None:
        app = create_app(seeded.model_copy(update={"max_body_bytes": 2048}))

        @app.get("/api/v1/failing-for-test")
        async def failing() -> None:
            raise RuntimeError("never shown")

        with TestClient(app, raise_server_exceptions=False) as c:
            for answer in (c.post("/api/v1/auth/token", content=b"x" * 4096),  # 413 from the size limit
                           c.get("/api/v1/failing-for-test"),  # 500 from Starlette's error handler
                           c.get("/api/v1/nothing-here"), c.get("/openapi.json")):
                assert len(answer.headers["x-request-id"]) == 32, answer.status_code


class TestLogs:
    def test_log_records_carry_the_request_id(self, client: TestClient, auth, logged: io.StringIO,
                                              ids: dict[str, int]) -> None:
        headers = {**auth("prato@cartesio.example"), "X-Request-ID": f"trace-{uuid.uuid4().hex}"}
        answer = client.get(f"/api/v1/clusters/{ids['cluster:prato-textile']}", headers=headers)
        (line,) = [line for line in lines(logged) if line["request_id"] == headers["X-Request-ID"]]
        assert line["logger"] == ACCESS_LOGGER and line["level"] == "INFO"
        assert (line["method"], line["path"], line["status"]) == ("GET", f"/api/v1/clusters/{ids['cluster:prato-textile']}",
                                                                   answer.status_code)
        assert line["duration_ms"] >= 0 and line["client"] == "testclient"
        assert line["caller_kind"] == "user" and line["caller_id"].isdigit()
        assert datetime.fromisoformat(line["time"]).tzinfo is not None

    def test_an_unhandled_error_is_logged_by_type_and_stack_without_its_message(
            self, seeded: Settings, logged: io.StringIO) -> None:
        secret = secrets.token_hex(12)
        app = create_app(seeded)

        @app.post("/api/v1/failing-for-test")
        async def failing(body: dict) -> None:
            raise ValueError(f"could not use {body['password']}")

        with TestClient(app, raise_server_exceptions=False) as c:
            answer = c.post("/api/v1/failing-for-test?password=" + secret, json={"password": secret})
        assert answer.status_code == 500 and secret not in answer.text
        rid = answer.headers["x-request-id"]
        records = [line for line in lines(logged) if line["request_id"] == rid]
        error = next(line for line in records if "exception" in line)
        assert "ValueError" in error["exception"] and "failing" in error["exception"]
        access = next(line for line in records if line["logger"] == ACCESS_LOGGER)
        assert access["status"] == 500 and access["path"] == "/api/v1/failing-for-test?password=[redacted]"
        assert secret not in logged.getvalue()

    @pytest.mark.parametrize(("query", "logged_as"), [
        ("token=abc&limit=5", "token=[redacted]&limit=5"),
        ("access_token=a&client_secret=b&code=c&api_key=d",
         "access_token=[redacted]&client_secret=[redacted]&code=[redacted]&api_key=[redacted]"),
        ("Password=x&clientSecret=y&sig=z&q=tannery",
         "Password=[redacted]&clientSecret=[redacted]&sig=[redacted]&q=tannery"),
        ("region=ITI1&nace=C13&cursor=eyJpZCI6M30&sort=-name", "region=ITI1&nace=C13&cursor=eyJpZCI6M30&sort=-name"),
        ("token", "token"), ("", ""),
    ])
    def test_secret_parameters_are_redacted(self, query: str, logged_as: str) -> None:
        assert redact_query(query.encode()) == logged_as

    def test_settings_choose_the_format_the_level_and_the_access_line(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CARTESIO_LOG_FORMAT", "text")
        monkeypatch.setenv("CARTESIO_LOG_LEVEL", "warning")
        monkeypatch.setenv("CARTESIO_ACCESS_LOG", "false")
        config = logging_config(Settings())
        assert config["formatters"]["default"]["()"].endswith("TextFormatter")
        assert config["root"]["level"] == "WARNING" and config["loggers"][ACCESS_LOGGER]["level"] == "WARNING"
        assert config["loggers"]["uvicorn.access"]["propagate"] is False
        json_config = logging_config(Settings(log_format="json", log_level="INFO"), access_log=True)
        assert json_config["formatters"]["default"]["()"].endswith("JsonFormatter")
        assert json_config["loggers"][ACCESS_LOGGER]["level"] == "INFO"

    def test_the_text_format_is_one_line_per_record(self) -> None:
        record = logging.LogRecord(ACCESS_LOGGER, logging.INFO, __file__, 1, "%s", ("x",), None)
        record.__dict__.update(method="GET", path="/a\nforged", status=200, duration_ms=1.5, client="10.0.0.1",
                               caller_kind="service", caller_id="3", request_id="r1")
        line = TextFormatter().format(record)
        assert "\n" not in line and "[r1]" in line and "GET /a\\nforged 200 1.5 ms service:3" in line


class TestMetrics:
    def test_counters_histograms_and_gauges_move_with_requests(self, client: TestClient, auth,
                                                               ids: dict[str, int]) -> None:
        before = client.get("/metrics")
        assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain")
        labels = {"method": "GET", "route": CLUSTER_ROUTE}
        count_before = sample(before.text, "cartesio_http_requests_total", **labels, status="200") or 0
        histogram_before = sample(before.text, "cartesio_http_request_duration_seconds_count", **labels) or 0
        mails_before = sample(before.text, "cartesio_queue_depth", queue="mails")
        for _ in range(3):
            assert client.get(f"/api/v1/clusters/{ids['cluster:prato-textile']}").status_code == 200
        assert client.get("/api/v1/clusters/999999999").status_code == 404
        event = client.post("/api/v1/events", headers=auth(ORGANIZER), json=event_body())
        assert event.status_code == 201, event.text
        pending = client.post(f"/api/v1/events/{event.json()['id']}/registrations",
                              json={"name": "Anna Bianchi", "email": f"a.{uuid.uuid4().hex[:8]}@example.it"})
        assert pending.json()["status"] == "pending"

        after = client.get("/metrics").text
        assert sample(after, "cartesio_http_requests_total", **labels, status="200") == count_before + 3
        assert sample(after, "cartesio_http_requests_total", **labels, status="404") >= 1
        assert sample(after, "cartesio_http_request_duration_seconds_count", **labels) == histogram_before + 4
        buckets = [s for f in text_string_to_metric_families(after) for s in f.samples
                   if s.name == "cartesio_http_request_duration_seconds_bucket" and s.labels["route"] == CLUSTER_ROUTE]
        assert {"0.001", "0.1", "+Inf"} <= {s.labels["le"] for s in buckets}
        assert sample(after, "cartesio_http_request_duration_seconds_bucket", **labels, le="+Inf") == \
            histogram_before + 4
        # The message to confirm the registration waits for the worker (not running in the tests).
        assert sample(after, "cartesio_queue_depth", queue="mails") == mails_before + 1
        for queue in ("webhook_deliveries", "screenings"):
            assert sample(after, "cartesio_queue_depth", queue=queue) >= 0
        assert sample(after, "cartesio_db_pool_size", pool="orm") >= 1
        assert sample(after, "cartesio_db_pool_checked_out", pool="orm") >= 0
        if client.app.state.db.dialect == "postgresql":
            assert sample(after, "cartesio_db_pool_size", pool="read") >= 1
            assert sample(after, "cartesio_db_pool_waiting", pool="read") >= 0

    def test_routes_are_labelled_by_template_never_by_raw_path(self, client: TestClient) -> None:
        client.get("/api/v1/clusters/123456789")
        client.get("/no/such/page/42")
        client.request("BREW", "/api/v1/clusters")
        samples = [s for f in text_string_to_metric_families(client.get("/metrics").text) for s in f.samples
                   if s.name == "cartesio_http_requests_total"]
        routes = {s.labels["route"] for s in samples}
        assert CLUSTER_ROUTE in routes and "unmatched" in routes and "/metrics" in routes
        assert not any(part.isdigit() for route in routes for part in route.split("/")), routes
        assert {s.labels["method"] for s in samples} <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
                                                          "other"}
        assert any(s.labels["method"] == "other" for s in samples)

    def test_metrics_stay_out_of_the_openapi_document(self, client: TestClient) -> None:
        assert "/metrics" not in client.get("/openapi.json").json()["paths"]

    def test_a_token_guards_them_when_set_and_they_can_be_turned_off(self, seeded: Settings) -> None:
        token = secrets.token_urlsafe(24)
        with TestClient(create_app(seeded.model_copy(update={"metrics_token": SecretStr(token)}))) as c:
            refused = c.get("/metrics")
            assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
            assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert c.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        with TestClient(create_app(seeded.model_copy(update={"metrics_enabled": False}))) as c:
            assert c.get("/metrics").status_code == 404


# A real server: `cartesio serve` on a fresh database with the demo data, its output captured.

@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A fresh database with the demo data (on TEST_DATABASE_URL's server when set, in a database of its own)."""
    tmp = tmp_path_factory.mktemp("observed")
    with own_database(tmp, "obs") as database:
        env = {**os.environ, "CARTESIO_VAR_DIR": str(tmp), "CARTESIO_DATABASE_URL": database,
               "CARTESIO_DEMO_PASSWORD": "demo-" + secrets.token_hex(12), "CARTESIO_ENVIRONMENT": "development",
               "CARTESIO_LOG_FORMAT": "json", "CARTESIO_ACCESS_LOG": "true"}
        env.pop("CARTESIO_LOG_LEVEL", None)
        for step in (["db", "upgrade"], ["seed", "demo"]):
            done = subprocess.run([CARTESIO, *step], check=False, env=env, capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == 0, done.stderr
        yield env


def serve(env: dict[str, str], log: Path, *args: str, processes: int = 1) -> tuple[subprocess.Popen, str]:
    """`cartesio serve` on a free port, once each of its processes has started and one answers /readyz."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen([CARTESIO, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            started = log.read_text().count("Application startup complete.")
            if started >= processes and httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise AssertionError(f"the server did not start:\n{log.read_text()}")
        time.sleep(0.3)


stop = stop_process


def test_a_real_servers_log_is_json_with_ids_and_keeps_every_secret_out(server_env: dict[str, str]) -> None:
    env = server_env
    log = Path(env["CARTESIO_VAR_DIR"]) / "server.log"
    password = env["CARTESIO_DEMO_PASSWORD"]
    wrong_password = "wrong-" + secrets.token_hex(12)
    process, base = serve(env, log)
    secret_values: list[str] = [password, wrong_password]
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            signed_in = http.post("/api/v1/auth/token", data={
                "grant_type": "password", "username": "admin@cartesio.example", "password": password})
            assert signed_in.status_code == 200, signed_in.text
            admin = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
            refused = http.post("/api/v1/auth/token", data={
                "grant_type": "password", "username": "prato@cartesio.example", "password": wrong_password})
            assert refused.status_code in (400, 401)
            created = http.post("/api/v1/service-accounts", headers=admin, json={
                "name": "SIT osservato", "role": "region_officer", "source": "osservato", "scopes": ["region:ITC4"]})
            assert created.status_code == 201, created.text
            client_id, client_secret = created.json()["client_id"], created.json()["client_secret"]
            issued = http.post("/api/v1/auth/token", data={
                "grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret})
            assert issued.status_code == 200, issued.text
            service = {"Authorization": f"Bearer {issued.json()['access_token']}"}
            assert http.get("/api/v1/clusters?limit=2", headers=service).status_code == 200
            traced = http.get("/api/v1/clusters?limit=1", headers={**admin, "X-Request-ID": "obs-trace-1"})
            assert traced.headers["x-request-id"] == "obs-trace-1"
            # Some clients put the token in the address: it is redacted there too.
            http.get(f"/api/v1/clusters?limit=1&access_token={signed_in.json()['access_token']}")

            organizer = http.post("/api/v1/auth/token", data={
                "grant_type": "password", "username": ORGANIZER, "password": password}).json()["access_token"]
            event = http.post("/api/v1/events", headers={"Authorization": f"Bearer {organizer}"}, json=event_body())
            assert event.status_code == 201, event.text
            pending = http.post(f"/api/v1/events/{event.json()['id']}/registrations",
                                json={"name": "Anna Bianchi", "email": f"a.{uuid.uuid4().hex[:8]}@example.it"})
            assert pending.status_code == 201, pending.text
            engine = make_sync_engine(normalise_database_url(env["CARTESIO_DATABASE_URL"]))
            with engine.connect() as conn:
                detail = conn.execute(text("SELECT detail FROM outbox_messages WHERE registration_id = :r"),
                                      {"r": pending.json()["id"]}).scalar_one()
            engine.dispose()
            confirmation = (json.loads(detail) if isinstance(detail, str) else detail)["token"]
            # The e-mailed link, as a browser opens it, then the client's call that confirms.
            http.get(f"/registrations/confirm?token={confirmation}")
            confirmed = http.post("/api/v1/registrations/confirm", json={"token": confirmation})
            assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
            assert http.get("/api/v1/registrations/mine", headers={"Registration-Token": confirmation}).status_code \
                == 200
            # A body the API refuses, quoting the password: the refusal is not logged with it.
            http.post("/api/v1/registrations/confirm", json={"token": 5, "password": password})
            secret_values += [client_secret, signed_in.json()["access_token"], issued.json()["access_token"],
                              organizer, confirmation]
    finally:
        stop(process)

    output = log.read_text()
    for value in secret_values:
        assert value not in output
    records = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert records and all("request_id" in r and {"time", "level", "logger", "message"} <= r.keys()
                           for r in records)
    access = [r for r in records if r["logger"] == ACCESS_LOGGER]
    assert all(r["request_id"] and isinstance(r["status"], int) and r["duration_ms"] >= 0 for r in access)
    assert len({r["request_id"] for r in access}) == len(access)
    assert any(r["request_id"] == "obs-trace-1" and r.get("caller_kind") == "user" for r in access)
    assert any(r.get("caller_kind") == "service" for r in access)
    assert any(r["path"] == "/registrations/confirm?token=[redacted]" for r in access)
    assert any(r["path"].endswith("access_token=[redacted]") for r in access)
    assert not any(r["logger"] == "uvicorn.access" for r in records)


def test_metrics_add_up_the_processes_of_a_server(server_env: dict[str, str]) -> None:
    var_dir = Path(server_env["CARTESIO_VAR_DIR"])
    (var_dir / "metrics").mkdir(exist_ok=True)
    stale = var_dir / "metrics" / "counter_999999.db"
    stale.write_bytes(b"left by an earlier run")
    process, base = serve(server_env, var_dir / "workers.log", "--workers", "2", processes=2)
    try:
        assert not stale.exists()
        for _ in range(40):  # a connection each, so that both processes answer some
            assert httpx.get(f"{base}/api/v1/clusters/1", timeout=30).status_code == 200
        pids = {path.stem.rsplit("_", 1)[-1] for path in (var_dir / "metrics").glob("counter_*.db")}
        for _ in range(4):  # whichever process answers the scrape reports the sum
            scraped = httpx.get(f"{base}/metrics", timeout=30).text
            assert sample(scraped, "cartesio_http_requests_total", method="GET", route=CLUSTER_ROUTE,
                          status="200") == 40
            assert sample(scraped, "cartesio_http_request_duration_seconds_count", method="GET",
                          route=CLUSTER_ROUTE) == 40
            assert sample(scraped, "cartesio_db_pool_size", pool="orm") >= 1
            assert sample(scraped, "cartesio_queue_depth", queue="mails") is not None
    finally:
        stop(process)
    assert len(pids) == 2, pids
