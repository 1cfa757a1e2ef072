"""The Eco-Cluster programme: connected steps, territorial indicators with trend and targets, APO attestations."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from tests.helpers import assert_problem

ADMIN = "admin@cartesio.example"
MANAGER = "prato@cartesio.example"
OFFICER = "toscana@cartesio.example"
ENTERPRISE = "conceria@cartesio.example"


def new_cluster(client, auth, region="ITI15") -> int:  # noqa: ANN001
    created = client.post("/api/v1/clusters", headers=auth(ADMIN), json={
        "name": f"Eco {uuid.uuid4().hex[:8]}", "kind": "apea", "country": "IT", "region_code": region})
    assert created.status_code == 201, created.text
    return created.json()["id"]


class TestProgramme:
    def test_connected_steps_with_roles_status_and_dates(self, client, auth, ids):
        cluster = new_cluster(client, auth)
        url = f"/api/v1/clusters/{cluster}/programme/steps"
        first = client.post(url, headers=auth(OFFICER), json={
            "title": "Analisi ambientale territoriale", "status": "in_progress",
            "roles": [{"role": "promoting_body", "organization_id": ids["org:regione-toscana"]},
                      {"role": "enterprises", "subject": "imprese del cluster", "task": "dati ambientali"}],
            "start_date": "2026-01-10", "due_date": "2026-02-01"})
        assert first.status_code == 201, first.text
        first_id = first.json()["steps"][0]["id"]
        second = client.post(url, headers=auth(OFFICER), json={
            "title": "Programma ambientale del cluster", "depends_on": [first_id],
            "roles": [{"role": "coordinating_body", "subject": "soggetto gestore"}, {"role": "verifier"}]}).json()
        second_id = next(s["id"] for s in second["steps"] if s["id"] != first_id)
        steps = {s["id"]: s for s in second["steps"]}
        assert steps[second_id]["blocked_by"] == [first_id] and steps[first_id]["overdue"] is True
        assert [s["position"] for s in second["steps"]] == [1, 2]
        assert steps[first_id]["roles"][0] == {"role": "promoting_body", "organization_id": ids["org:regione-toscana"],
                                               "subject": None, "task": None}
        assert_problem(client.patch(f"{url}/{second_id}", headers=auth(OFFICER), json={"status": "done"}), 409)
        done = client.patch(f"{url}/{first_id}", headers=auth(OFFICER), json={"status": "done"})
        assert done.status_code == 200 and done.json()["completed_date"] == date.today().isoformat()
        assert client.patch(f"{url}/{second_id}", headers=auth(OFFICER), json={"status": "done"}).status_code == 200
        assert_problem(client.patch(f"{url}/{first_id}", headers=auth(OFFICER), json={"status": "in_progress"}), 409)
        programme = client.get(f"/api/v1/clusters/{cluster}/programme").json()
        assert programme["by_status"]["done"] == 2 and programme["done_share"] == 1.0

    def test_bad_links_are_refused(self, client, auth):
        cluster = new_cluster(client, auth)
        url = f"/api/v1/clusters/{cluster}/programme/steps"
        a = client.post(url, headers=auth(ADMIN), json={"title": "A"}).json()["steps"][0]["id"]
        b = [s["id"] for s in client.post(url, headers=auth(ADMIN), json={"title": "B", "depends_on": [a]})
             .json()["steps"] if s["id"] != a][0]
        assert_problem(client.patch(f"{url}/{a}", headers=auth(ADMIN), json={"depends_on": [b]}), 422,
                       field="body.depends_on")
        assert_problem(client.post(url, headers=auth(ADMIN), json={"title": "C", "depends_on": [999999]}), 422,
                       field="body.depends_on.0")
        assert_problem(client.post(url, headers=auth(ADMIN), json={
            "title": "D", "roles": [{"role": "verifier", "organization_id": 999999}]}), 422,
            field="body.roles.0.organization_id")
        assert_problem(client.post(url, headers=auth(ADMIN), json={
            "title": "E", "start_date": "2026-05-01", "due_date": "2026-04-01"}), 422)
        assert len(client.get(f"/api/v1/clusters/{cluster}/programme").json()["steps"]) == 2
        assert client.delete(f"{url}/{a}", headers=auth(ADMIN)).status_code == 204
        assert client.get(f"/api/v1/clusters/{cluster}/programme").json()["steps"][0]["depends_on"] == []

    def test_only_the_clusters_managers_and_region_write(self, client, auth, ids):
        url = f"/api/v1/clusters/{ids['cluster:santa-croce-tannery']}/programme/steps"
        assert_problem(client.post(url, headers=auth(MANAGER), json={"title": "x"}), 403)
        assert_problem(client.post(url, headers=auth(ENTERPRISE), json={"title": "x"}), 403)
        assert_problem(client.post(url, json={"title": "x"}), 401)


class TestIndicators:
    def test_trend_change_from_base_and_targets(self, client, auth):
        cluster = new_cluster(client, auth)
        made = client.post(f"/api/v1/clusters/{cluster}/indicators", headers=auth(ADMIN), json={
            "indicator": "emissions", "name": "Emissioni in atmosfera", "unit": "t", "base_year": 2020,
            "values": [{"year": 2020, "value": "1000", "source": "dichiarazione ambientale"},
                       {"year": 2021, "value": "900"}, {"year": 2022, "value": "700.5"}],
            "targets": [{"year": 2022, "value": "800"}, {"year": 2030, "value": "400"},
                        {"year": 2021, "value": "850"}]})
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["values"][2] == {"year": 2022, "value": "700.500000", "source": None}
        assert body["trend"]["direction"] == "improving" and body["trend"]["slope_per_year"] == "-149.750000"
        assert body["change_from_base"] == {"base_year": 2020, "base_value": "1000.000000", "latest_year": 2022,
                                            "latest_value": "700.500000", "change": "-299.500000",
                                            "change_percent": "-29.950000"}
        states = {t["year"]: (t["state"], t["gap"]) for t in body["targets"]}
        assert states == {2021: ("missed", "149.500000"), 2022: ("met", "99.500000"),
                          2030: ("pending", "-300.500000")}
        series = f"/api/v1/clusters/{cluster}/indicators/{body['id']}"
        assert client.put(f"{series}/values/2023", headers=auth(ADMIN), json={"value": "1500"}).status_code == 201
        replaced = client.put(f"{series}/values/2023", headers=auth(ADMIN), json={"value": "1600", "source": "MUD"})
        assert replaced.status_code == 200 and replaced.json()["values"][-1]["source"] == "MUD"
        assert replaced.json()["change_from_base"]["change_percent"] == "60.000000"
        assert client.delete(f"{series}/values/2023", headers=auth(ADMIN)).status_code == 204
        assert_problem(client.delete(f"{series}/values/2023", headers=auth(ADMIN)), 404)
        assert len(client.get(f"/api/v1/clusters/{cluster}/indicators").json()[0]["values"]) == 3

    @pytest.mark.parametrize("body", [
        {"indicator": "noise", "name": "x", "unit": "dB"},
        {"indicator": "water", "name": "x", "unit": "m3", "values": [{"year": 2020, "value": "NaN"}]},
        {"indicator": "water", "name": "x", "unit": "m3", "values": [{"year": 2020, "value": "1"},
                                                                     {"year": 2020, "value": "2"}]},
        {"indicator": "water", "name": "x", "unit": "m3", "better": "sideways"},
    ])
    def test_bad_series_are_refused(self, client, auth, body):
        cluster = new_cluster(client, auth)
        assert_problem(client.post(f"/api/v1/clusters/{cluster}/indicators", headers=auth(ADMIN), json=body), 422)
        assert client.get(f"/api/v1/clusters/{cluster}/indicators").json() == []

    def test_one_value_is_not_a_trend_and_names_are_unique(self, client, auth):
        cluster = new_cluster(client, auth)
        url = f"/api/v1/clusters/{cluster}/indicators"
        body = {"indicator": "energy", "name": "Quota rinnovabile", "unit": "%", "better": "higher",
                "values": [{"year": 2024, "value": "12"}]}
        made = client.post(url, headers=auth(ADMIN), json=body).json()
        assert made["trend"]["direction"] == "insufficient_data" and made["change_from_base"] is None
        assert_problem(client.post(url, headers=auth(ADMIN), json=body), 409)
        rising = client.put(f"{url}/{made['id']}/values/2025", headers=auth(ADMIN), json={"value": "20"}).json()
        assert rising["trend"]["direction"] == "improving"


class TestApo:
    def test_requested_then_granted_then_expired(self, client, auth):
        cluster = new_cluster(client, auth)
        url = f"/api/v1/clusters/{cluster}/apo"
        requested = client.post(url, headers=auth(ADMIN), json={"note": "domanda"})
        assert requested.status_code == 201 and requested.json()["state"] == "requested"
        assert_problem(client.post(url, headers=auth(ADMIN), json={}), 409)
        attestation = requested.json()["id"]
        assert_problem(client.patch(f"{url}/{attestation}", headers=auth(OFFICER), json={"status": "granted"}), 422)
        ended = (date.today() - timedelta(days=1)).isoformat()
        granted = client.patch(f"{url}/{attestation}", headers=auth(OFFICER), json={
            "status": "granted", "issuer": "Comitato", "granted_date": "2020-03-01", "valid_until": ended})
        assert granted.status_code == 200, granted.text
        assert granted.json()["state"] == "expired" and granted.json()["expired_on"] == ended
        assert_problem(client.patch(f"{url}/{attestation}", headers=auth(OFFICER), json={"status": "refused"}), 409)

    def test_the_lucca_paper_district_holds_the_attestation_the_document_reports(self, client, ids):
        listed = client.get(f"/api/v1/clusters/{ids['cluster:lucca-paper']}/apo").json()
        assert [(a["state"], a["issuer"], a["granted_date"]) for a in listed] == [("granted", None, None)]
        assert "cartario di Lucca" in listed[0]["note"]

    def test_members_emas_registrations(self, client, auth, ids):
        cluster = new_cluster(client, auth)
        org = client.post("/api/v1/organizations", headers=auth(ADMIN), json={
            "name": f"Registrata {uuid.uuid4().hex[:6]}", "kind": "enterprise", "country": "IT",
            "emas_registration_number": "IT-001234"}).json()
        client.post(f"/api/v1/clusters/{cluster}/members", headers=auth(ADMIN), json={"organization_id": org["id"]})
        listed = client.get(f"/api/v1/clusters/{cluster}/emas-registrations").json()
        assert listed == [{"organization_id": org["id"], "name": org["name"], "emas_registration_number": "IT-001234",
                           "iso14001_certificate": None}]
