"""The authorization matrix, generated from api/auth/policy.py: every role (and anonymous) against every
write action, over HTTP; the answer must be what the policy table says for that caller and that object."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from api.auth.policy import POLICY, Action, Role
from api.auth.principal import Principal, Target
from tests.helpers import assert_problem

ACCOUNTS = {
    Role.admin: "admin@cartesio.example", Role.region_officer: "toscana@cartesio.example",
    Role.cluster_manager: "prato@cartesio.example", Role.enterprise: "conceria@cartesio.example",
    Role.evaluator: "valutatore@cartesio.example", Role.verifier: "verificatore@cartesio.example",
    Role.chamber_officer: "camera@cartesio.example", Role.reader: "ricerca@cartesio.example",
}
ADMIN = ACCOUNTS[Role.admin]


@dataclass
class Case:
    """How to try an action over HTTP: prepare (as admin) returns the request and the object's scope facts."""

    prepare: Callable[..., tuple[str, str, dict | None, Target | None]]


def _name() -> str:
    return f"Matrice {uuid.uuid4().hex[:8]}"


def _cluster(client, auth, region="ITI15"):  # noqa: ANN001, ANN201
    return client.post("/api/v1/clusters", json={"name": _name(), "kind": "cluster", "country": "IT",
                                                  "region_code": region}, headers=auth(ADMIN)).json()


def _org(client, auth, region="ITI17"):  # noqa: ANN001, ANN201
    return client.post("/api/v1/organizations", json={"name": _name(), "kind": "enterprise", "country": "IT",
                                                       "region_code": region}, headers=auth(ADMIN)).json()


def _network(client, auth):  # noqa: ANN001, ANN201
    return client.post("/api/v1/networks", json={"name": _name(), "slug": f"m-{uuid.uuid4().hex[:8]}"},
                       headers=auth(ADMIN)).json()


def _source(client, auth) -> str:  # noqa: ANN001
    """A sync source, registered by creating its integration's account."""
    created = client.post("/api/v1/service-accounts", headers=auth(ADMIN), json={
        "name": "SIT matrice", "role": "region_officer", "scopes": ["region:ITC4"], "source": "matrice"})
    assert created.status_code == 201, created.text
    return "matrice"


def _criterion(client, auth) -> tuple[int, str]:  # noqa: ANN001
    """A criterion created by the admin, and its owner key."""
    created = client.post("/api/v1/criteria", headers=auth(ADMIN), json={
        "name": _name(), "definition": {"type": "has", "what": "website"}})
    assert created.status_code == 201, created.text
    me = client.get("/api/v1/auth/me", headers=auth(ADMIN)).json()
    return created.json()["id"], f"user:{me['id']}"


def _imagine_set(client) -> int:  # noqa: ANN001
    sets = client.get("/api/v1/criteria-sets?limit=200").json()["items"]
    return next(s["id"] for s in sets if "(IMAGINE)" in s["name"] and s["name"].startswith("Replicabilit"))


VERIFIER = "verificatore@cartesio.example"


def _released_resource(client, auth, cluster_id: int) -> int:  # noqa: ANN001
    """A shared resource of the cluster with a released version 1 (made by the admin)."""
    made = client.post("/api/v1/emas/resources", headers=auth(ADMIN), json={
        "cluster_id": cluster_id, "type": "procedure", "title": _name(), "requirements": ["II.A.8.1"]}).json()
    url = f"/api/v1/emas/resources/{made['id']}/versions"
    assert client.post(url, headers=auth(ADMIN), json={}).status_code == 201
    assert client.put(f"{url}/1/files/procedura.txt", headers=auth(ADMIN), content=b"procedura").status_code == 201
    assert client.post(f"{url}/1/release", headers=auth(ADMIN)).status_code == 200
    return made["id"]


def _validated_resource(client, auth, cluster_id: int) -> int:  # noqa: ANN001
    resource_id = _released_resource(client, auth, cluster_id)
    validated = client.post(f"/api/v1/emas/resources/{resource_id}/versions/1/validations", headers=auth(VERIFIER),
                            json={"outcome": "validated"})
    assert validated.status_code == 201, validated.text
    return resource_id


def _apo_request(client, auth) -> tuple[int, int]:  # noqa: ANN001
    """A new cluster in ITI15 with a pending APO request."""
    cluster = _cluster(client, auth)["id"]
    requested = client.post(f"/api/v1/clusters/{cluster}/apo", headers=auth(ADMIN), json={})
    assert requested.status_code == 201, requested.text
    return cluster, requested.json()["id"]


def _call(client, auth) -> int:  # noqa: ANN001
    """An open call with two criteria (made by the admin)."""
    made = client.post("/api/v1/calls", headers=auth(ADMIN), json={
        "slug": f"m-{uuid.uuid4().hex[:8]}", "title_it": _name(),
        "funders": [{"key": "regione", "name": "Regione", "role": "region", "contribution": "1000.00"}],
        "charge_rule": [{"funder": "region", "share": "1"}],
        "phases": [{"name": "aperta", "opens_at": "2020-01-01T00:00:00", "closes_at": "2100-01-01T00:00:00"}],
        "criteria": [{"code": "qualita", "name": "Qualità", "weight": "1", "max_score": "10"}]})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def _under_evaluation(client, auth, ids) -> int:  # noqa: ANN001
    """An application of Conceria Demo under evaluation by the demo evaluator and one more."""
    app = client.post("/api/v1/applications", headers=auth(ADMIN), json={
        "call_id": _call(client, auth), "organization_id": ids["org:conceria-demo"], "title": _name(),
        "requested": "100.00"}).json()
    url = f"/api/v1/applications/{app['id']}"
    assert client.post(f"{url}/submit", headers=auth(ADMIN)).status_code == 200
    assert client.post(f"{url}/transitions", headers=auth(ADMIN), json={"to": "admissible"}).status_code == 200
    other = client.post("/api/v1/users", headers=auth(ADMIN), json={
        "email": f"m-{uuid.uuid4().hex[:8]}@cartesio.example", "password": "a-long-password",
        "role": "evaluator"}).json()
    demo = client.get("/api/v1/auth/me", headers=auth(ACCOUNTS[Role.evaluator])).json()
    for evaluator in (demo["id"], other["id"]):
        assert client.post(f"{url}/assignments", headers=auth(ADMIN),
                           json={"evaluator_id": evaluator}).status_code == 201
    return app["id"]


def conceria_target(ids, **extra) -> Target:  # noqa: ANN001
    return Target(region_codes=("ITI17",), organization_id=ids["org:conceria-demo"],
                  cluster_ids=(ids["cluster:santa-croce-tannery"],), **extra)


def prato_target(ids) -> Target:  # noqa: ANN001
    return Target(region_codes=("ITI15",), cluster_ids=(ids["cluster:prato-textile"],))


CASES: dict[Action, Case] = {
    Action.clusters_create: Case(lambda c, a, ids: (
        "post", "/api/v1/clusters", {"name": _name(), "kind": "cluster", "country": "IT", "region_code": "ITI17"},
        Target(region_codes=("ITI17",)))),
    Action.clusters_update: Case(lambda c, a, ids: (
        "patch", f"/api/v1/clusters/{ids['cluster:prato-textile']}", {"locality": "Prato"}, prato_target(ids))),
    Action.clusters_delete: Case(lambda c, a, ids: (
        lambda cl: ("delete", f"/api/v1/clusters/{cl['id']}", None,
                    Target(region_codes=("ITI15",), cluster_ids=(cl["id"],))))(_cluster(c, a))),
    Action.cluster_members_write: Case(lambda c, a, ids: (
        "post", f"/api/v1/clusters/{ids['cluster:prato-textile']}/members",
        {"organization_id": _org(c, a)["id"]}, prato_target(ids))),
    Action.supply_chain_write: Case(lambda c, a, ids: (
        "post", f"/api/v1/clusters/{ids['cluster:prato-textile']}/supply-chain",
        {"customer_id": _cluster(c, a, "ITC4")["id"], "product": "filati"}, prato_target(ids))),
    Action.organizations_create: Case(lambda c, a, ids: (
        "post", "/api/v1/organizations", {"name": _name(), "kind": "enterprise", "country": "IT",
                                          "region_code": "ITI12"}, Target(region_codes=("ITI12",)))),
    Action.organizations_update: Case(lambda c, a, ids: (
        "patch", f"/api/v1/organizations/{ids['org:conceria-demo']}", {"municipality": "Santa Croce sull'Arno"},
        Target(region_codes=("ITI17",), organization_id=ids["org:conceria-demo"]))),
    Action.organizations_delete: Case(lambda c, a, ids: (
        lambda o: ("delete", f"/api/v1/organizations/{o['id']}", None,
                   Target(region_codes=("ITI17",), organization_id=o["id"])))(_org(c, a))),
    Action.networks_create: Case(lambda c, a, ids: (
        "post", "/api/v1/networks", {"name": _name(), "slug": f"n-{uuid.uuid4().hex[:8]}"}, None)),
    Action.networks_update: Case(lambda c, a, ids: (
        "patch", f"/api/v1/networks/{_network(c, a)['id']}", {"description": "x"}, None)),
    Action.networks_delete: Case(lambda c, a, ids: (
        "delete", f"/api/v1/networks/{_network(c, a)['id']}", None, None)),
    Action.network_members_write: Case(lambda c, a, ids: (
        "post", f"/api/v1/networks/{_network(c, a)['id']}/members",
        {"organization_id": ids["org:regione-toscana"], "role": "adherent"}, None)),
    Action.changes_read: Case(lambda c, a, ids: ("get", "/api/v1/changes?limit=1", None, None)),
    Action.sync_write: Case(lambda c, a, ids: (
        lambda source: ("put", f"/api/v1/sync/{source}/clusters/m-{uuid.uuid4().hex[:8]}",
                        {"name": _name(), "kind": "cluster", "country": "IT", "region_code": "ITC4C"},
                        Target(region_codes=("ITC4C",), source=source)))(_source(c, a))),
    Action.webhooks_manage: Case(lambda c, a, ids: (
        "post", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "event_types": ["cluster.*"]}, None)),
    Action.criteria_create: Case(lambda c, a, ids: (
        "post", "/api/v1/criteria", {"name": _name(), "definition": {"type": "has", "what": "members"}}, None)),
    Action.criteria_update: Case(lambda c, a, ids: (
        lambda made: ("patch", f"/api/v1/criteria/{made[0]}", {"weight": 2}, Target(owner=made[1])))(
            _criterion(c, a))),
    Action.screenings_run: Case(lambda c, a, ids: (
        "post", "/api/v1/screenings", {"criteria_set_id": _imagine_set(c),
                                       "scope": {"cluster_ids": [ids["cluster:prato-textile"]]}}, None)),
    Action.emas_resources_write: Case(lambda c, a, ids: (
        "post", "/api/v1/emas/resources", {"cluster_id": ids["cluster:prato-textile"], "type": "other",
                                           "title": _name(), "requirements": ["I.1"]}, prato_target(ids))),
    Action.emas_validate: Case(lambda c, a, ids: (
        "post", f"/api/v1/emas/resources/{_released_resource(c, a, ids['cluster:prato-textile'])}/versions/1/"
                "validations", {"outcome": "validated"}, None)),
    Action.verifiers_manage: Case(lambda c, a, ids: (
        "put", f"/api/v1/organizations/{ids['org:verificatore-demo']}/accreditation",
        {"accreditation_number": "DEMO-0001", "accrediting_body": "Ente di accreditamento (demo)",
         "nace_scopes": ["13", "14", "15"]}, None)),
    # An organization's EMAS records are hidden (404) from those who may not read them; see HIDDEN.
    Action.emas_adopt: Case(lambda c, a, ids: (
        "post", f"/api/v1/organizations/{ids['org:conceria-demo']}/adoptions",
        {"resource_id": _validated_resource(c, a, ids["cluster:santa-croce-tannery"]), "version": 1},
        conceria_target(ids))),
    Action.emas_evidence_write: Case(lambda c, a, ids: (
        "post", f"/api/v1/organizations/{ids['org:conceria-demo']}/evidence",
        {"requirement_code": "II.A.9.3", "title": _name()}, conceria_target(ids))),
    Action.emas_coverage_read: Case(lambda c, a, ids: (
        "get", f"/api/v1/organizations/{ids['org:conceria-demo']}/emas-coverage", None, conceria_target(ids))),
    Action.audit_read: Case(lambda c, a, ids: ("get", "/api/v1/audit?limit=1", None, None)),
    Action.cluster_programme_write: Case(lambda c, a, ids: (
        "post", f"/api/v1/clusters/{ids['cluster:prato-textile']}/programme/steps", {"title": _name()},
        prato_target(ids))),
    Action.apo_decide: Case(lambda c, a, ids: (
        lambda made: ("patch", f"/api/v1/clusters/{made[0]}/apo/{made[1]}", {"status": "refused"},
                      Target(region_codes=("ITI15",), cluster_ids=(made[0],))))(_apo_request(c, a))),
    Action.calls_manage: Case(lambda c, a, ids: (
        "post", "/api/v1/calls", {
            "slug": f"m-{uuid.uuid4().hex[:8]}", "title_it": _name(),
            "funders": [{"key": "regione", "name": "Regione", "role": "region", "contribution": "10.00"}],
            "charge_rule": [{"funder": "region", "share": "1"}]}, None)),
    Action.applications_write: Case(lambda c, a, ids: (
        "post", "/api/v1/applications", {"call_id": _call(c, a), "organization_id": ids["org:conceria-demo"],
                                          "title": _name(), "requested": "10.00"},
        Target(organization_id=ids["org:conceria-demo"]))),
    Action.evaluations_write: Case(lambda c, a, ids: (
        "put", f"/api/v1/applications/{_under_evaluation(c, a, ids)}/evaluations/mine",
        {"scores": {"qualita": {"score": "7"}}}, None)),
    Action.events_manage: Case(lambda c, a, ids: (
        "post", "/api/v1/events", {"title": _name(), "kind": "seminar", "starts_at": "2031-05-05T09:00:00",
                                   "ends_at": "2031-05-05T12:00:00", "capacity": 30}, None)),
    Action.datasets_release: Case(lambda c, a, ids: ("post", "/api/v1/datasets/network-memberships/releases",
                                                     None, None)),
    Action.products_write: Case(lambda c, a, ids: (
        "post", f"/api/v1/clusters/{ids['cluster:prato-textile']}/products", {"name": _name()}, prato_target(ids))),
    Action.territory_import: Case(lambda c, a, ids: ("get", "/api/v1/territory/imports?limit=1", None, None)),
    Action.territory_reference_write: Case(lambda c, a, ids: (
        "post", "/api/v1/territory/symbiosis-mappings",
        {"ewc_prefix": f"{uuid.uuid4().int % 10**6:06d}", "nace_code": "01.1"}, None)),
    Action.territory_declarations_read: Case(lambda c, a, ids: (
        "get", "/api/v1/territory/declarations?limit=1", None, None)),
    Action.users_manage: Case(lambda c, a, ids: (
        "post", "/api/v1/users", {"email": f"m-{uuid.uuid4().hex[:8]}@cartesio.example",
                                  "password": "a-long-password", "role": "reader"}, None)),
}


# Actions on an organization's EMAS records: a caller who may not read them is told they do not exist.
HIDDEN = {Action.emas_adopt, Action.emas_evidence_write, Action.emas_coverage_read}


def test_every_action_has_a_case():
    assert set(CASES) == set(Action)
    assert {rule.action for rule in POLICY} <= set(Action)


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_matrix(client, auth, ids, role, action):
    method, url, body, target = CASES[action].prepare(client, auth, ids)
    headers = auth(ACCOUNTS[role]) if role else {}
    response = client.request(method, url, json=body, headers=headers)
    if role is None:
        assert_problem(response, 401)
        return
    me = client.get("/api/v1/auth/me", headers=headers).json()
    principal = Principal(kind="user", id=me["id"], role=me["role"], organization_id=me["organization_id"],
                          regions=tuple(me["regions"]), clusters=tuple(me["clusters"]),
                          organizations=tuple(me["organizations"]), chambers=tuple(me["chambers"]))
    if principal.can(action, target):
        assert response.status_code in (200, 201, 204), (role, action, response.text)
    elif action in HIDDEN and not principal.can(Action.emas_coverage_read, target):
        assert_problem(response, 404)
    else:
        assert_problem(response, 403)


def test_the_matrix_is_not_trivial(ids):
    """Each scoped role is allowed something and refused something, so the matrix checks both answers."""
    roles_allowed = {rule.role for rule in POLICY}
    assert {Role.admin, Role.region_officer, Role.cluster_manager, Role.enterprise} <= roles_allowed
