"""POST /api/exports: what is accepted, and the exact 422 of everything that is not (the
official exports CLI reads `meta.error` greater_than / less_than_or_equal_to + value/count)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bulk import admission
from bulk.exports import service
from resources import importable_types
from tests.support import factories
from tests.support.api import ApiClient, CheckedClient, sales_channel, sql
from tests.support.documents import errors, only_error
from tests.support.jobs import hold_jobs, post_export, run_to_end


def pointers(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["source"]["pointer"]: e["detail"] for e in errors(response)}


def test_created_pending_with_its_records_count(app, api, monkeypatch):
    sent = hold_jobs(app, monkeypatch)
    for name in ("red", "green", "blue"):
        factories.tag(api, name)
    response = post_export(api, "tags", filters={"name_in": ["red", "blue"]}, format="csv",
                           reference="grp-1", metadata={"by": "test"})  # fmt: skip
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert response.headers["location"] == f"http://testserver/api/exports/{data['id']}"
    attrs = data["attributes"]
    assert {k: attrs[k] for k in ("resource_type", "format", "status", "records_count",
                                  "processed_count", "progress", "dry_data", "csv_safe",
                                  "includes", "fields", "filters", "attachment_url",
                                  "reference")} == {
        "resource_type": "tags", "format": "csv", "status": "pending", "records_count": 2,
        "processed_count": 0, "progress": 0.0, "dry_data": False, "csv_safe": False,
        "includes": [], "fields": None, "filters": {"name_in": ["red", "blue"]},
        "attachment_url": None, "reference": "grp-1",
    }  # fmt: skip
    assert attrs["started_at"] is None and attrs["completed_at"] is None
    assert sent == [("exports.run", data["id"])]


def test_unknown_resource_type_lists_the_allowed_ones(api):
    error = only_error(post_export(api, "price_lists"))
    allowed = importable_types()
    assert error["source"] == {"pointer": "/data/attributes/resource_type"}
    assert error["meta"] == {"error": "inclusion", "allowed": allowed}
    assert error["detail"] == f"resource_type - is not included in the list ({', '.join(allowed)})"


def test_missing_resource_type_and_bad_attributes(api):
    response = api.post(
        "/api/exports",
        json={
            "data": {
                "type": "exports",
                "attributes": {
                    "format": "xml",
                    "includes": "prices",
                    "filters": ["code_eq"],
                    "dry_data": "maybe",
                    "csv_safe": "maybe",
                },
            }
        },
    )
    assert pointers(response) == {
        "/data/attributes/resource_type": "resource_type - can't be blank",
        "/data/attributes/format": "format - is not included in the list (json, csv)",
        "/data/attributes/includes": "includes - is invalid",
        "/data/attributes/filters": "filters - is invalid",
        "/data/attributes/dry_data": "dry_data - is not included in the list",
        "/data/attributes/csv_safe": "csv_safe - is not included in the list",
    }  # fmt: skip


def test_no_records_is_greater_than(api):
    factories.tag(api, "red")
    error = only_error(post_export(api, "tags", filters={"name_eq": "blue"}))
    assert error["source"] == {"pointer": "/data/attributes/records_count"}
    assert error["meta"] == {"error": "greater_than", "count": 0}
    assert error["detail"] == "records_count - must be greater than 0"
    only_error(post_export(api, "skus"))  # none at all


def test_more_than_ten_thousand_is_less_than_or_equal_to(api, monkeypatch):
    monkeypatch.setattr(service, "MAX_RECORDS", 2)
    for name in ("a", "b", "c"):
        factories.tag(api, name)
    error = only_error(post_export(api, "tags"))
    assert error["source"] == {"pointer": "/data/attributes/records_count"}
    assert error["meta"] == {"error": "less_than_or_equal_to", "value": 3, "count": 2}
    assert error["detail"] == "records_count - must be less than or equal to 2"
    assert post_export(api, "tags", filters={"name_not_eq": "a"}).status_code == 201


def test_the_limit_is_ten_thousand():
    assert service.MAX_RECORDS == 10_000 and admission.MAX_ACTIVE == 10


@pytest.mark.parametrize(
    "attributes, pointer, detail",
    [
        ({"includes": ["nothing"]}, "includes",
         "includes - nothing is not a relationship of skus"),
        ({"includes": ["prices.nothing"]}, "includes",
         "includes - prices.nothing is not a relationship of prices"),
        ({"includes": ["prices.price_tiers.price.sku"]}, "includes",
         "includes - prices.price_tiers.price.sku is nested deeper than 3 levels"),
        ({"includes": ["prices,tags"]}, "includes", "includes - 'prices,tags' is not one path"),
        ({"fields": ["code", "colour"]}, "fields",
         "fields - colour: colour is not a field of skus"),
        ({"fields": ["prices.colour"]}, "fields",
         "fields - prices.colour: colour is not a field of prices"),
        ({"fields": ["nothing.code"]}, "fields",
         "fields - nothing.code: nothing is not a relationship of skus"),
        ({"fields": ["code", "prices"]}, "fields",
         "fields - prices: prices has many records, name prices.* or prices.<field>"),
        ({"fields": ["created_at"], "dry_data": True}, "fields",
         "fields - created_at: dry_data leaves created_at out (ids, timestamps, what imports "
         "ignore)"),
        ({"fields": ["code", "prices.id"], "dry_data": True}, "fields",
         "fields - prices.id: dry_data leaves id out (ids, timestamps, what imports ignore)"),
        ({"fields": ["prices.price_tiers.price.sku.code"]}, "fields",
         "fields - prices.price_tiers.price.sku.code: prices.price_tiers.price.sku is nested "
         "deeper than 3 levels"),
        ({"filters": {"colour_eq": "red"}}, "filters",
         "filters - colour_eq is not a filter of skus"),
        ({"filters": {"pieces_per_pack_gt": "many"}}, "filters",
         "filters - 'many' is not a valid value for pieces_per_pack_gt"),
    ],
)  # fmt: skip
def test_bad_include_field_or_filter_is_named(api, attributes, pointer, detail):
    factories.sku(api)
    error = only_error(post_export(api, "skus", **attributes))
    assert error["source"] == {"pointer": f"/data/attributes/{pointer}"}
    assert error["detail"] == detail


def test_good_includes_fields_and_filters(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    factories.sku(api, code="TSHIRT-1")
    response = post_export(api, "skus", includes=["prices.price_tiers", "tags"],
                           fields=["code", "shipping_category_id", "prices.*",
                                   "prices.price_tiers.type"],
                           filters={"code_start": "TSHIRT", "shipping_category_name_start": "C",
                                    "id_gt": "0", "do_not_ship_false": True,
                                    "pieces_per_pack_null": True})  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.json()["data"]["attributes"]["records_count"] == 1


def test_at_most_ten_active_exports_per_organization(app, api, other_org, monkeypatch):
    sent = hold_jobs(app, monkeypatch)
    factories.tag(api, "mine")
    factories.tag(other_org.api, "theirs")
    ids = [post_export(api, "tags").json()["data"]["id"] for _ in range(10)]
    error = only_error(post_export(api, "tags"))
    assert error["source"] == {"pointer": "/data"}
    assert error["meta"] == {"error": "too_many_active"}
    assert error["detail"] == (
        "base - has too many exports pending or in progress (10 at most per organization): "
        "wait for one to complete"
    )
    assert post_export(other_org.api, "tags").status_code == 201  # not another organization's
    patch = {"data": {"type": "exports", "id": ids[0], "attributes": {"_interrupt": True}}}
    assert api.patch(f"/api/exports/{ids[0]}", json=patch).status_code == 200
    assert post_export(api, "tags").status_code == 201  # an interrupted one frees a slot
    assert len(sent) == 12


def test_the_limit_holds_under_concurrent_requests(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    factories.tag(api, "t")
    for _ in range(7):
        assert post_export(api, "tags").status_code == 201
    barrier = threading.Barrier(6)

    def attempt(_i: int) -> int:
        client = ApiClient(CheckedClient(app, base_url="http://testserver"), api.token)
        barrier.wait(timeout=10)  # a thread that failed before it must not hang the others
        return post_export(client, "tags").status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(attempt, range(6)))
    assert statuses == [201, 201, 201, 422, 422, 422]
    assert sql(app, "SELECT count(*) FROM exports WHERE status = 'pending'") == [(10,)]


def test_sales_channel_cannot_export_or_read_exports(app, api):
    factories.tag(api, "t")
    done = run_to_end(api, "exports", post_export(api, "tags").json()["data"]["id"])
    channel = sales_channel(app, "acme")
    for response in (post_export(channel, "tags"), channel.get("/api/exports"),
                     channel.get(f"/api/exports/{done['id']}")):  # fmt: skip
        assert response.status_code == 401, response.text
        assert errors(response, 401)[0]["code"] == "UNAUTHORIZED"
    assert sql(app, "SELECT count(*) FROM exports") == [(1,)]
