"""Inputs the fuzzer (tests/fuzz.py) found wrong answers for, kept as plain requests: each failed before its fix.

Each test names what was answered before: a 500, or a status, content type or body shape the OpenAPI document
did not give (the web client's types and every integrator's code are generated from that document).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.helpers import assert_problem

ADMIN = "admin@cartesio.example"
SPEC = json.loads((Path(__file__).resolve().parents[1] / "openapi" / "openapi.json").read_text())
HUGE = 2**70  # past int64: SQLite and PostgreSQL both refuse it as a parameter


def documented(method: str, path: str, response) -> dict:
    """The answer's status and media type are in the committed document; returns the documented content."""
    responses = SPEC["paths"][path][method.lower()]["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method} {path} answered {status}, documented {sorted(responses)}"
    content = responses[status].get("content", {})
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if response.content:
        assert media_type in content, f"{method} {path} {status} sent {media_type}, documented {sorted(content)}"
    return content.get(media_type, {})


class TestUndecodableBody:
    """A body that is not UTF-8 was answered 400, undocumented on every operation that reads a body."""

    def test_the_answer_is_a_documented_problem(self, client, auth):
        answer = client.post("/api/v1/users", content=b"\xff\xfe\x00", headers={
            **auth(ADMIN), "Content-Type": "application/json"})
        assert_problem(answer, 400)
        documented("POST", "/api/v1/users", answer)

    def test_every_operation_with_a_body_documents_400_and_413(self):
        missing = [f"{method} {path}" for path, item in SPEC["paths"].items() for method, op in item.items()
                   if "requestBody" in op and not {"400", "413"} <= set(op["responses"])]
        assert missing == []

    def test_every_operation_reading_a_token_documents_401(self):
        # A token whose user was deactivated meanwhile is 401 on public reads too.
        missing = [f"{method} {path}" for path, item in SPEC["paths"].items() for method, op in item.items()
                   if op.get("security") and "401" not in op["responses"]]
        assert missing == []


class TestHugeIntegers:
    """Integers past int64 reached the database, which refused them: 500."""

    def test_cluster_list_filters(self, client):
        for name in ("min_enterprises", "max_enterprises", "min_employees", "max_employees"):
            assert_problem(client.get(f"/api/v1/clusters?{name}={HUGE}"), 422, field=f"query.{name}")

    @pytest.mark.parametrize(("path", "body", "field"), [
        ("/api/v1/clusters/{cluster}/members", {"organization_id": HUGE}, "body.organization_id"),
        ("/api/v1/clusters/{cluster}/supply-chain", {"customer_id": HUGE, "product": "tessuti"},
         "body.customer_id"),
        ("/api/v1/networks/{network}/members", {"organization_id": HUGE}, "body.organization_id"),
        ("/api/v1/users", {"email": "huge@cartesio.example", "password": "a-long-password", "role": "enterprise",
                           "organization_id": HUGE}, "body.organization_id"),
        ("/api/v1/screenings", {"criteria_set_id": 1, "version": HUGE}, "body.version"),
    ])
    def test_body_references(self, client, auth, ids, path, body, field):
        url = path.format(cluster=ids["cluster:prato-textile"], network=ids["network:cartesio"])
        assert_problem(client.post(url, json=body, headers=auth(ADMIN)), 422, field=field)

    def test_cluster_coordinating_body(self, client, auth, ids):
        answer = client.patch(f"/api/v1/clusters/{ids['cluster:prato-textile']}",
                              json={"coordinating_body_id": HUGE}, headers=auth(ADMIN))
        assert_problem(answer, 422, field="body.coordinating_body_id")


class TestIdsBeyondTheDatabaseInteger:
    """Ids past 2**31 - 1 were accepted (the documented bound was 2**62) and PostgreSQL refused them for its
    INTEGER id columns: 500 there, found by the PostgreSQL run."""

    @pytest.mark.parametrize(("method", "url", "body", "field"), [
        ("GET", "/api/v1/clusters/2274705981/members?role=member&limit=200", None, "path.cluster_id"),
        ("DELETE", "/api/v1/clusters/4611686018427387903/members/1947782", None, "path.cluster_id"),
        ("GET", "/api/v1/organizations/775221625672836/emas-coverage", None, "path.organization_id"),
        ("POST", "/api/v1/applications/1/assignments", {"evaluator_id": 26598860572}, "body.evaluator_id"),
        # 500 on PostgreSQL: an id past the 4-byte column reached the database.
        ("PATCH", "/api/v1/lca-studies/122275042606", {}, "path.study_id"),
        ("GET", "/api/v1/territory/symbiosis?cluster_id=122275042606", None, "query.cluster_id"),
    ])
    def test_refused_as_invalid(self, client, auth, method, url, body, field):
        answer = client.request(method, url, json=body, headers=auth(ADMIN))
        assert_problem(answer, 422, field=field)

    def test_the_largest_id_is_a_plain_not_found(self, client):
        assert_problem(client.get(f"/api/v1/clusters/{2**31 - 1}/members"), 404)

    def test_no_documented_id_exceeds_the_integer_range(self):
        too_large = [f"{method} {path} {p['name']}" for path, item in SPEC["paths"].items()
                     for method, op in item.items() for p in op.get("parameters", [])
                     if p["in"] == "path" and p["schema"].get("type") == "integer"
                     and p["schema"].get("maximum", 2**63) > 2**31 - 1]
        assert too_large == []


class TestSharedResourceUpdate:
    def test_an_empty_change_is_answered(self, client, auth, ids):
        # 500: the changed resource was reloaded through an attribute expired a line before (no IO allowed there).
        created = client.post("/api/v1/emas/resources", headers=auth(ADMIN), json={
            "cluster_id": ids["cluster:prato-textile"], "type": "procedure", "title": "Procedura di prova"})
        assert created.status_code == 201, created.text
        changed = client.patch(f"/api/v1/emas/resources/{created.json()['id']}", json={}, headers=auth(ADMIN))
        assert changed.status_code == 200, changed.text
        assert changed.json()["title"] == "Procedura di prova"
        assert changed.json()["version"] == created.json()["version"] + 1


class TestServiceAccountWithoutSource:
    def test_created(self, client, auth):
        answer = client.post("/api/v1/service-accounts", json={"name": "0", "role": "admin"}, headers=auth(ADMIN))
        assert answer.status_code == 201, answer.text
        assert answer.json()["source"] is None

    def test_the_app_loads_every_table_its_models_reference(self):
        # 500 in a fresh server process: service_accounts.source references sync_sources, whose model nothing
        # had imported yet, so the first flush of a service account could not sort the tables. The suite's
        # own process imports every model early, hence a process of its own.
        script = textwrap.dedent("""
            from api.core.db import Base
            from api.main import create_app
            create_app()
            missing = sorted({fk.target_fullname.split(".")[0] for table in Base.metadata.tables.values()
                              for fk in table.foreign_keys} - set(Base.metadata.tables))
            print(",".join(missing))
        """)
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                              cwd=Path(__file__).resolve().parents[1], check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "", f"tables referenced but not loaded: {done.stdout}"


class TestDocumentedAnswers:
    def test_catalogue_json_ld_is_a_list(self, client):
        # rdflib writes expanded JSON-LD: a top-level array, documented as an object.
        answer = client.get("/api/v1/catalog")
        assert answer.status_code == 200
        schema = documented("GET", "/api/v1/catalog", answer)["schema"]
        assert isinstance(answer.json(), list) and "array" in schema["type"]

    def test_a_text_file_downloads_with_a_documented_type(self, client, auth):
        # Files are served with the type read from their content (here text/plain), documented as octet-stream.
        path = "/api/v1/emas/resources/{resource_id}/versions/{number}/files/{file_id}/content"
        texts = [(r["id"], v["number"], f["id"])
                 for r in client.get("/api/v1/emas/resources?limit=200").json()["items"]
                 for v in client.get(f"/api/v1/emas/resources/{r['id']}/versions").json()
                 for f in v.get("files", []) if f["media_type"] == "text/plain"]
        assert texts, "the demo data has no text file"
        resource_id, number, file_id = texts[0]
        answer = client.get(path.format(resource_id=resource_id, number=number, file_id=file_id),
                            headers=auth(ADMIN))
        assert answer.status_code == 200
        documented("GET", path, answer)

    def test_registrations_as_csv(self, client, auth):
        # text/csv for organizers and 403 for others were both undocumented.
        path = "/api/v1/events/{event_id}/registrations"
        event = client.get("/api/v1/events?limit=1").json()["items"][0]["id"]
        organizer = client.get(path.format(event_id=event) + "?format=csv", headers=auth(ADMIN))
        assert organizer.status_code == 200 and organizer.text.startswith("id,position,status")
        documented("GET", path, organizer)
        other = client.get(path.format(event_id=event) + "?format=csv", headers=auth("ricerca@cartesio.example"))
        assert_problem(other, 403)
        documented("GET", path, other)


class TestNewlineInAPathParameter:
    """A file name with a newline fell through to the DELETE route of the same prefix: 405, undocumented (the
    `{filename:path}` pattern stopped at the newline). It reaches the upload, which refuses the name."""

    def test_refused_as_a_bad_name(self, client, auth, engine):
        with engine.connect() as conn:
            study_id = conn.execute(text("SELECT min(id) FROM lca_studies")).scalar_one()
        answer = client.put(f"/api/v1/lca-studies/{study_id}/files/a%0Ab.txt", content=b"plain text",
                            headers=auth(ADMIN))
        assert_problem(answer, 422, field="path.filename")
        documented("PUT", "/api/v1/lca-studies/{study_id}/files/{filename}", answer)

    @pytest.mark.parametrize(("method", "url"), [
        ("PUT", "/api/v1/emas/resources/1/versions/1/files/a%0Ab.txt"),
        ("PUT", "/api/v1/applications/1/attachments/a%0Ab.txt"),
        ("GET", "/api/v1/sync/demo/clusters/a%0Ab"),
        ("DELETE", "/api/v1/sync/demo/organizations/a%0Ab"),
    ])
    def test_every_path_parameter_takes_a_newline(self, client, auth, method, url):
        # The operation's own answer, whichever it is, not the router's: 405, or 404 for no route at all.
        answer = client.request(method, url, content=b"plain text", headers=auth(ADMIN))
        problem = answer.json() if answer.status_code >= 400 else {}
        assert problem.get("type") != "urn:cartesio:problem:method-not-allowed", answer.text
        assert not problem.get("detail", "").startswith("No resource at"), answer.text


class TestNulInAQuery:
    """Found against PostgreSQL only: a search with a NUL character reached the database, whose text cannot
    hold one (500); SQLite had stored or compared it. Both now refuse it before any work, naming the parameter."""

    @pytest.mark.parametrize(("url", "path", "field"), [
        ("/api/v1/criteria?q=%17%C2%8D%C3%92Z%C3%9DCL%C2%A1%C2%86%00%F3%9B%BC%BB", "/api/v1/criteria", "query.q"),
        ("/api/v1/clusters?region=ZETV&q=P%C2%B8%F1%A9%B4%89%C3%97%00h%C3%80&sort=name&sector=07&max_employees=833"
         "&limit=67&min_enterprises=2425", "/api/v1/clusters", "query.q"),
    ])
    def test_refused_as_invalid(self, client, auth, url, path, field):
        answer = client.get(url, headers=auth(ADMIN))
        assert_problem(answer, 422, field=field)
        documented("GET", path, answer)


class TestPostgresOnlyAnswers:
    """Found by the fuzz run against PostgreSQL as an administrator."""

    def test_clearing_an_events_topics(self, client, auth):
        # `topics: null` wrote a NULL into a list column PostgreSQL keeps NOT NULL: 500. Null clears the list.
        headers = auth(ADMIN)
        event = client.get("/api/v1/events", params={"limit": 1}).json()["items"][0]
        answer = client.patch(f"/api/v1/events/{event['id']}", json={"topics": None, "status": None},
                              headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["topics"] == [] and answer.json()["status"] == event["status"]
        documented("PATCH", "/api/v1/events/{event_id}", answer)

    @pytest.mark.parametrize("method", ["post", "patch"])
    def test_a_user_of_an_organization_that_does_not_exist(self, client, auth, method):
        # The foreign key refused it, answered as a write conflict (409, undocumented): it is a bad reference.
        headers = auth(ADMIN)
        if method == "post":
            url, body = "/api/v1/users", {"email": f"u-{uuid.uuid4().hex[:8]}@cartesio.example",
                                          "password": "a-long-password", "role": "reader"}
        else:
            user = client.post("/api/v1/users", headers=headers, json={
                "email": f"u-{uuid.uuid4().hex[:8]}@cartesio.example", "password": "a-long-password",
                "role": "reader"}).json()
            url, body = f"/api/v1/users/{user['id']}", {}
        before = client.get("/api/v1/users", headers=headers).json()
        answer = client.request(method.upper(), url, headers=headers, json={**body, "organization_id": 2**31 - 1})
        assert_problem(answer, 422, field="body.organization_id")
        assert client.get("/api/v1/users", headers=headers).json() == before
        documented(method.upper(), "/api/v1/users" if method == "post" else "/api/v1/users/{user_id}", answer)
