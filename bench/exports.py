"""Export benchmark: POST-to-completed on PostgreSQL + Redis + one worker process, against a raw
psycopg `COPY (SELECT ... skus JOIN prices ...) TO STDOUT` of the same rows, in the same run.

    python bench/exports.py [--skus 10000] [--runs 3]

Seeds 10,000 SKUs with two prices each (two price lists) through imports, then exports the
SKUs with `includes: ["prices"]` as JSON and as CSV. Prints seconds from sending the POST to
the export's `completed_at` (median of --runs), the file size, the raw COPY's seconds (all rows
read by the client), the ratio export/raw (target: within 4x) and the worker's peak RSS
(VmHWM) while it exports (reset after seeding; target: under 250 MB) and while it seeds. Needs
PostgreSQL (BULKPORT_BENCH_DATABASE_URL, default
postgresql+psycopg://root@127.0.0.1:5432/bench_exports) and Redis (BULKPORT_BENCH_REDIS_URL).
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from imports import MEDIA, Stack, make, peak_rss_mb, reset_database, token  # noqa: E402

from app.migrate import upgrade  # noqa: E402
from app.provisioning import create_organization  # noqa: E402
from core.db import make_engine  # noqa: E402
from core.settings import Settings  # noqa: E402

DB_URL = os.environ.get(
    "BULKPORT_BENCH_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/bench_exports"
)
REDIS_URL = os.environ.get("BULKPORT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# The same rows as the export's (SKUs with their prices), every column, in the same order.
RAW = """COPY (
  SELECT s.id, s.code, s.name, s.description, s.image_url, s.pieces_per_pack, s.weight,
         s.unit_of_weight, s.hs_tariff_number, s.do_not_ship, s.do_not_track, s.reference,
         s.reference_origin, s.metadata, s.created_at, s.updated_at, s.shipping_category_code,
         s.shipping_category_id,
         p.id, p.amount_cents, p.compare_at_amount_cents, p.rules, p.reference,
         p.reference_origin, p.metadata, p.created_at, p.updated_at, p.price_list_code,
         p.sku_code, p.price_list_id, p.sku_id
  FROM skus s LEFT JOIN prices p ON p.sku_id = s.id AND p.organization_id = s.organization_id
  WHERE s.organization_id = %s ORDER BY s.id, p.created_at, p.id
) TO STDOUT WITH (FORMAT {fmt}, HEADER)"""


def reset_peak_rss(pid: int) -> bool:
    """Resets the process's VmHWM to its current RSS (Linux 4.0+), so that the peak measured
    next is the exports', not the seeding imports'."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def wait(client: httpx.Client, path: str, done: tuple[str, ...]) -> dict:
    while True:
        attrs = client.get(path).json()["data"]["attributes"]
        if attrs["status"] in done:
            return attrs
        time.sleep(0.1)  # the elapsed time is read from completed_at, not from this loop


def run_import(client: httpx.Client, attributes: dict) -> None:
    r = client.post("/api/imports", json={"data": {"type": "imports", "attributes": attributes}})
    r.raise_for_status()
    attrs = wait(client, f"/api/imports/{r.json()['data']['id']}", ("completed", "interrupted"))
    assert attrs["status"] == "completed" and attrs["errors_count"] == 0, attrs


def run_export(client: httpx.Client, fmt: str) -> tuple[float, int, dict]:
    body = {"data": {"type": "exports", "attributes": {
        "resource_type": "skus", "format": fmt, "includes": ["prices"]}}}  # fmt: skip
    start = datetime.now(UTC)
    r = client.post("/api/exports", json=body)
    r.raise_for_status()
    attrs = wait(client, f"/api/exports/{r.json()['data']['id']}",
                 ("completed", "interrupted", "failed"))  # fmt: skip
    assert attrs["status"] == "completed", attrs
    # POST sent -> export completed (its file stored), by the worker's clock (this machine's):
    # polling less often than the export takes keeps the poller from competing for the CPU.
    completed = datetime.fromisoformat(attrs["completed_at"].replace("Z", "+00:00"))
    elapsed = (completed - start).total_seconds()
    data = httpx.get(attrs["attachment_url"], timeout=60).content
    return elapsed, len(gzip.decompress(data)), attrs


def raw_copy(dsn: str, org: str, fmt: str) -> tuple[float, int]:
    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        size = 0
        with conn.cursor().copy(RAW.format(fmt=fmt), (org,)) as copy:
            for chunk in copy:
                size += len(chunk)
        return time.perf_counter() - start, size


def seed(client: httpx.Client, n: int) -> None:
    category = make(client, "shipping_categories", {"name": "Apparel", "code": "APPAREL"})
    lists = [make(client, "price_lists", {"name": name, "code": name, "currency_code": cur})
             for name, cur in (("EUR", "EUR"), ("USD", "USD"))]  # fmt: skip
    skus = [
        {"code": f"SKU{i:06d}", "name": f"T-shirt {i}", "description": "Organic cotton",
         "shipping_category_id": category, "pieces_per_pack": 1, "weight": 0.2,
         "unit_of_weight": "gr", "hs_tariff_number": "6109"}
        for i in range(n)
    ]  # fmt: skip
    run_import(client, {"resource_type": "skus", "inputs": skus})
    for k, plist in enumerate(lists):
        prices = [{"sku_code": s["code"], "amount_cents": 1000 + i + k} for i, s in enumerate(skus)]
        run_import(client, {"resource_type": "prices", "inputs": prices,
                            "parent_resource_id": plist})  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    dsn = reset_database(DB_URL)
    env = {
        "BULKPORT_DATABASE_URL": DB_URL,
        "BULKPORT_REDIS_URL": REDIS_URL,
        "BULKPORT_REDIS_NAMESPACE": f"bench-{uuid.uuid4().hex[:8]}",
        "BULKPORT_DATA_DIR": tempfile.mkdtemp(prefix="bulkport-bench-"),
    }
    upgrade(Settings.from_env(env))
    engine = make_engine(DB_URL)
    stack = Stack(env)
    try:
        created = create_organization(engine, "bench")
        org, app = created["organization"]["id"], created["application"]
        headers = {"Accept": MEDIA, "Content-Type": MEDIA,
                   "Authorization": f"Bearer {token(stack.base, app['client_id'], app['client_secret'])}"}  # noqa: E501  # fmt: skip
        client = httpx.Client(base_url=stack.base, headers=headers, timeout=120)
        seed(client, args.skus)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        seeding_rss = peak_rss_mb(stack.worker.pid)
        if not reset_peak_rss(stack.worker.pid):
            print("could not reset the worker's peak RSS: the figure below includes seeding")
        results: dict[str, list[float]] = {}
        sizes: dict[str, int] = {}
        for _run in range(args.runs):
            for fmt in ("json", "csv"):
                elapsed, size, attrs = run_export(client, fmt)
                assert attrs["records_count"] == args.skus, attrs
                results.setdefault(fmt, []).append(elapsed)
                sizes[fmt] = size
                raw, raw_size = raw_copy(dsn, org, "csv" if fmt == "csv" else "text")
                results.setdefault(f"raw_{fmt}", []).append(raw)
                sizes[f"raw_{fmt}"] = raw_size
        rss = peak_rss_mb(stack.worker.pid)
        client.close()
    finally:
        stack.stop()
        engine.dispose()
    print(f"{args.skus} SKUs x 2 prices, includes prices; runs: {args.runs} (medians); "
          f"worker peak RSS: {rss:.0f} MB exporting, {seeding_rss:.0f} MB seeding")  # fmt: skip
    print(f"{'case':<8}{'export s':>10}{'MB':>8}{'raw COPY s':>12}{'raw MB':>8}{'ratio':>8}")
    for fmt in ("json", "csv"):
        t = statistics.median(results[fmt])
        raw = statistics.median(results[f"raw_{fmt}"])
        print(f"{fmt:<8}{t:>10.3f}{sizes[fmt] / 1e6:>8.1f}{raw:>12.3f}"
              f"{sizes[f'raw_{fmt}'] / 1e6:>8.1f}{t / raw:>8.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
