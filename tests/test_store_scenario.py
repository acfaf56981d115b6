"""A small store built from nothing through imports, then read back through the API.

Only what Commerce Layer does not import is created through the API: the market (with its
merchant, price list and inventory model), the stock locations, a promotion with its coupon
codes rule and a payment method. Everything else comes in by `POST /api/imports`, in the order a
merchant would load it, each import naming earlier records by code, email or reference only
(ids only where Commerce Layer's inputs have no code: SKU options).
"""

from __future__ import annotations

from typing import Any

from tests.support.documents import by, list_all
from tests.support.jobs import counts, run_import

ADDRESSES_CSV = """reference,business,company,first_name,last_name,line_1,city,state_code,country_code,phone
HQ,true,Bulk Tees S.r.l.,,,Via Roma 1,Milano,,IT,+39 02 1234567
WH-MILAN,true,Bulk Tees Milano,,,Via Mecenate 76,Milano,,IT,+39 02 7654321
WH-LONDON,true,Bulk Tees UK,,,1 Dock Road,London,,GB,+44 20 7946 0002
ADA-HOME,,,Ada,Lovelace,12 St James's Square,London,,GB,+44 20 7946 0001
ADA-OFFICE,true,"Analytical Engines, Ltd",,,5 Charing Cross,London,,GB,+44 20 7946 0003
GRACE-HOME,,,Grace,Hopper,1 Navy Way,Arlington,VA,US,+1 703 555 0100
"""  # noqa: E501
SKUS_CSV = """code,name,shipping_category_code,weight,do_not_ship,tags.name
TSHIRT-S,"T-shirt, small",STANDARD,180,,"apparel,summer"
TSHIRT-M,"T-shirt, medium",STANDARD,200,,apparel
MUG-01,Mug,FRAGILE,320.5,,kitchen
GIFT-WRAP,Gift wrap,,,true,
"""
PRICES_CSV = """sku_code,amount_cents,compare_at_amount_cents,price_tiers.type,price_tiers.name,price_tiers.up_to,price_tiers.price_amount_cents
TSHIRT-S,1900,2500,PriceVolumeTier,5 pack,5,1800
TSHIRT-S,1900,2500,PriceVolumeTier,10 pack,10,1700
TSHIRT-M,1900,,,,,
MUG-01,1200,,PriceFrequencyTier,monthly,1,1000
GIFT-WRAP,300,,,,,
"""  # noqa: E501


def imported(api, resource_type: str, inputs: Any, items: int, **attributes: Any) -> dict:
    attrs = run_import(api, resource_type, inputs, **attributes)
    assert counts(attrs) == ("completed", items, 0, 0, 0), (resource_type, attrs)
    return attrs


def made(api, type_: str, attributes: dict, **related: str) -> dict:
    """One record through the API; relationships given as name=(type, id)."""
    rels = {name: {"data": {"type": t, "id": i}} for name, (t, i) in related.items()}
    doc = {"data": {"type": type_, "attributes": attributes, "relationships": rels}}
    response = api.post(f"/api/{type_}", json=doc)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def one(api, type_: str, **filters: str) -> dict:
    found = list_all(api, f"/api/{type_}", **{f"filter[q][{k}]": v for k, v in filters.items()})
    assert len(found) == 1, (type_, filters, found)
    return found[0]


def test_a_store_from_nothing(api):
    # -- addresses first: the merchant and the stock locations below need theirs -----------------
    imported(api, "addresses", ADDRESSES_CSV, 6)
    address = {
        ref: one(api, "addresses", reference_eq=ref)["id"]
        for ref in ("HQ", "WH-MILAN", "WH-LONDON")
    }

    # -- what Commerce Layer does not import ---------------------------------------------------
    price_list = made(
        api, "price_lists", {"name": "Retail EUR", "code": "EUR-RETAIL", "currency_code": "EUR"}
    )
    merchant = made(api, "merchants", {"name": "Bulk Tees"}, address=("addresses", address["HQ"]))
    model = made(api, "inventory_models", {"name": "Default", "strategy": "no_split"})
    market = made(
        api,
        "markets",
        {"name": "Europe", "code": "EU"},
        merchant=("merchants", merchant["id"]),
        price_list=("price_lists", price_list["id"]),
        inventory_model=("inventory_models", model["id"]),
    )
    milan, london = (
        made(
            api,
            "stock_locations",
            {"name": name, "code": code},
            address=("addresses", address[code]),
        )
        for name, code in (("Milan warehouse", "WH-MILAN"), ("London store", "WH-LONDON"))
    )
    promotion = made(
        api,
        "percentage_discount_promotions",
        {
            "name": "Welcome 10%",
            "percentage": 10,
            "starts_at": "2024-01-01T00:00:00Z",
            "expires_at": "2030-01-01T00:00:00Z",
        },
        market=("markets", market["id"]),
    )
    rule = made(
        api, "coupon_codes_promotion_rules", {}, promotion=(promotion["type"], promotion["id"])
    )
    card_payments = made(
        api,
        "payment_methods",
        {"payment_source_type": "stripe_payments", "price_amount_cents": 0},
        market=("markets", market["id"]),
    )

    # -- the catalog -----------------------------------------------------------------------------
    imported(
        api,
        "shipping_categories",
        [{"name": "Standard", "code": "STANDARD"}, {"name": "Fragile", "code": "FRAGILE"}],
        2,
    )
    imported(api, "skus", SKUS_CSV, 4)
    imported(api, "prices", PRICES_CSV, 4, parent_resource_id=price_list["id"])  # of 5 rows
    imported(
        api,
        "stock_items",
        [
            {"sku_code": "TSHIRT-S", "quantity": 100},
            {"sku_code": "TSHIRT-M", "quantity": 40},
            {"sku_code": "MUG-01", "quantity": 25},
            {"sku_code": "MUG-01", "quantity": 6, "stock_location_code": "WH-LONDON"},
        ],
        4,
        parent_resource_id=milan["id"],
    )
    imported(
        api,
        "stock_transfers",
        [
            {
                "sku_code": "TSHIRT-S",
                "quantity": 10,
                "destination_stock_location_code": "WH-LONDON",
            },
        ],
        1,
        parent_resource_id=milan["id"],
    )

    # -- customers ---------------------------------------------------------------------------
    imported(
        api,
        "customers",
        [
            {"email": "ada@example.com", "tags": ["vip", "newsletter"]},
            {"email": "grace@example.com", "tags": ["newsletter"]},
        ],
        2,
    )
    imported(
        api,
        "customer_addresses",
        "customer_email,address_reference\n"
        "ada@example.com,ADA-HOME\nAda@Example.com,ADA-OFFICE\n"
        "grace@example.com,GRACE-HOME\n",
        3,
    )
    imported(
        api,
        "customer_subscriptions",
        [
            {"customer_email": "ada@example.com", "reference": "NEWSLETTER"},
            {"customer_email": "grace@example.com", "reference": "NEWSLETTER"},
        ],
        2,
    )
    imported(
        api,
        "customer_payment_sources",
        [
            {
                "customer_email": "ada@example.com",
                "payment_source_token": "pm_ada_visa",
                "payment_method_id": card_payments["id"],
            },
        ],
        1,
    )

    # -- promotions and gift cards ---------------------------------------------------------------
    imported(
        api,
        "coupons",
        [
            {"code": "WELCOME-ADA-10", "customer_single_use": True, "tags": ["welcome"]},
            {"code": "WELCOME-GRACE-10", "customer_single_use": True},
        ],
        2,
        parent_resource_id=rule["id"],
    )
    imported(
        api,
        "gift_cards",
        [
            {"code": "GC-ADA-5000", "balance_cents": 5000, "recipient_email": "ada@example.com"},
            {"balance_cents": 2500},
        ],
        2,
        parent_resource_id=market["id"],
    )

    # -- lists, bundles, options, orders (types of the orders engineer) ------------------------
    imported(
        api,
        "sku_lists",
        [
            {
                "name": "Summer Essentials",
                "sku_list_items": [
                    {"sku_code": "TSHIRT-S", "position": 1, "quantity": 2},
                    {"sku_code": "MUG-01", "position": 2},
                ],
            }
        ],
        1,
    )
    imported(
        api,
        "bundles",
        [
            {
                "code": "SUMMER-KIT",
                "name": "Summer kit",
                "sku_list_name": "Summer Essentials",
                "price_amount_cents": 4500,
            }
        ],
        1,
        parent_resource_id=market["id"],
    )
    imported(
        api,
        "sku_options",
        [{"name": "Engraving", "price_amount_cents": 500}],
        1,
        parent_resource_id=market["id"],
    )
    engraving = one(api, "sku_options", name_eq="Engraving")
    imported(
        api,
        "orders",
        [
            {
                "number": "ORD-1",
                "customer_email": "ada@example.com",
                "line_items": [
                    {
                        "sku_code": "MUG-01",
                        "quantity": 2,
                        "unit_amount_cents": 1200,
                        "line_item_options": [
                            {
                                "sku_option_id": engraving["id"],
                                "quantity": 1,
                                "options": {"text": "ADA"},
                            }
                        ],
                    },
                    {"bundle_code": "SUMMER-KIT", "quantity": 1},
                ],
            },
            {
                "customer_email": "grace@example.com",
                "line_items": [{"sku_code": "TSHIRT-M", "quantity": 3}],
            },
        ],
        2,
        parent_resource_id=market["id"],
    )

    # -- the store, as the API shows it ----------------------------------------------------------
    sizes = {
        t: len(list_all(api, f"/api/{t}"))
        for t in (
            "addresses",
            "shipping_categories",
            "skus",
            "prices",
            "price_tiers",
            "stock_items",
            "stock_transfers",
            "customers",
            "customer_addresses",
            "customer_subscriptions",
            "customer_payment_sources",
            "coupons",
            "gift_cards",
            "sku_lists",
            "sku_list_items",
            "bundles",
            "sku_options",
            "orders",
            "line_items",
            "line_item_options",
            "tags",
        )
    }
    assert sizes == {
        "addresses": 6,
        "shipping_categories": 2,
        "skus": 4,
        "prices": 4,
        "price_tiers": 3,
        "stock_items": 4,
        "stock_transfers": 1,
        "customers": 2,
        "customer_addresses": 3,
        "customer_subscriptions": 2,
        "customer_payment_sources": 1,
        "coupons": 2,
        "gift_cards": 2,
        "sku_lists": 1,
        "sku_list_items": 2,
        "bundles": 1,
        "sku_options": 1,
        "orders": 2,
        "line_items": 3,
        "line_item_options": 1,
        "tags": 6,  # apparel, summer, kitchen, vip, newsletter, welcome
    }

    skus = by(list_all(api, "/api/skus", include="shipping_category,tags"), "code")
    assert skus["MUG-01"]["attributes"]["weight"] == 320.5
    assert skus["GIFT-WRAP"]["relationships"]["shipping_category"]["data"] is None
    tshirt = api.get(
        f"/api/skus/{skus['TSHIRT-S']['id']}",
        params={"include": "shipping_category,tags,prices.price_tiers"},
    ).json()
    included = {
        (r["type"], r["attributes"].get("name") or r["attributes"].get("code"))
        for r in tshirt["included"]
    }
    assert included >= {
        ("shipping_categories", "Standard"),
        ("tags", "apparel"),
        ("tags", "summer"),
        ("price_volume_tiers", "5 pack"),
        ("price_volume_tiers", "10 pack"),
    }

    stock = list_all(api, f"/api/stock_locations/{milan['id']}/stock_items")
    assert sorted((s["attributes"]["sku_code"], s["attributes"]["quantity"]) for s in stock) == [
        ("MUG-01", 25),
        ("TSHIRT-M", 40),
        ("TSHIRT-S", 100),
    ]
    transfer = one(api, "stock_transfers", sku_code_eq="TSHIRT-S")
    assert transfer["attributes"]["number"] == "1000"
    assert transfer["relationships"]["destination_stock_location"]["data"]["id"] == london["id"]

    ada = one(api, "customers", email_eq="ada@example.com")
    book = api.get(
        f"/api/customers/{ada['id']}",
        params={
            "include": "customer_addresses.address,customer_subscriptions,"
            "customer_payment_sources.payment_method"
        },
    ).json()
    refs = sorted(
        r["attributes"]["reference"] for r in book["included"] if r["type"] == "addresses"
    )
    assert refs == ["ADA-HOME", "ADA-OFFICE"]
    assert [r["id"] for r in book["included"] if r["type"] == "payment_methods"] == [
        card_payments["id"]
    ]

    coupons = by(list_all(api, f"/api/coupon_codes_promotion_rules/{rule['id']}/coupons"), "code")
    assert sorted(coupons) == ["WELCOME-ADA-10", "WELCOME-GRACE-10"]
    cards = list_all(api, f"/api/markets/{market['id']}/gift_cards")
    assert sorted(c["attributes"]["currency_code"] for c in cards) == ["EUR", "EUR"]
    assert "GC-ADA-5000" in {c["attributes"]["code"] for c in cards}

    kit = one(api, "bundles", code_eq="SUMMER-KIT")
    doc = api.get(f"/api/bundles/{kit['id']}", params={"include": "sku_list.sku_list_items"})
    items = [r for r in doc.json()["included"] if r["type"] == "sku_list_items"]
    assert sorted(i["attributes"]["sku_code"] for i in items) == ["MUG-01", "TSHIRT-S"]

    orders = by(list_all(api, f"/api/markets/{market['id']}/orders"), "number")
    assert sorted(orders) == ["1000", "ORD-1"]  # the second one numbered by the sequence
    doc = api.get(
        f"/api/orders/{orders['ORD-1']['id']}", params={"include": "line_items.line_item_options"}
    ).json()
    lines = {r["attributes"]["item_code"]: r for r in doc["included"] if r["type"] == "line_items"}
    assert sorted(lines) == ["MUG-01", "SUMMER-KIT"]
    assert lines["MUG-01"]["attributes"]["quantity"] == 2
    options = [r for r in doc["included"] if r["type"] == "line_item_options"]
    assert [o["attributes"]["options"] for o in options] == [{"text": "ADA"}]
    assert options[0]["relationships"]["sku_option"]["data"]["id"] == engraving["id"]
