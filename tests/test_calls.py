"""Funding calls: applications and their state machine, evaluation and ranking, and a budget ledger that never
goes below zero, even under fifty concurrent funding decisions."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from tests.helpers import assert_problem, every_item

ADMIN = "admin@cartesio.example"
MANAGER = "toscana@cartesio.example"      # a region officer: manages calls, sees its Region's firms
ENTERPRISE = "conceria@cartesio.example"  # Conceria Demo, province PI, region ITI17
EVALUATOR = "valutatore@cartesio.example"
PASSWORD = "a-long-password-for-evaluators"


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def call_body(**overrides):  # noqa: ANN003, ANN201
    now = datetime.now(UTC)
    body = {
        "slug": f"bando-{_uid()}", "title_it": "Innovazione delle filiere", "title_en": "Supply chain innovation",
        "topics": ["riuso di sottoprodotti", "ecodesign e LCA"], "categories": ["riuso", "ecodesign"],
        "funders": [{"key": "regione", "name": "Regione", "role": "region", "contribution": "10000.00"},
                    {"key": "camere", "name": "Camere di commercio", "role": "pool", "contribution": "10000.00"}],
        "charge_rule": [{"funder": "region", "share": "0.5"}, {"funder": "chamber_of_province", "share": "0.5"}],
        "eligibility": {"regions": ["ITI1"], "kinds": ["enterprise"]},
        "max_grant": "1000.00", "cofinancing_rate": "0.4", "threshold_score": "5", "divergence_share": "0.3",
        "tie_breakers": ["criterion:qualita", "earlier_submission"],
        "phases": [{"name": "Fase 1", "opens_at": (now - timedelta(days=1)).isoformat(),
                    "closes_at": (now + timedelta(days=30)).isoformat()}],
        "criteria": [{"code": "qualita", "name": "Qualità", "weight": "2", "max_score": "10", "min_score": "4"},
                     {"code": "impatto", "name": "Impatto", "weight": "1", "max_score": "10"}],
    }
    body.update(overrides)
    return body


@pytest.fixture(scope="module")
def evaluators(client, auth):  # noqa: ANN001, ANN201
    """Three evaluators besides the demo one: (id, headers)."""
    made = []
    for _ in range(3):
        email = f"valutatore-{_uid()}@cartesio.example"
        created = client.post("/api/v1/users", headers=auth(ADMIN), json={
            "email": email, "password": PASSWORD, "role": "evaluator"})
        assert created.status_code == 201, created.text
        made.append((created.json()["id"], auth(email, PASSWORD)))
    return made


def new_call(client, auth, **overrides) -> dict:  # noqa: ANN001
    created = client.post("/api/v1/calls", headers=auth(MANAGER), json=call_body(**overrides))
    assert created.status_code == 201, created.text
    return created.json()


def new_application(client, auth, call_id: int, requested="800.00", **extra) -> dict:  # noqa: ANN001
    created = client.post("/api/v1/applications", headers=auth(ENTERPRISE), json={
        "call_id": call_id, "title": f"Progetto {_uid()}", "category": "riuso", "requested": requested,
        "budget_lines": [{"label": "impianto", "amount": "2500.00"}], **extra})
    assert created.status_code == 201, created.text
    return created.json()


def move(client, auth, app_id: int, to: str, who=MANAGER, reason=None):  # noqa: ANN001, ANN201
    return client.post(f"/api/v1/applications/{app_id}/transitions", headers=auth(who),
                       json={"to": to, "reason": reason})


def evaluated(client, auth, evaluators, call_id: int, scores=((8, 8), (8, 7)), **extra) -> dict:  # noqa: ANN001
    """An application taken through submission, admissibility and two evaluations."""
    app = new_application(client, auth, call_id, **extra)
    assert client.post(f"/api/v1/applications/{app['id']}/submit", headers=auth(ENTERPRISE)).status_code == 200
    assert move(client, auth, app["id"], "admissible").status_code == 200
    for evaluator_id, _ in evaluators[:len(scores)]:
        assert client.post(f"/api/v1/applications/{app['id']}/assignments", headers=auth(MANAGER),
                           json={"evaluator_id": evaluator_id}).status_code == 201
    for (_, headers), (quality, impact) in zip(evaluators, scores, strict=False):
        scored = client.put(f"/api/v1/applications/{app['id']}/evaluations/mine", headers=headers, json={
            "scores": {"qualita": {"score": str(quality), "comment": "ok"}, "impatto": {"score": str(impact)}}})
        assert scored.status_code == 200, scored.text
    return client.get(f"/api/v1/applications/{app['id']}", headers=auth(MANAGER)).json()


class TestCalls:
    def test_a_call_and_its_budget(self, client, auth):
        call = new_call(client, auth)
        assert call["budget"] == "20000.00" and call["phases"][0]["open_now"] is True
        budget = client.get(f"/api/v1/calls/{call['id']}/budget").json()
        assert (budget["total"], budget["allocated"], budget["remaining"]) == ("20000.00", "0.00", "20000.00")
        assert [f["remaining"] for f in budget["funders"]] == ["10000.00", "10000.00"]

    @pytest.mark.parametrize(("overrides", "field"), [
        ({"funders": [{"key": "r", "name": "R", "role": "region", "contribution": "-1.00"}]},
         "body.funders.0.contribution"),
        ({"funders": [{"key": "r", "name": "R", "role": "region", "contribution": "1.005"}]},
         "body.funders.0.contribution"),
        ({"charge_rule": [{"funder": "region", "share": "0.7"}]}, "body"),
        ({"criteria": [{"code": "a", "name": "A", "weight": "1", "max_score": "5", "min_score": "6"}]},
         "body.criteria.0"),
        ({"phases": [{"name": "x", "opens_at": "2020-02-01T00:00:00", "closes_at": "2020-01-01T00:00:00"}]},
         "body.phases.0"),
    ])
    def test_bad_calls_are_refused(self, client, auth, engine, overrides, field):
        with engine.connect() as conn:
            before = conn.execute(text("SELECT count(*) FROM calls")).scalar_one()
        body = assert_problem(client.post("/api/v1/calls", headers=auth(MANAGER), json=call_body(**overrides)), 422)
        assert any(e["field"].startswith(field) for e in body["errors"]), body
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM calls")).scalar_one() == before

    def test_only_managers_create_calls(self, client, auth):
        assert_problem(client.post("/api/v1/calls", headers=auth(ENTERPRISE), json=call_body()), 403)


class TestApplications:
    def test_submission_while_open_and_eligibility_named(self, client, auth, ids):
        # The applicant's size class is whatever the tests before this one left: the call wants the others.
        size = client.get(f"/api/v1/organizations/{ids['org:conceria-demo']}").json()["size_class"]
        others = [c for c in ("micro", "small", "medium", "large") if c != size][:2]
        call = new_call(client, auth, eligibility={"regions": ["ITC4"], "size_classes": others,
                                                   "kinds": ["enterprise"]})
        app = new_application(client, auth, call["id"])
        body = assert_problem(client.post(f"/api/v1/applications/{app['id']}/submit", headers=auth(ENTERPRISE)),
                              422)
        rules = {e["field"] for e in body["errors"]}
        assert {"eligibility.regions", "eligibility.size_classes"} <= rules
        assert client.get(f"/api/v1/applications/{app['id']}", headers=auth(ENTERPRISE)).json()["state"] == "draft"
        closed = new_call(client, auth, phases=[{"name": "chiusa", "opens_at": "2019-06-01T09:00:00",
                                                 "closes_at": "2019-07-01T12:00:00"}])
        late = new_application(client, auth, closed["id"])
        assert_problem(client.post(f"/api/v1/applications/{late['id']}/submit", headers=auth(ENTERPRISE)), 409)

    @pytest.mark.parametrize(("change", "field"), [
        ({"funders": [{"key": "r" * 61, "name": "Regione", "role": "region", "contribution": "10000.00"}]},
         "body.funders.0.key"),
        ({"criteria": [{"code": "c" * 41, "name": "Qualità", "weight": "1", "max_score": "10"}]},
         "body.criteria.0.code"),
    ])
    def test_keys_longer_than_stored_are_422(self, client, auth, change, field):
        before = len(every_item(client, "/api/v1/calls"))
        assert_problem(client.post("/api/v1/calls", headers=auth(MANAGER), json=call_body(**change)), 422,
                       field=field)
        assert len(every_item(client, "/api/v1/calls")) == before

    def test_amounts_are_checked(self, client, auth):
        call = new_call(client, auth)
        for requested, field in (("1000.01", "body.requested"), ("-5.00", "body.requested"),
                                 ("10.001", "body.requested")):
            assert_problem(client.post("/api/v1/applications", headers=auth(ENTERPRISE), json={
                "call_id": call["id"], "title": "x", "requested": requested}), 422, field=field)

    def test_the_state_machine_refuses_what_it_does_not_allow(self, client, auth):
        call = new_call(client, auth)
        app = new_application(client, auth, call["id"])
        assert_problem(move(client, auth, app["id"], "funded"), 409)
        assert_problem(move(client, auth, app["id"], "admissible"), 409)
        client.post(f"/api/v1/applications/{app['id']}/submit", headers=auth(ENTERPRISE))
        assert_problem(move(client, auth, app["id"], "inadmissible"), 422, field="body.reason")
        assert_problem(move(client, auth, app["id"], "admissible", who=ENTERPRISE), 403)
        assert move(client, auth, app["id"], "inadmissible", reason="documenti mancanti").status_code == 200
        assert_problem(move(client, auth, app["id"], "withdrawn", who=ENTERPRISE, reason="x"), 409)
        history = client.get(f"/api/v1/applications/{app['id']}/transitions", headers=auth(ENTERPRISE)).json()
        assert [(h["from_state"], h["to_state"]) for h in history] == [
            (None, "draft"), ("draft", "submitted"), ("submitted", "inadmissible")]
        assert history[-1]["reason"] == "documenti mancanti" and history[-1]["actor"].startswith("user:")

    def test_others_see_nothing(self, client, auth, evaluators):
        call = new_call(client, auth)
        app = new_application(client, auth, call["id"])
        for who in (evaluators[0][1], auth("camera@cartesio.example"), auth("prato@cartesio.example")):
            assert_problem(client.get(f"/api/v1/applications/{app['id']}", headers=who), 404)
            assert client.get(f"/api/v1/calls/{call['id']}/applications", headers=who).json()["items"] == []
        assert_problem(client.get(f"/api/v1/applications/{app['id']}"), 401)


class TestEvaluation:
    def test_conflicts_duplicates_and_hidden_scores(self, client, auth, evaluators, ids):
        call = new_call(client, auth)
        app = new_application(client, auth, call["id"])
        client.post(f"/api/v1/applications/{app['id']}/submit", headers=auth(ENTERPRISE))
        move(client, auth, app["id"], "admissible")
        url = f"/api/v1/applications/{app['id']}"
        insider = client.post("/api/v1/users", headers=auth(ADMIN), json={
            "email": f"interno-{_uid()}@cartesio.example", "password": PASSWORD, "role": "evaluator",
            "organization_id": ids["org:conceria-demo"]})
        assert insider.status_code == 201, insider.text
        assert_problem(client.post(f"{url}/assignments", headers=auth(MANAGER),
                                   json={"evaluator_id": insider.json()["id"]}), 409)
        (first, first_h), (second, second_h) = evaluators[0], evaluators[1]
        assert client.post(f"{url}/assignments", headers=auth(MANAGER), json={"evaluator_id": first}).status_code == 201
        assert_problem(client.post(f"{url}/assignments", headers=auth(MANAGER), json={"evaluator_id": first}), 409)
        client.post(f"{url}/assignments", headers=auth(MANAGER), json={"evaluator_id": second})
        assert client.get(url, headers=auth(MANAGER)).json()["state"] == "under_evaluation"
        assert_problem(client.put(f"{url}/evaluations/mine", headers=first_h, json={
            "scores": {"qualita": {"score": "11"}, "impatto": {"score": "5"}}}), 422, field="body.scores.qualita.score")
        client.put(f"{url}/evaluations/mine", headers=first_h, json={
            "scores": {"qualita": {"score": "9"}, "impatto": {"score": "6"}}})
        seen = client.get(f"{url}/evaluations", headers=second_h).json()
        assert all(e["scores"] is None for e in seen["evaluations"])
        assert_problem(client.put(f"{url}/evaluations/mine", headers=first_h, json={
            "scores": {"qualita": {"score": "9"}, "impatto": {"score": "6"}}}), 409)
        client.put(f"{url}/evaluations/mine", headers=second_h, json={
            "scores": {"qualita": {"score": "7"}, "impatto": {"score": "7"}}})
        seen = client.get(f"{url}/evaluations", headers=second_h).json()
        assert seen["status"] == "complete" and seen["score"] == "7.5000"  # mean of 8.0 and 7.0
        assert all(e["scores"] for e in seen["evaluations"])
        assert client.get(url, headers=auth(MANAGER)).json() == {
            **client.get(url, headers=auth(MANAGER)).json(), "state": "evaluated", "score": "7.5000"}

    def test_diverging_totals_need_a_third_evaluator(self, client, auth, evaluators):
        call = new_call(client, auth)
        app = evaluated(client, auth, evaluators, call["id"], scores=((9, 9), (3, 3)))
        assert app["state"] == "under_evaluation" and app["score"] is None
        status = client.get(f"/api/v1/applications/{app['id']}/evaluations", headers=auth(MANAGER)).json()["status"]
        assert "third evaluator" in status
        third_id, third_h = evaluators[2]
        client.post(f"/api/v1/applications/{app['id']}/assignments", headers=auth(MANAGER),
                    json={"evaluator_id": third_id})
        client.put(f"/api/v1/applications/{app['id']}/evaluations/mine", headers=third_h, json={
            "scores": {"qualita": {"score": "6"}, "impatto": {"score": "6"}}})
        done = client.get(f"/api/v1/applications/{app['id']}", headers=auth(MANAGER)).json()
        assert done["state"] == "evaluated" and done["score"] == "6.0000"

    def test_ranking_thresholds_ties_and_the_reserve_list(self, client, auth, evaluators):
        call = new_call(client, auth, funders=[
            {"key": "regione", "name": "Regione", "role": "region", "contribution": "800.00"},
            {"key": "camere", "name": "Camere", "role": "pool", "contribution": "800.00"}])
        best = evaluated(client, auth, evaluators, call["id"], scores=((9, 6), (9, 6)))
        tie = evaluated(client, auth, evaluators, call["id"], scores=((8, 8), (8, 8)))  # same 8.0, less quality
        reserve = evaluated(client, auth, evaluators, call["id"], scores=((7, 7), (7, 7)))
        weak = evaluated(client, auth, evaluators, call["id"], scores=((3, 9), (3, 9)))  # under min on qualita
        ranked = client.post(f"/api/v1/calls/{call['id']}/ranking", headers=auth(MANAGER))
        assert ranked.status_code == 200, ranked.text
        states = {a["id"]: (a["state"], a["rank"], a["reserve"]) for a in ranked.json()}
        assert states[best["id"]] == ("admitted", states[best["id"]][1], False)
        assert states[tie["id"]][0] == "admitted" and states[tie["id"]][1] == states[best["id"]][1] + 1
        assert states[reserve["id"]] == ("ranked", states[tie["id"]][1] + 1, True)
        assert states[weak["id"]][0] == "not_admitted"
        assert "qualita" in client.get(f"/api/v1/applications/{weak['id']}", headers=auth(MANAGER)).json()[
            "state_reason"]
        # The admitted ones go through accompaniment to a definitive project and funding.
        url = f"/api/v1/applications/{best['id']}"
        assert client.post(f"{url}/accompaniment", headers=auth(MANAGER), json={
            "kind": "meeting", "title": "Primo incontro", "on_date": "2026-03-01"}).status_code == 201
        assert client.post(f"{url}/definitive", headers=auth(ENTERPRISE), json={"requested": "700.00"}).json()[
            "state"] == "definitive_submitted"
        funded = client.post(f"{url}/funding", headers=auth(MANAGER), json={})
        assert funded.status_code == 200 and funded.json()["granted"] == "700.00"
        budget = client.get(f"/api/v1/calls/{call['id']}/budget").json()
        assert [f["remaining"] for f in budget["funders"]] == ["450.00", "450.00"]
        # Revoking returns the money and moves the reserve list up.
        revoked = client.post(f"{url}/revocation", headers=auth(MANAGER), json={"reason": "rinuncia"})
        assert revoked.json()["state"] == "revoked"
        budget = client.get(f"/api/v1/calls/{call['id']}/budget").json()
        assert budget["remaining"] == "1600.00" and budget["granted_by_applications"] == "0.00"
        moved = client.get(f"/api/v1/applications/{reserve['id']}", headers=auth(MANAGER)).json()
        assert moved["state"] == "admitted" and moved["reserve"] is False


class TestFunding:
    def test_a_decision_beyond_a_funders_budget_names_it_and_changes_nothing(self, client, auth, engine, ids):
        call = new_call(client, auth, funders=[
            {"key": "regione", "name": "Regione", "role": "region", "contribution": "1000.00"},
            {"key": "camere", "name": "Camere", "role": "pool", "contribution": "100.00"}])
        (app_id,) = _funding_ready(engine, call["id"], ids["org:conceria-demo"], 1)
        refused = assert_problem(client.post(f"/api/v1/applications/{app_id}/funding", headers=auth(MANAGER),
                                             json={}), 409)
        assert refused["funder"] == "camere" and refused["shortfall"] == "400.00"
        assert "Camere" in refused["detail"]
        budget = client.get(f"/api/v1/calls/{call['id']}/budget").json()
        assert budget["allocated"] == "0.00"
        assert client.get(f"/api/v1/applications/{app_id}", headers=auth(MANAGER)).json()["state"] == (
            "definitive_submitted")

    def test_only_managers_fund(self, client, auth, engine, ids):
        call = new_call(client, auth)
        (app_id,) = _funding_ready(engine, call["id"], ids["org:conceria-demo"], 1)
        assert_problem(client.post(f"/api/v1/applications/{app_id}/funding", headers=auth(ENTERPRISE), json={}), 403)


def _funding_ready(engine, call_id: int, organization_id: int, count: int) -> list[int]:  # noqa: ANN001
    """Applications already through evaluation and accompaniment, written directly: the test is about the
    funding decisions that follow."""
    ids = []
    with engine.begin() as conn:
        for n in range(count):
            row = conn.execute(text(
                "INSERT INTO applications (call_id, organization_id, province, title, requested_cents, "
                "definitive_requested_cents, budget_lines, state, reserve, is_demo, version, created_at, updated_at)"
                " VALUES (:call, :org, 'PI', :title, 100000, 100000, '[]', 'definitive_submitted', false, false, 1,"
                " :now, :now) RETURNING id"),
                {"call": call_id, "org": organization_id, "title": f"Concorrente {n}",
                 "now": datetime.now(UTC)}).scalar_one()
            ids.append(row)
    return ids


def test_fifty_concurrent_funding_decisions_never_overspend(client, auth, engine, live_url, ids):
    call = new_call(client, auth, funders=[
        {"key": "regione", "name": "Regione", "role": "region", "contribution": "10000.00"},
        {"key": "camere", "name": "Camere", "role": "pool", "contribution": "9500.00"}])
    applications = _funding_ready(engine, call["id"], ids["org:conceria-demo"], 50)
    headers = auth(MANAGER)
    answers: dict[int, httpx.Response] = {}
    barrier = threading.Barrier(50)

    def decide(app_id: int) -> None:
        with httpx.Client(base_url=live_url, timeout=60) as http:
            barrier.wait()
            answers[app_id] = http.post(f"/api/v1/applications/{app_id}/funding", headers=headers, json={})

    threads = [threading.Thread(target=decide, args=(app_id,)) for app_id in applications]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in answers.values())
    assert set(statuses) <= {200, 409}, [r.text for r in answers.values() if r.status_code not in (200, 409)]
    funded = [a for a, r in answers.items() if r.status_code == 200]
    # 1,000 euro grants, 500 from each: the chambers' 9,500 allow 19 of them.
    assert len(funded) == 19
    refused = next(r for r in answers.values() if r.status_code == 409).json()
    assert refused["funder"] == "camere" and refused["shortfall"] == "500.00"
    budget = client.get(f"/api/v1/calls/{call['id']}/budget").json()
    assert [f["remaining"] for f in budget["funders"]] == ["500.00", "0.00"]
    assert budget["allocated"] == budget["granted_by_applications"] == "19000.00"
    with engine.connect() as conn:
        per_app = conn.execute(text("SELECT application_id, sum(amount_cents) FROM budget_ledger "
                                    "WHERE call_id = :c GROUP BY application_id"), {"c": call["id"]}).all()
    assert sorted(a for a, _ in per_app) == sorted(funded) and all(total == 100000 for _, total in per_app)


class TestDocumentsAndReports:
    def test_required_documents_are_named_at_submission_and_attachments_follow_upload_rules(self, client, auth,
                                                                                              engine):
        call = new_call(client, auth, required_documents=["domanda firmata", "piano finanziario"])
        app = new_application(client, auth, call["id"])
        url = f"/api/v1/applications/{app['id']}"
        pdf = b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n"
        attached = client.put(f"{url}/attachments/domanda.pdf", params={"document": "domanda firmata"},
                              headers=auth(ENTERPRISE), content=pdf)
        assert attached.status_code == 201, attached.text
        assert attached.json()[0]["document"] == "domanda firmata" and attached.json()[0]["size"] == len(pdf)
        assert_problem(client.put(f"{url}/attachments/piano.pdf", headers=auth(ENTERPRISE), content=b"MZ\x90\x00"),
                       415)
        assert_problem(client.put(f"{url}/attachments/..%2Fpiano.pdf", headers=auth(ENTERPRISE), content=pdf), 422)
        body = assert_problem(client.post(f"{url}/submit", headers=auth(ENTERPRISE)), 422)
        assert [e["message"] for e in body["errors"] if e["field"] == "eligibility.required_documents"] == [
            "the application carries no 'piano finanziario'"]
        client.put(f"{url}/attachments/piano.csv", params={"document": "piano finanziario"},
                   headers=auth(ENTERPRISE), content=b"voce;importo\nimpianto;2500\n")
        assert client.post(f"{url}/submit", headers=auth(ENTERPRISE)).status_code == 200
        assert_problem(client.put(f"{url}/attachments/tardi.pdf", headers=auth(ENTERPRISE), content=pdf), 409)
        assert len(client.get(f"{url}/attachments", headers=auth(ENTERPRISE)).json()) == 2
        assert_problem(client.get(f"{url}/attachments", headers=auth("prato@cartesio.example")), 404)

    def test_the_report_counts_in_the_database_and_exports_csv(self, client, auth, engine, ids):
        call = new_call(client, auth)
        new_application(client, auth, call["id"], requested="300.00")
        (funded,) = _funding_ready(engine, call["id"], ids["org:conceria-demo"], 1)
        client.post(f"/api/v1/applications/{funded}/funding", headers=auth(MANAGER), json={})
        report = client.get(f"/api/v1/calls/{call['id']}/report").json()
        assert report["applications"] == 2 and report["granted"] == "1000.00"
        assert report["by_state"]["draft"] == {"applications": 1, "requested": "300.00", "granted": "0.00"}
        assert report["by_state"]["funded"]["granted"] == "1000.00"
        assert report["by_province"]["PI"]["applications"] == 2
        assert report["requested"] == "1300.00"
        exported = client.get(f"/api/v1/calls/{call['id']}/report", headers={"Accept": "text/csv"})
        assert exported.headers["content-type"].startswith("text/csv")
        assert "by_state,funded,granted,1000.00" in exported.text


class TestLombardCall:
    def test_the_seeded_call_as_the_document_gives_it(self, client, auth):
        calls = every_item(client, "/api/v1/calls")
        call = next(c for c in calls if c["slug"] == "innovazione-filiere-economia-circolare-lombardia")
        assert call["budget"] == "2000000.00"
        assert sorted((f["role"], f["contribution"]) for f in call["funders"]) == [
            ("pool", "1000000.00"), ("region", "1000000.00")]
        assert call["cofinancing_rate"] == "0.4000" and call["max_grant"] is None and call["min_investment"] is None
        assert [p["name"] for p in call["phases"]] == ["Fasi 1 e 2", "Fase 3"]
        assert all(p["opens_at"] is None and p["open_now"] is False for p in call["phases"])
        budget = client.get(f"/api/v1/calls/{call['id']}/budget").json()
        assert budget["allocated"] == budget["granted_by_applications"]
        listed = client.get(f"/api/v1/calls/{call['id']}/applications", params={"limit": 200},
                            headers=auth(ADMIN)).json()["items"]
        assert {a["state"] for a in listed} == {s for s in (
            "draft", "submitted", "admissible", "inadmissible", "under_evaluation", "evaluated", "ranked",
            "admitted", "not_admitted", "definitive_submitted", "funded", "not_funded", "in_progress", "completed",
            "revoked", "withdrawn")}
        assert all(a["is_demo"] for a in listed)
        chamber = client.get(f"/api/v1/calls/{call['id']}/applications", params={"limit": 200},
                             headers=auth("camera@cartesio.example")).json()["items"]
        assert len(chamber) == len(listed)  # Unioncamere Lombardia: every Lombard applicant, no one else
        assert not client.get(f"/api/v1/calls/{call['id']}/applications", params={"limit": 200},
                              headers=auth(ENTERPRISE)).json()["items"]


def test_an_applicant_of_record_cannot_be_deleted(client, auth):
    call = new_call(client, auth)
    org = client.post("/api/v1/organizations", headers=auth(ADMIN), json={
        "name": f"Richiedente {_uid()}", "kind": "enterprise", "country": "IT", "region_code": "ITI17"}).json()
    created = client.post("/api/v1/applications", headers=auth(ADMIN), json={
        "call_id": call["id"], "organization_id": org["id"], "title": "x", "requested": "10.00"})
    assert created.status_code == 201, created.text
    body = assert_problem(client.delete(f"/api/v1/organizations/{org['id']}", headers=auth(ADMIN)), 409)
    assert "applications" in body["detail"] and body["referred_by"] == ["applications"]
    assert client.get(f"/api/v1/organizations/{org['id']}").status_code == 200


class TestReviewFindings:
    def test_only_those_who_run_a_call_rank_it_and_see_only_what_they_may(self, client, auth, evaluators):
        call = new_call(client, auth)
        evaluated(client, auth, evaluators, call["id"])
        assert_problem(client.post(f"/api/v1/calls/{call['id']}/ranking",
                                   headers=auth("camera@cartesio.example")), 403)
        ranked = client.post(f"/api/v1/calls/{call['id']}/ranking", headers=auth(MANAGER))
        assert ranked.status_code == 200 and len(ranked.json()) == 1

    def test_the_divergence_note_gives_no_figures(self, client, auth, evaluators):
        call = new_call(client, auth)
        app = evaluated(client, auth, evaluators, call["id"], scores=((9, 9), (2, 2)))
        status = client.get(f"/api/v1/applications/{app['id']}/evaluations", headers=auth(MANAGER)).json()["status"]
        assert "third evaluator" in status and "9" not in status and "2.0" not in status

    def test_the_reserve_moves_up_only_within_the_budget(self, client, auth, evaluators):
        call = new_call(client, auth, max_grant=None, cofinancing_rate=None, funders=[
            {"key": "regione", "name": "Regione", "role": "region", "contribution": "10000.00"},
            {"key": "camere", "name": "Camere", "role": "pool", "contribution": "10000.00"}])
        big = evaluated(client, auth, evaluators, call["id"], requested="16000.00", scores=((9, 9), (9, 9)))
        huge = evaluated(client, auth, evaluators, call["id"], requested="20000.00", scores=((8, 8), (8, 8)))
        small = evaluated(client, auth, evaluators, call["id"], requested="2000.00", scores=((7, 7), (7, 7)))
        client.post(f"/api/v1/calls/{call['id']}/ranking", headers=auth(MANAGER))
        state = {a: client.get(f"/api/v1/applications/{a}", headers=auth(MANAGER)).json()["state"]
                 for a in (big["id"], huge["id"], small["id"])}
        assert state == {big["id"]: "admitted", huge["id"]: "ranked", small["id"]: "admitted"}
        move(client, auth, big["id"], "withdrawn", who=ENTERPRISE, reason="rinuncia")
        # 20,000 does not fit beside the 2,000 already admitted: it stays on the reserve list.
        assert client.get(f"/api/v1/applications/{huge['id']}", headers=auth(MANAGER)).json()["state"] == "ranked"

    def test_draft_corrections(self, client, auth, ids):
        call = new_call(client, auth)
        partner = client.post("/api/v1/organizations", headers=auth(ADMIN), json={
            "name": f"Partner {_uid()}", "kind": "enterprise", "country": "IT", "region_code": "ITI17"}).json()
        app = new_application(client, auth, call["id"], partners=[{"organization_id": partner["id"]}])
        url = f"/api/v1/applications/{app['id']}"
        changed = client.patch(url, headers=auth(ENTERPRISE), json={
            "partners": [{"organization_id": partner["id"], "receives_funds": False}]})
        assert changed.status_code == 200, changed.text
        assert changed.json()["partners"] == [{"organization_id": partner["id"], "receives_funds": False}]
        assert_problem(client.patch(url, headers=auth(ENTERPRISE), json={"category": "altro"}), 422,
                       field="body.category")
        client.post(f"{url}/submit", headers=auth(ENTERPRISE))
        move(client, auth, app["id"], "admissible")
        assert_problem(move(client, auth, app["id"], "under_evaluation"), 409)
