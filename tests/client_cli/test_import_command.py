"""`bulkport import FILE --type TYPE` against a real `bulkport serve`: a file over the server's
upload limit split into imports of at most 10,000 items under one reference group, the totals
exact, the failed items of every chunk in one file that imports again once fixed, previews
committed or not, and the exit codes a cron job reads."""

from __future__ import annotations

import csv
import json
import os
import pty
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
