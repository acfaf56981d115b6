"""`bulkport export` against a real `bulkport serve`: more than 10,000 records in slices joined
into one file (every record once, in JSON and CSV), filters and fields honoured, dry data
without ids, an empty result, and the errors a user can make."""

from __future__ import annotations

import csv
import json
import sqlite3
import string
import threading
import time
from argparse import Namespace
from random import Random

import httpx2 as httpx
import pytest

from app.cli import main
from client.connection import Api, Target
from client.exports import Exporter, Outcome, Request, check, count, report
from tests.support.live_server import MEDIA, free_port, live_server

SKUS = 12_500
ALPHABET = string.ascii_letters + string.digits


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("export")) as running:
        seed(running)
        yield running


def seed(server) -> None:
    """12,500 SKUs with random ids (they sort as strings, as the server's do), 300 of them
    coded `MUG-`."""
    rng = Random(7)
    ids = sorted({"".join(rng.choices(ALPHABET, k=10)) for _ in range(SKUS)})
    assert len(ids) == SKUS
    rows = [
        (id, server.organization_id, f"{'MUG' if n % 50 == 0 else 'TS'}-{n:05d}", f"SKU {n}")
        for n, id in enumerate(ids)
    ]
    with sqlite3.connect(server.database) as db:
        db.executemany(
            "INSERT INTO skus (id, organization_id, created_at, updated_at, code, name) "
            "VALUES (?, ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00', ?, ?)",
            rows,
        )
    server.sku_ids = {row[0] for row in rows}


def export(server, capsys, *args: str) -> tuple[int, dict, str]:
    connection = ["--url", server.url, f"--client-id={server.client_id}"]
    connection += [f"--client-secret={server.client_secret}"]
    code = main(["export", *args, *connection, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def server_exports(server) -> list[dict]:
    answer = httpx.get(
        f"{server.url}/api/exports", headers=server.headers(),
        params={"page[size]": "25", "sort": "-created_at"},
    )  # fmt: skip
    return answer.json()["data"]


def test_over_10000_records_come_in_slices_joined_into_one_json_array(server, capsys, tmp_path):
    target = tmp_path / "skus.json"
    code, summary, err = export(server, capsys, "--type", "skus", "-o", str(target))
    assert code == 0, err
    assert summary["records"] == summary["items"] == SKUS
    assert len(summary["exports"]) == 2
    made = {job["id"]: job["attributes"] for job in server_exports(server)}
    assert {made[id]["records_count"] for id in summary["exports"]} == {10_000, 2_500}
    items = json.loads(target.read_text())
    ids = [item["id"] for item in items]
    assert len(ids) == SKUS and set(ids) == server.sku_ids  # each once
    assert ids == sorted(ids)  # id order, as one export would give
    assert not list(tmp_path.glob(".skus.json*")) and not (tmp_path / "skus.json.part").exists()
    assert "Exported skus" in err and "12,500" in err
    log = server.log()
    assert '"GET /api/exports HTTP/1.1" 200' in log  # polled with one list request
    assert '"GET /api/exports/' not in log  # never one request per export


def test_csv_slices_share_one_header(server, capsys, tmp_path):
    target = tmp_path / "skus.csv"
    code, summary, err = export(server, capsys, "--type", "skus", "--format", "csv",
                                "-o", str(target))  # fmt: skip
    assert code == 0, err
    with target.open(newline="") as file:
        rows = list(csv.DictReader(file))
    lines = target.read_text().splitlines()
    assert lines[0].startswith("id,code,name,") and lines.count(lines[0]) == 1  # one header
    ids = [row["id"] for row in rows]
    assert len(ids) == SKUS and set(ids) == server.sku_ids
    assert summary["items"] == SKUS and len(summary["exports"]) == 2


def test_filters_and_fields_are_honoured(server, capsys, tmp_path):
    target = tmp_path / "mugs.json"
    code, summary, err = export(
        server, capsys, "--type", "skus", "--filter", "code_start=MUG", "--fields", "code,name",
        "-o", str(target),
    )  # fmt: skip
    assert code == 0, err
    items = json.loads(target.read_text())
    assert len(items) == SKUS // 50 == summary["records"]
    assert {tuple(sorted(item)) for item in items} == {("code", "id", "name")}
    assert all(item["code"].startswith("MUG-") for item in items)
    assert len(summary["exports"]) == 1


def test_dry_data_has_no_ids(server, capsys, tmp_path):
    target = tmp_path / "dry.csv"
    code, summary, err = export(
        server, capsys, "--type", "skus", "--filter", "code_start=MUG", "--dry-data",
        "--format", "csv", "-o", str(target),
    )  # fmt: skip
    assert code == 0, err
    with target.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == SKUS // 50
    assert "id" not in rows[0] and rows[0]["code"].startswith("MUG-")


def test_no_matching_record_writes_an_empty_array(server, capsys, tmp_path):
    target = tmp_path / "none.json"
    code, summary, err = export(server, capsys, "--type", "skus", "--filter", "code_eq=NOPE",
                                "-o", str(target))  # fmt: skip
    assert code == 0, err
    assert target.read_text() == "[]" and summary["records"] == 0 and summary["exports"] == []
    assert "No skus match" in err


def test_a_count_that_changed_is_reported():
    request = Request("skus", "json", {}, [], [], False)
    assert check(request, counted=12_500, exported=12_500, items=12_500) is None
    assert "12,500 matched at the start, the exports hold 12,501" in str(
        check(request, counted=12_500, exported=12_501, items=12_501)
    )
    assert "holds 9 items" in str(check(request, counted=10, exported=10, items=9))
    with_tiers = Request("prices", "csv", {}, ["price_tiers"], [], False)
    assert check(with_tiers, counted=10, exported=10, items=25) is None  # rows per tier
    assert "9 data rows for 10 records" in str(check(with_tiers, 10, 10, 9))


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--filter", "code_start"], "expected PRED=VALUE"),
        (["--filter", "colour_eq=red"], "colour_eq"),
        (["--filter", "id_lt=x"], "slices by id"),
        (["--fields", "colour"], "colour"),
    ],
)
def test_usage_errors_exit_2_with_one_line(server, capsys, tmp_path, args, words):
    code, _, err = export(server, capsys, "--type", "skus", *args, "-o", str(tmp_path / "x"))
    assert code == 2
    assert err.startswith("bulkport: ") and words in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_an_unknown_type_or_folder_exits_2(server, capsys, tmp_path):
    code, _, err = export(server, capsys, "--type", "nopes", "-o", str(tmp_path / "x"))
    assert code == 2 and err.startswith("bulkport: ")
    code, _, err = export(server, capsys, "--type", "skus", "-o", str(tmp_path / "no" / "x"))
    assert code == 2 and "no folder" in err


def test_no_server_exits_2(capsys, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    code = main(["export", "--type", "skus", "-o", str(tmp_path / "x"), "--url", url,
                 "--client-id", "a", "--client-secret", "b"])  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err.startswith(f"bulkport: cannot reach {url}")


def test_a_slice_grown_past_10000_is_split_again_and_the_change_reported(server, tmp_path, capsys):
    request = Request("skus", "json", {}, [], [], False)
    added = [(f"00000000{n:02d}", server.organization_id, f"NEW-{n}", "new") for n in range(20)]
    with Api(Target(server.url, server.client_id, server.client_secret)) as api:
        outcome = Outcome(count(api, request))
        (tmp_path / "work").mkdir()
        exporter = Exporter(api, request, outcome, tmp_path / "work")  # slices planned
        with sqlite3.connect(server.database) as db:  # 20 more in the first slice's range
            db.executemany(
                "INSERT INTO skus (id, organization_id, created_at, updated_at, code, name) "
                "VALUES (?, ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00', ?, ?)",
                added,
            )
        try:
            exporter.export(tmp_path / "out.json")
        finally:
            with sqlite3.connect(server.database) as db:
                db.execute("DELETE FROM skus WHERE code LIKE 'NEW-%'")
    assert [s.records for s in outcome.slices] == [10_000, 20, 2_500]  # split at 10,000
    assert outcome.problem == (
        "records changed during the export: 12,500 matched at the start, the exports hold 12,520"
    )
    ids = [item["id"] for item in json.loads((tmp_path / "out.json").read_text())]
    assert len(ids) == len(set(ids)) == 12_520 and ids == sorted(ids)
    capsys.readouterr()
    assert report(Namespace(json=True), request, outcome, tmp_path / "out.json") == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["problem"] == outcome.problem
    assert f"bulkport: {outcome.problem} (the file is written)" in err


def test_an_export_interrupted_meanwhile_exits_1_and_writes_no_file(server, capsys, tmp_path):
    stop = threading.Event()
    interrupted: list[str] = []

    def interrupt_the_first_running_export() -> None:
        with httpx.Client(base_url=server.url, headers=server.headers()) as http:
            while not stop.is_set() and not interrupted:
                params = {"filter[q][status_in]": "pending,in_progress"}
                for job in http.get("/api/exports", params=params).json()["data"]:
                    change = {"type": "exports", "id": job["id"]}
                    change["attributes"] = {"_interrupt": True}
                    http.patch(f"/api/exports/{job['id']}", json={"data": change},
                               headers={"Content-Type": MEDIA})  # fmt: skip
                    interrupted.append(job["id"])
                    break
                time.sleep(0.01)

    interrupter = threading.Thread(target=interrupt_the_first_running_export)
    interrupter.start()
    try:
        target = tmp_path / "skus.json"
        code, summary, err = export(server, capsys, "--type", "skus", "-o", str(target))
    finally:
        stop.set()
        interrupter.join()
    assert interrupted, "the exports ended before one could be interrupted"
    assert code == 1, err
    assert summary["failed"]["id"] == interrupted[0]
    assert summary["failed"]["status"] == "interrupted" and summary["file"] is None
    assert f"bulkport: export {interrupted[0]} ended interrupted" in err
    assert "no file written" in err
    assert list(tmp_path.iterdir()) == []  # no file, no part, no slices
    active = httpx.get(f"{server.url}/api/exports", headers=server.headers(),
                       params={"filter[q][status_in]": "pending,in_progress"})  # fmt: skip
    assert active.json()["data"] == []  # the other slice was interrupted too, or had ended


def test_a_list_filter_and_two_filters_together(server, capsys, tmp_path):
    target = tmp_path / "two.json"
    code, summary, err = export(
        server, capsys, "--type", "skus", "--filter", "code_in=MUG-00000,MUG-00050,TS-00001",
        "--filter", "code_start=MUG", "-o", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert sorted(item["code"] for item in json.loads(target.read_text())) == [
        "MUG-00000", "MUG-00050"
    ]  # fmt: skip
