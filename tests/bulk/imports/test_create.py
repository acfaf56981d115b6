"""POST /api/imports: what is accepted, and the exact 422 of everything that is not."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from resources import importable_types
from tests.support import factories
from tests.support.api import ApiClient, CheckedClient, sales_channel, sql
from tests.support.documents import errors, only_error
from tests.support.jobs import hold_jobs, post_import

# spec section 5, sorted: what Commerce Layer imports (its CLI's IMPORT_RESOURCE_TYPES)
TYPES = [
    "addresses", "bundles", "coupons", "customer_addresses", "customer_payment_sources",
    "customer_subscriptions", "customers", "gift_cards", "line_item_options", "line_items",
    "orders", "price_tiers", "prices", "shipping_categories", "sku_list_items", "sku_lists",
    "sku_options", "skus", "stock_items", "stock_transfers", "tags", "tax_categories",
]  # fmt: skip


def test_importable_types_are_the_documented_ones():
    assert importable_types() == TYPES == sorted(TYPES)


def test_unknown_resource_type_lists_the_allowed_ones(api):
    error = only_error(post_import(api, "orders_archive", [{"code": "A"}]))
    assert error["source"] == {"pointer": "/data/attributes/resource_type"}
    assert error["meta"]["error"] == "inclusion"
    assert error["meta"]["allowed"] == TYPES
    assert error["detail"] == f"resource_type - is not included in the list ({', '.join(TYPES)})"


def test_an_unknown_format_lists_the_allowed_ones(api):
    error = only_error(post_import(api, "skus", [{"code": "A"}], format="xml"))
    assert error["source"] == {"pointer": "/data/attributes/format"}
    assert error["meta"] == {"error": "inclusion", "allowed": ["json", "csv"]}
    assert error["detail"] == "format - is not included in the list (json, csv)"


def test_missing_resource_type_and_inputs(api):
    response = api.post("/api/imports", json={"data": {"type": "imports", "attributes": {}}})
    assert response.status_code == 422
    pointers = {e["source"]["pointer"]: e["meta"]["error"] for e in errors(response)}
    assert pointers == {
        "/data/attributes/resource_type": "blank",
        "/data/attributes/inputs": "blank",
    }


def test_every_importable_type_is_accepted(app, api, monkeypatch):
    sent = hold_jobs(app, monkeypatch)
    for resource_type in TYPES:
        response = post_import(api, resource_type, [{"reference": "x"}])
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        assert response.headers["location"] == f"http://testserver/api/imports/{data['id']}"
        attrs = data["attributes"]
        assert (attrs["resource_type"], attrs["format"], attrs["status"]) == (
            resource_type, "json", "pending"
        )  # fmt: skip
        assert (attrs["inputs_size"], attrs["errors_log"], attrs["warnings_log"]) == (1, {}, {})
        assert (attrs["cleanup_records"], attrs["skip_errors"], attrs["attachment_url"]) == (
            False, False, None
        )  # fmt: skip
        assert "inputs" not in attrs
        assert sent[-1] == ("imports.run", data["id"])
        assert api.delete(f"/api/imports/{data['id']}").status_code == 204  # frees its slot
    assert len(sent) == len(TYPES)


@pytest.mark.parametrize(
    "attributes, pointer, error",
    [
        ({"inputs": "code,name\nA,B"}, "/data/attributes/inputs", "invalid"),  # no format csv
        ({"inputs": "code,name\nA,B", "format": "json"}, "/data/attributes/inputs", "invalid"),
        ({"inputs": [{"code": "A"}], "format": "csv"}, "/data/attributes/inputs", "invalid"),
        ({"inputs": {"code": "A"}}, "/data/attributes/inputs", "invalid"),
        ({"inputs": [{"code": "A"}], "format": "xml"}, "/data/attributes/format", "inclusion"),
        ({"inputs": []}, "/data/attributes/inputs_size", "greater_than"),
        (
            {"inputs": "code,name\r\n", "format": "csv"},
            "/data/attributes/inputs_size",
            "greater_than",
        ),
        (
            {"inputs": "\ufeffcode,name\n\n  \n", "format": "csv"},
            "/data/attributes/inputs_size",
            "greater_than",
        ),
        ({"inputs": "", "format": "csv"}, "/data/attributes/inputs_size", "greater_than"),
    ],
)
def test_inputs_shape(api, attributes, pointer, error):
    response = api.post("/api/imports", json={
        "data": {"type": "imports", "attributes": {"resource_type": "skus", **attributes}}
    })  # fmt: skip
    found = only_error(response)
    assert found["source"] == {"pointer": pointer}
    assert found["meta"]["error"] == error
    if error == "greater_than":
        assert found["meta"] == {"error": "greater_than", "count": 0}
        assert found["detail"] == "inputs_size - must be greater than 0"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_more_than_10000_items(app, api, monkeypatch, fmt):
    hold_jobs(app, monkeypatch)

    def inputs(n):
        if fmt == "json":
            return [{"code": f"S{i}"} for i in range(n)]
        return "code\n" + "".join(f"S{i}\n" for i in range(n))

    error = only_error(post_import(api, "skus", inputs(10_001), format=fmt))
    assert error["source"] == {"pointer": "/data/attributes/inputs_size"}
    assert error["meta"] == {"error": "less_than_or_equal_to", "value": 10_001, "count": 10_000}
    assert error["title"] == "must be less than or equal to 10000"
    response = post_import(api, "skus", inputs(10_000), format=fmt)
    assert response.status_code == 201, response.text
    assert response.json()["data"]["attributes"]["inputs_size"] == 10_000


def test_parent_resource_id(api, other_org):
    plist = factories.price_list(api)
    theirs = factories.price_list(other_org.api)
    sku = factories.sku(api)
    cases = [
        ("prices", "NoSuchId00", "required", "parent_resource_id - must exist"),
        ("prices", theirs["id"], "required", "parent_resource_id - must exist"),
        ("prices", sku["id"], "required", "parent_resource_id - must exist"),  # not a price list
        (
            "skus",
            plist["id"],
            "invalid",
            "parent_resource_id - is not accepted: skus have no parent resource",
        ),
    ]
    for resource_type, parent_id, kind, detail in cases:
        response = post_import(
            api, resource_type, [{"sku_code": "A"}], parent_resource_id=parent_id
        )
        error = only_error(response)
        assert error["source"] == {"pointer": "/data/attributes/parent_resource_id"}
        assert (error["meta"]["error"], error["detail"]) == (kind, detail)
    ok = post_import(api, "prices", [{"sku_code": "A"}], parent_resource_id=plist["id"])
    assert ok.status_code == 201, ok.text


def test_at_most_ten_active_imports_per_organization(app, api, other_org, monkeypatch):
    sent = hold_jobs(app, monkeypatch)
    ids = []
    for i in range(10):
        response = post_import(api, "tags", [{"name": f"t{i}"}])
        assert response.status_code == 201, response.text
        ids.append(response.json()["data"]["id"])
    error = only_error(post_import(api, "tags", [{"name": "eleventh"}]))
    assert error["source"] == {"pointer": "/data"}
    assert error["meta"] == {"error": "too_many_active"}
    assert error["detail"] == (
        "base - has too many imports pending or in progress (10 at most per organization): "
        "wait for one to complete"
    )
    assert api.get("/api/imports").json()["meta"]["record_count"] == 10
    # another organization is not affected
    assert post_import(other_org.api, "tags", [{"name": "theirs"}]).status_code == 201
    # an interrupted import frees a slot
    patch = {"data": {"type": "imports", "id": ids[0], "attributes": {"_interrupt": True}}}
    assert api.patch(f"/api/imports/{ids[0]}", json=patch).status_code == 200
    assert post_import(api, "tags", [{"name": "eleventh"}]).status_code == 201
    assert len(sent) == 12


def test_sales_channel_cannot_import(app, api):
    channel = sales_channel(app, "acme")
    response = post_import(channel, "tags", [{"name": "x"}])
    assert response.status_code == 401
    assert errors(response, 401)[0]["code"] == "UNAUTHORIZED"
    assert sql(app, "SELECT count(*) FROM imports") == [(0,)]


def test_the_limit_holds_under_concurrent_requests(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    for i in range(7):
        assert post_import(api, "tags", [{"name": f"t{i}"}]).status_code == 201
    barrier = threading.Barrier(6)

    def attempt(i: int) -> int:
        client = ApiClient(CheckedClient(app, base_url="http://testserver"), api.token)
        barrier.wait(timeout=10)  # a thread that failed before it must not hang the others
        return post_import(client, "tags", [{"name": f"c{i}"}]).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(attempt, range(6)))
    assert statuses == [201, 201, 201, 422, 422, 422]
    assert sql(app, "SELECT count(*) FROM imports WHERE status = 'pending'") == [(10,)]
