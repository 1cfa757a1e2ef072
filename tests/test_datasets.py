"""Open datasets: descriptions with their dictionary, streamed downloads in three formats, modified_since, and
releases that give the same bytes forever."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import assert_problem

ADMIN = "admin@cartesio.example"


class TestCatalogue:
    def test_every_dataset_describes_itself(self, client):
        items = client.get("/api/v1/datasets").json()["items"]
        names = {d["name"] for d in items}
        assert names >= {"clusters", "organizations", "supply-chain-links", "network-memberships",
                         "screening-results", "shared-resource-validations", "call-statistics", "events",
                         "waste-statistics", "lca-results"}
        clusters = next(d for d in items if d["name"] == "clusters")
        assert clusters["licence"] == "CC-BY-4.0" and clusters["publisher"]
        assert clusters["last_modified"]
        fields = {f["field"]: f for f in clusters["dictionary"]}
        assert fields["employees_count"]["unit"] == "person" and "cluster" in fields["kind"]["allowed_values"]
        assert_problem(client.get("/api/v1/datasets/nothing"), 404)

    def test_organizations_carry_no_private_details(self, client):
        fields = {f["field"] for f in client.get("/api/v1/datasets/organizations").json()["dictionary"]}
        assert not fields & {"vat_number", "tax_code", "street_address", "postal_code", "description"}
        events = {f["field"] for f in client.get("/api/v1/datasets/events").json()["dictionary"]}
        assert not events & {"name", "email"}


class TestDownloads:
    def test_three_formats_hold_the_same_rows(self, client):
        as_csv = client.get("/api/v1/datasets/clusters/download", params={"format": "csv"})
        assert as_csv.headers["content-type"].startswith("text/csv") and "\r\n" in as_csv.text
        rows = list(csv.DictReader(io.StringIO(as_csv.text)))
        lines = client.get("/api/v1/datasets/clusters/download", headers={"Accept": "application/jsonl"}).text
        records = [json.loads(line) for line in lines.splitlines()]
        array = client.get("/api/v1/datasets/clusters/download", params={"format": "json"}).json()
        assert len(rows) == len(records) == len(array) > 20
        assert [int(r["id"]) for r in rows] == [r["id"] for r in records] == [r["id"] for r in array]
        prato = next(r for r in records if r["name"] == "Distretto tessile di Prato")
        assert prato["country"] == "IT" and prato["region_code"] == "ITI15"

    def test_modified_since_and_bad_input(self, client, auth):
        later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
        assert client.get("/api/v1/datasets/clusters/download", params={"format": "json",
                                                                        "modified_since": later}).json() == []
        assert_problem(client.get("/api/v1/datasets/clusters/download", params={"modified_since": "yesterday"}),
                       422)
        assert_problem(client.get("/api/v1/datasets/call-statistics/download",
                                  params={"modified_since": later}), 422)
        refused = assert_problem(client.get("/api/v1/datasets/clusters/download",
                                            headers={"Accept": "application/xml"}), 406)
        assert "csv" in refused["detail"]
        assert_problem(client.get("/api/v1/datasets/clusters/download", params={"format": "xml"}), 422)


class TestReleases:
    def test_a_release_gives_the_same_bytes_forever(self, client, auth):
        made = client.post("/api/v1/datasets/supply-chain-links/releases", headers=auth(ADMIN))
        assert made.status_code == 201, made.text
        release = made.json()
        got = client.get(release["files"]["csv"]["url"])
        assert hashlib.sha256(got.content).hexdigest() == release["files"]["csv"]["sha256"]
        assert got.headers["etag"] == f'"{release["files"]["csv"]["sha256"]}"'
        cluster = client.get("/api/v1/clusters", params={"limit": 2}).json()["items"]
        client.post(f"/api/v1/clusters/{cluster[0]['id']}/supply-chain", headers=auth(ADMIN),
                    json={"customer_id": cluster[1]["id"], "product": "release test"})
        again = client.get(release["files"]["csv"]["url"])
        assert again.content == got.content
        live = client.get("/api/v1/datasets/supply-chain-links/download").text
        assert live != got.text
        listed = client.get("/api/v1/datasets/supply-chain-links/releases").json()
        assert [r["number"] for r in listed][-1] == release["number"]

    def test_only_admins_release_and_empty_datasets_say_so(self, client, auth):
        assert_problem(client.post("/api/v1/datasets/clusters/releases", headers=auth("ricerca@cartesio.example")),
                       403)
        assert_problem(client.post("/api/v1/datasets/clusters/releases"), 401)
        made = client.post("/api/v1/datasets/screening-results/releases", headers=auth(ADMIN)).json()
        if made["rows"] == 0:
            assert "no rows" in made["note"]
        else:
            assert made["note"] is None
        assert_problem(client.get("/api/v1/datasets/clusters/releases/999/download"), 404)


@pytest.mark.parametrize("name", ["network-memberships", "shared-resource-validations", "call-statistics", "events",
                                  "waste-statistics", "lca-results",
                                  "organizations", "screening-results"])
def test_every_dataset_streams(client, name):
    response = client.get(f"/api/v1/datasets/{name}/download", params={"format": "jsonl"})
    assert response.status_code == 200
    fields = [f["field"] for f in client.get(f"/api/v1/datasets/{name}").json()["dictionary"]]
    for line in response.text.splitlines():
        assert list(json.loads(line)) == fields


class TestDcatCatalogue:
    SHAPES = __import__("pathlib").Path(__file__).parent / "shapes" / "dcat-ap.ttl"

    def _graph(self, client, **kwargs):  # noqa: ANN001, ANN003, ANN202
        from rdflib import Graph

        response = client.get("/api/v1/catalog", **kwargs)
        assert response.status_code == 200, response.text
        fmt = "turtle" if response.headers["content-type"].startswith("text/turtle") else "json-ld"
        return Graph().parse(data=response.text, format=fmt), response

    def test_json_ld_and_turtle_say_the_same_and_conform(self, client):
        from pyshacl import validate
        from rdflib import Graph
        from rdflib.compare import isomorphic

        as_jsonld, response = self._graph(client)
        assert response.headers["content-type"].startswith("application/ld+json")
        as_turtle, response = self._graph(client, headers={"Accept": "text/turtle"})
        assert response.headers["content-type"].startswith("text/turtle")
        assert isomorphic(as_jsonld, as_turtle)
        conforms, _, report = validate(as_turtle, shacl_graph=Graph().parse(self.SHAPES), inference="none",
                                       allow_warnings=True)
        assert conforms, report
        datasets = set(as_turtle.objects(predicate=__import__("rdflib").namespace.DCAT.dataset))
        assert len(datasets) == len(client.get("/api/v1/datasets").json()["items"])

    def test_the_shapes_catch_a_missing_mandatory_property(self, client):
        from pyshacl import validate
        from rdflib import Graph
        from rdflib.namespace import DCAT, DCTERMS

        graph, _ = self._graph(client, params={"format": "ttl"})
        dataset = next(graph.objects(predicate=DCAT.dataset))
        graph.remove((dataset, DCTERMS.title, None))
        conforms, _, report = validate(graph, shacl_graph=Graph().parse(self.SHAPES), inference="none")
        assert not conforms and "title" in report

    def test_an_unknown_type_is_406(self, client):
        assert_problem(client.get("/api/v1/catalog", headers={"Accept": "application/xml"}), 406)
