"""Health, errors as problems, start-up refusals."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from api.core.config import ConfigError, Settings
from api.core.db import Database
from api.main import check_startup, create_app
from tests.helpers import assert_problem


class TestHealth:
    def test_healthz(self, client):
        assert client.get("/healthz").json() == {"status": "ok"}

    def test_readyz(self, client):
        assert client.get("/readyz").json() == {"status": "ready"}

    def test_readyz_without_database_is_503(self, var_dir):
        settings = Settings(environment="test", var_dir=var_dir, jwt_secret="k" * 40,
                            database_url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
        app = create_app(settings)
        app.router.lifespan_context = _no_startup_lifespan(settings)
        with TestClient(app, raise_server_exceptions=False) as c:
            assert_problem(c.get("/readyz"), 503)


def _no_startup_lifespan(settings):  # noqa: ANN001, ANN202
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):  # noqa: ANN001, ANN202
        app.state.db = Database(settings)
        yield
        await app.state.db.dispose()

    return lifespan


class TestProblems:
    def test_unknown_route_is_a_404_problem(self, client):
        assert_problem(client.get("/api/v1/nothing-here"), 404)

    def test_wrong_method_is_a_405_problem(self, client):
        assert_problem(client.put("/api/v1/clusters"), 405)

    def test_unexpected_errors_reveal_nothing(self, seeded):
        app = create_app(seeded)

        @app.get("/boom")
        async def boom() -> None:
            raise RuntimeError("SELECT secret FROM users -- internal detail")

        with TestClient(app, raise_server_exceptions=False) as c:
            response = c.get("/boom")
        body = assert_problem(response, 500)
        assert "secret" not in response.text and "Traceback" not in response.text
        assert body["detail"] == "The server could not complete the request."


class TestStartup:
    def test_production_needs_a_signing_key(self, database_url, var_dir):
        settings = Settings(environment="production", database_url=database_url, var_dir=var_dir)
        with pytest.raises(ConfigError, match="CARTESIO_JWT_SECRET"):
            settings.signing_key()

    def test_production_needs_a_database_url(self, var_dir):
        with pytest.raises(ValueError, match="CARTESIO_DATABASE_URL"):
            Settings(environment="production", var_dir=var_dir, jwt_secret="k" * 40)

    def test_production_refuses_demo_accounts(self, seeded, database_url, var_dir):
        settings = Settings(environment="production", database_url=database_url, var_dir=var_dir, jwt_secret="k" * 40)

        async def run(s: Settings) -> None:
            db = Database(s)
            try:
                await check_startup(db)
            finally:
                await db.dispose()

        with pytest.raises(ConfigError, match="Demo accounts"):
            asyncio.run(run(settings))
        asyncio.run(run(settings.model_copy(update={"allow_demo_accounts": True})))

    def test_short_secret_is_refused(self, var_dir):
        with pytest.raises(ConfigError, match="32"):
            Settings(environment="test", var_dir=var_dir, jwt_secret="short").signing_key()

    def test_development_key_is_generated_once(self, tmp_path):
        settings = Settings(environment="development", var_dir=tmp_path)
        first = settings.signing_key()
        assert len(first) >= 32 and settings.signing_key() == first
        assert (tmp_path / "jwt.key").stat().st_mode & 0o777 == 0o600


class TestLimits:
    def test_body_over_the_limit_is_413(self, client, auth, settings):
        big = {"name": "x", "kind": "cluster", "country": "IT", "constitutive_elements": "a" * settings.max_body_bytes}
        assert_problem(client.post("/api/v1/clusters", json=big, headers=auth("admin@cartesio.example")), 413)

    def test_streamed_body_over_the_limit_is_413(self, client, auth, settings):
        def chunks():  # noqa: ANN202
            for _ in range(settings.max_body_bytes // 1000 + 2):
                yield b" " * 1000

        response = client.post("/api/v1/clusters", content=chunks(),
                               headers={**auth("admin@cartesio.example"), "Content-Type": "application/json"})
        assert_problem(response, 413)

    def test_deeply_nested_json_is_refused_cleanly(self, client, auth):
        body = '{"name": "x", "kind": "cluster", "country": "IT", "tags": ' + "[" * 5000 + "]" * 5000 + "}"
        response = client.post("/api/v1/clusters", content=body,
                               headers={**auth("admin@cartesio.example"), "Content-Type": "application/json"})
        assert_problem(response, 400)


class TestConcurrentWrites:
    def test_two_clusters_with_one_slug_at_once_give_one_201_and_one_409(self, seeded, auth):
        """Both requests pass the service's slug check; the unique index decides, and the loser gets a problem."""
        import threading
        import uuid

        app = create_app(seeded)
        slug = f"gara-{uuid.uuid4().hex[:8]}"
        results: list[int] = []
        headers = auth("admin@cartesio.example")
        with TestClient(app, raise_server_exceptions=False) as c:
            barrier = threading.Barrier(2)

            def post() -> None:
                barrier.wait()
                results.append(c.post("/api/v1/clusters", json={"name": "Gara", "slug": slug, "kind": "cluster",
                                                                "country": "IT"}, headers=headers).status_code)

            threads = [threading.Thread(target=post) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert sorted(results) == [201, 409]
