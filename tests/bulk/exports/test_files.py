"""What an export file holds: JSON items and CSV rows, includes, fields, dry data, and the
official CLI's slicing (`exports:all`: `id_gt` / `id_lteq` slices, each file's record count
checked against its `records_count`)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.support import factories
from tests.support.api import sql
from tests.support.jobs import (
    csv_rows,
    deliver_export,
    hold_jobs,
    items,
    post_export,
    run_export,
    run_import,
    text,
)

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.fixture
def catalog(api) -> dict:
    """Two SKUs (B2 has two tagged prices, one with two tiers), created out of code order."""
    category = factories.shipping_category(api, "Apparel", code="APPAREL")
    eur = factories.price_list(api, code="EUR")
    usd = factories.price_list(api, code="USD", currency_code="USD")
    b2 = factories.sku(api, code="B2", category=category, description="Line one\nline, two")
    a1 = factories.sku(api, code="A1", category=category)
    for tag in ("sale", "new"):
        factories.tag(api, tag)
    api.patch(f"/api/skus/{b2['id']}", json={"data": {"type": "skus", "id": b2["id"],
              "attributes": {"_add_tags": ["sale", "new"]}}})  # fmt: skip
    price = factories.price(api, b2, eur, amount_cents=1000)
    factories.price(api, b2, usd, amount_cents=1200)
    factories.price_tier(api, price, "10 pack", up_to=10, price_amount_cents=900)
    factories.price_tier(api, price, "20 pack", up_to=20, price_amount_cents=800)
    return {"a1": a1, "b2": b2, "price": price, "eur": eur, "category": category}


def test_json_items_are_import_shaped(api, catalog):
    attrs, gz = run_export(api, "skus", includes=["prices.price_tiers", "shipping_category"])
    assert text(gz).startswith("[{") and text(gz).count("\n") == 1  # one item per line
    by_code = {i["code"]: i for i in items(gz)}
    b2 = by_code["B2"]
    assert b2["id"] == catalog["b2"]["id"]
    assert b2["shipping_category_id"] == catalog["category"]["id"]
    assert b2["shipping_category_code"] == "APPAREL"
    assert b2["tags"] == ["new", "sale"] and by_code["A1"]["tags"] == []
    assert b2["description"] == "Line one\nline, two" and by_code["A1"]["description"] is None
    assert b2["metadata"] == {} and b2["do_not_ship"] is False
    assert TIMESTAMP.match(b2["created_at"]) and TIMESTAMP.match(b2["updated_at"])
    assert "_add_tags" not in b2 and "attachment_url" not in b2
    assert b2["shipping_category"]["code"] == "APPAREL"  # a to-one include: an object
    eur = next(p for p in b2["prices"] if p["price_list_code"] == "EUR")
    assert (eur["id"], eur["sku_id"], eur["sku_code"], eur["amount_cents"]) == (
        catalog["price"]["id"], catalog["b2"]["id"], "B2", 1000)  # fmt: skip
    assert [(t["type"], t["name"], t["up_to"]) for t in eur["price_tiers"]] == [
        ("PriceVolumeTier", "10 pack", 10.0), ("PriceVolumeTier", "20 pack", 20.0)]  # fmt: skip
    assert by_code["A1"]["prices"] == []
    assert attrs["records_count"] == attrs["processed_count"] == len(by_code) == 2


def test_dry_data_drops_ids_timestamps_read_only_and_blanks(api, catalog):
    _attrs, gz = run_export(api, "skus", dry_data=True, includes=["prices.price_tiers"])
    a1, b2 = items(gz)  # by code, whatever the ids
    assert a1 == {"code": "A1", "name": "T-shirt", "do_not_ship": False, "do_not_track": False,
                  "shipping_category_code": "APPAREL"}  # fmt: skip
    assert [p["price_list_code"] for p in b2["prices"]] == ["EUR", "USD"]
    assert b2["prices"][0] == {
        "amount_cents": 1000, "price_list_code": "EUR", "sku_code": "B2",
        "price_tiers": [
            {"type": "PriceVolumeTier", "name": "10 pack", "up_to": 10.0,
             "price_amount_cents": 900},
            {"type": "PriceVolumeTier", "name": "20 pack", "up_to": 20.0,
             "price_amount_cents": 800},
        ],
    }  # fmt: skip
    assert b2["tags"] == ["new", "sale"]
    factories.customer(api)
    _attrs, gz = run_export(api, "customers", dry_data=True)
    assert "status" not in items(gz)[0]  # read-only: an import would ignore it


def test_csv_rows_headers_and_cells(api, catalog):
    attrs, gz = run_export(api, "skus", format="csv", dry_data=True,
                           includes=["prices.price_tiers"])  # fmt: skip
    rows = csv_rows(gz)
    header = next(csv.reader(io.StringIO(text(gz))))
    # every column the export can have, data or not: the CLI merges slices under one header
    assert header == [
        "code", "name", "description", "image_url", "pieces_per_pack", "weight",
        "unit_of_weight", "hs_tariff_number", "do_not_ship", "do_not_track", "reference",
        "reference_origin", "metadata", "shipping_category_code", "tags.name",
        "prices.amount_cents", "prices.compare_at_amount_cents", "prices.rules",
        "prices.reference", "prices.reference_origin", "prices.metadata",
        "prices.price_list_code", "prices.sku_code", "prices.price_tiers.type",
        "prices.price_tiers.name", "prices.price_tiers.up_to",
        "prices.price_tiers.price_amount_cents", "prices.price_tiers.reference",
        "prices.price_tiers.reference_origin", "prices.price_tiers.metadata",
    ]  # fmt: skip
    # one row per innermost child, the record's own cells repeated (the importer merges them)
    assert [(r["code"], r["prices.price_list_code"], r["prices.price_tiers.name"]) for r in rows] \
        == [("A1", "", ""), ("B2", "EUR", "10 pack"), ("B2", "EUR", "20 pack"),
            ("B2", "USD", "")]  # fmt: skip
    assert {r["tags.name"] for r in rows[1:]} == {"new,sale"}
    assert rows[1]["description"] == "Line one\nline, two" and rows[1]["do_not_ship"] == "false"
    assert '"Line one\nline, two"' in text(gz) and '"new,sale"' in text(gz)
    assert attrs["records_count"] == 2  # records, not rows


def test_plain_csv_has_one_row_per_record(api, catalog):
    """What the CLI checks: without to-many includes the data rows are the records."""
    attrs, gz = run_export(api, "prices", format="csv")
    assert len(csv_rows(gz)) == attrs["records_count"] == 2
    attrs, gz = run_export(api, "skus", format="csv", includes=["shipping_category"])
    rows = csv_rows(gz)
    assert len(rows) == attrs["records_count"] == 2
    assert {r["shipping_category.code"] for r in rows} == {"APPAREL"}


def test_fields_select_attributes_and_imply_includes(api, catalog):
    _attrs, gz = run_export(api, "skus", fields=["code", "prices.amount_cents",
                                                 "prices.price_tiers.*"])  # fmt: skip
    b2 = next(i for i in items(gz) if i["code"] == "B2")
    assert set(b2) == {"id", "code", "prices"}
    assert {k for p in b2["prices"] for k in p} == {"id", "amount_cents", "price_tiers"}
    assert "created_at" in b2["prices"][0]["price_tiers"][0]
    _attrs, gz = run_export(api, "prices", fields=["amount_cents", "sku_code"], dry_data=True,
                            format="csv")  # fmt: skip
    assert text(gz).splitlines()[0] == "amount_cents,sku_code"
    for fmt in ("json", "csv"):
        check_star_fields(api, fmt)


def check_star_fields(api, fmt: str) -> None:
    """`*` is every field of its level, in JSON items and CSV columns alike."""

    def export(**attributes) -> list:
        _attrs, gz = run_export(api, "skus", format=fmt, **attributes)
        return csv_rows(gz) if fmt == "csv" else items(gz)

    assert export(fields=["*"]) == export()
    with_prices = export(includes=["prices"])
    # `prices.*` implies the include; `code` alone is kept at the top, with the id
    only_code = export(fields=["code", "prices.*"])
    if fmt == "csv":
        assert list(only_code[0]) == ["id", "code", *[k for k in with_prices[0]
                                                      if k.startswith("prices.")]]  # fmt: skip
        assert only_code == [{k: r[k] for k in only_code[0]} for r in with_prices]
    else:
        assert only_code == [{"id": i["id"], "code": i["code"], "prices": i["prices"]}
                             for i in with_prices]  # fmt: skip
    # `*` with a dotted field: every field of the SKU, only the named ones of its prices
    everything = export(fields=["*", "prices.amount_cents"])
    b2 = next(r for r in everything if r["code"] == "B2")
    if fmt == "csv":
        assert [k for k in b2 if k.startswith("prices.")] == ["prices.id", "prices.amount_cents"]
        assert {k for k in b2 if "." not in k} == {k for k in with_prices[0] if "." not in k}
    else:
        assert {k for k in b2 if k != "prices"} == {k for k in with_prices[0] if k != "prices"}
        assert [set(p) for p in b2["prices"]] == [{"id", "amount_cents"}] * 2


HOSTILE = {"name": '=HYPERLINK("http://x")', "description": "@SUM(1)",
           "hs_tariff_number": "+1", "reference": "-2"}  # fmt: skip


def test_csv_safe_prefixes_formula_text_and_plain_csv_keeps_it(api, other_org):
    category = factories.shipping_category(api, "Merch", code="MERCH")
    sku = factories.sku(api, code="EVIL", category=category, weight=5.0, **HOSTILE)
    factories.tag(api, "-neg")
    api.patch(f"/api/skus/{sku['id']}", json={"data": {"type": "skus", "id": sku["id"],
              "attributes": {"_add_tags": ["-neg"]}}})  # fmt: skip
    attrs, gz = run_export(api, "skus", format="csv", dry_data=True, csv_safe=True)
    assert attrs["csv_safe"] is True
    (row,) = csv_rows(gz)
    assert {k: row[k] for k in [*HOSTILE, "tags.name"]} == {
        "name": "'=HYPERLINK(\"http://x\")", "description": "'@SUM(1)",
        "hs_tariff_number": "'+1", "reference": "'-2", "tags.name": "'-neg",
    }  # fmt: skip
    assert (row["code"], row["weight"], row["shipping_category_code"]) == ("EVIL", "5.0", "MERCH")
    # numbers are never prefixed: a negative latitude stays a number
    factories.address(api, line_1="=1+1", city="-2", lat=-33.5, lng=-70.25)
    _attrs, gz = run_export(api, "addresses", format="csv", csv_safe=True)
    (address,) = csv_rows(gz)
    assert (address["line_1"], address["city"], address["phone"]) == (
        "'=1+1", "'-2", "'+44 20 7946 0000")  # fmt: skip
    assert (address["lat"], address["lng"]) == ("-33.5", "-70.25")
    # without csv_safe: the cells as stored, and the file imports them back unchanged
    attrs, gz = run_export(api, "skus", format="csv", dry_data=True)
    assert attrs["csv_safe"] is False
    (row,) = csv_rows(gz)
    assert {k: row[k] for k in [*HOSTILE, "tags.name"]} == {**HOSTILE, "tags.name": "-neg"}
    factories.shipping_category(other_org.api, "Merch", code="MERCH")
    back = run_import(other_org.api, "skus", text(gz))
    assert (back["status"], back["errors_log"]) == ("completed", {}), back
    (theirs,) = other_org.api.get("/api/skus").json()["data"]
    assert {k: theirs["attributes"][k] for k in HOSTILE} == HOSTILE
    # JSON files are not for spreadsheets: csv_safe is accepted and changes nothing
    attrs, gz = run_export(api, "skus", dry_data=True, csv_safe=True)
    (item,) = items(gz)
    assert attrs["csv_safe"] is True and {k: item[k] for k in HOSTILE} == HOSTILE


def test_records_count_is_the_file_s_even_when_records_change(app, api, catalog, monkeypatch):
    sent = hold_jobs(app, monkeypatch)
    export_id = post_export(api, "skus").json()["data"]["id"]
    factories.sku(api, code="C3", category=catalog["category"])
    deliver_export(app, sent[0][1])
    attrs = api.get(f"/api/exports/{export_id}").json()["data"]["attributes"]
    assert (attrs["status"], attrs["records_count"], attrs["processed_count"]) == (
        "completed", 3, 3)  # fmt: skip


def cli_slices(api, type_: str, size: int) -> list[dict]:
    """`exports:all`: count, then the id closing each slice, then id_gt / id_lteq filters."""
    total = api.get(f"/api/{type_}", params={"page[size]": "1", "sort": "created_at,id"})
    total = total.json()["meta"]["record_count"]
    slices, last = [], None
    for end in range(size, total + size, size):
        page = {"page[size]": "1", "page[number]": str(min(end, total)), "sort": "id"}
        boundary = api.get(f"/api/{type_}", params=page).json()["data"][0]["id"]
        filters = {"id_lteq": boundary} | ({"id_gt": last} if last else {})
        slices.append(filters)
        last = boundary
    return slices


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_cli_slices_cover_every_record_once(app, api, fmt):
    run_import(api, "tags", [{"name": f"tag-{i:02d}"} for i in range(23)])
    names: list[str] = []
    for n, filters in enumerate(cli_slices(api, "tags", 10), start=1):
        attrs, gz = run_export(api, "tags", format=fmt, filters=filters, reference=f"g-{n}",
                               reference_origin="cli-plugin-exports")  # fmt: skip
        found = [r["name"] for r in (csv_rows(gz) if fmt == "csv" else items(gz))]
        assert len(found) == attrs["records_count"] == attrs["processed_count"]
        names += found
    assert sorted(names) == [f"tag-{i:02d}" for i in range(23)]
    assert sql(app, "SELECT count(*) FROM exports") == [(3,)]
