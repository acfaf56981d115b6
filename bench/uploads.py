"""Peak RSS of the server and the worker for big uploads: a ~50 MB CSV and a ~20 MB XLSX.

    python bench/uploads.py [--csv-mb 49] [--xlsx-mb 20]

Runs `bulkport serve` and `bulkport worker` (bench/imports.py's Stack, PostgreSQL and Redis as
there), uploads each file with `POST /api/imports` (multipart), waits for the import to end and
prints its seconds, items and each process's peak RSS (VmHWM). Target: under 250 MB each.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import httpx2 as httpx
import imports as bench  # bench/imports.py, beside this script
import xlsxwriter

from app.migrate import upgrade
from app.provisioning import create_organization
from core.db import make_engine
from core.settings import Settings

DESCRIPTION = "Ein Artikel aus der Lieferantenliste, Beschreibung mit etwas Text. " * 4


def write_csv(path: Path, megabytes: float) -> int:
    rows = 0
    with open(path, "w", encoding="cp1252", newline="") as f:
        f.write("code;name;pieces_per_pack;weight;do_not_ship;description\r\n")
        while f.tell() < megabytes * 1024 * 1024:
            f.write(f"C{rows:08d};Artikel {rows} grün;6;0.25;true;{DESCRIPTION}\r\n")
            rows += 1
    return rows


def write_xlsx(path: Path, megabytes: float) -> int:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Artikel")
    sheet.write_row(0, 0, ["code", "name", "pieces_per_pack", "weight", "do_not_ship",
                           "description"])  # fmt: skip
    rows = 0
    per_row = 31  # compressed bytes a row costs, measured on this content (5.1 MB, 174,761 rows)
    for rows in range(1, int(megabytes * 1024 * 1024 / per_row)):
        sheet.write_row(rows, 0, [f"X{rows:08d}", f"Artikel {rows}", 6.0, 0.25, True,
                                  f"{DESCRIPTION[: 40 + rows % 97]}{rows}"])  # fmt: skip
    book.close()
    return rows


def upload(client: httpx.Client, path: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    with open(path, "rb") as f:
        r = client.post("/api/imports", data={"resource_type": "skus", "skip_errors": "true"},
                        files={"file": (path.name, f)})  # fmt: skip
    r.raise_for_status()
    import_id = r.json()["data"]["id"]
    while True:
        attrs = client.get(f"/api/imports/{import_id}").json()["data"]["attributes"]
        if attrs["status"] in ("completed", "interrupted"):
            return time.perf_counter() - start, attrs
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-mb", type=float, default=49)
    parser.add_argument("--xlsx-mb", type=float, default=20)
    args = parser.parse_args()
    bench.reset_database(bench.DB_URL)
    data_dir = tempfile.mkdtemp(prefix="bulkport-bench-")
    env = {
        "BULKPORT_DATABASE_URL": bench.DB_URL,
        "BULKPORT_REDIS_URL": bench.REDIS_URL,
        "BULKPORT_REDIS_NAMESPACE": f"bench-{uuid.uuid4().hex[:8]}",
        "BULKPORT_DATA_DIR": data_dir,
        "BULKPORT_RATE_LIMITS": "off",
        "BULKPORT_STATEMENT_TIMEOUT": "0",  # the upload's count reads the file in the request
    }
    upgrade(Settings.from_env(env))
    files = Path(data_dir) / "files"
    files.mkdir()
    cases = [
        (files / "big.csv", write_csv, args.csv_mb),
        (files / "big.xlsx", write_xlsx, args.xlsx_mb),
    ]
    stack = bench.Stack(env)
    try:
        for n, (path, write, mb) in enumerate(cases):
            rows = write(path, mb)
            created = create_organization(make_engine(bench.DB_URL), f"upload-{n}")
            app = created["application"]
            auth = bench.token(stack.base, app["client_id"], app["client_secret"])
            headers = {"Accept": bench.MEDIA, "Authorization": f"Bearer {auth}"}
            with httpx.Client(base_url=stack.base, headers=headers, timeout=600) as client:
                seconds, attrs = upload(client, path)
            size = path.stat().st_size / 1024 / 1024
            print(
                f"{path.name}: {size:.1f} MB, {rows} rows -> {attrs['status']}, "
                f"{attrs['created_count']} created, {attrs['errors_count']} errors, "
                f"{seconds:.1f} s; peak RSS server {bench.peak_rss_mb(stack.server.pid):.0f} MB, "
                f"worker {bench.peak_rss_mb(stack.worker.pid):.0f} MB",
                flush=True,
            )
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
