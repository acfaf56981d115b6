"""Imports end to end, the shortest way: JSON and CSV through the API and the in-process worker."""

from tests.support import factories
from tests.support.jobs import run_to_end


def test_sku_import_json(api):
    cat = factories.shipping_category(api)
    inputs = [
        {"code": f"IMP{i}", "name": f"Shirt {i}", "shipping_category_id": cat["id"]}
        for i in range(30)
    ] + [{"code": "BAD"}]
    r = api.post(
        "/api/imports",
        json={
            "data": {"type": "imports", "attributes": {"resource_type": "skus", "inputs": inputs}}
        },
    )
    assert r.status_code == 201, r.text
    attrs = run_to_end(api, "imports", r.json()["data"]["id"])
    assert attrs["status"] == "completed", (attrs["errors_log"], attrs["warnings_log"])
    assert attrs["processed_count"] == 30
    assert attrs["errors_count"] == 1
    assert attrs["errors_log"] == {
        "BAD": {"name": ["can't be blank"], "shipping_category": ["can't be blank"]}
    }
    assert attrs["attachment_url"]
    r = api.get("/api/skus?filter[q][code_start]=IMP&page[size]=1")
    assert r.json()["meta"]["record_count"] == 30


def test_prices_csv_with_tiers(api):
    plist = factories.price_list(api)
    s1 = factories.sku(api, code="A1")
    factories.sku(api, code="A2")
    csv_text = (
        "sku_code,amount_cents,price_tiers.type,price_tiers.name,price_tiers.up_to,price_tiers.price_amount_cents\r\n"
        "A1,1000,PriceVolumeTier,10 pack,10,900\r\n"
        "A1,1000,PriceVolumeTier,20 pack,20,800\r\n"
        "A2,2000,,,,\r\n"
    )
    r = api.post(
        "/api/imports",
        json={
            "data": {
                "type": "imports",
                "attributes": {
                    "resource_type": "prices",
                    "format": "csv",
                    "parent_resource_id": plist["id"],
                    "inputs": csv_text,
                },
            }
        },
    )
    assert r.status_code == 201, r.text
    attrs = run_to_end(api, "imports", r.json()["data"]["id"])
    assert attrs["status"] == "completed", (attrs["errors_log"], attrs["warnings_log"])
    assert attrs["processed_count"] == 2, attrs  # two prices, of three rows
    r = api.get(f"/api/skus/{s1['id']}/prices?include=price_tiers")
    body = r.json()
    assert len(body["data"]) == 1
    assert sorted(t["attributes"]["name"] for t in body["included"]) == ["10 pack", "20 pack"]
