from __future__ import annotations

import uuid

import pytest

from tests.helpers import assert_problem, every_item

CLUSTERS = "/api/v1/clusters"


def new_cluster(**overrides) -> dict:  # noqa: ANN003
    body = {"name": f"Distretto di prova {uuid.uuid4().hex[:8]}", "kind": "industrial_district", "country": "IT",
            "region_code": "ITI17", "sectors": [{"label": "Conciario", "nace": ["15.11"]}],
            "enterprises": {"count": 120}, "employees": {"count": 900, "approximate": True}}
    body.update(overrides)
    return body


class TestListClusters:
    def test_every_cluster_of_the_documents_is_listed(self, client):
        names = []
        cursor = None
        for _ in range(10_000):  # bounded: a cursor that does not advance fails instead of hanging
            params = {"limit": 7}
            if cursor:
                params["cursor"] = cursor
            page = client.get(CLUSTERS, params=params)
            assert page.status_code == 200
            body = page.json()
            names += [c["name"] for c in body["items"] if c["sources"] and c["sources"][0]["document"]]
            cursor = body["next_cursor"]
            if cursor is None:
                assert "link" not in page.headers
                break
            assert page.headers["link"].endswith('rel="next"')
        for expected in ("West Flanders", "Fedustria", "Hackefors", "Vreten", "Distretto cartario di Lucca",
                         "Distretto conciario di Santa Croce", "Parc Industriel Plaine de l'Ain"):
            assert expected in names
        assert len(names) == len(set(names))

    def test_pages_are_stable_and_complete_in_every_sort(self, client):
        # Italian clusters, however many other tests have added: small pages against large ones, both walked
        # to the end, must list the same clusters in the same order.
        def walk(sort: str, limit: int) -> list[int]:
            return [c["id"] for c in every_item(client, CLUSTERS, {"sort": sort, "country": "IT"}, limit=limit)]

        for sort in ("name", "-name", "enterprises", "-enterprises", "employees", "-employees", "id", "-updated_at"):
            everything = walk(sort, 200)
            assert walk(sort, 7) == everything, sort
            assert everything and len(everything) == len(set(everything))

    def test_nulls_sort_last_in_both_directions(self, client):
        for sort in ("enterprises", "-enterprises"):
            counts = [c["enterprises"]["count"] for c in
                      client.get(CLUSTERS, params={"sort": sort, "limit": 200}).json()["items"]]
            known = [n for n in counts if n is not None]
            assert counts[: len(known)] == known
            assert known == sorted(known, reverse=sort.startswith("-"))

    @pytest.mark.parametrize(("params", "expected", "absent"), [
        ({"nace": "15.20"}, "Distretto calzaturiero di Lucca", "Fedustria"),
        ({"nace": "15"}, "Distretto conciario di Santa Croce", "Hackefors"),
        ({"country": "se"}, "Vreten", "Norte"),
        ({"region": "ITI1"}, "Distretto tessile di Prato", "Norte"),
        ({"kind": "industrial_park"}, "Parc Industriel Plaine de l'Ain", "Fedustria"),
        ({"recognition": "apo_attestation"}, "Distretto cartario di Lucca", "Hackefors"),
        ({"recognition": "collective_label"}, "Extremadura Textile cluster", "Norte"),
        ({"min_enterprises": 400}, "Norte", "Hackefors"),
        ({"max_employees": 1500, "min_employees": 1500}, "Hackefors", "Vreten"),
        ({"q": "lucca"}, "Distretto cartario di Lucca", "Norte"),
        ({"sector": "chimic"}, "Industrial Cluster Gendorf", "Norte"),
        ({"tag": "imagine"}, "Distretto della moda di Empoli", "Norte"),
    ])
    def test_filters(self, client, params, expected, absent):
        names = [c["name"] for c in every_item(client, CLUSTERS, params)]
        assert any(n.startswith(expected) for n in names), names
        assert absent not in names

    def test_filters_combine(self, client):
        # Other tests add Italian textile clusters of their own: every answer must satisfy both filters, and
        # the demo's textile district must be there while its tanning and footwear districts are not.
        items = every_item(client, CLUSTERS, {"country": "IT", "nace": "13"})
        names = {c["name"] for c in items}
        assert "Distretto tessile di Prato" in names, names
        assert not names & {"Distretto conciario di Santa Croce", "Distretto calzaturiero di Lucca"}
        for item in items:
            cluster = client.get(f"{CLUSTERS}/{item['id']}").json()
            assert cluster["country"] == "IT"
            assert any(code.split(".")[0] == "13" for s in cluster["sectors"] for code in s["nace"]), cluster

    @pytest.mark.parametrize(("params", "field"), [
        ({"limit": 0}, "query.limit"), ({"limit": 201}, "query.limit"), ({"limit": "x"}, "query.limit"),
        ({"nace": "abc"}, "query.nace"), ({"kind": "village"}, "query.kind"), ({"sort": "colour"}, "query.sort"),
        ({"cursor": "not-a-cursor"}, "query.cursor"), ({"min_enterprises": -1}, "query.min_enterprises"),
        ({"region": "I"}, "query.region"),
    ])
    def test_bad_query_is_a_problem(self, client, params, field):
        assert_problem(client.get(CLUSTERS, params=params), 422, field=field)

    def test_a_cursor_of_another_sort_is_refused(self, client):
        cursor = client.get(CLUSTERS, params={"limit": 2, "sort": "name"}).json()["next_cursor"]
        assert_problem(client.get(CLUSTERS, params={"limit": 2, "sort": "-name", "cursor": cursor}), 422,
                       field="query.cursor")

    def test_list_has_an_etag_and_answers_304(self, client):
        first = client.get(CLUSTERS, params={"limit": 3})
        again = client.get(CLUSTERS, params={"limit": 3}, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304


class TestGetCluster:
    def test_reads_a_cluster_with_etag(self, client, ids):
        response = client.get(f"{CLUSTERS}/{ids['cluster:hackefors']}")
        assert response.status_code == 200
        body = response.json()
        assert body["name"] == "Hackefors"
        assert response.headers["etag"] == f'"cluster-{body["id"]}-v{body["version"]}"'

    def test_if_none_match_gives_304(self, client, ids):
        url = f"{CLUSTERS}/{ids['cluster:vreten']}"
        tag = client.get(url).headers["etag"]
        assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200

    def test_unknown_cluster_is_404_problem(self, client):
        body = assert_problem(client.get(f"{CLUSTERS}/987654321"), 404)
        assert body["type"].endswith("cluster-not-found")

    @pytest.mark.parametrize("bad", ["abc", "0", "-4", "1.5", "99999999999999999999999"])
    def test_bad_id_is_422(self, client, bad):
        assert_problem(client.get(f"{CLUSTERS}/{bad}"), 422, field="path.cluster_id")


class TestCreateCluster:
    def test_region_officer_creates_in_its_region(self, client, auth):
        response = client.post(CLUSTERS, json=new_cluster(), headers=auth("toscana@cartesio.example"))
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["version"] == 1 and body["sectors"] == [{"label": "Conciario", "nace": ["15.11"]}]
        assert body["employees"] == {"count": 900, "approximate": True, "note": None}
        assert response.headers["location"].endswith(f"/api/v1/clusters/{body['id']}")
        assert client.get(response.headers["location"]).json() == body
        listed = client.get(CLUSTERS, params={"q": body["name"]}).json()["items"]
        assert [c["id"] for c in listed] == [body["id"]]
        assert [c["id"] for c in client.get(CLUSTERS, params={"nace": "15.11", "limit": 200}).json()["items"]
                if c["id"] == body["id"]]

    def test_outside_its_region_is_403_and_stores_nothing(self, client, auth, engine):
        from sqlalchemy import text

        with engine.connect() as conn:
            before = conn.execute(text("SELECT count(*) FROM clusters")).scalar_one()
        body = new_cluster(region_code="ITC4")
        assert_problem(client.post(CLUSTERS, json=body, headers=auth("toscana@cartesio.example")), 403)
        assert_problem(client.post(CLUSTERS, json=new_cluster(region_code=None), headers=auth("toscana@cartesio.example")), 403)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM clusters")).scalar_one() == before

    def test_anonymous_is_401(self, client):
        response = client.post(CLUSTERS, json=new_cluster())
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"

    @pytest.mark.parametrize("role_email", ["conceria@cartesio.example", "valutatore@cartesio.example",
                                            "ricerca@cartesio.example", "prato@cartesio.example"])
    def test_other_roles_may_not_create(self, client, auth, role_email):
        assert_problem(client.post(CLUSTERS, json=new_cluster(), headers=auth(role_email)), 403)

    @pytest.mark.parametrize(("patch", "field"), [
        ({"unknown": 1}, "body.unknown"),
        ({"kind": "village"}, "body.kind"),
        ({"country": "ITA"}, "body.country"),
        ({"region_code": "ITI1", "country": "FR"}, "body"),
        ({"region_code": "?"}, "body.region_code"),
        ({"enterprises": {"count": -3}}, "body.enterprises.count"),
        ({"sectors": [{"label": "Tessile", "nace": ["tessile"]}]}, "body.sectors.0.nace.0"),
        ({"latitude": 43.7}, "body"),
        ({"latitude": 123, "longitude": 10}, "body.latitude"),
        ({"name": ""}, "body.name"),
        ({"slug": "Not A Slug"}, "body.slug"),
        ({"sources": [{"document": "no-such-document"}]}, "body.sources.0.document"),
        ({"coordinating_body_id": 987654}, "body.coordinating_body_id"),
        ({"recognitions": [{"kind": "apo_attestation", "name": "APO", "issued_date": "2020-01-01",
                            "valid_until": "2019-01-01"}]}, "body.recognitions.0.valid_until"),
    ])
    def test_bad_input_is_422_naming_the_field(self, client, auth, patch, field):
        response = client.post(CLUSTERS, json=new_cluster(**patch), headers=auth("admin@cartesio.example"))
        assert_problem(response, 422, field=field)

    def test_malformed_json_is_422(self, client, auth):
        response = client.post(CLUSTERS, content=b'{"name": ', headers={**auth("admin@cartesio.example"),
                                                                        "Content-Type": "application/json"})
        assert_problem(response, 422)

    def test_duplicate_slug_is_409(self, client, auth):
        response = client.post(CLUSTERS, json=new_cluster(slug="prato-textile"), headers=auth("admin@cartesio.example"))
        assert_problem(response, 409)

    def test_slug_is_derived_and_made_unique(self, client, auth):
        headers = auth("admin@cartesio.example")
        name = f"Distretto Ceramico di Prova {uuid.uuid4().hex[:6]}"
        first = client.post(CLUSTERS, json=new_cluster(name=name), headers=headers).json()
        second = client.post(CLUSTERS, json=new_cluster(name=name), headers=headers).json()
        assert first["slug"].startswith("distretto-ceramico-di-prova-")
        assert second["slug"] == first["slug"] + "-2"


class TestUpdateCluster:
    def test_cluster_manager_updates_its_cluster(self, client, auth, ids):
        url = f"{CLUSTERS}/{ids['cluster:prato-textile']}"
        before = client.get(url)
        response = client.patch(url, json={"tags": ["imagine", "emas"]}, headers={
            **auth("prato@cartesio.example"), "If-Match": before.headers["etag"]})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["version"] == before.json()["version"] + 1
        assert body["tags"] == ["imagine", "emas"]
        assert body["name"] == before.json()["name"]
        assert response.headers["etag"] != before.headers["etag"]
        assert client.get(url).json() == body

    def test_cluster_manager_may_not_touch_another_cluster(self, client, auth, ids):
        url = f"{CLUSTERS}/{ids['cluster:empoli-clothing']}"
        assert_problem(client.patch(url, json={"tags": ["x"]}, headers=auth("prato@cartesio.example")), 403)

    def test_stale_if_match_is_412_and_changes_nothing(self, client, auth):
        headers = auth("admin@cartesio.example")
        created = client.post(CLUSTERS, json=new_cluster(), headers=headers)
        url, tag = created.headers["location"], created.headers["etag"]
        assert client.patch(url, json={"locality": "Castelfranco di Sotto"},
                            headers={**headers, "If-Match": tag}).status_code == 200
        response = client.patch(url, json={"locality": "Fucecchio"}, headers={**headers, "If-Match": tag})
        assert_problem(response, 412)
        assert client.get(url).json()["locality"] == "Castelfranco di Sotto"

    def test_region_officer_cannot_move_a_cluster_out_of_its_region(self, client, auth):
        headers = auth("toscana@cartesio.example")
        url = client.post(CLUSTERS, json=new_cluster(), headers=headers).headers["location"]
        assert_problem(client.patch(url, json={"region_code": "ITC4"}, headers=headers), 403)
        assert client.get(url).json()["region_code"] == "ITI17"

    def test_sectors_replace_and_reindex(self, client, auth):
        headers = auth("admin@cartesio.example")
        created = client.post(CLUSTERS, json=new_cluster(), headers=headers).json()
        url = f"{CLUSTERS}/{created['id']}"
        client.patch(url, json={"sectors": [{"label": "Cartario", "nace": ["17"]}]}, headers=headers)
        in_17 = [c["id"] for c in client.get(CLUSTERS, params={"nace": "17.12", "limit": 200}).json()["items"]]
        in_15 = [c["id"] for c in client.get(CLUSTERS, params={"nace": "15.11", "limit": 200}).json()["items"]]
        assert created["id"] in in_17 and created["id"] not in in_15

    def test_null_name_is_refused(self, client, auth, ids):
        url = f"{CLUSTERS}/{ids['cluster:vreten']}"
        assert_problem(client.patch(url, json={"name": None}, headers=auth("admin@cartesio.example")), 422,
                       field="body.name")


class TestDeleteCluster:
    def test_delete_removes_cluster_and_its_links(self, client, auth, engine):
        from sqlalchemy import text

        headers = auth("admin@cartesio.example")
        a = client.post(CLUSTERS, json=new_cluster(), headers=headers).json()
        b = client.post(CLUSTERS, json=new_cluster(), headers=headers).json()
        link = client.post(f"{CLUSTERS}/{a['id']}/supply-chain", json={"customer_id": b["id"], "product": "pelli"},
                           headers=headers)
        assert link.status_code == 201
        assert client.delete(f"{CLUSTERS}/{a['id']}", headers=headers).status_code == 204
        assert_problem(client.get(f"{CLUSTERS}/{a['id']}"), 404)
        assert client.get(f"{CLUSTERS}/{b['id']}/supply-chain").json()["upstream"] == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cluster_sectors WHERE cluster_id = :i"),
                                {"i": a["id"]}).scalar_one() == 0

    def test_region_officer_may_not_delete_outside_region(self, client, auth, ids):
        assert_problem(client.delete(f"{CLUSTERS}/{ids['cluster:norte']}", headers=auth("toscana@cartesio.example")),
                       403)
        assert client.get(f"{CLUSTERS}/{ids['cluster:norte']}").status_code == 200


class TestMembers:
    def test_members_of_a_cluster(self, client, ids):
        members = client.get(f"{CLUSTERS}/{ids['cluster:norte']}/members").json()["items"]
        assert {m["role"] for m in members} == {"supporting_institution"}
        assert len(members) == 4

    def test_cluster_manager_adds_and_removes_a_member(self, client, auth, ids):
        headers = auth("prato@cartesio.example")
        org = client.post("/api/v1/organizations", json={"name": f"Lanificio {uuid.uuid4().hex[:6]}",
                                                         "kind": "enterprise", "country": "IT", "region_code": "ITI15"},
                          headers=headers)
        assert org.status_code == 201, org.text
        url = f"{CLUSTERS}/{ids['cluster:prato-textile']}/members"
        added = client.post(url, json={"organization_id": org.json()["id"], "joined_date": "2024-03-01"},
                            headers=headers)
        assert added.status_code == 201 and added.json()["role"] == "member"
        assert_problem(client.post(url, json={"organization_id": org.json()["id"]}, headers=headers), 409)
        assert client.delete(f"{url}/{added.json()['id']}", headers=headers).status_code == 204
        assert org.json()["id"] not in [m["organization"]["id"] for m in client.get(url).json()["items"]]
        assert_problem(client.delete(f"{url}/{added.json()['id']}", headers=headers), 404)

    def test_unknown_organization_is_422(self, client, auth, ids):
        url = f"{CLUSTERS}/{ids['cluster:prato-textile']}/members"
        assert_problem(client.post(url, json={"organization_id": 99999999}, headers=auth("prato@cartesio.example")),
                       422, field="body.organization_id")


class TestSupplyChain:
    def test_chain_up_and_down_with_depth(self, client, auth):
        headers = auth("admin@cartesio.example")
        a, b, c = (client.post(CLUSTERS, json=new_cluster(), headers=headers).json() for _ in range(3))
        assert client.post(f"{CLUSTERS}/{a['id']}/supply-chain", json={"customer_id": b["id"], "product": "pelle"},
                           headers=headers).status_code == 201
        assert client.post(f"{CLUSTERS}/{b['id']}/supply-chain", json={"customer_id": c["id"], "product": "tomaie"},
                           headers=headers).status_code == 201
        chain = client.get(f"{CLUSTERS}/{c['id']}/supply-chain").json()
        assert [(link["supplier"]["id"], link["depth"]) for link in chain["upstream"]] == [(b["id"], 1), (a["id"], 2)]
        assert chain["downstream"] == []
        down = client.get(f"{CLUSTERS}/{a['id']}/supply-chain").json()["downstream"]
        assert [link["product"] for link in down] == ["pelle", "tomaie"]

    def test_a_cycle_ends(self, client, auth):
        headers = auth("admin@cartesio.example")
        a, b = (client.post(CLUSTERS, json=new_cluster(), headers=headers).json() for _ in range(2))
        client.post(f"{CLUSTERS}/{a['id']}/supply-chain", json={"customer_id": b["id"], "product": "x"}, headers=headers)
        client.post(f"{CLUSTERS}/{b['id']}/supply-chain", json={"customer_id": a["id"], "product": "y"}, headers=headers)
        chain = client.get(f"{CLUSTERS}/{a['id']}/supply-chain").json()
        assert len(chain["upstream"]) == 2 and len(chain["downstream"]) == 2

    def test_bad_links(self, client, auth, ids):
        headers = auth("admin@cartesio.example")
        url = f"{CLUSTERS}/{ids['cluster:prato-textile']}/supply-chain"
        assert_problem(client.post(url, json={"customer_id": ids["cluster:prato-textile"], "product": "x"},
                                   headers=headers), 422, field="body.customer_id")
        assert_problem(client.post(url, json={"customer_id": 99999999, "product": "x"}, headers=headers), 422,
                       field="body.customer_id")
        existing = client.get(url).json()["downstream"][0]
        assert_problem(client.post(url, json={"customer_id": existing["customer"]["id"],
                                              "product": existing["product"]}, headers=headers), 409)


class TestMemberPaging:
    def test_members_page_through(self, client, ids):
        url = f"{CLUSTERS}/{ids['cluster:norte']}/members"
        first = client.get(url, params={"limit": 3}).json()
        second = client.get(url, params={"limit": 3, "cursor": first["next_cursor"]}).json()
        assert len(first["items"]) == 3 and len(second["items"]) == 1 and second["next_cursor"] is None

    def test_empty_patch_changes_nothing(self, client, auth, ids):
        url = f"{CLUSTERS}/{ids['cluster:vreten']}"
        before = client.get(url)
        after = client.patch(url, json={}, headers=auth("admin@cartesio.example"))
        assert after.status_code == 200 and after.headers["etag"] == before.headers["etag"]
