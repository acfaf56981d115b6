"""Strict query parameters: anything the server does not understand is a 400 naming it."""

from __future__ import annotations

from tests.support import factories
from tests.support.documents import assert_error, ok

BAD = "BAD_REQUEST"

COLLECTION_CASES = [
    # (parameters, code, source.parameter)
    ({"foo": "1"}, BAD, "foo"),
    ({"filter": "x"}, BAD, "filter"),
    ({"fields": "code"}, BAD, "fields"),
    ({"page[offset]": "1"}, BAD, "page[offset]"),
    ({"filter[q][bogus_eq]": "1"}, "FILTER_NOT_ALLOWED", "filter[q][bogus_eq]"),
    ({"filter[bogus_eq]": "1"}, "FILTER_NOT_ALLOWED", "filter[bogus_eq]"),
    ({"filter[q][code]": "A"}, "FILTER_NOT_ALLOWED", "filter[q][code]"),
    ({"filter[q][code_bogus]": "A"}, "FILTER_NOT_ALLOWED", "filter[q][code_bogus]"),
    ({"filter[q][metadata_eq]": "x"}, "FILTER_NOT_ALLOWED", "filter[q][metadata_eq]"),
    ({"filter[q][code_or_bogus_eq]": "A"}, "FILTER_NOT_ALLOWED", "filter[q][code_or_bogus_eq]"),
    ({"filter[q][prices_bogus_gt]": "1"}, "FILTER_NOT_ALLOWED", "filter[q][prices_bogus_gt]"),
    ({"sort": "bogus"}, "INVALID_SORT", "sort"),
    ({"sort": "code,-bogus"}, "INVALID_SORT", "sort"),
    ({"sort": "metadata"}, "INVALID_SORT", "sort"),
    ({"sort": "prices"}, "INVALID_SORT", "sort"),
    ({"include": "bogus"}, "INVALID_INCLUDE", "include"),
    ({"include": "prices,prices.bogus"}, "INVALID_INCLUDE", "include"),
    ({"include": "code"}, "INVALID_INCLUDE", "include"),
    ({"include": "prices..price_tiers"}, "INVALID_INCLUDE", "include"),
    ({"include": "prices.price_tiers.price.sku"}, "INVALID_INCLUDE", "include"),
    ({"fields[bogus]": "code"}, BAD, "fields[bogus]"),
    ({"fields[skus]": "code,bogus"}, BAD, "fields[skus]"),
    ({"fields[prices]": "code"}, BAD, "fields[prices]"),
    ({"page[size]": "26"}, BAD, "page[size]"),
    ({"page[size]": "0"}, BAD, "page[size]"),
    ({"page[size]": "-1"}, BAD, "page[size]"),
    ({"page[size]": "²"}, BAD, "page[size]"),
    ({"page[size]": ""}, BAD, "page[size]"),
    ({"page[number]": "abc"}, BAD, "page[number]"),
    ({"page[number]": "0"}, BAD, "page[number]"),
    ({"page[number]": "1.5"}, BAD, "page[number]"),
    ({"page[number]": "99999999999999999999"}, BAD, "page[number]"),
]


def test_collection_rejects_what_it_does_not_understand(api):
    # one test for all cases: app setup per test costs more than these requests
    failures = []
    for params, code, parameter in COLLECTION_CASES:
        try:
            assert_error(api.get("/api/skus", params=params), 400, code, parameter=parameter)
        except AssertionError as exc:
            failures.append(f"{params}: {exc}")
    assert not failures, "\n".join(failures)


def test_the_limits_themselves_are_accepted(api):
    doc = ok(
        api.get(
            "/api/skus",
            params={
                "page[size]": "25",
                "page[number]": "3",
                "include": "prices.price_tiers.price,shipping_category,tags",
                "fields[skus]": "code,prices",
                "fields[prices]": "amount_cents",
                "fields[tags]": "",
                "sort": "-code,id,created_at",
                "filter[q][code_start]": "X",
                "filter[name_cont]": "Y",
            },
        )
    )
    assert doc["data"] == []
    assert doc["meta"]["record_count"] == 0


def test_single_resource_takes_no_collection_parameters(api):
    sku = factories.sku(api)
    for parameter in ("foo", "page[size]", "page[number]", "sort", "filter[q][code_eq]"):
        for path in (f"/api/skus/{sku['id']}", f"/api/skus/{sku['id']}/shipping_category"):
            response = api.get(path, params={parameter: "1"})
            assert_error(response, 400, BAD, parameter=parameter)


def test_single_resource_validates_include_and_fields(api):
    sku = factories.sku(api)
    path = f"/api/skus/{sku['id']}"
    assert_error(
        api.get(path, params={"include": "nope"}), 400, "INVALID_INCLUDE", parameter="include"
    )
    assert_error(api.get(path, params={"fields[skus]": "x"}), 400, BAD, parameter="fields[skus]")
    assert ok(api.get(path, params={"include": "prices", "fields[skus]": "code"}))["data"]


def test_related_collection_is_strict_about_its_target_type(api):
    sku = factories.sku(api)
    path = f"/api/skus/{sku['id']}/prices"
    assert_error(api.get(path, params={"sort": "code"}), 400, "INVALID_SORT", parameter="sort")
    assert_error(
        api.get(path, params={"filter[q][code_eq]": "A"}),
        400,
        "FILTER_NOT_ALLOWED",
        parameter="filter[q][code_eq]",
    )
    assert_error(api.get(path, params={"page[size]": "30"}), 400, BAD, parameter="page[size]")
    assert ok(api.get(path, params={"sort": "-amount_cents", "page[size]": "25"}))["data"] == []


def test_relationship_linkage_rejects_query_parameters(api):
    sku = factories.sku(api)
    path = f"/api/skus/{sku['id']}/relationships/prices"
    assert_error(api.get(path, params={"sort": "code"}), 400, BAD, parameter="sort")
    assert_error(api.get(path, params={"foo": "1"}), 400, BAD, parameter="foo")


def test_writes_are_strict_too(api):
    category = factories.shipping_category(api)
    body = {"data": {"type": "shipping_categories", "attributes": {"name": "New"}}}
    response = api.post("/api/shipping_categories?foo=1", json=body)
    assert_error(response, 400, BAD, parameter="foo")
    path = f"/api/shipping_categories/{category['id']}"
    patch = {"data": {"type": "shipping_categories", "id": category["id"], "attributes": {}}}
    assert_error(api.patch(f"{path}?include=bogus", json=patch), 400, "INVALID_INCLUDE")
    assert_error(api.delete(f"{path}?foo=1"), 400, BAD, parameter="foo")
    # nothing was written or deleted by the refused requests
    listed = ok(api.get("/api/shipping_categories"))
    assert [r["attributes"]["name"] for r in listed["data"]] == [category["attributes"]["name"]]


def test_unknown_filter_is_refused_even_on_an_empty_collection_with_other_errors_first(api):
    # the first offending parameter is reported; parameters are checked in order
    response = api.get("/api/skus?sort=bogus&foo=1")
    assert_error(response, 400, "INVALID_SORT", parameter="sort")
