"""Statistics for dashboards: counts computed in the database, filters, and ETags from a data version that let a
dashboard poll unchanged data with 304s that run no aggregate.

The database is shared with the other modules, so every assertion is on data made here: clusters and
organizations in Malta (MT, regions MT001 and MT002), which nothing else uses, and one cluster in Cyprus (CY).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from api.core.db import Database
from api.main import create_app
from api.screenings import service as screenings
from tests.helpers import assert_problem

ADMIN = "admin@cartesio.example"
OFFICER = "toscana@cartesio.example"     # runs screenings and manages calls
VERIFIER = "verificatore@cartesio.example"
ENTERPRISE = "conceria@cartesio.example"  # Conceria Demo, province PI
PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 40 + b"%%EOF\n"
STATS = "/api/v1/stats"


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def new_cluster(client, auth, *, country="MT", nace=(), enterprises=None, **fields) -> int:  # noqa: ANN001
    body = {"name": f"Statistiche {_uid()}", "kind": "industrial_district", "country": country,
            "sectors": [{"label": "Settore", "nace": list(nace)}] if nace else [], **fields}
    if enterprises is not None:
        body["enterprises"] = {"count": enterprises}
    created = client.post("/api/v1/clusters", headers=auth(ADMIN), json=body)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def new_org(client, auth, *, clusters=(), **fields) -> int:  # noqa: ANN001
    created = client.post("/api/v1/organizations", headers=auth(ADMIN), json={
        "name": f"Impresa {_uid()}", "kind": "enterprise", "country": "MT", "region_code": "MT001", **fields})
    assert created.status_code == 201, created.text
    org_id = created.json()["id"]
    for cluster_id in clusters:
        joined = client.post(f"/api/v1/clusters/{cluster_id}/members", headers=auth(ADMIN),
                             json={"organization_id": org_id})
        assert joined.status_code == 201, joined.text
    return org_id


def new_resource(client, auth, cluster_id: int, type_="procedure", *, release=True) -> int:  # noqa: ANN001
    made = client.post("/api/v1/emas/resources", headers=auth(ADMIN), json={
        "cluster_id": cluster_id, "type": type_, "title": f"Risorsa {_uid()}", "requirements": ["II.A.8.1"]})
    assert made.status_code == 201, made.text
    resource_id = made.json()["id"]
    if release:
        url = f"/api/v1/emas/resources/{resource_id}/versions"
        assert client.post(url, headers=auth(ADMIN), json={}).json()["number"] == 1
        assert client.put(f"{url}/1/files/risorsa.pdf", headers=auth(ADMIN), content=PDF).status_code == 201
        assert client.post(f"{url}/1/release", headers=auth(ADMIN)).status_code == 200
    return resource_id


def validate(client, auth, resource_id: int, **body) -> None:  # noqa: ANN001
    done = client.post(f"/api/v1/emas/resources/{resource_id}/versions/1/validations", headers=auth(VERIFIER),
                       json={"outcome": "validated", **body})
    assert done.status_code == 201, done.text


def groups(body: dict) -> dict[str, int]:
    return {g["key"]: g["count"] for g in body["groups"]}


@pytest.fixture(scope="module")
def malta(client, auth):  # noqa: ANN001, ANN201
    """Four clusters in Malta, one in Cyprus, and organizations in Malta, some members of the first cluster."""
    c = {
        # Two divisions (13 and 14): counts under both.
        "textile": new_cluster(client, auth, nace=("13", "14.1"), enterprises=5, region_code="MT001"),
        # Two codes of one division: counts once under 13.
        "yarn": new_cluster(client, auth, nace=("13.2", "13.20"), enterprises=120, region_code="MT002",
                            kind="cluster"),
        "unknown": new_cluster(client, auth, region_code="MT001"),
        "metal": new_cluster(client, auth, nace=("25",), enterprises=1500, region_code="MT001", kind="apea"),
        "cyprus": new_cluster(client, auth, country="CY", nace=("13",), enterprises=40),
    }
    o = {
        "micro": new_org(client, auth, employees=5, emas_registration_number="MT-000001",
                         iso14001_certificate="ISO-MT-1", clusters=[c["textile"]]),
        "small": new_org(client, auth, size_class="small", iso14001_certificate="ISO-MT-2",
                         clusters=[c["textile"]]),
        "unsized": new_org(client, auth, emas_registration_number="", clusters=[c["yarn"]]),
        "gozo": new_org(client, auth, kind="association", region_code="MT002", emas_registration_number="MT-000002"),
    }
    return {"clusters": c, "orgs": o}


class TestClusterStats:
    def test_by_country_kind_and_size(self, client, malta):
        by_country = client.get(f"{STATS}/clusters", params={"group_by": "country", "country": "MT"})
        assert by_country.status_code == 200, by_country.text
        body = by_country.json()
        assert body == {"group_by": "country", "total": 4, "groups": [{"key": "MT", "count": 4}],
                        "filters": {"country": "MT", "region": None, "sector": None, "kind": None}}
        by_kind = client.get(f"{STATS}/clusters", params={"group_by": "kind", "country": "mt"}).json()
        assert by_kind["groups"] == [
            {"key": "apea", "count": 1}, {"key": "cluster", "count": 1}, {"key": "industrial_district", "count": 2}]
        by_size = client.get(f"{STATS}/clusters", params={"group_by": "size", "country": "MT"}).json()
        assert [(g["key"], g["count"]) for g in by_size["groups"]] == [
            ("unknown", 1), ("1-9", 1), ("10-49", 0), ("50-249", 1), ("250-999", 0), ("1000+", 1)]

    def test_by_sector_counts_each_division_once_per_cluster(self, client, malta):
        body = client.get(f"{STATS}/clusters", params={"group_by": "sector", "country": "MT"}).json()
        assert groups(body) == {"13": 2, "14": 1, "25": 1, "unknown": 1}
        assert body["total"] == 4  # the textile cluster is in two groups, and one cluster

    def test_a_cluster_whose_codes_change_moves_between_divisions(self, client, auth):
        # Liechtenstein: no other cluster of the suite is there.
        cluster = new_cluster(client, auth, country="LI", nace=("13.20",))
        url, params = f"{STATS}/clusters", {"group_by": "sector", "country": "LI"}
        first = client.get(url, params=params)
        assert groups(first.json()) == {"13": 1} and first.json()["total"] == 1
        tag = first.headers["ETag"]
        moves = (["25.1", "25.99"], {"25": 1}), (["13", "14.1"], {"13": 1, "14": 1}), ([], {"unknown": 1})
        for nace, expected in moves:
            changed = client.patch(f"/api/v1/clusters/{cluster}", headers=auth(ADMIN),
                                   json={"sectors": [{"label": "Settore", "nace": nace}] if nace else []})
            assert changed.status_code == 200, changed.text
            after = client.get(url, params=params, headers={"If-None-Match": tag})
            assert after.status_code == 200 and after.headers["ETag"] != tag
            assert groups(after.json()) == expected and after.json()["total"] == 1
            tag = after.headers["ETag"]
            assert client.get(url, params=params, headers={"If-None-Match": tag}).status_code == 304

    def test_filters_combine(self, client, malta):
        def get(**params) -> dict:  # noqa: ANN003
            response = client.get(f"{STATS}/clusters", params=params)
            assert response.status_code == 200, response.text
            return response.json()

        assert groups(get(group_by="kind", region="MT001")) == {"apea": 1, "industrial_district": 2}
        assert get(group_by="kind", region="mt00")["total"] == 4
        # A sector filter picks clusters; their other divisions still show.
        assert groups(get(group_by="sector", country="MT", sector="14")) == {"13": 1, "14": 1}
        # As the cluster list's nace filter: a cluster of division 13 answers 13.2.
        assert get(group_by="country", country="MT", sector="13.2")["total"] == 2
        assert groups(get(group_by="country", sector="13", country="CY")) == {"CY": 1}
        assert get(group_by="country", sector="25", country="CY")["total"] == 0
        only = get(group_by="size", country="MT", kind="apea")
        assert only["total"] == 1 and groups(only)["1000+"] == 1
        assert only["filters"] == {"country": "MT", "region": None, "sector": None, "kind": "apea"}

    @pytest.mark.parametrize(("params", "field"), [
        ({"group_by": "region"}, "query.group_by"), ({"country": "MLT"}, "query.country"),
        ({"sector": "1"}, "query.sector"), ({"kind": "factory"}, "query.kind"), ({"region": "M-T"}, "query.region"),
    ])
    def test_bad_input_is_a_problem(self, client, params, field):
        assert_problem(client.get(f"{STATS}/clusters", params=params), 422, field=field)


class TestOrganizationStats:
    def test_size_classes_and_certifications(self, client, malta):
        body = client.get(f"{STATS}/organizations", params={"country": "MT"}).json()
        assert body["total"] == 4
        assert body["by_size_class"] == [
            {"key": "micro", "count": 1, "emas_registered": 1, "iso14001_certified": 1},
            {"key": "small", "count": 1, "emas_registered": 0, "iso14001_certified": 1},
            {"key": "medium", "count": 0, "emas_registered": 0, "iso14001_certified": 0},
            {"key": "large", "count": 0, "emas_registered": 0, "iso14001_certified": 0},
            {"key": "unknown", "count": 2, "emas_registered": 1, "iso14001_certified": 0}]
        # An empty registration number is no registration.
        assert body["emas_registered"] == {"count": 2, "share": 0.5}
        assert body["iso14001_certified"] == {"count": 2, "share": 0.5}

    def test_filters(self, client, malta):
        def get(**params) -> dict:  # noqa: ANN003
            response = client.get(f"{STATS}/organizations", params=params)
            assert response.status_code == 200, response.text
            return response.json()

        firms = get(country="MT", kind="enterprise")
        assert firms["total"] == 3 and firms["emas_registered"] == {"count": 1, "share": 0.3333}
        assert get(region="MT002")["total"] == 1
        members = get(cluster_id=malta["clusters"]["textile"])
        assert members["total"] == 2 and members["iso14001_certified"] == {"count": 2, "share": 1.0}
        assert members["filters"]["cluster_id"] == malta["clusters"]["textile"]
        none = get(cluster_id=malta["clusters"]["metal"])
        assert none["total"] == 0 and {g["count"] for g in none["by_size_class"]} == {0}
        assert none["emas_registered"] == none["iso14001_certified"] == {"count": 0, "share": 0.0}
        assert_problem(client.get(f"{STATS}/organizations", params={"kind": "firm"}), 422, field="query.kind")


@pytest.fixture(scope="module")
def screening(client, auth, malta):  # noqa: ANN001, ANN201
    """A finished run over the Maltese clusters and the Cypriot one: textile sectors pass, a cluster without
    NACE codes is unknown (needs review)."""
    criterion = client.post("/api/v1/criteria", headers=auth(OFFICER), json={
        "name": f"Moda {_uid()}", "definition": {"type": "nace", "prefixes": ["13"], "label": "textiles"}})
    assert criterion.status_code == 201, criterion.text
    criteria_set = client.post("/api/v1/criteria-sets", headers=auth(OFFICER), json={
        "name": f"Tessile {_uid()}", "unknown_as": "review",
        "phases": [{"name": "Settore", "criteria": [criterion.json()["id"]]}]})
    assert criteria_set.status_code == 201, criteria_set.text
    run = client.post("/api/v1/screenings", headers=auth(OFFICER), json={
        "criteria_set_id": criteria_set.json()["id"], "scope": {"cluster_ids": list(malta["clusters"].values())}})
    assert run.status_code == 200, run.text
    return {"id": run.json()["id"], "set_id": criteria_set.json()["id"]}


class TestScreeningStats:
    def test_the_funnel_and_outcomes_by_country(self, client, screening):
        response = client.get(f"{STATS}/screenings/{screening['id']}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["entered"], body["selected"], body["needs_review"], body["rejected"]) == (5, 3, 1, 1)
        assert body["criteria_set_id"] == screening["set_id"] and body["version"] == 1
        (phase,) = body["phases"]
        assert {k: phase[k] for k in ("considered", "passed", "failed", "unknown", "removed", "added", "after")} == {
            "considered": 5, "passed": 3, "failed": 1, "unknown": 1, "removed": 1, "added": 0, "after": 4}
        assert body["phases"] == client.get(f"/api/v1/screenings/{screening['id']}").json()["funnel"]
        assert body["by_country"] == [
            {"country": "CY", "entered": 1, "selected": 1, "needs_review": 0, "rejected": 0},
            {"country": "MT", "entered": 4, "selected": 2, "needs_review": 1, "rejected": 1}]

    def test_unknown_is_404_and_unfinished_is_409(self, client, seeded, auth, malta, screening):
        assert_problem(client.get(f"{STATS}/screenings/999999999"), 404)
        assert_problem(client.get(f"{STATS}/screenings/0"), 422, field="path.screening_id")
        settings = seeded.model_copy(update={"screening_inline_max_clusters": 0})
        with TestClient(create_app(settings), raise_server_exceptions=False) as queued_client:
            queued = queued_client.post("/api/v1/screenings", headers=auth(OFFICER), json={
                "criteria_set_id": screening["set_id"], "scope": {"cluster_ids": [malta["clusters"]["cyprus"]]}})
            assert queued.status_code == 202, queued.text
            url = f"{STATS}/screenings/{queued.json()['id']}"
            refused = queued_client.get(url)
            assert_problem(refused, 409)
            assert refused.headers["Retry-After"] == "5"

            async def drain() -> None:
                # Leave no queued run behind for the other modules' workers.
                db = Database(settings)
                try:
                    while await screenings.run_queued(db):
                        pass
                finally:
                    await db.dispose()

            asyncio.run(drain())
            assert queued_client.get(url).json()["entered"] == 1


@pytest.fixture(scope="module")
def emas(client, auth, malta):  # noqa: ANN001, ANN201
    """Resources of two Maltese clusters in each validation state, and one member's adoption."""
    c = malta["clusters"]
    current = new_resource(client, auth, c["textile"])
    validate(client, auth, current)
    rejected = new_resource(client, auth, c["textile"], "legal_register")
    validate(client, auth, rejected, outcome="rejected", findings="incompleto")
    expired = new_resource(client, auth, c["textile"])
    validate(client, auth, expired, validated_date=(date.today() - timedelta(days=4 * 365)).isoformat(),
             valid_until=(date.today() - timedelta(days=365)).isoformat())
    new_resource(client, auth, c["textile"], release=False)
    new_resource(client, auth, c["yarn"], "ems_manual")
    adopted = client.post(f"/api/v1/organizations/{malta['orgs']['micro']}/adoptions", headers=auth(ADMIN),
                          json={"resource_id": current, "version": 1})
    assert adopted.status_code == 201, adopted.text
    return {"current": current}


class TestEmasStats:
    def test_resources_by_type_and_state_and_coverage_per_cluster(self, client, malta, emas):
        response = client.get(f"{STATS}/emas", params={"country": "MT"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["resources"] == 5 and body["as_of"] == date.today().isoformat()
        assert groups({"groups": body["by_type"]}) == {"ems_manual": 1, "legal_register": 1, "procedure": 3}
        assert body["by_validation_state"] == [{"key": "current", "count": 1}, {"key": "expired", "count": 1},
                                               {"key": "rejected", "count": 1}, {"key": "none", "count": 2}]
        c = malta["clusters"]
        assert [{k: v for k, v in item.items() if k != "name"} for item in body["clusters"]] == [
            {"cluster_id": c["textile"], "resources": 4, "member_firms": 2, "adopting_firms": 1, "share": 0.5},
            {"cluster_id": c["yarn"], "resources": 1, "member_firms": 1, "adopting_firms": 0, "share": 0.0}]

    def test_filters_pick_the_owning_clusters(self, client, malta, emas):
        gozo = client.get(f"{STATS}/emas", params={"region": "MT002"}).json()
        assert gozo["resources"] == 1 and [i["cluster_id"] for i in gozo["clusters"]] == [malta["clusters"]["yarn"]]
        assert gozo["filters"]["region"] == "MT002"
        assert client.get(f"{STATS}/emas", params={"country": "MT", "kind": "apea"}).json()["resources"] == 0
        assert client.get(f"{STATS}/emas", params={"country": "MT", "sector": "14"}).json()["resources"] == 4
        unfiltered = client.get(f"{STATS}/emas").json()
        assert unfiltered["resources"] >= 5 and {malta["clusters"]["textile"], malta["clusters"]["yarn"]} <= {
            i["cluster_id"] for i in unfiltered["clusters"]}


def _call(client, auth) -> int:  # noqa: ANN001
    now = datetime.now(UTC)
    created = client.post("/api/v1/calls", headers=auth(OFFICER), json={
        "slug": f"statistiche-{_uid()}", "title_it": "Bando", "categories": ["riuso"],
        "funders": [{"key": "regione", "name": "Regione", "role": "region", "contribution": "10000.00"},
                    {"key": "camere", "name": "Camere", "role": "pool", "contribution": "5000.00"}],
        "charge_rule": [{"funder": "region", "share": "0.5"}, {"funder": "chamber_of_province", "share": "0.5"}],
        "eligibility": {"kinds": ["enterprise"]}, "max_grant": "1000.00",
        "phases": [{"name": "Fase 1", "opens_at": (now - timedelta(days=1)).isoformat(),
                    "closes_at": (now + timedelta(days=30)).isoformat()}],
        "criteria": [{"code": "qualita", "name": "Qualità", "weight": "1", "max_score": "10"}]})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _application(client, auth, call_id: int, requested: str) -> int:  # noqa: ANN001
    created = client.post("/api/v1/applications", headers=auth(ENTERPRISE), json={
        "call_id": call_id, "title": f"Progetto {_uid()}", "category": "riuso", "requested": requested})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _funded(client, auth, engine, call_id: int, organization_id: int) -> None:  # noqa: ANN001
    """An application written as through evaluation and accompaniment (no category), then funded."""
    with engine.begin() as conn:
        app_id = conn.execute(text(
            "INSERT INTO applications (call_id, organization_id, province, title, requested_cents, "
            "definitive_requested_cents, budget_lines, state, reserve, is_demo, version, created_at, updated_at)"
            " VALUES (:call, :org, 'PI', 'Finanziato', 100000, 100000, '[]', 'definitive_submitted', false, false,"
            " 1, :now, :now) RETURNING id"), {"call": call_id, "org": organization_id, "now": datetime.now(UTC)},
        ).scalar_one()
    funded = client.post(f"/api/v1/applications/{app_id}/funding", headers=auth(OFFICER), json={})
    assert funded.status_code == 200, funded.text


@pytest.fixture(scope="module")
def call(client, auth, engine, ids):  # noqa: ANN001, ANN201
    """A call with a draft, a submitted and a funded application."""
    call_id = _call(client, auth)
    _application(client, auth, call_id, "300.00")
    submitted = _application(client, auth, call_id, "500.00")
    assert client.post(f"/api/v1/applications/{submitted}/submit", headers=auth(ENTERPRISE)).status_code == 200
    _funded(client, auth, engine, call_id, ids["org:conceria-demo"])
    return call_id


class TestCallStats:
    def test_applications_and_budget(self, client, call):
        response = client.get(f"{STATS}/calls/{call}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["call_id"] == call and body["applications"] == 3
        assert body["by_state"] == [
            {"key": "draft", "applications": 1, "requested": "300.00", "granted": "0.00"},
            {"key": "funded", "applications": 1, "requested": "1000.00", "granted": "1000.00"},
            {"key": "submitted", "applications": 1, "requested": "500.00", "granted": "0.00"}]
        assert body["by_province"] == [{"key": "PI", "applications": 3, "requested": "1800.00", "granted": "1000.00"}]
        assert [(g["key"], g["applications"]) for g in body["by_category"]] == [("riuso", 2), ("unknown", 1)]
        assert (body["budget"], body["allocated"], body["remaining"]) == ("15000.00", "1000.00", "14000.00")
        assert [(f["key"], f["contribution"], f["allocated"], f["remaining"]) for f in body["funders"]] == [
            ("regione", "10000.00", "500.00", "9500.00"), ("camere", "5000.00", "500.00", "4500.00")]

    def test_unknown_call_is_404(self, client):
        assert_problem(client.get(f"{STATS}/calls/999999999"), 404)


@pytest.fixture(scope="module")
def counting(seeded):  # noqa: ANN001, ANN201
    """A separate app whose engine records every SQL statement it sends: (client, statements)."""
    statements: list[str] = []
    with TestClient(create_app(seeded), raise_server_exceptions=False) as counted:
        engine = counted.app.state.db.engine.sync_engine

        def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield counted, statements
        finally:
            event.remove(engine, "before_cursor_execute", record)


class TestCaching:
    def test_an_unchanged_database_answers_304_and_a_write_changes_the_etag(self, client, auth, malta):
        url, params = f"{STATS}/clusters", {"group_by": "kind", "country": "MT"}
        first = client.get(url, params=params)
        tag = first.headers["ETag"]
        assert first.headers["Cache-Control"] == "public, max-age=60"
        again = client.get(url, params=params, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["ETag"] == tag and again.headers["Cache-Control"] == "public, max-age=60"
        # Another question is another answer.
        other = client.get(url, params={"group_by": "size", "country": "MT"}, headers={"If-None-Match": tag})
        assert other.status_code == 200 and other.headers["ETag"] != tag
        changed = client.patch(f"/api/v1/clusters/{malta['clusters']['unknown']}", headers=auth(ADMIN),
                               json={"locality": "Valletta"})
        assert changed.status_code == 200, changed.text
        after = client.get(url, params=params, headers={"If-None-Match": tag})
        assert after.status_code == 200 and after.headers["ETag"] != tag
        assert after.json() == first.json()

    def test_a_new_application_changes_the_calls_etag(self, client, auth, call):
        first = client.get(f"{STATS}/calls/{call}")
        _application(client, auth, call, "100.00")
        after = client.get(f"{STATS}/calls/{call}", headers={"If-None-Match": first.headers["ETag"]})
        assert after.status_code == 200 and after.json()["applications"] == first.json()["applications"] + 1

    def test_a_withdrawn_adoption_changes_the_emas_etag(self, client, auth, malta, emas):
        url = f"{STATS}/emas"
        first = client.get(url, params={"country": "MT"})
        org = malta["orgs"]["micro"]
        (adoption,) = client.get(f"/api/v1/organizations/{org}/adoptions", headers=auth(ADMIN)).json()
        assert client.delete(f"/api/v1/organizations/{org}/adoptions/{adoption['id']}",
                             headers=auth(ADMIN)).status_code == 204
        after = client.get(url, params={"country": "MT"}, headers={"If-None-Match": first.headers["ETag"]})
        assert after.status_code == 200 and after.json()["clusters"][0]["adopting_firms"] == 0
        again = client.post(f"/api/v1/organizations/{org}/adoptions", headers=auth(ADMIN),
                            json={"resource_id": emas["current"], "version": 1})
        assert again.status_code == 201, again.text

    @pytest.mark.parametrize("path", ["clusters?group_by=sector&country=MT", "organizations?country=MT",
                                      "emas?country=MT", "screenings/{screening}", "calls/{call}"])
    def test_a_304_runs_only_the_version_statement(self, counting, path, screening, call):
        counted, statements = counting
        url = f"{STATS}/" + path.format(screening=screening["id"], call=call)
        statements.clear()
        first = counted.get(url)
        assert first.status_code == 200, first.text
        assert any("GROUP BY" in s for s in statements), statements
        statements.clear()
        again = counted.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert len(statements) == 1 and "GROUP BY" not in statements[0], statements


class TestEventStats:
    def test_held_against_planned_and_attendance_per_topic(self, client, auth, engine):
        organizer = {"Authorization": auth("camera@cartesio.example")["Authorization"]}
        programme = client.post("/api/v1/programmes", headers=organizer, json={
            "title": "Programma statistiche", "starts_on": "2020-01-01", "ends_on": "2031-12-31",
            "outputs": [{"kind": "seminar", "title": "3 seminari", "target_count": 3}]}).json()
        output = programme["outputs"][0]["id"]
        past = client.post("/api/v1/events", headers=organizer, json={
            "title": "Seminario passato", "kind": "seminar", "starts_at": "2020-03-01T09:00:00",
            "ends_at": "2020-03-01T12:00:00", "capacity": 10, "topics": ["riuso e riciclo"],
            "programme_id": programme["id"], "output_id": output}).json()
        client.post("/api/v1/events", headers=organizer, json={
            "title": "Seminario futuro", "kind": "seminar", "starts_at": "2031-03-01T09:00:00",
            "ends_at": "2031-03-01T12:00:00", "capacity": 10, "programme_id": programme["id"],
            "output_id": output})
        with engine.begin() as conn:
            for n, attended in ((1, True), (2, False)):
                registration = conn.execute(text(
                    "INSERT INTO registrations (event_id, status, position, email, created_at, is_demo) VALUES "
                    "(:e, 'confirmed', :n, :m, :now, false) RETURNING id"),
                    {"e": past["id"], "n": n, "m": f"s{n}.{past['id']}@example.it",
                     "now": datetime.now(UTC)}).scalar_one()
                conn.execute(text("INSERT INTO attendance (registration_id, session_key, attended, checked_at, "
                                     "checked_by) VALUES (:r, 0, :a, :now, 'test')"),
                             {"r": registration, "a": attended, "now": datetime.now(UTC)})
        url = "/api/v1/stats/events"
        stats = client.get(url, params={"programme_id": programme["id"]})
        assert stats.status_code == 200 and "max-age" in stats.headers["cache-control"]
        body = stats.json()
        assert body["outputs"] == [{"output_id": output, "programme_id": programme["id"], "kind": "seminar",
                                    "title": "3 seminari", "planned": 3, "held": 1, "scheduled": 1, "missing": 2}]
        assert body["topics"] == [{"topic": "riuso e riciclo", "events": 1, "registered": 2, "attended": 1}]
        again = client.get(url, params={"programme_id": programme["id"]},
                           headers={"If-None-Match": stats.headers["etag"]})
        assert again.status_code == 304
        assert past["id"]
