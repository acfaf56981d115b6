"""Compound keys with an optional part: a bundle or SKU option without a market is keyed by
its code (name) alone, so re-importing it updates it instead of duplicating it."""

from tests.support import factories
from tests.support.jobs import run_import


def test_bundle_without_market_is_matched_on_reimport(api):
    items = factories.sku_list(api, name="Starter kit")
    bundle = factories.bundle(api, items, code="KIT1", name="Kit")
    inputs = [
        {"code": "KIT1", "name": "Kit v2", "currency_code": "EUR", "sku_list_id": items["id"]}
    ]
    done = run_import(api, "bundles", inputs)
    assert (done["processed_count"], done["errors_count"]) == (1, 0), done["errors_log"]
    listed = api.get("/api/bundles").json()["data"]
    assert [(b["id"], b["attributes"]["name"]) for b in listed] == [(bundle["id"], "Kit v2")]


def test_second_bundle_without_market_with_the_same_code_is_taken(api):
    items = factories.sku_list(api, name="Starter kit")
    factories.bundle(api, items, code="KIT1")
    body = {"data": {"type": "bundles", "attributes": {"code": "KIT1", "name": "Again",
            "currency_code": "EUR"}, "relationships": {"sku_list": {"data": {
            "type": "sku_lists", "id": items["id"]}}}}}  # fmt: skip
    response = api.post("/api/bundles", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["meta"]["error"] == "taken"
