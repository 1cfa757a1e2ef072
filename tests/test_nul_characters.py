"""The NUL character in a path, a query, a JSON or form body is a 422 naming where it was, and changes nothing.

PostgreSQL text cannot hold it and SQLite would store it: both refuse it the same way.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import text

from api.core.nul import json_has_nul
from tests.helpers import assert_problem

ADMIN = "admin@cartesio.example"


def counts(engine, table: str) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/clusters?q=a%00b", "query.q"),
    ("/api/v1/clusters?sector=%00", "query.sector"),
    ("/api/v1/organizations?q=x%00", "query.q"),
    ("/api/v1/criteria?q=%17%00%C3%92", "query.q"),
    ("/api/v1/events?q=corso&topic=a%00", "query.topic"),
    ("/api/v1/clusters/by-slug/prato%00textile", "path"),
])
def test_in_the_query_or_the_path(client, url, field):
    body = assert_problem(client.get(url), 422, field=field)
    assert body["errors"][0]["code"] == "nul_character"


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
def test_in_a_json_body_nothing_is_written(client, auth, engine, content_type):
    before = counts(engine, "clusters"), counts(engine, "changes")
    raw = orjson.dumps({"name": "Rete\u0000nascosta", "kind": "cluster", "country": "IT"})
    assert b"\\u0000" in raw
    answer = client.post("/api/v1/clusters", content=raw, headers={**auth(ADMIN), "Content-Type": content_type})
    assert_problem(answer, 422, field="body")
    assert (counts(engine, "clusters"), counts(engine, "changes")) == before


def test_in_a_merge_patch_and_a_sync_batch(client, auth, service_client, ids, engine):
    url = f"/api/v1/organizations/{ids['org:conceria-demo']}"
    before = client.get(url).json()
    for media in ("application/json", "application/merge-patch+json", None):
        headers = {**auth(ADMIN), **({"Content-Type": media} if media else {})}
        patch = client.patch(url, content=b'{"description": "\\u0000"}', headers=headers)
        assert_problem(patch, 422, field="body")
    assert client.get(url).json() == before
    headers = service_client("lombardia", "ITC4")
    record = orjson.dumps({"external_id": "nul-1", "name": "Distretto\u0000", "kind": "cluster", "country": "IT"})
    n = counts(engine, "clusters")
    for content, media in ((b"[" + record + b"]", "application/json"), (record + b"\n", "application/x-ndjson")):
        answer = client.post("/api/v1/sync/lombardia/clusters:batch", content=content,
                             headers={**headers, "Content-Type": media})
        assert_problem(answer, 422, field="body")
    assert counts(engine, "clusters") == n


def test_in_a_sign_in_form(client):
    answer = client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "admin\x00@x",
                                                     "password": "x"})
    assert_problem(answer, 422, field="body.username")


def test_a_literal_backslash_u0000_is_text_like_any_other(client, auth):
    name = "Rete \\u0000 letterale"  # a backslash followed by u0000, as typed
    raw = orjson.dumps({"name": name, "kind": "cluster", "country": "IT"})
    assert not json_has_nul(raw)
    created = client.post("/api/v1/clusters", content=raw, headers={**auth(ADMIN), "Content-Type": "application/json"})
    assert created.status_code == 201, created.text
    assert client.get(f"/api/v1/clusters/{created.json()['id']}").json()["name"] == name


@pytest.mark.parametrize(("raw", "has"), [
    (b'"\\u0000"', True), (b'"a\\\\\\u0000"', True), (b'"\\\\u0000"', False), (b'"\\\\\\\\u0000"', False),
    (b'"u0000"', False), (b'"\\u00000"', True),
])
def test_the_escape_is_told_from_a_literal_backslash(raw, has):
    assert json_has_nul(raw) is has


def test_every_operation_documents_the_refusal(client):
    # Even those without parameters: an unknown query parameter is ignored, but one with a NUL is refused.
    spec = orjson.loads((Path(__file__).resolve().parents[1] / "openapi" / "openapi.json").read_bytes())
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            assert "422" in operation["responses"], f"{method.upper()} {path}"
            if method == "get" and "{" not in path:
                assert_problem(client.get(path, params={"x": "\x00"}), 422, field="query.x")


def test_a_nul_the_database_refuses_is_still_a_422():
    # What psycopg raises when a NUL reaches PostgreSQL by a way the request checks do not see.
    import asyncio

    import psycopg
    from sqlalchemy.exc import DataError
    from starlette.requests import Request

    from api.core.errors import _data_handler

    request = Request({"type": "http", "method": "POST", "path": "/api/v1/x", "headers": [], "query_string": b""})
    refused = DataError("INSERT ...", {}, psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"))
    answer = asyncio.run(_data_handler(request, refused))
    assert answer.status_code == 422 and orjson.loads(answer.body)["errors"][0]["code"] == "nul_character"
    other = DataError("INSERT ...", {}, psycopg.DataError("value too long for type character varying(5)"))
    assert asyncio.run(_data_handler(request, other)).status_code == 500
