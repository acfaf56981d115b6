"""Client benchmark: `bulkport import` of one CSV file split into chunks against the same file
as one upload, on PostgreSQL + Redis + one worker process (bench/imports.py's stack).

    python bench/client.py [--items 50000] [--runs 2] [--chunk-size 10000]

Per run, two new organizations: the file (SKUs, one row each) imported with `--chunk-size`
(several imports of one reference group, ten in flight at most) and as one upload. Prints the
medians in seconds (the command's whole wall time: token, uploads, polling, summary), the ratio
chunked/single, and the client process's peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from imports import DB_URL, MEDIA, ROOT, Stack, fresh_stack_env, make, token  # noqa: E402

from app.provisioning import create_organization  # noqa: E402
from core.db import make_engine  # noqa: E402


def write_file(path: Path, items: int) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["code", "name", "weight", "shipping_category_code"])
        for i in range(items):
            writer.writerow([f"SKU{i:07d}", f"T-shirt, size {i % 7}", "0.2", "APPAREL"])


def run_import(base: str, app: dict, file: Path, extra: list[str]) -> tuple[float, float, dict]:
    """(seconds, peak RSS in MB, the --json summary) of one `bulkport import`."""
    env = {**os.environ, "BULKPORT_URL": base, "BULKPORT_CLIENT_ID": app["client_id"],
           "BULKPORT_CLIENT_SECRET": app["client_secret"]}  # fmt: skip
    command = [sys.executable, "-m", "app.cli", "import", str(file), "--type", "skus", "--json"]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*command, *extra], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    assert os.waitstatus_to_exitcode(status) == 0, out
    return seconds, usage.ru_maxrss / 1024, json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    args = parser.parse_args()
    env = fresh_stack_env()
    engine = make_engine(DB_URL)
    stack = Stack(env)
    file = Path(env["BULKPORT_DATA_DIR"]) / "skus.csv"
    write_file(file, args.items)
    cases = {"chunked": ["--chunk-size", str(args.chunk_size)], "single": []}
    seconds: dict[str, list[float]] = {name: [] for name in cases}
    rss: dict[str, list[float]] = {name: [] for name in cases}
    try:
        for run in range(args.runs):
            for name, extra in cases.items():
                app = create_organization(engine, f"bench-{name}-{run}")["application"]
                bearer = token(stack.base, app["client_id"], app["client_secret"])
                headers = {"Accept": MEDIA, "Content-Type": MEDIA,
                           "Authorization": f"Bearer {bearer}"}  # fmt: skip
                with httpx.Client(base_url=stack.base, headers=headers, timeout=60) as client:
                    make(client, "shipping_categories", {"name": "Apparel", "code": "APPAREL"})
                took, peak, summary = run_import(stack.base, app, file, extra)
                assert summary["created"] == args.items, summary
                seconds[name].append(took)
                rss[name].append(peak)
                print(f"run {run} {name}: {took:.2f} s, {len(summary['imports'])} imports, "
                      f"client peak RSS {peak:.0f} MB", flush=True)  # fmt: skip
    finally:
        stack.stop()
    chunked, single = (statistics.median(seconds[n]) for n in ("chunked", "single"))
    print(f"{args.items:,} SKUs: chunked {chunked:.2f} s, one upload {single:.2f} s, "
          f"chunked/single {chunked / single:.2f}x; client peak RSS chunked "
          f"{max(rss['chunked']):.0f} MB, single {max(rss['single']):.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
