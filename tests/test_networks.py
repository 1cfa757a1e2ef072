from __future__ import annotations

import uuid

from tests.helpers import assert_problem


class TestNetworks:
    def test_cartesio_network(self, client, ids):
        body = client.get(f"/api/v1/networks/{ids['network:cartesio']}").json()
        assert body["name"] == "Rete CARTESIO"
        assert {r["role"] for r in body["member_roles"]} == {"promoter", "referent", "adherent"}
        committee = next(g for g in body["groups"] if g["kind"] == "technical_scientific_committee")
        assert {m["organization"]["name"] for m in committee["members"]} >= {"ERVET"}
        working = next(g for g in body["groups"] if g["kind"] == "working_group")
        assert len(working["mandate"]) == 3

    def test_five_promoting_regions(self, client, ids):
        members = client.get(f"/api/v1/networks/{ids['network:cartesio']}/members",
                             params={"role": "promoter"}).json()["items"]
        assert sorted(m["organization"]["name"] for m in members) == [
            "Regione Emilia-Romagna", "Regione Lazio", "Regione Liguria", "Regione Lombardia", "Regione Toscana"]
        assert all(m["joined_date"] is None and m["current"] for m in members)

    def test_seven_commitments(self, client, ids):
        declarations = client.get(f"/api/v1/networks/{ids['network:cartesio']}/commitments").json()["items"]
        assert len(declarations) == 1
        commitments = declarations[0]["commitments"]
        assert [c["number"] for c in commitments] == [1, 2, 3, 4, 5, 6, 7]
        assert commitments[0]["text"].startswith("avviare politiche e azioni mirate alla sostenibilità")
        assert "Responsabilità Sociale di Impresa (CSR)" in commitments[4]["text"]
        assert len(declarations[0]["signatures"]) == 5

    def test_membership_history(self, client, auth, ids):
        headers = auth("admin@cartesio.example")
        net = client.post("/api/v1/networks", json={"name": "Rete di prova", "slug": f"rete-{uuid.uuid4().hex[:6]}"},
                          headers=headers).json()
        org_id = ids["org:regione-toscana"]
        url = f"/api/v1/networks/{net['id']}/members"
        first = client.post(url, json={"organization_id": org_id, "role": "adherent", "joined_date": "2019-01-10"},
                            headers=headers)
        assert first.status_code == 201
        assert_problem(client.post(url, json={"organization_id": org_id, "role": "promoter"}, headers=headers), 409)
        left = client.patch(f"{url}/{first.json()['id']}", json={"left_date": "2021-06-30"}, headers=headers)
        assert left.json()["current"] is False
        assert_problem(client.patch(f"{url}/{first.json()['id']}", json={"left_date": "2018-01-01"},
                                    headers=headers), 422)
        again = client.post(url, json={"organization_id": org_id, "role": "promoter", "joined_date": "2022-01-01"},
                            headers=headers)
        assert again.status_code == 201
        history = client.get(url).json()["items"]
        assert [(m["role"], m["current"]) for m in history] == [("adherent", False), ("promoter", True)]
        assert [m["role"] for m in client.get(url, params={"current": True}).json()["items"]] == ["promoter"]

    def test_only_admins_write_networks(self, client, auth, ids):
        assert_problem(client.post("/api/v1/networks", json={"name": "X", "slug": "x-net"},
                                   headers=auth("toscana@cartesio.example")), 403)
        assert_problem(client.post(f"/api/v1/networks/{ids['network:cartesio']}/members",
                                   json={"organization_id": 1, "role": "adherent"}), 401)

    def test_signature_is_recorded_once(self, client, auth, ids):
        headers = auth("admin@cartesio.example")
        net = ids["network:cartesio"]
        declaration = client.get(f"/api/v1/networks/{net}/commitments").json()["items"][0]
        url = f"/api/v1/networks/{net}/commitments/{declaration['id']}/signatures"
        org = ids["org:unioncamere-lombardia"]
        signed = client.post(url, json={"organization_id": org, "signed_date": "2020-02-01"}, headers=headers)
        assert signed.status_code == 201
        assert any(s["organization"]["id"] == org and s["signed_date"] == "2020-02-01"
                   for s in signed.json()["signatures"])
        assert_problem(client.post(url, json={"organization_id": org}, headers=headers), 409)

    def test_unknown_network_is_404(self, client):
        assert_problem(client.get("/api/v1/networks/99999999"), 404)
        assert_problem(client.get("/api/v1/networks/99999999/members"), 404)


class TestPaging:
    def test_network_members_page(self, client, ids):
        url = f"/api/v1/networks/{ids['network:cartesio']}/members"
        first = client.get(url, params={"limit": 2}).json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        rest, cursor = [], first["next_cursor"]
        while cursor:
            page = client.get(url, params={"limit": 2, "cursor": cursor}).json()
            rest += page["items"]
            cursor = page["next_cursor"]
        everything = client.get(url, params={"limit": 200}).json()["items"]
        assert [m["id"] for m in first["items"] + rest] == [m["id"] for m in everything]

    def test_networks_page(self, client):
        body = client.get("/api/v1/networks", params={"limit": 1}).json()
        assert body["limit"] == 1 and len(body["items"]) == 1
