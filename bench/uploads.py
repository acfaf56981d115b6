"""Big uploads: peak RSS of the server and the worker, and a file against JSON imports.

    python bench/uploads.py [--csv-mb 49] [--xlsx-mb 20] [--rows 200000] [--cases csv,xlsx,rows]

Runs `bulkport serve` and `bulkport worker` (bench/imports.py's Stack, PostgreSQL and Redis as
there). Cases:
- csv, xlsx: uploads a ~50 MB CSV and a ~20 MB XLSX with `POST /api/imports` (multipart), waits
  for the import to end and prints its seconds, items and each process's peak RSS (VmHWM,
  reset before each case). Target: under 250 MB each.
- rows: the baseline of the same run. A 200,000-row SKU CSV (~30 MB) uploaded as one file, then
  the same rows as twenty 10,000-item JSON imports (kept within the 10-active limit) into
  another organization; seconds from the first POST to the last completed import, each.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
import uuid
from pathlib import Path

import httpx2 as httpx
import imports as bench  # bench/imports.py, beside this script
import orjson
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


def sku_rows(count: int) -> list[dict]:
    return [
        {"code": f"R{n:08d}", "name": f"Artikel {n} grün", "pieces_per_pack": 6,
         "weight": 0.25, "do_not_ship": True, "description": DESCRIPTION[: 100 + n % 41]}
        for n in range(count)
    ]  # fmt: skip


def write_rows_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def upload(client: httpx.Client, path: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    with open(path, "rb") as f:
        r = client.post("/api/imports", data={"resource_type": "skus", "skip_errors": "true"},
                        files={"file": (path.name, f)})  # fmt: skip
    r.raise_for_status()
    attrs = wait(client, r.json()["data"]["id"])
    attrs["_post"] = r.elapsed.total_seconds()
    return time.perf_counter() - start, attrs


def wait(client: httpx.Client, import_id: str) -> dict:
    while True:
        attrs = client.get(f"/api/imports/{import_id}").json()["data"]["attributes"]
        if attrs["status"] in ("completed", "interrupted"):
            return attrs
        time.sleep(0.5)


def json_imports(client: httpx.Client, rows: list[dict], size: int = 10_000) -> tuple[float, int]:
    """The rows as imports of ``size`` items, at most ten active at a time (the limit); the
    seconds until the last completed, and the items created."""
    start = time.perf_counter()
    active: list[str] = []
    created = 0
    for offset in range(0, len(rows), size):
        if len(active) == 10:
            created += wait(client, active.pop(0))["created_count"]
        body = {"data": {"type": "imports", "attributes": {
            "resource_type": "skus", "inputs": rows[offset : offset + size]}}}  # fmt: skip
        content = orjson.dumps(body)
        r = client.post("/api/imports", content=content, headers={"Content-Type": bench.MEDIA})
        r.raise_for_status()
        active.append(r.json()["data"]["id"])
    for import_id in active:
        created += wait(client, import_id)["created_count"]
    return time.perf_counter() - start, created


def reset_peaks(stack: bench.Stack) -> None:
    """Resets VmHWM of the server and the worker, so each case shows its own peak."""
    for proc in (stack.server, stack.worker):
        Path(f"/proc/{proc.pid}/clear_refs").write_text("5")


def peaks(stack: bench.Stack) -> str:
    server, worker = (bench.peak_rss_mb(p.pid) for p in (stack.server, stack.worker))
    return f"peak RSS server {server:.0f} MB, worker {worker:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-mb", type=float, default=49)
    parser.add_argument("--xlsx-mb", type=float, default=20)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--cases", default="csv,xlsx,rows")
    args = parser.parse_args()
    cases = args.cases.split(",")
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
    stack = bench.Stack(env)
    orgs = iter(range(1000))

    def client() -> httpx.Client:
        created = create_organization(make_engine(bench.DB_URL), f"upload-{next(orgs)}")
        app = created["application"]
        auth = bench.token(stack.base, app["client_id"], app["client_secret"])
        headers = {"Accept": bench.MEDIA, "Authorization": f"Bearer {auth}"}
        return httpx.Client(base_url=stack.base, headers=headers, timeout=600)

    try:
        big_files = [("csv", write_csv, args.csv_mb), ("xlsx", write_xlsx, args.xlsx_mb)]
        for name, write, mb in big_files:
            if name not in cases:
                continue
            path = files / f"big.{name}"
            rows = write(path, mb)
            reset_peaks(stack)
            with client() as api:
                seconds, attrs = upload(api, path)
            size = path.stat().st_size / 1024 / 1024
            print(
                f"{path.name}: {size:.1f} MB, {rows} rows -> {attrs['status']}, "
                f"{attrs['created_count']} created, {attrs['errors_count']} errors, "
                f"POST {attrs['_post']:.1f} s, {seconds:.1f} s in all; {peaks(stack)}",
                flush=True,
            )
        if "rows" in cases:
            items = sku_rows(args.rows)
            path = files / "rows.csv"
            write_rows_csv(path, items)
            size = path.stat().st_size / 1024 / 1024
            reset_peaks(stack)
            with client() as api:
                seconds, attrs = upload(api, path)
            print(
                f"{len(items)} rows as one {size:.1f} MB CSV upload: {seconds:.1f} s "
                f"(POST {attrs['_post']:.1f} s), {attrs['created_count']} created; {peaks(stack)}",
                flush=True,
            )
            reset_peaks(stack)
            with client() as api:
                json_seconds, created = json_imports(api, items)
            print(
                f"the same rows as {len(items) // 10_000} JSON imports of 10,000: "
                f"{json_seconds:.1f} s, {created} created; {peaks(stack)}; "
                f"upload/json {seconds / json_seconds:.2f}",
                flush=True,
            )
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
