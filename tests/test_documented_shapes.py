"""Answers that routes render by hand (streamed bytes, cached bodies) still have the shape the OpenAPI document
gives them: the web client's types are generated from it, so a difference breaks the client."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from api.calls.schemas import ApplicationRead, CallRead
from api.core.schemas import Page
from api.datasets.schemas import DatasetList, DatasetRead, ReleaseRead
from api.emas.schemas import ClusterCoverage, OrganizationCoverage
from api.products.schemas import ProductRead
from api.territory.schemas import SymbiosisLeads, TopicRanking, WasteStats
from api.training.schemas import EventRead

ADMIN = "admin@cartesio.example"


def demo_call(client) -> int:  # noqa: ANN001
    """The seeded Lombard call (other tests add calls of their own, newer ones first)."""
    with_slug = [c for c in client.get("/api/v1/calls?limit=200").json()["items"]
                 if c["slug"] == "innovazione-filiere-economia-circolare-lombardia"]
    return with_slug[0]["id"]


@pytest.mark.parametrize(("path", "model", "who"), [
    ("/api/v1/datasets", DatasetList, None),
    ("/api/v1/datasets/clusters", DatasetRead, None),
    ("/api/v1/datasets/clusters/releases", list[ReleaseRead], None),
    ("/api/v1/events?limit=5", Page[EventRead], None),
    ("/api/v1/calls", Page[CallRead], None),
    ("/api/v1/calls/{call}/applications?limit=5", Page[ApplicationRead], ADMIN),
    ("/api/v1/calls/{call}/ranking", list[ApplicationRead], ADMIN),
    ("/api/v1/organizations/{org}/emas-coverage", OrganizationCoverage, ADMIN),
    ("/api/v1/clusters/{cluster}/emas-coverage", ClusterCoverage, ADMIN),
    ("/api/v1/territory/waste?group_by=province&year=2023", WasteStats, None),
    ("/api/v1/territory/waste?group_by=cluster&year=2023", WasteStats, None),
    ("/api/v1/territory/waste?group_by=ewc_chapter&province=BS", WasteStats, None),
    ("/api/v1/territory/topics?province=BS", TopicRanking, None),
    ("/api/v1/territory/symbiosis?province=BS&year=2023", SymbiosisLeads, None),
    ("/api/v1/clusters/{prato}/products", Page[ProductRead], None),
])
def test_answer_has_the_documented_shape(client, auth, ids, path, model, who):  # noqa: ANN001
    call = demo_call(client)
    url = path.format(call=call, org=ids["org:conceria-demo"], cluster=ids["cluster:santa-croce-tannery"],
                      prato=ids["cluster:prato-textile"])
    answer = client.get(url, headers=auth(who) if who else {})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    TypeAdapter(model).validate_python(body)
    if isinstance(body, dict) and "items" in body:
        assert body["items"], f"{url} gave an empty page: nothing was checked"


def test_the_ranking_reads_in_rank_order(client, auth):
    call = demo_call(client)
    ranks = [a["rank"] for a in client.get(f"/api/v1/calls/{call}/ranking", headers=auth(ADMIN)).json()]
    assert ranks and ranks == sorted(ranks) and None not in ranks
