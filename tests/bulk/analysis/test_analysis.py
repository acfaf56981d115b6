"""POST /api/import_analyses: a file's format, columns, types, problems and suggested mapping,
read through the API as a client sees them; then an import of the analysed file."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from bulk import maintenance
from bulk.imports.mapping import compile_mapping
from core.storage import storage_for
from resources import REGISTRY
from tests.bulk.imports.test_upload import skus
from tests.support.api import make_org, sales_channel, sql
from tests.support.files import xlsx
from tests.support.jobs import run_to_end

GERMAN = (
    "Artikelnummer;Bezeichnung;Preis;Gewicht;Menge;Versandkategorie;Notiz\r\n"
    "KAFFEE;Café crème;12,50;0,25;10;STANDARD;\r\n"
    "TEE;Grüner Tee;4,99;0,1;20;STANDARD;neu\r\n"
    "MATE;Maté;3;1;5;STANDARD;\r\n"
)


def analyse(api, name: str, content: bytes, resource_type: str | None = "skus", **fields):
    data = {**({"resource_type": resource_type} if resource_type else {}), **fields}
    return api.post("/api/import_analyses", files={"file": (name, content)}, data=data)


def analysed(api, name: str, content: bytes, **fields) -> dict:
    response = analyse(api, name, content, **fields)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    return {"id": data["id"], **data["attributes"]}


def columns(attrs: dict) -> dict[str, dict]:
    return {c["name"]: c for c in attrs["columns"]}


def test_a_german_semicolon_csv_in_windows_1252(api):
    attrs = analysed(api, "artikel.csv", GERMAN.encode("cp1252"))
    assert (attrs["file_name"], attrs["file_type"]) == ("artikel.csv", "csv")
    assert not {"inputs", "format", "attachment_key"} & set(attrs)
    assert (attrs["encoding"], attrs["delimiter"], attrs["total_rows"]) == ("cp1252", ";", 3)
    assert attrs["file_size"] == len(GERMAN.encode("cp1252"))
    assert attrs["suggested_mapping"] == {
        "Artikelnummer": "code",
        "Bezeichnung": "name",
        "Gewicht": "weight",
        "Versandkategorie": "shipping_category_code",
    }
    found = columns(attrs)
    assert {n: c["inferred_type"] for n, c in found.items()} == {
        "Artikelnummer": "string", "Bezeichnung": "string", "Preis": "number",
        "Gewicht": "number", "Menge": "integer", "Versandkategorie": "string", "Notiz": "string",
    }  # fmt: skip
    assert found["Bezeichnung"]["sample_values"] == ["Café crème", "Grüner Tee", "Maté"]
    assert (found["Notiz"]["total_values"], found["Notiz"]["empty_count"]) == (3, 2)
    assert found["Versandkategorie"]["unique_count"] == 1
    assert (found["Artikelnummer"]["match"], found["Artikelnummer"]["confidence"]) == (
        "alias", 0.95,
    )  # fmt: skip
    assert found["Notiz"]["match"] == "none"
    assert attrs["preview_rows"][1]["Bezeichnung"] == "Grüner Tee"
    assert attrs["unmapped_required"] == []
    assert attrs["problems"] == []
    # every suggestion is a target an import's mapping accepts
    compile_mapping(REGISTRY["skus"], attrs["suggested_mapping"])


def test_prices_and_stock_items_from_german_headers(api):
    text = GERMAN.encode("cp1252")
    prices = analysed(api, "preise.csv", text, resource_type="prices")
    assert prices["suggested_mapping"] == {"Artikelnummer": "sku_code", "Preis": "amount_cents"}
    assert prices["unmapped_required"] == ["price_list_code"]
    stock = analysed(api, "lager.csv", text, resource_type="stock_items")
    assert stock["suggested_mapping"] == {"Artikelnummer": "sku_code", "Menge": "quantity"}
    assert stock["unmapped_required"] == ["stock_location_code"]


def test_exact_names_and_fuzzy_ones(api):
    text = b"code,Name,descripton,pieces per pack\nA,a,b,1\n"
    found = columns(analysed(api, "skus.csv", text))
    assert (found["code"]["match"], found["code"]["confidence"]) == ("exact", 1.0)
    assert (found["Name"]["suggested_attribute"], found["Name"]["match"]) == ("name", "exact")
    assert found["pieces per pack"]["match"] == "exact"
    assert (found["descripton"]["suggested_attribute"], found["descripton"]["match"]) == (
        "description", "fuzzy",
    )  # fmt: skip
    assert 0.8 < found["descripton"]["confidence"] < 0.95


def test_a_utf16_tsv(api):
    text = "code\tname\tdo_not_ship\nTEE\tGrüner Tee\ttrue\nMATE\tMate, kalt\tfalse\n"
    attrs = analysed(api, "tee.tsv", text.encode("utf-16"))
    assert (attrs["file_type"], attrs["encoding"], attrs["delimiter"]) == ("tsv", "utf-16", "\t")
    assert {c["name"]: c["inferred_type"] for c in attrs["columns"]} == {
        "code": "string", "name": "string", "do_not_ship": "boolean",
    }  # fmt: skip
    assert attrs["preview_rows"] == [
        {"code": "TEE", "name": "Grüner Tee", "do_not_ship": "true"},
        {"code": "MATE", "name": "Mate, kalt", "do_not_ship": "false"},
    ]


def test_an_xlsx_with_two_sheets_dates_numbers_and_formulas(api):
    book = xlsx(
        {
            "Notes": [["hello"]],
            "Artikel": [
                ["Artikelnummer", "Bezeichnung", "Stück pro Packung", "Gewicht", "Seit"],
                ["A1", "Apfel", 12.0, 0.25, dt.date(2026, 12, 4)],
                ["B2", "Birne", "=1+2", 1, dt.date(2026, 12, 5)],
            ],
        }
    )
    attrs = analysed(api, "liste.xlsx", book, sheet="Artikel")
    assert (attrs["file_type"], attrs["sheet"]) == ("xlsx", "Artikel")
    assert attrs["sheet_names"] == ["Notes", "Artikel"]
    assert (attrs["encoding"], attrs["delimiter"], attrs["total_rows"]) == (None, None, 2)
    found = columns(attrs)
    assert {n: c["inferred_type"] for n, c in found.items()} == {
        "Artikelnummer": "string", "Bezeichnung": "string", "Stück pro Packung": "integer",
        "Gewicht": "number", "Seit": "date",
    }  # fmt: skip
    assert found["Stück pro Packung"]["sample_values"] == ["12", "3"]  # the formula's value
    assert attrs["suggested_mapping"] == {
        "Artikelnummer": "code", "Bezeichnung": "name", "Stück pro Packung": "pieces_per_pack",
        "Gewicht": "weight",
    }  # fmt: skip
    first = analysed(api, "liste.xlsx", book)
    assert (first["sheet"], first["total_rows"]) == ("Notes", 0)


def test_ndjson_and_a_gzipped_file(api):
    lines = [
        {"code": "N1", "name": "one", "weight": 1.5, "rules": {"a": 1}},
        {"code": "N2", "name": "two", "weight": 2},
    ]
    text = "\n".join(json.dumps(line) for line in lines).encode()
    for name, content in (("dump.ndjson", text), ("dump.ndjson.gz", gzip.compress(text))):
        attrs = analysed(api, name, content)
        assert (attrs["file_type"], attrs["total_rows"], attrs["file_name"]) == (
            "ndjson", 2, name,
        )  # fmt: skip
        assert attrs["file_size"] == len(content)
        found = columns(attrs)
        assert {n: c["inferred_type"] for n, c in found.items()} == {
            "code": "string", "name": "string", "weight": "number", "rules": "json",
        }  # fmt: skip
        assert found["rules"]["total_values"] == 1
        assert attrs["preview_rows"] == lines
        assert attrs["suggested_mapping"] == {"code": "code", "name": "name", "weight": "weight"}


def test_json_inputs(api):
    body = {
        "data": {
            "type": "import_analyses",
            "attributes": {
                "resource_type": "customers",
                "format": "json",
                "inputs": [{"Kontakt": "a@example.com"}, {"Kontakt": "b@example.org"}],
            },
        }
    }
    response = api.post("/api/import_analyses", json=body)
    assert response.status_code == 201, response.text
    attrs = response.json()["data"]["attributes"]
    assert (attrs["file_type"], attrs["file_name"], attrs["total_rows"]) == ("json", None, 2)
    assert attrs["suggested_mapping"] == {"Kontakt": "email"}
    assert columns(attrs)["Kontakt"]["match"] == "values"
    assert attrs["unmapped_required"] == []
    body["data"]["attributes"].update(format="csv", inputs="Menge,Lager\n1,WH\n")
    body["data"]["attributes"]["resource_type"] = "stock_items"
    response = api.post("/api/import_analyses", json=body)
    assert response.status_code == 201, response.text
    attrs = response.json()["data"]["attributes"]
    assert attrs["file_type"] == "csv"
    assert attrs["suggested_mapping"] == {"Menge": "quantity", "Lager": "stock_location_code"}
    assert attrs["unmapped_required"] == ["sku_code"]


def test_nested_children_in_json_are_read_as_they_are(api):
    items = [{"sku_code": "A", "price_list_code": "L", "amount_cents": 100,
              "price_tiers": [{"name": "ten", "up_to": 10, "price_amount_cents": 90}]}]  # fmt: skip
    body = {
        "data": {
            "type": "import_analyses",
            "attributes": {"resource_type": "prices", "format": "json", "inputs": items},
        }
    }
    response = api.post("/api/import_analyses", json=body)
    assert response.status_code == 201, response.text
    attrs = response.json()["data"]["attributes"]
    tiers = columns(attrs)["price_tiers"]
    assert (tiers["inferred_type"], tiers["match"], tiers["suggested_attribute"]) == (
        "json", "exact", "price_tiers",
    )  # fmt: skip
    assert "price_tiers" not in attrs["suggested_mapping"]  # nothing to rename
    assert attrs["unmapped_required"] == []


def test_sales_channels_cannot_analyse(app, org):
    response = sales_channel(app, org.slug).post(
        "/api/import_analyses", files={"file": ("a.csv", b"a\n1\n")}, data={}
    )
    assert response.status_code == 401, response.text


def test_json_inputs_that_do_not_fit_their_format_are_422(api):
    for attributes, pointer in (
        ({"format": "csv", "inputs": [{"a": 1}]}, "inputs"),
        ({"format": "json", "inputs": "a\n1\n"}, "inputs"),
        ({"format": "xml", "inputs": "<a/>"}, "format"),
        ({"format": "csv"}, "inputs"),
        ({"format": "json", "inputs": "[1, 2]"}, "inputs"),
    ):
        body = {"data": {"type": "import_analyses", "attributes": attributes}}
        response = api.post("/api/import_analyses", json=body)
        assert response.status_code == 422, (attributes, response.text)
        assert response.json()["errors"][0]["source"]["pointer"] == f"/data/attributes/{pointer}"


def test_distinct_values_past_10000_are_estimated(api):
    rows = "".join(f"C{n},{n % 7},{'' if n % 1000 == 999 else n}\n" for n in range(25_000))
    text = f"code,name,ean\n{rows}C,0,not a number\n"
    found = columns(analysed(api, "many.csv", text.encode()))
    assert found["name"]["unique_count"] == 7 and found["name"]["unique_count_exact"]
    assert not found["code"]["unique_count_exact"]
    assert 22_500 < found["code"]["unique_count"] < 27_500  # within 10%
    assert found["code"]["total_values"] == 25_001
    # past the exact count every value is still typed and every empty cell counted
    assert (found["ean"]["inferred_type"], found["ean"]["empty_count"]) == ("string", 25)


def test_values_suggest_currency_codes_and_emails(api):
    text = b"Liste,Waehrung X,Ansprechpartner\nEU,EUR,x@example.com\nUS,USD,y@example.com\n"
    attrs = analysed(api, "lists.csv", text, resource_type="gift_cards")
    found = columns(attrs)
    assert (found["Waehrung X"]["suggested_attribute"], found["Waehrung X"]["match"]) == (
        "currency_code", "values",
    )  # fmt: skip
    assert found["Waehrung X"]["confidence"] == 0.8
    attrs = analysed(api, "people.csv", text, resource_type="customers")
    assert attrs["suggested_mapping"] == {"Ansprechpartner": "email"}


def test_problems_name_their_line_and_column(api):
    text = (
        "code,name,code,,weight\n"
        "A,a,x,y,1\n"
        "B,b,x,y\n"  # a cell short
        'C,"never closed,x,y,1\n'
        "D,d,x,y,1\n"
    )
    attrs = analysed(api, "bad.csv", text.encode())
    problems = [(p["code"], p["line"], p["column"]) for p in attrs["problems"]]
    assert problems == [
        ("DUPLICATE_HEADER", 1, "code_3"),
        ("EMPTY_HEADER", 1, "column_4"),
        ("CSV_INCONSISTENT_RECORD_LENGTH", 3, None),
        ("CSV_UNBALANCED_QUOTE", 4, None),
    ]
    assert attrs["problems_count"] == 4
    assert attrs["problems"][0]["detail"] == (
        'column 3 of the header repeats an earlier name: read as "code_3"'
    )
    assert attrs["problems"][2]["detail"] == "expected 5 cells, found 4"
    assert all(p["hint"] for p in attrs["problems"])
    assert "twice" in attrs["problems"][3]["hint"]
    assert [c["name"] for c in attrs["columns"]] == ["code", "name", "code_3", "column_4", "weight"]
    assert attrs["total_rows"] == 3  # the unclosed quote swallows the rest of the file


def test_replaced_characters_and_many_problems_are_capped(api):
    # past the 64 kB the encoding is detected from: UTF-8 there, not at the end
    rows = "".join(f"R{n},{'x' * 300}\n" if n % 2 else f"R{n}\n" for n in range(600))
    raw = ("code,name\n" + rows).encode() + b"Z,\xff\xfe\n"
    attrs = analysed(api, "many.csv", raw)
    assert (attrs["encoding"], attrs["problems_count"]) == ("utf-8", 301)
    assert len(attrs["problems"]) == 100
    assert attrs["problems"][0]["code"] == "ENCODING_REPLACED"
    assert attrs["problems"][0]["line"] == 602
    assert "2 characters" in attrs["problems"][0]["detail"]


@pytest.mark.parametrize(
    ("name", "content", "detail"),
    [
        ("prices.csv", b"\x89PNG\r\n\x1a\n" + bytes(100), "file - is a PNG image, not a CSV file"),
        ("p.xlsx", b"PK\x03\x04" + bytes(100), "file - is a damaged ZIP archive, not a XLSX file"),
        ("empty.csv", b"\n\n", "file - is empty"),
    ],
)
def test_a_file_that_is_not_tabular_is_a_422(api, name, content, detail):
    response = analyse(api, name, content)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["detail"] == detail


def test_an_unknown_resource_type_is_a_422(api):
    response = analyse(api, "a.csv", b"a\n1\n", resource_type="nope")
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/resource_type"
    attrs = analysed(api, "a.csv", b"a\n1\n", resource_type=None)
    assert (attrs["suggested_mapping"], attrs["columns"][0].get("match")) == (None, None)


def test_a_file_over_the_limit_is_413(small_limit_app):
    api = make_org(small_limit_app, "acme").api
    response = analyse(api, "big.csv", b"code,name\n" + b"A,b\n" * 300)
    assert response.status_code == 413
    assert "1000 bytes" in response.json()["errors"][0]["detail"]


def test_an_import_of_the_analysed_file(api, other_org):
    book = xlsx(
        {
            "Notes": [["hello"]],
            "Artikel": [["Artikelnummer", "Bezeichnung", "Versand"], ["X1", "Eins", "nein"]],
        }
    )
    analysis = analysed(api, "liste.xlsx", book, sheet="Artikel")
    mapping = {**analysis["suggested_mapping"], "Versand": {"to": "do_not_ship",
                                                            "map": {"nein": True}}}  # fmt: skip
    body = {
        "data": {
            "type": "imports",
            "attributes": {
                "resource_type": "skus",
                "import_analysis_id": analysis["id"],
                "mapping": mapping,
            },
        }
    }
    response = api.post("/api/imports", json=body)
    assert response.status_code == 201, response.text
    attrs = run_to_end(api, "imports", response.json()["data"]["id"])
    assert (attrs["status"], attrs["created_count"], attrs["errors_log"]) == ("completed", 1, {})
    assert (attrs["source_file_name"], attrs["source_sheet"]) == ("liste.xlsx", "Artikel")
    assert attrs["import_analysis_id"] == analysis["id"]
    assert (skus(api)["X1"]["name"], skus(api)["X1"]["do_not_ship"]) == ("Eins", True)
    # another organization's analysis is not one, nor is one beside a file of its own
    response = other_org.api.post("/api/imports", json=body)
    assert response.status_code == 422
    pointer = "/data/attributes/import_analysis_id"
    assert response.json()["errors"][0]["source"]["pointer"] == pointer
    response = api.post(
        "/api/imports", files={"file": ("a.csv", b"code\nA\n")},
        data={"resource_type": "skus", "import_analysis_id": analysis["id"]},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["pointer"] == pointer


def test_expired_analyses_are_404_and_swept_with_their_file(app, api, settings):
    analysis = analysed(api, "a.csv", b"code,name\nA,a\n")
    [(key,)] = sql(app, "SELECT attachment_key FROM import_analyses")
    storage = storage_for(settings)
    assert storage.get(key) is not None
    assert api.get(f"/api/import_analyses/{analysis['id']}").status_code == 200
    past = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
    sql(app, "UPDATE import_analyses SET expires_at = :past", past=past)
    assert api.get(f"/api/import_analyses/{analysis['id']}").status_code == 404
    assert api.get("/api/import_analyses").json()["data"] == []
    body = {
        "data": {
            "type": "imports",
            "attributes": {"resource_type": "skus", "import_analysis_id": analysis["id"]},
        }
    }
    assert api.post("/api/imports", json=body).status_code == 422
    assert maintenance.delete_expired_analyses(app.state.engine, settings) == 1
    assert sql(app, "SELECT id FROM import_analyses") == []
    assert storage.get(key) is None


def test_delete_removes_the_analysis(app, api, settings):
    analysis = analysed(api, "a.csv", b"code,name\nA,a\n")
    [(key,)] = sql(app, "SELECT attachment_key FROM import_analyses")
    body = {"data": {"type": "import_analyses", "id": analysis["id"], "attributes": {}}}
    assert api.patch(f"/api/import_analyses/{analysis['id']}", json=body).status_code == 403
    assert api.delete(f"/api/import_analyses/{analysis['id']}").status_code == 204
    assert api.get(f"/api/import_analyses/{analysis['id']}").status_code == 404
    assert storage_for(settings).get(key) is None
