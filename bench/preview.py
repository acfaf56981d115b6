"""Preview benchmark: what a preview costs beside the import it plans, on PostgreSQL + Redis +
one worker process (bench/imports.py's stack).

    python bench/preview.py [--items 10000] [--runs 3]

Per run, a new organization: 10,000 new SKUs previewed (POST with `preview: true` until
`previewed`), then committed (PATCH `_commit` until `completed`, i.e. the import itself); then
the same SKUs with changed names, previewed and committed. Prints the medians in seconds and
the ratio preview/commit.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from imports import DB_URL, MEDIA, Stack, fresh_stack_env, make, token  # noqa: E402

from app.provisioning import create_organization  # noqa: E402
from core.db import make_engine  # noqa: E402


def wait_for(client: httpx.Client, import_id: str, status: str, start: float) -> float:
    while True:
        attrs = client.get(f"/api/imports/{import_id}").json()["data"]["attributes"]
        if attrs["status"] in (status, "interrupted"):
            assert attrs["status"] == status, attrs
            return time.perf_counter() - start
        time.sleep(0.01)


def preview_and_commit(client: httpx.Client, skus: list[dict]) -> tuple[float, float]:
    """(seconds to previewed, seconds from the commit to completed)."""
    body = {"data": {"type": "imports", "attributes": {"resource_type": "skus", "inputs": skus,
                                                       "preview": True}}}  # fmt: skip
    start = time.perf_counter()
    r = client.post("/api/imports", json=body)
    r.raise_for_status()
    import_id = r.json()["data"]["id"]
    previewed = wait_for(client, import_id, "previewed", start)
    start = time.perf_counter()
    doc = {"data": {"type": "imports", "id": import_id, "attributes": {"_commit": True}}}
    client.patch(f"/api/imports/{import_id}", json=doc).raise_for_status()
    return previewed, wait_for(client, import_id, "completed", start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = fresh_stack_env()
    engine = make_engine(DB_URL)
    stack = Stack(env)
    results: dict[str, list[float]] = {}
    try:
        for run in range(args.runs):
            app = create_organization(engine, f"bench-{run}")["application"]
            headers = {"Accept": MEDIA, "Content-Type": MEDIA,
                       "Authorization": f"Bearer {token(stack.base, app['client_id'], app['client_secret'])}"}  # noqa: E501  # fmt: skip
            client = httpx.Client(base_url=stack.base, headers=headers, timeout=60)
            category = make(client, "shipping_categories", {"name": "Apparel"})
            skus: list[dict[str, Any]] = [
                {"code": f"SKU{i:06d}", "name": f"T-shirt {i}", "weight": 0.2,
                 "shipping_category_id": category}
                for i in range(args.items)
            ]  # fmt: skip
            for phase in ("new", "changed"):
                if phase == "changed":
                    skus = [{**s, "name": s["name"] + " v2"} for s in skus]
                previewed, committed = preview_and_commit(client, skus)
                results.setdefault(f"{phase}_preview", []).append(previewed)
                results.setdefault(f"{phase}_commit", []).append(committed)
            client.close()
    finally:
        stack.stop()
        engine.dispose()
    print(f"SKUs per import: {args.items}; runs: {args.runs} (medians, s)")
    print(f"{'case':<10}{'preview':>10}{'commit':>10}{'ratio':>8}")
    for phase in ("new", "changed"):
        p = statistics.median(results[f"{phase}_preview"])
        c = statistics.median(results[f"{phase}_commit"])
        print(f"{phase:<10}{p:>10.2f}{c:>10.2f}{p / c:>8.2f}")


if __name__ == "__main__":
    main()
