"""Every test that touches the database runs on a real one: a SQLite file by default, or the PostgreSQL
server named by TEST_DATABASE_URL (the CI runs the suite once on each).

The schema is built by Alembic and the demo data loaded by the seed, once per run; tests that write create
their own records, so they never depend on each other's leftovers.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from api.core import migrate
from api.core.config import Settings, normalise_database_url
from api.core.db import Database, make_sync_engine
from api.main import create_app
from api.seed.demo import seed_demo

DEMO_PASSWORD = "demo-password-for-tests"
TEST_SECRET = "test-signing-key-" + "x" * 32


def _test_url(tmp: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{tmp / 'test.db'}"


def reset_database(url: str) -> None:
    """An empty database: drop the public schema on PostgreSQL, the file on SQLite."""
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    engine = make_sync_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def var_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="cartesio-test-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def database_url(var_dir: Path) -> str:
    url = _test_url(var_dir)
    reset_database(url)
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def settings(database_url: str, var_dir: Path) -> Settings:
    return Settings(environment="test", database_url=database_url, var_dir=var_dir, jwt_secret=TEST_SECRET,
                    db_pool_size=10, login_max_failures=5, login_max_failures_per_address=12,
                    login_window_seconds=60, worker_in_process=False,
                    # The suite fires hundreds of requests a second with one token; the limiter has its own tests.
                    rate_limit_per_second=0, rate_limit_anonymous_per_second=0)


def run_seed(settings: Settings) -> int:
    """Load the demo data set as `cartesio seed demo` does; returns how many records it created."""
    async def run() -> int:
        db = Database(settings)
        try:
            return await seed_demo(db, password=DEMO_PASSWORD)
        finally:
            await db.dispose()

    return asyncio.run(run())


@pytest.fixture(scope="session")
def seeded(settings: Settings) -> Settings:
    run_seed(settings)
    return settings


@pytest.fixture(scope="session")
def client(seeded: Settings) -> Iterator[TestClient]:
    app = create_app(seeded)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_sync_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def tokens(client: TestClient) -> dict[str, str]:
    return {}


@pytest.fixture(scope="session")
def auth(client: TestClient, tokens: dict[str, str]):  # noqa: ANN201
    """auth("prato@cartesio.example") -> headers with a bearer token for that demo account."""

    def headers(email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        if email not in tokens:
            response = client.post("/api/v1/auth/token",
                                   data={"grant_type": "password", "username": email, "password": password})
            assert response.status_code == 200, response.text
            tokens[email] = response.json()["access_token"]
        return {"Authorization": f"Bearer {tokens[email]}"}

    return headers


@pytest.fixture(scope="session")
def ids(engine: Engine, seeded: Settings) -> dict[str, int]:
    """Seed key -> id for clusters (by slug) and organizations (by seed key)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT slug, id FROM clusters")).all()
        orgs = conn.execute(text("SELECT external_id, id FROM organizations WHERE external_id IS NOT NULL")).all()
        nets = conn.execute(text("SELECT slug, id FROM networks")).all()
    out = {f"cluster:{slug}": i for slug, i in rows}
    out.update({f"org:{key}": i for key, i in orgs})
    out.update({f"network:{slug}": i for slug, i in nets})
    return out


@pytest.fixture(scope="session")
def service_client(client: TestClient, auth):  # noqa: ANN001, ANN201
    """service_client("lombardia", "ITC4") -> headers of a regional integration writing as that source."""
    made: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}

    def headers(source: str, *regions: str) -> dict[str, str]:
        key = (source, regions)
        if key not in made:
            created = client.post("/api/v1/service-accounts", headers=auth("admin@cartesio.example"), json={
                "name": f"SIT {source}", "role": "region_officer", "source": source,
                "scopes": [f"region:{r}" for r in regions]})
            assert created.status_code == 201, created.text
            body = created.json()
            token = client.post("/api/v1/auth/token", data={
                "grant_type": "client_credentials", "client_id": body["client_id"],
                "client_secret": body["client_secret"]})
            assert token.status_code == 200, token.text
            made[key] = {"Authorization": f"Bearer {token.json()['access_token']}"}
        return made[key]

    return headers


@pytest.fixture(scope="session")
def live_url(seeded: Settings) -> Iterator[str]:
    """The app served by a real uvicorn server on a loopback port, for tests that need real concurrency."""
    import threading
    import time

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(create_app(seeded), host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
