"""Test fixtures: real SQLite always, real PostgreSQL when reachable (required in CI).

Every test that takes ``api`` runs once per database backend. Every response the ``api`` client
receives is checked against the official JSON:API schema.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import event, text
from starlette.testclient import TestClient

from app.main import create_app
from app.migrate import upgrade
from app.provisioning import create_application, create_organization
from core.settings import Settings
from tests import jsonapi_schema

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PG_URL = os.environ.get(
    "BULKPORT_TEST_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)
MEDIA = "application/vnd.api+json"


def service_unavailable(what: str, why: Exception | str) -> None:
    message = f"{what} not reachable ({why})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} and REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(f"{message}: set REQUIRE_SERVICES=1 to make this a failure")


@pytest.fixture(scope="session")
def jwt_pem() -> str:
    """One RSA key for the session: generating one per test would dominate the suite's time."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def make_settings(data_dir: Path, database_url: str, jwt_pem: str, **extra: str) -> Settings:
    env = {
        "BULKPORT_DATA_DIR": str(data_dir),
        "BULKPORT_DATABASE_URL": database_url,
        "BULKPORT_JWT_PRIVATE_KEY": jwt_pem,
        "BULKPORT_ATTACHMENT_SECRET": "test-attachment-secret",
        **extra,
    }
    return Settings.from_env(env)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, jwt_pem) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "bulkport.sqlite3"
    upgrade(make_settings(folder, f"sqlite:///{path}", jwt_pem))
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory, jwt_pem) -> Iterator[str]:
    """A database of this test run's own, so concurrent runs on one server never collide."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = PG_URL.replace("+psycopg", "")
    name = f"bulkport_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        with psycopg.connect(admin, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        service_unavailable("PostgreSQL", exc)
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(make_settings(tmp_path_factory.mktemp("pg"), url, jwt_pem))
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_postgres(url: str) -> None:
    """Empties every table but the schema's own: DELETE in dependency order is 5-10x faster
    than TRUNCATE on small tables, and the suite does this before every PostgreSQL test."""
    import psycopg

    import resources  # noqa: F401 - every table declared
    from core.db import metadata

    keep = {"alembic_version", "server_keys"}
    tables = [t.name for t in reversed(metadata.sorted_tables) if t.name not in keep]
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("; ".join(f'DELETE FROM "{name}"' for name in tables))


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path, jwt_pem) -> Settings:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "bulkport.sqlite3")
        return make_settings(tmp_path, f"sqlite:///{tmp_path / 'bulkport.sqlite3'}", jwt_pem)
    url = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return make_settings(tmp_path, url, jwt_pem)


@pytest.fixture
def app(settings):
    application = create_app(settings)
    yield application
    application.state.dispatcher.stop()
    application.state.engine.dispose()


class ApiClient:
    """A TestClient speaking JSON:API that validates every response document it receives."""

    def __init__(self, client: TestClient, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def headers(self, extra: dict | None = None, body: bool = False) -> dict:
        headers = {"Accept": MEDIA}
        if body:
            headers["Content-Type"] = MEDIA
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return {k: v for k, v in headers.items() if v is not None}

    def request(self, method: str, path: str, json=None, headers=None, **kw):
        body = json is not None or "content" in kw
        response = self.client.request(
            method, path, json=json, headers=self.headers(headers, body), **kw
        )
        check_response(response)
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # -- conveniences -------------------------------------------------------------------------
    def create(self, type_: str, attributes: dict, relationships: dict | None = None) -> dict:
        data: dict = {"type": type_, "attributes": attributes}
        if relationships:
            data["relationships"] = {
                name: {
                    "data": [{"type": t, "id": i} for t, i in ref]
                    if isinstance(ref, list)
                    else ({"type": ref[0], "id": ref[1]} if ref else None)
                }
                for name, ref in relationships.items()
            }
        response = self.post(f"/api/{type_}", json={"data": data})
        assert response.status_code == 201, response.text
        return response.json()["data"]


def check_response(response) -> None:
    if not response.content:
        return
    if response.headers.get("content-type", "").startswith(MEDIA):
        document = response.json()
        problems = jsonapi_schema.errors(document)
        assert not problems, f"response is not valid JSON:API: {problems}\n{response.text[:2000]}"


@dataclass
class Org:
    id: str
    slug: str
    api: ApiClient
    client_id: str
    client_secret: str | None


def make_org(app, slug: str, kind: str = "integration") -> Org:
    created = create_organization(app.state.engine, slug)
    application = created["application"]
    if kind != "integration":
        application = create_application(app.state.engine, slug, kind)["application"]
    client = TestClient(app, base_url="http://testserver")
    form = {"grant_type": "client_credentials", "client_id": application["client_id"]}
    if application.get("client_secret"):
        form["client_secret"] = application["client_secret"]
    token = client.post("/oauth/token", json=form)
    assert token.status_code == 200, token.text
    return Org(
        created["organization"]["id"],
        slug,
        ApiClient(client, token.json()["access_token"]),
        application["client_id"],
        application.get("client_secret"),
    )


@pytest.fixture
def org(app) -> Org:
    return make_org(app, "acme")


@pytest.fixture
def api(org) -> ApiClient:
    return org.api


@pytest.fixture
def other_org(app) -> Org:
    return make_org(app, "globex")


@pytest.fixture
def anonymous(app) -> ApiClient:
    return ApiClient(TestClient(app, base_url="http://testserver"))


@contextmanager
def count_queries(engine) -> Iterator[list[str]]:
    """Collects the SQL statements run on ``engine`` inside the block."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "PRAGMA")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def queries(app):
    return lambda: count_queries(app.state.engine)


def sql(app, statement: str, **params):
    """Runs SQL beside the API (setting up states a client cannot reach); rows for SELECTs."""
    with app.state.engine.begin() as conn:
        result = conn.execute(text(statement), params)
        return result.all() if result.returns_rows else result.rowcount


# ---- Production-setup services ------------------------------------------------------------------
# PostgreSQL + Redis + S3 over HTTP + `bulkport worker` subprocesses: moto_endpoint, redis_url,
# service_env, service_settings, service_app, worker. Defined in tests/services.py.
from tests.services import (  # noqa: E402, F401
    moto_endpoint,
    redis_url,
    service_app,
    service_env,
    service_settings,
    worker,
)
