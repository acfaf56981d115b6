"""Commerce Layer's CLI plugins (@commercelayer/cli-plugin-imports and -exports) against a live
Bulkport, run as their users run them, with the organization's integration token and a preload
that sends their requests to Bulkport (tests/clients/js/redirect.cjs). Asserted: exit codes,
what they print where it is stable, and what Bulkport then holds."""

from __future__ import annotations

import csv
import io
import json
import uuid

import httpx2 as httpx

from tests.clients.node import JS, cli
from tests.support.jobs import eventually
from tests.support.live_server import Server


def get(server: Server, path: str, **params: str) -> dict:
    response = httpx.get(f"{server.url}{path}", params=params, headers=server.headers())
    assert response.status_code == 200, response.text
    return response.json()


def post(server: Server, path: str, document: dict) -> dict:
    headers = {**server.headers(), "Content-Type": "application/vnd.api+json"}
    response = httpx.post(f"{server.url}{path}", json=document, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def prefix() -> str:
    return "CLI" + uuid.uuid4().hex[:8].upper()


def shipping_category(server: Server, code: str) -> str:
    document = {"data": {"type": "shipping_categories", "attributes": {"name": code, "code": code}}}
    return post(server, "/api/shipping_categories", document)["data"]["id"]


def jobs(server: Server, kind: str) -> dict[str, dict]:
    """The organization's latest imports or exports (25 at most) by id, with their attributes."""
    found = get(server, f"/api/{kind}", sort="-created_at", **{"page[size]": "25"})
    return {item["id"]: item["attributes"] for item in found["data"]}


def sku_count(server: Server, code_start: str | None = None) -> int:
    params = {"page[size]": "1"} | ({"filter[q][code_start]": code_start} if code_start else {})
    return get(server, "/api/skus", **params)["meta"]["record_count"]


def expect(done, code: int = 0) -> str:
    assert done.returncode == code, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_imports_create_json_in_chunks_then_list_group_and_details(bulkport, tmp_path):
    code = prefix()
    shipping_category(bulkport, code)
    items = [
        {"code": f"{code}{n:04d}", "name": f"Item {n}", "shipping_category_code": code}
        for n in range(250)
    ]
    (tmp_path / "skus.json").write_text(json.dumps(items))
    before = jobs(bulkport, "imports")

    done = cli(bulkport, "imports", "imports:create", "-t", "skus", "-i", "skus.json", "-s", "100",
               "-q", cwd=tmp_path)  # fmt: skip

    expect(done)
    assert sku_count(bulkport, code) == 250
    chunks = {id: job for id, job in jobs(bulkport, "imports").items() if id not in before}
    by_reference = sorted(chunks.values(), key=lambda job: job["reference"])
    group = by_reference[0]["metadata"]["group_id"]
    assert [job["reference"] for job in by_reference] == [f"{group}-000{n}" for n in (1, 2, 3)]
    assert [job["metadata"]["chunk_number"] for job in by_reference] == ["1/3", "2/3", "3/3"]
    assert [job["inputs_size"] for job in by_reference] == [100, 100, 50]
    assert {job["status"] for job in by_reference} == {"completed"}
    assert {job["reference_origin"] for job in by_reference} == {"cli-plugin-imports"}

    listed = expect(cli(bulkport, "imports", "imports:list", "-t", "skus", cwd=tmp_path))
    assert all(id in listed for id in chunks)

    grouped = expect(cli(bulkport, "imports", "imports:group", group, cwd=tmp_path))
    assert all(id in grouped for id in chunks)

    last = next(id for id, job in chunks.items() if job["inputs_size"] == 50)
    details = expect(cli(bulkport, "imports", "imports:details", last, "-l", "-i", cwd=tmp_path))
    assert f"{code}0249" in details  # the inputs, downloaded from attachment_url
    assert "completed" in details


def test_imports_create_csv_with_tags_reports_the_failed_row_then_deletes(bulkport, tmp_path):
    code = prefix()
    shipping_category(bulkport, code)
    rows = [f'{code}00,Item 0,{code},"summer,cotton"']  # commercelayer-cli#183: CSV tags
    rows += [f"{code}{n:02d},Item {n},{code}," for n in range(1, 11)] + [f"{code}XX,Bad,NOPE,"]
    header = "code,name,shipping_category_code,tags.name\n"
    (tmp_path / "skus.csv").write_text(header + "\n".join(rows) + "\n")
    before = jobs(bulkport, "imports")

    done = cli(bulkport, "imports", "imports:create", "-t", "skus", "-i", "skus.csv", "-C", "-q",
               cwd=tmp_path)  # fmt: skip

    expect(done)
    [(id, job)] = [(id, job) for id, job in jobs(bulkport, "imports").items() if id not in before]
    assert (job["format"], job["status"], job["inputs_size"]) == ("csv", "completed", 12)
    assert (job["processed_count"], job["errors_count"]) == (11, 1)
    assert sku_count(bulkport, code) == 11
    tagged = get(bulkport, "/api/skus", include="tags", **{"filter[q][code_eq]": f"{code}00"})
    assert sorted(tag["attributes"]["name"] for tag in tagged["included"]) == ["cotton", "summer"]
    details = expect(cli(bulkport, "imports", "imports:details", id, "-l", cwd=tmp_path))
    assert f"{code}XX" in details and "must exist" in details

    expect(cli(bulkport, "imports", "imports:delete", id, cwd=tmp_path))
    gone = httpx.get(f"{bulkport.url}/api/imports/{id}", headers=bulkport.headers())
    assert gone.status_code == 404


def test_imports_create_prices_under_a_parent_price_list_with_tiers(bulkport, tmp_path):
    code = prefix()
    seed_skus(bulkport, code, 2)
    attributes = {"name": code, "currency_code": "EUR"}
    document = {"data": {"type": "price_lists", "attributes": attributes}}
    price_list = post(bulkport, "/api/price_lists", document)["data"]["id"]
    (tmp_path / "prices.csv").write_text(
        "sku_code,amount_cents,price_tiers.type,price_tiers.name,price_tiers.up_to,"
        "price_tiers.price_amount_cents\n"
        f"{code}00,1000,PriceVolumeTier,ten,10,900\n"
        f"{code}00,1000,PriceVolumeTier,twenty,20,800\n"
        f"{code}01,500,,,,\n"
    )

    done = cli(bulkport, "imports", "imports:create", "-t", "prices", "-p", price_list,
               "-i", "prices.csv", "-C", "-q", cwd=tmp_path)  # fmt: skip

    expect(done)
    prices = get(bulkport, "/api/prices", include="price_tiers", sort="amount_cents",
                 **{"filter[q][price_list_id_eq]": price_list})  # fmt: skip
    assert [p["attributes"]["amount_cents"] for p in prices["data"]] == [500, 1000]
    tiers = sorted((t["attributes"]["name"], t["attributes"]["price_amount_cents"])
                   for t in prices["included"])  # fmt: skip
    assert tiers == [("ten", 900), ("twenty", 800)]


def seed_skus(server: Server, code: str, count: int) -> None:
    category = shipping_category(server, code)
    for n in range(count):
        relationship = {"data": {"type": "shipping_categories", "id": category}}
        document = {
            "data": {
                "type": "skus",
                "attributes": {"code": f"{code}{n:02d}", "name": f"Item, {n}"},
                "relationships": {"shipping_category": relationship},
            }
        }
        post(server, "/api/skus", document)


def test_exports_create_json_and_csv_files(bulkport, tmp_path):
    code = prefix()
    seed_skus(bulkport, code, 3)

    expect(cli(bulkport, "exports", "exports:create", "-t", "skus", "-w", f"code_start={code}",
               "-i", "shipping_category", "-x", "skus.json", "-b", cwd=tmp_path))  # fmt: skip
    expect(cli(bulkport, "exports", "exports:create", "-t", "skus", "-w", f"code_start={code}",
               "-C", "-x", "skus.csv", "-b", cwd=tmp_path))  # fmt: skip

    exported = json.loads((tmp_path / "skus.json").read_text())
    assert sorted(item["code"] for item in exported) == [f"{code}00", f"{code}01", f"{code}02"]
    assert {item["shipping_category"]["code"] for item in exported} == {code}
    rows = list(csv.DictReader(io.StringIO((tmp_path / "skus.csv").read_text())))
    assert sorted((row["code"], row["name"]) for row in rows) == [
        (f"{code}00", "Item, 0"), (f"{code}01", "Item, 1"), (f"{code}02", "Item, 2")
    ]  # fmt: skip


def test_a_dry_export_imports_back_unchanged(bulkport, tmp_path):
    code = prefix()
    seed_skus(bulkport, code, 3)
    before = jobs(bulkport, "imports")

    expect(cli(bulkport, "exports", "exports:create", "-t", "skus", "-w", f"code_start={code}",
               "-D", "-x", "dry.json", "-b", cwd=tmp_path))  # fmt: skip
    expect(cli(bulkport, "imports", "imports:create", "-t", "skus", "-i", "dry.json", "-q",
               cwd=tmp_path))  # fmt: skip

    assert all("id" not in item for item in json.loads((tmp_path / "dry.json").read_text()))
    [job] = [job for id, job in jobs(bulkport, "imports").items() if id not in before]
    assert (job["status"], job["unchanged_count"], job["errors_count"]) == ("completed", 3, 0)


def test_exports_create_with_no_records_says_so(bulkport, tmp_path):
    done = cli(bulkport, "exports", "exports:create", "-t", "skus", "-w", "code_eq=NOTHING",
               "-x", "none.json", "-b", cwd=tmp_path)  # fmt: skip
    assert "No skus found" in expect(done)  # Bulkport: 422 greater_than, as Commerce Layer
    assert not (tmp_path / "none.json").exists()


def import_skus(server: Server, code: str, count: int) -> None:
    """`count` SKUs through one import (faster than `count` POSTs), waited for."""
    shipping_category(server, code)
    inputs = [{"code": f"{code}{n:05d}", "name": "Bulk", "shipping_category_code": code}
              for n in range(count)]  # fmt: skip
    document = {
        "data": {"type": "imports", "attributes": {"resource_type": "skus", "inputs": inputs}}
    }
    job = post(server, "/api/imports", document)["data"]["id"]
    eventually(
        lambda: get(server, f"/api/imports/{job}")["data"]["attributes"]["status"] == "completed",
        30, lambda: f"import {job} not completed",
    )  # fmt: skip


def test_exports_all_slices_by_id(bulkport, tmp_path):
    import_skus(bulkport, prefix(), 1100)
    total = sku_count(bulkport)
    before = jobs(bulkport, "exports")

    done = cli(bulkport, "exports", "exports:all", "-t", "skus", "-S", "1000", "-x", "all.json",
               "-q", cwd=tmp_path, preload=JS / "enable-exports-all.cjs")  # fmt: skip

    expect(done)
    exported = json.loads((tmp_path / "all.json").read_text())
    assert len({item["id"] for item in exported}) == len(exported) == total
    slices = sorted(
        (job for id, job in jobs(bulkport, "exports").items() if id not in before),
        key=lambda job: job["reference"],
    )
    assert [job["records_count"] for job in slices] == [1000, total - 1000]
    assert {job["reference_origin"] for job in slices} == {"cli-plugin-exports"}
    assert "id_lteq" in slices[0]["filters"] and "id_gt" in slices[1]["filters"]
