"""The API as a browser meets it: the web client served at "/", its headers, CORS, and the lower rate limit of
anonymous open-data readers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.core.config import Settings
from api.main import create_app
from tests.conftest import DEMO_PASSWORD
from tests.helpers import assert_problem


@pytest.fixture()
def built_client(tmp_path: Path) -> Path:
    """A built client as Vite lays it out: index.html and hashed assets."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<!doctype html><script type="module" src="/assets/index-abc.js"></script>')
    (tmp_path / "assets" / "index-abc.js").write_text("console.log('cartesio')")
    (tmp_path / "robots.txt").write_text("User-agent: *\n")
    return tmp_path


@pytest.fixture()
def web(seeded: Settings, built_client: Path):  # noqa: ANN201
    with TestClient(create_app(seeded.model_copy(update={"client_dir": built_client})),
                    raise_server_exceptions=False) as c:
        yield c


def test_pages_answer_the_client_with_a_strict_policy(web: TestClient) -> None:
    for path in ("/", "/clusters/3", "/events/1/check-in", "/registrations/confirm?token=x"):
        page = web.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")
        assert "/assets/index-abc.js" in page.text
        assert page.headers["cache-control"] == "no-cache"
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
        assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"


def test_assets_are_cached_for_good_and_never_leave_the_build(web: TestClient) -> None:
    asset = web.get("/assets/index-abc.js")
    assert asset.status_code == 200 and "cartesio" in asset.text
    assert "immutable" in asset.headers["cache-control"]
    assert web.get("/robots.txt").status_code == 200
    assert_problem(web.get("/assets/missing.js"), 404)
    for climbing in ("/assets/..%2F..%2Fpyproject.toml", "/assets/%2e%2e/%2e%2e/pyproject.toml", "/..%2Fpyproject.toml"):
        answer = web.get(climbing)
        assert "[project]" not in answer.text and answer.status_code in (200, 404)


def test_the_api_keeps_its_own_not_found_and_methods(web: TestClient) -> None:
    assert_problem(web.get("/api/v1/no-such-thing"), 404)
    assert_problem(web.post("/api/v1/no-such-thing"), 404)
    assert_problem(web.post("/clusters/3"), 404)
    assert web.get("/openapi.json").json()["info"]["title"] == "Cartesio API"
    assert web.get("/healthz").json() == {"status": "ok"}


def test_no_client_built_means_no_pages(seeded: Settings, tmp_path: Path) -> None:
    with TestClient(create_app(seeded.model_copy(update={"client_dir": tmp_path})),
                    raise_server_exceptions=False) as bare:
        assert bare.get("/clusters/3").status_code == 404


def test_cors_allows_the_clients_own_origin_by_default(seeded: Settings) -> None:
    settings = seeded.model_copy(update={"cors_origins": None, "public_url": "https://cartesio.example.org/app",
                                         "environment": "development"})
    assert settings.resolved_cors_origins == ["https://cartesio.example.org", "http://localhost:5173",
                                              "http://127.0.0.1:5173"]
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        allowed = c.options("/api/v1/clusters", headers={
            "Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        other = c.get("/api/v1/clusters?limit=1", headers={"Origin": "https://elsewhere.example"})
        assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
    production = seeded.model_copy(update={"cors_origins": None, "environment": "production",
                                           "public_url": "https://cartesio.example.org"})
    assert production.resolved_cors_origins == ["https://cartesio.example.org"]
    assert seeded.model_copy(update={"cors_origins": []}).resolved_cors_origins == []


def test_anonymous_open_data_readers_get_a_lower_limit_than_a_reader_account(seeded: Settings) -> None:
    settings = seeded.model_copy(update={"rate_limit_anonymous_per_second": 0.2, "rate_limit_anonymous_burst": 3,
                                         "rate_limit_per_second": 50, "rate_limit_burst": 20})
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        # Signing in is itself an anonymous request (and a costly one): it spends from the same bucket.
        token = c.post("/api/v1/auth/token", data={"grant_type": "password", "username": "ricerca@cartesio.example",
                                                   "password": DEMO_PASSWORD}).json()["access_token"]
        anonymous = [c.get("/api/v1/datasets").status_code for _ in range(3)]
        assert anonymous == [200, 200, 429]
        assert_problem(c.get("/api/v1/catalog"), 429)
        reader = [c.get("/api/v1/datasets", headers={"Authorization": f"Bearer {token}"}) for _ in range(10)]
        assert all(r.status_code == 200 for r in reader)
        assert reader[0].headers["RateLimit-Limit"] == "20"
        # Health checks are never metered.
        assert c.get("/healthz").status_code == 200


def test_the_defaults_meter_anonymous_callers_below_accounts() -> None:
    defaults = Settings(_env_file=None)
    assert 0 < defaults.rate_limit_anonymous_per_second < defaults.rate_limit_per_second
    assert defaults.rate_limit_anonymous_burst < defaults.rate_limit_burst
