from __future__ import annotations

import uuid

import pytest
from jose import jwt
from sqlalchemy import text

from tests.conftest import DEMO_PASSWORD, TEST_SECRET
from tests.helpers import assert_problem

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/auth/me"


def password_grant(client, email, password, address=None):
    return client.post(TOKEN, data={"grant_type": "password", "username": email, "password": password})


class TestToken:
    def test_password_grant_returns_a_bearer_token(self, client, settings):
        response = password_grant(client, "toscana@cartesio.example", DEMO_PASSWORD)
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "bearer" and body["expires_in"] == settings.access_token_ttl_seconds
        claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"], audience="cartesio-api",
                            issuer="cartesio")
        assert claims["role"] == "region_officer" and claims["scopes"] == ["region:ITI1"]
        assert claims["exp"] - claims["iat"] == settings.access_token_ttl_seconds
        assert response.headers["cache-control"] == "no-store"

    def test_email_is_case_insensitive(self, client):
        assert password_grant(client, "Toscana@Cartesio.Example", DEMO_PASSWORD).status_code == 200

    @pytest.mark.parametrize(("email", "password"), [
        ("toscana@cartesio.example", "wrong-password"), ("nobody@cartesio.example", DEMO_PASSWORD)])
    def test_wrong_credentials_are_401(self, client, email, password):
        body = assert_problem(password_grant(client, email, password), 401)
        assert body["type"].endswith("invalid-credentials")

    def test_missing_fields_are_422(self, client):
        assert_problem(client.post(TOKEN, data={"grant_type": "password", "username": "a@b.cd"}), 422,
                       field="body.password")
        assert_problem(client.post(TOKEN, data={"grant_type": "magic"}), 422, field="body.grant_type")
        assert_problem(client.post(TOKEN, json={"grant_type": "password"}), 422)

    def test_repeated_failures_are_throttled_per_account(self, client, auth, engine, settings):
        email = f"throttle-{uuid.uuid4().hex[:6]}@cartesio.example"
        created = client.post("/api/v1/users", json={"email": email, "password": "a-long-password", "role": "reader"},
                              headers=auth("admin@cartesio.example"))
        assert created.status_code == 201, created.text
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM login_failures"))
        for _ in range(settings.login_max_failures):
            assert password_grant(client, email, "nope").status_code == 401
        blocked = password_grant(client, email, "a-long-password")
        body = assert_problem(blocked, 429)
        assert 1 <= int(blocked.headers["retry-after"]) <= settings.login_window_seconds + 1
        assert body["type"].endswith("login-throttled")
        assert password_grant(client, "toscana@cartesio.example", DEMO_PASSWORD).status_code == 200
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM login_failures"))
        assert password_grant(client, email, "a-long-password").status_code == 200

    def test_repeated_failures_are_throttled_per_address(self, client, engine, settings):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM login_failures"))
        for i in range(settings.login_max_failures_per_address):
            assert password_grant(client, f"nobody-{i}@cartesio.example", "nope").status_code == 401
        assert_problem(password_grant(client, "toscana@cartesio.example", DEMO_PASSWORD), 429)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM login_failures"))

    def test_client_credentials_grant(self, client, auth):
        created = client.post("/api/v1/service-accounts", json={"name": "SIT Toscana", "role": "region_officer",
                                                                "scopes": ["region:ITI1"]},
                              headers=auth("admin@cartesio.example"))
        assert created.status_code == 201, created.text
        cid, secret = created.json()["client_id"], created.json()["client_secret"]
        ok = client.post(TOKEN, data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret})
        assert ok.status_code == 200
        me = client.get(ME, headers={"Authorization": f"Bearer {ok.json()['access_token']}"}).json()
        assert me["kind"] == "service" and me["regions"] == ["ITI1"]
        bad = client.post(TOKEN, data={"grant_type": "client_credentials", "client_id": cid, "client_secret": "x"})
        assert_problem(bad, 401)


class TestBearerTokens:
    """Bad tokens and headers: tests/test_tokens.py."""

    def test_me(self, client, auth, ids):
        me = client.get(ME, headers=auth("prato@cartesio.example"))
        assert me.status_code == 200
        assert me.json()["clusters"] == [ids["cluster:prato-textile"]]

    def test_an_organization_scope_beside_the_own_organization(self, client, auth, ids):
        """organization:N scopes are ids like organization_id: a user with both is served, and acts on both."""
        email = f"gruppo-{uuid.uuid4().hex[:8]}@cartesio.example"
        own, other = ids["org:conceria-demo"], ids["org:verificatore-demo"]
        created = client.post("/api/v1/users", headers=auth("admin@cartesio.example"), json={
            "email": email, "password": "a-long-password", "role": "enterprise", "organization_id": own,
            "scopes": [f"organization:{other}"]})
        assert created.status_code == 201, created.text
        me = client.get(ME, headers=auth(email, "a-long-password"))
        assert me.status_code == 200, me.text
        assert me.json()["organizations"] == sorted([own, other])
        changed = client.patch(f"/api/v1/organizations/{other}", headers=auth(email, "a-long-password"),
                               json={"website": "https://verificatore.example"})
        assert changed.status_code == 200, changed.text

    def test_me_needs_a_token(self, client):
        assert_problem(client.get(ME), 401)
