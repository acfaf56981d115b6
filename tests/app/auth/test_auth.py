"""OAuth client credentials, RS512 tokens, the JWK Set and the caller's own records."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import delete, func, select
from starlette.testclient import TestClient

from app.auth import keys
from app.auth.backend import require_writer
from app.auth.credentials import new_client_id, new_client_secret
from app.auth.models import applications, server_keys
from app.auth.principal import INTEGRATION, SALES_CHANNEL, Principal
from app.migrate import upgrade
from app.provisioning import create_application, create_organization
from core.db import make_engine
from core.errors import NotFound, Unauthorized, ValidationFailed
from core.settings import Settings
from tests.support.api import MEDIA, client_of, make_org, open_app

INVALID_CLIENT = {
    "errors": [
        {
            "code": "UNAUTHORIZED",
            "detail": "Client authentication failed due to unknown client, no client "
            "authentication included, or unsupported authentication method.",
            "status": "401",
            "title": "invalid_client",
        }
    ]
}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def client(app) -> TestClient:
    return client_of(app)


@pytest.fixture
def credentials(app) -> dict:
    return create_organization(app.state.engine, "acme", "Acme Inc.")


def grant(credentials: dict, **extra: str) -> dict:
    application = credentials["application"]
    return {
        "grant_type": "client_credentials",
        "client_id": application["client_id"],
        "client_secret": application["client_secret"],
        **extra,
    }


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}", "Accept": MEDIA}


def error_of(response) -> dict:
    assert response.headers["content-type"].startswith(MEDIA)
    (error,) = response.json()["errors"]
    return error


# -- POST /oauth/token ---------------------------------------------------------------------------


def test_token_from_json_body(client, credentials):
    before = int(time.time())
    response = client.post("/oauth/token", json=grant(credentials))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "created_at"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert body["scope"] == "market:all"
    assert isinstance(body["created_at"], int) and before <= body["created_at"] <= time.time()


def test_token_from_form_body(client, credentials):
    response = client.post("/oauth/token", data=grant(credentials))
    assert response.status_code == 200, response.text
    assert response.json()["expires_in"] == 7200


def test_token_with_http_basic_client_authentication(client, credentials):
    application = credentials["application"]
    pair = f"{application['client_id']}:{application['client_secret']}".encode()
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(pair).decode()},
    )
    assert response.status_code == 200, response.text


def test_token_header_and_claims_verify_with_the_published_jwks(client, credentials, settings):
    token = client.post("/oauth/token", json=grant(credentials)).json()["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS512" and header["typ"] == "JWT"

    key_set = client.get("/.well-known/jwks.json").json()
    (jwk,) = key_set["keys"]
    assert {jwk["kty"], jwk["use"], jwk["alg"], jwk["kid"]} == {
        "RSA",
        "sig",
        "RS512",
        header["kid"],
    }
    public_key = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, public_key, algorithms=["RS512"], issuer=settings.issuer)

    organization, application = credentials["organization"], credentials["application"]
    assert claims["organization"] == {"id": organization["id"], "slug": "acme"}
    assert claims["application"] == {
        "id": application["id"],
        "client_id": application["client_id"],
        "kind": "integration",
        "public": False,
        "confidential": True,
    }
    assert claims["scope"] == "market:all"
    assert claims["test"] is False
    assert claims["iss"] == settings.issuer
    assert claims["exp"] - claims["iat"] == 7200
    assert isinstance(claims["rand"], float)


def test_two_tokens_for_one_client_differ(client, credentials):
    first = client.post("/oauth/token", json=grant(credentials)).json()["access_token"]
    second = client.post("/oauth/token", json=grant(credentials)).json()["access_token"]
    assert first != second


@pytest.mark.parametrize(
    "change",
    [
        {"client_secret": "wrong"},
        {"client_secret": None},
        {"client_id": "unknown-client"},
        {"client_id": None, "client_secret": None},
        {"client_id": 12},
    ],
)
def test_bad_credentials_are_invalid_client(client, credentials, change):
    body = {k: v for k, v in {**grant(credentials), **change}.items() if v is not None}
    response = client.post("/oauth/token", json=body)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json() == INVALID_CLIENT


@pytest.mark.parametrize("grant_type", ["password", "refresh_token", None])
def test_other_grant_types_are_unsupported(client, credentials, grant_type):
    body = {k: v for k, v in grant(credentials, grant_type=grant_type).items() if v is not None}
    response = client.post("/oauth/token", json=body)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["title"] == "unsupported_grant_type"
    assert error["status"] == "400"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]"])
def test_unreadable_token_request_is_invalid_request(client, body):
    response = client.post(
        "/oauth/token", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["title"] == "invalid_request"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_another_method_on_the_token_endpoint_is_405_method_not_allowed(client, method):
    response = client.request(method, "/oauth/token")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    (error,) = response.json()["errors"]
    assert (error["code"], error["status"]) == ("METHOD_NOT_ALLOWED", "405")


def test_sales_channel_authenticates_with_client_id_only(app, client, settings):
    shop = make_org(app, "shop", kind=SALES_CHANNEL)
    assert shop.client_secret is None
    response = client.post(
        "/oauth/token", json={"grant_type": "client_credentials", "client_id": shop.client_id}
    )
    assert response.status_code == 200, response.text
    assert response.json()["expires_in"] == 14400
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["application"]["kind"] == SALES_CHANNEL
    assert claims["application"]["public"] is True
    assert claims["application"]["confidential"] is False
    assert claims["exp"] - claims["iat"] == settings.token_ttl_sales_channel


# -- Bearer authentication -----------------------------------------------------------------------


def test_no_token_is_unauthorized(anonymous):
    response = anonymous.get("/api/application")
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "UNAUTHORIZED"
    assert error["status"] == "401"
    assert "Bearer" in error["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_other_authorization_scheme_is_unauthorized(client, credentials):
    response = client.get(
        "/api/application", headers={"Authorization": "Basic eDp5", "Accept": MEDIA}
    )
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED"


def _mint(app, settings, credentials, **overrides) -> str:
    key = keys.signing_key(app.state.engine, settings)
    now = int(time.time())
    application = credentials["application"]
    claims = {
        "organization": {"id": credentials["organization"]["id"], "slug": "acme"},
        "application": {
            "id": application["id"],
            "client_id": application["client_id"],
            "kind": INTEGRATION,
            "public": False,
            "confidential": True,
        },
        "scope": "market:all",
        "iat": now - 7300,
        "exp": now - 100,
        "test": False,
        "rand": 0.5,
        "iss": settings.issuer,
        **overrides,
    }
    return jwt.encode(claims, key.private_key, algorithm="RS512", headers={"kid": key.kid})


def test_expired_token_is_invalid_token(app, client, settings, credentials):
    response = client.get("/api/application", headers=bearer(_mint(app, settings, credentials)))
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "INVALID_TOKEN"
    assert "expired" in error["detail"]


def test_tampered_token_is_invalid_token(client, credentials):
    token = client.post("/oauth/token", json=grant(credentials)).json()["access_token"]
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["organization"]["id"] = "SomeoneElse"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    response = client.get(
        "/api/application", headers=bearer(f"{header}.{forged.decode()}.{signature}")
    )
    assert response.status_code == 401
    assert error_of(response)["code"] == "INVALID_TOKEN"
    assert "signature" in error_of(response)["detail"]


def test_token_signed_by_another_key_is_invalid_token(client, credentials):
    token = client.post("/oauth/token", json=grant(credentials)).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, stranger, algorithm="RS512", headers={"kid": "other"})
    response = client.get("/api/application", headers=bearer(forged))
    assert response.status_code == 401
    assert error_of(response)["code"] == "INVALID_TOKEN"


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_malformed_token_is_rejected(client, token):
    response = client.get("/api/application", headers=bearer(token))
    assert response.status_code == 401
    assert error_of(response)["code"] in ("INVALID_TOKEN", "UNAUTHORIZED")


def test_token_of_a_deleted_application_stops_working(app, org):
    assert org.api.get("/api/application").status_code == 200
    with app.state.engine.begin() as conn:
        conn.execute(delete(applications).where(applications.c.client_id == org.client_id))
    response = org.api.get("/api/application")
    assert response.status_code == 401
    assert error_of(response)["code"] == "INVALID_TOKEN"


def test_require_writer_refuses_sales_channels():
    principal = Principal("org", "acme", "app", "client", SALES_CHANNEL)
    with pytest.raises(Unauthorized) as raised:
        require_writer(principal)
    assert raised.value.objects() == [
        {
            "title": "Access denied",
            "detail": "You are not authorized to perform this action on the requested resource.",
            "code": "UNAUTHORIZED",
            "status": "401",
        }
    ]
    require_writer(Principal("org", "acme", "app", "client", INTEGRATION))


# -- GET /api/application, /api/organization -----------------------------------------------------


def test_application_document(org):
    response = org.api.get("/api/application")
    assert response.status_code == 200
    assert response.headers["content-type"] == MEDIA
    data = response.json()["data"]
    assert data["type"] == "applications"
    assert data["links"] == {"self": "http://testserver/api/application"}
    assert data["meta"] == {"mode": "live"}
    attributes = data["attributes"]
    created_at, updated_at = attributes.pop("created_at"), attributes.pop("updated_at")
    assert TIMESTAMP.match(created_at) and TIMESTAMP.match(updated_at)
    assert attributes == {
        "name": "Integration",
        "kind": "integration",
        "client_id": org.client_id,
        "reference": None,
        "reference_origin": None,
        "metadata": {},
    }


def test_organization_document(org):
    response = org.api.get("/api/organization")
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["id"], data["type"]) == (org.id, "organizations")
    assert data["links"] == {"self": "http://testserver/api/organization"}
    assert data["attributes"]["slug"] == "acme"
    assert data["attributes"]["name"] == "acme"
    assert TIMESTAMP.match(data["attributes"]["created_at"])


def test_sales_channel_reads_its_application(app):
    shop = make_org(app, "shop", kind=SALES_CHANNEL)
    data = shop.api.get("/api/application").json()["data"]
    assert data["attributes"]["kind"] == SALES_CHANNEL
    assert data["attributes"]["name"] == "Sales channel"


def test_application_refuses_an_unacceptable_accept_header(org):
    response = org.api.get("/api/application", headers={"Accept": f"{MEDIA}; charset=utf-8"})
    assert response.status_code == 406


# -- provisioning --------------------------------------------------------------------------------


def test_secrets_are_stored_hashed(app, credentials):
    application = credentials["application"]
    with app.state.engine.connect() as conn:
        stored = conn.scalar(
            select(applications.c.secret_hash).where(applications.c.id == application["id"])
        )
    assert stored == hashlib.sha256(application["client_secret"].encode()).hexdigest()


@pytest.mark.parametrize("slug", ["Acme", "-acme", "", "a" * 101, "acme_inc", "acme inc"])
def test_invalid_slugs_are_refused(app, slug):
    with pytest.raises(ValidationFailed) as raised:
        create_organization(app.state.engine, slug)
    assert raised.value.errors[0].attribute == "slug"


def test_duplicate_slug_is_refused(app, credentials):
    with pytest.raises(ValidationFailed, match="has already been taken"):
        create_organization(app.state.engine, "acme")


def test_application_for_an_unknown_organization_is_refused(app):
    with pytest.raises(NotFound, match="nope"):
        create_application(app.state.engine, "nope", INTEGRATION)


# -- the signing key -----------------------------------------------------------------------------


@pytest.fixture
def keyless_settings(tmp_path) -> Settings:
    """SQLite without BULKPORT_JWT_PRIVATE_KEY: the key lives in server_keys."""
    settings = Settings.from_env({"BULKPORT_DATA_DIR": str(tmp_path)})
    upgrade(settings)
    return settings


def test_signing_key_is_created_once_and_shared_through_the_database(keyless_settings):
    first, second = (
        make_engine(keyless_settings.database_url),
        make_engine(keyless_settings.database_url),
    )
    try:
        key = keys.signing_key(first, keyless_settings)
        assert keys.signing_key(first, keyless_settings) is key  # cached per engine
        assert keys.signing_key(second, keyless_settings).kid == key.kid
        with first.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(server_keys)) == 1
            assert conn.scalar(select(server_keys.c.kid)) == keys.FIRST_KEY_LABEL
        assert keys.jwks(second, keyless_settings) == {"keys": [key.jwk]}
    finally:
        first.dispose()
        second.dispose()


def test_tokens_work_end_to_end_with_a_stored_key(keyless_settings):
    with open_app(keyless_settings) as app:
        created = create_organization(app.state.engine, "acme")
        client = client_of(app)
        token = client.post("/oauth/token", json=grant(created)).json()["access_token"]
        assert client.get("/api/organization", headers=bearer(token)).status_code == 200


def test_configured_key_may_use_escaped_newlines(jwt_pem, tmp_path):
    settings = Settings.from_env(
        {
            "BULKPORT_DATA_DIR": str(tmp_path),
            "BULKPORT_JWT_PRIVATE_KEY": jwt_pem.replace("\n", "\\n"),
        }
    )
    engine = make_engine(settings.database_url)  # never queried: the key comes from settings
    try:
        key = keys.signing_key(engine, settings)
    finally:
        engine.dispose()
    expected = serialization.load_pem_private_key(jwt_pem.encode(), password=None)
    assert key.private_key.private_numbers() == expected.private_numbers()


def test_minted_credentials_never_start_with_a_dash():
    """A client id starting with `-` is read as an option by `bulkport import --client-id <id>`
    (and by most command lines): one in 64 random ones did."""
    minted = [new_client_id() for _ in range(2000)] + [new_client_secret() for _ in range(2000)]
    assert not [value for value in minted if value.startswith("-")]
    assert len(set(minted)) == len(minted) and all(len(value) == 43 for value in minted)
