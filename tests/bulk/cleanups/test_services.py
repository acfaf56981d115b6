"""Cleanups in the production setup: PostgreSQL, Redis, `bulkport worker` processes.

Skipped with the reason when a service is unreachable; failures when REQUIRE_SERVICES=1.
The fixtures are in tests/support/services.py.
"""

from __future__ import annotations

import time

import pytest

from bulk.cleanups.run import CHUNK
from tests.support import factories
from tests.support.api import make_org, sql
from tests.support.documents import only_error
from tests.support.jobs import eventually, post_cleanup, post_import, read_job, run_to_end

pytestmark = pytest.mark.services


def test_sigkilled_worker_is_taken_over_and_ten_thousand_records_go(service_app, worker):
    total = 10_000
    fast = {"BULKPORT_JOB_STALE_SECONDS": "2"}
    org = make_org(service_app, "acme")
    api = org.api
    category = factories.shipping_category(api)
    inputs = [
        {"code": f"K{i:05d}", "name": f"Shirt {i}", "shipping_category_id": category["id"]}
        for i in range(total)
    ]
    a = worker(**fast)
    imported = run_to_end(api, "imports", post_import(api, "skus", inputs).json()["data"]["id"],
                          [a], timeout=60)  # fmt: skip
    assert imported["created_count"] == total, imported
    kept = factories.sku(api, code="KEEP")  # the filters leave it
    error = only_error(post_cleanup(api, "skus"))  # 10,001: one too many, really counted
    assert error["meta"] == {"error": "less_than_or_equal_to", "value": total + 1, "count": total}
    assert error["detail"] == "records_count - must be less than or equal to 10000"
    started = time.monotonic()
    response = post_cleanup(api, "skus", filters={"code_start": "K0"})
    assert response.status_code == 201, response.text
    cleanup_id = response.json()["data"]["id"]
    assert response.json()["data"]["attributes"]["records_count"] == total

    eventually(lambda: read_job(api, "cleanups", cleanup_id)["processed_count"] > 0, 30, a.tail)
    a.kill()
    at_kill = read_job(api, "cleanups", cleanup_id)
    assert at_kill["status"] == "in_progress", at_kill
    assert 0 < at_kill["processed_count"] < total, at_kill
    assert at_kill["processed_count"] % CHUNK == 0, at_kill  # whole chunks only

    b = worker(**fast)
    attrs = run_to_end(api, "cleanups", cleanup_id, [a, b], timeout=60)
    elapsed = time.monotonic() - started
    assert (attrs["status"], attrs["processed_count"], attrs["errors_count"]) == (
        "completed", total, 0), attrs  # fmt: skip
    assert sql(service_app, "SELECT code FROM skus WHERE organization_id = :org", org=org.id) == [
        ("KEEP",)]  # fmt: skip
    assert api.get(f"/api/skus/{kept['id']}").status_code == 200
    (destroyed,) = sql(
        service_app,
        "SELECT count(*), count(DISTINCT resource_id) FROM versions WHERE event = 'destroy' "
        "AND organization_id = :org",
        org=org.id,
    )
    assert tuple(destroyed) == (total, total)  # each deleted, and versioned, exactly once
    print(f"cleanup of {total} SKUs with a worker killed mid-way: {elapsed:.1f} s")
