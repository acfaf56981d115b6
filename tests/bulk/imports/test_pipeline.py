"""Matching, references, nested children, tags, warnings and errors_log keys."""

from __future__ import annotations

from tests.support import factories
from tests.support.documents import attrs_of, by, list_all, rel_attrs_of, related_id, tag_names
from tests.support.jobs import counts, fixture, run_import
from tests.support.world import Catalog


def test_skus_reimport_updates_by_code_and_by_id(api):
    cat = Catalog(api)
    first = run_import(api, "skus", fixture("skus", "valid.json"))
    assert counts(first) == ("completed", 4, 0, 0, 0)
    again = run_import(api, "skus", fixture("skus", "update.json"))
    assert counts(again) == ("completed", 3, 0, 0, 0), again
    skus = by(list_all(api, "/api/skus"), "code")
    assert len(skus) == 4 + 4 + 1  # the catalog's, the first import's, SOCKS-01
    hoodie = skus["HOODIE-BLK-S"]
    assert hoodie["attributes"]["name"] == "Black hoodie, S"
    assert hoodie["attributes"]["weight"] == 450.5  # not given: unchanged
    assert hoodie["attributes"]["metadata"]["season"] == "fw24"
    assert tag_names(api, hoodie) == ["apparel", "sale"]  # replaced
    cap = skus["CAP-RED"]
    assert (cap["attributes"]["weight"], cap["attributes"]["name"]) == (90.0, "Red cap")
    assert related_id(cap, "shipping_category") == cat.standard["id"]
    by_id = run_import(api, "skus", [{"id": cap["id"], "code": "CAP-CRIMSON", "name": "Cap"}])
    assert counts(by_id) == ("completed", 1, 0, 0, 0)
    renamed = api.get(f"/api/skus/{cap['id']}").json()["data"]["attributes"]
    assert (renamed["code"], renamed["name"], renamed["weight"]) == ("CAP-CRIMSON", "Cap", 90.0)
    assert len(list_all(api, "/api/skus")) == 9


def test_unknown_id_is_an_item_error(api):
    attrs = run_import(api, "tags", [{"id": "NoSuchId00", "name": "x"}, {"name": "ok"}],
                       skip_errors=True)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 1, 0, 0)
    assert attrs["errors_log"] == {"x": {"id": ["not found"]}}
    other = run_import(api, "addresses", [{"id": "NoSuchId00", "city": "Rome"}])
    assert other["errors_log"] == {"NoSuchId00": {"id": ["not found"]}}


def test_an_id_of_another_organization_is_not_found(api, other_org):
    theirs = factories.tag(other_org.api, "theirs")
    attrs = run_import(api, "tags", [{"id": theirs["id"], "name": "mine"}])
    assert attrs["errors_log"] == {"mine": {"id": ["not found"]}}
    assert (
        other_org.api.get(f"/api/tags/{theirs['id']}").json()["data"]["attributes"]["name"]
        == "theirs"
    )


def test_prices_reimport_replaces_tiers(api):
    cat = Catalog(api)
    run_import(api, "prices", fixture("prices", "valid.json"), parent_resource_id=cat.eur["id"])
    again = run_import(api, "prices", fixture("prices", "update.json"),
                       parent_resource_id=cat.eur["id"])  # fmt: skip
    assert counts(again) == ("completed", 2, 0, 0, 0), again
    prices = {p["attributes"]["sku_code"]: p for p in list_all(api, "/api/prices")}
    assert len(prices) == 4
    small = prices["TSHIRT-S"]
    assert small["attributes"]["amount_cents"] == 1850
    tiers = list_all(api, f"/api/prices/{small['id']}/price_tiers")
    assert attrs_of(tiers, "name", "up_to", "price_amount_cents") == [("10 pack", 10.0, 1600)]
    assert list_all(api, "/api/price_tiers") == tiers  # the others were removed
    assert prices["TSHIRT-M"]["attributes"]["amount_cents"] == 2000


def test_stock_items_update_by_key(api):
    cat = Catalog(api)
    loc = cat.warehouse["id"]
    run_import(api, "stock_items", fixture("stock_items", "valid.json"), parent_resource_id=loc)
    again = run_import(api, "stock_items", [
        {"sku_code": "TSHIRT-S", "quantity": 80},
        {"sku_id": cat.skus["TSHIRT-M"]["id"], "quantity": 12},  # the same key, by id
        {"sku_code": "MUG-01", "quantity": 1, "stock_location_id": cat.store["id"]},
    ], parent_resource_id=loc)  # fmt: skip
    assert counts(again) == ("completed", 3, 0, 0, 0), again
    items = list_all(api, "/api/stock_items")
    assert attrs_of(items, "sku_code", "quantity") == [
        ("MUG-01", 1), ("TSHIRT-L", -2), ("TSHIRT-M", 12), ("TSHIRT-S", 80),
    ]  # fmt: skip
    store = cat.store["id"]  # MUG-01's location, from the fixture's stock_location_code
    assert rel_attrs_of(items, "stock_location", "sku_code") == sorted(
        [(store, "MUG-01"), (loc, "TSHIRT-L"), (loc, "TSHIRT-M"), (loc, "TSHIRT-S")]
    )


def test_customers_match_email_case_insensitively_and_tags_are_replaced(api):
    cat = Catalog(api)
    run_import(api, "customers", fixture("customers", "valid.json"))
    again = run_import(api, "customers", fixture("customers", "update.json"))
    assert counts(again) == ("completed", 2, 0, 0, 0), again
    customers = by(list_all(api, "/api/customers"), "email")
    assert len(customers) == 3
    grace, ada = customers["grace@example.com"], customers["ada@example.com"]
    assert related_id(grace, "customer_group") == cat.group["id"]
    assert tag_names(api, grace) == ["vip"]
    assert tag_names(api, ada) == []
    assert ada["attributes"]["shopper_reference"] == "SHOP-1B"


def test_addresses_match_by_reference(api):
    run_import(api, "addresses", fixture("addresses", "valid.json"))
    again = run_import(api, "addresses", fixture("addresses", "update.json"))
    assert counts(again) == ("completed", 2, 0, 0, 0), again
    addresses = by(list_all(api, "/api/addresses"), "reference")
    assert len(addresses) == 3  # the one without a reference is never matched
    assert addresses["addr-hq"]["attributes"]["line_1"] == "Via Roma 3"
    assert addresses["addr-hq"]["attributes"]["company"] == "Acme S.p.A."
    assert addresses["addr-home"]["attributes"]["city"] == "Oxford"
    run_import(api, "addresses", fixture("addresses", "valid.json")[2:])
    assert len(list_all(api, "/api/addresses")) == 4  # no key: created again


def test_unknown_references(api):
    cat = Catalog(api)
    attrs = run_import(api, "prices", [
        {"sku_code": "NOPE", "amount_cents": 100},
        {"sku_code": "TSHIRT-S", "price_list_code": "NOPE", "amount_cents": 100},
        {"sku_id": "NoSuchId00", "amount_cents": 100},
        {"sku_code": "TSHIRT-M", "amount_cents": 100},
    ], parent_resource_id=cat.eur["id"], skip_errors=True)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 3, 0, 0)
    eur = cat.eur["id"]
    assert attrs["errors_log"] == {
        f"{eur}/NOPE": {"sku": ["must exist"]},
        "NOPE/TSHIRT-S": {"price_list": ["must exist"]},
        f"{eur}/NoSuchId00": {"sku": ["must exist"]},
    }


def test_parent_fills_and_own_relationship_wins(api):
    cat = Catalog(api)
    attrs = run_import(api, "stock_items", [
        {"sku_code": "TSHIRT-S", "quantity": 1},
        {"sku_code": "TSHIRT-M", "quantity": 2, "stock_location_id": cat.store["id"]},
        {"sku_code": "TSHIRT-L", "quantity": 3, "stock_location_code": "WH-LONDON"},
    ], parent_resource_id=cat.warehouse["id"])  # fmt: skip
    assert counts(attrs) == ("completed", 3, 0, 0, 0)
    items = list_all(api, "/api/stock_items")
    located = sorted((i["attributes"]["sku_code"], related_id(i, "stock_location")) for i in items)
    assert located == [
        ("TSHIRT-L", cat.store["id"]),
        ("TSHIRT-M", cat.store["id"]),
        ("TSHIRT-S", cat.warehouse["id"]),
    ]
    missing = run_import(api, "stock_items", [{"sku_code": "MUG-01", "quantity": 1}])
    assert missing["errors_log"] == {"1": {"stock_location": ["can't be blank"]}}


def test_tags_by_name_id_and_csv_lists(api):
    category = factories.shipping_category(api)
    existing = factories.tag(api, "existing")
    cid = category["id"]
    eleven = [f"t{i}" for i in range(11)]
    attrs = run_import(api, "skus", [
        {"code": "A", "name": "A", "shipping_category_id": cid,
         "tags": ["new-one", {"id": existing["id"]}, {"name": "existing"}]},
        {"code": "B", "name": "B", "shipping_category_id": cid, "tags": eleven},
        {"code": "C", "name": "C", "shipping_category_id": cid, "tags": ["bad name!"]},
        {"code": "D", "name": "D", "shipping_category_id": cid, "tags": [{"id": "NoSuchId00"}]},
        {"code": "E", "name": "E", "shipping_category_id": cid, "tags": "new-one"},
    ], skip_errors=True)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 4, 0, 0), attrs
    assert attrs["errors_log"] == {
        "B": {"tags": ["is too long (maximum is 10 elements)"]},
        "C": {"tags": ["'bad name!' is invalid"]},
        "D": {"tags": ["must exist"]},
        "E": {"tags": ['must be a list of names, or of objects with an "id" or a "name"']},
    }
    skus = by(list_all(api, "/api/skus"), "code")
    assert tag_names(api, skus["A"]) == ["existing", "new-one"]
    assert sorted(by(list_all(api, "/api/tags"), "name")) == ["existing", "new-one"]
    csv_text = (
        f"code,name,shipping_category_id,tags.name\n"
        f'A,A,{cid},"x1, x2 ,existing"\n'
        f"F,F,{cid},solo\n"
        f'G,G,{cid},"{",".join(eleven)}"\n'
    )
    attrs = run_import(api, "skus", csv_text, skip_errors=True)
    assert counts(attrs) == ("completed", 2, 1, 0, 0), attrs
    assert attrs["errors_log"] == {"G": {"tags": ["is too long (maximum is 10 elements)"]}}
    skus = by(list_all(api, "/api/skus"), "code")
    assert tag_names(api, skus["A"]) == ["existing", "x1", "x2"]
    assert tag_names(api, skus["F"]) == ["solo"]
    ids_csv = f'code,tags.id\nF,"{existing["id"]}"\n'
    assert counts(run_import(api, "skus", ids_csv)) == ("completed", 1, 0, 0, 0)
    assert tag_names(api, skus["F"]) == ["existing"]


def test_unreadable_tag_entries_are_errors_of_their_item(api):
    """Each tag entry that is not a name or an object with one string `id` or `name` is an
    error of its item naming the entry; the item writes nothing (no tag, no change), and its
    neighbours are imported."""
    cid = factories.shipping_category(api)["id"]
    sale = factories.tag(api, "sale")

    def sku(code: str, **more) -> dict:
        return {"code": code, "name": code, "shipping_category_id": cid, **more}

    first = run_import(api, "skus", [sku("OLD", tags=["keep"])])
    assert counts(first) == ("completed", 1, 0, 0, 0), first
    attrs = run_import(api, "skus", [
        sku("A1", tags=[{"id": 1}, {"x": {}}]),
        sku("OK1", tags=[{"id": sale["id"]}, {"name": "fresh"}, "plain",
                         {"type": "tags", "id": sale["id"]}]),
        sku("OLD", name="Renamed", tags=[{"name": "sale"}, None]),
        sku("A2", tags=["brand-new", {"name": "sale", "colour": "red"}]),
        sku("A3", tags=[{"id": sale["id"], "name": "sale"}, [], "x"]),
        sku("A4", tags="sale"),
        sku("A5", **{"tags.id": [1, {}]}),
        sku("OK2", **{"tags.name": None, "tags.id": sale["id"]}),
    ], skip_errors=True)  # fmt: skip
    assert counts(attrs) == ("completed", 2, 6, 0, 0), attrs
    assert attrs["errors_log"] == {
        "A1": {"tags": [
            'entry 1 has a non-string "id"',
            'entry 2 has unknown keys ("x"): it takes an "id" or a "name"',
        ]},
        "OLD": {"tags": ['entry 2 must be a name, or an object with an "id" or a "name"']},
        "A2": {"tags": ['entry 2 has unknown keys ("colour"): it takes an "id" or a "name"']},
        "A3": {"tags": [
            'entry 1 has both an "id" and a "name": give one of them',
            'entry 2 must be a name, or an object with an "id" or a "name"',
        ]},
        "A4": {"tags": ['must be a list of names, or of objects with an "id" or a "name"']},
        "A5": {"tags.id": ["entry 1 must be a string", "entry 2 must be a string"]},
    }  # fmt: skip
    skus = by(list_all(api, "/api/skus"), "code")
    assert sorted(skus) == ["OK1", "OK2", "OLD"]
    assert tag_names(api, skus["OK1"]) == ["fresh", "plain", "sale"]
    assert tag_names(api, skus["OK2"]) == ["sale"]
    assert skus["OLD"]["attributes"]["name"] == "OLD"  # unchanged, tags included
    assert tag_names(api, skus["OLD"]) == ["keep"]
    assert tag_names(api) == ["fresh", "keep", "plain", "sale"]  # no "brand-new", no "x"
    csv_text = (  # CSV cells are strings: what they name is checked, one item at a time
        "code,name,shipping_category_id,tags.id,tags.name\n"
        f"C1,C1,{cid},NoSuchId00,\n"
        f'C2,C2,{cid},,"ok-too, bad name!"\n'
        f'C3,C3,{cid},"{sale["id"]}","ok-too"\n'
    )
    attrs = run_import(api, "skus", csv_text, skip_errors=True)
    assert counts(attrs) == ("completed", 1, 2, 0, 0), attrs
    assert attrs["errors_log"] == {
        "C1": {"tags": ["must exist"]},
        "C2": {"tags": ["'bad name!' is invalid"]},
    }
    assert tag_names(api, by(list_all(api, "/api/skus"), "code")["C3"]) == ["ok-too", "sale"]


def test_unknown_attributes_are_warnings(api):
    category = factories.shipping_category(api)
    attrs = run_import(api, "skus", [
        {"code": "W1", "name": "W1", "shipping_category_id": category["id"],
         "colour": "red", "created_at": "2020-01-01T00:00:00Z"},  # read-only: silently ignored
        {"code": "W2", "name": "W2", "shipping_category_id": category["id"], "extra": {"a": 1}},
    ])  # fmt: skip
    assert counts(attrs) == ("completed", 2, 0, 2, 0), attrs
    assert attrs["warnings_log"] == {
        "W1": ["colour is not an attribute of skus: ignored"],
        "W2": ["extra is not an attribute of skus: ignored"],
    }
    assert attrs["errors_log"] == {}
    skus = {s["attributes"]["code"]: s["attributes"] for s in list_all(api, "/api/skus")}
    assert len(skus) == 2 and skus["W1"]["created_at"] != "2020-01-01T00:00:00.000Z"


def test_errors_log_keys(api):
    cat = Catalog(api)
    skus = run_import(api, "skus", [{"code": "SKU1"}, {"name": "no code"}], skip_errors=True)
    assert skus["errors_log"] == {
        "SKU1": {"name": ["can't be blank"], "shipping_category": ["can't be blank"]},
        "2": {"code": ["can't be blank"], "shipping_category": ["can't be blank"]},
    }
    prices = run_import(api, "prices", [
        {"sku_code": "TSHIRT-S", "amount_cents": -1},
        {"sku_code": "TSHIRT-M", "price_list_id": cat.usd["id"], "amount_cents": "x"},
        {"amount_cents": 5},
    ], parent_resource_id=cat.eur["id"], skip_errors=True)  # fmt: skip
    assert prices["errors_log"] == {
        f"{cat.eur['id']}/TSHIRT-S": {"amount_cents": ["must be greater than or equal to 0"]},
        f"{cat.usd['id']}/TSHIRT-M": {"amount_cents": ["is not a number"]},
        "3": {"sku": ["can't be blank"]},
    }
    addresses = run_import(api, "addresses", [{"city": "Rome"}, {"reference": "r1"}],
                           skip_errors=True)  # fmt: skip
    assert sorted(addresses["errors_log"]) == ["1", "r1"]
    assert addresses["errors_log"]["1"] == {
        "line_1": ["can't be blank"],
        "country_code": ["can't be blank"],
        "phone": ["can't be blank"],
        "first_name": ["can't be blank"],
        "last_name": ["can't be blank"],
    }


def test_items_that_are_not_objects(api):
    attrs = run_import(api, "tags", [{"name": "ok"}, "oops", 3, None, [1]], skip_errors=True)
    assert counts(attrs) == ("completed", 1, 4, 0, 0)
    assert attrs["errors_log"] == {
        str(i): {"base": ["must be a JSON object"]} for i in (2, 3, 4, 5)
    }


def test_nested_tier_errors_fail_their_price(api):
    cat = Catalog(api)
    attrs = run_import(api, "prices", [
        {"sku_code": "TSHIRT-S", "amount_cents": 100,
         "price_tiers": [{"type": "PriceVolumeTier", "name": "ok", "price_amount_cents": 90},
                         {"type": "Bulk", "name": "bad", "price_amount_cents": 80}]},
        {"sku_code": "TSHIRT-M", "amount_cents": 100, "price_tiers": ["not an object"]},
        {"sku_code": "TSHIRT-L", "amount_cents": 100, "price_tiers": {"name": "x"}},
    ], parent_resource_id=cat.eur["id"], skip_errors=True)  # fmt: skip
    eur = cat.eur["id"]
    assert attrs["errors_log"] == {
        f"{eur}/TSHIRT-S": {"price_tiers.tier_type": ["is not included in the list"]},
        f"{eur}/TSHIRT-M": {"price_tiers.base": ["must be a JSON object"]},
        f"{eur}/TSHIRT-L": {"price_tiers": ["is invalid"]},
    }
    assert counts(attrs) == ("completed", 0, 3, 0, 0)
    assert list_all(api, "/api/prices") == [] and list_all(api, "/api/price_tiers") == []


def test_nested_children_warnings_and_repeated_keys(api):
    cat = Catalog(api)
    tier = {"type": "PriceVolumeTier", "price_amount_cents": 10}
    attrs = run_import(api, "prices", [
        {"sku_code": "TSHIRT-S", "amount_cents": 100,
         "price_tiers": [{**tier, "name": "a", "colour": "red"}, {**tier, "name": "b"}]},
        {"sku_code": "TSHIRT-M", "amount_cents": 100,
         "price_tiers": [{**tier, "name": "a"}, {**tier, "name": "a"}]},
    ], parent_resource_id=cat.eur["id"], skip_errors=True)  # fmt: skip
    eur = cat.eur["id"]
    assert counts(attrs) == ("completed", 1, 1, 1, 0), attrs
    assert attrs["warnings_log"] == {
        f"{eur}/TSHIRT-S": ["colour is not an attribute of price_tiers: ignored"]
    }
    assert attrs["errors_log"] == {
        f"{eur}/TSHIRT-M": {"price_tiers.name": ["has already been taken"]}
    }
    assert attrs_of(list_all(api, "/api/price_tiers"), "name") == [("a",), ("b",)]
