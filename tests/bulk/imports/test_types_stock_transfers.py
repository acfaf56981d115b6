"""Stock transfer imports: parent origin location, numbers from the sequence, errors, cleanup."""

from __future__ import annotations

from tests.support import factories
from tests.support.documents import by, list_all
from tests.support.jobs import counts, fixture, run_import
from tests.support.world import Catalog

DIFFERENT = "must be different from origin_stock_location"


def transfers(api) -> dict[str, dict]:
    return by(list_all(api, "/api/stock_transfers"), "number")


def places(transfer: dict) -> tuple[str, str, str]:
    a = transfer["attributes"]
    return (a["sku_code"], a["origin_stock_location_code"], a["destination_stock_location_code"])


def test_json_from_the_parent_location(api):
    cat = Catalog(api)
    attrs = run_import(
        api,
        "stock_transfers",
        fixture("stock_transfers", "valid.json"),
        parent_resource_id=cat.warehouse["id"],
    )
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    found = transfers(api)
    assert {n: places(t) for n, t in found.items()} == {
        "ST-2024-0001": ("TSHIRT-S", "WH-MILAN", "WH-LONDON"),
        "ST-2024-0002": ("TSHIRT-M", "WH-MILAN", "WH-LONDON"),
        "1000": ("MUG-01", "WH-LONDON", "WH-MILAN"),  # numbered; its own origin wins
    }
    first = found["ST-2024-0001"]
    assert (first["attributes"]["status"], first["attributes"]["quantity"]) == ("upcoming", 20)
    assert first["relationships"]["sku"]["data"]["id"] == cat.skus["TSHIRT-S"]["id"]
    assert found["ST-2024-0002"]["attributes"]["status"] == "draft"
    assert found["ST-2024-0002"]["attributes"]["metadata"] == {"carrier": "DHL"}
    assert found["1000"]["attributes"]["reference"] == "rebalance-1"
    out = list_all(api, f"/api/stock_locations/{cat.store['id']}/stock_transfers")
    assert [t["attributes"]["number"] for t in out] == ["1000"]


def test_csv_from_the_parent_location(api):
    cat = Catalog(api)
    attrs = run_import(
        api,
        "stock_transfers",
        fixture("stock_transfers", "valid.csv"),
        parent_resource_id=cat.warehouse["id"],
    )
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    found = transfers(api)
    rows = {
        n: (t["attributes"]["status"], t["attributes"]["quantity"], places(t)[0])
        for n, t in found.items()
    }
    assert rows == {
        "ST-2024-0101": ("picking", 3, "TSHIRT-L"),
        "ST-2024-0102": ("draft", 40, "MUG-01"),
        "1000": ("in_transit", 1, "TSHIRT-S"),
    }
    assert {places(t)[1:] for t in found.values()} == {("WH-MILAN", "WH-LONDON")}


def test_reimport_updates_by_number_and_logs_errors_by_number(api):
    cat = Catalog(api)
    parent = {"parent_resource_id": cat.warehouse["id"]}
    run_import(api, "stock_transfers", fixture("stock_transfers", "valid.json"), **parent)
    attrs = run_import(
        api,
        "stock_transfers",
        fixture("stock_transfers", "update.json"),
        skip_errors=True,
        **parent,
    )
    assert counts(attrs) == ("completed", 2, 1, 0, 0), attrs
    assert attrs["errors_log"] == {"ST-2024-0002": {"destination_stock_location": [DIFFERENT]}}
    found = transfers(api)
    assert sorted(found) == ["1000", "ST-2024-0001", "ST-2024-0002", "ST-2024-0003"]
    assert found["ST-2024-0001"]["attributes"]["status"] == "in_transit"
    assert places(found["ST-2024-0001"]) == ("TSHIRT-S", "WH-MILAN", "WH-LONDON")
    assert places(found["ST-2024-0002"]) == ("TSHIRT-M", "WH-MILAN", "WH-LONDON")  # unchanged
    assert places(found["ST-2024-0003"]) == ("TSHIRT-L", "WH-MILAN", "WH-LONDON")
    # An item naming no origin gets the parent's, updates too: the one from WH-LONDON names it.
    inputs = [
        {"sku_code": "TSHIRT-S", "quantity": 1, "destination_stock_location_id": cat.store["id"]},
        {"id": found["1000"]["id"], "quantity": 9, "origin_stock_location_code": "WH-LONDON"},
    ]
    attrs = run_import(api, "stock_transfers", inputs, **parent)
    assert counts(attrs) == ("completed", 2, 0, 0, 0), attrs
    found = transfers(api)
    assert sorted(found) == ["1000", "1001", "ST-2024-0001", "ST-2024-0002", "ST-2024-0003"]
    assert found["1000"]["attributes"]["quantity"] == 9  # updated by id, number kept


def test_required_relationships_and_positions(api):
    cat = Catalog(api)
    inputs = [
        {"sku_code": "TSHIRT-S", "quantity": 1},
        {
            "number": "ST-X",
            "sku_code": "NOPE",
            "quantity": 1,
            "destination_stock_location_code": "WH-LONDON",
        },
        {
            "number": "ST-Y",
            "sku_code": "MUG-01",
            "quantity": 0,
            "destination_stock_location_code": "WH-LONDON",
        },
    ]
    attrs = run_import(
        api, "stock_transfers", inputs, parent_resource_id=cat.warehouse["id"], skip_errors=True
    )
    assert counts(attrs) == ("completed", 0, 3, 0, 0), attrs
    assert attrs["errors_log"] == {
        "1": {"destination_stock_location": ["can't be blank"]},
        "ST-X": {"sku": ["must exist"]},
        "ST-Y": {"quantity": ["must be greater than or equal to 1"]},
    }


def test_cleanup_within_the_origin_and_organization_wide(api):
    cat = Catalog(api)
    sku = cat.skus["MUG-01"]
    factories.stock_transfer(api, sku, cat.warehouse, cat.store, number="OLD-MILAN")
    factories.stock_transfer(api, sku, cat.store, cat.warehouse, number="OLD-LONDON")
    attrs = run_import(
        api,
        "stock_transfers",
        fixture("stock_transfers", "valid.csv"),
        parent_resource_id=cat.warehouse["id"],
        cleanup_records=True,
    )
    assert counts(attrs) == ("completed", 3, 0, 0, 1), attrs
    assert sorted(transfers(api)) == ["1000", "OLD-LONDON", "ST-2024-0101", "ST-2024-0102"]
    inputs = [{"number": "ST-2024-0101", "quantity": 4}]
    attrs = run_import(api, "stock_transfers", inputs, cleanup_records=True, cleanup_max_ratio=1)
    assert counts(attrs) == ("completed", 1, 0, 0, 3), attrs
    assert sorted(transfers(api)) == ["ST-2024-0101"]
