"""`bulkport import FILE --type TYPE` against a real `bulkport serve`: a file over the server's
upload limit split into imports of at most 10,000 items under one reference group, the totals
exact, the failed items of every chunk in one file that imports again once fixed, previews
committed or not, and the exit codes a cron job reads."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from app.cli import main
from tests.support.layout import ROOT
from tests.support.live_server import MEDIA, free_port, live_server

UPLOAD_MAX_BYTES = 300_000  # a 50,000-row file (2 MB) is split by size, small files are not


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("import_command")
    with live_server(folder, BULKPORT_UPLOAD_MAX_BYTES=str(UPLOAD_MAX_BYTES)) as running:
        create(running, "shipping_categories", {"name": "Merchandise", "code": "MERCH"})
        yield running


@pytest.fixture
def connected(server, monkeypatch):
    monkeypatch.setenv("BULKPORT_URL", server.url)
    monkeypatch.setenv("BULKPORT_CLIENT_ID", server.client_id)
    monkeypatch.setenv("BULKPORT_CLIENT_SECRET", server.client_secret)
    return server


def create(server, resource_type: str, attributes: dict) -> dict:
    body = {"data": {"type": resource_type, "attributes": attributes}}
    headers = {**server.headers(), "Content-Type": MEDIA}
    response = httpx.post(f"{server.url}/api/{resource_type}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def get(server, path: str, **params) -> dict:
    response = httpx.get(f"{server.url}{path}", params=params, headers=server.headers())
    assert response.status_code == 200, response.text
    return response.json()


def count(server, resource_type: str, **filters) -> int:
    params = {f"filter[q][{k}]": v for k, v in filters.items()}
    return get(server, f"/api/{resource_type}", **params, **{"page[size]": 1})["meta"][
        "record_count"
    ]


def group_imports(server, group: str) -> list[dict]:
    found, page = [], 1
    while True:
        params = {"filter[q][reference_start]": group, "page[size]": 25, "page[number]": page}
        document = get(server, "/api/imports", **params, sort="reference")
        found += document["data"]
        if page >= document["meta"]["page_count"]:
            return found
        page += 1


def sku_csv(path: Path, codes: list[str], name: str = "Item") -> Path:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["code", "name", "shipping_category_code"])
        writer.writerows([code, f"{name} {code}", "MERCH"] for code in codes)
    return path


def client_env(server) -> dict[str, str]:
    """The environment of a `bulkport` subprocess talking to ``server``."""
    return {
        **os.environ, "BULKPORT_URL": server.url, "BULKPORT_CLIENT_ID": server.client_id,
        "BULKPORT_CLIENT_SECRET": server.client_secret,
    }  # fmt: skip


def bulkport(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- splitting ------------------------------------------------------------------------------------


def test_a_file_over_the_upload_limit_goes_up_in_chunks_of_at_most_10000(
    connected, tmp_path, capsys
):
    path = sku_csv(tmp_path / "skus.csv", [f"BIG{n:06d}" for n in range(50_000)])
    assert path.stat().st_size > 5 * UPLOAD_MAX_BYTES
    code, out, err = bulkport(capsys, "import", str(path), "--type", "skus", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["created"] == 50_000
    assert (summary["updated"], summary["unchanged"], summary["errors"]) == (0, 0, 0)
    group = summary["group"]
    assert f"--group {group}" in err
    imports = group_imports(connected, group)
    assert [i["id"] for i in imports] == [i["id"] for i in summary["imports"]]
    assert len(imports) >= 5
    sizes = [i["attributes"]["inputs_size"] for i in imports]
    assert sum(sizes) == 50_000 and max(sizes) <= 10_000
    assert [i["attributes"]["reference"] for i in imports] == [
        f"{group}-{n:04d}" for n in range(1, len(imports) + 1)
    ]
    first = imports[0]["attributes"]
    assert first["reference_origin"] == "bulkport-cli"
    assert first["metadata"]["group_id"] == group and first["metadata"]["chunk_number"] == 1
    assert count(connected, "skus", code_start="BIG") == 50_000


def test_an_item_s_rows_stay_in_one_chunk(connected, tmp_path, capsys):
    """Prices with their tier rows (a tier's name holding a quoted newline) in chunks of two
    items, the SKU column renamed by --mapping: every price gets all its tiers."""
    skus = sku_csv(tmp_path / "tiers-skus.csv", [f"TIER{n}" for n in range(5)])
    assert bulkport(capsys, "import", str(skus), "--type", "skus")[0] == 0
    price_list = create(
        connected, "price_lists", {"name": "Tiers", "code": "TIERS", "currency_code": "EUR"}
    )
    tiers = {"TIER0": 3, "TIER1": 1, "TIER2": 4, "TIER3": 2, "TIER4": 1}
    path = tmp_path / "prices.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(
            ["Artikel", "amount_cents", "price_tiers.type", "price_tiers.name",
             "price_tiers.up_to", "price_tiers.price_amount_cents"]
        )  # fmt: skip
        for code, n in tiers.items():
            writer.writerows(
                [code, 1000, "PriceVolumeTier", f"{code} tier {t}\nfrom {t * 10}", t * 10 + 10, 900]
                for t in range(n)
            )
    code, out, err = bulkport(
        capsys, "import", str(path), "--type", "prices", "--parent", price_list["id"],
        "--mapping", '{"Artikel": "sku_code"}', "--chunk-size", "2", "--json",
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["created"], summary["errors"], len(summary["imports"])) == (5, 0, 3)
    prices = get(connected, f"/api/price_lists/{price_list['id']}/prices", include="price_tiers")
    found = {p["attributes"]["sku_code"]: p for p in prices["data"]}
    assert {code: len(p["relationships"]["price_tiers"]["data"]) for code, p in found.items()} == (
        tiers
    )
    names = {t["attributes"]["name"] for t in prices["included"]}
    assert "TIER2 tier 3\nfrom 30" in names


# -- failed items ---------------------------------------------------------------------------------


def test_errors_out_merges_the_failed_items_of_every_chunk_and_imports_again_once_fixed(
    connected, tmp_path, capsys
):
    codes = [f"ERR{n:02d}" for n in range(10)]
    path = sku_csv(tmp_path / "errs.csv", codes)
    text = path.read_text().replace("ERR02,Item ERR02,MERCH", "ERR02,Item ERR02,NOPE")
    path.write_text(text.replace("ERR07,Item ERR07,MERCH", "ERR07,Item ERR07,NOPE"))
    errors = tmp_path / "errors.csv"
    code, out, err = bulkport(
        capsys, "import", str(path), "--type", "skus", "--chunk-size", "4", "--skip-errors",
        "--errors-out", str(errors), "--json",
    )  # fmt: skip
    assert code == 1, err
    summary = json.loads(out)
    assert (summary["created"], summary["errors"], len(summary["imports"])) == (8, 2, 3)
    assert summary["errors_file"] == str(errors)
    rows = list(csv.DictReader(io.StringIO(errors.read_text(), newline="")))
    assert [row["code"] for row in rows] == ["ERR02", "ERR07"]
    assert all("shipping_category" in row["_errors"] for row in rows)
    assert errors.read_text().count("_errors") == 1  # one header

    errors.write_text(errors.read_text().replace(",NOPE,", ",MERCH,"))
    again = tmp_path / "errors-again.csv"
    again.write_text("yesterday's failures\n")
    code, out, err = bulkport(
        capsys, "import", str(errors), "--type", "skus", "--errors-out", str(again), "--json"
    )
    assert code == 0, err
    assert json.loads(out)["created"] == 2
    assert count(connected, "skus", code_start="ERR") == 10
    assert not again.exists() and "no failed items" in err


def test_a_json_file_s_failed_items_merge_into_one_json_array(connected, tmp_path, capsys):
    items = [{"code": f"JS{n}", "name": "J", "shipping_category_code": "MERCH"} for n in range(5)]
    items[1]["shipping_category_code"] = items[4]["shipping_category_code"] = "NOPE"
    path = tmp_path / "skus.json"
    path.write_text(json.dumps(items))
    errors = tmp_path / "errors.json"
    code, out, err = bulkport(
        capsys, "import", str(path), "--type", "skus", "--chunk-size", "2", "--skip-errors",
        "--errors-out", str(errors), "--json",
    )  # fmt: skip
    assert code == 1, err
    assert (json.loads(out)["created"], json.loads(out)["errors"]) == (3, 2)
    failed = json.loads(errors.read_text())
    assert [item["code"] for item in failed] == ["JS1", "JS4"]
    assert all("shipping_category" in item["_errors"] for item in failed)

    errors.write_text(errors.read_text().replace('"NOPE"', '"MERCH"'))
    code, out, err = bulkport(capsys, "import", str(errors), "--type", "skus", "--json")
    assert code == 0, err
    assert json.loads(out)["created"] == 2
    assert count(connected, "skus", code_start="JS") == 5


# -- preview --------------------------------------------------------------------------------------


def test_preview_yes_commits_every_chunk(connected, tmp_path, capsys):
    path = sku_csv(tmp_path / "yes.csv", [f"YES{n}" for n in range(5)])
    code, out, err = bulkport(
        capsys, "import", str(path), "--type", "skus", "--chunk-size", "2", "--preview",
        "--yes", "--json",
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["plan"] == {"create": 5, "update": 0, "unchanged": 0, "delete": 0, "error": 0}
    assert (summary["committed"], summary["created"], len(summary["imports"])) == (True, 5, 3)
    assert count(connected, "skus", code_start="YES") == 5


def test_preview_answered_no_on_a_terminal_commits_nothing(connected, tmp_path):
    path = sku_csv(tmp_path / "no.csv", [f"NOPE{n}" for n in range(3)])
    env = client_env(connected)
    terminal, stdin = pty.openpty()
    os.write(terminal, b"n\n")
    command = [sys.executable, "-m", "app.cli", "import", str(path), "--type", "skus"]
    command += ["--preview", "--reference", "no-thanks"]
    done = subprocess.run(
        command, cwd=ROOT, env=env, stdin=stdin, capture_output=True, text=True, timeout=60
    )
    os.close(stdin)
    os.close(terminal)
    assert done.returncode == 0, done.stderr
    assert "Commit? [y/N]" in done.stderr and "nothing committed" in done.stderr
    assert "create" in done.stderr  # the plan, before the question
    assert count(connected, "skus", code_start="NOPE") == 0
    assert [i["attributes"]["status"] for i in group_imports(connected, "no-thanks")] == [
        "previewed"
    ]


def test_ctrl_c_stops_starting_chunks_and_names_the_running_imports(connected, tmp_path):
    path = sku_csv(tmp_path / "stop.csv", [f"STOP{n:04d}" for n in range(4_000)])
    command = [sys.executable, "-m", "app.cli", "import", str(path), "--type", "skus"]
    command += ["--chunk-size", "50", "--reference", "stopped"]
    running = subprocess.Popen(
        command, cwd=ROOT, env=client_env(connected), stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 30
    while not group_imports(connected, "stopped") and time.monotonic() < deadline:
        time.sleep(0.1)
    running.send_signal(signal.SIGINT)
    _, err = running.communicate(timeout=60)
    assert running.returncode == 2, err
    assert "no more chunks started" in err and "Traceback" not in err
    started = group_imports(connected, "stopped")
    assert 0 < len(started) < 80  # 4,000 items in chunks of 50: not all of them
    still = [i for i in started if i["attributes"]["status"] in ("pending", "in_progress")]
    assert all(i["id"] in err for i in still)


# -- exit codes -----------------------------------------------------------------------------------


def test_bad_credentials_exit_2(connected, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BULKPORT_CLIENT_SECRET", "wrong")
    path = sku_csv(tmp_path / "x.csv", ["X1"])
    code, out, err = bulkport(capsys, "import", str(path), "--type", "skus")
    assert (code, out) == (2, "")
    assert "refused the client credentials" in err and "Traceback" not in err


def test_an_unreachable_server_exits_2(connected, tmp_path, capsys):
    path = sku_csv(tmp_path / "x.csv", ["X1"])
    url = f"http://127.0.0.1:{free_port()}"
    code, _, err = bulkport(capsys, "import", str(path), "--type", "skus", "--url", url)
    assert code == 2 and err.startswith(f"bulkport: cannot reach {url}")


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--type", "nopes"], "nopes is not a type the server imports"),
        (["--type", "skus", "--mapping", "{nope"], "--mapping is not JSON"),
        (["--type", "skus", "--chunk-size", "10001"], "--chunk-size must be from 1 to 10,000"),
        (["--type", "skus", "--cleanup", "--chunk-size", "2"], "BULKPORT_UPLOAD_MAX_BYTES"),
    ],
)
def test_usage_errors_exit_2_and_create_nothing(connected, tmp_path, capsys, arguments, says):
    path = sku_csv(tmp_path / "usage.csv", ["USAGE1", "USAGE2", "USAGE3"])
    code, out, err = bulkport(capsys, "import", str(path), *arguments)
    assert (code, out) == (2, ""), err
    assert err.startswith("bulkport: ") and says in err and "Traceback" not in err
    assert count(connected, "skus", code_start="USAGE") == 0


def test_an_unreadable_file_exits_2(connected, tmp_path, capsys):
    code, _, err = bulkport(capsys, "import", str(tmp_path / "missing.csv"), "--type", "skus")
    assert code == 2 and "cannot read" in err and "missing.csv" in err


def test_cleanup_of_a_file_over_the_upload_limit_says_why_and_what_to_do(
    connected, tmp_path, capsys
):
    path = sku_csv(tmp_path / "cleanup.csv", [f"CLEAN{n:05d}" for n in range(12_000)])
    assert path.stat().st_size > UPLOAD_MAX_BYTES
    code, _, err = bulkport(capsys, "import", str(path), "--type", "skus", "--cleanup")
    assert code == 2
    assert "over the upload limit" in err and "cleanups job" in err
    assert count(connected, "skus", code_start="CLEAN") == 0


def test_slots_held_by_another_client_are_waited_for(connected, tmp_path):
    """Another client's ten imports hold the organization's slots: the chunk the server refuses
    (422 too_many_active) waits for a free slot instead of failing the run."""
    held = [f"HELD{n}" for n in range(10)]
    response = httpx.post(
        f"{connected.url}/api/imports", headers=connected.headers(),
        data={"resource_type": "skus"}, files={"file": ("held.csv", b"code,name\nHELD,Held\n")},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    with sqlite3.connect(connected.database) as db:  # ten pending imports, as another client's
        row = db.execute("SELECT * FROM imports WHERE id = ?", (response.json()["data"]["id"],))
        names = [column[0] for column in row.description]
        template = dict(zip(names, row.fetchone(), strict=True))
        for job_id in held:
            values = {**template, "id": job_id, "status": "pending", "lease": None}
            marks = ", ".join(f":{name}" for name in values)
            db.execute(f"INSERT INTO imports ({', '.join(values)}) VALUES ({marks})", values)
    logged = len(connected.log())
    path = sku_csv(tmp_path / "late.csv", [f"LATE{n:02d}" for n in range(10)])
    command = [sys.executable, "-m", "app.cli", "import", str(path), "--type", "skus"]
    command += ["--chunk-size", "5", "--json"]
    running = subprocess.Popen(
        command, cwd=ROOT, env=client_env(connected), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while '"POST /api/imports HTTP/1.1" 422' not in connected.log()[logged:]:
        assert running.poll() is None and time.monotonic() < deadline, running.communicate()
        time.sleep(0.1)
    time.sleep(1.5)  # refused again meanwhile: still waiting
    assert running.poll() is None, running.communicate()
    with sqlite3.connect(connected.database) as db:  # the other client's imports end
        marks = ", ".join("?" for _ in held)
        db.execute(f"UPDATE imports SET status = 'completed' WHERE id IN ({marks})", held)
    out, err = running.communicate(timeout=60)
    assert running.returncode == 0, err
    assert (json.loads(out)["created"], len(json.loads(out)["imports"])) == (10, 2)
    assert count(connected, "skus", code_start="LATE") == 10


# -- rate limits ----------------------------------------------------------------------------------


def test_tight_write_limits_are_waited_out(tmp_path, capsys, monkeypatch):
    limits = {"BULKPORT_RATE_LIMITS": "on", "BULKPORT_RATE_LIMIT_WRITES": "4/2"}
    with live_server(tmp_path, **limits) as server:
        create(server, "shipping_categories", {"name": "Merchandise", "code": "MERCH"})
        monkeypatch.setenv("BULKPORT_URL", server.url)
        monkeypatch.setenv("BULKPORT_CLIENT_ID", server.client_id)
        monkeypatch.setenv("BULKPORT_CLIENT_SECRET", server.client_secret)
        path = sku_csv(tmp_path / "limited.csv", [f"RATE{n:02d}" for n in range(12)])
        started = time.monotonic()
        code, out, err = bulkport(
            capsys, "import", str(path), "--type", "skus", "--chunk-size", "2", "--json"
        )
        assert code == 0, err
        summary = json.loads(out)
        assert (summary["created"], summary["errors"], len(summary["imports"])) == (12, 0, 6)
        assert count(server, "skus", code_start="RATE") == 12
        assert '"POST /api/imports HTTP/1.1" 429' in server.log()
        assert time.monotonic() - started > 2  # 6 uploads at 4 per 2 s
