"""Shared EMAS resources: the catalogue, versions and files, validation by accredited verifiers, adoption by
members and each firm's coverage of the requirements."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.emas.validation import add_years
from api.main import create_app
from tests.helpers import assert_problem

ADMIN = "admin@cartesio.example"
VERIFIER = "verificatore@cartesio.example"
ENTERPRISE = "conceria@cartesio.example"
MANAGER = "prato@cartesio.example"
OFFICER = "toscana@cartesio.example"
PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 40 + b"%%EOF\n"


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def _count(engine, sql: str) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def new_cluster(client, auth, nace=("13",), **fields) -> int:  # noqa: ANN001
    created = client.post("/api/v1/clusters", headers=auth(ADMIN), json={
        "name": f"Distretto {_uid()}", "kind": "industrial_district", "country": "IT", "region_code": "ITI17",
        "sectors": [{"label": "Settore", "nace": list(nace)}], **fields})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def new_org(client, auth, cluster_id: int | None = None) -> int:  # noqa: ANN001
    org = client.post("/api/v1/organizations", headers=auth(ADMIN), json={
        "name": f"Impresa {_uid()}", "kind": "enterprise", "country": "IT", "region_code": "ITI17"}).json()
    if cluster_id is not None:
        joined = client.post(f"/api/v1/clusters/{cluster_id}/members", headers=auth(ADMIN),
                             json={"organization_id": org["id"]})
        assert joined.status_code == 201, joined.text
    return org["id"]


def new_resource(client, auth, cluster_id: int, requirements=("II.A.8.1",), who=ADMIN) -> int:  # noqa: ANN001
    made = client.post("/api/v1/emas/resources", headers=auth(who), json={
        "cluster_id": cluster_id, "type": "procedure", "title": f"Procedura {_uid()}",
        "requirements": list(requirements)})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def versions_url(resource_id: int) -> str:
    return f"/api/v1/emas/resources/{resource_id}/versions"


def released(client, auth, resource_id: int) -> int:  # noqa: ANN001
    """Start a version, upload a PDF into it and release it; returns its number."""
    number = client.post(versions_url(resource_id), headers=auth(ADMIN), json={"notes": "prima"}).json()["number"]
    assert client.put(f"{versions_url(resource_id)}/{number}/files/procedura.pdf", headers=auth(ADMIN),
                      content=PDF).status_code == 201
    assert client.post(f"{versions_url(resource_id)}/{number}/release", headers=auth(ADMIN)).status_code == 200
    return number


def validate(client, auth, resource_id: int, number: int = 1, **body):  # noqa: ANN001, ANN201
    return client.post(f"{versions_url(resource_id)}/{number}/validations", headers=auth(VERIFIER),
                       json={"outcome": "validated", **body})


def storage_files(settings) -> set[str]:  # noqa: ANN001
    root = settings.resolved_storage_dir
    return {p.name for p in root.glob("??/*")} if root.exists() else set()


class TestCatalogue:
    def test_the_requirements_tree(self, client):
        tree = client.get("/api/v1/emas/requirements").json()
        assert [node["code"] for node in tree] == ["I", "II", "III", "IV"]
        annex_ii = {n["code"]: n for n in tree[1]["children"]}
        assert set(annex_ii) == {"II.A", "II.B"}
        clauses = [n["code"] for n in annex_ii["II.A"]["children"]]
        assert clauses == [f"II.A.{n}" for n in range(4, 11)]
        context = annex_ii["II.A"]["children"][0]
        assert context["title_en"] == "Context of the organization" and context["title_it"]
        part_b = [n["title_en"] for n in annex_ii["II.B"]["children"]]
        for wanted in ("Legal compliance", "Environmental performance", "Employee involvement", "Communication"):
            assert wanted in part_b

        def find(nodes, code):  # noqa: ANN001, ANN202
            for node in nodes:
                if node["code"] == code:
                    return node
                found = find(node["children"], code)
                if found:
                    return found
            return None

        core = [n for n in find(tree, "IV")["children"] if n["code"] == "IV.C"][0]
        indicators = [n for c in core["children"] for n in c["children"]]
        assert len(indicators) == 6


class TestResources:
    def test_a_cluster_manager_manages_the_resources_of_its_own_cluster_only(self, client, auth, ids):
        mine = new_resource(client, auth, ids["cluster:prato-textile"], who=MANAGER)
        assert client.get(f"/api/v1/emas/resources/{mine}").json()["requirements"] == ["II.A.8.1"]
        refused = client.post("/api/v1/emas/resources", headers=auth(MANAGER), json={
            "cluster_id": ids["cluster:santa-croce-tannery"], "type": "procedure", "title": "altrui"})
        assert_problem(refused, 403)

    def test_unknown_requirement_codes_are_named(self, client, auth, ids, engine):
        before = _count(engine, "SELECT count(*) FROM shared_resources")
        body = assert_problem(client.post("/api/v1/emas/resources", headers=auth(ADMIN), json={
            "cluster_id": ids["cluster:prato-textile"], "type": "procedure", "title": "x",
            "requirements": ["II.A.8.1", "II.Z.99"]}), 422, field="body.requirements.1")
        assert "II.Z.99" in body["errors"][0]["message"]
        assert_problem(client.post("/api/v1/emas/resources", headers=auth(ADMIN), json={
            "cluster_id": ids["cluster:prato-textile"], "network_id": 1, "type": "procedure", "title": "x"}), 422)
        assert _count(engine, "SELECT count(*) FROM shared_resources") == before


class TestFiles:
    def test_upload_records_type_size_and_sha256_and_download_returns_the_bytes(self, client, auth, ids):
        resource = new_resource(client, auth, ids["cluster:prato-textile"])
        client.post(versions_url(resource), headers=auth(ADMIN), json={})
        uploaded = client.put(f"{versions_url(resource)}/1/files/Manuale SGA è.pdf", headers=auth(ADMIN),
                              content=PDF)
        assert uploaded.status_code == 201, uploaded.text
        stored = uploaded.json()["files"][0]
        assert stored["filename"] == "Manuale SGA è.pdf" and stored["media_type"] == "application/pdf"
        assert stored["size"] == len(PDF) and stored["sha256"] == hashlib.sha256(PDF).hexdigest()
        download = client.get(f"{versions_url(resource)}/1/files/{stored['id']}/content", headers=auth(ENTERPRISE))
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
        assert "filename*=UTF-8''Manuale%20SGA%20%C3%A8.pdf" in download.headers["content-disposition"]
        assert_problem(client.get(f"{versions_url(resource)}/1/files/{stored['id']}/content"), 401)
        again = client.put(f"{versions_url(resource)}/1/files/Manuale SGA è.pdf", headers=auth(ADMIN),
                           content=PDF + b"\n")
        assert [f["size"] for f in again.json()["files"]] == [len(PDF) + 1]

    @pytest.mark.parametrize(("name", "content", "status"), [
        ("programma.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, 415),
        ("programma.pdf", "testo semplice".encode(), 415),
        ("programma.txt", PDF, 415),
        ("programma.exe", b"MZ\x90\x00\x03" + b"\x00" * 200, 415),
        ("..%2F..%2F..%2Fescape.txt", b"fuori", 422),
        ("%2E%2E", b"fuori", 422),
        ("a%5Cb.txt", b"fuori", 422),
        ("vuoto.txt", b"", 422),
    ])
    def test_bad_uploads_leave_nothing_behind(self, client, auth, ids, engine, seeded, name, content, status):
        resource = new_resource(client, auth, ids["cluster:prato-textile"])
        client.post(versions_url(resource), headers=auth(ADMIN), json={})
        files_before = storage_files(seeded)
        rows_before = _count(engine, "SELECT count(*) FROM shared_resource_files")
        response = client.put(f"{versions_url(resource)}/1/files/{name}", headers=auth(ADMIN), content=content)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert storage_files(seeded) == files_before
        assert _count(engine, "SELECT count(*) FROM shared_resource_files") == rows_before

    def test_files_over_the_limit_are_413_with_or_without_a_length(self, seeded, auth, ids, engine):
        small = seeded.model_copy(update={"upload_max_bytes": 4096})
        with TestClient(create_app(small), raise_server_exceptions=False) as limited:
            resource = new_resource(limited, auth, ids["cluster:prato-textile"])
            limited.post(versions_url(resource), headers=auth(ADMIN), json={})
            files_before = storage_files(seeded)
            url = f"{versions_url(resource)}/1/files/grande.pdf"
            assert_problem(limited.put(url, headers=auth(ADMIN), content=PDF * 20), 413)

            def stream():  # noqa: ANN202
                for _ in range(10):
                    yield PDF

            assert_problem(limited.put(url, headers=auth(ADMIN), content=stream()), 413)
            assert limited.put(url, headers=auth(ADMIN), content=PDF).status_code == 201
            assert len(storage_files(seeded) - files_before) == 1

    def test_a_released_version_never_changes(self, client, auth, ids):
        resource = new_resource(client, auth, ids["cluster:prato-textile"])
        client.post(versions_url(resource), headers=auth(ADMIN), json={})
        assert_problem(client.post(f"{versions_url(resource)}/1/release", headers=auth(ADMIN)), 409)
        client.put(f"{versions_url(resource)}/1/files/a.pdf", headers=auth(ADMIN), content=PDF)
        version = client.post(f"{versions_url(resource)}/1/release", headers=auth(ADMIN)).json()
        assert version["status"] == "released" and version["released_at"]
        assert_problem(client.put(f"{versions_url(resource)}/1/files/b.pdf", headers=auth(ADMIN), content=PDF), 409)
        assert_problem(client.delete(f"{versions_url(resource)}/1/files/{version['files'][0]['id']}",
                                     headers=auth(ADMIN)), 409)
        assert_problem(client.post(f"{versions_url(resource)}/1/release", headers=auth(ADMIN)), 409)


class TestValidation:
    def test_a_verifier_validates_a_released_version_for_three_years(self, client, auth):
        cluster = new_cluster(client, auth, nace=("13.20",))
        resource = new_resource(client, auth, cluster)
        client.post(versions_url(resource), headers=auth(ADMIN), json={})
        client.put(f"{versions_url(resource)}/1/files/a.pdf", headers=auth(ADMIN), content=PDF)
        assert_problem(validate(client, auth, resource), 409)  # still a draft
        client.post(f"{versions_url(resource)}/1/release", headers=auth(ADMIN))
        made = validate(client, auth, resource, findings="nessuna")
        assert made.status_code == 201, made.text
        body = made.json()
        today = date.today()
        assert body["status"] == "current" and body["validated_date"] == today.isoformat()
        assert body["valid_until"] == add_years(today, 3).isoformat()
        assert [s["state"] for s in body["surveillance"]] == ["upcoming", "upcoming"]
        assert body["accreditation_number"] == "DEMO-0001"
        due = client.get("/api/v1/emas/surveillance", params={"cluster_id": cluster}).json()
        assert [(i["resource_id"], i["state"]) for i in due] == [(resource, "upcoming"), (resource, "upcoming")]
        assert client.get("/api/v1/emas/surveillance", params={"cluster_id": cluster, "state": "due"}).json() == []
        # A later version does not inherit the validation.
        second = released(client, auth, resource)
        listed = {v["number"]: v for v in client.get(versions_url(resource)).json()}
        assert listed[1]["validated"] is True and listed[second]["validated"] is False

    def test_a_surveillance_date_that_has_come_is_listed_as_due(self, client, auth):
        cluster = new_cluster(client, auth, nace=("14",))
        resource = new_resource(client, auth, cluster)
        released(client, auth, resource)
        start = date.today() - timedelta(days=400)
        made = validate(client, auth, resource, validated_date=start.isoformat())
        assert [s["state"] for s in made.json()["surveillance"]] == ["due", "upcoming"]
        due = client.get("/api/v1/emas/surveillance", params={"state": "due", "cluster_id": cluster}).json()
        assert [(i["resource_id"], i["due_date"]) for i in due] == [
            (resource, add_years(start, 1).isoformat())]

    def test_only_accredited_verifiers_validate(self, client, auth, ids):
        resource = new_resource(client, auth, ids["cluster:prato-textile"])
        released(client, auth, resource)
        for who in (ADMIN, ENTERPRISE, MANAGER):
            assert_problem(client.post(f"{versions_url(resource)}/1/validations", headers=auth(who),
                                       json={"outcome": "validated"}), 403)

    def test_a_verifier_of_a_member_organization_is_a_conflict_of_interest(self, client, auth, ids, engine):
        cluster = new_cluster(client, auth)
        client.post(f"/api/v1/clusters/{cluster}/members", headers=auth(ADMIN),
                    json={"organization_id": ids["org:verificatore-demo"]})
        resource = new_resource(client, auth, cluster)
        released(client, auth, resource)
        before = _count(engine, "SELECT count(*) FROM emas_validations")
        body = assert_problem(validate(client, auth, resource), 409)
        assert "another verifier" in body["detail"]
        assert _count(engine, "SELECT count(*) FROM emas_validations") == before

    @pytest.mark.parametrize("nace", [("20.15",), ("13", "20"), ()])
    def test_outside_the_nace_scope_is_403(self, client, auth, nace):
        cluster = new_cluster(client, auth, nace=nace)
        resource = new_resource(client, auth, cluster)
        released(client, auth, resource)
        assert_problem(validate(client, auth, resource), 403)

    def test_findings_are_required_unless_validated_and_dates_must_be_in_order(self, client, auth, ids):
        resource = new_resource(client, auth, ids["cluster:prato-textile"])
        released(client, auth, resource)
        assert_problem(validate(client, auth, resource, outcome="rejected"), 422)
        assert_problem(validate(client, auth, resource, validated_date="2026-01-10", valid_until="2025-01-10"), 422)

    def test_an_expired_validation_says_so_and_when(self, client, auth, ids):
        resource = new_resource(client, auth, ids["cluster:santa-croce-tannery"])
        released(client, auth, resource)
        start, end = date.today() - timedelta(days=4 * 365), date.today() - timedelta(days=30)
        made = validate(client, auth, resource, validated_date=start.isoformat(), valid_until=end.isoformat())
        body = made.json()
        assert body["status"] == "expired" and body["expired_on"] == end.isoformat()
        assert all(s["state"] == "due" for s in body["surveillance"])
        listed = client.get("/api/v1/emas/surveillance", params={"cluster_id": ids["cluster:santa-croce-tannery"]})
        assert all(item["resource_id"] != resource for item in listed.json())  # expired: no more surveillance
        refused = client.post(f"/api/v1/organizations/{ids['org:conceria-demo']}/adoptions", headers=auth(ENTERPRISE),
                              json={"resource_id": resource, "version": 1})
        problem = assert_problem(refused, 409)
        assert end.isoformat() in problem["detail"]


class TestAdoption:
    def test_members_adopt_validated_versions_once(self, client, auth, ids):
        org = ids["org:conceria-demo"]
        resource = new_resource(client, auth, ids["cluster:santa-croce-tannery"], requirements=["II.A.7.2"])
        released(client, auth, resource)
        url = f"/api/v1/organizations/{org}/adoptions"
        assert_problem(client.post(url, headers=auth(ENTERPRISE), json={"resource_id": resource, "version": 1}), 409)
        validate(client, auth, resource)
        adopted = client.post(url, headers=auth(ENTERPRISE), json={"resource_id": resource, "version": 1})
        assert adopted.status_code == 201, adopted.text
        assert adopted.json()["validation_status"] == "current"
        assert_problem(client.post(url, headers=auth(ENTERPRISE), json={"resource_id": resource, "version": 1}), 409)
        assert_problem(client.post(url, headers=auth(ENTERPRISE), json={"resource_id": resource, "version": 9}), 422,
                       field="body.version")
        assert any(a["resource_id"] == resource for a in client.get(url, headers=auth(ENTERPRISE)).json())

    def test_a_firm_outside_the_cluster_cannot_adopt(self, client, auth, ids):
        resource = new_resource(client, auth, ids["cluster:prato-textile"])
        released(client, auth, resource)
        validate(client, auth, resource)
        body = assert_problem(client.post(f"/api/v1/organizations/{ids['org:conceria-demo']}/adoptions",
                                          headers=auth(ENTERPRISE), json={"resource_id": resource, "version": 1}), 409)
        assert "not a current member" in body["detail"]

    def test_another_firm_neither_sees_nor_adopts_for_it(self, client, auth, ids):
        cluster = ids["cluster:santa-croce-tannery"]
        other = new_org(client, auth, cluster)
        resource = new_resource(client, auth, cluster)
        released(client, auth, resource)
        validate(client, auth, resource)
        for method, path, body in (("post", "adoptions", {"resource_id": resource, "version": 1}),
                                   ("get", "adoptions", None), ("get", "emas-coverage", None),
                                   ("post", "evidence", {"requirement_code": "I.1", "title": "x"})):
            assert_problem(client.request(method, f"/api/v1/organizations/{other}/{path}", json=body,
                                          headers=auth(ENTERPRISE)), 404)

    def test_the_cluster_manager_adopts_for_a_member(self, client, auth, ids):
        cluster = ids["cluster:prato-textile"]
        member = new_org(client, auth, cluster)
        resource = new_resource(client, auth, cluster)
        released(client, auth, resource)
        validate(client, auth, resource)
        adopted = client.post(f"/api/v1/organizations/{member}/adoptions", headers=auth(MANAGER),
                              json={"resource_id": resource, "version": 1})
        assert adopted.status_code == 201, adopted.text


class TestCoverage:
    def test_each_requirement_is_shared_own_or_open(self, client, auth, ids):
        cluster = new_cluster(client, auth, nace=("15.11",))
        org = new_org(client, auth, cluster)
        resource = new_resource(client, auth, cluster, requirements=["II.A.8"])
        released(client, auth, resource)
        validate(client, auth, resource)
        assert client.post(f"/api/v1/organizations/{org}/adoptions", headers=auth(ADMIN),
                           json={"resource_id": resource, "version": 1}).status_code == 201
        assert client.post(f"/api/v1/organizations/{org}/evidence", headers=auth(ADMIN), json={
            "requirement_code": "II.A.9.3", "title": "Riesame della direzione"}).status_code == 201
        assert_problem(client.post(f"/api/v1/organizations/{org}/evidence", headers=auth(ADMIN), json={
            "requirement_code": "IX.9", "title": "x"}), 422, field="body.requirement_code")
        coverage = client.get(f"/api/v1/organizations/{org}/emas-coverage", headers=auth(OFFICER)).json()
        states = {item["code"]: item for item in coverage["requirements"]}
        assert states["II.A.8.1"]["state"] == states["II.A.8.2"]["state"] == "shared_resource"
        assert states["II.A.8.1"]["resource"]["resource_id"] == resource
        assert states["II.A.8.1"]["resource"]["version"] == 1 and states["II.A.8.1"]["resource"]["valid_until"]
        assert states["II.A.9.3"]["state"] == "own_evidence"
        assert states["II.A.9.2.1"]["state"] == "open" and "II.A.9.2.1" in coverage["open"]
        assert coverage["covered"] == 3 and coverage["covered_share"] == round(3 / coverage["total"], 4)
        assert "II.A.8" not in states  # only requirements without sub-requirements are counted

        summary = client.get(f"/api/v1/clusters/{cluster}/emas-coverage", headers=auth(ADMIN)).json()
        per = {r["code"]: r["firms_covering"] for r in summary["requirements"]}
        assert summary["firms"] == 1 and per["II.A.8.1"] == 1 and per["I.1"] == 0
        newcomer = new_org(client, auth, cluster)
        summary = client.get(f"/api/v1/clusters/{cluster}/emas-coverage", headers=auth(ADMIN)).json()
        assert summary["firms"] == 2
        assert summary["suggestions"][0] == {**summary["suggestions"][0], "resource_id": resource, "gaps_closed": 2,
                                             "firms_not_adopting": 1}
        assert newcomer

    def test_coverage_needs_a_token(self, client, ids):
        assert_problem(client.get(f"/api/v1/organizations/{ids['org:conceria-demo']}/emas-coverage"), 401)


class TestAudit:
    def test_admins_read_who_did_what(self, client, auth, ids):
        resource = new_resource(client, auth, ids["cluster:prato-textile"], who=MANAGER)
        me = client.get("/api/v1/auth/me", headers=auth(MANAGER)).json()
        events = client.get("/api/v1/audit", params={"object_type": "shared_resource", "object_id": str(resource)},
                            headers=auth(ADMIN)).json()["items"]
        assert [(e["action"], e["actor"]) for e in events] == [("shared_resource.created", f"user:{me['id']}")]
        assert_problem(client.get("/api/v1/audit", headers=auth(OFFICER)), 403)


class TestFeed:
    def test_resources_are_on_the_changes_feed(self, client, auth, ids):
        resource = new_resource(client, auth, ids["cluster:prato-textile"])
        released(client, auth, resource)
        validate(client, auth, resource)
        changes, cursor = [], None
        while True:
            page = client.get("/api/v1/changes", params={"types": "shared_resources", "limit": 1000,
                                                         **({"since": cursor} if cursor else {})},
                              headers=auth(ADMIN)).json()
            changes += [c for c in page["changes"] if c["id"] == resource]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        assert [c["event"] for c in changes][0] == "created", [(c["event"], c["version"], c.get("operation")) for c in changes]
        latest = changes[-1]
        assert latest["resource"]["latest_version"] == 1 and latest["version"] == 4  # + version, release, validation
        subscribed = client.post("/api/v1/webhooks", headers=auth(ADMIN), json={
            "url": "http://127.0.0.1:9/hook", "event_types": ["shared_resource.*", "call.created"]})
        assert subscribed.status_code == 201, subscribed.text
