"""The authorization matrix over every operation of the app, generated from api/auth/operations.py (who may call
each route) and api/auth/policy.py (what each role may do where):

* every route is declared there, so a route without declared authorization fails here;
* anonymous callers get exactly the public operations, and 401 with a Bearer challenge everywhere else;
* callers of another tenant (another Region, cluster, chamber or firm) get 403 on what they can see and 404 on
  what they cannot, for every write action of tests/test_policy.py's cases;
* a Region's integration never writes outside its regions or its source, and nothing changes when it tries.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi.routing import APIRoute

from api.auth.operations import OPERATIONS, Access, actions_of
from api.auth.policy import Action, Role
from api.auth.principal import Principal, Target
from tests.helpers import assert_problem
from tests.test_policy import CASES, HIDDEN

API = "/api/v1"
ADMIN = "admin@cartesio.example"


def app_operations(app) -> dict[str, APIRoute]:
    """"METHOD path" -> route, for every route of the app (the path below /api/v1, as OPERATIONS names it)."""
    try:  # FastAPI keeps included routers apart from the app's own routes since 0.16x
        from fastapi.routing import iter_route_contexts
        routes = [context.original_route for context in iter_route_contexts(app.routes)]
    except ImportError:
        routes = list(app.routes)
    found: dict[str, APIRoute] = {}
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        for method in route.methods - {"HEAD", "OPTIONS"}:
            found[f"{method} {route.path.removeprefix(API)}"] = route
    return found


def dependency_names(route: APIRoute) -> set[str]:
    names: set[str] = set()
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        names.add(getattr(dependency.call, "__name__", type(dependency.call).__name__))
        stack.extend(dependency.dependencies)
    return names


def needs_account(key: str) -> bool:
    return OPERATIONS[key] not in (Access.public, Access.link)


class TestEveryRouteIsDeclared:
    def test_every_route_has_declared_authorization(self, client):
        undeclared = sorted(set(app_operations(client.app)) - set(OPERATIONS))
        assert not undeclared, f"declare who may call these in api/auth/operations.py: {undeclared}"

    def test_no_declaration_without_a_route(self, client):
        assert not sorted(set(OPERATIONS) - set(app_operations(client.app)))

    def test_declarations_name_policy_actions(self):
        for key, authorization in OPERATIONS.items():
            assert isinstance(authorization, Access) or all(isinstance(a, Action) for a in actions_of(authorization)), key

    def test_every_action_guards_some_operation(self):
        """An Action no operation checks is dead policy (or a route declared with the wrong one)."""
        used = {action for authorization in OPERATIONS.values() for action in actions_of(authorization)}
        assert set(Action) - used == set()

    @pytest.mark.parametrize("key", sorted(OPERATIONS))
    def test_the_route_asks_for_an_account_when_declared(self, client, key):
        """The declaration agrees with the code: what needs an account resolves the authenticated caller before
        anything else, what is public does not."""
        route = app_operations(client.app).get(key)
        if route is None:
            pytest.fail(f"{key} is declared but not routed")
        assert ("get_authenticated" in dependency_names(route)) == needs_account(key), key


def fill(key: str, values: dict[str, str]) -> tuple[str, str]:
    method, path = key.split(" ", 1)
    if path.startswith("/datasets/"):  # a dataset's release number, not an EMAS resource's version
        values = {**values, "number": values["release"]}
    if path.startswith("/lca-studies/"):  # a study's document, not a shared resource's file
        values = {**values, "file_id": values["lca_file_id"]}
    url = path
    for name, value in values.items():
        url = url.replace(f"{{{name}}}", value).replace(f"{{{name}:path}}", value)
    assert "{" not in url, f"no sample value for a parameter of {key}"
    url += QUERIES.get(key, "")
    return method, (url if url.startswith(("/healthz", "/readyz", "/metrics")) else API + url)


# Operations that need a query to answer 200.
QUERIES = {"GET /products/comparison": "?indicator=climate_change&code=13"}


def made(response) -> dict:
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture(scope="module")
def samples(client, auth, ids, engine) -> dict[str, str]:
    """A real object for each path parameter, so public reads answer 200 and guarded ones are refused for who
    is asking, not for a missing object. What the demo data lacks is made here as the admin."""
    from sqlalchemy import text

    from tests.test_policy import _imagine_set

    def first(sql: str) -> str:
        with engine.connect() as conn:
            value = conn.execute(text(sql)).scalar()
        return str(value) if value is not None else "1"

    admin = auth(ADMIN)
    cluster = ids["cluster:prato-textile"]
    screening = made(client.post(f"{API}/screenings", headers=admin, json={
        "criteria_set_id": _imagine_set(client), "scope": {"cluster_ids": [cluster]}}))["id"]
    series = made(client.post(f"{API}/clusters/{cluster}/indicators", headers=admin, json={
        "indicator": "energy", "name": "Consumi", "unit": "MWh", "values": [{"year": 2020, "value": "1"}]}))["id"]
    release = made(client.post(f"{API}/datasets/clusters/releases", headers=admin))["number"]
    made(client.post(f"{API}/service-accounts", headers=admin, json={
        "name": "SIT campione", "role": "region_officer", "scopes": ["region:ITC4"], "source": "campione"}))
    external_id = f"C-{uuid.uuid4().hex[:8]}"
    made(client.put(f"{API}/sync/campione/clusters/{external_id}", headers=admin, json={
        "name": "Campione", "kind": "cluster", "country": "IT", "region_code": "ITC4C"}))
    made(client.put(f"{API}/sync/campione/organizations/{external_id}", headers=admin, json={
        "name": "Campione", "kind": "enterprise", "country": "IT", "region_code": "ITC4C"}))
    # A product of its own, so that the demo product keeps exactly what the document gives it.
    product = made(client.post(f"{API}/clusters/{cluster}/products", headers=admin, json={
        "name": "Campione", "code": "13"}))["id"]
    epd = made(client.post(f"{API}/products/{product}/epds", headers=admin, json={
        "programme_operator": "EPDItaly", "registration_number": f"EPD-{uuid.uuid4().hex[:8]}",
        "standards": ["ISO 14025"], "issue_date": "2024-01-10", "valid_until": "2029-01-09"}))["id"]
    study = made(client.post(f"{API}/products/{product}/lca-studies", headers=admin, json={
        "functional_unit": {"quantity": "1", "unit": "kg", "description": "1 kg"},
        "system_boundary": "cradle_to_gate", "method": "EF 3.1", "reference_year": 2020,
        "results": [{"indicator": "climate_change", "value": "1", "unit": "kg CO2 eq"}]}))["id"]
    files = made(client.put(f"{API}/lca-studies/{study}/files/nota.txt", headers=admin,
                            content=b"Studio LCA (campione)"))["files"]
    return {
        "product_id": str(product), "study_id": str(study), "epd_id": str(epd), "lca_file_id": str(files[0]["id"]),
        "mapping_id": first("SELECT min(id) FROM symbiosis_mappings"),
        "cluster_id": str(cluster), "organization_id": str(ids["org:verificatore-demo"]),
        "network_id": first("SELECT min(network_id) FROM network_memberships"),
        "membership_id": first("SELECT min(id) FROM cluster_memberships"),
        "link_id": first("SELECT min(id) FROM supply_chain_links"),
        "declaration_id": first("SELECT min(id) FROM network_declarations"),
        "user_id": first("SELECT min(id) FROM users"), "account_id": first("SELECT min(id) FROM service_accounts"),
        "webhook_id": first("SELECT min(id) FROM webhook_subscriptions"),
        "criterion_id": first("SELECT min(id) FROM criteria"), "set_id": first("SELECT min(id) FROM criteria_sets"),
        "screening_id": str(screening), "other_id": str(screening),
        "resource_id": first("SELECT min(resource_id) FROM shared_resource_versions"), "number": "1",
        "file_id": first("SELECT min(id) FROM shared_resource_files"), "filename": "nota.txt",
        "adoption_id": first("SELECT min(id) FROM emas_adoptions"),
        "evidence_id": first("SELECT min(id) FROM emas_evidence"),
        "step_id": first("SELECT min(id) FROM programme_steps"), "series_id": str(series), "year": "2020",
        "attestation_id": first("SELECT min(id) FROM apo_attestations"),
        "call_id": first("SELECT min(id) FROM calls"), "application_id": first("SELECT min(id) FROM applications"),
        "programme_id": first("SELECT min(id) FROM programmes"), "event_id": first("SELECT min(id) FROM events"),
        "registration_id": first("SELECT min(id) FROM registrations"),
        "name": "clusters", "source": "campione", "external_id": external_id, "release": str(release),
    }


@pytest.mark.parametrize("key", sorted(OPERATIONS))
def test_anonymous(client, samples, key):
    """Without a token: public operations answer (never 401 or 403), every other one is 401 with a challenge."""
    method, url = fill(key, samples)
    response = client.request(method, url)
    authorization = OPERATIONS[key]
    if authorization is Access.public:
        assert response.status_code not in (401, 403) and response.status_code < 500, (key, response.text)
        if method == "GET":
            # A public read of a real object answers it.
            assert response.status_code == 200, (key, response.text)
    elif authorization is Access.link:
        # No account either way: without its link (a header or body field) the request is incomplete, not
        # unauthenticated.
        assert_problem(response, 422)
    else:
        body = assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer"), (key, response.headers)
        assert body["type"].endswith(("invalid-token", "unauthorized")), body


# Callers of other tenants than the objects of tests/test_policy.py's cases (Toscana, the Prato district,
# Conceria Demo in Pisa): made through the admin API once per module.
TENANTS = ("region_lombardia", "manager_other_cluster", "chamber_milano", "other_enterprise")


def make_account(client, auth, role: str, scopes: list[str], organization_id: int | None = None) -> dict:
    email = f"altro-{uuid.uuid4().hex[:8]}@cartesio.example"
    created = client.post(f"{API}/users", headers=auth(ADMIN), json={
        "email": email, "password": "a-long-password", "role": role, "scopes": scopes,
        "organization_id": organization_id})
    assert created.status_code == 201, created.text
    return auth(email, "a-long-password")


def make_org(client, auth, name: str, **fields) -> int:
    created = client.post(f"{API}/organizations", headers=auth(ADMIN), json={"name": f"{name} {uuid.uuid4().hex[:6]}",
                                                                            **fields})
    assert created.status_code == 201, created.text
    return created.json()["id"]


@pytest.fixture(scope="module")
def tenants(client, auth) -> dict[str, dict[str, str]]:
    lombard_cluster = client.post(f"{API}/clusters", headers=auth(ADMIN), json={
        "name": f"Distretto lombardo {uuid.uuid4().hex[:6]}", "kind": "cluster", "country": "IT",
        "region_code": "ITC4C"})
    assert lombard_cluster.status_code == 201, lombard_cluster.text
    chamber = make_org(client, auth, "Camera di commercio di Milano", kind="public_administration", country="IT",
                       region_code="ITC4C", province="MI")
    firm = make_org(client, auth, "Tessitura Lombarda", kind="enterprise", country="IT", region_code="ITC4C",
                    province="MI")
    return {
        "region_lombardia": make_account(client, auth, "region_officer", ["region:ITC4"]),
        "manager_other_cluster": make_account(client, auth, "cluster_manager",
                                              [f"cluster:{lombard_cluster.json()['id']}"]),
        "chamber_milano": make_account(client, auth, "chamber_officer", [f"chamber:{chamber}"], chamber),
        "other_enterprise": make_account(client, auth, "enterprise", [], firm),
    }


def principal_of(client, headers) -> Principal:
    me = client.get(f"{API}/auth/me", headers=headers).json()
    return Principal(kind=me["kind"], id=me["id"], role=me["role"], organization_id=me["organization_id"],
                     regions=tuple(me["regions"]), clusters=tuple(me["clusters"]),
                     organizations=tuple(me["organizations"]), chambers=tuple(me["chambers"]))


@pytest.mark.parametrize("tenant", TENANTS)
@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_another_tenant(client, auth, ids, tenants, tenant, action):
    """Outside their scope, callers are refused: 403 where the object is visible to them, 404 where it is not;
    what their role may do anywhere (scope "any") they may do here too."""
    if action not in CASES:
        pytest.fail(f"tests/test_policy.py has no case for {action.value}")
    method, url, body, target = CASES[action].prepare(client, auth, ids)
    headers = tenants[tenant]
    principal = principal_of(client, headers)
    response = client.request(method, url, json=body, headers=headers)
    if principal.can(action, target) or principal.can(action, OTHER_END.get(action)):
        assert response.status_code in (200, 201, 204), (tenant, action, response.text)
    elif action in HIDDEN and not principal.can(Action.emas_coverage_read, target):
        assert_problem(response, 404)
    else:
        assert_problem(response, 403)


# A supply-chain link may be written by whoever may write either end; the case links Prato to a new cluster in
# Lombardia (ITC4), so a Lombard officer may.
OTHER_END = {Action.supply_chain_write: Target(region_codes=("ITC4",))}


def test_tenants_are_refused_somewhere(client, ids, tenants):
    """Each made-up tenant is really outside the cases' objects: none of them may update the Prato district."""
    from tests.test_policy import prato_target

    for headers in tenants.values():
        assert not principal_of(client, headers).can(Action.clusters_update, prato_target(ids))


class TestIntegrationOutsideItsRegions:
    """A Region's system (a service account of source `lombardia`, region ITC4) against Tuscan records."""

    @pytest.fixture
    def lombardia(self, service_client):  # the session fixture keeps one account per source
        return service_client("lombardia", "ITC4")

    def record(self, name: str = "Distretto") -> dict:
        return {"name": f"{name} {uuid.uuid4().hex[:6]}", "kind": "cluster", "country": "IT", "region_code": "ITI15"}

    def test_cannot_create_a_record_in_another_region(self, client, lombardia):
        url = f"{API}/sync/lombardia/clusters/TOS-{uuid.uuid4().hex[:8]}"
        assert_problem(client.put(url, json=self.record(), headers=lombardia), 403)
        assert_problem(client.get(url), 404)

    def test_cannot_move_its_own_record_out_of_its_regions(self, client, lombardia):
        url = f"{API}/sync/lombardia/clusters/LOM-{uuid.uuid4().hex[:8]}"
        made = client.put(url, json={**self.record(), "region_code": "ITC4C"}, headers=lombardia)
        assert made.status_code == 201, made.text
        assert_problem(client.put(url, json=self.record(), headers=lombardia), 403)
        after = client.get(url).json()
        assert after["region_code"] == "ITC4C" and after["version"] == made.json()["version"]

    def test_cannot_change_or_delete_a_record_of_its_source_stored_elsewhere(self, client, auth, lombardia):
        """A record the admin filed under the source but in Toscana stays out of the integration's reach."""
        url = f"{API}/sync/lombardia/clusters/TOS-{uuid.uuid4().hex[:8]}"
        made = client.put(url, json=self.record(), headers=auth(ADMIN))
        assert made.status_code == 201, made.text
        assert_problem(client.put(url, json={**self.record(), "region_code": "ITC4C"}, headers=lombardia), 403)
        assert_problem(client.delete(url, headers=lombardia), 403)
        assert client.get(url).json() == made.json()

    def test_cannot_write_under_another_source(self, client, service_client, lombardia):
        service_client("toscana-sit", "ITI1")  # the source exists, it is just not this client's
        url = f"{API}/sync/toscana-sit/clusters/X-{uuid.uuid4().hex[:8]}"
        assert_problem(client.put(url, json={**self.record(), "region_code": "ITC4C"}, headers=lombardia), 403)
        assert_problem(client.get(url), 404)

    def test_a_batch_with_one_record_outside_changes_nothing(self, client, lombardia):
        inside, outside = f"LOM-{uuid.uuid4().hex[:8]}", f"TOS-{uuid.uuid4().hex[:8]}"
        response = client.post(f"{API}/sync/lombardia/clusters:batch", headers=lombardia, json=[
            {"external_id": inside, **self.record(), "region_code": "ITC4C"},
            {"external_id": outside, **self.record()}])
        assert_problem(response, 403)
        for external_id in (inside, outside):
            assert_problem(client.get(f"{API}/sync/lombardia/clusters/{external_id}"), 404)

    def test_cannot_change_the_registry_of_another_region(self, client, ids, lombardia):
        url = f"{API}/clusters/{ids['cluster:prato-textile']}"
        before = client.get(url).json()
        assert_problem(client.patch(url, json={"locality": "Milano"}, headers=lombardia), 403)
        assert_problem(client.delete(url, headers=lombardia), 403)
        org_url = f"{API}/organizations/{ids['org:conceria-demo']}"
        org_before = client.get(org_url).json()
        assert_problem(client.patch(org_url, json={"municipality": "Milano"}, headers=lombardia), 403)
        assert client.get(url).json() == before and client.get(org_url).json() == org_before

    def test_cannot_create_in_another_region(self, client, lombardia):
        name = f"Fuori regione {uuid.uuid4().hex[:6]}"
        assert_problem(client.post(f"{API}/clusters", headers=lombardia, json={
            "name": name, "kind": "cluster", "country": "IT", "region_code": "ITI15"}), 403)
        assert_problem(client.post(f"{API}/organizations", headers=lombardia, json={
            "name": name, "kind": "enterprise", "country": "IT", "region_code": "ITI17"}), 403)
        assert not [c for c in client.get(f"{API}/clusters", params={"q": name}).json()["items"]
                    if c["name"] == name]

    def test_cannot_manage_accounts(self, client, lombardia):
        assert_problem(client.post(f"{API}/service-accounts", headers=lombardia, json={
            "name": "Seconda chiave", "role": "admin"}), 403)
        assert_problem(client.get(f"{API}/users", headers=lombardia), 403)


def test_the_matrix_covers_roles_and_tenants():
    """Together with tests/test_policy.py (every role on its own objects) every role meets every action."""
    assert set(CASES) == set(Action) and len(TENANTS) == 4 and len(Role) >= 8
