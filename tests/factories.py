"""Catalog records built through the API, the way a client would."""

from __future__ import annotations

from itertools import count

_seq = count(1)


def n() -> int:
    return next(_seq)


def address(api, **attrs) -> dict:
    values = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "line_1": "1 Analytical Way",
        "city": "London",
        "zip_code": "N1 9GU",
        "country_code": "GB",
        "phone": "+44 20 7946 0000",
        **attrs,
    }
    return api.create("addresses", values)


def shipping_category(api, name: str | None = None, **attrs) -> dict:
    return api.create("shipping_categories", {"name": name or f"Category {n()}", **attrs})


def price_list(api, **attrs) -> dict:
    return api.create("price_lists", {"name": f"List {n()}", "currency_code": "EUR", **attrs})


def stock_location(api, **attrs) -> dict:
    addr = address(api)
    return api.create(
        "stock_locations",
        {"name": f"Warehouse {n()}", **attrs},
        {"address": ("addresses", addr["id"])},
    )


def sku(api, code: str | None = None, category: dict | None = None, **attrs) -> dict:
    category = category or shipping_category(api)
    return api.create(
        "skus",
        {"code": code or f"SKU{n():05d}", "name": "T-shirt", **attrs},
        {"shipping_category": ("shipping_categories", category["id"])},
    )


def price(api, sku_row: dict, plist: dict, amount_cents: int = 1000, **attrs) -> dict:
    return api.create(
        "prices",
        {"amount_cents": amount_cents, **attrs},
        {"sku": ("skus", sku_row["id"]), "price_list": ("price_lists", plist["id"])},
    )


def market(api, **attrs) -> dict:
    merchant = api.create(
        "merchants", {"name": f"Merchant {n()}"}, {"address": ("addresses", address(api)["id"])}
    )
    model = api.create("inventory_models", {"name": f"Model {n()}"})
    return api.create(
        "markets",
        {"name": f"Market {n()}", **attrs},
        {
            "merchant": ("merchants", merchant["id"]),
            "price_list": ("price_lists", price_list(api)["id"]),
            "inventory_model": ("inventory_models", model["id"]),
        },
    )


def tag(api, name: str | None = None) -> dict:
    return api.create("tags", {"name": name or f"tag{n()}"})


def customer_group(api, **attrs) -> dict:
    return api.create("customer_groups", {"name": f"Group {n()}", **attrs})


def customer(api, email: str | None = None, **attrs) -> dict:
    return api.create("customers", {"email": email or f"customer{n()}@example.com", **attrs})


def inventory_model(api, **attrs) -> dict:
    return api.create("inventory_models", {"name": f"Model {n()}", **attrs})


def merchant(api, **attrs) -> dict:
    return api.create(
        "merchants",
        {"name": f"Merchant {n()}", **attrs},
        {"address": ("addresses", address(api)["id"])},
    )


def tax_calculator(api, **attrs) -> dict:
    return api.create("tax_calculators", {"name": f"Calculator {n()}", **attrs})


def tax_category(api, sku_row: dict, calculator: dict, code: str | None = None, **attrs) -> dict:
    return api.create(
        "tax_categories",
        {"code": code or f"TAX{n()}", **attrs},
        {"sku": ("skus", sku_row["id"]), "tax_calculator": ("tax_calculators", calculator["id"])},
    )


def stock_item(api, location: dict, sku_row: dict, quantity: int = 10, **attrs) -> dict:
    return api.create(
        "stock_items",
        {"quantity": quantity, **attrs},
        {"stock_location": ("stock_locations", location["id"]), "sku": ("skus", sku_row["id"])},
    )


def price_tier(api, price_row: dict, name: str | None = None, **attrs) -> dict:
    values = {"name": name or f"Tier {n()}", "tier_type": "PriceVolumeTier", **attrs}
    values.setdefault("price_amount_cents", 900)
    return api.create("price_tiers", values, {"price": ("prices", price_row["id"])})
