"""`errors_url`: exactly the failed items, in the format they came in, with their `_errors`;
fixed and imported again, only they are applied."""

from __future__ import annotations

import csv
import io
import json

from tests.support import factories
from tests.support.documents import by, list_all
from tests.support.files import xlsx
from tests.support.jobs import download, run_import, run_to_end, text


def skus(api) -> dict[str, dict]:
    return {c: s["attributes"] for c, s in by(list_all(api, "/api/skus"), "code").items()}


def errors_file(api, attrs: dict) -> str:
    assert attrs["errors_url"], attrs
    return text(download(api, attrs["errors_url"]))


def test_json_failures_come_back_with_errors_and_only_they_are_imported_again(api):
    factories.shipping_category(api, code="STD")
    inputs = [
        {"code": "OK-1", "name": "Fine", "shipping_category_code": "STD"},
        {"code": "BAD-1", "shipping_category_code": "STD", "metadata": {"n": 1}},
        {"code": "BAD-2", "name": "Lost", "shipping_category_code": "NOPE"},
    ]
    first = run_import(api, "skus", inputs, skip_errors=True)
    assert (first["status"], first["created_count"], first["errors_count"]) == ("completed", 1, 2)

    failed = json.loads(errors_file(api, first))
    assert [{k: v for k, v in f.items() if k != "_errors"} for f in failed] == inputs[1:]
    assert list(failed[0]["_errors"]) == ["name"]
    assert "shipping_category" in json.dumps(failed[1]["_errors"])

    failed[0]["name"] = "Found"
    failed[1]["shipping_category_code"] = "STD"
    again = run_import(api, "skus", failed)  # `_errors` is left as it is: imports ignore it
    assert (again["created_count"], again["errors_count"], again["processed_count"]) == (2, 0, 2)
    assert again["errors_url"] is None
    assert {code: s["name"] for code, s in skus(api).items()} == {
        "OK-1": "Fine", "BAD-1": "Found", "BAD-2": "Lost",
    }  # fmt: skip


def test_csv_failures_keep_their_columns_and_rows_with_an_errors_column(api):
    factories.shipping_category(api, code="STD")
    inputs = (
        'code,name,shipping_category_code\nOK-1,Fine,STD\nBAD-1,,STD\nBAD-2,"Lost, found",NOPE\n'
    )
    first = run_import(api, "skus", inputs, skip_errors=True)
    rows = list(csv.DictReader(io.StringIO(errors_file(api, first))))
    assert [r["code"] for r in rows] == ["BAD-1", "BAD-2"]
    assert list(rows[0]) == ["code", "name", "shipping_category_code", "_errors"]
    assert rows[0]["_errors"].startswith("name: ")
    assert rows[1]["name"] == "Lost, found"

    rows[0]["name"], rows[1]["shipping_category_code"] = "Found", "STD"
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    again = run_import(api, "skus", out.getvalue())
    assert (again["created_count"], again["errors_count"]) == (2, 0), again
    assert set(skus(api)) == {"OK-1", "BAD-1", "BAD-2"}


def test_an_uploaded_spreadsheet_gives_csv_and_an_interrupted_import_has_its_file(api):
    factories.shipping_category(api, code="STD")
    sheet = [["code", "name", "shipping_category_code"], ["BAD-1", "", "STD"],
             *([f"OK-{n}", "Fine", "STD"] for n in range(3))]  # fmt: skip
    response = api.post("/api/imports", files={"file": ("feed.xlsx", xlsx({"Feed": sheet}))},
                        data={"resource_type": "skus"})  # fmt: skip
    assert response.status_code == 201, response.text
    attrs = run_to_end(api, "imports", response.json()["data"]["id"])
    assert attrs["status"] == "interrupted"  # one error in four is over the 10% budget
    rows = list(csv.DictReader(io.StringIO(errors_file(api, attrs))))
    assert [(r["code"], r["name"]) for r in rows] == [("BAD-1", "")]
    assert rows[0]["_errors"].startswith("name: ")


def test_a_deleted_import_takes_its_errors_file_with_it(api):
    attrs = run_import(api, "tags", [{"name": "bad one"}, {"name": "ok"}], skip_errors=True)
    url = attrs["errors_url"]
    assert json.loads(errors_file(api, attrs)) == [
        {"name": "bad one", "_errors": {"name": ["is invalid"]}}
    ]
    assert api.delete(f"/api/imports/{attrs['id']}").status_code == 204
    response = api.client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 404
