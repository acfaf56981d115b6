"""Ransack-style filters: every predicate of spec section 1 on both backends."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.support import factories
from tests.support.documents import assert_error, ids, listing, ok, q, set_created_at

CREATED = {"A1": "2026-01-01 10:00:00", "B2": "2026-01-01 11:00:00", "c3": "2026-01-01 12:00:00"}


@pytest.fixture
def catalog(api, app):
    """Three SKUs that differ in every filtered attribute, with prices, tags and categories."""
    apparel = factories.shipping_category(api, "Apparel")
    books = factories.shipping_category(api, "Books")
    summer = api.create("tags", {"name": "summer"})
    sale = api.create("tags", {"name": "sale"})
    a1 = factories.sku(
        api, "A1", apparel, name="Red Shirt", description="cotton 100%", pieces_per_pack=1,
        weight=0.5, do_not_ship=False, reference="ref-a",
        metadata={"color": "red", "size": {"eu": 40}, "tags": ["x", "y"]},
    )  # fmt: skip
    b2 = api.create(
        "skus",
        {"code": "B2", "name": "Blue_Shirt", "pieces_per_pack": 5, "do_not_ship": True,
         "metadata": {"color": "blue", "size": {"eu": 42}}},
    )  # fmt: skip
    c3 = factories.sku(api, "c3", books, name="Green Mug", description="", weight=2.0,
                       do_not_track=True)  # fmt: skip
    skus = {"A1": a1, "B2": b2, "c3": c3}
    set_created_at(app, "skus", {skus[code]["id"]: when for code, when in CREATED.items()})
    link = {"data": [{"type": "tags", "id": summer["id"]}, {"type": "tags", "id": sale["id"]}]}
    assert api.patch(f"/api/skus/{a1['id']}/relationships/tags", json=link).status_code == 204
    link = {"data": [{"type": "tags", "id": sale["id"]}]}
    assert api.patch(f"/api/skus/{c3['id']}/relationships/tags", json=link).status_code == 204
    eur = factories.price_list(api, code="EU")
    usd = factories.price_list(api, code="US", currency_code="USD")
    factories.price(api, a1, eur, 500)
    factories.price(api, a1, usd, 1500)
    factories.price(api, b2, eur, 900)
    return skus


def codes(api, path="/api/skus", **filters) -> set[str]:
    doc = listing(api, path, **q(**filters), **{"page[size]": "25"})
    found = [r["attributes"]["code"] for r in doc["data"]]
    assert len(found) == len(set(found)), f"duplicates: {found}"
    assert doc["meta"]["record_count"] == len(found)
    return set(found)


def check_all(api, cases) -> None:
    """Runs (filter, value, expected codes) cases and reports every mismatch at once."""
    failures = []
    for name, value, expected in cases:
        try:
            found = codes(api, **{name: value})
        except AssertionError as exc:
            failures.append(f"{name}={value}: {exc}")
            continue
        if found != set(expected.split()):
            failures.append(f"{name}={value}: got {sorted(found)}, expected {expected}")
    assert not failures, "\n".join(failures)


STRING_CASES = [
    ("code_eq", "A1", "A1"),
    ("code_eq", "a1", ""),
    ("code_not_eq", "A1", "B2 c3"),
    ("name_matches", "%shirt", "A1 B2"),
    ("name_matches", "Red_Shirt", "A1"),
    ("name_does_not_match", "%Shirt", "c3"),
    ("name_cont", "SHIRT", "A1 B2"),
    ("name_not_cont", "shirt", "c3"),
    ("name_start", "red", "A1"),
    ("name_not_start", "red", "B2 c3"),
    ("name_end", "mug", "c3"),
    ("name_not_end", "mug", "A1 B2"),
    ("code_in", "A1,B2", "A1 B2"),
    ("code_in", "A1, c3", "A1 c3"),
    ("code_not_in", "A1,B2", "c3"),
    ("description_present", "true", "A1"),
    ("description_present", "false", "B2 c3"),
    ("description_blank", "true", "B2 c3"),
    ("description_null", "true", "B2"),
    ("description_not_null", "true", "A1 c3"),
    ("reference_eq_or_null", "ref-a", "A1 B2 c3"),
]  # fmt: skip


LIKE_WILDCARD_CASES = [
    ("name_cont", "_", "B2"),
    ("name_cont", "%", ""),
    ("description_cont", "%", "A1"),
    ("description_end", "0%", "A1"),
    ("name_start", "Blue_", "B2"),
    ("name_start", "Red_", ""),
    ("name_not_cont", "_", "A1 c3"),
    ("name_cont", "\\", ""),
]  # fmt: skip


NUMBER_BOOLEAN_NULL_CASES = [
    ("pieces_per_pack_lt", "5", "A1"),
    ("pieces_per_pack_lteq", "5", "A1 B2"),
    ("pieces_per_pack_gt", "1", "B2"),
    ("pieces_per_pack_gteq", "1", "A1 B2"),
    ("pieces_per_pack_eq", "5", "B2"),
    ("pieces_per_pack_in", "1,5", "A1 B2"),
    ("pieces_per_pack_null", "true", "c3"),
    ("pieces_per_pack_null", "false", "A1 B2"),
    ("pieces_per_pack_not_null", "true", "A1 B2"),
    ("pieces_per_pack_present", "true", "A1 B2"),
    ("pieces_per_pack_blank", "true", "c3"),
    ("pieces_per_pack_in_or_null", "5", "B2 c3"),
    ("weight_eq_or_null", "0.5", "A1 B2"),
    ("weight_not_eq_or_null", "0.5", "B2 c3"),
    ("weight_gt", "0.75", "c3"),
    ("do_not_ship_true", "true", "B2"),
    ("do_not_ship_true", "1", "B2"),
    ("do_not_ship_false", "true", "A1 c3"),
    ("do_not_ship_eq", "false", "A1 c3"),
    ("do_not_track_true", "true", "c3"),
    ("do_not_track_false", "true", "A1 B2"),
]  # fmt: skip


JCONT_CASES = [
    ("metadata_jcont", json.dumps({"color": "red"}), "A1"),
    ("metadata_jcont", json.dumps({"color": "red", "size": {"eu": 40}}), "A1"),
    ("metadata_jcont", json.dumps({"size": {"eu": 42}}), "B2"),
    ("metadata_jcont", json.dumps({"size": {"eu": 99}}), ""),
    ("metadata_jcont", json.dumps({"color": "green"}), ""),
    ("metadata_jcont", json.dumps({"tags": ["y"]}), "A1"),
    ("metadata_jcont", json.dumps({"tags": ["z"]}), ""),
    ("metadata_jcont", "{}", "A1 B2 c3"),
]  # fmt: skip


ANY_ALL_OR_CASES = [
    ("name_cont_any", "red,mug", "A1 c3"),
    ("name_cont_all", "shirt,blue", "B2"),
    ("name_not_cont_all", "red,blue", "c3"),
    ("code_eq_any", "A1,B2", "A1 B2"),
    ("code_not_eq_all", "A1,B2", "c3"),
    ("name_start_any", "Red,Green", "A1 c3"),
    ("name_end_all", "Shirt,t", "A1 B2"),
    ("pieces_per_pack_gt_any", "4,0", "A1 B2"),
    ("pieces_per_pack_lt_all", "5,2", "A1"),
    ("code_or_name_eq", "Green Mug", "c3"),
    ("code_or_name_eq", "A1", "A1"),
    ("code_or_name_cont", "b", "B2"),
    ("name_or_description_cont", "cotton", "A1"),
    ("code_or_shipping_category_name_eq", "Books", "c3"),
]  # fmt: skip


PATH_CASES = [
    ("shipping_category_name_start", "App", "A1"),
    ("shipping_category_name_eq", "Books", "c3"),
    ("shipping_category_name_null", "false", "A1 c3"),
    ("prices_amount_cents_gt", "1000", "A1"),
    ("prices_amount_cents_lt", "1000", "A1 B2"),
    ("prices_amount_cents_gteq", "900", "A1 B2"),
    ("prices_price_list_code_eq", "US", "A1"),
    ("prices_price_list_currency_code_eq", "EUR", "A1 B2"),
    ("tags_name_eq", "sale", "A1 c3"),
    ("tags_name_eq", "summer", "A1"),
    ("tags_name_in", "summer,sale", "A1 c3"),
    ("tags_name_start", "s", "A1 c3"),
]  # fmt: skip


def test_attribute_predicates(api, catalog):
    check_all(api, STRING_CASES + LIKE_WILDCARD_CASES + NUMBER_BOOLEAN_NULL_CASES)


def test_jcont_any_all_or_and_relationship_paths(api, catalog):
    check_all(api, JCONT_CASES + ANY_ALL_OR_CASES + PATH_CASES)


def cents(api, **filters) -> list[int]:
    doc = listing(api, "/api/prices", **q(**filters), sort="amount_cents")
    return [p["attributes"]["amount_cents"] for p in doc["data"]]


def test_price_paths_follow_the_current_related_codes(api, catalog):
    assert cents(api, sku_code_eq="A1") == [500, 1500]
    assert cents(api, price_list_code_eq="EU", sku_code_start="A") == [500]
    assert cents(api, price_list_code_in="EU,US") == [500, 900, 1500]
    assert cents(api, sku_code_or_price_list_code_eq="B2") == [900]
    assert cents(api, sku_shipping_category_name_eq="Apparel") == [500, 1500]
    # rename the price list and the SKU: the filters follow the relationship, not a stale copy
    eu = listing(api, "/api/price_lists", **q(code_eq="EU"))["data"][0]
    body = {"data": {"type": "price_lists", "id": eu["id"], "attributes": {"code": "EURO"}}}
    ok(api.patch(f"/api/price_lists/{eu['id']}", json=body))
    sku_id = catalog["B2"]["id"]
    body = {"data": {"type": "skus", "id": sku_id, "attributes": {"code": "B2-NEW"}}}
    ok(api.patch(f"/api/skus/{sku_id}", json=body))
    assert cents(api, price_list_code_eq="EURO") == [500, 900]
    assert cents(api, price_list_code_eq="EU") == []
    assert cents(api, sku_code_eq="B2-NEW") == [900]
    assert cents(api, sku_code_eq="B2") == []


def test_ids_dates_and_both_filter_forms(api, catalog):
    a1, c3 = catalog["A1"]["id"], catalog["c3"]["id"]
    check_all(api, [
        ("ids", f"{a1},{c3}", "A1 c3"),
        ("ids", a1, "A1"),
        ("id_eq", c3, "c3"),
        ("id_in", f"{a1},{c3}", "A1 c3"),
        ("created_at_from", "2026-01-01T11:00:00.000Z", "B2 c3"),
        ("created_at_to", "2026-01-01T11:00:00.000Z", "A1 B2"),
        ("created_at_gt", "2026-01-01T11:00:00Z", "c3"),
        ("created_at_lt", "2026-01-01T12:00:00+01:00", "A1"),
        ("created_at_from", "2026-01-01", "A1 B2 c3"),
        ("created_at_eq", "2026-01-01T10:00:00.000Z", "A1"),
        ("created_at_null", "true", ""),
        ("updated_at_or_created_at_lt", "2026-01-01T10:30:00Z", "A1"),
    ])  # fmt: skip
    both = listing(api, "/api/skus", **{
        "filter[q][created_at_from]": "2026-01-01T11:00:00.000Z",
        "filter[created_at_to]": "2026-01-01T11:00:00.000Z",
    })  # fmt: skip
    assert [r["attributes"]["code"] for r in both["data"]] == ["B2"]


def test_wire_form_of_the_sdk(api, catalog):
    raw = (
        "/api/skus?sort=-created_at&page%5Bsize%5D=25&filter%5Bq%5D%5Bcode_eq%5D=A1"
        "&filter%5Bq%5D%5Bcode_in%5D={}&page%5Bnumber%5D=1"
    )
    assert ok(api.get(raw.format("A,B")))["data"] == []
    doc = ok(api.get(raw.format(quote("A1,B2", safe=""))))
    assert ids(doc) == [catalog["A1"]["id"]]
    assert doc["meta"] == {"record_count": 1, "page_count": 1}
    doc = ok(api.get(raw.replace("code_eq%5D=A1", "code_start%5D=").format("A1,B2")))
    assert ids(doc) == [catalog["B2"]["id"], catalog["A1"]["id"]]


def test_id_slices_as_the_export_client_makes_them(api):
    category = factories.shipping_category(api)
    for _ in range(7):
        factories.sku(api, category=category)
    every = ids(listing(api, "/api/skus", sort="id", **{"page[size]": "25"}))
    assert len(every) == 7
    bounds = []
    for number in (3, 6):  # the boundary ids: page[size]=1 & page[number]=<cumulative>
        page = listing(
            api, "/api/skus", sort="id", **{"page[size]": "1", "page[number]": str(number)}
        )
        bounds.append(ids(page)[0])
    slices = [q(id_lteq=bounds[0]), q(id_gt=bounds[0], id_lteq=bounds[1]), q(id_gt=bounds[1])]
    got = [ids(listing(api, "/api/skus", sort="id", **s)) for s in slices]
    assert got == [every[:3], every[3:6], every[6:]]


def test_invalid_values_are_400_not_500(api):
    bad = [
        ("amount_cents_gt", "abc", "BAD_REQUEST", "/api/prices"),
        ("amount_cents_in", "1,abc", "BAD_REQUEST", "/api/prices"),
        ("amount_cents_lt", "1.5", "BAD_REQUEST", "/api/prices"),
        ("created_at_gt", "yesterday", "BAD_REQUEST", "/api/skus"),
        ("created_at_from", "2026-13-01", "BAD_REQUEST", "/api/skus"),
        ("do_not_ship_eq", "maybe", "BAD_REQUEST", "/api/skus"),
        ("weight_gteq", "heavy", "BAD_REQUEST", "/api/skus"),
        ("metadata_jcont", "not json", "BAD_REQUEST", "/api/skus"),
        ("metadata_jcont", "[1]", "BAD_REQUEST", "/api/skus"),
        ("code_jcont", "{}", "FILTER_NOT_ALLOWED", "/api/skus"),
        ("name_true", "true", "FILTER_NOT_ALLOWED", "/api/skus"),
        ("pieces_per_pack_cont", "1", "FILTER_NOT_ALLOWED", "/api/skus"),
        ("created_at_start", "2026", "FILTER_NOT_ALLOWED", "/api/skus"),
        ("prices_amount_cents_gt", "x", "BAD_REQUEST", "/api/skus"),
        ("pieces_per_pack_gt", "99999999999999999999", "BAD_REQUEST", "/api/skus"),
        ("pieces_per_pack_in", "1,-99999999999999999999", "BAD_REQUEST", "/api/skus"),
        ("code_eq", "A\x00", "BAD_REQUEST", "/api/skus"),
        ("name_cont", "\x00", "BAD_REQUEST", "/api/skus"),
        ("metadata_jcont", '{"a": "\\u0000"}', "BAD_REQUEST", "/api/skus"),
    ]
    failures = []
    for name, value, code, path in bad:
        parameter = f"filter[q][{name}]"
        try:
            assert_error(api.get(path, params={parameter: value}), 400, code, parameter=parameter)
        except AssertionError as exc:
            failures.append(f"{name}={value}: {exc}")
    assert not failures, "\n".join(failures)


def test_filters_never_cross_organizations(api, other_org, catalog):
    theirs = factories.shipping_category(other_org.api, "Apparel")
    factories.sku(other_org.api, "A1", theirs, name="Red Shirt")
    assert codes(api, code_eq="A1") == {"A1"}
    assert codes(api, shipping_category_name_eq="Apparel") == {"A1"}
    assert codes(other_org.api, tags_name_eq="sale") == set()
    assert codes(other_org.api, ids=catalog["B2"]["id"]) == set()
