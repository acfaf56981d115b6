"""A scheduled sync: the nightly stock file of one stock location, imported with
`cleanup_records`, leaves exactly that file's stock (and an export of it says so)."""

from __future__ import annotations

from tests.support import factories
from tests.support.jobs import csv_rows, run_export, run_import


def night(api, location: dict, lines: list[tuple[str, int]]) -> dict:
    text = "sku_code,quantity\r\n" + "".join(f"{code},{qty}\r\n" for code, qty in lines)
    return run_import(api, "stock_items", text, format="csv", cleanup_records=True,
                      parent_resource_id=location["id"])  # fmt: skip


def stock(api, code: str) -> list[tuple[str, int]]:
    _attrs, gz = run_export(api, "stock_items", format="csv", dry_data=True,
                            filters={"stock_location_code_eq": code})  # fmt: skip
    assert {r["stock_location_code"] for r in csv_rows(gz)} == {code}
    return [(r["sku_code"], int(r["quantity"])) for r in csv_rows(gz)]


def test_nightly_stock_file_with_cleanup(api):
    category = factories.shipping_category(api)
    for code in ("S1", "S2", "S3", "S4"):
        factories.sku(api, code=code, category=category)
    milan = factories.stock_location(api, code="MILAN")
    london = factories.stock_location(api, code="LONDON")
    run_import(api, "stock_items", [{"sku_code": "S1", "quantity": 7}],
               parent_resource_id=london["id"])  # fmt: skip

    first = night(api, milan, [("S1", 10), ("S2", 20), ("S3", 30)])
    assert (first["status"], first["processed_count"], first["errors_count"],
            first["destroyed_count"]) == ("completed", 3, 0, 0)  # fmt: skip
    assert stock(api, "MILAN") == [("S1", 10), ("S2", 20), ("S3", 30)]

    # the next night: S1 counted again, S2 sold out and gone from the file, S4 arrived
    second = night(api, milan, [("S4", 5), ("S1", 15), ("S3", 30)])
    outcome = ("status", "processed_count", "errors_count", "warnings_count", "destroyed_count")
    assert tuple(second[k] for k in outcome) == ("completed", 3, 0, 0, 1)
    assert stock(api, "MILAN") == [("S1", 15), ("S3", 30), ("S4", 5)]
    assert stock(api, "LONDON") == [("S1", 7)]  # another location's stock is not touched
