"""Related resources, relationship linkage and its changes, and the CRUD basics around them."""

from __future__ import annotations

import re

from tests.support import factories
from tests.support.documents import assert_error, attr, ids, listing, ok, q

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
HOST = "http://testserver"
BASE = f"{HOST}/api"


def ref(type_: str, *records: dict) -> list[dict]:
    return [{"type": type_, "id": r["id"]} for r in records]


def linkage(api, path: str):
    doc = ok(api.get(path))
    assert doc["links"]["self"] == f"{HOST}{path}"
    assert doc["links"]["related"] == f"{HOST}{path.replace('/relationships', '')}"
    return doc["data"]


def test_related_collection_with_filters_and_paging(api):
    sku, other = factories.sku(api), factories.sku(api)
    lists = [factories.price_list(api) for _ in range(3)]
    prices = [
        factories.price(api, sku, plist, cents)
        for plist, cents in zip(lists, (100, 300, 200), strict=True)
    ]
    factories.price(api, other, lists[0], 900)
    path = f"/api/skus/{sku['id']}/prices"
    doc = listing(api, path)
    assert ids(doc) == [p["id"] for p in prices]
    assert doc["meta"] == {"record_count": 3, "page_count": 1}
    doc = listing(
        api, path, sort="-amount_cents", **q(amount_cents_gt="100"), **{"page[size]": "1"}
    )
    assert attr(doc, "amount_cents") == [300]
    assert doc["meta"] == {"record_count": 2, "page_count": 2}
    assert doc["links"]["next"] == (
        f"{HOST}{path}?sort=-amount_cents&filter%5Bq%5D%5Bamount_cents_gt%5D=100"
        "&page%5Bnumber%5D=2&page%5Bsize%5D=1"
    )
    assert attr(ok(api.get(doc["links"]["next"])), "amount_cents") == [200]


def test_related_to_one(api):
    category = factories.shipping_category(api)
    sku = factories.sku(api, category=category)
    price = factories.price(api, sku, factories.price_list(api))
    doc = ok(api.get(f"/api/prices/{price['id']}/sku"))
    assert doc["data"]["id"] == sku["id"] and doc["data"]["type"] == "skus"
    assert doc["links"]["self"] == f"{BASE}/prices/{price['id']}/sku"
    loose = api.create("skus", {"code": "LOOSE", "name": "Gift card", "do_not_ship": True})
    assert ok(api.get(f"/api/skus/{loose['id']}/shipping_category"))["data"] is None
    assert_error(api.get("/api/skus/nothere/shipping_category"), 404, "RECORD_NOT_FOUND")
    assert_error(api.get("/api/skus/nothere/prices"), 404, "RECORD_NOT_FOUND")


def test_linkage(api):
    category = factories.shipping_category(api)
    sku = factories.sku(api, category=category)
    prices = [factories.price(api, sku, factories.price_list(api)) for _ in range(2)]
    assert linkage(api, f"/api/skus/{sku['id']}/relationships/prices") == ref("prices", *prices)
    assert linkage(api, f"/api/skus/{sku['id']}/relationships/tags") == []
    path = f"/api/skus/{sku['id']}/relationships/shipping_category"
    assert linkage(api, path) == ref("shipping_categories", category)[0]
    rels = ok(api.get(f"/api/skus/{sku['id']}"))["data"]["relationships"]
    assert rels["prices"]["links"] == {
        "self": f"{BASE}/skus/{sku['id']}/relationships/prices",
        "related": f"{BASE}/skus/{sku['id']}/prices",
    }


def test_change_a_to_one_relationship(api):
    old = factories.shipping_category(api, code="OLD")
    new = factories.shipping_category(api, code="NEW")
    sku = factories.sku(api, category=old)
    assert sku["attributes"]["shipping_category_code"] == "OLD"
    path = f"/api/skus/{sku['id']}/relationships/shipping_category"
    doc = ok(api.patch(path, json={"data": ref("shipping_categories", new)[0]}))
    assert doc["data"] == ref("shipping_categories", new)[0]
    stored = ok(api.get(f"/api/skus/{sku['id']}"))["data"]
    assert stored["relationships"]["shipping_category"]["data"]["id"] == new["id"]
    assert stored["attributes"]["shipping_category_code"] == "NEW"
    # a shippable SKU needs one; a non-shippable one may drop it
    response = api.patch(path, json={"data": None})
    assert_error(response, 422, "VALIDATION_ERROR",
                 pointer="/data/relationships/shipping_category")  # fmt: skip
    body = {"data": {"type": "skus", "id": sku["id"], "attributes": {"do_not_ship": True}}}
    ok(api.patch(f"/api/skus/{sku['id']}", json=body))
    assert ok(api.patch(path, json={"data": None}))["data"] is None
    stored = ok(api.get(f"/api/skus/{sku['id']}"))["data"]
    assert stored["relationships"]["shipping_category"]["data"] is None
    assert stored["attributes"]["shipping_category_code"] is None


def test_to_one_change_errors(api, other_org):
    sku = factories.sku(api)
    theirs = factories.shipping_category(other_org.api)
    path = f"/api/skus/{sku['id']}/relationships/shipping_category"
    wrong_type = {"data": {"type": "tags", "id": theirs["id"]}}
    assert_error(api.patch(path, json=wrong_type), 409, "CONFLICT", pointer="/data")
    response = api.patch(path, json={"data": ref("shipping_categories", theirs)[0]})
    assert_error(response, 422, "VALIDATION_ERROR", pointer="/data/relationships/shipping_category")
    assert_error(api.patch(path, json={"data": []}), 400, "BAD_REQUEST", pointer="/data")
    assert_error(api.patch(path, json={}), 400, "BAD_REQUEST", pointer="/data")
    assert_error(api.post(path, json={"data": None}), 403, "FORBIDDEN")
    assert_error(api.delete(path, json={"data": None}), 403, "FORBIDDEN")


def test_many_to_many_tags(api, other_org):
    sku = factories.sku(api)
    a, b, c = (api.create("tags", {"name": n}) for n in ("a", "b", "c"))
    path = f"/api/skus/{sku['id']}/relationships/tags"

    def change(method: str, *tags: dict) -> None:
        response = api.request(method, path, json={"data": ref("tags", *tags)})
        assert response.status_code == 204, response.text
        assert response.content == b""

    change("POST", a, b)
    change("POST", b, c)  # adding one already there is not an error and adds no duplicate
    assert linkage(api, path) == ref("tags", a, b, c)
    change("DELETE", b, b)
    assert linkage(api, path) == ref("tags", a, c)
    change("PATCH", c)
    assert linkage(api, path) == ref("tags", c)
    change("PATCH")
    assert linkage(api, path) == []
    assert listing(api, "/api/tags")["meta"]["record_count"] == 3  # tags themselves stay
    theirs = other_org.api.create("tags", {"name": "theirs"})
    response = api.post(path, json={"data": ref("tags", theirs)})
    assert_error(response, 422, "VALIDATION_ERROR", pointer="/data/relationships/tags")
    assert_error(api.post(path, json={"data": ref("tag", a)}), 409, "CONFLICT", pointer="/data/0")
    assert_error(api.post(path, json={"data": ref("tags", a)[0]}), 400, "BAD_REQUEST")


def test_tag_linkage_entries_that_are_not_identifiers_are_refused(api):
    """The API form of an import's unreadable tag entries: the request is refused, pointing
    at the entry, and nothing is written."""
    sku = factories.sku(api)
    sale = api.create("tags", {"name": "sale"})
    pointer = "/data/relationships/tags/data/1"
    for entry in ({"type": "tags", "id": 1}, {"x": {}}, "sale", None, []):
        tags = {"data": [{"type": "tags", "id": sale["id"]}, entry]}
        doc = {"data": {"type": "skus", "id": sku["id"], "relationships": {"tags": tags}}}
        response = api.patch(f"/api/skus/{sku['id']}", json=doc)
        assert_error(response, 400, "BAD_REQUEST", pointer=pointer)
    assert linkage(api, f"/api/skus/{sku['id']}/relationships/tags") == []


def test_has_many_is_read_only_through_relationships(api):
    sku = factories.sku(api)
    price = factories.price(api, sku, factories.price_list(api))
    path = f"/api/skus/{sku['id']}/relationships/prices"
    for method in ("PATCH", "POST", "DELETE"):
        response = api.request(method, path, json={"data": []})
        assert_error(response, 403, "FORBIDDEN")
    assert linkage(api, path) == ref("prices", price)
    body = {"data": {"type": "skus", "id": sku["id"],
                     "relationships": {"prices": {"data": []}}}}  # fmt: skip
    response = api.patch(f"/api/skus/{sku['id']}", json=body)
    assert_error(response, 400, "BAD_REQUEST", pointer="/data/relationships/prices")


def test_crud(api):
    category = factories.shipping_category(api)
    created = api.post("/api/skus", json={"data": {
        "type": "skus",
        "attributes": {"code": "TS-M", "name": "T-shirt", "weight": 0.2, "metadata": {"a": 1}},
        "relationships": {"shipping_category": {"data": ref("shipping_categories", category)[0]}},
    }})  # fmt: skip
    sku = ok(created, 201)["data"]
    assert created.headers["location"] == f"{BASE}/skus/{sku['id']}" == sku["links"]["self"]
    assert re.fullmatch(r"[A-Za-z0-9]{10}", sku["id"])
    assert sku["meta"] == {"mode": "live"}
    for name in ("created_at", "updated_at"):
        assert TIMESTAMP.match(sku["attributes"][name]), sku["attributes"][name]
    assert ok(api.get(f"/api/skus/{sku['id']}"))["data"] == sku

    body = {"data": {"type": "skus", "id": sku["id"], "attributes": {"name": "Tee"}}}
    patched = ok(api.patch(f"/api/skus/{sku['id']}", json=body))["data"]
    expected = {
        **sku["attributes"],
        "name": "Tee",
        "updated_at": patched["attributes"]["updated_at"],
    }
    assert patched["attributes"] == expected
    assert patched["attributes"]["updated_at"] >= sku["attributes"]["updated_at"]
    assert patched["relationships"]["shipping_category"]["data"]["id"] == category["id"]

    deleted = api.delete(f"/api/skus/{sku['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert_error(api.get(f"/api/skus/{sku['id']}"), 404, "RECORD_NOT_FOUND")
    assert_error(api.delete(f"/api/skus/{sku['id']}"), 404, "RECORD_NOT_FOUND")
    assert_error(api.patch(f"/api/skus/{sku['id']}", json=body), 404, "RECORD_NOT_FOUND")


def test_create_returns_what_the_query_asks_for(api):
    category = factories.shipping_category(api)
    body = {"data": {
        "type": "skus", "attributes": {"code": "X1", "name": "X"},
        "relationships": {"shipping_category": {"data": ref("shipping_categories", category)[0]}},
    }}  # fmt: skip
    doc = ok(api.post("/api/skus?include=shipping_category&fields[skus]=code,shipping_category",
                      json=body), 201)  # fmt: skip
    assert doc["data"]["attributes"] == {"code": "X1"}
    assert [r["id"] for r in doc["included"]] == [category["id"]]


def test_other_organizations_records_are_not_found(api, other_org):
    sku = factories.sku(api)
    theirs = other_org.api
    body = {"data": {"type": "skus", "id": sku["id"], "attributes": {"name": "stolen"}}}
    for response in (
        theirs.get(f"/api/skus/{sku['id']}"),
        theirs.patch(f"/api/skus/{sku['id']}", json=body),
        theirs.delete(f"/api/skus/{sku['id']}"),
        theirs.get(f"/api/skus/{sku['id']}/prices"),
        theirs.get(f"/api/skus/{sku['id']}/relationships/tags"),
        theirs.patch(f"/api/skus/{sku['id']}/relationships/tags", json={"data": []}),
    ):
        assert_error(response, 404, "RECORD_NOT_FOUND")
    assert ok(api.get(f"/api/skus/{sku['id']}"))["data"]["attributes"]["name"] == "T-shirt"
