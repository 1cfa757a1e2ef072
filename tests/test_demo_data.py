"""The demo data answer the API as the source documents say."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from api.seed.demo import load_registry
from tests.conftest import run_seed
from tests.helpers import every_item


def cluster(client, ids, slug):  # noqa: ANN001, ANN201
    return client.get(f"/api/v1/clusters/{ids['cluster:' + slug]}").json()


class TestFactSheets:
    def test_all_fifteen_fact_sheets_and_the_tuscan_districts(self, client):
        items = every_item(client, "/api/v1/clusters")
        from_study = [c for c in items if any(s["document"] == "imagine-replicability" for s in c["sources"])]
        sheets = [c for c in from_study if "imagine" not in c["tags"] and "Lucca" not in c["name"]
                  or c["slug"] == "lucca-paper"]
        assert len([c for c in from_study if "Lista dei cluster" in (c["sources"][0]["locator"] or "")]) == 15
        assert {c["slug"] for c in items} >= {"prato-textile", "empoli-clothing", "santa-croce-tannery",
                                              "lucca-footwear", "lucca-paper", "appennino-tosco-emiliano-eco-cluster"}
        assert sheets

    @pytest.mark.parametrize(("slug", "enterprises", "employees"), [
        ("north-west-textile", (450, False), (None, False)),
        ("west-flanders", (200, True), (None, False)),
        ("fedustria-textile", (400, True), (24224, False)),
        ("lodzkie", (None, False), (47680, False)),
        ("german-textile-fashion-confederation", (10, False), (None, False)),
        ("pannon-textile-cluster", (21, False), (None, False)),
        ("extremadura-textile", (30, False), (None, False)),
        ("agrupacio-textils", (23, False), (None, False)),
        ("norte", (600, False), (None, False)),
        ("hackefors", (90, False), (1500, False)),
        ("san-sebastian", (None, False), (None, False)),
        ("gendorf", (20, False), (4000, False)),
        ("plaine-de-l-ain", (90, False), (4500, False)),
        ("vreten", (80, False), (5000, False)),
        ("danish-fashion-institute", (None, False), (None, False)),
    ])
    def test_figures_as_written(self, client, ids, slug, enterprises, employees):
        body = cluster(client, ids, slug)
        assert (body["enterprises"]["count"], body["enterprises"]["approximate"]) == enterprises
        assert (body["employees"]["count"], body["employees"]["approximate"]) == employees

    def test_approximate_figures_keep_their_wording(self, client, ids):
        note = cluster(client, ids, "west-flanders")["enterprises"]["note"]
        assert note.startswith("Circa 200 membri")
        assert "7 Foundations" in cluster(client, ids, "agrupacio-textils")["enterprises"]["note"]

    def test_missing_values_stay_empty(self, client, ids):
        body = cluster(client, ids, "hackefors")
        assert body["website"] is None and body["latitude"] is None and body["longitude"] is None
        assert cluster(client, ids, "north-west-textile")["eco_innovation"] is None
        assert cluster(client, ids, "pannon-textile-cluster")["eco_innovation"] is None

    def test_texts_verbatim(self, client, ids):
        gendorf = cluster(client, ids, "gendorf")
        assert "riduzione del 60% dell’inquinamento atmosferico rispetto al 1979" in gendorf["eco_innovation"]
        hackefors = cluster(client, ids, "hackefors")
        assert "59,1% microimprese, 29,6% piccole imprese" in hackefors["eco_innovation"]
        assert cluster(client, ids, "north-west-textile")["website"] == "www.nwtexnet.co.uk"

    def test_sources_and_coordinating_bodies(self, client, ids):
        body = cluster(client, ids, "west-flanders")
        assert body["coordinating_body"]["name"] == "Creamoda"
        assert body["sources"][0]["document"] == "imagine-replicability"
        assert cluster(client, ids, "plaine-de-l-ain")["coordinating_body"]["name"].startswith("Plaine de l")


class TestTuscanDistricts:
    def test_supply_chain_of_the_imagine_districts(self, client, ids):
        # Other tests add links of their own to these districts: look at the ones between the districts.
        districts = {"lucca-footwear", "santa-croce-tannery", "prato-textile", "empoli-clothing"}
        lucca = client.get(f"/api/v1/clusters/{ids['cluster:lucca-footwear']}/supply-chain").json()
        assert [link["supplier"]["slug"] for link in lucca["upstream"]
                if link["supplier"]["slug"] in districts] == ["santa-croce-tannery"]
        prato = client.get(f"/api/v1/clusters/{ids['cluster:prato-textile']}/supply-chain").json()
        downstream = [link for link in prato["downstream"] if link["customer"]["slug"] in districts]
        assert [link["customer"]["slug"] for link in downstream] == ["empoli-clothing"]
        assert "tessuto" in downstream[0]["product"]

    def test_lucca_paper_district_has_its_apo_attestation(self, client, ids):
        body = cluster(client, ids, "lucca-paper")
        apo = [r for r in body["recognitions"] if r["kind"] == "apo_attestation"]
        assert len(apo) == 1 and apo[0]["issuer"] is None and apo[0]["issued_date"] is None
        assert "life-pioneer" in apo[0]["note"]

    def test_eco_cluster(self, client, ids):
        body = cluster(client, ids, "appennino-tosco-emiliano-eco-cluster")
        assert body["coordinating_body"]["name"].startswith("Parco Nazionale")
        assert body["sources"][0]["document"] == "eco-cluster-model"


class TestSeedIsIdempotent:
    def test_second_run_creates_nothing(self, seeded, engine):
        tables = ("clusters", "organizations", "cluster_memberships", "supply_chain_links", "networks",
                  "network_memberships", "network_commitments", "users", "documents")
        with engine.connect() as conn:
            before = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}  # noqa: S608

        assert run_seed(seeded) == 0
        with engine.connect() as conn:
            after = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}  # noqa: S608
        assert after == before

    def test_data_file_is_consistent(self):
        data = load_registry()
        orgs = {o["key"] for o in data["organizations"]}
        slugs = [c["slug"] for c in data["clusters"]]
        assert len(slugs) == len(set(slugs))
        for c in data["clusters"]:
            assert c.get("coordinating_body") in (None, *orgs)
            assert all(m["organization"] in orgs for m in c.get("members", []))
            assert c.get("sources"), c["slug"]


class TestDemoAccounts:
    @pytest.mark.parametrize(("email", "role"), [
        ("admin@cartesio.example", "admin"), ("toscana@cartesio.example", "region_officer"),
        ("prato@cartesio.example", "cluster_manager"), ("conceria@cartesio.example", "enterprise"),
        ("valutatore@cartesio.example", "evaluator"), ("verificatore@cartesio.example", "verifier"),
        ("camera@cartesio.example", "chamber_officer"), ("ricerca@cartesio.example", "reader")])
    def test_one_account_per_role(self, client, auth, email, role):
        assert client.get("/api/v1/auth/me", headers=auth(email)).json()["role"] == role

    def test_demo_enterprise_is_a_member_of_santa_croce(self, client, ids):
        members = client.get(f"/api/v1/clusters/{ids['cluster:santa-croce-tannery']}/members").json()["items"]
        assert any(m["organization"]["name"] == "Conceria Demo S.r.l." for m in members)
        assert client.get(f"/api/v1/organizations/{ids['org:conceria-demo']}").json()["demo"] is True
