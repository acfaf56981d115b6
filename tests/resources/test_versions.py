"""Versions: every create, update and destroy, from the API, an import or a cleanup, leaves one
with the changed attributes' before and after values, the event and who did it; an update that
changes nothing leaves none (and does not move `updated_at`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bulk import maintenance
from tests.support import factories
from tests.support.api import sales_channel, sql
from tests.support.documents import ok, patch, q
from tests.support.jobs import run_import


def versions(api, path: str = "/api/versions", **filters: str) -> list[dict]:
    """Every version the path lists with these filters, oldest first."""
    params = {**q(**filters), "sort": "created_at", "page[size]": "25"}
    return [v["attributes"] for v in ok(api.get(path, params=params))["data"]]


def test_the_api_writes_a_version_per_create_update_and_destroy(api, org):
    category = factories.shipping_category(api, "Parcel")
    sku = factories.sku(api, "A1", category, description="Blue")
    application = ok(api.get("/api/application"))["data"]["id"]
    assert ok(patch(api, sku, {"name": "Shirt", "description": "Blue"}))
    (created, updated) = versions(api, f"/api/skus/{sku['id']}/versions")
    assert (created["event"], created["resource_type"], created["resource_id"]) == (
        "create", "skus", sku["id"])  # fmt: skip
    assert created["changes"]["code"] == [None, "A1"]
    assert created["changes"]["shipping_category_id"] == [None, category["id"]]
    assert created["who"] == {"application": {"id": application, "kind": "integration"}}
    # Only what changed: the description was sent again with its stored value.
    assert updated["event"] == "update"
    assert updated["changes"] == {"name": ["T-shirt", "Shirt"]}

    assert api.delete(f"/api/skus/{sku['id']}").status_code == 204
    (destroyed,) = versions(api, resource_id_eq=sku["id"], event_eq="destroy")
    assert destroyed["changes"]["name"] == ["Shirt", None]
    assert destroyed["changes"]["description"] == ["Blue", None]
    assert api.get(f"/api/skus/{sku['id']}/versions").status_code == 404  # the SKU is gone


def test_an_update_that_changes_nothing_is_not_written(api):
    sku = factories.sku(api, "A1")
    before = ok(api.get(f"/api/skus/{sku['id']}"))["data"]["attributes"]["updated_at"]
    same = ok(patch(api, sku, {"name": "T-shirt", "code": "A1", "metadata": {}}))
    assert same["data"]["attributes"]["updated_at"] == before
    assert [v["event"] for v in versions(api, f"/api/skus/{sku['id']}/versions")] == ["create"]


def test_imports_count_creates_updates_and_unchanged_items_and_sign_their_versions(api):
    category = factories.shipping_category(api, "Parcel")
    items = [
        {"code": f"C{i}", "name": f"Shirt {i}", "shipping_category_id": category["id"]}
        for i in range(4)
    ]
    first = run_import(api, "skus", items)
    assert (first["created_count"], first["updated_count"], first["unchanged_count"]) == (4, 0, 0)
    stamps = {s["attributes"]["code"]: s["attributes"]["updated_at"]
              for s in ok(api.get("/api/skus"))["data"]}  # fmt: skip

    items[1]["name"] = "Renamed"
    again = run_import(api, "skus", items)
    assert (again["created_count"], again["updated_count"], again["unchanged_count"]) == (0, 1, 3)
    assert again["processed_count"] == 4
    after = {s["attributes"]["code"]: s["attributes"]["updated_at"]
             for s in ok(api.get("/api/skus"))["data"]}  # fmt: skip
    assert [c for c in stamps if stamps[c] != after[c]] == ["C1"]

    updates = versions(api, event_eq="update")
    assert [(v["changes"], v["who"]) for v in updates] == [
        ({"name": ["Shirt 1", "Renamed"]}, {"import": {"id": again["id"]}})
    ]
    creates = versions(api, event_eq="create", resource_type_eq="skus")
    assert {v["who"]["import"]["id"] for v in creates} == {first["id"]}
    assert len(creates) == 4


def test_nested_children_count_toward_their_item_and_leave_versions(api):
    factories.sku(api, "S1")
    plist = factories.price_list(api)
    tiers = [{"type": "PriceVolumeTier", "name": "ten", "up_to": 10, "price_amount_cents": 900},
             {"type": "PriceVolumeTier", "name": "twenty", "up_to": 20,
              "price_amount_cents": 800}]  # fmt: skip
    item = {"sku_code": "S1", "amount_cents": 1000, "price_tiers": tiers}
    run_import(api, "prices", [item], parent_resource_id=plist["id"])
    same = run_import(api, "prices", [item], parent_resource_id=plist["id"])
    assert (same["updated_count"], same["unchanged_count"]) == (0, 1)

    item["price_tiers"] = tiers[:1]  # the 20-pack tier is no longer listed: deleted
    fewer = run_import(api, "prices", [item], parent_resource_id=plist["id"])
    assert (fewer["updated_count"], fewer["unchanged_count"]) == (1, 0)
    (destroyed,) = versions(api, event_eq="destroy")
    assert destroyed["resource_type"] == "price_tiers"
    assert destroyed["changes"]["name"] == ["twenty", None]
    assert destroyed["who"] == {"import": {"id": fewer["id"]}}


def test_cleanup_deletions_leave_destroy_versions(api):
    run_import(api, "tags", [{"name": "keep"}, {"name": "drop"}])
    cleaned = run_import(api, "tags", [{"name": "keep"}], cleanup_records=True)
    assert (cleaned["destroyed_count"], cleaned["unchanged_count"]) == (1, 1)
    (destroyed,) = versions(api, event_eq="destroy")
    assert (destroyed["resource_type"], destroyed["changes"]["name"]) == ("tags", ["drop", None])
    assert destroyed["who"] == {"import": {"id": cleaned["id"]}}


def test_versions_are_for_integration_tokens_and_read_only(app, api):
    reader = sales_channel(app, "acme")
    assert reader.get("/api/versions").status_code == 401
    factories.tag(api, "one")
    (version,) = ok(api.get("/api/versions"))["data"]
    body = {"data": {"type": "versions", "id": version["id"], "attributes": {"event": "x"}}}
    assert api.patch(f"/api/versions/{version['id']}", json=body).status_code == 403
    assert api.delete(f"/api/versions/{version['id']}").status_code == 403


def test_versions_past_the_retention_are_pruned(app, api, settings):
    factories.tag(api, "old")
    factories.tag(api, "new")
    old = ok(api.get("/api/tags", params=q(name_eq="old")))["data"][0]["id"]
    sql(app, "UPDATE versions SET created_at = :when WHERE resource_id = :id",
        when=datetime(2026, 1, 1) - timedelta(days=31), id=old)  # fmt: skip
    assert maintenance.prune_versions(app.state.engine, settings) == 1  # 30 days by default
    assert [v["changes"]["name"][1] for v in versions(api)] == ["new"]


def test_a_family_member_has_one_history_whichever_type_serves_it(api):
    promo = factories.promotion(api, "fixed_amount_promotions", fixed_amount_cents=500)
    assert ok(patch(api, promo, {"fixed_amount_cents": 700}))
    concrete = versions(api, f"/api/fixed_amount_promotions/{promo['id']}/versions")
    umbrella = versions(api, f"/api/promotions/{promo['id']}/versions")
    assert [v["event"] for v in concrete] == ["create", "update"] and umbrella == concrete
    # Stored under the family's type, as the table is: one filter finds every kind's.
    assert {v["resource_type"] for v in concrete} == {"promotions"}
    assert concrete[1]["changes"] == {"fixed_amount_cents": [500, 700]}
