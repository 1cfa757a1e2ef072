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
