"""The territorial analysis: EWC reference data, waste aggregates and their disclosure rule, topics, symbiosis
leads, firm-level rows for officers only, and the demo extracts."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from api.territory.demo import _vat
from tests.helpers import assert_problem

ADMIN = "admin@cartesio.example"
T = "/api/v1/territory"
MUD_HEADER = "partita_iva;ragione_sociale;anno;codice_eer;quantita;unita_misura;attivita;provincia\n"


def vats(n: int) -> list[str]:
    start = uuid.uuid4().int % 7_000_000 + 200_000
    return [_vat(start + i) for i in range(n)]


def load(client, auth, rows: list[str]) -> None:
    answer = client.post(f"{T}/imports/mud", headers=auth(ADMIN),
                         files={"file": ("m.csv", (MUD_HEADER + "".join(rows)).encode(), "text/csv")})
    assert answer.status_code == 201, answer.text


class TestEwc:
    def test_twenty_chapters_and_hazardous_codes_marked(self, client):
        body = client.get(f"{T}/ewc").json()
        assert [c["code"] for c in body["chapters"]] == [f"{n:02d}" for n in range(1, 21)]
        assert body["complete"] is False and "2014/955/EU" in body["source"]
        codes = {c["code"]: c for c in client.get(f"{T}/ewc-codes", params={"chapter": "15"}).json()}
        assert codes["150110"]["hazardous"] is True and codes["150101"]["hazardous"] is False
        assert codes["150101"]["title"] == "paper and cardboard packaging"

    def test_admin_adds_a_code_others_may_not(self, client, auth):
        new = {"code": "010101", "title": "wastes from mineral metalliferous excavation"}
        assert_problem(client.post(f"{T}/ewc-codes", json=new, headers=auth("camera@cartesio.example")), 403)
        created = client.post(f"{T}/ewc-codes", json=new, headers=auth(ADMIN))
        if created.status_code == 409:  # a run on a database that already has it
            return
        assert created.status_code == 201, created.text
        assert created.json()["added_by"].startswith("user:")
        assert_problem(client.post(f"{T}/ewc-codes", json=new, headers=auth(ADMIN)), 409)
        assert_problem(client.post(f"{T}/ewc-codes", json={"code": "990101", "title": "x"}, headers=auth(ADMIN)), 404)


class TestWaste:
    def test_groups_and_suppression(self, client, auth):
        # Three firms in a province nobody else uses (AO) and one alone in another (AT).
        firms = vats(4)
        rows = [f"{v};Ditta {i};2021;120101;{10 * (i + 1)};t;prodotto;AO\n" for i, v in enumerate(firms[:3])]
        rows.append(f"{firms[0]};Ditta 0;2021;110105*;5;t;prodotto;AO\n")
        rows.append(f"{firms[3]};Ditta sola;2021;120101;99;t;prodotto;AT\n")
        load(client, auth, rows)
        body = client.get(f"{T}/waste", params={"group_by": "province", "year": 2021}).json()
        groups = {g["key"]: g for g in body["groups"]}
        ao, at = groups["AO"], groups["AT"]
        assert (ao["declaring_firms"], ao["tonnes_produced"]) == (3, 65.0)
        assert ao["hazardous_share"] == round(5 / 65, 4)
        assert [s["ewc_code"] for s in ao["top_streams"]] == ["120101"]  # 110105 has one firm: not listed
        assert at["suppressed"] is True and at["tonnes_produced"] is None and at["declaring_firms"] is None
        chapters = {g["key"]: g for g in client.get(f"{T}/waste", params={
            "group_by": "ewc_chapter", "year": 2021, "province": "AO"}).json()["groups"]}
        assert chapters["12"]["label"].startswith("Wastes from shaping")
        assert chapters["11"]["suppressed"] is True

    def test_by_cluster(self, client, auth):
        cluster = client.post("/api/v1/clusters", headers=auth(ADMIN), json={
            "name": f"Distretto {uuid.uuid4().hex[:6]}", "kind": "cluster", "country": "IT",
            "region_code": "ITC4"}).json()
        firms, tag = vats(3), uuid.uuid4().hex[:8]
        load(client, auth, [f"{v};Socio {tag} {i};2020;120101;40;t;prodotto;LC\n" for i, v in enumerate(firms)])
        ids = [o["id"] for o in client.get("/api/v1/organizations", params={"q": f"Socio {tag}"}).json()["items"]]
        assert len(ids) == 3
        for org in ids:
            added = client.post(f"/api/v1/clusters/{cluster['id']}/members", headers=auth(ADMIN),
                                json={"organization_id": org, "role": "member"})
            assert added.status_code == 201, added.text
        groups = client.get(f"{T}/waste", params={"group_by": "cluster", "year": 2020}).json()["groups"]
        mine = [g for g in groups if g["key"] == str(cluster["id"])]
        assert mine and mine[0]["tonnes_produced"] == 120.0 and mine[0]["label"] == cluster["name"]

    def test_bad_group_is_422(self, client):
        assert_problem(client.get(f"{T}/waste", params={"group_by": "firm"}), 422, field="query.group_by")


class TestConditionalReads:
    def test_an_unchanged_aggregate_is_304_and_an_import_changes_it(self, client, auth):
        params = {"group_by": "province", "year": 2022}
        first = client.get(f"{T}/waste", params=params)
        assert first.status_code == 200 and first.headers["cache-control"].startswith("public")
        tag = first.headers["etag"]
        again = client.get(f"{T}/waste", params=params, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b""
        other = client.get(f"{T}/waste", params={**params, "group_by": "ateco"}, headers={"If-None-Match": tag})
        assert other.status_code == 200  # another question has another tag
        load(client, auth, [f"{v};Ditta {i};2022;150101;3;t;prodotto;AO\n" for i, v in enumerate(vats(3))])
        changed = client.get(f"{T}/waste", params=params, headers={"If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag
        assert changed.json() != first.json()

    def test_topics_and_leads_revalidate_and_follow_new_events_and_mappings(self, client, auth):
        topics = client.get(f"{T}/topics", params={"province": "MI"})
        leads = client.get(f"{T}/symbiosis", params={"province": "BS"})
        for url, answer in ((f"{T}/topics?province=MI", topics), (f"{T}/symbiosis?province=BS", leads)):
            assert client.get(url, headers={"If-None-Match": answer.headers["etag"]}).status_code == 304
        created = client.post("/api/v1/events", headers=auth(ADMIN), json={
            "title": "Seminario acqua", "kind": "seminar", "topics": ["acqua"],
            "starts_at": "2031-06-05T09:00:00", "ends_at": "2031-06-05T12:00:00", "capacity": 30})
        assert created.status_code == 201, created.text
        assert client.get(f"{T}/topics?province=MI",
                          headers={"If-None-Match": topics.headers["etag"]}).status_code == 200
        mapping = client.post(f"{T}/symbiosis-mappings", headers=auth(ADMIN), json={
            "ewc_prefix": "150101", "nace_code": "17.12", "material": "carta da riciclare"})
        assert mapping.status_code in (201, 409), mapping.text
        if mapping.status_code == 201:
            assert client.get(f"{T}/symbiosis?province=BS",
                              headers={"If-None-Match": leads.headers["etag"]}).status_code == 200
            client.delete(f"{T}/symbiosis-mappings/{mapping.json()['id']}", headers=auth(ADMIN))


class TestDataset:
    def test_aggregates_only_with_small_groups_left_empty(self, client, auth):
        year = 1995 + uuid.uuid4().int % 20
        firms = vats(4)
        rows = [f"{v};Ditta {i};{year};120101;{i + 1};t;prodotto;AO\n" for i, v in enumerate(firms[:3])]
        rows.append(f"{firms[0]};Ditta 0;{year};110105*;2;t;prodotto;AO\n")
        rows.append(f"{firms[3]};Ditta sola;{year};120101;7;t;prodotto;AT\n")
        load(client, auth, rows)
        meta = client.get("/api/v1/datasets/waste-statistics").json()
        fields = [f["field"] for f in meta["dictionary"]]
        assert not set(fields) & {"organization_id", "name", "vat_number", "partita_iva", "local_unit"}
        lines = client.get("/api/v1/datasets/waste-statistics/download", params={"format": "csv"}).text
        mine = [r for r in csv.DictReader(io.StringIO(lines)) if r["year"] == str(year)]
        groups = {(r["province"], r["ewc_chapter"]): r for r in mine}
        assert groups[("AO", "12")]["declaring_firms"] == "3" and groups[("AO", "12")]["produced_kg"] == "6000"
        # One firm alone (AT), or one firm's hazardous stream in its own chapter (11): the key, no figures.
        for key in (("AT", "12"), ("AO", "11")):
            assert [groups[key][f] for f in ("declaring_firms", "produced_kg", "managed_kg")] == ["", "", ""]
        as_json = client.get("/api/v1/datasets/waste-statistics/download", params={"format": "json"}).json()
        assert {k: v for k, v in next(r for r in as_json if r["year"] == year and r["province"] == "AO"
                                      and r["ewc_chapter"] == "12").items()} == {
            "year": year, "province": "AO", "ateco_division": None, "ewc_chapter": "12", "declaring_firms": 3,
            "produced_kg": 6000, "hazardous_produced_kg": 0, "managed_kg": 0}

    def test_demo_declarations_are_not_published(self, client, engine):
        rows = client.get("/api/v1/datasets/waste-statistics/download", params={"format": "json"}).json()
        with engine.connect() as conn:
            real = conn.execute(text("SELECT COUNT(*), COALESCE(SUM(quantity_g), 0) FROM waste_declarations "
                                     "WHERE NOT is_demo AND activity = 'produced'")).one()
            demo = conn.execute(text("SELECT COUNT(*) FROM waste_declarations WHERE is_demo")).scalar_one()
        assert demo > 0
        # Every real gram is in a row (shown or not); the demo's are in none.
        shown = sum(r["produced_kg"] or 0 for r in rows)
        assert shown * 1000 <= real[1]
        assert len(rows) <= real[0]


class TestDemo:
    def test_demo_extracts_show_differences_between_provinces(self, client):
        body = client.get(f"{T}/waste", params={"group_by": "province", "year": 2023}).json()
        assert body["demo"] is True
        groups = {g["key"]: g for g in body["groups"]}
        lombard = {"BG", "BS", "CO", "CR", "LC", "LO", "MN", "MI", "MB", "PV", "SO", "VA"}
        assert lombard <= set(groups)
        tonnes = sorted(groups[p]["tonnes_produced"] for p in lombard)
        assert tonnes[-1] > 3 * tonnes[0]
        assert groups["BS"]["top_streams"][0]["ewc_code"] in ("100202", "100210", "120101")

    def test_demo_firms_are_flagged(self, client):
        items = client.get("/api/v1/organizations", params={"q": "Impresa demo BS 001"}).json()["items"]
        assert items and all(i["demo"] for i in items)


class TestTopics:
    def test_ranked_with_figures_and_unscored_topics_last(self, client):
        body = client.get(f"{T}/topics", params={"province": "BS", "year": 2023}).json()
        topics = [t["topic"] for t in body["topics"]]
        assert set(topics) == {"waste", "by_products", "energy", "water", "certification"}
        assert topics[-2:] == ["energy", "water"] or set(topics[-2:]) == {"energy", "water"}
        by_name = {t["topic"]: t for t in body["topics"]}
        assert by_name["energy"]["score"] is None and "no data" in by_name["energy"]["basis"]
        assert by_name["energy"]["basis_code"] == "no_data_source"
        assert by_name["waste"]["basis_code"] == "per_firm_tonnes" and body["min_firms"] == 3
        assert by_name["waste"]["score"] > 1  # steel and metalworking firms produce more than the average
        assert by_name["waste"]["figures"]["declaring_firms"] >= 3
        scores = [t["score"] for t in body["topics"] if t["score"] is not None]
        assert scores == sorted(scores, reverse=True)

    def test_planned_events_are_attached(self, client, auth):
        # A topic lists its ten soonest events, and other tests plan events of their own: this one comes first.
        start = (datetime.now(UTC) + timedelta(minutes=30)).replace(microsecond=0)
        created = client.post("/api/v1/events", headers=auth(ADMIN), json={
            "title": "Seminario sottoprodotti", "kind": "seminar", "topics": ["gestione dei sottoprodotti"],
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(), "capacity": 30})
        assert created.status_code == 201, created.text
        body = client.get(f"{T}/topics", params={"province": "MI"}).json()
        events = {t["topic"]: [e["id"] for e in t["planned_events"]] for t in body["topics"]}
        assert created.json()["id"] in events["by_products"]
        assert created.json()["id"] not in events["water"]


class TestSymbiosis:
    def test_leads_name_receiving_sectors_and_firms(self, client):
        body = client.get(f"{T}/symbiosis", params={"province": "BS", "year": 2023, "min_tonnes": 50}).json()
        leads = {lead["ewc_code"]: lead for lead in body["leads"]}
        assert "120101" in leads
        receivers = {r["nace_code"]: r for r in leads["120101"]["receivers"]}
        assert "24.10" in receivers and receivers["24.10"]["illustrative"] is True
        assert receivers["24.10"]["firms"] and receivers["24.10"]["firms"][0]["province"] == "BS"
        assert all(lead["firms"] >= 3 and lead["tonnes"] >= 50 for lead in body["leads"])

    def test_unknown_cluster_is_404(self, client):
        assert_problem(client.get(f"{T}/symbiosis", params={"cluster_id": 999999999}), 404)

    def test_admin_edits_the_mapping(self, client, auth):
        prefix = "0402"
        created = client.post(f"{T}/symbiosis-mappings", headers=auth(ADMIN), json={
            "ewc_prefix": prefix, "nace_code": "13.99", "material": "scarti tessili"})
        assert created.status_code in (201, 409), created.text
        mapping = next(m for m in client.get(f"{T}/symbiosis-mappings").json()
                       if m["ewc_prefix"] == prefix and m["nace_code"] == "13.99")
        changed = client.patch(f"{T}/symbiosis-mappings/{mapping['id']}", headers=auth(ADMIN),
                               json={"note": "da verificare"})
        assert changed.status_code == 200 and changed.json()["illustrative"] is False
        assert_problem(client.patch(f"{T}/symbiosis-mappings/{mapping['id']}",
                                    headers=auth("toscana@cartesio.example"), json={"note": "x"}), 403)
        assert client.delete(f"{T}/symbiosis-mappings/{mapping['id']}", headers=auth(ADMIN)).status_code == 204
        assert_problem(client.delete(f"{T}/symbiosis-mappings/{mapping['id']}", headers=auth(ADMIN)), 404)


class TestDeclarations:
    def test_firm_level_rows_only_for_officers_within_their_territory(self, client, auth):
        assert_problem(client.get(f"{T}/declarations"), 401)
        for who in ("ricerca@cartesio.example", "conceria@cartesio.example", "prato@cartesio.example"):
            assert_problem(client.get(f"{T}/declarations", headers=auth(who)), 403)
        lombard = client.get(f"{T}/declarations", params={"limit": 50},
                             headers=auth("camera@cartesio.example")).json()["items"]
        assert lombard and {i["province"] for i in lombard} <= {
            "BG", "BS", "CO", "CR", "LC", "LO", "MN", "MI", "MB", "PV", "SO", "VA"}
        tuscan = client.get(f"{T}/declarations", params={"province": "BS"},
                            headers=auth("toscana@cartesio.example")).json()["items"]
        assert tuscan == []
        page = client.get(f"{T}/declarations", params={"limit": 2}, headers=auth(ADMIN)).json()
        assert len(page["items"]) == 2 and page["next_cursor"]
        following = client.get(f"{T}/declarations", params={"limit": 2, "cursor": page["next_cursor"]},
                               headers=auth(ADMIN)).json()
        assert following["items"][0]["id"] > page["items"][-1]["id"]
