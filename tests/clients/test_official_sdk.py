"""Commerce Layer's JS SDK (@commercelayer/sdk 6, the version its CLI plugins use) against a
live Bulkport: one node script per area (tests/clients/js/sdk), its JSON result asserted here."""

from __future__ import annotations

from tests.clients.node import sdk


def test_skus_create_retrieve_list_update_clear_delete(bulkport):
    result = sdk(bulkport, "skus")
    prefix = result["prefix"]
    assert [sku["code"] for sku in result["created"]] == [f"{prefix}S", f"{prefix}M", f"{prefix}L"]
    assert {sku["type"] for sku in result["created"]} == {"skus"}
    assert result["created"][0]["metadata"] == {"size": "S"}
    assert result["retrieved"]["shipping_category"]["id"] == result["category_id"]
    assert result["retrieved"]["shipping_category"]["name"] == f"Merch {prefix}"
    assert result["listed"]["codes"] == [f"{prefix}S", f"{prefix}L"]  # code desc: S > L
    assert result["listed"]["categories"] == [result["category_id"]] * 2
    assert (result["listed"]["record_count"], result["listed"]["page_count"]) == (2, 1)
    assert result["counted"] == 3
    assert result["fields"] == {"keys": ["code", "id", "type"], "page_count": 3}
    assert result["related"] == [f"{prefix}M"]
    assert result["duplicate"]["status"] == 422
    assert result["duplicate"]["errors"][0]["source"] == {"pointer": "/data/attributes/code"}
    assert result["duplicate"]["errors"][0]["meta"]["error"] == "taken"
    assert result["cleared"] == {"shipping_category": None, "tags": []}
    assert result["tagged"] == [prefix.lower()]
    assert result["updated"] == {"name": "T-shirt M (new)", "reference": "sdk"}
    assert result["after_delete"]["status"] == 404
    assert result["after_delete"]["errors"][0]["code"] == "RECORD_NOT_FOUND"
    assert sorted(result["remaining"]) == [f"{prefix}M", f"{prefix}S"]


def test_prices_with_their_price_lists_and_skus(bulkport):
    result = sdk(bulkport, "prices")
    assert result["created"] == [1000, 1100]
    assert result["retrieved"]["sku_code"] == result["prefix"]
    assert result["retrieved"]["price_list"] == "EUR"
    assert result["listed"] == [[1100, "USD"], [1000, "EUR"]]
    assert result["updated"] == 1150
    assert result["after_delete"]["status"] == 404
    assert result["remaining"] == [1150]


def test_imports_created_polled_listed_updated_deleted(bulkport):
    result = sdk(bulkport, "imports")
    prefix = result["prefix"]
    assert result["created"] == {"status": "pending", "inputs_size": 3, "format": "csv"}
    json_run, csv_run = result["done"]
    assert json_run["status"] == csv_run["status"] == "completed"
    assert (json_run["created_count"], json_run["processed_count"]) == (3, 3)
    assert (csv_run["created_count"], csv_run["updated_count"]) == (1, 1)
    assert json_run["errors_count"] == csv_run["errors_count"] == 0
    assert json_run["has_attachment"]
    assert result["listed"] == [f"{prefix}-csv", f"{prefix}-json"]
    assert result["updated"] == {"reference_origin": "sdk-check", "metadata": {"checked": True}}
    assert result["after_delete"]["status"] == 404
    assert result["skus"] == [
        [f"{prefix}1", "Item 1 (renamed)"],
        [f"{prefix}2", "Item 2"],
        [f"{prefix}3", "Item 3"],
        [f"{prefix}4", "Item 4"],
    ]
    assert result["empty_inputs"]["status"] == 422


def test_versions_listed_through_the_sdk_adapter(bulkport):
    result = sdk(bulkport, "versions")
    assert [v["event"] for v in result["listed"]] == ["create", "update"]
    assert {v["type"] for v in result["listed"]} == {"versions"}
    assert {v["resource_id"] for v in result["listed"]} == {result["sku_id"]}
    assert result["listed"][1]["changes"]["name"] == ["Before", "After"]
    assert result["record_count"] == 2
    assert sorted(result["nested"]) == ["create", "update"]
