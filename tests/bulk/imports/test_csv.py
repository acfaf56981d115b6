"""CSV inputs: RFC 4180 details, coercion, merged rows, and every malformation we could think of."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import attrs_of, by, errors, list_all
from tests.support.jobs import counts, fixture, post_import, run_import
from tests.support.world import Catalog


@pytest.fixture
def category(api) -> dict:
    return factories.shipping_category(api, "Standard", code="STANDARD")


def test_malformed_rows_are_item_errors_naming_their_line(api, category):
    attrs = run_import(api, "skus", fixture("skus", "malformed.csv"), skip_errors=True)
    assert attrs["inputs_size"] == 10  # blank and whitespace-only lines are not rows
    assert counts(attrs) == ("completed", 2, 8, 0, 0), attrs
    assert attrs["errors_log"] == {
        "2": {"base": ["line 3: expected 7 cells, found 2"]},
        "3": {"base": ["line 4: expected 7 cells, found 8"]},
        "NUM-1": {"weight": ["is not a number"]},
        "BOOL-1": {"do_not_ship": ["is not included in the list"]},
        "INT-1": {"pieces_per_pack": ["must be an integer"]},
        "JSON-1": {"metadata": ["is invalid"]},
        "JSON-2": {"metadata": ["is invalid"]},
        "10": {"base": ["line 13: a quoted cell is not closed before the end of the file"]},
    }
    skus = by(list_all(api, "/api/skus"), "code")
    assert sorted(skus) == ["OK-1", "OK-2"]
    assert skus["OK-2"]["attributes"]["name"] == "Fine, quoted"
    assert skus["OK-2"]["attributes"]["metadata"] == {"a": 1}


def test_malformed_csv_without_skip_errors_stops_at_the_crossing_row(api, category):
    attrs = run_import(api, "skus", fixture("skus", "malformed.csv"))
    # 10 rows allow 1 error: the second (row 3, LONG-1) interrupts; 1 + 2 = its position
    assert counts(attrs) == ("interrupted", 1, 2, 0, 0), attrs
    assert sorted(attrs["errors_log"]) == ["2", "3"]
    assert [s["attributes"]["code"] for s in list_all(api, "/api/skus")] == ["OK-1"]


def test_malformed_prices(api):
    cat = Catalog(api)
    attrs = run_import(api, "prices", fixture("prices", "malformed.csv"),
                       parent_resource_id=cat.eur["id"], skip_errors=True)  # fmt: skip
    eur = cat.eur["id"]
    assert counts(attrs) == ("completed", 1, 4, 0, 0), attrs  # MUG-01's two rows: one item
    assert attrs["errors_log"] == {
        f"{eur}/TSHIRT-M": {"amount_cents": ["is not a number"]},
        "3": {"base": ["line 4: expected 6 cells, found 5"]},
        f"{eur}/NO-SUCH-SKU": {"sku": ["must exist"]},
        f"{eur}/MUG-01": {
            "price_tiers.tier_type": ["is not included in the list"],
            "price_tiers.price_amount_cents": ["must be greater than or equal to 0"],
        },
    }
    assert attrs_of(list_all(api, "/api/prices"), "sku_code") == [("TSHIRT-S",)]


@pytest.mark.parametrize(
    "text, detail",
    [
        ("code,name,code\nA,B,C\n", "the header repeats code"),
        ("code,,name\nA,B,C\n", "column 2 of the header has no name"),
        ("code, name , name\nA,B,C\n", "the header repeats name"),
        ('code,"name\nA,B\n', "a quoted cell is not closed before the end of the file"),
        ('code,"na"me\nA,B\n', "a closing quote must be followed by a comma or a line end"),
    ],
)
def test_unusable_header_is_a_422(api, text, detail):
    response = post_import(api, "skus", text)
    assert response.status_code == 422, response.text
    (error,) = errors(response)
    assert error["source"] == {"pointer": "/data/attributes/inputs"}
    assert error["detail"] == f"inputs - is not usable CSV: line 1: {detail}"


def test_quotes_and_newlines_inside_cells(api, category):
    text = (
        "\ufeffcode,name,description,shipping_category_code\r\n"
        'Q1,"Comma, inside","Line one\r\nLine two, ""quoted""",STANDARD\r\n'
        'Q2,"""Fully quoted""",,"STANDARD"\r\n'
        "Q3,Plain,,STANDARD"  # no line end at the end of the file
    )
    attrs = run_import(api, "skus", text)
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    skus = {s["attributes"]["code"]: s["attributes"] for s in list_all(api, "/api/skus")}
    assert skus["Q1"]["name"] == "Comma, inside"
    assert skus["Q1"]["description"] == 'Line one\r\nLine two, "quoted"'
    assert skus["Q2"]["name"] == '"Fully quoted"'
    assert (skus["Q2"]["description"], skus["Q3"]["name"]) == (None, "Plain")


def test_rows_after_a_multiline_cell_name_their_own_line(api, category):
    text = 'code,name,description\nM1,"Multi","a\nb\nc"\nM2,short\n'
    attrs = run_import(api, "skus", text, skip_errors=True)
    assert attrs["errors_log"]["2"] == {"base": ["line 5: expected 3 cells, found 2"]}


def test_coercion_and_empty_cells(api, category):
    run_import(api, "skus", [{
        "code": "C1", "name": "Keep", "description": "kept", "shipping_category_id": category["id"],
        "weight": 1.5, "metadata": {"a": 1},
    }])  # fmt: skip
    text = (
        "code,name,description,weight,pieces_per_pack,do_not_ship,do_not_track,metadata\n"
        'C1,,,2,3.0,FALSE,yes,"{""b"": [1, 2]}"\n'
        "C2,New,, 0.25 ,10,true,0,\n"
    )
    attrs = run_import(api, "skus", text)
    assert counts(attrs) == ("completed", 2, 0, 0, 0), attrs
    skus = {s["attributes"]["code"]: s["attributes"] for s in list_all(api, "/api/skus")}
    c1, c2 = skus["C1"], skus["C2"]
    assert (c1["name"], c1["description"]) == ("Keep", "kept")  # empty cells: not given
    assert (c1["weight"], c1["pieces_per_pack"]) == (2.0, 3)
    assert (c1["do_not_ship"], c1["do_not_track"]) == (False, True)
    assert c1["metadata"] == {"b": [1, 2]}
    assert (c2["weight"], c2["pieces_per_pack"], c2["do_not_ship"], c2["do_not_track"]) == (
        0.25, 10, True, False
    )  # fmt: skip


def test_consecutive_rows_merge_and_separate_rows_replace(api):
    cat = Catalog(api)
    head = (
        "sku_code,amount_cents,price_tiers.type,price_tiers.name,price_tiers.price_amount_cents\n"
    )
    text = head + (
        "TSHIRT-S,100,PriceVolumeTier,a,90\n"
        "TSHIRT-S,100,PriceVolumeTier,b,80\n"
        "TSHIRT-M,200,PriceVolumeTier,c,190\n"
        "TSHIRT-S,150,PriceVolumeTier,d,70\n"  # not consecutive: a new item, replaces a and b
        "TSHIRT-S,150,PriceVolumeTier,e,60\n"
    )
    attrs = run_import(api, "prices", text, parent_resource_id=cat.eur["id"])
    assert counts(attrs) == ("completed", 3, 0, 1, 0), attrs  # three items, of 5 rows
    assert attrs["warnings_log"] == {  # logged under its key, the parent's id included
        f"{cat.eur['id']}/TSHIRT-S": [
            "sku_code TSHIRT-S also at item 1 (line 2): the last one wins"
        ]
    }
    prices = {p["attributes"]["sku_code"]: p for p in list_all(api, "/api/prices")}
    assert len(prices) == 2
    assert prices["TSHIRT-S"]["attributes"]["amount_cents"] == 150
    tiers = list_all(api, f"/api/prices/{prices['TSHIRT-S']['id']}/price_tiers")
    assert attrs_of(tiers, "name") == [("d",), ("e",)]
    assert len(list_all(api, "/api/price_tiers")) == 3


def test_merged_rows_count_as_one_item_in_errors_too(api):
    cat = Catalog(api)
    head = (
        "sku_code,amount_cents,price_tiers.type,price_tiers.name,price_tiers.price_amount_cents\n"
    )
    text = (
        head
        + "".join(f"TSHIRT-S,100,PriceVolumeTier,t{i},{90 - i}\n" for i in range(3))
        + "TSHIRT-M,oops,PriceVolumeTier,x,1\nTSHIRT-M,oops,PriceVolumeTier,y,1\n"
    )
    attrs = run_import(api, "prices", text, parent_resource_id=cat.eur["id"], skip_errors=True)
    assert attrs["inputs_size"] == 2
    assert counts(attrs) == ("completed", 1, 1, 0, 0), attrs


def test_unknown_column_is_a_warning_per_row(api, category):
    text = "code,name,shipping_category_code,colour\nU1,U1,STANDARD,red\nU2,U2,STANDARD,\n"
    attrs = run_import(api, "skus", text)
    assert counts(attrs) == ("completed", 2, 0, 1, 0), attrs
    assert attrs["warnings_log"] == {"U1": ["colour is not an attribute of skus: ignored"]}
