"""From a supplier's file to the catalog, as a person does it: analyse the file, save the
suggested mapping (adjusted) in an import profile, import the analysed file through the
profile, and read the records back through the API.

Each journey uses a real file of its own kind, written here: a semicolon CSV in Windows-1252
with German headers, a UTF-16 TSV with decimal commas, an XLSX with two sheets, dates, numbers
and formulas, and NDJSON; the CSV and the NDJSON also gzipped.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any

import pytest

from tests.support import factories
from tests.support.files import xlsx
from tests.support.jobs import run_to_end


def analyse(api, name: str, content: bytes, resource_type: str, **fields: str) -> dict:
    response = api.post(
        "/api/import_analyses",
        files={"file": (name, content)},
        data={"resource_type": resource_type, **fields},
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]


def columns(analysis: dict) -> dict[str, tuple[str, str | None, str]]:
    """column -> (inferred type, suggested attribute, match)."""
    return {
        c["name"]: (c["inferred_type"], c["suggested_attribute"], c["match"])
        for c in analysis["attributes"]["columns"]
    }


def profile(api, **attributes: Any) -> str:
    body = {"data": {"type": "import_profiles", "attributes": attributes}}
    response = api.post("/api/import_profiles", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


def import_analysed(api, analysis_id: str, profile_id: str) -> dict:
    attributes = {"import_analysis_id": analysis_id, "import_profile_id": profile_id}
    body = {"data": {"type": "imports", "attributes": attributes}}
    response = api.post("/api/imports", json=body, params={"include": "import_profile"})
    assert response.status_code == 201, response.text
    document = response.json()
    linkage = document["data"]["relationships"]["import_profile"]["data"]
    assert linkage == {"type": "import_profiles", "id": profile_id}
    assert document["included"][0]["attributes"]["name"]
    return run_to_end(api, "imports", document["data"]["id"])


def records(api, path: str, key: str) -> dict[str, dict]:
    response = api.get(path, params={"page[size]": 25})
    assert response.status_code == 200, response.text
    return {d["attributes"][key]: d for d in response.json()["data"]}


GERMAN_SKUS = (
    "Artikelnummer;Bezeichnung;Beschreibung;Gewicht;Stück pro Packung;Versand\r\n"
    "KAFFEE-500;Kaffee, gemahlen;Röstkaffee aus Äthiopien;0,5;6;ja\r\n"
    "TEE-GRÜN;Grüner Tee;Sencha „Premium“;0,1;12;ja\r\n"
    "GUTSCHEIN;Geschenkgutschein;;0;1;nein\r\n"
)


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzipped"])
def test_windows_1252_semicolon_csv_with_german_headers(api, gzipped):
    category = factories.shipping_category(api, code="PAKET")
    raw = GERMAN_SKUS.encode("cp1252")
    name = "artikel.csv.gz" if gzipped else "artikel.csv"
    analysis = analyse(api, name, gzip.compress(raw) if gzipped else raw, "skus")
    attrs = analysis["attributes"]
    assert (attrs["file_type"], attrs["encoding"], attrs["delimiter"]) == ("csv", "cp1252", ";")
    assert (attrs["total_rows"], attrs["problems"]) == (3, [])
    assert columns(analysis) == {
        "Artikelnummer": ("string", "code", "alias"),
        "Bezeichnung": ("string", "name", "alias"),
        "Beschreibung": ("string", "description", "alias"),
        "Gewicht": ("number", "weight", "alias"),
        "Stück pro Packung": ("integer", "pieces_per_pack", "alias"),
        "Versand": ("boolean", None, "none"),  # ja/nein: close to `versandart`, but no code
    }
    assert attrs["suggested_mapping"] == {
        "Artikelnummer": "code",
        "Bezeichnung": "name",
        "Beschreibung": "description",
        "Gewicht": "weight",
        "Stück pro Packung": "pieces_per_pack",
    }
    assert attrs["preview_rows"][1]["Bezeichnung"] == "Grüner Tee"
    # The person keeps the suggestion, adds what it could not know, and saves it for tomorrow.
    mapping = {
        **attrs["suggested_mapping"],
        "Gewicht": {"to": "weight", "trim": True},
        "Versand": {"to": "do_not_ship", "map": {"ja": False, "nein": True}},
    }
    profile_id = profile(
        api,
        name="Kaffeehaus nightly",
        resource_type="skus",
        mapping=mapping,
        defaults={"shipping_category_code": "PAKET"},
    )
    done = import_analysed(api, analysis["id"], profile_id)
    assert (done["status"], done["created_count"], done["errors_log"]) == ("completed", 3, {})
    assert (done["source_file_name"], done["source_format"]) == (name, "csv")
    skus = records(api, "/api/skus?include=shipping_category", "code")
    assert set(skus) == {"KAFFEE-500", "TEE-GRÜN", "GUTSCHEIN"}
    coffee = skus["KAFFEE-500"]
    assert coffee["attributes"]["name"] == "Kaffee, gemahlen"
    assert coffee["attributes"]["description"] == "Röstkaffee aus Äthiopien"
    assert (coffee["attributes"]["weight"], coffee["attributes"]["pieces_per_pack"]) == (0.5, 6)
    assert coffee["attributes"]["do_not_ship"] is False
    assert coffee["relationships"]["shipping_category"]["data"]["id"] == category["id"]
    assert skus["TEE-GRÜN"]["attributes"]["description"] == "Sencha „Premium“"
    assert skus["GUTSCHEIN"]["attributes"]["do_not_ship"] is True


def test_utf16_tsv_of_prices_in_euros_with_decimal_commas(api):
    factories.sku(api, code="KAFFEE-500")
    factories.sku(api, code="TEE-GRUEN")
    plist = factories.price_list(api, code="EUR-DE")
    text = "SKU\tPreis\tStreichpreis\nKAFFEE-500\t12,50\t15,00\nTEE-GRUEN\t4,99\t\n"
    analysis = analyse(api, "preise.tsv", text.encode("utf-16"), "prices")
    attrs = analysis["attributes"]
    assert (attrs["file_type"], attrs["delimiter"], attrs["total_rows"]) == ("tsv", "\t", 2)
    assert attrs["encoding"].startswith("utf-16")
    assert columns(analysis) == {
        "SKU": ("string", "sku_code", "alias"),
        "Preis": ("number", "amount_cents", "alias"),
        "Streichpreis": ("number", "compare_at_amount_cents", "alias"),
    }
    # The price list is no column: the profile gives it as the import's parent.
    assert attrs["unmapped_required"] == ["price_list_code"]
    profile_id = profile(
        api,
        name="Preise EUR",
        resource_type="prices",
        parent_resource_id=plist["id"],
        mapping={
            "SKU": "sku_code",
            "Preis": {"to": "amount_cents", "scale": 100},
            "Streichpreis": {"to": "compare_at_amount_cents", "scale": 100},
        },
    )
    done = import_analysed(api, analysis["id"], profile_id)
    assert (done["status"], done["created_count"], done["errors_log"]) == ("completed", 2, {})
    assert done["parent_resource_id"] == plist["id"]  # the profile's
    prices = records(api, f"/api/price_lists/{plist['id']}/prices", "sku_code")
    assert prices["KAFFEE-500"]["attributes"]["amount_cents"] == 1250
    assert prices["KAFFEE-500"]["attributes"]["compare_at_amount_cents"] == 1500
    assert prices["TEE-GRUEN"]["attributes"]["amount_cents"] == 499
    assert prices["TEE-GRUEN"]["attributes"]["compare_at_amount_cents"] is None


def test_xlsx_with_two_sheets_dates_numbers_and_formulas(api):
    location = factories.stock_location(api, code="LAGER-NORD")
    for code in ("KAFFEE-500", "TEE-GRUEN"):
        factories.sku(api, code=code)
    book = xlsx(
        {
            "Hinweise": [["Stand der Liste", dt.date(2026, 12, 4)], ["Ansprechpartner", "Frau M."]],
            "Bestand": [
                ["Lager", "Artikel", "Menge", "Zuletzt gezählt", "Preis"],
                ["LAGER-NORD", "KAFFEE-500", 40, dt.date(2026, 12, 1), 12.5],
                ["LAGER-NORD", "TEE-GRUEN", ("=40+2", 42), dt.date(2026, 12, 2), 4.99],
            ],
        }
    )
    first = analyse(api, "bestand.xlsx", book, "stock_items")
    assert first["attributes"]["sheet_names"] == ["Hinweise", "Bestand"]
    assert first["attributes"]["sheet"] == "Hinweise"  # the first sheet unless one is named
    analysis = analyse(api, "bestand.xlsx", book, "stock_items", sheet="Bestand")
    attrs = analysis["attributes"]
    assert (attrs["file_type"], attrs["sheet"], attrs["total_rows"]) == ("xlsx", "Bestand", 2)
    assert columns(analysis) == {
        "Lager": ("string", "stock_location_code", "alias"),
        "Artikel": ("string", "sku_code", "alias"),
        "Menge": ("integer", "quantity", "alias"),
        "Zuletzt gezählt": ("date", None, "none"),
        "Preis": ("number", None, "none"),
    }
    by_name = {c["name"]: c for c in attrs["columns"]}
    assert by_name["Menge"]["sample_values"] == ["40", "42"]  # the formula's cached value
    assert by_name["Zuletzt gezählt"]["sample_values"] == ["2026-12-01", "2026-12-02"]
    profile_id = profile(
        api,
        name="Bestand Nord",
        resource_type="stock_items",
        mapping={**attrs["suggested_mapping"], "Zuletzt gezählt": None, "Preis": None},
    )
    done = import_analysed(api, analysis["id"], profile_id)
    assert (done["status"], done["created_count"], done["warnings_count"]) == ("completed", 2, 0)
    assert (done["source_format"], done["source_sheet"]) == ("xlsx", "Bestand")
    items = records(api, f"/api/stock_locations/{location['id']}/stock_items", "sku_code")
    assert {code: i["attributes"]["quantity"] for code, i in items.items()} == {
        "KAFFEE-500": 40,
        "TEE-GRUEN": 42,
    }


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzipped"])
def test_ndjson_of_customers_suggested_by_their_values(api, gzipped):
    group = factories.customer_group(api, code="HAENDLER")
    lines = [
        {"Kontakt": "einkauf@kaffeehaus.example", "Gruppe": "HAENDLER", "Kundennummer": 1001},
        {"Kontakt": "Info@Teeladen.example", "Gruppe": "HAENDLER", "Kundennummer": 1002},
    ]
    raw = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
    name = "kunden.ndjson.gz" if gzipped else "kunden.ndjson"
    analysis = analyse(api, name, gzip.compress(raw) if gzipped else raw, "customers")
    attrs = analysis["attributes"]
    assert (attrs["file_type"], attrs["total_rows"]) == ("ndjson", 2)
    assert columns(analysis) == {
        "Kontakt": ("string", "email", "values"),
        "Gruppe": ("string", "customer_group_code", "alias"),
        "Kundennummer": ("integer", None, "none"),
    }
    assert attrs["unmapped_required"] == []
    profile_id = profile(
        api,
        name="Händler",
        resource_type="customers",
        mapping={**attrs["suggested_mapping"], "Kundennummer": "shopper_reference"},
    )
    done = import_analysed(api, analysis["id"], profile_id)
    assert (done["status"], done["created_count"], done["errors_log"]) == ("completed", 2, {})
    customers = records(api, "/api/customers", "email")
    assert set(customers) == {"einkauf@kaffeehaus.example", "info@teeladen.example"}
    shop = customers["info@teeladen.example"]
    assert shop["attributes"]["shopper_reference"] == "1002"
    assert shop["relationships"]["customer_group"]["data"]["id"] == group["id"]
