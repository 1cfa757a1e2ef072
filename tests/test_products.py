"""Typical products of clusters with their LCA studies and EPDs: CRUD, validation, conditional writes, who may
write, the study documents, expired EPDs, the comparison across clusters, the screening criterion, the feed and
the demo data."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from api.core.schemas import Page
from api.main import create_app
from api.products.schemas import EpdRead, IndicatorComparison, LcaStudyRead, ProductRead
from tests.helpers import assert_problem, every_item

ADMIN = "admin@cartesio.example"
OFFICER = "toscana@cartesio.example"
MANAGER = "prato@cartesio.example"
ENTERPRISE = "conceria@cartesio.example"
PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 40 + b"%%EOF\n"


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def rome_today() -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo("Europe/Rome")).date()


def make_cluster(client, auth, region="ITI15"):  # noqa: ANN001, ANN201
    created = client.post("/api/v1/clusters", headers=auth(ADMIN), json={
        "name": f"Distretto {_uid()}", "kind": "industrial_district", "country": "IT", "region_code": region})
    assert created.status_code == 201, created.text
    return created.json()


def make_product(client, auth, cluster_id, who=ADMIN, **fields):  # noqa: ANN001, ANN201
    body = {"name": f"Prodotto {_uid()}", **fields}
    created = client.post(f"/api/v1/clusters/{cluster_id}/products", headers=auth(who), json=body)
    assert created.status_code == 201, created.text
    return created.json()


def study_body(value="12.5", unit="kg", quantity="1", boundary="cradle_to_gate", **extra):  # noqa: ANN001, ANN201
    return {"functional_unit": {"quantity": quantity, "unit": unit, "description": f"{quantity} {unit}"},
            "system_boundary": boundary, "method": "EF 3.1", "reference_year": 2020,
            "results": [{"indicator": "climate_change", "value": value, "unit": "kg CO2 eq"}], **extra}


def make_study(client, auth, product_id, **kw):  # noqa: ANN001, ANN201
    created = client.post(f"/api/v1/products/{product_id}/lca-studies", headers=auth(ADMIN), json=study_body(**kw))
    assert created.status_code == 201, created.text
    return created.json()


def epd_body(**extra):  # noqa: ANN001, ANN201
    return {"programme_operator": "EPDItaly", "registration_number": f"EPDITALY-{_uid()}",
            "standards": ["ISO 14025", "EN 15804+A2"], "issue_date": "2021-03-01", "valid_until": "2026-02-28",
            "verifier": "Verificatore indipendente", **extra}


@pytest.fixture
def prato(ids) -> int:  # noqa: ANN001
    return ids["cluster:prato-textile"]


class TestProducts:
    def test_create_read_list(self, client, auth, prato):
        made = client.post(f"/api/v1/clusters/{prato}/products", headers=auth(ADMIN), json={
            "name": f"Tessuto cardato {_uid()}", "description": "Tessuto di lana cardata", "code": "13.20",
            "declared_unit": "1 m² di tessuto"})
        assert made.status_code == 201, made.text
        body = made.json()
        assert made.headers["Location"].endswith(f"/api/v1/products/{body['id']}")
        assert made.headers["ETag"] == f'"product-{body["id"]}-v1"'
        assert (body["cluster_id"], body["code"], body["lca_studies"], body["epds"]) == (prato, "13.20", [], [])
        read = client.get(f"/api/v1/products/{body['id']}")
        assert read.status_code == 200 and read.json() == body
        assert client.get(f"/api/v1/products/{body['id']}",
                          headers={"If-None-Match": read.headers["ETag"]}).status_code == 304
        listed = client.get(f"/api/v1/clusters/{prato}/products", params={"limit": 200}).json()
        TypeAdapter(Page[ProductRead]).validate_python(listed)
        assert body["id"] in [p["id"] for p in listed["items"]]

    def test_list_pages_with_a_cursor(self, client, auth):
        cluster = make_cluster(client, auth)["id"]
        made = [make_product(client, auth, cluster)["id"] for _ in range(3)]
        first = client.get(f"/api/v1/clusters/{cluster}/products", params={"limit": 2}).json()
        second = client.get(f"/api/v1/clusters/{cluster}/products",
                            params={"limit": 2, "cursor": first["next_cursor"]}).json()
        assert [p["id"] for p in first["items"] + second["items"]] == made and second["next_cursor"] is None

    def test_unknown_cluster_and_product_are_404(self, client, auth):
        assert_problem(client.get("/api/v1/clusters/999999999/products"), 404)
        assert_problem(client.post("/api/v1/clusters/999999999/products", headers=auth(ADMIN),
                                   json={"name": "x"}), 404)
        assert_problem(client.get("/api/v1/products/999999999"), 404)

    def test_the_same_name_twice_in_a_cluster_is_409(self, client, auth, prato):
        product = make_product(client, auth, prato)
        assert_problem(client.post(f"/api/v1/clusters/{prato}/products", headers=auth(ADMIN),
                                   json={"name": product["name"]}), 409)

    def test_patch_with_if_match_and_412_when_stale(self, client, auth, prato):
        product = make_product(client, auth, prato)
        url = f"/api/v1/products/{product['id']}"
        etag = client.get(url).headers["ETag"]
        changed = client.patch(url, headers={**auth(ADMIN), "If-Match": etag}, json={"code": "13.91"})
        assert changed.status_code == 200, changed.text
        assert changed.json()["code"] == "13.91" and changed.json()["version"] == 2
        assert changed.headers["ETag"] != etag
        stale = assert_problem(client.patch(url, headers={**auth(ADMIN), "If-Match": etag},
                                            json={"code": "13.92"}), 412)
        assert stale["detail"]
        assert client.get(url).json()["code"] == "13.91"
        assert_problem(client.patch(url, headers=auth(ADMIN), json={"name": None}), 422, field="body.name")

    def test_a_new_study_changes_the_products_etag(self, client, auth, prato):
        product = make_product(client, auth, prato)
        url = f"/api/v1/products/{product['id']}"
        etag = client.get(url).headers["ETag"]
        make_study(client, auth, product["id"])
        assert_problem(client.patch(url, headers={**auth(ADMIN), "If-Match": etag}, json={"code": "13"}), 412)

    def test_delete_removes_studies_and_epds(self, client, auth, prato):
        product = make_product(client, auth, prato)
        study = make_study(client, auth, product["id"])
        epd = client.post(f"/api/v1/products/{product['id']}/epds", headers=auth(ADMIN), json=epd_body()).json()
        url = f"/api/v1/products/{product['id']}"
        assert_problem(client.delete(url, headers={**auth(ADMIN), "If-Match": '"product-1-v1"'}), 412)
        assert client.delete(url, headers=auth(ADMIN)).status_code == 204
        assert_problem(client.get(url), 404)
        assert_problem(client.get(f"/api/v1/lca-studies/{study['id']}"), 404)
        assert_problem(client.get(f"/api/v1/epds/{epd['id']}"), 404)

    def test_deleting_the_cluster_deletes_its_products(self, client, auth):
        cluster = make_cluster(client, auth)["id"]
        product = make_product(client, auth, cluster)
        assert client.delete(f"/api/v1/clusters/{cluster}", headers=auth(ADMIN)).status_code == 204
        assert_problem(client.get(f"/api/v1/products/{product['id']}"), 404)


class TestValidation:
    def test_every_bad_product_field_is_listed(self, client, auth, prato):
        body = assert_problem(client.post(f"/api/v1/clusters/{prato}/products", headers=auth(ADMIN), json={
            "name": "", "code": "tessuto", "declared_unit": "x" * 201, "colour": "blu"}), 422)
        fields = {e["field"] for e in body["errors"]}
        assert {"body.name", "body.code", "body.declared_unit", "body.colour"} <= fields

    @pytest.mark.parametrize("code", ["13", "13.2", "13.20", "13.20.31", "13.20.31.00"])
    def test_nace_and_prodcom_codes_are_accepted(self, client, auth, prato, code):
        assert make_product(client, auth, prato, code=code)["code"] == code

    def test_a_result_whose_unit_does_not_match_its_indicator_is_refused(self, client, auth, prato):
        product = make_product(client, auth, prato)
        body = study_body()
        body["results"] = [{"indicator": "climate_change", "value": "10", "unit": "kg"},
                           {"indicator": "acidification", "value": "0.1", "unit": "kg SO2 eq"}]
        problem = assert_problem(client.post(f"/api/v1/products/{product['id']}/lca-studies", headers=auth(ADMIN),
                                             json=body), 422, field="body.results.0.unit")
        assert any(e["field"] == "body.results.1.unit" and "mol H+ eq" in e["message"] for e in problem["errors"])

    def test_unit_spellings_are_accepted_and_stored_as_the_indicators_unit(self, client, auth, prato):
        product = make_product(client, auth, prato)
        body = study_body()
        body["results"] = [{"indicator": "climate_change", "value": "10", "unit": "kg CO₂-eq"},
                           {"indicator": "water_use", "value": "3", "unit": "m³ world eq. deprived"}]
        study = client.post(f"/api/v1/products/{product['id']}/lca-studies", headers=auth(ADMIN), json=body)
        assert study.status_code == 201, study.text
        assert [(r["indicator"], r["value"], r["unit"]) for r in study.json()["results"]] == [
            ("climate_change", "10", "kg CO2 eq"), ("water_use", "3", "m3 world eq deprived")]

    def test_every_bad_study_field_is_listed(self, client, auth, prato):
        product = make_product(client, auth, prato)
        problem = assert_problem(client.post(f"/api/v1/products/{product['id']}/lca-studies", headers=auth(ADMIN),
                                             json={"functional_unit": {"quantity": "-1", "unit": "barrel"},
                                                   "system_boundary": "cradle_to_moon", "method": "",
                                                   "reference_year": rome_today().year + 1,
                                                   "results": [{"indicator": "happiness", "value": "1",
                                                                "unit": "smiles"}]}), 422)
        fields = {e["field"] for e in problem["errors"]}
        assert {"body.functional_unit.quantity", "body.functional_unit.unit", "body.system_boundary",
                "body.method", "body.reference_year", "body.results.0.indicator"} <= fields

    def test_climate_change_is_required_and_indicators_are_not_repeated(self, client, auth, prato):
        product = make_product(client, auth, prato)
        url = f"/api/v1/products/{product['id']}/lca-studies"
        body = study_body()
        body["results"] = [{"indicator": "water_use", "value": "3", "unit": "m3 world eq deprived"}]
        problem = assert_problem(client.post(url, headers=auth(ADMIN), json=body), 422, field="body.results")
        assert "climate_change" in problem["errors"][0]["message"]
        body["results"] = [{"indicator": "climate_change", "value": "1", "unit": "kg CO2 eq"}] * 2
        assert_problem(client.post(url, headers=auth(ADMIN), json=body), 422, field="body.results")

    def test_every_bad_epd_field_is_listed(self, client, auth, prato):
        product = make_product(client, auth, prato)
        problem = assert_problem(client.post(f"/api/v1/products/{product['id']}/epds", headers=auth(ADMIN), json={
            "programme_operator": "", "registration_number": "", "standards": ["ISO 9001"],
            "issue_date": "2021-13-01", "valid_until": "yesterday"}), 422)
        assert {"body.programme_operator", "body.registration_number", "body.standards.0", "body.issue_date",
                "body.valid_until"} <= {e["field"] for e in problem["errors"]}

    def test_validity_ending_before_issue_is_refused(self, client, auth, prato):
        product = make_product(client, auth, prato)
        url = f"/api/v1/products/{product['id']}/epds"
        assert_problem(client.post(url, headers=auth(ADMIN), json=epd_body(
            issue_date="2022-05-01", valid_until="2022-04-30")), 422, field="body.valid_until")
        assert_problem(client.post(url, headers=auth(ADMIN), json=epd_body(
            issue_date=str(rome_today() + timedelta(days=1)), valid_until="2099-01-01")), 422, field="body.issue_date")
        epd = client.post(url, headers=auth(ADMIN), json=epd_body()).json()
        # A change of one date is checked against the other as stored.
        assert_problem(client.patch(f"/api/v1/epds/{epd['id']}", headers=auth(ADMIN),
                                    json={"valid_until": "2020-01-01"}), 422, field="body.valid_until")
        assert_problem(client.patch(f"/api/v1/epds/{epd['id']}", headers=auth(ADMIN),
                                    json={"issue_date": "2026-03-01"}), 422, field="body.issue_date")

    def test_an_epd_names_a_study_of_its_own_product(self, client, auth, prato):
        product, other = make_product(client, auth, prato), make_product(client, auth, prato)
        foreign = make_study(client, auth, other["id"])
        assert_problem(client.post(f"/api/v1/products/{product['id']}/epds", headers=auth(ADMIN),
                                   json=epd_body(lca_study_id=foreign["id"])), 422, field="body.lca_study_id")
        own = make_study(client, auth, product["id"])
        made = client.post(f"/api/v1/products/{product['id']}/epds", headers=auth(ADMIN),
                           json=epd_body(lca_study_id=own["id"]))
        assert made.status_code == 201 and made.json()["lca_study_id"] == own["id"]

    def test_a_registration_number_is_recorded_once_per_programme_operator(self, client, auth, prato):
        product = make_product(client, auth, prato)
        body = epd_body()
        assert client.post(f"/api/v1/products/{product['id']}/epds", headers=auth(ADMIN), json=body).status_code == 201
        assert_problem(client.post(f"/api/v1/products/{product['id']}/epds", headers=auth(ADMIN), json=body), 409)


class TestStudies:
    def test_read_update_delete_with_etags(self, client, auth, prato):
        product = make_product(client, auth, prato)
        study = make_study(client, auth, product["id"])
        url = f"/api/v1/lca-studies/{study['id']}"
        read = client.get(url)
        TypeAdapter(LcaStudyRead).validate_python(read.json())
        assert read.json()["functional_unit"] == {"quantity": "1", "unit": "kg", "description": "1 kg"}
        etag = read.headers["ETag"]
        results = [{"indicator": "climate_change", "value": "9.75", "unit": "kg CO2 eq"},
                   {"indicator": "eutrophication_freshwater", "value": "0.0012", "unit": "kg P eq"}]
        changed = client.patch(url, headers={**auth(ADMIN), "If-Match": etag},
                               json={"results": results, "system_boundary": "cradle_to_grave"})
        assert changed.status_code == 200, changed.text
        assert [r["value"] for r in changed.json()["results"]] == ["9.75", "0.0012"]
        assert changed.json()["system_boundary"] == "cradle_to_grave"
        assert_problem(client.patch(url, headers={**auth(ADMIN), "If-Match": etag}, json={"method": "x"}), 412)
        assert_problem(client.patch(url, headers=auth(ADMIN), json={"method": None}), 422, field="body.method")
        listed = client.get(f"/api/v1/products/{product['id']}/lca-studies").json()
        assert [s["id"] for s in listed] == [study["id"]]
        assert client.get(f"/api/v1/products/{product['id']}").json()["lca_studies"][0]["results"][1]["unit"] == \
            "kg P eq"
        assert client.delete(url, headers=auth(ADMIN)).status_code == 204
        assert client.get(f"/api/v1/products/{product['id']}/lca-studies").json() == []

    def test_the_indicator_catalogue(self, client):
        catalogue = {i["key"]: i for i in client.get("/api/v1/lca-indicators").json()}
        assert catalogue["climate_change"]["unit"] == "kg CO2 eq"
        assert catalogue["climate_change"]["abbreviation"] == "GWP-total"
        assert catalogue["ozone_depletion"]["unit"] == "kg CFC-11 eq" and len(catalogue) == 13


def _storage_files(settings) -> set[str]:  # noqa: ANN001
    root = settings.resolved_storage_dir
    return {p.name for p in root.glob("??/*")} if root.exists() else set()


class TestStudyDocuments:
    def test_upload_and_download_with_its_sha256(self, client, auth, prato):
        product = make_product(client, auth, prato, who=MANAGER)
        study = make_study(client, auth, product["id"])
        uploaded = client.put(f"/api/v1/lca-studies/{study['id']}/files/Studio LCA.pdf", headers=auth(MANAGER),
                              content=PDF)
        assert uploaded.status_code == 201, uploaded.text
        (file,) = uploaded.json()["files"]
        assert (file["filename"], file["media_type"], file["size"]) == ("Studio LCA.pdf", "application/pdf", len(PDF))
        assert file["sha256"] == hashlib.sha256(PDF).hexdigest()
        download = client.get(f"/api/v1/lca-studies/{study['id']}/files/{file['id']}/content")
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
        assert "Studio%20LCA.pdf" in download.headers["content-disposition"]
        # The same name replaces the file; the product shows the study's document.
        again = client.put(f"/api/v1/lca-studies/{study['id']}/files/Studio LCA.pdf", headers=auth(MANAGER),
                           content=PDF + b"\n")
        assert [f["size"] for f in again.json()["files"]] == [len(PDF) + 1]
        shown = client.get(f"/api/v1/products/{product['id']}").json()["lca_studies"][0]["files"]
        assert [f["filename"] for f in shown] == ["Studio LCA.pdf"]
        removed = client.delete(f"/api/v1/lca-studies/{study['id']}/files/{again.json()['files'][0]['id']}",
                                headers=auth(MANAGER))
        assert removed.status_code == 204
        assert client.get(f"/api/v1/lca-studies/{study['id']}").json()["files"] == []

    @pytest.mark.parametrize(("name", "content", "status"), [
        ("studio.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 4, 415),   # an executable
        ("studio.docx", PDF, 415),                                                   # name and content disagree
        ("studio.pdf", b"", 422),                                                    # empty
        ("studio.pdf", b"\x00\x01\x02\x03" * 100, 415),                                 # unknown binary
    ])
    def test_bad_uploads_leave_nothing(self, client, auth, prato, seeded, engine, name, content, status):
        from sqlalchemy import text

        product = make_product(client, auth, prato)
        study = make_study(client, auth, product["id"])
        before = _storage_files(seeded)
        response = client.put(f"/api/v1/lca-studies/{study['id']}/files/{name}", headers=auth(ADMIN),
                              content=content)
        assert_problem(response, status)
        assert _storage_files(seeded) == before
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM lca_study_files WHERE study_id = :s"),
                                {"s": study["id"]}).scalar_one() == 0

    def test_files_over_the_limit_are_413(self, seeded, auth, ids):
        small = seeded.model_copy(update={"upload_max_bytes": 4096})
        with TestClient(create_app(small), raise_server_exceptions=False) as limited:
            product = make_product(limited, auth, ids["cluster:prato-textile"])
            study = make_study(limited, auth, product["id"])
            url = f"/api/v1/lca-studies/{study['id']}/files/grande.pdf"
            before = _storage_files(seeded)
            assert_problem(limited.put(url, headers=auth(ADMIN), content=PDF * 20), 413)

            def stream():  # noqa: ANN202
                for _ in range(10):
                    yield PDF

            assert_problem(limited.put(url, headers=auth(ADMIN), content=stream()), 413)
            assert _storage_files(seeded) == before
            assert limited.put(url, headers=auth(ADMIN), content=PDF).status_code == 201

    def test_only_writers_upload(self, client, auth, ids):
        product = make_product(client, auth, ids["cluster:santa-croce-tannery"])
        study = make_study(client, auth, product["id"])
        url = f"/api/v1/lca-studies/{study['id']}/files/studio.pdf"
        assert_problem(client.put(url, content=PDF), 401)
        assert_problem(client.put(url, headers=auth(MANAGER), content=PDF), 403)
        assert_problem(client.put(url, headers=auth(ENTERPRISE), content=PDF), 403)


class TestEpds:
    @pytest.mark.parametrize(("days", "expired"), [(-1, True), (0, False), (1, False)])
    def test_expired_is_judged_against_today_in_rome(self, client, auth, prato, days, expired):
        product = make_product(client, auth, prato)
        until = rome_today() + timedelta(days=days)
        made = client.post(f"/api/v1/products/{product['id']}/epds", headers=auth(ADMIN), json=epd_body(
            issue_date=str(until - timedelta(days=1825)), valid_until=str(until)))
        assert made.status_code == 201, made.text
        assert made.json()["expired"] is expired
        assert client.get(f"/api/v1/epds/{made.json()['id']}").json()["expired"] is expired
        assert client.get(f"/api/v1/products/{product['id']}").json()["epds"][0]["expired"] is expired

    def test_read_update_delete(self, client, auth, prato):
        product = make_product(client, auth, prato)
        epd = client.post(f"/api/v1/products/{product['id']}/epds", headers=auth(ADMIN), json=epd_body(
            pcr="PCR 2013:10 Textile products", url="https://www.epditaly.it/")).json()
        url = f"/api/v1/epds/{epd['id']}"
        read = client.get(url)
        TypeAdapter(EpdRead).validate_python(read.json())
        assert read.json()["standards"] == ["ISO 14025", "EN 15804+A2"]
        changed = client.patch(url, headers={**auth(ADMIN), "If-Match": read.headers["ETag"]},
                               json={"valid_until": "2099-12-31", "verifier": "Altro verificatore"})
        assert changed.status_code == 200, changed.text
        assert (changed.json()["valid_until"], changed.json()["expired"]) == ("2099-12-31", False)
        assert_problem(client.patch(url, headers={**auth(ADMIN), "If-Match": read.headers["ETag"]},
                                    json={"verifier": "x"}), 412)
        assert [e["id"] for e in client.get(f"/api/v1/products/{product['id']}/epds").json()] == [epd["id"]]
        assert client.delete(url, headers=auth(ADMIN)).status_code == 204
        assert_problem(client.get(url), 404)


class TestAuthorization:
    def test_reads_are_public(self, client, auth, prato):
        product = make_product(client, auth, prato)
        study = make_study(client, auth, product["id"])
        for url in (f"/api/v1/clusters/{prato}/products", f"/api/v1/products/{product['id']}",
                    f"/api/v1/products/{product['id']}/lca-studies", f"/api/v1/lca-studies/{study['id']}",
                    f"/api/v1/products/{product['id']}/epds",
                    "/api/v1/products/comparison?indicator=climate_change&code=13"):
            assert client.get(url).status_code == 200, url

    def test_anonymous_writes_are_401(self, client, auth, prato):
        product = make_product(client, auth, prato)
        assert_problem(client.post(f"/api/v1/clusters/{prato}/products", json={"name": "x"}), 401)
        assert_problem(client.patch(f"/api/v1/products/{product['id']}", json={"code": "13"}), 401)
        assert_problem(client.post(f"/api/v1/products/{product['id']}/lca-studies", json=study_body()), 401)
        assert_problem(client.post(f"/api/v1/products/{product['id']}/epds", json=epd_body()), 401)
        assert_problem(client.delete(f"/api/v1/products/{product['id']}"), 401)

    def test_the_cluster_manager_writes_only_for_its_cluster(self, client, auth, ids, prato):
        mine = make_product(client, auth, prato, who=MANAGER)
        study = client.post(f"/api/v1/products/{mine['id']}/lca-studies", headers=auth(MANAGER), json=study_body())
        assert study.status_code == 201
        epd = client.post(f"/api/v1/products/{mine['id']}/epds", headers=auth(MANAGER), json=epd_body())
        assert epd.status_code == 201
        assert client.patch(f"/api/v1/epds/{epd.json()['id']}", headers=auth(MANAGER),
                            json={"verifier": "v"}).status_code == 200
        tannery = ids["cluster:santa-croce-tannery"]
        assert_problem(client.post(f"/api/v1/clusters/{tannery}/products", headers=auth(MANAGER),
                                   json={"name": "Cuoio"}), 403)
        theirs = make_product(client, auth, tannery)
        assert_problem(client.patch(f"/api/v1/products/{theirs['id']}", headers=auth(MANAGER),
                                    json={"code": "15.11"}), 403)
        assert_problem(client.post(f"/api/v1/products/{theirs['id']}/lca-studies", headers=auth(MANAGER),
                                   json=study_body()), 403)

    def test_the_region_officer_writes_within_its_region(self, client, auth):
        tuscan = make_cluster(client, auth, "ITI17")["id"]
        lombard = make_cluster(client, auth, "ITC4C")["id"]
        assert make_product(client, auth, tuscan, who=OFFICER)["cluster_id"] == tuscan
        assert_problem(client.post(f"/api/v1/clusters/{lombard}/products", headers=auth(OFFICER),
                                   json={"name": "Prodotto"}), 403)
        product = make_product(client, auth, lombard)
        assert_problem(client.delete(f"/api/v1/products/{product['id']}", headers=auth(OFFICER)), 403)

    @pytest.mark.parametrize("who", [ENTERPRISE, "valutatore@cartesio.example", "ricerca@cartesio.example",
                                     "camera@cartesio.example", "verificatore@cartesio.example"])
    def test_other_roles_may_not_write(self, client, auth, prato, who):
        assert_problem(client.post(f"/api/v1/clusters/{prato}/products", headers=auth(who), json={"name": "x"}), 403)


class TestComparison:
    def _products(self, client, auth, code, studies):  # noqa: ANN001, ANN202
        made = []
        for study in studies:
            product = make_product(client, auth, make_cluster(client, auth)["id"], code=code)
            if study is not None:
                make_study(client, auth, product["id"], **study)
            made.append(product)
        return made

    def test_values_per_functional_unit_when_the_units_agree(self, client, auth):
        code = "32.91"
        a, b, none = self._products(client, auth, code, [{"value": "30", "quantity": "2"}, {"value": "12"}, None])
        answer = client.get("/api/v1/products/comparison", params={"indicator": "climate_change", "code": code})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        IndicatorComparison.model_validate(body)
        assert (body["comparable"], body["reasons"], body["per"]) == (True, [], "kg")
        assert body["indicator"]["unit"] == "kg CO2 eq"
        assert [(i["product_id"], i["value"], i["value_per_unit"]) for i in body["items"]] == [
            (b["id"], "12", "12"), (a["id"], "30", "15")]
        assert {i["cluster_id"] for i in body["items"]} == {a["cluster_id"], b["cluster_id"]}
        assert [p["product_id"] for p in body["without_result"]] == [none["id"]]

    def test_different_functional_units_are_not_comparable(self, client, auth):
        code = "32.92"
        self._products(client, auth, code, [{"value": "30", "unit": "kg"}, {"value": "4", "unit": "m2"}])
        body = client.get("/api/v1/products/comparison", params={"indicator": "climate_change", "code": code}).json()
        assert body["comparable"] is False and body["per"] is None
        assert "functional units differ (kg, m2)" in body["reasons"][0]
        assert [i["value_per_unit"] for i in body["items"]] == [None, None]
        assert sorted(i["value"] for i in body["items"]) == ["30", "4"]

    def test_different_boundaries_are_not_comparable_unless_filtered(self, client, auth):
        code = "32.93"
        self._products(client, auth, code, [{"value": "30"}, {"value": "40", "boundary": "cradle_to_grave"}])
        params = {"indicator": "climate_change", "code": code}
        body = client.get("/api/v1/products/comparison", params=params).json()
        assert body["comparable"] is False and "system boundaries differ" in body["reasons"][0]
        only = client.get("/api/v1/products/comparison", params={**params, "system_boundary": "cradle_to_gate"})
        assert only.json()["comparable"] is True and [i["value"] for i in only.json()["items"]] == ["30"]
        assert len(only.json()["without_result"]) == 1

    def test_code_prefix_selects_the_kind(self, client, auth):
        inside = make_product(client, auth, make_cluster(client, auth)["id"], code="32.94.10.00")
        make_study(client, auth, inside["id"])
        make_product(client, auth, make_cluster(client, auth)["id"], code="32.95")
        body = client.get("/api/v1/products/comparison", params={"indicator": "climate_change",
                                                                 "code": "32.94"}).json()
        assert [i["product_id"] for i in body["items"]] == [inside["id"]] and body["without_result"] == []

    def test_bad_queries_are_422(self, client):
        assert_problem(client.get("/api/v1/products/comparison", params={"indicator": "happiness", "code": "13"}),
                       422, field="query.indicator")
        assert_problem(client.get("/api/v1/products/comparison", params={"indicator": "climate_change",
                                                                          "code": "tessile"}), 422, field="query.code")


class TestCriterion:
    def _screen(self, client, auth, definition, cluster_ids):  # noqa: ANN001, ANN202
        criterion = client.post("/api/v1/criteria", headers=auth(OFFICER),
                                json={"name": f"C {_uid()}", "definition": definition})
        assert criterion.status_code == 201, criterion.text
        made = client.post("/api/v1/criteria-sets", headers=auth(OFFICER), json={
            "name": f"S {_uid()}", "phases": [{"name": "Prodotto", "criteria": [criterion.json()["id"]]}]})
        assert made.status_code == 201, made.text
        run = client.post("/api/v1/screenings", headers=auth(OFFICER), json={
            "criteria_set_id": made.json()["id"], "scope": {"cluster_ids": cluster_ids}})
        assert run.status_code == 200, run.text
        page = client.get(f"/api/v1/screenings/{run.json()['id']}/results", params={"limit": 200}).json()
        return {item["cluster_id"]: item["criteria"][0] for item in page["items"]}

    def test_typical_product_lca_study_and_epd_in_force(self, client, auth):
        bare, product_only, with_study, with_epd, expired = (make_cluster(client, auth)["id"] for _ in range(5))
        for cluster in (product_only, with_study, with_epd, expired):
            make_product(client, auth, cluster, name=f"Tessuto {cluster}")
        for cluster in (with_study, with_epd, expired):
            product = client.get(f"/api/v1/clusters/{cluster}/products").json()["items"][0]
            make_study(client, auth, product["id"])
        for cluster, until in ((with_epd, rome_today()), (expired, rome_today() - timedelta(days=1))):
            product = client.get(f"/api/v1/clusters/{cluster}/products").json()["items"][0]
            assert client.post(f"/api/v1/products/{product['id']}/epds", headers=auth(ADMIN), json=epd_body(
                issue_date="2020-01-01", valid_until=str(until))).status_code == 201
        everyone = [bare, product_only, with_study, with_epd, expired]

        def outcomes(what):  # noqa: ANN001, ANN202
            got = self._screen(client, auth, {"type": "has", "what": what}, everyone)
            return [got[c]["outcome"] for c in everyone], got

        typical, got = outcomes("typical_product")
        assert typical == ["fail", "pass", "pass", "pass", "pass"]
        assert got[bare]["explanation"] == "no typical product recorded"
        assert got[product_only]["explanation"] == f"typical product: Tessuto {product_only}"
        studied, got = outcomes("lca_study")
        assert studied == ["fail", "fail", "pass", "pass", "pass"]
        assert got[with_study]["explanation"] == f"LCA study of Tessuto {with_study} (EF 3.1)"
        declared, got = outcomes("epd")
        assert declared == ["fail", "fail", "fail", "pass", "fail"]
        assert got[expired]["explanation"] == "no EPD in force for a typical product"

    def test_the_imagine_specific_product_criterion_reads_the_typical_product(self, client, auth, ids):
        sets = every_item(client, "/api/v1/criteria-sets")
        imagine = next(s for s in sets if s["name"] == "Replicabilità dell’approccio EMAS cluster (IMAGINE)")
        two_sectors = [{"label": "Tessile", "nace": ["13"]}, {"label": "Abbigliamento", "nace": ["14"]}]
        with_product, without = (client.post("/api/v1/clusters", headers=auth(ADMIN), json={
            "name": f"Distretto {_uid()}", "kind": "industrial_district", "country": "IT", "region_code": "ITI15",
            "sectors": two_sectors}).json()["id"] for _ in range(2))
        make_product(client, auth, with_product, name="Filato")
        single = client.post("/api/v1/clusters", headers=auth(ADMIN), json={
            "name": f"Distretto {_uid()}", "kind": "industrial_district", "country": "IT", "region_code": "ITI15",
            "sectors": two_sectors[:1]}).json()["id"]
        empoli = ids["cluster:empoli-clothing"]
        run = client.post("/api/v1/screenings", headers=auth(OFFICER), json={
            "criteria_set_id": imagine["id"], "scope": {"cluster_ids": [with_product, without, single, empoli]}})
        assert run.status_code == 200, run.text
        page = client.get(f"/api/v1/screenings/{run.json()['id']}/results", params={"limit": 200}).json()
        specific = "Cluster che producono uno specifico prodotto"
        got = {item["cluster_id"]: next(c for c in item["criteria"] if c["name"] == specific)
               for item in page["items"]}
        assert (got[with_product]["outcome"], got[with_product]["explanation"]) == ("pass", "typical product: Filato")
        assert got[without]["outcome"] == "fail"
        # Without a product recorded, a single declared sector stands in.
        assert (got[single]["outcome"], got[single]["explanation"]) == ("pass", "number of sectors 1 = 1")
        assert (got[empoli]["outcome"], got[empoli]["explanation"]) == ("pass",
                                                                        "typical product: Capi di abbigliamento")

    def test_the_catalogue_offers_them(self, client):
        presence = client.get("/api/v1/criteria/catalogue").json()["presence"]
        assert {"typical_product", "lca_study", "epd"} <= set(presence)


def feed_end(client, headers, types="products"):  # noqa: ANN001, ANN201
    page = client.get("/api/v1/changes", params={"types": types, "limit": 1000}, headers=headers).json()
    since = page["next_cursor"]
    while page["has_more"]:
        page = client.get("/api/v1/changes", params={"types": types, "since": since, "limit": 1000},
                          headers=headers).json()
        since = page["next_cursor"]
    return since


class TestFeed:
    def test_products_are_on_the_changes_feed(self, client, auth, prato):
        headers = auth(ADMIN)
        since = feed_end(client, headers)
        product = make_product(client, auth, prato)
        make_study(client, auth, product["id"])
        client.delete(f"/api/v1/products/{product['id']}", headers=headers)
        page = client.get("/api/v1/changes", params={"types": "products", "since": since}, headers=headers).json()
        mine = [c for c in page["changes"] if c["resource"]["id"] == product["id"]]
        assert [c["operation"] for c in mine] == ["upsert", "upsert", "delete"]
        assert mine[1]["resource"]["lca_studies"][0]["results"][0]["indicator"] == "climate_change"

    def test_deleting_a_cluster_leaves_a_tombstone_for_each_of_its_products(self, client, auth):
        headers = auth(ADMIN)
        cluster = make_cluster(client, auth)["id"]
        products = [make_product(client, auth, cluster) for _ in range(2)]
        make_study(client, auth, products[0]["id"])
        since = feed_end(client, headers, "products,clusters")
        assert client.delete(f"/api/v1/clusters/{cluster}", headers=headers).status_code == 204
        page = client.get("/api/v1/changes", params={"types": "products,clusters", "since": since},
                          headers=headers).json()
        gone = [(c["type"], c["id"], c["operation"], c["version"]) for c in page["changes"]]
        assert gone == [("products", products[0]["id"], "delete", 3), ("products", products[1]["id"], "delete", 2),
                        ("clusters", cluster, "delete", gone[-1][3])]
        assert all(c["resource"]["deleted"] for c in page["changes"])

    def test_a_cluster_deleted_through_sync_takes_its_products_off_the_feed(self, client, auth, service_client):
        sync = service_client("toscana", "ITI1")
        ext = f"P-{_uid()}"
        made = client.put(f"/api/v1/sync/toscana/clusters/{ext}", headers=sync, json={
            "name": f"Distretto {ext}", "kind": "industrial_district", "country": "IT", "region_code": "ITI15"})
        assert made.status_code == 201, made.text
        product = make_product(client, auth, made.json()["id"])
        headers = auth(ADMIN)
        since = feed_end(client, headers)
        assert client.delete(f"/api/v1/sync/toscana/clusters/{ext}", headers=sync).status_code == 204
        page = client.get("/api/v1/changes", params={"types": "products", "since": since}, headers=headers).json()
        assert [(c["id"], c["operation"]) for c in page["changes"]] == [(product["id"], "delete")]


class TestDataset:
    def test_published_studies_one_row_per_indicator_and_no_illustrative_figures(self, client, auth, prato):
        product = make_product(client, auth, prato, code="13.20")
        study = client.post(f"/api/v1/products/{product['id']}/lca-studies", headers=auth(ADMIN), json=study_body(
            value="7.25", results=[{"indicator": "climate_change", "value": "7.25", "unit": "kg CO2 eq"},
                                   {"indicator": "water_use", "value": "3.5", "unit": "m3 world eq deprived"}]))
        assert study.status_code == 201, study.text
        rows = client.get("/api/v1/datasets/lca-results/download", params={"format": "json"}).json()
        mine = [r for r in rows if r["product_id"] == product["id"]]
        assert [(r["indicator"], float(r["value"]), r["unit"]) for r in mine] == [
            ("climate_change", 7.25, "kg CO2 eq"), ("water_use", 3.5, "m3 world eq deprived")]
        assert mine[0]["cluster_id"] == prato and mine[0]["product_code"] == "13.20"
        assert mine[0]["system_boundary"] == "cradle_to_gate" and mine[0]["study_id"] == study.json()["id"]
        illustrative = [s["id"] for p in client.get(f"/api/v1/clusters/{prato}/products").json()["items"]
                        for s in p["lca_studies"] if s["is_illustrative"]]
        assert illustrative and not {r["study_id"] for r in rows} & set(illustrative)


class TestDemoData:
    def test_prato_has_its_fabric_with_an_illustrative_study(self, client, ids):
        items = client.get(f"/api/v1/clusters/{ids['cluster:prato-textile']}/products",
                           params={"limit": 200}).json()["items"]
        (product,) = [p for p in items if p["source"] is not None]
        assert product["name"] == "Tessuto" and product["code"] == "13"
        assert product["source"]["document"] == "imagine-replicability"
        assert "il tessuto" in product["description"]
        (study,) = product["lca_studies"]
        assert study["is_illustrative"] is True and "illustrativ" in study["note"]
        assert any(r["indicator"] == "climate_change" and r["unit"] == "kg CO2 eq" for r in study["results"])
        assert product["epds"] == []  # the document says the EPDs are still to be obtained

    @pytest.mark.parametrize(("slug", "name", "unit"), [("empoli-clothing", "Capi di abbigliamento", "piece"),
                                                         ("santa-croce-tannery", "Pelle conciata", "m2"),
                                                         ("lucca-footwear", "Calzature", "pair")])
    def test_the_other_districts_have_their_product_with_an_illustrative_study(self, client, ids, slug, name, unit):
        items = client.get(f"/api/v1/clusters/{ids['cluster:' + slug]}/products",
                           params={"limit": 200}).json()["items"]
        seeded = [p for p in items if p["source"] is not None]
        assert [p["name"] for p in seeded] == [name]
        assert seeded[0]["source"]["document"] == "imagine-replicability" and seeded[0]["epds"] == []
        studies = seeded[0]["lca_studies"]
        assert len(studies) == 1 and studies[0]["is_illustrative"] is True
        assert studies[0]["functional_unit"]["unit"] == unit
        assert [r["indicator"] for r in studies[0]["results"]] == ["climate_change"]

    def test_leather_and_footwear_are_not_comparable_per_unit(self, client):
        body = client.get("/api/v1/products/comparison", params={"indicator": "climate_change", "code": "15"}).json()
        names = {i["product_name"] for i in body["items"]}
        assert {"Pelle conciata", "Calzature"} <= names
        assert body["comparable"] is False and any("functional units differ" in r for r in body["reasons"])
        kinds = {d["kind"]: d for d in body["differences"]}
        assert kinds["functional_units"]["blocking"] is True
        assert {"m2", "pair"} <= set(kinds["functional_units"]["values"])
        assert kinds["illustrative_figures"]["blocking"] is False
