"""One record of every registered type in an organization, every relationship filled."""

from __future__ import annotations

import time
from collections.abc import Callable
from graphlib import TopologicalSorter
from typing import Any

from starlette.routing import Route

from resources import REGISTRY
from resources.base import BelongsTo, ManyToMany
from tests.resources.helpers import created, fetch, post


def wait_for_import(api, data: dict, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while data["attributes"]["status"] not in ("completed", "interrupted"):
        assert time.monotonic() < deadline, data["attributes"]
        time.sleep(0.02)
        data = fetch(api, data)
    return data


def run_import(api, org: str, records: dict) -> dict:
    attributes = {"resource_type": "tags", "inputs": [{"name": f"imported-{org}"}]}
    return wait_for_import(api, created(post(api, "imports", attributes)))


def run_export(api, org: str, records: dict) -> dict:
    """A completed export of a tag of its own (whatever exists yet: an export needs records)."""
    created(post(api, "tags", {"name": f"exported-{org}"}))
    attributes = {"resource_type": "tags", "filters": {"name_eq": f"exported-{org}"}}
    return wait_for_import(api, created(post(api, "exports", attributes)))


def stock_transfer(api, org: str, records: dict) -> dict:
    """A transfer needs two locations: the world's one is the origin."""
    destination = created(
        post(api, "stock_locations", {"name": f"Store {org}", "code": f"store-{org}"},
             {"address": records["addresses"]})
    )  # fmt: skip
    relationships = {
        "sku": records["skus"],
        "origin_stock_location": records["stock_locations"],
        "destination_stock_location": destination,
    }
    return created(post(api, "stock_transfers", {"quantity": 2}, relationships))


def line_item(api, org: str, records: dict) -> dict:
    """A line sells a SKU or a bundle, not both: the world's SKU."""
    relationships = {"order": records["orders"], "sku": records["skus"], "tags": [records["tags"]]}
    return created(post(api, "line_items", {"quantity": 2}, relationships))


# One record per type: its attributes (`{o}` is the organization's tag, so keys differ between
# organizations), or a function (api, tag, records so far) -> record. Relationships are filled
# from the registry: every to-one with the record of its target type, every to-many with [it].
RECIPES: dict[str, dict | Callable[[Any, str, dict], dict]] = {
    "addresses": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "line_1": "1 Analytical Way",
        "city": "London",
        "country_code": "GB",
        "phone": "+44 20 7946 0000",
        "reference": "addr-{o}",
    },
    "bundles": {"code": "BUNDLE-{o}", "name": "Bundle {o}"},
    "coupon_codes_promotion_rules": {},
    "coupons": {"code": "COUPON-{o}-2024", "usage_limit": 5},
    "customer_addresses": {},
    "customer_groups": {"name": "Group {o}", "code": "group-{o}"},
    "customer_payment_sources": {"payment_source_token": "pm_{o}", "customer_token": "cus_{o}"},
    "customer_subscriptions": {"reference": "sub-{o}"},
    "customers": {"email": "customer@{o}.example.com"},
    "gift_cards": {"code": "GIFT-{o}-0001", "balance_cents": 5000},
    "exports": run_export,
    "imports": run_import,
    "inventory_models": {"name": "Model {o}"},
    "line_item_options": {"quantity": 1, "options": {"text": "{o}"}},
    "line_items": line_item,
    "markets": {"name": "Market {o}", "code": "market-{o}"},
    "merchants": {"name": "Merchant {o}"},
    "orders": {"number": "ORDER-{o}", "customer_email": "buyer@{o}.example.com"},
    "payment_methods": {"payment_source_type": "wire_transfers", "price_amount_cents": 0},
    "price_lists": {"name": "List {o}", "code": "list-{o}", "currency_code": "EUR"},
    "price_tiers": {
        "tier_type": "PriceVolumeTier",
        "name": "tier-{o}",
        "up_to": 10,
        "price_amount_cents": 900,
    },
    "prices": {"amount_cents": 1000},
    "promotions": {
        "name": "Promo {o}",
        "kind": "percentage_discount",
        "percentage": 10,
        "starts_at": "2024-01-01T00:00:00Z",
        "expires_at": "2030-01-01T00:00:00Z",
    },
    "shipping_categories": {"name": "Category {o}", "code": "cat-{o}"},
    "sku_list_items": {"position": 1, "quantity": 1},
    "sku_lists": {"name": "List {o}"},
    "sku_options": {"name": "Engraving {o}", "price_amount_cents": 500},
    "skus": {"code": "SKU-{o}", "name": "Shirt"},
    "stock_items": {"quantity": 5},
    "stock_locations": {"name": "Warehouse {o}", "code": "wh-{o}"},
    "stock_transfers": stock_transfer,
    "tags": {"name": "tag-{o}"},
    "tax_calculators": {"name": "Calculator {o}"},
    "tax_categories": {"code": "TAX-{o}"},
}


def writable_relationships(type_: str) -> list:
    return [
        rel
        for rel in REGISTRY[type_].relationships.values()
        if isinstance(rel, BelongsTo | ManyToMany) and rel.writable
    ]


def creation_order() -> list[str]:
    graph = {t: {r.target_type for r in writable_relationships(t)} for t in REGISTRY}
    return list(TopologicalSorter(graph).static_order())


def build_world(api, org: str, types: set[str] | None = None) -> dict[str, dict]:
    """One record of every registered type (or of `types` only) in `api`'s organization."""
    records: dict[str, dict] = {}
    for type_ in creation_order():
        if types is not None and type_ not in types:
            continue
        recipe = RECIPES[type_]
        if callable(recipe):
            records[type_] = recipe(api, org, records)
            continue
        attributes = {k: v.format(o=org) if isinstance(v, str) else v for k, v in recipe.items()}
        relationships = {
            rel.name: [records[rel.target_type]] if rel.many else records[rel.target_type]
            for rel in writable_relationships(type_)
        }
        records[type_] = created(post(api, type_, attributes, relationships))
    return records


# Routes not addressed by a record id, with the reason and where they are tested.
EXEMPT_ROUTES = {
    "/attachments/{key:path}": "signed, expiring URLs checked by signature (tests/imports)",
}


def id_routes(app) -> list[tuple[Route, str]]:
    """(route, resource type) of every route taking a record id; fails on any unknown shape."""
    out = []
    for route in app.routes:
        assert isinstance(route, Route), f"{route!r}: teach the tenancy walk this kind of route"
        if not route.param_convertors or route.path in EXEMPT_ROUTES:
            continue
        parts = route.path.split("/")
        assert set(route.param_convertors) == {"id"} and parts[:2] == ["", "api"], route.path
        assert parts[2] in REGISTRY and parts[3] == "{id}", route.path
        out.append((route, parts[2]))
    return out


def stable(doc: Any) -> Any:
    """A document without values computed per read (signed URLs), for before/after comparison."""
    if isinstance(doc, list):
        return [stable(d) for d in doc]
    if not isinstance(doc, dict):
        return doc
    out = {k: stable(v) for k, v in doc.items()}
    resource = REGISTRY.get(doc.get("type")) if isinstance(doc.get("type"), str) else None
    if resource is not None and isinstance(doc.get("attributes"), dict):
        out["attributes"] = {
            k: v
            for k, v in doc["attributes"].items()
            if getattr(resource.attributes.get(k), "compute", None) is None
        }
    return out


def snapshot(app, api, records: dict[str, dict]) -> dict[str, Any]:
    """Every GET route of every record, as `api` sees it."""
    out = {}
    for route, type_ in id_routes(app):
        url = route.path.replace("{id}", records[type_]["id"])
        response = api.get(url)
        out[url] = (response.status_code, stable(response.json()))
    return out
