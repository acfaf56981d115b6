"""The one fixture world of the suite, and what tests compare of it.

- ``build_world(api, tag, types=None)``: one record of every registered type (or of `types`) in
  an organization, every relationship filled; codes carry `tag`, so two organizations' worlds
  differ. The tenancy and sales channel tests walk every route over it; the export round trips
  export it, and ``world_for`` builds what an exported type refers to in the importing
  organization.
- ``Catalog(api)``: the records the import fixture files (fixtures/imports) refer to by code;
  on request two markets (``with_markets``), their SKU options (``options``) and a bundle
  (``bundle``); ``inputs``: a fixture file with its `@name` placeholders replaced by ids.
- ``snapshot`` (every GET route of every world record, as one organization sees it) and
  ``stored_rows`` (every stored row of an organization): before/after comparisons.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from graphlib import TopologicalSorter
from typing import Any

from sqlalchemy import select
from starlette.routing import Mount, Route

from core.tenancy import Scope
from resources import REGISTRY
from resources.base import BelongsTo, HasMany, ManyToMany
from tests.support import factories
from tests.support.api import sql
from tests.support.documents import created, fetch, post
from tests.support.jobs import fixture, run_to_end

# -- the world: one record of every type ---------------------------------------------------------


def run_import(api, org: str, records: dict) -> dict:
    """A completed import of a tag of its own."""
    attributes = {"resource_type": "tags", "inputs": [{"name": f"imported-{org}"}]}
    job = created(post(api, "imports", attributes))
    assert run_to_end(api, "imports", job["id"])["status"] == "completed"
    return fetch(api, job)


def run_export(api, org: str, records: dict) -> dict:
    """A completed export of a tag of its own (whatever exists yet: an export needs records)."""
    created(post(api, "tags", {"name": f"exported-{org}"}))
    attributes = {"resource_type": "tags", "filters": {"name_eq": f"exported-{org}"}}
    job = created(post(api, "exports", attributes))
    assert run_to_end(api, "exports", job["id"])["status"] == "completed"
    return fetch(api, job)


def analyse(api, org: str, records: dict) -> dict:
    """An analysis of a tag's CSV (a file of its own in storage, as an upload's)."""
    attributes = {"resource_type": "tags", "format": "csv", "inputs": f"name\nanalysed-{org}\n"}
    return created(post(api, "import_analyses", attributes))


def run_cleanup(api, org: str, records: dict) -> dict:
    """A completed cleanup whose filters match nothing: the world keeps its records."""
    attributes = {"resource_type": "skus", "filters": {"code_eq": f"none-{org}"}}
    job = created(post(api, "cleanups", attributes))
    assert run_to_end(api, "cleanups", job["id"])["status"] == "completed"
    return fetch(api, job)


def version(api, org: str, records: dict) -> dict:
    """Versions are written, never posted: the create version of a tag of its own."""
    tag = created(post(api, "tags", {"name": f"versioned-{org}"}))
    response = api.get(f"/api/tags/{tag['id']}/versions")
    assert response.status_code == 200, response.text
    return response.json()["data"][0]


def event_callback(api, org: str, records: dict) -> dict:
    """Event callbacks are written by deliveries, never posted: one of a webhook of its own
    (its relationship is read-only, so the world's webhook may come later)."""
    attributes = {"topic": "exports.destroy", "callback_url": f"https://1.1.1.1/callbacks/{org}"}
    webhook = created(post(api, "webhooks", attributes))
    hook = webhook["id"]
    # The id is long and not hex: the tenancy walk looks for it in every other list's text,
    # where a 3-letter id turned up inside a signed URL's hex signature.
    (organization_id,) = sql(api.app, "SELECT organization_id FROM webhooks WHERE id = :id",
                             id=hook)[0]  # fmt: skip
    sql(api.app,
        "INSERT INTO event_callbacks (id, organization_id, created_at, updated_at, webhook_id,"
        " callback_url, response_code, response_message) VALUES (:id, :org, :now, :now, :hook,"
        " :url, '200', 'ok')",
        id=f"cbk{org}zqxw"[:10], org=organization_id, now=datetime(2024, 1, 1), hook=hook,
        url=attributes["callback_url"])  # fmt: skip
    response = api.get(f"/api/webhooks/{hook}/event_callbacks")
    assert response.status_code == 200, response.text
    return response.json()["data"][0]


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


def through(member: str, **also: Any) -> Callable[[Any, str, dict], dict]:
    """A family's umbrella is written through its members: its world record is one more of
    `member` (its recipe, plus `also`), read back through the umbrella."""

    def recipe(api, org: str, records: dict) -> dict:
        values = {**RECIPES[member], **also}  # type: ignore[dict-item]
        return build_one(api, org, member, values, records)

    return recipe


PROMOTION = {
    "name": "Promo {o}",
    "starts_at": "2024-01-01T00:00:00Z",
    "expires_at": "2030-01-01T00:00:00Z",
}
TIER = {"name": "tier-{o}", "up_to": 10, "price_amount_cents": 900}

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
    "cleanups": run_cleanup,
    "coupon_codes_promotion_rules": {},
    "coupons": {"code": "COUPON-{o}-2024", "usage_limit": 5},
    "customer_addresses": {},
    "customer_groups": {"name": "Group {o}", "code": "group-{o}"},
    "customer_payment_sources": {"payment_source_token": "pm_{o}", "customer_token": "cus_{o}"},
    "customer_subscriptions": {"reference": "sub-{o}"},
    "customers": {"email": "customer@{o}.example.com"},
    "event_callbacks": event_callback,
    "gift_cards": {"code": "GIFT-{o}-0001", "balance_cents": 5000},
    "exports": run_export,
    "import_analyses": analyse,
    "import_profiles": {"name": "Feed {o}", "resource_type": "tags"},
    "imports": run_import,
    "inventory_models": {"name": "Model {o}"},
    "line_item_options": {"quantity": 1, "options": {"text": "{o}"}},
    "line_items": line_item,
    "markets": {"name": "Market {o}", "code": "market-{o}"},
    "merchants": {"name": "Merchant {o}"},
    "orders": {"number": "ORDER-{o}", "customer_email": "buyer@{o}.example.com"},
    "payment_methods": {"payment_source_type": "wire_transfers", "price_amount_cents": 0},
    "price_lists": {"name": "List {o}", "code": "list-{o}", "currency_code": "EUR"},
    "price_tiers": through("price_volume_tiers", name="tier-{o}"),
    "price_volume_tiers": {**TIER, "name": "volume-{o}"},
    "price_frequency_tiers": {**TIER, "name": "frequency-{o}"},
    "prices": {"amount_cents": 1000},
    "promotions": through("percentage_discount_promotions"),
    "percentage_discount_promotions": {**PROMOTION, "percentage": 10},
    "fixed_amount_promotions": {**PROMOTION, "fixed_amount_cents": 500},
    "fixed_price_promotions": {**PROMOTION, "fixed_amount_cents": 900},
    "free_shipping_promotions": PROMOTION,
    "free_gift_promotions": PROMOTION,
    "buy_x_pay_y_promotions": PROMOTION,
    "external_promotions": PROMOTION,
    "shipping_categories": {"name": "Category {o}", "code": "cat-{o}"},
    "sku_list_items": {"position": 1, "quantity": 1},
    "sku_lists": {"name": "List {o}"},
    "sku_options": {"name": "Engraving {o}", "price_amount_cents": 500},
    "skus": {"code": "SKU-{o}", "name": "Shirt"},
    "stock_items": {"quantity": 5},
    "stock_locations": {"name": "Warehouse {o}", "code": "wh-{o}"},
    "stock_transfers": stock_transfer,
    "tags": {"name": "tag-{o}"},
    "tax_calculators": through("manual_tax_calculators"),
    "manual_tax_calculators": {"name": "Calculator {o}"},
    "external_tax_calculators": {"name": "External {o}"},
    "avalara_accounts": {"name": "Avalara {o}"},
    "stripe_tax_accounts": {"name": "Stripe {o}"},
    "vertex_accounts": {"name": "Vertex {o}"},
    "taxjar_accounts": {"name": "TaxJar {o}"},
    "tax_categories": {"code": "TAX-{o}"},
    "versions": version,
    # A public address (no DNS needed), and a topic the tests built on the world never fire.
    "webhooks": {"topic": "imports.destroy", "callback_url": "https://1.1.1.1/hooks/{o}"},
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
        records[type_] = build_one(api, org, type_, recipe, records)
    return records


def build_one(api, org: str, type_: str, recipe: dict, records: dict) -> dict:
    attributes = {k: v.format(o=org) if isinstance(v, str) else v for k, v in recipe.items()}
    relationships = {
        rel.name: [records[rel.target_type]] if rel.many else records[rel.target_type]
        for rel in writable_relationships(type_)
    }
    return created(post(api, type_, attributes, relationships))


def depends(type_: str) -> set[str]:
    """Every type `type_` refers to, directly or not (writable relationships)."""
    found: set[str] = set()
    todo = [type_]
    while todo:
        for rel in writable_relationships(todo.pop()):
            if rel.target_type not in found:
                found.add(rel.target_type)
                todo.append(rel.target_type)
    return found


def nested_types(resource_type: str, includes: tuple[str, ...]) -> set[str]:
    """The types of the records an export includes that its import writes again (nested
    children such as `line_items.line_item_options`, a SKU's `prices`)."""
    out = set()
    for path in includes:
        current = REGISTRY[resource_type]
        for name in path.split("."):
            rel = current.relationships[name]
            current = rel.target
            if isinstance(rel, HasMany) and rel.inline:
                out.add(current.type)
    return out


def world_for(api, tag: str, resource_type: str, includes: tuple[str, ...]) -> dict[str, dict]:
    """The world records a dry export of `resource_type` (with `includes`) refers to, and
    nothing of that type or of its included children."""
    own = {resource_type} | nested_types(resource_type, includes)
    needed = set().union(*(depends(t) for t in own)) - own
    needed = {t for t in needed if not depends(t) & own}
    return build_world(api, tag, needed)


# -- the catalog of the import fixture files ------------------------------------------------------

CELL = re.compile(r"(?<![^,\n])@(\w+)(?=[,\r\n]|$)")


class Catalog:
    """The records the fixture files refer to by code (one set per organization)."""

    def __init__(self, api) -> None:
        self.api = api
        self.standard = factories.shipping_category(api, "Standard", code="STANDARD")
        self.express = factories.shipping_category(api, "Express", code="EXPRESS")
        self.skus = {
            code: factories.sku(api, code=code, category=self.standard)
            for code in ("TSHIRT-S", "TSHIRT-M", "TSHIRT-L", "MUG-01")
        }
        self.eur = factories.price_list(api, code="EUR-RETAIL")
        self.usd = factories.price_list(api, code="USD-RETAIL", currency_code="USD")
        self.warehouse = factories.stock_location(api, code="WH-MILAN")
        self.store = factories.stock_location(api, code="WH-LONDON")
        self.calculator = factories.tax_calculator(api)
        self.group = factories.customer_group(api, code="VIP")
        self.ids: dict[str, str] = {}  # `@name` placeholders of fixture files

    def price(self, sku_code: str = "TSHIRT-S", plist: dict | None = None) -> dict:
        return factories.price(self.api, self.skus[sku_code], plist or self.eur)

    def with_markets(self) -> Catalog:
        """Two markets, EU and US (what the order, SKU list and bundle fixtures refer to)."""
        self.eu = factories.market(self.api, code="EU")
        self.us = factories.market(self.api, code="US")
        return self

    def options(self) -> Catalog:
        """ "Engraving" and "Gift wrap" of the EU market."""
        for name in ("Engraving", "Gift wrap"):
            row = factories.sku_option(self.api, name, self.eu)
            self.ids[name.lower().replace(" ", "_")] = row["id"]
        return self

    def bundle(self) -> dict:
        """SUMMER-KIT in the US market, of the "Summer Essentials" list."""
        skus = [self.skus["TSHIRT-S"], self.skus["MUG-01"]]
        summer = factories.sku_list(self.api, "Summer Essentials", skus)
        return factories.bundle(self.api, summer, "SUMMER-KIT", self.us)

    def inputs(self, type_: str, name: str, **ids: str) -> Any:
        """A fixture with its `@name` placeholders replaced by ids."""
        ids = {**self.ids, **ids}
        data = fixture(type_, name)
        if isinstance(data, str):  # CSV: whole cells only
            return CELL.sub(lambda m: ids.get(m[1], m[0]), data)
        return substitute(data, ids)


def substitute(value: Any, ids: dict[str, str]) -> Any:
    """JSON: every string value "@name" becomes ids[name]."""
    if isinstance(value, str) and value.startswith("@"):
        return ids.get(value[1:], value)
    if isinstance(value, list):
        return [substitute(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, ids) for k, v in value.items()}
    return value


# -- comparisons ----------------------------------------------------------------------------------

# Routes not addressed by a record id, with the reason and where they are tested.
EXEMPT_ROUTES = {
    "/attachments/{key:path}": "signed, expiring URLs (tests/bulk/imports/test_attachments.py)",
    "/api/import_types/{type}": "no records: what imports of a type read, the same for every "
    "organization (tests/app/test_import_types.py)",
    "/docs/static": "Swagger UI's files, the same for everyone (tests/app/test_openapi.py)",
}


def id_routes(app) -> list[tuple[Route, str]]:
    """(route, resource type) of every route taking a record id; fails on any unknown shape."""
    out = []
    for route in app.routes:
        if isinstance(route, Mount) and route.path in EXEMPT_ROUTES:
            continue
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


JOB_TABLES = {
    "imports",
    "exports",
    "cleanups",
    "import_records",
    "import_analyses",
}  # bookkeeping, not records


def stored_rows(app, organization_id: str) -> dict[str, list[tuple]]:
    """Every row of the organization's records (and taggings), without `updated_at`."""
    out = {}
    with app.state.engine.connect() as conn:
        scope = Scope(conn, organization_id)
        for table in REGISTRY["tags"].table.metadata.sorted_tables:
            if table.name in JOB_TABLES or "organization_id" not in table.c:
                continue
            columns = [c for c in table.c if c.name != "updated_at"]
            rows = scope.execute(scope.where(select(*columns), table)).all()
            out[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return out
