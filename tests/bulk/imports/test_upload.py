"""POST /api/imports with a multipart file: formats, encodings and sheets detected, the file's
items imported through the API's documents, and bad files answered with what is wrong."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest

from fileformats import sheets
from tests.support.api import make_org
from tests.support.files import xlsx
from tests.support.jobs import download, hold_jobs, run_to_end
from tests.support.layout import ROOT

SKU_HEADER = ["code", "name", "pieces_per_pack", "weight", "do_not_ship", "description"]


def post_file(api, name: str, content: bytes, resource_type: str = "skus", **fields):
    data = {"resource_type": resource_type, **fields}
    return api.post("/api/imports", files={"file": (name, content)}, data=data)


def upload(api, name: str, content: bytes, **fields) -> dict:
    response = post_file(api, name, content, **fields)
    assert response.status_code == 201, response.text
    return run_to_end(api, "imports", response.json()["data"]["id"])


def skus(api) -> dict[str, dict]:
    response = api.get("/api/skus", params={"page[size]": 25, "sort": "code"})
    return {d["attributes"]["code"]: d["attributes"] for d in response.json()["data"]}


def test_semicolon_csv_in_windows_1252(api):
    text = "code;name;pieces_per_pack;do_not_ship\r\nKAFFEE;Café crème à l'œuf;6;true\r\n"
    attrs = upload(api, "artikel.csv", text.encode("cp1252"))
    assert (attrs["status"], attrs["created_count"], attrs["errors_log"]) == ("completed", 1, {})
    assert (attrs["source_file_name"], attrs["source_format"]) == ("artikel.csv", "csv")
    assert attrs["source_file_size"] == len(text.encode("cp1252"))
    assert skus(api)["KAFFEE"]["name"] == "Café crème à l'œuf"
    assert skus(api)["KAFFEE"]["pieces_per_pack"] == 6


def test_utf16_tsv_gzipped_and_its_attachment_is_the_original(api):
    text = "code\tname\tdo_not_ship\nTEE\tGrüner Tee\ttrue\nMATE\tMate, kalt\ttrue\n"
    raw = text.encode("utf-16")
    attrs = upload(api, "tee.tsv.gz", gzip.compress(raw))
    assert (attrs["status"], attrs["created_count"], attrs["inputs_size"]) == ("completed", 2, 2)
    assert attrs["source_format"] == "tsv"
    assert skus(api)["MATE"]["name"] == "Mate, kalt"
    assert gzip.decompress(download(api, attrs["attachment_url"])) == raw


@pytest.fixture(params=["calamine", "streamed"])
def xlsx_reader(request, monkeypatch) -> str:
    """Both ways an XLSX is read: calamine in memory, and openpyxl streaming a big sheet."""
    if request.param == "streamed":
        monkeypatch.setattr(sheets, "STREAM_ABOVE", 0)
    return request.param


def broken_xlsx(rows: int = 50) -> bytes:
    """A real workbook whose sheet XML is cut off halfway."""
    body = [[f"C{n}", "b"] for n in range(rows)]
    good = zipfile.ZipFile(io.BytesIO(xlsx({"Eins": [["code", "name"], *body]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as broken:
        for info in good.infolist():
            data = good.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            broken.writestr(info, data)
    return out.getvalue()


def test_xlsx_second_sheet_with_dates_numbers_and_formulas(api, xlsx_reader):
    book = xlsx(
        {
            "Ignore": [["code", "name"], ["NOPE", "not this sheet"]],
            "Artikel": [
                ["code", "name", "pieces_per_pack", "weight", "do_not_ship", "description"],
                ["A1", "Apfel", 12.0, 0.25, True, dt.date(2026, 12, 4)],
                ["B2", "Birne", "=1+2", 1, True, "plain"],
            ],
        }
    )
    attrs = upload(api, "lieferant.xlsx", book, sheet="Artikel")
    assert (attrs["status"], attrs["created_count"], attrs["errors_log"]) == ("completed", 2, {})
    assert attrs["source_format"] == "xlsx"
    found = skus(api)
    assert "NOPE" not in found
    assert (found["A1"]["pieces_per_pack"], found["A1"]["weight"]) == (12, 0.25)
    assert found["A1"]["description"].startswith("2026-12-04")
    assert found["B2"]["pieces_per_pack"] == 3  # the formula's cached value


def test_ndjson_with_an_error_naming_its_line(api):
    lines = [
        json.dumps({"code": "N1", "name": "one", "do_not_ship": True}),
        "",
        "{not json",
        json.dumps({"code": "N2", "name": "two", "do_not_ship": True}),
    ]
    attrs = upload(api, "dump.ndjson", "\n".join(lines).encode(), skip_errors="true")
    assert (attrs["created_count"], attrs["errors_count"]) == (2, 1)
    assert attrs["source_format"] == "ndjson"
    [(key, messages)] = attrs["errors_log"].items()
    assert key == "3"
    assert messages["base"][0].startswith("line 3: is not valid JSON")


def test_unbalanced_quote_names_its_line(api):
    text = 'code,name,do_not_ship\nQ1,ok,true\nQ2,"never closed,true\nQ3,lost,true\n'
    attrs = upload(api, "quotes.csv", text.encode(), skip_errors="true")
    assert attrs["created_count"] == 1
    messages = [m for entry in attrs["errors_log"].values() for m in entry["base"]]
    assert messages == ["line 3: a quoted cell is not closed before the end of the file"]


def test_more_than_10000_rows(api):
    rows = "".join(f"SKU{n:05d},Artikel {n},true\n" for n in range(12_000))
    attrs = upload(api, "big.csv", ("code,name,do_not_ship\n" + rows).encode())
    assert (attrs["status"], attrs["inputs_size"], attrs["created_count"]) == (
        "completed", 12_000, 12_000,
    )  # fmt: skip
    response = api.get("/api/skus", params={"filter[q][code_eq]": "SKU11999"})
    assert len(response.json()["data"]) == 1


def test_form_fields_are_coerced_and_checked(api):
    response = post_file(api, "x.csv", b"code,name\nA,a\n", metadata="{not json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/metadata"
    response = post_file(api, "x.csv", b"code,name\nA,a\n", inputs="[]")
    assert response.status_code == 422
    assert "the file holds the inputs" in response.json()["errors"][0]["detail"]


def test_a_file_is_required(api):
    response = api.post("/api/imports", data={"resource_type": "skus"}, files={"x": ("a", b"")})
    assert response.status_code == 400
    assert "`file`" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("name", "content", "detail"),
    [
        ("prices.csv", b"\x89PNG\r\n\x1a\n" + bytes(100), "file - is a PNG image, not a CSV file"),
        (
            "prices.xlsx",
            b"PK\x03\x04" + bytes(100),
            "file - is a damaged ZIP archive, not a XLSX file",
        ),
        ("empty.csv", b"\n\n", "file - is empty"),
        ("dup.csv", b"code,name,code\nA,b,c\n", "file - line 1: the header repeats code"),
        ("two.xlsx", None, "file - has no sheet named 'Nope' (its sheets: One)"),
    ],
)
def test_bad_files_are_422_naming_the_problem(api, name, content, detail):
    fields = {}
    if content is None:
        content, fields = xlsx({"One": [["code"], ["A"]]}), {"sheet": "Nope"}
    response = post_file(api, name, content, **fields)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["detail"] == detail


def test_a_file_over_the_limit_is_413(small_limit_app):
    api = make_org(small_limit_app, "acme").api
    response = post_file(api, "big.csv", b"code,name\n" + b"A,b\n" * 300)
    assert response.status_code == 413
    assert "1000 bytes" in response.json()["errors"][0]["detail"]


def test_a_broken_xlsx_is_422_naming_it(api):
    response = post_file(api, "lieferant.xlsx", broken_xlsx())
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["source"] == {"pointer": "/data/attributes/file"}
    assert error["detail"].startswith("file - is a damaged spreadsheet (")


def test_a_big_xlsx_broken_past_its_header_interrupts_its_import(api, monkeypatch):
    # A streamed sheet is read to its end by the worker only: the upload saw a good header.
    monkeypatch.setattr(sheets, "STREAM_ABOVE", 0)
    response = post_file(api, "lieferant.xlsx", broken_xlsx(rows=3000))
    assert response.status_code == 201, response.text
    attrs = run_to_end(api, "imports", response.json()["data"]["id"])
    assert attrs["status"] == "interrupted"
    (message,) = attrs["errors_log"]["base"]["file"]
    assert message.startswith("the file is a damaged spreadsheet (")


def test_xls_fixture(api):
    # fixtures/uploads/skus.xls: written once by xlwt (Excel 97 BIFF8), committed as is
    content = (ROOT / "fixtures" / "uploads" / "skus.xls").read_bytes()
    attrs = upload(api, "skus.xls", content)
    assert (attrs["status"], attrs["created_count"], attrs["source_format"]) == (
        "completed", 2, "xls",
    )  # fmt: skip
    found = skus(api)
    assert (found["XLS1"]["pieces_per_pack"], found["XLS1"]["weight"]) == (24, 1.5)
    assert found["XLS1"]["description"].startswith("2026-12-04")


MAPPING = {
    "Artikelnummer": "code",
    "Bezeichnung": {"to": "name", "trim": True},
    "Versand": {"to": "do_not_ship", "map": {"nein": True, "ja": False}},
    "Notiz": None,
}


def test_a_mapping_renames_and_transforms_a_german_csv(api):
    text = "Artikelnummer;Bezeichnung;Versand;Notiz\r\nKAFFEE;  Kaffee  ;nein;intern\r\n"
    attrs = upload(api, "artikel.csv", text.encode("cp1252"), mapping=json.dumps(MAPPING))
    assert (attrs["status"], attrs["created_count"], attrs["errors_log"]) == ("completed", 1, {})
    assert attrs["warnings_log"] == {}  # a column mapped to null is dropped without a warning
    assert (skus(api)["KAFFEE"]["name"], skus(api)["KAFFEE"]["do_not_ship"]) == ("Kaffee", True)


def test_a_mapping_applies_to_ndjson_and_xlsx_alike(api):
    rows = [["Artikelnummer", "Bezeichnung", "Versand"], ["X1", " Eins ", "nein"]]
    attrs = upload(api, "liste.xlsx", xlsx({"Blatt": rows}), mapping=json.dumps(MAPPING))
    assert (attrs["status"], attrs["created_count"], attrs["errors_log"]) == ("completed", 1, {})
    line = {"Artikelnummer": "N1", "Bezeichnung": "Zwei ", "Versand": "nein"}
    attrs = upload(api, "dump.ndjson", json.dumps(line).encode(), mapping=json.dumps(MAPPING))
    assert (attrs["status"], attrs["created_count"], attrs["errors_log"]) == ("completed", 1, {})
    assert {code: sku["name"] for code, sku in skus(api).items()} == {"N1": "Zwei", "X1": "Eins"}


def test_a_mapping_to_nowhere_is_a_422_naming_its_column(api):
    response = post_file(api, "a.csv", b"Farbe\nrot\n", mapping=json.dumps({"Farbe": "colour"}))
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["source"] == {"pointer": "/data/attributes/mapping"}
    assert '"Farbe"' in error["detail"]


def test_an_upload_refused_by_the_active_limit_stores_no_file(app, api, settings, monkeypatch):
    hold_jobs(app, monkeypatch)
    root = Path(settings.storage_url.removeprefix("file://"))
    for n in range(10):
        assert post_file(api, f"f{n}.csv", b"code,name\nA,b\n").status_code == 201
    stored = sorted(p for p in root.rglob("*") if p.is_file())
    assert len([p for p in stored if p.name.endswith(".csv.gz")]) == 10
    response = post_file(api, "eleventh.csv", b"code,name\nA,b\n")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["meta"] == {"error": "too_many_active"}
    assert sorted(p for p in root.rglob("*") if p.is_file()) == stored
