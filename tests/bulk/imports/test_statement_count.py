"""An import chunk costs the same number of SQL statements whatever its size: every stage works
on the whole chunk at once (one statement per referenced type, per set of written columns, per
level of nested children), never one per item.

Sizes are both above the COPY threshold (50 rows) and below the chunk size (500), so each
import is one chunk written the same way on each backend; only the item count differs.
"""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.api import count_queries, make_org
from tests.support.jobs import deliver_import, hold_jobs, import_body, read_job

SMALL, LARGE = 60, 300


def statements_of(app, api, monkeypatch, resource_type: str, inputs, **attributes) -> int:
    """The statements one import runs in the worker, from its claim to its end."""
    hold_jobs(app, monkeypatch)
    response = api.post("/api/imports", json=import_body(resource_type, inputs, **attributes))
    assert response.status_code == 201, response.text
    import_id = response.json()["data"]["id"]
    with count_queries(app.state.engine) as statements:
        deliver_import(app, import_id)
    attrs = read_job(api, "imports", import_id)
    assert (attrs["status"], attrs["errors_count"]) == ("completed", 0), attrs
    return len(statements)


def skus(n: int, category: str, name: str = "Shirt") -> list[dict]:
    return [
        {"code": f"SKU{i:04d}", "name": f"{name} {i}", "shipping_category_id": category,
         "weight": 0.2, "tags": ["cotton", f"size-{i % 3}"]}
        for i in range(n)
    ]  # fmt: skip


def prices_csv(n: int, amount: int) -> str:
    head = "sku_code,amount_cents,price_tiers.type,price_tiers.name,price_tiers.up_to,"
    lines = [head + "price_tiers.price_amount_cents"]
    for i in range(n // 2):
        for name, up_to in (("Pack of 10", 10), ("Pack of 20", 20)):
            lines.append(f"SKU{i:04d},{amount + i},PriceVolumeTier,{name},{up_to},{amount - up_to}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("phase", ["new", "changed", "unchanged"])
def test_sku_chunks_cost_the_same_statements_at_any_size(app, monkeypatch, phase):
    counted = []
    for n in (SMALL, LARGE):
        api = fresh_api(app, f"{phase}-{n}")
        category = factories.shipping_category(api)["id"]
        if phase != "new":
            statements_of(app, api, monkeypatch, "skus", skus(n, category))
        name = "Shirt v2" if phase == "changed" else "Shirt"
        counted.append(statements_of(app, api, monkeypatch, "skus", skus(n, category, name)))
    assert counted[0] == counted[1], f"{SMALL} items: {counted[0]}, {LARGE} items: {counted[1]}"


@pytest.mark.parametrize("phase", ["new", "changed"])
def test_price_chunks_with_tiers_cost_the_same_statements_at_any_size(app, monkeypatch, phase):
    counted = []
    for n in (2 * SMALL, 2 * LARGE):  # CSV rows: two tiers per price
        api = fresh_api(app, f"{phase}-{n}")
        category = factories.shipping_category(api)["id"]
        plist = factories.price_list(api)["id"]
        statements_of(app, api, monkeypatch, "skus", skus(n // 2, category))
        if phase == "changed":
            statements_of(app, api, monkeypatch, "prices", prices_csv(n, 1000),
                          parent_resource_id=plist)  # fmt: skip
        counted.append(statements_of(app, api, monkeypatch, "prices", prices_csv(n, 2000),
                                     parent_resource_id=plist))  # fmt: skip
    assert counted[0] == counted[1], f"{SMALL} prices: {counted[0]}, {LARGE} prices: {counted[1]}"


def fresh_api(app, name: str):
    """A fresh organization per size: the larger import must not meet the smaller's records."""
    return make_org(app, name).api
