"""Sync by external id: PUT create-or-replace with preconditions, batches in JSON and NDJSON, scope."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import orjson
import pytest
from sqlalchemy import text

from tests.helpers import assert_problem

LOMBARDIA = ("lombardia", "ITC4")


def _ext() -> str:
    return f"LOM-{uuid.uuid4().hex[:10]}"


def cluster_record(name: str | None = None, **extra) -> dict:  # noqa: ANN003
    body = {"name": name or f"Distretto {uuid.uuid4().hex[:6]}", "kind": "industrial_district", "country": "IT",
            "region_code": "ITC4B", "locality": "Como", "enterprises": {"count": 120},
            "sectors": [{"label": "Seta", "nace": ["13.20"]}], "tags": ["seta"]}
    body.update(extra)
    return body


def counts(engine, table: str) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()  # noqa: S608


class TestPut:
    def test_create_then_replace_then_unchanged(self, client, service_client):
        headers, ext = service_client(*LOMBARDIA), _ext()
        url = f"/api/v1/sync/lombardia/clusters/{ext}"
        created = client.put(url, json=cluster_record("Distretto della seta"), headers=headers)
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["source"] == "lombardia" and body["external_id"] == ext and body["version"] == 1
        assert created.headers["ETag"] == f'"cluster-{body["id"]}-v1"'
        assert created.headers["Location"].endswith(f"/api/v1/clusters/{body['id']}")
        # The stored representation is what the registry serves.
        assert client.get(f"/api/v1/clusters/{body['id']}").json() == body

        same = client.put(url, json=cluster_record("Distretto della seta"), headers=headers)
        assert same.status_code == 200 and same.json()["version"] == 1
        assert same.headers["ETag"] == created.headers["ETag"]

        replaced = client.put(url, json=cluster_record("Distretto della seta", locality="Lecco"), headers=headers)
        assert replaced.status_code == 200 and replaced.json()["version"] == 2
        assert replaced.json()["locality"] == "Lecco" and replaced.json()["id"] == body["id"]

    def test_put_replaces_fields_left_out(self, client, service_client):
        headers, ext = service_client(*LOMBARDIA), _ext()
        url = f"/api/v1/sync/lombardia/clusters/{ext}"
        client.put(url, json=cluster_record(website="https://seta.example"), headers=headers)
        body = cluster_record()
        again = client.put(url, json=body, headers=headers).json()
        assert again["website"] is None

    def test_if_match_stale_is_412_and_changes_nothing(self, client, service_client):
        headers, ext = service_client(*LOMBARDIA), _ext()
        url = f"/api/v1/sync/lombardia/clusters/{ext}"
        first = client.put(url, json=cluster_record(), headers=headers)
        stale = first.headers["ETag"]
        client.put(url, json=cluster_record(locality="Varese"), headers=headers)
        refused = client.put(url, json=cluster_record(locality="Monza"), headers={**headers, "If-Match": stale})
        assert_problem(refused, 412)
        current = client.get(url)
        assert current.json()["locality"] == "Varese"
        assert refused.headers["ETag"] == current.headers["ETag"]
        ok = client.put(url, json=cluster_record(locality="Monza"),
                        headers={**headers, "If-Match": current.headers["ETag"]})
        assert ok.status_code == 200 and ok.json()["locality"] == "Monza"

    def test_if_none_match_star_creates_only(self, client, service_client):
        headers, ext = service_client(*LOMBARDIA), _ext()
        url = f"/api/v1/sync/lombardia/clusters/{ext}"
        assert client.put(url, json=cluster_record(), headers={**headers, "If-None-Match": "*"}).status_code == 201
        assert_problem(client.put(url, json=cluster_record(locality="X"), headers={**headers, "If-None-Match": "*"}),
                       412)
        assert client.get(url).json()["locality"] == "Como"

    def test_if_match_on_missing_record_is_412(self, client, service_client):
        headers = service_client(*LOMBARDIA)
        url = f"/api/v1/sync/lombardia/clusters/{_ext()}"
        assert_problem(client.put(url, json=cluster_record(), headers={**headers, "If-Match": '"cluster-1-v1"'}), 412)
        assert_problem(client.get(url), 404)

    def test_get_with_matching_etag_is_304(self, client, service_client):
        headers, ext = service_client(*LOMBARDIA), _ext()
        url = f"/api/v1/sync/lombardia/clusters/{ext}"
        tag = client.put(url, json=cluster_record(), headers=headers).headers["ETag"]
        assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"cluster-0-v9"'}).status_code == 200

    def test_write_outside_regions_is_403_and_changes_nothing(self, client, service_client, engine):
        headers, ext = service_client(*LOMBARDIA), _ext()
        before = counts(engine, "clusters")
        refused = client.put(f"/api/v1/sync/lombardia/clusters/{ext}", headers=headers,
                             json=cluster_record(region_code="ITI17"))
        assert_problem(refused, 403)
        assert counts(engine, "clusters") == before

    def test_other_source_is_403_and_unknown_source_404(self, client, service_client):
        service_client("piemonte", "ITC1")
        headers = service_client(*LOMBARDIA)
        assert_problem(client.put(f"/api/v1/sync/piemonte/clusters/{_ext()}", headers=headers,
                                  json=cluster_record(region_code="ITC11")), 403)
        assert_problem(client.put(f"/api/v1/sync/nessuna/clusters/{_ext()}", headers=headers,
                                  json=cluster_record()), 404)

    @pytest.mark.parametrize("external_id", ["a%01b", "x" * 201, "tab%09in"])
    def test_bad_external_ids_are_422(self, client, service_client, external_id):
        headers = service_client(*LOMBARDIA)
        assert_problem(client.put(f"/api/v1/sync/lombardia/clusters/{external_id}", headers=headers,
                                  json=cluster_record()), 422)

    def test_external_id_with_slash_and_spaces(self, client, service_client):
        headers = service_client(*LOMBARDIA)
        created = client.put("/api/v1/sync/lombardia/clusters/reg%2F2019%2F07 bis", headers=headers,
                             json=cluster_record())
        assert created.status_code == 201, created.text
        assert created.json()["external_id"] == "reg/2019/07 bis"

    def test_delete_by_external_id(self, client, service_client):
        headers, ext = service_client(*LOMBARDIA), _ext()
        url = f"/api/v1/sync/lombardia/clusters/{ext}"
        created = client.put(url, json=cluster_record(), headers=headers).json()
        assert client.delete(url, headers=headers).status_code == 204
        assert_problem(client.get(url), 404)
        assert_problem(client.get(f"/api/v1/clusters/{created['id']}"), 404)

    def test_organization_put(self, client, service_client):
        headers, ext = service_client(*LOMBARDIA), _ext()
        url = f"/api/v1/sync/lombardia/organizations/{ext}"
        body = {"name": "Tessitura Comasca S.p.A.", "kind": "enterprise", "country": "IT", "region_code": "ITC42",
                "employees": 40, "annual_turnover": "5200000.50"}
        created = client.put(url, json=body, headers=headers)
        assert created.status_code == 201, created.text
        org = created.json()
        assert org["size_class"] == "small" and org["annual_turnover"] == "5200000.50"
        assert client.get(f"/api/v1/organizations/{org['id']}").json() == org
        again = client.put(url, json=body, headers=headers)
        assert again.status_code == 200 and again.json()["version"] == 1
        changed = client.put(url, json={**body, "employees": 60}, headers=headers).json()
        assert changed["version"] == 2 and changed["size_class"] == "medium"


class TestBatch:
    def test_json_batch_counts_created_updated_unchanged(self, client, service_client):
        headers = service_client(*LOMBARDIA)
        exts = [_ext() for _ in range(6)]
        records = [{**cluster_record(f"Batch {e}"), "external_id": e} for e in exts]
        first = client.post("/api/v1/sync/lombardia/clusters:batch", json=records, headers=headers)
        assert first.status_code == 200, first.text
        assert (first.json()["created"], first.json()["updated"], first.json()["unchanged"]) == (6, 0, 0)
        records[0]["locality"] = "Lecco"
        records[1]["sectors"] = [{"label": "Tessile", "nace": ["13"]}]
        second = client.post("/api/v1/sync/lombardia/clusters:batch", json=records, headers=headers).json()
        assert (second["created"], second["updated"], second["unchanged"]) == (0, 2, 4)
        assert [i["result"] for i in second["items"][:3]] == ["updated", "updated", "unchanged"]
        stored = client.get(f"/api/v1/sync/lombardia/clusters/{exts[1]}").json()
        assert stored["sectors"] == [{"label": "Tessile", "nace": ["13"]}] and stored["version"] == 2

    def test_ndjson_batch(self, client, service_client):
        headers = service_client(*LOMBARDIA)
        records = [{**cluster_record(), "external_id": _ext()} for _ in range(3)]
        body = b"\n".join(orjson.dumps(r) for r in records) + b"\n"
        answer = client.post("/api/v1/sync/lombardia/clusters:batch", content=body,
                             headers={**headers, "Content-Type": "application/x-ndjson"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["created"] == 3

    def test_invalid_records_listed_and_nothing_written(self, client, service_client, engine):
        headers = service_client(*LOMBARDIA)
        good = {**cluster_record(), "external_id": _ext()}
        records = [good, {**cluster_record(), "external_id": _ext(), "kind": "volcano"},
                   {**cluster_record(), "external_id": "bad\u0001id"}, {"external_id": _ext()}]
        before = counts(engine, "clusters"), counts(engine, "changes")
        answer = client.post("/api/v1/sync/lombardia/clusters:batch", json=records, headers=headers)
        body = assert_problem(answer, 422)
        assert {e["index"] for e in body["errors"]} == {1, 2, 3}
        assert any(e["field"] == "body.1.kind" for e in body["errors"])
        assert (counts(engine, "clusters"), counts(engine, "changes")) == before

    def test_malformed_ndjson_line_is_reported_with_its_number(self, client, service_client, engine):
        headers = service_client(*LOMBARDIA)
        lines = [orjson.dumps({**cluster_record(), "external_id": _ext()}), b"{not json", b"",
                 orjson.dumps({**cluster_record(), "external_id": _ext()})]
        before = counts(engine, "clusters")
        answer = client.post("/api/v1/sync/lombardia/clusters:batch", content=b"\n".join(lines),
                             headers={**headers, "Content-Type": "application/x-ndjson"})
        body = assert_problem(answer, 422)
        assert [e["line"] for e in body["errors"]] == [2]
        assert counts(engine, "clusters") == before

    def test_duplicate_external_ids_in_one_batch(self, client, service_client):
        headers, ext = service_client(*LOMBARDIA), _ext()
        records = [{**cluster_record(), "external_id": ext}, {**cluster_record(), "external_id": ext}]
        body = assert_problem(client.post("/api/v1/sync/lombardia/clusters:batch", json=records, headers=headers), 422)
        assert [e["index"] for e in body["errors"]] == [1]

    def test_one_record_outside_regions_refuses_the_batch(self, client, service_client, engine):
        headers = service_client(*LOMBARDIA)
        records = [{**cluster_record(), "external_id": _ext()},
                   {**cluster_record(region_code="ITI17"), "external_id": _ext()}]
        before = counts(engine, "clusters")
        body = assert_problem(client.post("/api/v1/sync/lombardia/clusters:batch", json=records, headers=headers),
                              403)
        assert body["records"] == [1]
        assert counts(engine, "clusters") == before

    def test_wrong_content_type_is_415(self, client, service_client):
        headers = service_client(*LOMBARDIA)
        answer = client.post("/api/v1/sync/lombardia/clusters:batch", content=b"name,kind",
                             headers={**headers, "Content-Type": "text/csv"})
        assert_problem(answer, 415)

    def test_too_many_records_is_422(self, client, service_client, seeded):
        headers = service_client(*LOMBARDIA)
        limit = seeded.sync_batch_max_records
        records = [{"external_id": str(i)} for i in range(limit + 1)]
        assert_problem(client.post("/api/v1/sync/lombardia/clusters:batch", json=records, headers=headers), 422)

    @pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
    def test_non_finite_numbers_are_422_and_change_nothing(self, client, service_client, engine, literal):
        headers = service_client(*LOMBARDIA)
        good = orjson.dumps({**cluster_record(), "external_id": _ext()})
        bad = orjson.dumps({**cluster_record(), "external_id": _ext(), "latitude": 45.0})
        bad = bad.replace(b"45.0", literal)
        before = counts(engine, "clusters"), counts(engine, "changes")
        answer = client.post("/api/v1/sync/lombardia/clusters:batch", content=b"[" + good + b"," + bad + b"]",
                             headers={**headers, "Content-Type": "application/json"})
        body = assert_problem(answer, 422)
        assert {e.get("index") for e in body["errors"]} <= {None, 1}
        assert (counts(engine, "clusters"), counts(engine, "changes")) == before

    def test_slug_collisions_get_a_suffix(self, client, service_client):
        headers = service_client(*LOMBARDIA)
        name = f"Omonimo {uuid.uuid4().hex[:6]}"
        records = [{**cluster_record(name), "external_id": _ext()} for _ in range(3)]
        answer = client.post("/api/v1/sync/lombardia/clusters:batch", json=records, headers=headers)
        assert answer.status_code == 200, answer.text
        slugs = {client.get(f"/api/v1/clusters/{i['id']}").json()["slug"] for i in answer.json()["items"]}
        assert len(slugs) == 3

    def test_organizations_batch_and_vat_conflicts(self, client, service_client, engine):
        headers = service_client(*LOMBARDIA)
        records = [{"name": f"Ditta {i}", "kind": "enterprise", "country": "IT", "region_code": "ITC4C",
                    "external_id": _ext()} for i in range(4)]
        assert client.post("/api/v1/sync/lombardia/organizations:batch", json=records,
                           headers=headers).json()["created"] == 4
        vat = "01234567897"  # shared by two records of the next batch
        records[0]["vat_number"] = records[1]["vat_number"] = vat
        body = assert_problem(client.post("/api/v1/sync/lombardia/organizations:batch", json=records,
                                          headers=headers), 422)
        assert [e["index"] for e in body["errors"]] == [1]


def test_a_batch_may_hand_a_vat_number_from_one_record_to_another(client, service_client):
    headers = service_client(*LOMBARDIA)
    a, b, vat = _ext(), _ext(), "98765432103"
    base = {"kind": "enterprise", "country": "IT", "region_code": "ITC4C"}
    first = [{**base, "name": "Cedente", "external_id": a, "vat_number": vat},
             {**base, "name": "Cessionaria", "external_id": b}]
    assert client.post("/api/v1/sync/lombardia/organizations:batch", json=first, headers=headers).status_code == 200
    swapped = [{**base, "name": "Cedente", "external_id": a},
               {**base, "name": "Cessionaria", "external_id": b, "vat_number": vat}]
    answer = client.post("/api/v1/sync/lombardia/organizations:batch", json=swapped, headers=headers)
    assert answer.status_code == 200, answer.text
    assert client.get(f"/api/v1/sync/lombardia/organizations/{b}").json()["vat_number"] == vat
    assert client.get(f"/api/v1/sync/lombardia/organizations/{a}").json()["vat_number"] is None


def feed_end(client, headers) -> str:  # noqa: ANN001
    page = client.get("/api/v1/changes", params={"types": "clusters", "limit": 1000}, headers=headers).json()
    while page["has_more"]:
        page = client.get("/api/v1/changes", params={"types": "clusters", "since": page["next_cursor"],
                                                     "limit": 1000}, headers=headers).json()
    return page["next_cursor"]


def test_a_large_batch_takes_the_bulk_path_and_reads_back_exactly(client, service_client, auth, engine):
    """Past a few hundred rows PostgreSQL writes go through COPY, and past as many changed records the stored ones
    are updated from a staging table; what is read back must not differ."""
    headers = service_client(*LOMBARDIA)
    tag = uuid.uuid4().hex[:8]
    records = [{**cluster_record(f"Massivo {tag} {i}",
                                 recognitions=[{"kind": "emas_cluster", "name": "EMAS", "issued_date": "2019-03-01"}]),
                "external_id": _ext()} for i in range(500)]
    first = client.post("/api/v1/sync/lombardia/clusters:batch", json=records, headers=headers).json()
    assert first["created"] == 500
    # 250 changed: all get new tags, the first 100 new sectors too (the others keep theirs untouched).
    for record in records[:250]:
        record["tags"] = ["seta", "rinnovato"]
    for record in records[:100]:
        record["sectors"] = [{"label": "Tessile", "nace": ["13", "14.1"]}]
    since, ours = feed_end(client, auth("admin@cartesio.example")), {r["external_id"] for r in records}
    second = client.post("/api/v1/sync/lombardia/clusters:batch", json=records, headers=headers).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 250, 250)
    for item in (second["items"][0], second["items"][150], second["items"][400]):
        via_id = client.get(f"/api/v1/clusters/{item['id']}").json()
        assert via_id == client.get(f"/api/v1/sync/lombardia/clusters/{item['external_id']}").json()
        assert via_id["version"] == item["version"] and via_id["recognitions"][0]["issued_date"] == "2019-03-01"
    assert [second["items"][i]["version"] for i in (0, 150, 400)] == [2, 2, 1]
    changed = client.get(f"/api/v1/clusters/{second['items'][0]['id']}").json()
    assert changed["tags"] == ["seta", "rinnovato"] and changed["sectors"][0]["nace"] == ["13", "14.1"]
    tags_only = client.get(f"/api/v1/clusters/{second['items'][150]['id']}").json()
    assert tags_only["tags"] == ["seta", "rinnovato"] and tags_only["sectors"][0]["nace"] == ["13.20"]
    # The search index of NACE codes follows the replaced sectors, and only those.
    found = client.get("/api/v1/clusters", params={"nace": "14.1", "q": f"Massivo {tag}", "limit": 200}).json()
    assert found["next_cursor"] is None
    found_ids = {c["id"] for c in found["items"]}
    assert found_ids >= {i["id"] for i in second["items"][:100]}
    assert not found_ids & {i["id"] for i in second["items"][100:]}
    with engine.connect() as conn:
        sectors = conn.execute(text("SELECT COUNT(*) FROM cluster_sectors WHERE cluster_id = :i"),
                               {"i": changed["id"]}).scalar_one()
        codes = conn.execute(text("SELECT code, division FROM cluster_nace_codes WHERE cluster_id = :i ORDER BY code"),
                             {"i": changed["id"]}).all()
    assert sectors == 1 and [tuple(c) for c in codes] == [("13", "13"), ("14.1", "14")]
    # The feed has one change per changed record, in record order, with the version the answer gave.
    admin = auth("admin@cartesio.example")
    page = client.get("/api/v1/changes", params={"types": "clusters", "since": since, "limit": 1000},
                      headers=admin).json()
    mine = [(c["id"], c["version"]) for c in page["changes"] if (c["external_id"] or {}).get("id") in ours]
    assert mine == [(i["id"], i["version"]) for i in second["items"][:250]]


@contextmanager
def limited_app(seeded, source: str, **limits):  # noqa: ANN001, ANN003, ANN201
    """An app of its own with smaller sync limits, and an administrator's headers; `source` is registered."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(seeded.model_copy(update=limits)), raise_server_exceptions=False) as limited:
        token = limited.post("/api/v1/auth/token", data={
            "grant_type": "password", "username": "admin@cartesio.example",
            "password": "demo-password-for-tests"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        limited.post("/api/v1/service-accounts", headers=headers, json={
            "name": f"SIT {source}", "role": "region_officer", "scopes": ["region:ITC4"], "source": source})
        yield limited, headers


def test_batch_over_the_size_limit_is_413_and_changes_nothing(seeded, engine):
    with limited_app(seeded, "limite", sync_batch_max_bytes=4096) as (limited, headers):
        records = [{**cluster_record(), "external_id": _ext()} for _ in range(20)]
        before = counts(engine, "clusters")
        answer = limited.post("/api/v1/sync/limite/clusters:batch", json=records, headers=headers)
        assert_problem(answer, 413)
        assert counts(engine, "clusters") == before


@pytest.mark.parametrize("ndjson", [False, True])
def test_too_many_valid_records_are_422_and_change_nothing(seeded, engine, ndjson):
    with limited_app(seeded, "quattro", sync_batch_max_records=3) as (limited, headers):
        records = [{**cluster_record(), "external_id": _ext()} for _ in range(4)]
        if ndjson:
            kwargs = {"content": b"\n".join(orjson.dumps(r) for r in records),
                      "headers": {**headers, "Content-Type": "application/x-ndjson"}}
        else:
            kwargs = {"json": records, "headers": headers}
        before = counts(engine, "clusters")
        body = assert_problem(limited.post("/api/v1/sync/quattro/clusters:batch", **kwargs), 422)
        assert body["errors"] == [{"field": "body", "message": "at most 3 records", "code": "too_long"}]
        assert counts(engine, "clusters") == before
        answer = limited.post("/api/v1/sync/quattro/clusters:batch", json=records[:3], headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["created"] == 3
        # Texts full of commas take the batch past the values a record plausibly has, so it is read record
        # by record: the same answer.
        wordy = [{**r, "constitutive_elements": ", ".join(["filiera"] * 400)} for r in records[:3]]
        answer = limited.post("/api/v1/sync/quattro/clusters:batch", json=wordy, headers=headers)
        assert answer.status_code == 200, answer.text
        assert (answer.json()["created"], answer.json()["updated"]) == (0, 3)
        stored = limited.get(f"/api/v1/sync/quattro/clusters/{records[0]['external_id']}", headers=headers).json()
        assert stored["constitutive_elements"] == wordy[0]["constitutive_elements"]
