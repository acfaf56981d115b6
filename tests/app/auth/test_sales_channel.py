"""Sales channel tokens read the catalog and change nothing (401 UNAUTHORIZED)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from app.provisioning import create_application
from resources import REGISTRY
from tests.support.api import ApiClient, Org, client_of, make_org, open_app
from tests.support.documents import document, errors
from tests.support.services import database_url, make_settings
from tests.support.world import build_world, id_routes, snapshot

# What a sales channel may not even read (spec §2: "no imports, exports"), nor versions.
INTEGRATION_ONLY = {t for t, resource in REGISTRY.items() if resource.integration_only}


@dataclass(repr=False)
class Catalog:
    app: Any
    org: Org  # the integration's organization, holding the world
    shop: ApiClient  # a sales channel application of `org`
    records: dict[str, dict]  # the world
    before: dict[str, Any]  # snapshot(the world), as the integration sees it


def sales_channel_of(app, org: Org) -> ApiClient:
    """A sales channel application of `org`."""
    application = create_application(app.state.engine, org.slug, "sales_channel")["application"]
    assert application["client_secret"] is None
    client = client_of(app)
    form = {"grant_type": "client_credentials", "client_id": application["client_id"]}
    token = client.post("/oauth/token", json=form)
    assert token.status_code == 200, token.text
    assert token.json()["expires_in"] == 14400
    return ApiClient(client, token.json()["access_token"])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def catalog(request, tmp_path_factory, jwt_pem) -> Any:
    """One app per backend for the module, with an organization's world built once: the sales
    channel tests only read it, or try writes that must be refused (checked by the snapshot).
    Every test of the module runs on this app (a test's own PostgreSQL app would empty it)."""
    folder = tmp_path_factory.mktemp(f"sales-channel-{request.param}")
    settings = make_settings(folder, database_url(request, request.param, folder), jwt_pem)
    with open_app(settings) as app:
        org = make_org(app, "acme")
        records = build_world(org.api, "a")
        before = snapshot(app, org.api, records)
        yield Catalog(app, org, sales_channel_of(app, org), records, before)


def assert_unauthorized(response) -> None:
    error = errors(response, 401)[0]
    assert error["code"] == "UNAUTHORIZED", response.text


def write_body(route, type_: str, record_id: str | None, method: str) -> dict | None:
    if route is not None and "relationships" in route.path:
        rel = REGISTRY[type_].relationships[route.path.rsplit("/", 1)[1]]
        return {"data": [] if rel.many else None}
    if method == "POST":
        return document(type_, {"reference": "from-the-shop"})
    if method == "PATCH":
        return document(type_, {"reference": "from-the-shop"}, id_=record_id)
    return None


def test_a_sales_channel_reads_every_catalog_route(catalog):
    app, shop, records = catalog.app, catalog.shop, catalog.records
    for type_ in REGISTRY.keys() - INTEGRATION_ONLY:
        response = shop.get(f"/api/{type_}")
        assert response.status_code == 200, response.text
        assert response.json()["data"], type_
    for route, type_ in id_routes(app):
        if type_ in INTEGRATION_ONLY:
            continue
        response = shop.get(route.path.replace("{id}", records[type_]["id"]))
        if route.path.endswith("/versions"):  # a record's history: integration tokens only
            assert_unauthorized(response)
        else:
            assert response.status_code == 200, (route.path, response.text)
    assert shop.get("/api/organization").status_code == 200


def test_a_sales_channel_changes_nothing(catalog):
    app, api, shop, records = catalog.app, catalog.org.api, catalog.shop, catalog.records
    for type_ in REGISTRY:
        assert_unauthorized(shop.post(f"/api/{type_}", json=write_body(None, type_, None, "POST")))
    for route, type_ in id_routes(app):
        record_id = records[type_]["id"]
        url = route.path.replace("{id}", record_id)
        for method in sorted(route.methods & {"POST", "PATCH", "DELETE"}):
            response = shop.request(method, url, json=write_body(route, type_, record_id, method))
            assert_unauthorized(response)
    assert snapshot(app, api, records) == catalog.before


def test_a_sales_channel_of_its_own_organization(catalog):
    shop = make_org(catalog.app, "shop", "sales_channel").api
    assert shop.get("/api/skus").json()["data"] == []
    response = shop.post("/api/tags", json=document("tags", {"name": "mine"}))
    assert_unauthorized(response)


def test_a_sales_channel_cannot_read_imports(catalog):
    assert catalog.org.api.get("/api/imports").json()["data"], "the world has an import"
    assert_unauthorized(catalog.shop.get("/api/imports"))
