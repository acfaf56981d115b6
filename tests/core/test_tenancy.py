"""Tenancy: nothing of one organization is visible to, or changeable by, another (404, never 403).

Organization A gets one record of every registered type, every relationship filled; organization
B then walks every route of the app with A's ids. The type list, the routes and the relationships
all come from the registry and the app, so a new type or route is covered without editing this
file (tests/support/world.py's recipe table fails loudly until a new type has a recipe).

Both worlds (A's and B's, one app per backend) are built once for the module, with a snapshot of
each: every test that tries to change them ends by comparing against that snapshot, so a test
that did change one fails itself. A test whose writes succeed (imports) uses an organization of
its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route

from resources import REGISTRY
from tests.support.api import Org, make_org, open_app
from tests.support.documents import assert_must_exist, linkage, patch, post
from tests.support.jobs import run_to_end
from tests.support.layout import ROOT, sources
from tests.support.services import database_url, make_settings
from tests.support.world import (
    RECIPES,
    build_world,
    id_routes,
    snapshot,
    writable_relationships,
)


@dataclass(repr=False)
class Worlds:
    app: Any
    a: Org
    b: Org
    mine: dict[str, dict]  # A's world
    theirs: dict[str, dict]  # B's world
    mine_before: dict[str, Any]  # snapshot(A's world), as A sees it
    theirs_before: dict[str, Any]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def worlds(request, tmp_path_factory, jwt_pem) -> Any:
    """A's and B's worlds, built once per backend (the costly part of every test here)."""
    folder = tmp_path_factory.mktemp(f"tenancy-{request.param}")
    settings = make_settings(folder, database_url(request, request.param, folder), jwt_pem)
    with open_app(settings) as app:
        a, b = make_org(app, "acme"), make_org(app, "globex")
        mine, theirs = build_world(a.api, "a"), build_world(b.api, "b")
        yield Worlds(
            app, a, b, mine, theirs, snapshot(app, a.api, mine), snapshot(app, b.api, theirs)
        )


def request_body(route: Route, type_: str, record_id: str, method: str) -> dict | None:
    if method in ("GET", "HEAD") or (method == "DELETE" and "relationships" not in route.path):
        return None
    if "relationships" not in route.path:  # PATCH of the record itself
        return {"data": {"type": type_, "id": record_id, "attributes": {"reference": "hijacked"}}}
    rel = REGISTRY[type_].relationships[route.path.rsplit("/", 1)[1]]
    return {"data": [] if rel.many else None}


def test_recipes_cover_every_registered_type():
    assert set(RECIPES) == set(REGISTRY)


def test_another_organization_gets_404_on_every_route(worlds):
    app, mine, other_org = worlds.app, worlds.mine, worlds.b
    calls = []
    for route, type_ in id_routes(app):
        record_id = mine[type_]["id"]
        url = route.path.replace("{id}", record_id)
        for method in sorted(route.methods):
            calls.append(
                (method == "DELETE", method, url, request_body(route, type_, record_id, method))
            )
    for _, method, url, body in sorted(calls, key=lambda c: c[0]):  # deletes last
        response = other_org.api.request(method, url, json=body)
        assert response.status_code == 404, (method, url, response.text)
        if method != "HEAD":
            assert response.json()["errors"][0]["code"] == "RECORD_NOT_FOUND", response.text
    assert snapshot(app, worlds.a.api, mine) == worlds.mine_before


def test_lists_and_filters_show_nothing_of_another_organization(worlds):
    app, org, other_org = worlds.app, worlds.a, worlds.b
    mine, theirs = worlds.mine, worlds.theirs
    for type_, record in mine.items():
        query = f"/api/{type_}?filter[q][ids]={record['id']},{theirs[type_]['id']}"
        assert [d["id"] for d in org.api.get(query).json()["data"]] == [record["id"]]
        body = other_org.api.get(query).json()
        assert [d["id"] for d in body["data"]] == [theirs[type_]["id"]]
        assert body["meta"]["record_count"] == 1
        for rel in REGISTRY[type_].belongs_to:
            target = mine[rel.target_type]["id"]
            response = other_org.api.get(f"/api/{type_}?filter[q][{rel.name}_id_eq]={target}")
            assert response.json()["data"] == [], response.text
    # Nothing listed anywhere to B names one of A's records (or A itself).
    secrets = [r["id"] for r in mine.values()] + [org.id]
    for route in app.routes:
        if not isinstance(route, Route):
            continue  # a mount (Swagger UI's files under /docs/static): nobody's records
        if "GET" in route.methods and route.path.startswith("/api/") and not route.param_convertors:
            text = other_org.api.get(route.path).text
            assert not [s for s in secrets if s in text], route.path


def test_relationships_cannot_point_at_another_organization(worlds):
    app, org, other_org = worlds.app, worlds.a, worlds.b
    mine, theirs = worlds.mine, worlds.theirs
    before = worlds.mine_before, worlds.theirs_before
    b = other_org.api
    for type_, own in theirs.items():
        resource = REGISTRY[type_]
        for rel in writable_relationships(type_):
            target = [mine[rel.target_type]] if rel.many else mine[rel.target_type]
            assert_must_exist(patch(b, own, relationships={rel.name: target}), rel.name)
            path = f"/api/{own['type']}/{own['id']}/relationships/{rel.name}"
            response = b.request(
                "POST" if rel.many else "PATCH", path, json={"data": linkage(target)}
            )
            assert_must_exist(response, rel.name)
        for key, (rel, attr) in resource.code_columns.items():
            code = mine[rel.target_type]["attributes"][attr]
            assert code, f"give {rel.target_type} a {attr} in RECIPES"
            assert_must_exist(patch(b, own, {key: code}), rel.name)
    assert (snapshot(app, org.api, mine), snapshot(app, other_org.api, theirs)) == before


def test_imports_cannot_reach_another_organization(worlds):
    app, org, mine = worlds.app, worlds.a, worlds.mine
    b = make_org(app, "initech").api  # its imports may write: not into B's shared world
    attacks = [
        {"resource_type": "prices", "parent_resource_id": mine["price_lists"]["id"],
         "inputs": [{"sku_code": mine["skus"]["attributes"]["code"], "amount_cents": 1}]},
        {"resource_type": "skus", "inputs": [
            {"code": "X1", "name": "x", "shipping_category_id": mine["shipping_categories"]["id"]},
            {"id": mine["skus"]["id"], "code": "X2", "name": "hijacked", "do_not_ship": True}]},
        {"resource_type": "price_tiers", "parent_resource_id": mine["prices"]["id"],
         "inputs": [{"type": "PriceVolumeTier", "name": "t", "price_amount_cents": 1}]},
    ]  # fmt: skip
    for attributes in attacks:
        response = post(b, "imports", attributes)
        if response.status_code == 201:
            run_to_end(b, "imports", response.json()["data"]["id"])
        else:
            assert response.status_code == 422, response.text
    # Whatever B's imports did, none of B's records names one of A's.
    secrets = [r["id"] for r in mine.values()]
    for type_ in ("prices", "skus", "price_tiers"):
        text = b.get(f"/api/{type_}?page[size]=25").text
        assert not [s for s in secrets if s in text], (type_, text)
    assert snapshot(app, org.api, mine) == worlds.mine_before


# -- the chokepoint rule --------------------------------------------------------------------------
# Only core/tenancy.py filters on organization_id: anything else doing so is a second, forgettable
# place where tenancy lives. Schema declarations (indexes, constraints) are not filters.
FILTERS = re.compile(
    r"\.c\.organization_id\b"
    r"|\bc\[\s*['\"]organization_id['\"]\s*\]"
    r"|\borganization_id\s*(==|!=|\.in_\(|\.is_\()"
    r"|filter_by\([^)]*\borganization_id\s*="
    r"|\borganization_id\s*=\s*[:%?$]"
)
SCHEMA = re.compile(r"\b(Index|UniqueConstraint|PrimaryKeyConstraint|ForeignKey|Column)\(")
CHOKEPOINT = ROOT / "core" / "tenancy.py"


def organization_filters(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for n, line in enumerate(lines, 1)
        if FILTERS.search(line) and not SCHEMA.search(line)
    ]


def test_only_the_tenancy_module_filters_on_organization_id():
    assert organization_filters(CHOKEPOINT), "the pattern no longer finds the Scope's own filter"
    modules = sources()
    assert len(modules) > 20
    offenders = [hit for p in modules if p != CHOKEPOINT for hit in organization_filters(p)]
    assert offenders == [], "filter through core.tenancy.Scope instead:\n" + "\n".join(offenders)
