"""An export end to end, the shortest way: through the API, the in-process worker and the
attachment URL."""

import gzip
import json

from tests.support import factories
from tests.support.jobs import run_to_end


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
    attrs = run_to_end(api, "exports", r.json()["data"]["id"])
    assert attrs["status"] == "completed", attrs
    url = attrs["attachment_url"]
    raw = anonymous.client.get(url.replace("http://testserver", ""))
    items = json.loads(gzip.decompress(raw.content))
    assert [i["code"] for i in items] == ["A1", "A2"]
    assert items[0]["prices"][0]["amount_cents"] == 100
    assert items[0]["prices"][0]["price_list_code"] == "EU"
