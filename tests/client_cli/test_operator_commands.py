"""`bulkport imports list|show|errors|watch|revert` and `exports list|show` on real jobs of a
real `bulkport serve`, with their exit codes."""

from __future__ import annotations

import json

import httpx2 as httpx
import pytest

from app.cli import main
from tests.support.live_server import live_server

MEDIA = "application/vnd.api+json"
MERCH = {"shipping_category_code": "MERCH"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("operators")) as running:
        merch = {
            "data": {
                "type": "shipping_categories",
                "attributes": {"name": "Merch", "code": "MERCH"},
            }
        }
        answer = httpx.post(f"{running.url}/api/shipping_categories", json=merch,
                            headers={**running.headers(), "Content-Type": MEDIA})  # fmt: skip
        assert answer.status_code == 201, answer.text
        running.clean = create(running, "imports", {
            "resource_type": "skus", "reference": "fixture-nightly-skus",
            "inputs": [sku("OP-1", "One"), sku("OP-2", "Two")],
        })  # fmt: skip
        running.failing = create(running, "imports", {
            "resource_type": "skus", "reference": "fixture-nightly-more", "skip_errors": True,
            "inputs": [sku("OP-3", "Three"), sku("OP-4", "")],
        })  # fmt: skip
        running.other = create(running, "imports", {
            "resource_type": "skus", "reference": "fixture-manual", "inputs": [{"code": "OP-5"}],
        })  # fmt: skip
        running.export = create(running, "exports", {"resource_type": "skus", "format": "csv"})
        yield running


def sku(code: str, name: str) -> dict:
    return {"code": code, "name": name, "shipping_category_code": "MERCH"}


def create(server, kind: str, attributes: dict) -> dict:
    """A job, answered once it has ended (`Prefer: wait`)."""
    answer = httpx.post(
        f"{server.url}/api/{kind}",
        headers={**server.headers(), "Content-Type": MEDIA, "Prefer": "wait=30"},
        json={"data": {"type": kind, "attributes": attributes}},
    )
    assert answer.status_code == 201, answer.text
    job = answer.json()["data"]
    assert job["attributes"]["status"] not in ("pending", "in_progress"), job
    return job


def bulkport(server, capsys, *args: str) -> tuple[int, str, str]:
    connection = ["--url", server.url, f"--client-id={server.client_id}"]
    code = main([*args, *connection, f"--client-secret={server.client_secret}"])
    out, err = capsys.readouterr()
    return code, out, err


def cells(table: str) -> list[list[str]]:
    """The rows of a table printed by rich (its header first), as stripped cells."""
    lines = [line.replace("┃", "│") for line in table.splitlines()]
    return [[c.strip() for c in line.split("│")[1:-1]] for line in lines if "│" in line]


def test_imports_list_newest_first_filtered_by_group(server, capsys):
    # (other tests here make imports of their own, with other references)
    code, out, _ = bulkport(server, capsys, "imports", "list", "--group", "fixture-", "--json")
    assert code == 0
    assert [job["id"] for job in json.loads(out)] == [
        server.other["id"],
        server.failing["id"],
        server.clean["id"],
    ]
    code, out, _ = bulkport(
        server, capsys, "imports", "list", "--group", "fixture-nightly", "--json"
    )
    assert {job["id"] for job in json.loads(out)} == {server.clean["id"], server.failing["id"]}
    code, out, _ = bulkport(
        server, capsys, "imports", "list", "--group", "fixture-", "--limit", "1", "--json"
    )
    assert [job["id"] for job in json.loads(out)] == [server.other["id"]]
    code, out, _ = bulkport(
        server, capsys, "imports", "list", "--group", "fixture-", "--status", "interrupted",
        "--json",
    )  # fmt: skip
    assert [job["id"] for job in json.loads(out)] == [server.other["id"]]


def test_imports_list_as_a_table(server, capsys):
    code, out, _ = bulkport(server, capsys, "imports", "list", "--group", "fixture-nightly-more")
    assert code == 0
    header, row = cells(out)[:2]
    assert header == [
        "id", "type", "status", "reference", "items", "processed", "errors", "warnings", "created"
    ]  # fmt: skip
    assert row[:8] == [server.failing["id"], "skus", "completed", "fixture-nightly-more",
                         "2", "1", "1", "0"]  # fmt: skip


def test_imports_list_by_status_with_none_matching(server, capsys):
    code, out, err = bulkport(server, capsys, "imports", "list", "--status", "expired", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, err = bulkport(server, capsys, "imports", "list", "--status", "expired")
    assert code == 0 and "No imports match" in err


def test_imports_show(server, capsys):
    code, out, _ = bulkport(server, capsys, "imports", "show", server.failing["id"])
    assert code == 0
    rows = {row[0]: row[1] for row in cells(out)}
    assert rows["status"] == "completed" and rows["errors_count"] == "1"
    assert rows["errors_log"] == "1 key: OP-4"
    code, out, _ = bulkport(server, capsys, "imports", "show", server.failing["id"], "--json")
    assert json.loads(out)["attributes"]["errors_log"] == {"OP-4": {"name": ["can't be blank"]}}


def test_imports_errors_gives_the_failed_items(server, capsys, tmp_path):
    code, out, _ = bulkport(server, capsys, "imports", "errors", server.failing["id"])
    assert code == 0
    assert json.loads(out) == [
        {"code": "OP-4", "name": "", **MERCH, "_errors": {"name": ["can't be blank"]}}
    ]
    target = tmp_path / "failed.json"
    code, out, err = bulkport(server, capsys, "imports", "errors", server.failing["id"],
                              "-o", str(target))  # fmt: skip
    assert code == 0 and out == "" and json.loads(target.read_text())[0]["code"] == "OP-4"
    code, out, err = bulkport(server, capsys, "imports", "errors", server.clean["id"])
    assert code == 0 and out == "" and "has no failed items" in err


def test_imports_watch_exit_codes(server, capsys):
    code, _, err = bulkport(server, capsys, "imports", "watch", server.clean["id"])
    assert code == 0 and "completed" in err
    code, _, err = bulkport(server, capsys, "imports", "watch", server.failing["id"])
    assert code == 1 and "errors_count" in err


def test_imports_revert_then_the_records_are_gone(server, capsys):
    imported = create(server, "imports", {
        "resource_type": "skus", "reference": "to-revert",
        "inputs": [sku("RV-1", "One"), sku("RV-2", "Two")],
    })  # fmt: skip
    code, _, err = bulkport(server, capsys, "imports", "revert", imported["id"])
    assert code == 0, err
    assert "Reverted 2 records" in err and "reverted" in err
    skus = httpx.get(f"{server.url}/api/skus", headers=server.headers(),
                     params={"filter[q][code_start]": "RV-"})  # fmt: skip
    assert skus.json()["meta"]["record_count"] == 0
    # A second revert is refused by the server: said in one line, exit 2.
    code, _, err = bulkport(server, capsys, "imports", "revert", imported["id"])
    assert code == 2 and err.startswith("bulkport: HTTP 422") and "Traceback" not in err


def test_exports_list_and_show(server, capsys):
    code, out, _ = bulkport(server, capsys, "exports", "list", "--type", "skus", "--json")
    assert code == 0 and [job["id"] for job in json.loads(out)] == [server.export["id"]]
    code, out, _ = bulkport(server, capsys, "exports", "list", "--status", "completed")
    assert code == 0 and server.export["id"] in out and "records" in out
    code, out, _ = bulkport(server, capsys, "exports", "show", server.export["id"], "--json")
    assert code == 0 and json.loads(out)["attributes"]["format"] == "csv"
    code, out, _ = bulkport(server, capsys, "exports", "show", server.export["id"])
    assert code == 0 and "records_count" in out
    attachment = server.export["attributes"]["attachment_url"].split("?")[0]
    assert attachment in out  # whole, to be copied (signed afresh: the query differs)


def test_an_unknown_id_exits_2(server, capsys):
    code, out, err = bulkport(server, capsys, "imports", "show", "nope")
    assert code == 2 and out == "" and err.startswith("bulkport: HTTP 404")
    code, out, err = bulkport(server, capsys, "exports", "show", "a/b")
    assert code == 2 and "is not an id" in err


def test_a_bad_limit_is_a_usage_error(server, capsys):
    with pytest.raises(SystemExit) as usage:
        bulkport(server, capsys, "imports", "list", "--limit", "0")
    assert usage.value.code == 2
    assert "'0' is not a positive whole number" in capsys.readouterr().err


def test_imports_watch_follows_a_running_import_to_its_end(server, capsys):
    items = [sku(f"W-{n:04d}", f"Watched {n}") for n in range(3_000)]
    answer = httpx.post(
        f"{server.url}/api/imports", headers={**server.headers(), "Content-Type": MEDIA},
        json={"data": {"type": "imports", "attributes": {"resource_type": "skus",
                                                          "inputs": items}}},
    )  # fmt: skip
    id = answer.json()["data"]["id"]
    code, out, err = bulkport(server, capsys, "imports", "watch", id)
    assert code == 0, err
    assert f"import {id}: 3,000/3,000 items, 0 errors" in err  # the last progress line
    assert "created_count" in err and out == ""


def test_imports_errors_into_a_missing_folder_exits_2(server, capsys, tmp_path):
    target = tmp_path / "nowhere" / "failed.json"
    code, _, err = bulkport(server, capsys, "imports", "errors", server.failing["id"],
                            "-o", str(target))  # fmt: skip
    assert code == 2 and err.startswith(f"bulkport: -o {target}: No such file")


def test_a_previewed_import_errors_as_a_table_and_watch_exit_1(server, capsys):
    previewed = create(server, "imports", {
        "resource_type": "skus", "reference": "preview", "preview": True,
        "inputs": [sku("PV-1", "One"), sku("PV-2", "")],
    })  # fmt: skip
    assert previewed["attributes"]["status"] == "previewed"
    assert previewed["attributes"]["errors_url"] is None  # only the errors_log says it
    code, out, _ = bulkport(server, capsys, "imports", "errors", previewed["id"])
    assert code == 0
    assert cells(out) == [["item", "attribute", "errors"], ["PV-2", "name", "can't be blank"]]
    code, _, err = bulkport(server, capsys, "imports", "watch", previewed["id"])
    assert code == 1 and "plan_counts" in err
