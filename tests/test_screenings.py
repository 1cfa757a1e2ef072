"""Screening runs: outcomes with three values, filter and include phases, the funnel, results, comparison."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.core.db import Database
from api.main import create_app
from api.screenings import service as screenings
from tests.helpers import assert_problem, every_item

ADMIN = "admin@cartesio.example"
OFFICER = "toscana@cartesio.example"


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def cluster(client, auth, **fields):  # noqa: ANN001, ANN201
    body = {"name": f"Screening {_uid()}", "kind": "industrial_district", "country": "IT", **fields}
    created = client.post("/api/v1/clusters", headers=auth(ADMIN), json=body)
    assert created.status_code == 201, created.text
    return created.json()


def criterion(client, auth, definition, **extra) -> int:  # noqa: ANN001
    created = client.post("/api/v1/criteria", headers=auth(OFFICER),
                          json={"name": f"C {_uid()}", "definition": definition, **extra})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def criteria_set(client, auth, phases, **extra) -> int:  # noqa: ANN001
    created = client.post("/api/v1/criteria-sets", headers=auth(OFFICER),
                          json={"name": f"S {_uid()}", "phases": phases, **extra})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def run(client, auth, set_id, cluster_ids, **extra):  # noqa: ANN001, ANN201
    response = client.post("/api/v1/screenings", headers=auth(OFFICER),
                           json={"criteria_set_id": set_id, "scope": {"cluster_ids": cluster_ids}, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def results(client, screening_id, **params) -> dict[int, dict]:  # noqa: ANN001
    out: dict[int, dict] = {}
    cursor = None
    while True:
        page = client.get(f"/api/v1/screenings/{screening_id}/results",
                          params={"limit": 2, **params, **({"cursor": cursor} if cursor else {})}).json()
        out.update({item["cluster_id"]: item for item in page["items"]})
        cursor = page["next_cursor"]
        if cursor is None:
            return out


FASHION = {"type": "nace", "prefixes": ["13", "14", "15"], "label": "fashion sectors"}
BIG = {"type": "field", "field": "enterprises_count", "op": ">=", "value": 50}
INTEREST_TAG = {"type": "tags", "tags": ["interesse"]}


@pytest.fixture(scope="module")
def world(client, auth):  # noqa: ANN001, ANN201
    """Three clusters that pass, fail and cannot be judged on sector and size, and a set over them."""
    passes = cluster(client, auth, sectors=[{"label": "Tessile", "nace": ["13"]}],
                     enterprises={"count": 120, "approximate": True})
    fails = cluster(client, auth, sectors=[{"label": "Costruzioni", "nace": ["41", "42"]}],
                    enterprises={"count": 10}, tags=["interesse"])
    unknown = cluster(client, auth, sectors=[{"label": "Vari settori", "nace": []}])
    fashion, big, interest = (criterion(client, auth, FASHION), criterion(client, auth, BIG, weight=2),
                              criterion(client, auth, INTEREST_TAG, weight=0.5))
    phases = [{"name": "Moda", "criteria": [fashion], "reported_count": 2},
              {"name": "Dimensione", "criteria": [big]},
              {"name": "Interesse", "mode": "include", "criteria": [interest]}]
    return {"passes": passes["id"], "fails": fails["id"], "unknown": unknown["id"], "phases": phases,
            "set": {mode: criteria_set(client, auth, phases, unknown_as=mode, reported_population=3)
                    for mode in ("review", "pass", "fail")}}


class TestOutcomes:
    def test_each_cluster_gets_pass_fail_or_unknown_with_an_explanation(self, client, auth, world):
        ids = [world["passes"], world["fails"], world["unknown"]]
        screening = run(client, auth, world["set"]["review"], ids)
        got = results(client, screening["id"])
        by_criterion = {cid: [(c["outcome"], c["explanation"]) for c in got[cid]["criteria"]] for cid in ids}
        assert by_criterion[world["passes"]] == [
            ("pass", "sector 'Tessile' matches fashion sectors"), ("pass", "enterprises about 120 ≥ 50"),
            ("fail", "not tagged 'interesse'")]
        assert by_criterion[world["fails"]] == [
            ("fail", "sectors 'Costruzioni' do not match fashion sectors"), ("fail", "enterprises 10 < 50"),
            ("pass", "tagged 'interesse'")]
        assert by_criterion[world["unknown"]] == [
            ("unknown", "no NACE code known for the cluster's sectors"), ("unknown", "enterprises unknown"),
            ("fail", "not tagged 'interesse'")]

    def test_filter_keeps_include_adds_and_unknown_follows_the_set(self, client, auth, world):
        ids = [world["passes"], world["fails"], world["unknown"]]
        expected = {
            "review": {"passes": "selected", "fails": "selected", "unknown": "needs_review"},
            "pass": {"passes": "selected", "fails": "selected", "unknown": "selected"},
            "fail": {"passes": "selected", "fails": "rejected", "unknown": "rejected"},
        }
        for mode, outcomes in expected.items():
            got = results(client, run(client, auth, world["set"][mode], ids)["id"])
            assert {key: got[world[key]]["outcome"] for key in outcomes} == (
                outcomes if mode != "fail" else {**outcomes, "fails": "selected"}), mode
        # The cluster that fails the filters is added back by the include phase, and its path says so.
        got = results(client, run(client, auth, world["set"]["review"], ids)["id"])
        assert [p["on_list_after"] for p in got[world["fails"]]["phases"]] == [False, False, True]
        assert [p["outcome"] for p in got[world["unknown"]]["phases"]] == ["unknown", "unknown", "fail"]

    def test_score_adds_the_weights_of_passed_criteria(self, client, auth, world):
        screening = run(client, auth, world["set"]["review"], [world["passes"], world["fails"]])
        got = results(client, screening["id"])
        assert got[world["passes"]]["score"] == 3.0  # 1 (no weight) + 2
        assert got[world["fails"]]["score"] == 0.5
        ordered = client.get(f"/api/v1/screenings/{screening['id']}/results").json()
        assert [i["cluster_id"] for i in ordered["items"]] == [world["passes"], world["fails"]]

    def test_the_funnel_counts_who_entered_and_left_each_phase(self, client, auth, world):
        screening = run(client, auth, world["set"]["review"], [world["passes"], world["fails"], world["unknown"]])
        assert (screening["entered"], screening["selected"], screening["needs_review"]) == (3, 2, 1)
        assert screening["reported_population"] == 3 and screening["status"] == "done"
        assert screening["data_read_at"] and screening["version"] == 1
        funnel = [(p["considered"], p["passed"], p["failed"], p["unknown"], p["removed"], p["added"], p["after"])
                  for p in screening["funnel"]]
        assert funnel == [(3, 1, 1, 1, 1, 0, 2), (2, 1, 0, 1, 0, 0, 2), (1, 1, 0, 0, 0, 1, 3)]
        assert screening["funnel"][0]["reported_count"] == 2
        assert client.get(f"/api/v1/screenings/{screening['id']}").json() == screening


    def test_a_definite_include_needs_no_review(self, client, auth, world):
        added = cluster(client, auth, sectors=[{"label": "Vari", "nace": []}], tags=["interesse"])
        got = results(client, run(client, auth, world["set"]["review"], [added["id"]])["id"])
        assert [p["outcome"] for p in got[added["id"]]["phases"]] == ["unknown", "unknown", "pass"]
        assert got[added["id"]]["outcome"] == "selected"


class TestCombinators:
    @pytest.mark.parametrize(("definition", "expected"), [
        ({"type": "all", "of": [FASHION, BIG]}, "unknown"),
        ({"type": "any", "of": [{"type": "not", "of": FASHION}, BIG]}, "unknown"),
        ({"type": "not", "of": BIG}, "unknown"),
        ({"type": "any", "of": [BIG, {"type": "has", "what": "location"}]}, "pass"),
        ({"type": "all", "of": [BIG, {"type": "has", "what": "website"}]}, "fail"),
    ])
    def test_unknown_spreads_as_in_three_valued_logic(self, client, auth, definition, expected):
        target = cluster(client, auth, sectors=[{"label": "Vari", "nace": []}], locality="Prato")
        set_id = criteria_set(client, auth, [{"name": "P", "criteria": [criterion(client, auth, definition)]}])
        got = results(client, run(client, auth, set_id, [target["id"]])["id"])
        assert got[target["id"]]["criteria"][0]["outcome"] == expected

    def test_evidence_of_interest_comes_from_network_membership(self, client, auth):
        org = client.post("/api/v1/organizations", headers=auth(ADMIN), json={
            "name": f"Consorzio {_uid()}", "kind": "association", "country": "IT"}).json()
        target = cluster(client, auth, coordinating_body_id=org["id"])
        network = client.post("/api/v1/networks", headers=auth(ADMIN), json={
            "name": f"Rete {_uid()}", "slug": f"rete-{_uid()}"}).json()
        definition = {"type": "interest", "evidence": ["network_membership"], "network_ids": [network["id"]]}
        set_id = criteria_set(client, auth, [{"name": "I", "criteria": [criterion(client, auth, definition)]}])
        before = results(client, run(client, auth, set_id, [target["id"]])["id"])[target["id"]]
        assert before["criteria"][0]["outcome"] == "fail"
        joined = client.post(f"/api/v1/networks/{network['id']}/members", headers=auth(ADMIN),
                             json={"organization_id": org["id"], "role": "adherent"})
        assert joined.status_code == 201, joined.text
        after = results(client, run(client, auth, set_id, [target["id"]])["id"])[target["id"]]
        assert after["criteria"][0] == {**after["criteria"][0], "outcome": "pass",
                                        "explanation": f"shows interest: member of network '{network['name']}' "
                                                       f"through {org['name']}"}


    def test_interest_through_a_member_counts_for_its_own_cluster_only(self, client, auth):
        member = client.post("/api/v1/organizations", headers=auth(ADMIN), json={
            "name": f"Impresa {_uid()}", "kind": "enterprise", "country": "IT"}).json()
        linked, unrelated = cluster(client, auth), cluster(client, auth)
        assert client.post(f"/api/v1/clusters/{linked['id']}/members", headers=auth(ADMIN),
                           json={"organization_id": member["id"]}).status_code == 201
        network = client.post("/api/v1/networks", headers=auth(ADMIN), json={
            "name": f"Rete {_uid()}", "slug": f"rete-{_uid()}"}).json()
        client.post(f"/api/v1/networks/{network['id']}/members", headers=auth(ADMIN),
                    json={"organization_id": member["id"], "role": "adherent"})
        definition = {"type": "interest", "evidence": ["network_membership", "signed_commitment"]}
        set_id = criteria_set(client, auth, [{"name": "I", "criteria": [criterion(client, auth, definition)]}])
        got = results(client, run(client, auth, set_id, [linked["id"], unrelated["id"]])["id"])
        assert got[linked["id"]]["criteria"][0]["outcome"] == "pass"
        assert member["name"] in got[linked["id"]]["criteria"][0]["explanation"]
        assert got[unrelated["id"]]["criteria"][0] == {**got[unrelated["id"]]["criteria"][0], "outcome": "fail",
                                                       "explanation": "no evidence of interest recorded"}


    def test_attendance_at_an_event_is_evidence_of_interest(self, client, auth, engine):
        org = client.post("/api/v1/organizations", headers=auth(ADMIN), json={
            "name": f"Consorzio {_uid()}", "kind": "association", "country": "IT"}).json()
        target = cluster(client, auth, coordinating_body_id=org["id"])
        conference = client.post("/api/v1/events", headers=auth(ADMIN), json={
            "title": f"Conferenza di medio termine {_uid()}", "kind": "conference", "starts_at": "2031-06-01T09:00:00",
            "ends_at": "2031-06-01T17:00:00", "capacity": 100}).json()
        definition = {"type": "interest", "evidence": ["event_attendance"], "event_ids": [conference["id"]]}
        set_id = criteria_set(client, auth, [{"name": "I", "criteria": [criterion(client, auth, definition)]}])
        with engine.begin() as conn:
            registration = conn.execute(text(
                "INSERT INTO registrations (event_id, status, position, name, email, organization_id, created_at,"
                " is_demo) VALUES (:e, 'confirmed', 1, 'Delegata', :m, :o, :now, false) RETURNING id"),
                {"e": conference["id"], "m": f"d{_uid()}@example.it", "o": org["id"],
                 "now": datetime.now(UTC)}).scalar_one()
        before = results(client, run(client, auth, set_id, [target["id"]])["id"])[target["id"]]
        assert before["criteria"][0]["outcome"] == "fail"  # registered, not attended
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO attendance (registration_id, session_key, attended, checked_at, checked_by)"
                              " VALUES (:r, 0, true, :now, 'test')"), {"r": registration, "now": datetime.now(UTC)})
        after = results(client, run(client, auth, set_id, [target["id"]])["id"])[target["id"]]
        assert after["criteria"][0]["outcome"] == "pass"
        assert after["criteria"][0]["explanation"] == (f"shows interest: attended '{conference['title']}' through "
                                                       f"{org['name']}")


class TestImagine:
    def test_the_imagine_set_over_the_documented_clusters(self, client, auth, engine):
        with engine.connect() as conn:
            seeded = [row[0] for row in conn.execute(text("SELECT id FROM clusters WHERE source = 'cartesio-seed'"))]
            names = dict(conn.execute(text("SELECT slug, id FROM clusters WHERE source = 'cartesio-seed'")).all())
        sets = every_item(client, "/api/v1/criteria-sets")
        imagine = next(s["id"] for s in sets if s["name"] == "Replicabilità dell’approccio EMAS cluster (IMAGINE)")
        screening = run(client, auth, imagine, seeded)
        got = results(client, screening["id"])
        for slug in ("prato-textile", "empoli-clothing", "santa-croce-tannery", "lucca-footwear"):
            assert got[names[slug]]["outcome"] == "selected", slug
        paper = got[names["lucca-paper"]]
        assert paper["outcome"] == "rejected"
        assert paper["criteria"][2]["explanation"].endswith("do not match fashion sectors")
        assert [p["reported_count"] for p in screening["funnel"]] == [None, 84, 15]
        assert screening["reported_population"] == 1307 and screening["entered"] == len(seeded)


class TestBadInput:
    def test_a_scope_that_matches_nothing_is_an_empty_run_with_a_note(self, client, auth, world):
        response = client.post("/api/v1/screenings", headers=auth(OFFICER), json={
            "criteria_set_id": world["set"]["review"], "scope": {"countries": ["IS"], "kinds": ["apea"]}})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["entered"] == 0 and body["selected"] == 0 and "no cluster" in body["note"]
        assert client.get(f"/api/v1/screenings/{body['id']}/results").json()["items"] == []

    @pytest.mark.parametrize(("body", "field"), [
        ({"criteria_set_id": 10**9}, "body.criteria_set_id"),
        ({"version": 999}, "body.version"),
        ({"scope": {"from_screening": {"id": 10**9}}}, "body.scope.from_screening.id"),
        ({"scope": {"countries": ["Italy"]}}, "body.scope.countries.0"),
        ({"scope": {"cluster_ids": []}}, "body.scope.cluster_ids"),
    ])
    def test_bad_runs_are_refused_and_store_nothing(self, client, auth, engine, world, body, field):
        with engine.connect() as conn:
            before = conn.execute(text("SELECT count(*) FROM screenings")).scalar_one()
        request = {"criteria_set_id": world["set"]["review"], **body}
        assert_problem(client.post("/api/v1/screenings", headers=auth(OFFICER), json=request), 422, field=field)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM screenings")).scalar_one() == before

    def test_unknown_screenings_are_404(self, client):
        assert_problem(client.get("/api/v1/screenings/999999999"), 404)
        assert_problem(client.get("/api/v1/screenings/999999999/results"), 404)


class TestResults:
    def test_filters_paging_and_csv(self, client, auth, world):
        ids = [world["passes"], world["fails"], world["unknown"]]
        screening = run(client, auth, world["set"]["review"], ids)
        assert set(results(client, screening["id"])) == set(ids)
        assert set(results(client, screening["id"], outcome="needs_review")) == {world["unknown"]}
        assert set(results(client, screening["id"], min_score=1)) == {world["passes"]}
        exported = client.get(f"/api/v1/screenings/{screening['id']}/results", headers={"Accept": "text/csv"})
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert {int(r["cluster_id"]) for r in rows} == set(ids)
        row = next(r for r in rows if int(r["cluster_id"]) == world["passes"])
        explanation_columns = [k for k in row if k.endswith("explanation")]
        assert len(explanation_columns) == 3 and row["outcome"] == "selected"
        assert row[explanation_columns[0]] == "sector 'Tessile' matches fashion sectors"

    def test_results_keep_what_the_registry_said_when_it_was_read(self, client, auth, world):
        gone = cluster(client, auth, sectors=[{"label": "Maglieria", "nace": ["14.39"]}])
        screening = run(client, auth, world["set"]["review"], [gone["id"]])
        assert client.delete(f"/api/v1/clusters/{gone['id']}", headers=auth(ADMIN)).status_code == 204
        kept = results(client, screening["id"])[gone["id"]]
        assert kept["name"] == gone["name"]
        assert kept["criteria"][0]["explanation"] == "sector 'Maglieria' matches fashion sectors"

    def test_a_saved_list_scopes_the_next_run(self, client, auth, world):
        first = run(client, auth, world["set"]["fail"], [world["passes"], world["fails"], world["unknown"]])
        response = client.post("/api/v1/screenings", headers=auth(OFFICER), json={
            "criteria_set_id": world["set"]["review"],
            "scope": {"from_screening": {"id": first["id"], "outcomes": ["selected"]}}})
        assert response.status_code == 200, response.text
        assert set(results(client, response.json()["id"])) == {world["passes"], world["fails"]}


class TestCompare:
    def test_entered_left_and_changed(self, client, auth, world):
        a = cluster(client, auth, sectors=[{"label": "Tessile", "nace": ["13"]}], enterprises={"count": 80})
        b = cluster(client, auth, sectors=[{"label": "Tessile", "nace": ["13"]}], enterprises={"count": 20})
        c = cluster(client, auth, sectors=[{"label": "Tessile", "nace": ["13"]}])
        scope = [a["id"], b["id"], c["id"]]
        before = run(client, auth, world["set"]["review"], scope)
        for target, count in ((a, 5), (b, 500), (c, 60)):
            assert client.patch(f"/api/v1/clusters/{target['id']}", headers=auth(ADMIN),
                                json={"enterprises": {"count": count}}).status_code == 200
        after = run(client, auth, world["set"]["review"], scope)
        compared = client.get(f"/api/v1/screenings/{before['id']}/compare/{after['id']}").json()
        assert compared["counts"] == {"entered": 1, "left": 1, "changed": 1}
        changes = {i["cluster_id"]: (i["change"], i["outcome_before"], i["outcome_after"]) for i in compared["items"]}
        assert changes == {a["id"]: ("left", "selected", "rejected"), b["id"]: ("entered", "rejected", "selected"),
                           c["id"]: ("changed", "needs_review", "selected")}
        only = client.get(f"/api/v1/screenings/{before['id']}/compare/{after['id']}", params={"change": "left"})
        assert [i["cluster_id"] for i in only.json()["items"]] == [a["id"]]
        paged = client.get(f"/api/v1/screenings/{before['id']}/compare/{after['id']}", params={"limit": 2}).json()
        assert len(paged["items"]) == 2 and paged["next_cursor"]


class TestWorker:
    def test_a_large_scope_is_queued_and_the_worker_runs_it(self, seeded, auth, world):
        settings = seeded.model_copy(update={"screening_inline_max_clusters": 0})
        with TestClient(create_app(settings), raise_server_exceptions=False) as queued_client:
            response = queued_client.post("/api/v1/screenings", headers=auth(OFFICER), json={
                "criteria_set_id": world["set"]["review"],
                "scope": {"cluster_ids": [world["passes"], world["fails"], world["unknown"]]}})
            assert response.status_code == 202, response.text
            assert response.json()["status"] == "queued" and response.json()["funnel"] is None
            location = response.headers["Location"]
            assert_problem(queued_client.get(f"{location}/results"), 409)

            async def work() -> list[int]:
                db = Database(settings)
                try:
                    # Two workers side by side: the run is taken once.
                    return list(await asyncio.gather(screenings.run_queued(db), screenings.run_queued(db)))
                finally:
                    await db.dispose()

            taken = asyncio.run(work())
            assert sum(taken) >= 1
            done = queued_client.get(location).json()
            assert done["status"] == "done" and done["selected"] == 2 and done["needs_review"] == 1
            assert queued_client.get(f"{location}/results").status_code == 200
