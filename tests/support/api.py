"""Applications under test and their clients: opening and closing an app, organizations with
tokens, a JSON:API client that validates every response, SQL beside the API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event, text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app.main import create_app
from app.provisioning import create_application, create_organization
from bulk.dispatch import POLLER
from core.settings import Settings
from tests.support import error_documents, jsonapi_schema

MEDIA = "application/vnd.api+json"
BASE_URL = "http://testserver"


class CheckedClient(TestClient):
    """The suite's test client: every error response any test receives through it is checked
    to be a clean JSON:API error document (tests/support/error_documents.py); a response that
    is not fails the test that received it."""

    def send(self, request, *args, **kwargs):  # every verb and `request()` come through here
        response = super().send(request, *args, **kwargs)
        if response.status_code >= 400 and request.method != "HEAD":  # HEAD has no body
            content_type = response.headers.get("content-type", "")
            found = error_documents.problems(response.status_code, content_type, response.read())
            assert not found, (
                f"{request.method} {request.url.path} answered {response.status_code} with a "
                f"bad error document: {found}\n{response.text[:2000]}"
            )
        return response


@contextmanager
def open_app(settings: Settings) -> Iterator[Starlette]:
    """The application on `settings`, running as a server runs it: its lifespan started (the
    in-process worker, recovery) and, on the way out, stopped (the dispatcher and its threads),
    the engine's connections closed. Every client of the app shares its one portal thread."""
    app = create_app(settings)
    try:
        with CheckedClient(app, base_url=BASE_URL) as client:
            app.state.test_client = client
            yield app
    finally:
        app.state.dispatcher.stop()  # again: a lifespan that failed to start stopped nothing
        app.state.engine.dispose()


def client_of(app: Starlette) -> TestClient:
    """The app's shared client (apps opened with ``open_app``), else a client of its own."""
    client = getattr(app.state, "test_client", None)
    return client if client is not None else CheckedClient(app, base_url=BASE_URL)


class ApiClient:
    """A TestClient speaking JSON:API that validates every response document it receives."""

    def __init__(self, client: TestClient, token: str | None = None) -> None:
        self.client = client
        self.token = token

    @property
    def app(self) -> Starlette:
        return self.client.app

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
        problems = jsonapi_schema.problems(document)
        assert not problems, f"response is not valid JSON:API: {problems}\n{response.text[:2000]}"


@dataclass
class Org:
    id: str
    slug: str
    api: ApiClient
    client_id: str
    client_secret: str | None


def token_client(app: Starlette, application: dict) -> ApiClient:
    """A client holding a token of `application` (client credentials, secret if it has one)."""
    client = client_of(app)
    form = {"grant_type": "client_credentials", "client_id": application["client_id"]}
    if application.get("client_secret"):
        form["client_secret"] = application["client_secret"]
    token = client.post("/oauth/token", json=form)
    assert token.status_code == 200, token.text
    return ApiClient(client, token.json()["access_token"])


def make_org(app: Starlette, slug: str, kind: str = "integration") -> Org:
    created = create_organization(app.state.engine, slug)
    application = created["application"]
    if kind != "integration":
        application = create_application(app.state.engine, slug, kind)["application"]
    return Org(
        created["organization"]["id"],
        slug,
        token_client(app, application),
        application["client_id"],
        application.get("client_secret"),
    )


def sales_channel(app: Starlette, slug: str) -> ApiClient:
    """A client of a new sales channel application of an existing organization."""
    created = create_application(app.state.engine, slug, "sales_channel")["application"]
    return token_client(app, created)


def anonymous(app: Starlette) -> ApiClient:
    return ApiClient(client_of(app))


@contextmanager
def count_queries(engine) -> Iterator[list[str]]:
    """Collects the SQL statements run on ``engine`` inside the block."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if threading.current_thread().name == POLLER:
            return  # the dispatcher's poll for due webhook deliveries, once a second
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "PRAGMA")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def sql(app, statement: str, **params):
    """Runs SQL beside the API (setting up states a client cannot reach); rows for SELECTs."""
    with app.state.engine.begin() as conn:
        result = conn.execute(text(statement), params)
        return result.all() if result.returns_rows else result.rowcount
