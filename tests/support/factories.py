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


def tax_calculator(api, type_: str = "manual_tax_calculators", **attrs) -> dict:
    return api.create(type_, {"name": f"Calculator {n()}", **attrs})


def tax_category(api, sku_row: dict, calculator: dict, code: str | None = None, **attrs) -> dict:
    return api.create(
        "tax_categories",
        {"code": code or f"TAX{n()}", **attrs},
        {"sku": ("skus", sku_row["id"]), "tax_calculator": (calculator["type"], calculator["id"])},
    )


def stock_item(api, location: dict, sku_row: dict, quantity: int = 10, **attrs) -> dict:
    return api.create(
        "stock_items",
        {"quantity": quantity, **attrs},
        {"stock_location": ("stock_locations", location["id"]), "sku": ("skus", sku_row["id"])},
    )


def price_tier(
    api, price_row: dict, name: str | None = None, type_: str = "price_volume_tiers", **attrs
) -> dict:
    values = {"name": name or f"Tier {n()}", **attrs}
    values.setdefault("price_amount_cents", 900)
    return api.create(type_, values, {"price": ("prices", price_row["id"])})


# -- promotions, coupons, gift cards, customer links, stock transfers ---------------------------
def promotion(api, type_: str = "percentage_discount_promotions", **attrs) -> dict:
    values = {
        "name": f"Promotion {n()}",
        "starts_at": "2024-01-01T00:00:00.000Z",
        "expires_at": "2030-12-31T23:59:59.000Z",
        **attrs,
    }
    if type_ == "percentage_discount_promotions":
        values.setdefault("percentage", 10)
    return api.create(type_, values)


def coupon_rule(api, promo: dict | None = None, **attrs) -> dict:
    """A coupon codes promotion rule (the parent of coupons), of a new promotion by default."""
    promo = promo or promotion(api)
    return api.create(
        "coupon_codes_promotion_rules", attrs, {"promotion": (promo["type"], promo["id"])}
    )


def coupon(api, rule: dict, code: str | None = None, **attrs) -> dict:
    return api.create(
        "coupons",
        {"code": code or f"COUPON{n():06d}", **attrs},
        {"promotion_rule": ("coupon_codes_promotion_rules", rule["id"])},
    )


def gift_card(api, code: str | None = None, market_row: dict | None = None, **attrs) -> dict:
    values = {"code": code or f"GC-{n():08d}", "balance_cents": 5000, **attrs}
    if market_row is None:
        values.setdefault("currency_code", "EUR")
        return api.create("gift_cards", values)
    return api.create("gift_cards", values, {"market": ("markets", market_row["id"])})


def customer_subscription(api, customer_row: dict, reference: str | None = None) -> dict:
    return api.create(
        "customer_subscriptions",
        {"reference": reference or f"SUB-{n()}"},
        {"customer": ("customers", customer_row["id"])},
    )


def customer_address(api, customer_row: dict, address_row: dict | None = None) -> dict:
    address_row = address_row or address(api)
    return api.create(
        "customer_addresses",
        {},
        {
            "customer": ("customers", customer_row["id"]),
            "address": ("addresses", address_row["id"]),
        },
    )


def customer_payment_source(api, customer_row: dict, token: str | None = None, **attrs) -> dict:
    return api.create(
        "customer_payment_sources",
        {"payment_source_token": token or f"pm_{n()}", **attrs},
        {"customer": ("customers", customer_row["id"])},
    )


def stock_transfer(
    api, sku_row: dict, origin: dict, destination: dict, quantity: int = 1, **attrs
) -> dict:
    return api.create(
        "stock_transfers",
        {"quantity": quantity, **attrs},
        {
            "sku": ("skus", sku_row["id"]),
            "origin_stock_location": ("stock_locations", origin["id"]),
            "destination_stock_location": ("stock_locations", destination["id"]),
        },
    )


# -- orders, line items, sku lists, sku options, bundles, payment methods ------------------------
def _rels(**related: dict | None) -> dict:
    """{"market": market_row, ...} -> the relationships `api.create` takes (None: left out)."""
    return {name: (row["type"], row["id"]) for name, row in related.items() if row is not None}


def sku_list(api, name: str | None = None, skus: list | None = None, **attrs) -> dict:
    """A manual SKU list, with an item for each of `skus`."""
    row = api.create("sku_lists", {"name": name or f"SKU list {n()}", **attrs})
    for position, sku_row in enumerate(skus or [], start=1):
        sku_list_item(api, row, sku_row, position=position)
    return row


def sku_list_item(api, list_row: dict, sku_row: dict, **attrs) -> dict:
    return api.create("sku_list_items", attrs, _rels(sku_list=list_row, sku=sku_row))


def sku_option(api, name: str | None = None, market_row: dict | None = None, **attrs) -> dict:
    values = {"name": name or f"Option {n()}", "price_amount_cents": 500, **attrs}
    if market_row is None:
        values.setdefault("currency_code", "EUR")
    return api.create("sku_options", values, _rels(market=market_row))


def bundle(api, list_row: dict, code: str | None = None, market_row: dict | None = None,
           **attrs) -> dict:  # fmt: skip
    values = {"code": code or f"BUNDLE{n():04d}", "name": "Bundle", **attrs}
    if market_row is None:
        values.setdefault("currency_code", "EUR")
    return api.create("bundles", values, _rels(sku_list=list_row, market=market_row))


def payment_method(api, market_row: dict | None = None, **attrs) -> dict:
    values = {"payment_source_type": "wire_transfers", "price_amount_cents": 0, **attrs}
    return api.create("payment_methods", values, _rels(market=market_row))


def order(api, market_row: dict | None = None, **attrs) -> dict:
    return api.create("orders", attrs, _rels(market=market_row))


def line_item(api, order_row: dict, sku_row: dict | None = None, quantity: int = 1,
              **attrs) -> dict:  # fmt: skip
    values = {"quantity": quantity, **attrs}
    return api.create("line_items", values, _rels(order=order_row, sku=sku_row))


def line_item_option(api, line_row: dict, option_row: dict, **attrs) -> dict:
    values = {"quantity": 1, "options": {"text": "Happy birthday"}, **attrs}
    return api.create("line_item_options", values, _rels(line_item=line_row, sku_option=option_row))
