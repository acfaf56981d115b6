"""An import's `mapping`: source columns (CSV headers, JSON keys) renamed and transformed."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import by, list_all, only_error, tag_names
from tests.support.jobs import counts, post_import, run_import
from tests.support.world import Catalog

GERMAN_MAPPING = {
    "Artikelnummer": "sku_code",
    "Preis": {"to": "amount_cents", "scale": 100},
    "Staffel": "price_tiers.name",
    "Art": "price_tiers.type",
    "Bis": "price_tiers.up_to",
    "Staffelpreis": {"to": "price_tiers.price_amount_cents", "scale": 100},
}


def german_csv() -> str:
    return (
        "Artikelnummer,Preis,Staffel,Art,Bis,Staffelpreis\n"
        'TSHIRT-S,"19,00",5er,PriceVolumeTier,5,"18,00"\n'
        'TSHIRT-S,"19,00",10er,PriceVolumeTier,10,"17,50"\n'
        "TSHIRT-M,21.5,,,,\n"
    )


def test_a_german_csv_through_a_mapping(api):
    cat = Catalog(api)
    attrs = run_import(
        api, "prices", german_csv(), mapping=GERMAN_MAPPING, parent_resource_id=cat.eur["id"]
    )
    assert counts(attrs) == ("completed", 2, 0, 0, 0), attrs
    assert attrs["mapping"] == GERMAN_MAPPING
    prices = {p["attributes"]["sku_code"]: p for p in list_all(api, "/api/prices")}
    assert prices["TSHIRT-S"]["attributes"]["amount_cents"] == 1900
    assert prices["TSHIRT-M"]["attributes"]["amount_cents"] == 2150
    tiers = list_all(api, f"/api/prices/{prices['TSHIRT-S']['id']}/price_tiers")
    assert sorted(
        (t["attributes"]["name"], t["attributes"]["up_to"], t["attributes"]["price_amount_cents"])
        for t in tiers
    ) == [("10er", 10.0, 1750), ("5er", 5.0, 1800)]


def test_json_inputs_through_a_mapping(api):
    cat = Catalog(api)
    inputs = [
        {"Artikelnummer": "TSHIRT-S", "Preis": "19,90", "Staffel": "5er", "Art": "PriceVolumeTier",
         "Bis": 5, "Staffelpreis": 18.5},
        {"Artikelnummer": "TSHIRT-M", "Preis": 21},
    ]  # fmt: skip
    attrs = run_import(api, "prices", inputs, mapping=GERMAN_MAPPING,
                       parent_resource_id=cat.eur["id"])  # fmt: skip
    assert counts(attrs) == ("completed", 2, 0, 0, 0), attrs
    prices = {p["attributes"]["sku_code"]: p for p in list_all(api, "/api/prices")}
    assert prices["TSHIRT-S"]["attributes"]["amount_cents"] == 1990
    assert prices["TSHIRT-M"]["attributes"]["amount_cents"] == 2100
    (tier,) = list_all(api, f"/api/prices/{prices['TSHIRT-S']['id']}/price_tiers")
    assert (tier["attributes"]["name"], tier["attributes"]["price_amount_cents"]) == ("5er", 1850)


SKU_MAPPING = {
    "Nummer": {"to": "code", "trim": True},
    "Bezeichnung": "name",
    "Kategorie": {"to": "shipping_category_code", "default": "STANDARD"},
    "Versand": {"to": "do_not_ship", "map": {"Ja": False, "Nein": True}},
    "Schlagworte": {"to": "tags", "split": "|"},
    "Intern": None,
}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_trim_default_map_split_and_a_dropped_column(api, fmt):
    Catalog(api)
    rows = [
        {"Nummer": "  A-1 ", "Bezeichnung": "Eins", "Kategorie": "", "Versand": "Ja",
         "Schlagworte": "rot | blau", "Intern": "x"},
        {"Nummer": "A-2", "Bezeichnung": "Zwei", "Kategorie": "EXPRESS", "Versand": "Nein",
         "Schlagworte": "", "Intern": "y"},
    ]  # fmt: skip
    if fmt == "csv":
        inputs: object = "\n".join([",".join(rows[0]), *(",".join(r.values()) for r in rows)])
    else:
        inputs = rows
    attrs = run_import(api, "skus", inputs, mapping=SKU_MAPPING)
    assert counts(attrs) == ("completed", 2, 0, 0, 0), attrs  # "Intern": dropped, no warning
    skus = by(list_all(api, "/api/skus"), "code")
    one, two = skus["A-1"]["attributes"], skus["A-2"]["attributes"]
    assert (one["name"], one["do_not_ship"], two["do_not_ship"]) == ("Eins", False, True)
    assert (one["shipping_category_code"], two["shipping_category_code"]) == ("STANDARD", "EXPRESS")
    assert sorted(tag_names(api, skus["A-1"])) == ["blau", "rot"]
    assert tag_names(api, skus["A-2"]) == []


def test_a_missing_json_key_takes_the_default(api):
    Catalog(api)
    inputs = [{"Nummer": "A-1", "Bezeichnung": "Eins"}]
    attrs = run_import(api, "skus", inputs, mapping=SKU_MAPPING)
    assert counts(attrs) == ("completed", 1, 0, 0, 0), attrs
    (sku,) = list_all(api, "/api/skus", **{"filter[code_eq]": "A-1"})
    assert sku["attributes"]["shipping_category_code"] == "STANDARD"


def test_an_unmapped_column_still_warns(api):
    Catalog(api)
    text = "Nummer,Bezeichnung,Farbe\nA-1,Eins,rot\n"
    attrs = run_import(api, "skus", text, mapping=SKU_MAPPING)
    assert counts(attrs) == ("completed", 1, 0, 1, 0), attrs
    assert attrs["warnings_log"] == {"A-1": ["Farbe is not an attribute of skus: ignored"]}


def test_an_unmapped_value_is_kept_and_checked_by_its_type(api):
    Catalog(api)
    text = "Nummer,Bezeichnung,Versand\nA-1,Eins,Vielleicht\nA-2,Zwei,Ja\n"
    attrs = run_import(api, "skus", text, mapping=SKU_MAPPING, skip_errors=True)
    assert counts(attrs) == ("completed", 1, 1, 0, 0), attrs
    assert attrs["errors_log"] == {"A-1": {"do_not_ship": ["is not included in the list"]}}


def test_a_scale_that_leaves_a_fraction_is_an_item_error(api):
    cat = Catalog(api)
    inputs = [
        {"Artikelnummer": "TSHIRT-S", "Preis": "19,995"},
        {"Artikelnummer": "TSHIRT-M", "Preis": "zwölf"},
        {"Artikelnummer": "TSHIRT-L", "Preis": "12.5"},
        {"Artikelnummer": "MUG-01", "Preis": "1e999999999"},  # never a million-digit int
    ]
    attrs = run_import(api, "prices", inputs, mapping=GERMAN_MAPPING,
                       parent_resource_id=cat.eur["id"], skip_errors=True)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 3, 0, 0), attrs
    assert attrs["errors_log"] == {
        f"{cat.eur['id']}/MUG-01": {"Preis": ["1e999999999 × 100 is out of range"]},
        f"{cat.eur['id']}/TSHIRT-S": {"Preis": ["19,995 × 100 is 1999.5, not a whole number"]},
        f"{cat.eur['id']}/TSHIRT-M": {"Preis": ['"zwölf" is not a number']},
    }
    assert [p["attributes"]["amount_cents"] for p in list_all(api, "/api/prices")] == [1250]


@pytest.mark.parametrize(
    "mapping, detail",
    [
        ({"Farbe": "colour"}, 'column "Farbe": "colour" is not an attribute of skus'),
        (
            {"Staffel": "price_tiers.name"},
            'column "Staffel": "price_tiers.name" is not an attribute of skus',
        ),
        (
            {"Name": {"to": "name", "scale": 100}},
            'column "Name": "scale" needs a number target, name is string',
        ),
        (
            {"Name": {"to": "name", "split": ","}},
            'column "Name": "split" needs a list target (like tags), name takes one string',
        ),
        (
            {"Name": {"to": "name", "upper": True}},
            'column "Name": unknown transforms "upper" '
            "(known: to, scale, default, map, split, trim)",
        ),
        ({"Name": {"scale": 2}}, 'column "Name": "to" must name the target'),
        ({"Name": 3}, 'column "Name": must map to a target name, an object with a "to", or null'),
        (
            {"Gewicht": {"to": "weight", "scale": 0}},
            'column "Gewicht": "scale" must be a number other than 0',
        ),
        (
            {"Name": {"to": "name", "map": []}},
            'column "Name": "map" must be an object of source value -> value',
        ),
        ({"Name": {"to": "name", "trim": "ja"}}, 'column "Name": "trim" must be true or false'),
        ({"A": "name", "B": "name"}, 'columns "A" and "B" both map to "name": map one of them'),
    ],  # fmt: skip
)
def test_a_mapping_that_cannot_be_used_is_a_422_naming_the_column(api, mapping, detail):
    response = post_import(api, "skus", [{"Name": "x"}], mapping=mapping)
    error = only_error(response)
    assert error["source"] == {"pointer": "/data/attributes/mapping"}
    assert error["detail"] == f"mapping - {detail}"


def test_a_mapping_must_be_an_object(api):
    error = only_error(post_import(api, "skus", [{"Name": "x"}], mapping=["code"]))
    assert error["source"] == {"pointer": "/data/attributes/mapping"}


README_SKUS = (
    "Artikelnummer,Bezeichnung,Versandart,Versand,Schlagworte,Intern\n"
    " TS-1 ,T-Shirt,,Ja,sommer|baumwolle,x\nMUG-1,Tasse,MERCH,Nein,,y\n"
)
README_SKU_MAPPING = {
    "Artikelnummer": {"to": "code", "trim": True},
    "Bezeichnung": "name",
    "Versandart": {"to": "shipping_category_code", "default": "MERCH"},
    "Versand": {"to": "do_not_ship", "map": {"Ja": False, "Nein": True}},
    "Schlagworte": {"to": "tags", "split": "|"},
    "Intern": None,
}
README_PRICES = [
    {"Artikelnummer": "TS-1", "Preis": "19,90", "Staffel": "5er", "Bis": 5, "Staffelpreis": "18,50"}
]
README_PRICE_MAPPING = {
    "Artikelnummer": "sku_code",
    "Preis": {"to": "amount_cents", "scale": 100},
    "Staffel": "price_tiers.name",
    "Bis": "price_tiers.up_to",
    "Staffelpreis": {"to": "price_tiers.price_amount_cents", "scale": 100},
    "Art": {"to": "price_tiers.type", "default": "PriceVolumeTier"},
}


def test_the_readme_examples(api):
    """README "Column mapping", as written there."""
    factories.shipping_category(api, "Merchandise", code="MERCH")
    attrs = run_import(api, "skus", README_SKUS, mapping=README_SKU_MAPPING)
    assert counts(attrs) == ("completed", 2, 0, 0, 0), attrs
    skus = by(list_all(api, "/api/skus"), "code")
    assert [skus[c]["attributes"]["do_not_ship"] for c in ("TS-1", "MUG-1")] == [False, True]
    assert {s["attributes"]["shipping_category_code"] for s in skus.values()} == {"MERCH"}
    assert tag_names(api, skus["TS-1"]) == ["baumwolle", "sommer"]
    plist = factories.price_list(api)
    attrs = run_import(api, "prices", README_PRICES, mapping=README_PRICE_MAPPING,
                       parent_resource_id=plist["id"])  # fmt: skip
    assert counts(attrs) == ("completed", 1, 0, 0, 0), attrs
    (price,) = list_all(api, "/api/prices")
    assert price["attributes"]["amount_cents"] == 1990
    (tier,) = list_all(api, f"/api/prices/{price['id']}/price_tiers")
    assert (tier["type"], tier["attributes"]["name"]) == ("price_volume_tiers", "5er")
    assert tier["attributes"]["price_amount_cents"] == 1850


def test_mapped_child_columns_beside_the_childrens_array_are_an_item_error(api):
    cat = Catalog(api)
    tiers = [{"type": "PriceVolumeTier", "name": "a", "price_amount_cents": 90}]
    inputs = [
        {"Artikelnummer": "TSHIRT-S", "Preis": 1, "Staffel": "5er", "Bis": 5, "price_tiers": tiers},
        {"Artikelnummer": "TSHIRT-M", "Preis": 2, "price_tiers": tiers},
    ]
    attrs = run_import(api, "prices", inputs, mapping=GERMAN_MAPPING,
                       parent_resource_id=cat.eur["id"], skip_errors=True)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 1, 0, 0), attrs
    assert attrs["errors_log"] == {
        f"{cat.eur['id']}/TSHIRT-S": {
            "price_tiers": ["is given both as an array and by mapped columns"]
        }
    }
    (price,) = list_all(api, "/api/prices")
    assert price["attributes"]["amount_cents"] == 200


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_column_mapped_to_a_number_reads_a_decimal_comma(api, fmt):
    rows = [("K1", "0,5", "6"), ("K2", "1,25", "1,5"), ("K3", "2.5", "3")]
    if fmt == "csv":
        inputs: object = "Nummer,name,Gewicht,Stück,do_not_ship\n" + "".join(
            f'{code},Kaffee,"{weight}","{pieces}",true\n' for code, weight, pieces in rows
        )
    else:
        inputs = [
            {"Nummer": c, "name": "Kaffee", "Gewicht": w, "Stück": p, "do_not_ship": True}
            for c, w, p in rows
        ]
    mapping = {"Nummer": "code", "Gewicht": "weight", "Stück": "pieces_per_pack"}
    attrs = run_import(api, "skus", inputs, format=fmt, mapping=mapping, skip_errors=True)
    assert counts(attrs)[:3] == ("completed", 2, 1), attrs["errors_log"]
    # an integer with a fraction is still an error of its item, naming the attribute
    assert attrs["errors_log"] == {"K2": {"pieces_per_pack": ["must be an integer"]}}
    skus = {s["attributes"]["code"]: s["attributes"] for s in list_all(api, "/api/skus")}
    assert {code: attrs["weight"] for code, attrs in skus.items()} == {"K1": 0.5, "K3": 2.5}
    assert skus["K1"]["pieces_per_pack"] == 6


def test_an_unmapped_column_keeps_commerce_layers_reading_of_numbers(api):
    inputs = [{"code": "K1", "name": "Kaffee", "weight": "0,5", "do_not_ship": True}]
    attrs = run_import(api, "skus", inputs, skip_errors=True)
    assert attrs["errors_log"] == {"K1": {"weight": ["is not a number"]}}
