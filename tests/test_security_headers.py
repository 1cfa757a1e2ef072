"""Security headers on every kind of answer (JSON, problems, 304s, downloads, the client's pages and files, /docs,
/metrics, errors), Strict-Transport-Security only behind https, and CORS only to the configured origins."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api.core.config import Settings
from api.core.headers import API_POLICY, CLIENT_POLICY
from api.main import create_app

ORIGIN = "https://app.cartesio.example"
COMMON = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}


@pytest.fixture(scope="module")
def web(seeded: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with a built client (as Vite lays it out), a small body limit and one route that fails."""
    built = tmp_path_factory.mktemp("client")
    (built / "assets").mkdir()
    (built / "index.html").write_text('<!doctype html><script type="module" src="/assets/index-abc.js"></script>')
    (built / "assets" / "index-abc.js").write_text("console.log('cartesio')")
    app = create_app(seeded.model_copy(update={"client_dir": built, "max_body_bytes": 2048,
                                               "cors_origins": [ORIGIN]}))

    @app.get("/api/v1/failing-for-test")
    async def failing() -> None:
        raise RuntimeError("unhandled")

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _not_modified(c: TestClient, path: str) -> httpx.Response:
    return c.get(path, headers={"If-None-Match": c.get(path).headers["etag"]})


KINDS: dict[str, tuple[Callable[[TestClient, dict[str, int]], httpx.Response], int, str]] = {
    "json": (lambda c, ids: c.get(f"/api/v1/clusters/{ids['cluster:prato-textile']}"), 200, "api"),
    "problem": (lambda c, ids: c.get("/api/v1/clusters/999999999"), 404, "api"),
    "not-modified": (lambda c, ids: _not_modified(c, f"/api/v1/clusters/{ids['cluster:prato-textile']}"), 304, "api"),
    "csv-download": (lambda c, ids: c.get("/api/v1/datasets/clusters/download", params={"format": "csv"}), 200, "api"),
    "unauthorized": (lambda c, ids: c.get("/api/v1/auth/me", headers={"Authorization": "Bearer x"}), 401, "api"),
    "too-large": (lambda c, ids: c.post("/api/v1/auth/token", content=b"x" * 4096), 413, "api"),
    "server-error": (lambda c, ids: c.get("/api/v1/failing-for-test"), 500, "api"),
    "client-page": (lambda c, ids: c.get("/clusters/3"), 200, "client"),
    "client-file": (lambda c, ids: c.get("/assets/index-abc.js"), 200, "api"),
    "docs": (lambda c, ids: c.get("/docs"), 200, "docs"),
    "openapi": (lambda c, ids: c.get("/openapi.json"), 200, "api"),
    "metrics": (lambda c, ids: c.get("/metrics"), 200, "api"),
    "health": (lambda c, ids: c.get("/healthz"), 200, "api"),
    "preflight": (lambda c, ids: c.options("/api/v1/clusters", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST"}), 200, "api"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_answer_carries_the_security_headers(web: TestClient, ids: dict[str, int], kind: str) -> None:
    request, status, policy = KINDS[kind]
    answer = request(web, ids)
    assert answer.status_code == status, answer.text
    for name, value in COMMON.items():
        assert answer.headers.get_list(name) == [value], (name, answer.headers)
    assert len(answer.headers.get_list("content-security-policy")) == 1
    csp = answer.headers["content-security-policy"]
    if policy == "api":
        assert csp == API_POLICY
    elif policy == "client":
        assert csp == CLIENT_POLICY and answer.headers["content-type"].startswith("text/html")
    else:
        assert csp.startswith("default-src 'none'; script-src https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/ ")
    assert "frame-ancestors 'none'" in csp and "unsafe" not in csp
    assert "strict-transport-security" not in answer.headers  # the test settings' public URL is http
    assert answer.headers["x-request-id"]


def test_docs_may_load_exactly_their_files_and_run_exactly_their_script(web: TestClient) -> None:
    page = web.get("/docs")
    directives = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    scripts, styles = directives["script-src"].split(), directives["style-src"].split()
    loaded = re.findall(r'<script src="([^"]+)"', page.text)
    stylesheets = re.findall(r'<link type="text/css" rel="stylesheet" href="([^"]+)"', page.text)
    assert loaded and stylesheets
    assert all(any(url.startswith(source) for source in scripts if source.startswith("https://")) for url in loaded)
    assert all(any(url.startswith(source) for source in styles) for url in stylesheets)
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    expected = {f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'" for body in inline}
    assert inline and {s for s in scripts if s.startswith("'sha256-")} == expected
    assert directives["connect-src"] == "'self'" and directives["default-src"] == "'none'"


def test_strict_transport_security_only_behind_https(seeded: Settings, ids: dict[str, int]) -> None:
    path = f"/api/v1/clusters/{ids['cluster:prato-textile']}"
    with TestClient(create_app(seeded.model_copy(update={"public_url": "https://cartesio.example.org"}))) as c:
        for answer in (c.get(path), c.get("/api/v1/clusters/999999999"), c.get("/docs")):
            assert answer.headers["strict-transport-security"] == "max-age=31536000"
    with TestClient(create_app(seeded.model_copy(update={"public_url": "http://localhost:8000"}))) as c:
        assert "strict-transport-security" not in c.get(path).headers


def test_the_client_page_keeps_its_own_policy_and_cache_rules(web: TestClient) -> None:
    page = web.get("/events/1/check-in")
    assert page.headers["content-security-policy"] == CLIENT_POLICY
    assert "script-src 'self'" in CLIENT_POLICY and "connect-src 'self'" in CLIENT_POLICY
    assert page.headers["cache-control"] == "no-cache"
    assert web.get("/assets/index-abc.js").headers["cache-control"] == "public, max-age=31536000, immutable"


class TestCors:
    def test_the_configured_origin_is_answered(self, web: TestClient) -> None:
        preflight = web.options("/api/v1/clusters", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"})
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == ORIGIN
        read = web.get("/api/v1/clusters?limit=1", headers={"Origin": ORIGIN})
        assert read.headers["access-control-allow-origin"] == ORIGIN
        assert "X-Request-ID" in read.headers["access-control-expose-headers"]

    @pytest.mark.parametrize("origin", ["https://elsewhere.example", "https://app.cartesio.example.evil.example",
                                        "http://app.cartesio.example", "null"])
    def test_any_other_origin_is_not(self, web: TestClient, origin: str) -> None:
        preflight = web.options("/api/v1/clusters", headers={"Origin": origin, "Access-Control-Request-Method": "PUT"})
        assert preflight.status_code == 400 and "access-control-allow-origin" not in preflight.headers
        assert preflight.headers["x-content-type-options"] == "nosniff"
        read = web.get("/api/v1/clusters?limit=1", headers={"Origin": origin})
        assert read.status_code == 200 and "access-control-allow-origin" not in read.headers

    def test_no_origin_is_answered_when_none_is_configured(self, seeded: Settings) -> None:
        with TestClient(create_app(seeded.model_copy(update={"cors_origins": []}))) as c:
            preflight = c.options("/api/v1/clusters", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
            assert "access-control-allow-origin" not in preflight.headers
            assert "access-control-allow-origin" not in c.get("/api/v1/clusters?limit=1",
                                                                headers={"Origin": ORIGIN}).headers
