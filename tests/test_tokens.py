"""Every way an access token can be wrong, over HTTP: each answers 401 problem+json with a Bearer challenge and
the same generic detail, so a caller learns nothing about which check failed."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwt
from sqlalchemy import text

from tests.conftest import TEST_SECRET
from tests.helpers import assert_problem

ME = "/api/v1/auth/me"
ADMIN = "admin@cartesio.example"
# What any bad token is told: it is not valid, whatever the reason (see InvalidAccessToken).
GENERIC = "The access token is not valid."
ACCOUNT_GONE = "The account of this token no longer exists or is disabled."


def claims(**overrides) -> dict:
    """The claims of a good token for the demo admin (user 1), with some changed or (None) removed; made when the
    module is collected, so they stay valid for the whole run."""
    now = int(time.time())
    payload = {"sub": "user:1", "role": "admin", "scopes": [], "iss": "cartesio", "aud": "cartesio-api",
               "iat": now, "nbf": now, "exp": now + 7 * 86400, "jti": uuid.uuid4().hex}
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


def forge(key: str | bytes = TEST_SECRET, alg: str = "HS256", **overrides) -> str:
    return jwt.encode(claims(**overrides), key, algorithm=alg)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unsigned(**overrides) -> str:
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{b64(json.dumps(claims(**overrides)).encode())}."


def tampered_payload() -> str:
    """A good token whose payload is swapped for one naming another role, keeping the old signature."""
    header, _, signature = forge(role="reader").split(".")
    return f"{header}.{b64(json.dumps(claims(role='admin', scopes=['region:IT'])).encode())}.{signature}"


def tampered_signature() -> str:
    header, payload, signature = forge().split(".")
    flipped = "A" if signature[0] != "A" else "B"
    return f"{header}.{payload}.{flipped}{signature[1:]}"


def attacker_key(kind: str) -> bytes:
    """A private key of the attacker's own (the server knows none of these)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa" \
        else ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def header_json(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


NOW = int(time.time())
BAD_TOKENS = {
    "alg-none": unsigned(),
    "alg-none-no-signature-dot": unsigned()[:-1],
    "alg-hs512-our-secret": forge(alg="HS512"),
    "alg-hs384-our-secret": forge(alg="HS384"),
    "alg-rs256-attacker-key": forge(attacker_key("rsa"), alg="RS256"),
    "alg-es256-attacker-key": forge(attacker_key("ec"), alg="ES256"),
    "another-secret": forge("a-different-key-of-the-same-length-" + "y" * 20),
    "tampered-payload": tampered_payload(),
    "tampered-signature": tampered_signature(),
    "no-signature": ".".join(forge().split(".")[:2]) + ".",
    "expired": forge(exp=NOW - 10, iat=NOW - 700, nbf=NOW - 700),
    "not-yet-valid": forge(nbf=NOW + 3600),
    "issued-in-the-future": forge(iat=NOW + 3600, nbf=NOW - 10),
    "wrong-issuer": forge(iss="someone-else"),
    "no-issuer": forge(iss=None),
    "wrong-audience": forge(aud="another-api"),
    "audience-list-without-ours": forge(aud=["another-api"]),
    "no-audience": forge(aud=None),
    "no-expiry": forge(exp=None),
    "no-subject": forge(sub=None),
    "no-issued-at": forge(iat=None),
    "no-not-before": forge(nbf=None),
    "subject-not-a-number": forge(sub="user:notanumber"),
    "subject-of-no-kind": forge(sub="robot:1"),
    "subject-of-no-account": forge(sub="user:999999999"),
    "scopes-not-a-list": forge(scopes="region:IT"),
    "not-a-jwt": "not-a-jwt",
    "two-parts": "abc.def",
    "garbage-base64": "!!!.???.***",
}


def assert_invalid_token(response) -> dict:
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer"), response.headers
    assert body["type"].endswith("invalid-token"), body
    assert "Traceback" not in response.text
    return body


class TestBadTokens:
    @pytest.mark.parametrize("name", list(BAD_TOKENS))
    def test_is_401_with_a_generic_answer(self, client, name):
        body = assert_invalid_token(client.get(ME, headers={"Authorization": f"Bearer {BAD_TOKENS[name]}"}))
        # Why the token failed (expiry, signature, algorithm...) is not told; only a token we signed ourselves
        # hears that its account is gone.
        assert body["detail"] == (ACCOUNT_GONE if name == "subject-of-no-account" else GENERIC), body

    def test_the_forged_algorithms_are_the_ones_named(self):
        assert {header_json(BAD_TOKENS[n])["alg"] for n in ("alg-none", "alg-hs512-our-secret",
                                                            "alg-rs256-attacker-key", "alg-es256-attacker-key")} \
            == {"none", "HS512", "RS256", "ES256"}

    def test_a_good_token_made_the_same_way_is_accepted(self, client):
        """The forgeries differ from a valid token only in what they break."""
        response = client.get(ME, headers={"Authorization": f"Bearer {forge()}"})
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "admin"

    @pytest.mark.parametrize("name", ["alg-none", "tampered-payload", "expired"])
    def test_refused_on_writes_too(self, client, name):
        before = client.get("/api/v1/networks?limit=200").json()["items"]
        response = client.post("/api/v1/networks", json={"name": "Rete forgiata", "slug": f"f-{uuid.uuid4().hex[:6]}"},
                               headers={"Authorization": f"Bearer {BAD_TOKENS[name]}"})
        assert_invalid_token(response)
        assert client.get("/api/v1/networks?limit=200").json()["items"] == before


class TestMalformedHeader:
    @pytest.mark.parametrize("value", [
        "Basic YWJjOmRlZg==", "Token {good}", "Bearer", "Bearer ", "{good}", "Bearer {good} extra",
        "Bearer  {good}x", "Bearer\t{good}x", "Bearer ünïcödé"])
    def test_is_401(self, client, value):
        value = value.format(good=forge())
        try:
            response = client.get(ME, headers={"Authorization": value})
        except UnicodeEncodeError:
            # An HTTP client cannot send it as a str; send the bytes.
            response = client.get(ME, headers={"Authorization": value.encode()})
        assert_invalid_token(response)

    def test_scheme_is_case_insensitive(self, client):
        """RFC 9110: the scheme is case-insensitive, so this is a good header, not a malformed one."""
        assert client.get(ME, headers={"Authorization": f"bearer {forge()}"}).status_code == 200


def make_user(client, auth, **extra) -> tuple[int, dict[str, str]]:
    email = f"t-{uuid.uuid4().hex[:8]}@cartesio.example"
    created = client.post("/api/v1/users", headers=auth(ADMIN), json={
        "email": email, "password": "a-long-password", "role": "reader", **extra})
    assert created.status_code == 201, created.text
    token = client.post("/api/v1/auth/token", data={"grant_type": "password", "username": email,
                                                    "password": "a-long-password"})
    assert token.status_code == 200, token.text
    return created.json()["id"], {"Authorization": f"Bearer {token.json()['access_token']}"}


def make_client(client, auth) -> tuple[int, dict[str, str]]:
    created = client.post("/api/v1/service-accounts", headers=auth(ADMIN), json={
        "name": "SIT in prova", "role": "reader"})
    assert created.status_code == 201, created.text
    body = created.json()
    token = client.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                    "client_id": body["client_id"],
                                                    "client_secret": body["client_secret"]})
    assert token.status_code == 200, token.text
    return body["id"], {"Authorization": f"Bearer {token.json()['access_token']}"}


class TestAccountsThatStop:
    """A token outlives neither its account nor the account's active flag: each request loads the account."""

    def test_deleted_user(self, client, auth, engine):
        user_id, headers = make_user(client, auth)
        assert client.get(ME, headers=headers).status_code == 200
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM users WHERE id = :i"), {"i": user_id})
        assert_invalid_token(client.get(ME, headers=headers))

    def test_disabled_user(self, client, auth):
        user_id, headers = make_user(client, auth)
        assert client.get(ME, headers=headers).status_code == 200
        assert client.patch(f"/api/v1/users/{user_id}", headers=auth(ADMIN),
                            json={"is_active": False}).status_code == 200
        assert_invalid_token(client.get(ME, headers=headers))
        assert_invalid_token(client.post("/api/v1/webhooks", headers=headers, json={
            "url": "http://127.0.0.1:9/hook", "event_types": ["cluster.*"]}))
        # Enabled again, the same token works: it is the flag that stops it, read on every request.
        assert client.patch(f"/api/v1/users/{user_id}", headers=auth(ADMIN),
                            json={"is_active": True}).status_code == 200
        assert client.get(ME, headers=headers).status_code == 200

    def test_deactivated_service_account(self, client, auth):
        account_id, headers = make_client(client, auth)
        assert client.get(ME, headers=headers).json()["kind"] == "service"
        assert client.patch(f"/api/v1/service-accounts/{account_id}", headers=auth(ADMIN),
                            json={"is_active": False}).status_code == 200
        assert_invalid_token(client.get(ME, headers=headers))
        assert_invalid_token(client.get("/api/v1/changes?limit=1", headers=headers))

    def test_deleted_service_account(self, client, auth, engine):
        account_id, headers = make_client(client, auth)
        assert client.get(ME, headers=headers).status_code == 200
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM service_accounts WHERE id = :i"), {"i": account_id})
        assert_invalid_token(client.get(ME, headers=headers))

    def test_a_user_token_cannot_name_a_service_account(self, client, auth):
        """The subject's kind is part of what the signature covers: user 1 and service 1 are different accounts."""
        account_id, _ = make_client(client, auth)
        token = forge(sub=f"service:{account_id}", role="admin")
        me = client.get(ME, headers={"Authorization": f"Bearer {token}"})
        # A token we signed for that account is honoured, but with the account's own role, not the claim's.
        assert me.status_code == 200 and me.json()["role"] == "reader", me.text

    def test_role_in_the_token_is_not_trusted(self, client, auth):
        """A role change takes effect at once: the account's stored role counts, not the one in the token."""
        user_id, headers = make_user(client, auth)
        assert client.patch(f"/api/v1/users/{user_id}", headers=auth(ADMIN),
                            json={"role": "evaluator"}).status_code == 200
        assert client.get(ME, headers=headers).json()["role"] == "evaluator"
