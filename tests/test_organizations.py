from __future__ import annotations

import random
import uuid

import pytest

from api.core.identifiers import vat_check_digit_ok
from tests.helpers import assert_problem, every_item

ORGS = "/api/v1/organizations"


def valid_vat() -> str:
    while True:
        vat = f"{random.randrange(10**10):010d}"
        for d in range(10):
            if vat_check_digit_ok(vat + str(d)):
                return vat + str(d)


def new_org(**overrides) -> dict:  # noqa: ANN003
    body = {"name": f"Calzaturificio {uuid.uuid4().hex[:6]}", "kind": "enterprise", "country": "IT",
            "region_code": "ITI12", "ateco_code": "15.20.10", "province": "lu"}
    body.update(overrides)
    return body


class TestCreateOrganization:
    def test_size_class_is_derived(self, client, auth):
        headers = auth("admin@cartesio.example")
        cases = [({"employees": 8}, "micro"), ({"employees": 8, "annual_turnover": "3000000.00"}, "small"),
                 ({"employees": 8, "annual_turnover": "3000000", "balance_sheet_total": "1500000"}, "micro"),
                 ({"employees": 120, "annual_turnover": "60000000", "balance_sheet_total": "50000000"}, "large"),
                 ({"employees": 300}, "large"), ({"size_class": "medium"}, "medium"), ({}, None)]
        for fields, expected in cases:
            response = client.post(ORGS, json=new_org(**fields), headers=headers)
            assert response.status_code == 201, response.text
            assert response.json()["size_class"] == expected, fields

    def test_money_is_a_decimal_string(self, client, auth):
        body = client.post(ORGS, json=new_org(employees=20, annual_turnover="1234567.5"),
                           headers=auth("admin@cartesio.example")).json()
        assert body["annual_turnover"] == "1234567.50"
        assert body["province"] == "LU"

    def test_contradicting_size_class_is_422(self, client, auth):
        assert_problem(client.post(ORGS, json=new_org(employees=5, size_class="large"),
                                   headers=auth("admin@cartesio.example")), 422, field="body.size_class")

    def test_valid_identifiers_are_kept(self, client, auth):
        vat = valid_vat()
        body = client.post(ORGS, json=new_org(vat_number=vat, tax_code="RSSMRA85T10A562S", ipa_code="r_toscan",
                                              istat_municipality_code="046007", istat_province_code="046"),
                           headers=auth("admin@cartesio.example"))
        assert body.status_code == 201, body.text
        assert body.json()["vat_number"] == vat
        found = client.get(ORGS, params={"vat_number": vat}).json()["items"]
        assert [o["id"] for o in found] == [body.json()["id"]]

    @pytest.mark.parametrize(("fields", "field"), [
        ({"vat_number": "00743110158"}, "body"),
        ({"vat_number": "1234"}, "body.vat_number"),
        ({"vat_number": "abcdefghijk"}, "body.vat_number"),
        ({"tax_code": "RSSMRA85T10A562T"}, "body.tax_code"),
        ({"tax_code": "00743110158"}, "body.tax_code"),
        ({"ateco_code": "C15"}, "body.ateco_code"),
        ({"istat_municipality_code": "46007"}, "body.istat_municipality_code"),
        ({"region_code": "ITC4", "country": "FR"}, "body"),
        ({"kind": "shop"}, "body.kind"),
        ({"employees": -1}, "body.employees"),
        ({"annual_turnover": "-5"}, "body.annual_turnover"),
        ({"annual_turnover": "1.234"}, "body.annual_turnover"),
        ({"annual_turnover": 12.5}, None),
        ({"secret_field": True}, "body.secret_field"),
        ({"version": 7}, "body.version"),
    ])
    def test_bad_input_is_422(self, client, auth, fields, field):
        response = client.post(ORGS, json=new_org(**fields), headers=auth("admin@cartesio.example"))
        if field is None:  # a JSON number with two decimals is an exact amount and accepted
            assert response.status_code == 201
            return
        assert_problem(response, 422, field=field)

    def test_a_foreign_vat_number_is_not_checked_as_italian(self, client, auth):
        response = client.post(ORGS, json=new_org(country="BE", region_code=None, vat_number="12345678901"),
                               headers=auth("admin@cartesio.example"))
        assert response.status_code == 201

    def test_duplicate_vat_number_is_409(self, client, auth):
        headers = auth("admin@cartesio.example")
        vat = valid_vat()
        first = client.post(ORGS, json=new_org(vat_number=vat), headers=headers).json()
        body = assert_problem(client.post(ORGS, json=new_org(vat_number=vat), headers=headers), 409)
        assert body["existing_id"] == first["id"]

    def test_region_officer_only_in_its_region(self, client, auth):
        assert client.post(ORGS, json=new_org(), headers=auth("toscana@cartesio.example")).status_code == 201
        assert_problem(client.post(ORGS, json=new_org(region_code="ITC4"), headers=auth("toscana@cartesio.example")),
                       403)

    def test_enterprise_may_not_create(self, client, auth):
        assert_problem(client.post(ORGS, json=new_org(), headers=auth("conceria@cartesio.example")), 403)


class TestUpdateOrganization:
    def test_enterprise_updates_its_own_organization(self, client, auth, ids):
        url = f"{ORGS}/{ids['org:conceria-demo']}"
        before = client.get(url)
        response = client.patch(url, json={"employees": 42, "emas_registration_number": "IT-001234"},
                                headers={**auth("conceria@cartesio.example"), "If-Match": before.headers["etag"]})
        assert response.status_code == 200, response.text
        assert response.json()["size_class"] == "small"
        assert response.json()["version"] == before.json()["version"] + 1

    def test_enterprise_may_not_update_another(self, client, auth, ids):
        assert_problem(client.patch(f"{ORGS}/{ids['org:nwtexnet']}", json={"employees": 3},
                                    headers=auth("conceria@cartesio.example")), 403)

    def test_rename_of_a_coordinating_body_shows_in_its_cluster(self, client, auth):
        headers = auth("admin@cartesio.example")
        org = client.post(ORGS, json=new_org(kind="association"), headers=headers).json()
        cluster = client.post("/api/v1/clusters", json={"name": f"Rete {uuid.uuid4().hex[:6]}", "kind": "cluster",
                                                        "country": "IT", "coordinating_body_id": org["id"]},
                              headers=headers).json()
        client.patch(f"{ORGS}/{org['id']}", json={"name": "Consorzio Rinominato"}, headers=headers)
        after = client.get(f"/api/v1/clusters/{cluster['id']}").json()
        assert after["coordinating_body"]["name"] == "Consorzio Rinominato"
        assert after["version"] == cluster["version"] + 1
        assert client.delete(f"{ORGS}/{org['id']}", headers=headers).status_code == 204
        assert client.get(f"/api/v1/clusters/{cluster['id']}").json()["coordinating_body"] is None

    def test_bad_vat_on_update_is_422_and_changes_nothing(self, client, auth, ids):
        url = f"{ORGS}/{ids['org:conceria-demo']}"
        before = client.get(url).json()
        assert_problem(client.patch(url, json={"vat_number": "00743110158"}, headers=auth("admin@cartesio.example")),
                       422)
        assert client.get(url).json() == before


class TestListOrganizations:
    def test_filters_and_paging(self, client):
        regions = client.get(ORGS, params={"kind": "public_administration", "country": "IT", "limit": 200}).json()
        names = {o["name"] for o in regions["items"]}
        assert {"Regione Toscana", "Regione Lombardia", "Regione Lazio", "Regione Liguria",
                "Regione Emilia-Romagna"} <= names
        demo = every_item(client, ORGS, {"demo": True})
        assert demo and all(o["demo"] for o in demo)

    def test_members_of_a_cluster(self, client, ids):
        items = client.get(ORGS, params={"cluster_id": ids["cluster:norte"]}).json()["items"]
        assert len(items) == 4

    def test_source_is_named(self, client, ids):
        body = client.get(f"{ORGS}/{ids['org:regione-toscana']}").json()
        assert body["source_document"] == "cartesio-presentation"


class TestDerivedFields:
    def test_clearing_employees_clears_the_derived_class(self, client, auth):
        headers = auth("admin@cartesio.example")
        org = client.post(ORGS, json=new_org(employees=30), headers=headers).json()
        assert org["size_class"] == "small"
        cleared = client.patch(f"{ORGS}/{org['id']}", json={"employees": None}, headers=headers).json()
        assert cleared["size_class"] is None

    def test_ateco_filter_matches_both_ways(self, client, auth):
        headers = auth("admin@cartesio.example")
        org = client.post(ORGS, json=new_org(ateco_code="15.20.10"), headers=headers).json()
        for prefix in ("15", "15.20", "15.20.10"):
            found = client.get(ORGS, params={"ateco": prefix, "limit": 200, "q": org["name"]}).json()["items"]
            assert [o["id"] for o in found] == [org["id"]], prefix

    def test_timestamps_are_utc_with_z_everywhere(self, client, ids):
        org = client.get(f"{ORGS}/{ids['org:regione-toscana']}").json()
        cluster = client.get(f"/api/v1/clusters/{ids['cluster:vreten']}").json()
        assert org["created_at"].endswith("Z") and cluster["created_at"].endswith("Z")
