import gzip
import json
import time

from tests import factories


def wait(api, export_id):
    for _ in range(300):
        data = api.get(f"/api/exports/{export_id}").json()["data"]
        if data["attributes"]["status"] not in ("pending", "in_progress"):
            return data
        time.sleep(0.05)
    raise AssertionError(data)


def test_export_skus_with_prices(api, anonymous):
    plist = factories.price_list(api, code="EU")
    for code in ("A1", "A2"):
        sku = factories.sku(api, code=code)
        factories.price(api, sku, plist, amount_cents=100)
    body = {
        "data": {
            "type": "exports",
            "attributes": {"resource_type": "skus", "includes": ["prices"], "dry_data": True},
        }
    }
    r = api.post("/api/exports", json=body)
    assert r.status_code == 201, r.text
    data = wait(api, r.json()["data"]["id"])
    attrs = data["attributes"]
    assert attrs["status"] == "completed", attrs
    url = attrs["attachment_url"]
    raw = anonymous.client.get(url.replace("http://testserver", ""))
    items = json.loads(gzip.decompress(raw.content))
    assert [i["code"] for i in items] == ["A1", "A2"]
    assert items[0]["prices"][0]["amount_cents"] == 100
    assert items[0]["prices"][0]["price_list_code"] == "EU"
