"""Object-level access: what belongs to one firm is invisible to another (404, as if it did not exist, and
nothing changes); an evaluator sees only what is assigned to them; a chamber of commerce only its province."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import assert_problem
from tests.test_policy import _call, _validated_resource

API = "/api/v1"
ADMIN = "admin@cartesio.example"
CONCERIA = "conceria@cartesio.example"
EVALUATOR = "valutatore@cartesio.example"
PDF = b"%PDF-1.7\n" + b"0" * 500 + b"\n%%EOF\n"


def ok(response) -> dict | list:
    assert response.status_code in (200, 201), response.text
    return response.json()


def org(client, auth, name: str, province: str, region: str, kind: str = "enterprise") -> int:
    return ok(client.post(f"{API}/organizations", headers=auth(ADMIN), json={
        "name": f"{name} {uuid.uuid4().hex[:6]}", "kind": kind, "country": "IT", "region_code": region,
        "province": province}))["id"]


def account(client, auth, role: str, organization_id: int | None = None, scopes=()) -> dict[str, str]:
    email = f"oggetti-{uuid.uuid4().hex[:8]}@cartesio.example"
    ok(client.post(f"{API}/users", headers=auth(ADMIN), json={
        "email": email, "password": "a-long-password", "role": role, "organization_id": organization_id,
        "scopes": list(scopes)}))
    return auth(email, "a-long-password")


def application(client, auth, call_id: int, organization_id: int) -> int:
    return ok(client.post(f"{API}/applications", headers=auth(ADMIN), json={
        "call_id": call_id, "organization_id": organization_id, "title": f"Progetto {uuid.uuid4().hex[:6]}",
        "requested": "100.00"}))["id"]


def listed(client, call_id: int, headers) -> set[int]:
    return {a["id"] for a in ok(client.get(f"{API}/calls/{call_id}/applications?limit=200", headers=headers))["items"]}


@pytest.fixture(scope="module")
def world(client, auth, ids) -> dict:
    """Conceria Demo's records (made through the API) and a second firm with an account of its own."""
    conceria = ids["org:conceria-demo"]
    call_id = _call(client, auth)
    # Conceria's own draft, made by its own user, with a document.
    draft = ok(client.post(f"{API}/applications", headers=auth(CONCERIA), json={
        "call_id": call_id, "title": "Conceria: depuratore", "requested": "50.00"}))["id"]
    ok(client.put(f"{API}/applications/{draft}/attachments/domanda.pdf", headers=auth(CONCERIA), content=PDF))
    rival = org(client, auth, "Pelletteria Rivale", "PI", "ITI17")
    rival_app = application(client, auth, call_id, rival)
    # An adoption and an evidence of Conceria's, recorded now so the test does not rely on the demo data.
    resource = _validated_resource(client, auth, ids["cluster:santa-croce-tannery"])
    adoption = ok(client.post(f"{API}/organizations/{conceria}/adoptions", headers=auth(CONCERIA),
                              json={"resource_id": resource, "version": 1}))["id"]
    evidence = ok(client.post(f"{API}/organizations/{conceria}/evidence", headers=auth(CONCERIA), json={
        "requirement_code": "II.A.9.3", "title": f"Registro {uuid.uuid4().hex[:6]}"}))["id"]
    start = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0)
    event = ok(client.post(f"{API}/events", headers=auth(ADMIN), json={
        "title": f"Seminario {uuid.uuid4().hex[:6]}", "kind": "seminar", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "capacity": 30}))["id"]
    registration = ok(client.post(f"{API}/events/{event}/registrations", headers=auth(CONCERIA), json={
        "name": "Addetta Conceria", "email": f"c.{uuid.uuid4().hex[:6]}@example.it"}))["id"]
    return {"conceria": conceria, "call": call_id, "draft": draft, "rival": rival, "rival_app": rival_app,
            "rival_headers": account(client, auth, "enterprise", rival), "adoption": adoption,
            "evidence": evidence, "event": event, "registration": registration}


def snapshot(client, auth, w) -> dict:
    """Everything of Conceria's that the tests try to reach, as the admin sees it."""
    admin = auth(ADMIN)
    app = f"{API}/applications/{w['draft']}"
    org_url = f"{API}/organizations/{w['conceria']}"
    return {
        "application": ok(client.get(app, headers=admin)),
        "history": ok(client.get(f"{app}/transitions", headers=admin)),
        "attachments": ok(client.get(f"{app}/attachments", headers=admin)),
        "adoptions": ok(client.get(f"{org_url}/adoptions", headers=admin)),
        "evidence": ok(client.get(f"{org_url}/evidence", headers=admin)),
        "registrations": ok(client.get(f"{API}/events/{w['event']}/registrations", headers=admin)),
    }


class TestAnotherEnterprise:
    def test_never_reads_the_application(self, client, world):
        rival, app = world["rival_headers"], f"{API}/applications/{world['draft']}"
        for path in ("", "/transitions", "/evaluations", "/attachments", "/accompaniment"):
            assert_problem(client.get(app + path, headers=rival), 404)
        assert listed(client, world["call"], rival) == {world["rival_app"]}
        ranking = ok(client.get(f"{API}/calls/{world['call']}/ranking", headers=rival))
        assert world["draft"] not in {a["id"] for a in ranking}

    def test_never_changes_the_application(self, client, auth, world):
        before = snapshot(client, auth, world)
        rival, app = world["rival_headers"], f"{API}/applications/{world['draft']}"
        assert_problem(client.patch(app, headers=rival, json={"title": "Preso"}), 404)
        assert_problem(client.post(f"{app}/submit", headers=rival), 404)
        assert_problem(client.post(f"{app}/transitions", headers=rival, json={"to": "withdrawn"}), 404)
        assert_problem(client.post(f"{app}/definitive", headers=rival, json={"requested": "1.00"}), 404)
        assert_problem(client.put(f"{app}/attachments/altro.pdf", headers=rival, content=PDF), 404)
        assert snapshot(client, auth, world) == before

    def test_cannot_apply_in_its_name(self, client, auth, world):
        before = listed(client, world["call"], auth(ADMIN))
        assert_problem(client.post(f"{API}/applications", headers=world["rival_headers"], json={
            "call_id": world["call"], "organization_id": world["conceria"], "title": "A nome d'altri",
            "requested": "1.00"}), 403)
        assert listed(client, world["call"], auth(ADMIN)) == before

    def test_never_reads_or_changes_its_emas_records(self, client, auth, world):
        before = snapshot(client, auth, world)
        rival, org_url = world["rival_headers"], f"{API}/organizations/{world['conceria']}"
        for path in ("/adoptions", "/evidence", "/emas-coverage"):
            assert_problem(client.get(org_url + path, headers=rival), 404)
        assert_problem(client.delete(f"{org_url}/adoptions/{world['adoption']}", headers=rival), 404)
        assert_problem(client.delete(f"{org_url}/evidence/{world['evidence']}", headers=rival), 404)
        assert_problem(client.post(f"{org_url}/evidence", headers=rival, json={
            "requirement_code": "II.A.9.3", "title": "Intrusa"}), 404)
        assert_problem(client.post(f"{org_url}/adoptions", headers=rival, json={
            "resource_id": before["adoptions"][0]["resource_id"], "version": 1}), 404)
        assert snapshot(client, auth, world) == before

    def test_never_reaches_its_event_registration(self, client, auth, world):
        before = snapshot(client, auth, world)
        rival = world["rival_headers"]
        url = f"{API}/events/{world['event']}/registrations"
        assert world["registration"] not in {r["id"] for r in ok(client.get(url, headers=rival))}
        one = f"{url}/{world['registration']}"
        assert_problem(client.delete(one, headers=rival), 404)
        assert_problem(client.post(f"{one}/erasure", headers=rival), 404)
        assert_problem(client.get(f"{one}/certificate.pdf", headers=rival), 404)
        assert snapshot(client, auth, world) == before

    def test_the_owner_does_reach_them(self, client, auth, world):
        """The same requests work for Conceria itself: the 404s above are about who asks."""
        own, app = auth(CONCERIA), f"{API}/applications/{world['draft']}"
        for path in ("", "/transitions", "/attachments"):
            assert client.get(app + path, headers=own).status_code == 200
        for path in ("/adoptions", "/evidence", "/emas-coverage"):
            assert client.get(f"{API}/organizations/{world['conceria']}{path}", headers=own).status_code == 200
        registrations = ok(client.get(f"{API}/events/{world['event']}/registrations", headers=own))
        assert world["registration"] in {r["id"] for r in registrations}


class TestEvaluator:
    def test_sees_only_what_is_assigned(self, client, auth, world):
        call_id = world["call"]
        app_id = application(client, auth, call_id, world["conceria"])
        url = f"{API}/applications/{app_id}"
        ok(client.post(f"{url}/submit", headers=auth(ADMIN)))
        ok(client.post(f"{url}/transitions", headers=auth(ADMIN), json={"to": "admissible"}))
        evaluator = auth(EVALUATOR)
        for path in ("", "/evaluations", "/attachments", "/transitions"):
            assert_problem(client.get(url + path, headers=evaluator), 404)
        assert_problem(client.put(f"{url}/evaluations/mine", headers=evaluator,
                                  json={"scores": {"qualita": {"score": "7"}}}), 404)
        assert listed(client, call_id, evaluator) == set()
        me = ok(client.get(f"{API}/auth/me", headers=evaluator))
        ok(client.post(f"{url}/assignments", headers=auth(ADMIN), json={"evaluator_id": me["id"]}))
        assert client.get(url, headers=evaluator).status_code == 200
        assert listed(client, call_id, evaluator) == {app_id}


class TestChamber:
    def test_sees_only_its_province(self, client, auth, world):
        pisa = org(client, auth, "Camera di commercio di Pisa", "PI", "ITI17", kind="public_administration")
        firenze = org(client, auth, "Camera di commercio di Firenze", "FI", "ITI14", kind="public_administration")
        florentine = application(client, auth, world["call"], org(client, auth, "Lanificio", "FI", "ITI14"))
        everything = ok(client.get(f"{API}/calls/{world['call']}/applications?limit=200", headers=auth(ADMIN)))
        pisan = {a["id"] for a in everything["items"] if a["province"] == "PI"}
        assert {world["draft"], world["rival_app"]} <= pisan
        for chamber, mine, other in ((pisa, pisan, {florentine}), (firenze, {florentine}, pisan)):
            headers = account(client, auth, "chamber_officer", chamber, [f"chamber:{chamber}"])
            assert listed(client, world["call"], headers) == mine
            for app_id in mine:
                assert client.get(f"{API}/applications/{app_id}", headers=headers).status_code == 200
            for app_id in other:
                assert_problem(client.get(f"{API}/applications/{app_id}", headers=headers), 404)

    def test_another_region_sees_none(self, client, auth, world):
        lombardia = account(client, auth, "region_officer", None, ["region:ITC4"])
        assert listed(client, world["call"], lombardia) == set()
        assert_problem(client.get(f"{API}/applications/{world['draft']}", headers=lombardia), 404)


# Mass assignment: fields that only the server (or a more powerful role) sets.
FORBIDDEN_FIELDS = ("id", "role", "scopes", "scope_rule", "state", "status", "version", "budget", "budget_cents",
                    "granted", "granted_cents", "score", "rank", "owner", "created_by", "registered_by",
                    "organization_id", "is_demo", "is_active", "created_at", "updated_at", "password_hash",
                    "secret_hash", "source")


def json_bodies(app) -> list[tuple[str, str, dict]]:
    """(method, path, schema) of every operation that takes a JSON object body, from the app's OpenAPI."""
    spec = app.openapi()
    schemas = spec["components"]["schemas"]
    out = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is None or "$ref" not in schema:
                continue
            out.append((method.upper(), path, schemas[schema["$ref"].rsplit("/", 1)[1]]))
    return out


def test_every_json_body_refuses_unknown_fields(client):
    """extra=forbid on every input schema: the OpenAPI says so, so clients and the probes below can rely on it."""
    open_bodies = [(m, p) for m, p, schema in json_bodies(client.app) if schema.get("additionalProperties") is not False]
    assert not open_bodies


def test_fields_a_body_does_not_declare_are_refused(client, auth):
    """For every JSON body, each server-set field it does not declare is a 422 naming that field, before any
    change is made (the probes run as the admin, who may call every operation)."""
    probes = 0
    for method, path, schema in json_bodies(client.app):
        url = path
        while "{" in url:
            start, end = url.index("{"), url.index("}")
            url = url[:start] + "1" + url[end + 1:]
        for name in FORBIDDEN_FIELDS:
            if name in schema.get("properties", {}):
                continue
            response = client.request(method, url, json={name: 1}, headers=auth(ADMIN))
            body = assert_problem(response, 422)
            assert any(e["field"] == f"body.{name}" and e["code"] == "extra_forbidden"
                       for e in body.get("errors", [])), (method, path, name, body)
            probes += 1
    assert probes > 100


class TestDeclaredButNotTheirs:
    """Fields a body does declare, that this caller may not set."""

    def test_a_user_cannot_change_their_own_role_or_scopes(self, client, auth):
        email = f"massa-{uuid.uuid4().hex[:8]}@cartesio.example"
        user_id = ok(client.post(f"{API}/users", headers=auth(ADMIN), json={
            "email": email, "password": "a-long-password", "role": "enterprise", "organization_id": 1}))["id"]
        own = auth(email, "a-long-password")
        for change in ({"role": "admin"}, {"scopes": ["organization:2"]}, {"organization_id": 2},
                       {"is_active": True}, {"password": "another-long-password"}):
            assert_problem(client.patch(f"{API}/users/{user_id}", headers=own, json=change), 403)
        me = ok(client.get(f"{API}/auth/me", headers=own))
        assert me["role"] == "enterprise" and me["organizations"] == [1]
        assert client.post(f"{API}/auth/token", data={"grant_type": "password", "username": email,
                                                       "password": "a-long-password"}).status_code == 200

    def test_an_integration_cannot_widen_its_own_scopes(self, client, auth, service_client):
        headers = service_client("massa", "ITC4")
        me = ok(client.get(f"{API}/auth/me", headers=headers))
        assert_problem(client.patch(f"{API}/service-accounts/{me['id']}", headers=headers,
                                    json={"scopes": ["region:IT"]}), 403)
        assert ok(client.get(f"{API}/auth/me", headers=headers))["regions"] == ["ITC4"]

    def test_an_applicant_cannot_set_its_application_state(self, client, auth, world):
        app_id = application(client, auth, world["call"], world["conceria"])
        url = f"{API}/applications/{app_id}"
        ok(client.post(f"{url}/submit", headers=auth(CONCERIA)))
        # The moves a submitted application can make that belong to the call's managers...
        for to in ("admissible", "inadmissible"):
            assert_problem(client.post(f"{url}/transitions", headers=auth(CONCERIA), json={"to": to}), 403)
        # ...and ones it cannot make at all from here (the state machine answers before the role).
        for to in ("admitted", "funded", "ranked"):
            response = client.post(f"{url}/transitions", headers=auth(CONCERIA), json={"to": to})
            assert response.status_code in (403, 409), response.text
        after = ok(client.get(url, headers=auth(ADMIN)))
        assert after["state"] == "submitted" and after["granted"] in (None, "0.00")

    def test_a_cluster_manager_cannot_set_a_calls_budget(self, client, auth):
        slug = f"massa-{uuid.uuid4().hex[:8]}"
        assert_problem(client.post(f"{API}/calls", headers=auth("prato@cartesio.example"), json={
            "slug": slug, "title_it": "Bando del distretto",
            "funders": [{"key": "distretto", "name": "Distretto", "role": "region", "contribution": "1000000.00"}],
            "charge_rule": [{"funder": "region", "share": "1"}]}), 403)
        assert slug not in {c["slug"] for c in ok(client.get(f"{API}/calls?limit=200"))["items"]}

    def test_a_region_cannot_move_a_cluster_out_of_its_regions(self, client, auth, ids):
        url = f"{API}/clusters/{ids['cluster:prato-textile']}"
        before = ok(client.get(url))
        assert_problem(client.patch(url, headers=auth("toscana@cartesio.example"), json={"region_code": "ITC4C"}), 403)
        assert ok(client.get(url)) == before
