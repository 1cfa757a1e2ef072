"""Criteria and criteria sets: definitions checked when saved, versions frozen once used."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from tests.helpers import assert_problem, every_item

ADMIN = "admin@cartesio.example"
OFFICER = "toscana@cartesio.example"


def _name() -> str:
    return f"Criterio {uuid.uuid4().hex[:8]}"


def _count(engine, table: str) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def save(client, auth, definition, **extra):  # noqa: ANN001, ANN201
    return client.post("/api/v1/criteria", headers=auth(OFFICER),
                       json={"name": _name(), "definition": definition, **extra})


VALID = [
    {"type": "nace", "prefixes": ["13", "14", "15.20"], "label": "fashion sectors"},
    {"type": "field", "field": "enterprises_count", "op": ">=", "value": 50},
    {"type": "field", "field": "country", "op": "in", "value": ["IT", "ES"]},
    {"type": "field", "field": "region_code", "op": "starts_with", "value": "ITI1"},
    {"type": "field", "field": "kind", "op": "=", "value": "industrial_district"},
    {"type": "has", "what": "recognition", "kinds": ["apo_attestation", "emas_cluster"]},
    {"type": "has", "what": "coordinating_body"},
    {"type": "supply_chain", "direction": "supplier"},
    {"type": "tags", "match": "all", "tags": ["imagine", "moda"]},
    {"type": "interest", "evidence": ["network_membership", "signed_commitment"]},
    {"type": "all", "of": [{"type": "has", "what": "members"},
                           {"type": "not", "of": {"type": "field", "field": "employees_count", "op": "<",
                                                  "value": 100}}]},
    {"type": "any", "of": [{"type": "has", "what": "eco_innovation"}, {"type": "has", "what": "website"}]},
]


class TestSaveCriterion:
    @pytest.mark.parametrize("definition", VALID, ids=lambda d: d["type"])
    def test_every_kind_of_definition_saves_and_reads_back(self, client, auth, definition):
        created = save(client, auth, definition, description="in plain words", weight=2.5)
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["definition"]["type"] == definition["type"]
        assert body["weight"] == 2.5 and body["version"] == 1
        read = client.get(f"/api/v1/criteria/{body['id']}")
        assert read.status_code == 200 and read.json() == body
        assert created.headers["ETag"] == read.headers["ETag"]

    @pytest.mark.parametrize(("definition", "field"), [
        ({"type": "sector"}, "body.definition"),
        ({"type": "field", "field": "turnover", "op": ">=", "value": 1}, "body.definition.field.field"),
        ({"type": "field", "field": "country", "op": ">=", "value": "IT"}, "body.definition.field"),
        ({"type": "field", "field": "enterprises_count", "op": ">=", "value": "fifty"}, "body.definition.field"),
        ({"type": "field", "field": "enterprises_count", "op": "in", "value": 5}, "body.definition.field"),
        ({"type": "field", "field": "kind", "op": "=", "value": "bakery"}, "body.definition.field"),
        ({"type": "nace", "prefixes": ["1"]}, "body.definition.nace.prefixes.0"),
        ({"type": "has", "what": "coordinating_body", "kinds": ["apo_attestation"]}, "body.definition.has"),
        ({"type": "interest", "evidence": ["newsletter_reading"]}, "body.definition.interest.evidence.0"),
        ({"type": "interest", "evidence": ["event_attendance"], "event_ids": [10**9]}, "body.definition"),
        ({"type": "tags", "tags": ["ok", "no%wild"]}, "body.definition.tags.tags"),
        ({"type": "all", "of": []}, "body.definition.all.of"),
        ({"type": "any", "of": [{"type": "has", "what": "nothing"}]}, "body.definition.any.of.0.has.what"),
    ])
    def test_a_bad_definition_is_refused_at_the_bad_part(self, client, auth, engine, definition, field):
        before = _count(engine, "criteria")
        body = assert_problem(save(client, auth, definition), 422)
        assert any(e["field"].startswith(field) for e in body["errors"]), body["errors"]
        assert _count(engine, "criteria") == before

    def test_too_deep_a_definition_is_refused(self, client, auth):
        node = {"type": "has", "what": "website"}
        for _ in range(9):
            node = {"type": "not", "of": node}
        assert_problem(save(client, auth, node), 422)

    def test_a_weight_below_zero_is_refused(self, client, auth):
        assert_problem(save(client, auth, VALID[0], weight=-1), 422, field="body.weight")

    def test_an_unknown_network_is_refused(self, client, auth):
        body = assert_problem(save(client, auth, {"type": "interest", "evidence": ["network_membership"],
                                                  "network_ids": [999999]}), 422)
        assert "999999" in body["errors"][0]["message"]

    def test_the_catalogue_lists_what_definitions_may_say(self, client):
        catalogue = client.get("/api/v1/criteria/catalogue").json()
        fields = {f["field"]: f for f in catalogue["fields"]}
        assert ">=" in fields["enterprises_count"]["operators"]
        assert ">=" not in fields["country"]["operators"]
        assert "starts_with" in fields["region_code"]["operators"]
        assert catalogue["outcomes"] == ["pass", "fail", "unknown"]


class TestChangeCriterion:
    def test_the_owner_changes_it_and_the_version_moves(self, client, auth):
        created = save(client, auth, VALID[1]).json()
        changed = client.patch(f"/api/v1/criteria/{created['id']}", headers={
            **auth(OFFICER), "If-Match": client.get(f"/api/v1/criteria/{created['id']}").headers["ETag"]},
            json={"weight": 3, "definition": VALID[2]})
        assert changed.status_code == 200, changed.text
        assert changed.json()["version"] == 2 and changed.json()["definition"]["field"] == "country"

    def test_a_stale_etag_is_412(self, client, auth):
        created = save(client, auth, VALID[1])
        stale = created.headers["ETag"]
        client.patch(f"/api/v1/criteria/{created.json()['id']}", headers=auth(OFFICER), json={"weight": 1})
        assert_problem(client.patch(f"/api/v1/criteria/{created.json()['id']}",
                                    headers={**auth(OFFICER), "If-Match": stale}, json={"weight": 2}), 412)

    def test_seeded_criteria_are_changed_only_by_admins(self, client, auth):
        seeded = client.get("/api/v1/criteria", params={"q": "manifatturiero"}).json()["items"][0]
        assert_problem(client.patch(f"/api/v1/criteria/{seeded['id']}", headers=auth(OFFICER),
                                    json={"weight": 5}), 403)

    def test_a_bad_change_changes_nothing(self, client, auth):
        created = save(client, auth, VALID[1]).json()
        assert_problem(client.patch(f"/api/v1/criteria/{created['id']}", headers=auth(OFFICER),
                                    json={"name": None}), 422)
        assert_problem(client.patch(f"/api/v1/criteria/{created['id']}", headers=auth(OFFICER),
                                    json={"weight": 2, "definition": {"type": "nope"}}), 422)
        assert client.get(f"/api/v1/criteria/{created['id']}").json() == created


def make_set(client, auth, phases, **extra):  # noqa: ANN001, ANN201
    return client.post("/api/v1/criteria-sets", headers=auth(OFFICER),
                       json={"name": f"Set {uuid.uuid4().hex[:8]}", "phases": phases, **extra})


class TestCriteriaSets:
    def test_a_set_copies_its_criteria_into_its_version(self, client, auth):
        criterion = save(client, auth, VALID[0], description="moda").json()
        created = make_set(client, auth, [{"name": "Moda", "criteria": [criterion["id"]]}], reported_population=9)
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["latest_version"] == 1 and [v["number"] for v in body["versions"]] == [1]
        client.patch(f"/api/v1/criteria/{criterion['id']}", headers=auth(OFFICER), json={"name": "renamed"})
        version = client.get(f"/api/v1/criteria-sets/{body['id']}/versions/1").json()
        assert version["phases"][0]["criteria"][0]["name"] == criterion["name"]
        assert version["phases"][0]["criteria"][0]["definition"] == criterion["definition"]
        assert version["unknown_as"] == "review" and version["reported_population"] == 9
        assert version["phases"][0]["mode"] == "filter" and version["used"] is False

    @pytest.mark.parametrize(("phases", "field"), [
        ([], "body.phases"),
        ([{"name": "Vuota", "criteria": []}], "body.phases.0.criteria"),
        ([{"name": "Doppia", "criteria": [1, 1]}], "body.phases.0.criteria"),
        ([{"name": "Modo", "mode": "sometimes", "criteria": [1]}], "body.phases.0.mode"),
    ])
    def test_bad_phases_are_refused_and_nothing_is_stored(self, client, auth, engine, phases, field):
        before = (_count(engine, "criteria_sets"), _count(engine, "criteria_set_versions"))
        assert_problem(make_set(client, auth, phases), 422, field=field)
        assert (_count(engine, "criteria_sets"), _count(engine, "criteria_set_versions")) == before

    def test_an_unknown_criterion_is_named_by_its_place(self, client, auth, engine):
        known = save(client, auth, VALID[0]).json()["id"]
        before = _count(engine, "criteria_sets")
        body = assert_problem(make_set(client, auth, [{"name": "A", "criteria": [known, 987654]}]), 422,
                              field="body.phases.0.criteria.1")
        assert "987654" in body["errors"][0]["message"]
        assert _count(engine, "criteria_sets") == before

    def test_a_version_changes_until_a_screening_uses_it_then_edits_make_a_new_one(self, client, auth):
        first = save(client, auth, VALID[1]).json()["id"]
        second = save(client, auth, VALID[6]).json()["id"]
        made = make_set(client, auth, [{"name": "A", "criteria": [first]}]).json()
        url = f"/api/v1/criteria-sets/{made['id']}/versions"
        replaced = client.put(f"{url}/1", headers=auth(OFFICER),
                              json={"phases": [{"name": "B", "criteria": [second]}], "unknown_as": "fail"})
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["unknown_as"] == "fail"
        run = client.post("/api/v1/screenings", headers=auth(OFFICER),
                          json={"criteria_set_id": made["id"], "scope": {"cluster_ids": [1]}})
        assert run.status_code == 200, run.text
        assert client.get(f"{url}/1").json()["used"] is True
        refused = client.put(f"{url}/1", headers=auth(OFFICER), json={"phases": [{"name": "C", "criteria": [first]}]})
        body = assert_problem(refused, 409)
        assert "versions" in body["detail"]
        assert client.get(f"{url}/1").json()["phases"][0]["name"] == "B"
        added = client.post(url, headers=auth(OFFICER), json={"phases": [{"name": "C", "criteria": [first]}]})
        assert added.status_code == 201 and added.json()["number"] == 2
        assert client.get(f"/api/v1/criteria-sets/{made['id']}").json()["latest_version"] == 2
        assert [v["number"] for v in client.get(url).json()] == [1, 2]

    def test_another_regions_officer_cannot_change_my_set(self, client, auth):
        criterion = save(client, auth, VALID[1]).json()["id"]
        made = make_set(client, auth, [{"name": "A", "criteria": [criterion]}]).json()
        admin_set = client.post("/api/v1/criteria-sets", headers=auth(ADMIN), json={
            "name": "admin", "phases": [{"name": "A", "criteria": [criterion]}]}).json()
        assert client.patch(f"/api/v1/criteria-sets/{made['id']}", headers=auth(OFFICER),
                            json={"description": "mine"}).status_code == 200
        assert_problem(client.post(f"/api/v1/criteria-sets/{admin_set['id']}/versions", headers=auth(OFFICER),
                                   json={"phases": [{"name": "x", "criteria": [criterion]}]}), 403)

    def test_anyone_reads_the_seeded_imagine_set(self, client):
        sets = every_item(client, "/api/v1/criteria-sets")
        imagine = next(s for s in sets if s["name"] == "Replicabilità dell’approccio EMAS cluster (IMAGINE)")
        version = client.get(f"/api/v1/criteria-sets/{imagine['id']}/versions/1").json()
        assert version["reported_population"] == 1307
        assert [(p["mode"], p["reported_count"]) for p in version["phases"]] == [
            ("filter", None), ("filter", 84), ("include", 15)]
        names = [c["name"] for p in version["phases"] for c in p["criteria"]]
        assert names == ["Cluster del settore manifatturiero", "Cluster che producono uno specifico prodotto",
                         "Cluster appartenenti al settore fashion",
                         "Cluster che hanno manifestato interesse all’approccio"]
        assert all(c["weight"] is None for p in version["phases"] for c in p["criteria"])
