"""Exports in the production setup: PostgreSQL, Redis, S3 over HTTP, `bulkport worker`.

Skipped with the reason when a service is unreachable; failures when REQUIRE_SERVICES=1.
The fixtures are in tests/support/services.py.
"""

from __future__ import annotations

import gzip
import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pytest

from core.db import utcnow
from tests.support import factories
from tests.support.api import make_org, sql
from tests.support.jobs import post_export, read_job, run_to_end
from tests.support.services import BUCKET

pytestmark = pytest.mark.services


def fetch(url: str) -> bytes:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, response.text
    return gzip.decompress(response.content)


def test_export_through_redis_worker_to_s3(service_app, service_settings, worker, moto_endpoint):
    w = worker()
    org = make_org(service_app, "acme")
    api = org.api
    category = factories.shipping_category(api, "Apparel", code="APPAREL")
    plist = factories.price_list(api, code="EUR")
    for code in ("S3-A", "S3-B"):
        factories.price(api, factories.sku(api, code=code, category=category), plist, 900)
    r = post_export(api, "skus", includes=["prices"], dry_data=True)
    assert r.status_code == 201, r.text
    export_id = r.json()["data"]["id"]
    attrs = run_to_end(api, "exports", export_id, [w])
    assert (attrs["status"], attrs["records_count"], attrs["processed_count"]) == (
        "completed", 2, 2)  # fmt: skip
    # the worker subprocess did the work: this process never started a dramatiq worker
    assert (
        not service_app.state.dispatcher.in_process and service_app.state.dispatcher._worker is None
    )

    url = attrs["attachment_url"]
    parts = urlsplit(url)
    prefix = service_settings.storage_url.removeprefix(f"s3://{BUCKET}/")
    assert f"{parts.scheme}://{parts.netloc}" == moto_endpoint
    assert parts.path == f"/{BUCKET}/{prefix}/exports/{org.id}/{export_id}.json.gz"
    assert parse_qs(parts.query)["X-Amz-Expires"] == ["300"]
    exported = json.loads(fetch(url))
    assert [(i["code"], i["prices"][0]["amount_cents"]) for i in exported] == [
        ("S3-A", 900), ("S3-B", 900)]  # fmt: skip
    time.sleep(1.1)  # signatures carry the second they were made
    again = read_job(api, "exports", export_id)["attachment_url"]
    assert again != url and json.loads(fetch(again)) == exported


def test_export_claimed_by_a_dead_worker_is_taken_over(service_app, worker):
    """A worker died holding the export (its lease, part of its progress, a heartbeat that
    stopped): a live worker takes it over once the heartbeat is stale and completes it, from
    the start, with exact counts."""
    api = make_org(service_app, "acme").api
    total = 2_500  # three pages
    first = worker()
    r = api.post(
        "/api/imports",
        json={
            "data": {
                "type": "imports",
                "attributes": {
                    "resource_type": "tags",
                    "inputs": [{"name": f"t{i:04d}"} for i in range(total)],
                },
            }
        },
    )
    assert r.status_code == 201, r.text
    assert run_to_end(api, "imports", r.json()["data"]["id"], [first])["processed_count"] \
        == total  # fmt: skip
    assert first.stop() == 0

    r = post_export(api, "tags", format="csv")  # queued; no worker runs
    assert r.status_code == 201, r.text
    export_id = r.json()["data"]["id"]
    stale = utcnow() - timedelta(minutes=5)
    sql(service_app, "UPDATE exports SET status = 'in_progress', lease = 'dead-worker', "
        "heartbeat_at = :stale, started_at = :stale, processed_count = 1000, progress = 40.0 "
        "WHERE id = :id", stale=stale, id=export_id)  # fmt: skip
    assert read_job(api, "exports", export_id)["processed_count"] == 1000

    second = worker(BULKPORT_JOB_STALE_SECONDS="2")
    attrs = run_to_end(api, "exports", export_id, [second])
    assert attrs["status"] == "completed", attrs
    assert attrs["started_at"] == stale.isoformat(timespec="milliseconds") + "Z"
    rows = fetch(attrs["attachment_url"]).decode().splitlines()
    assert rows[0] == "id,name,reference,reference_origin,metadata,created_at,updated_at"
    names = [row.split(",")[1] for row in rows[1:]]
    assert sorted(names) == [f"t{i:04d}" for i in range(total)]
    assert (attrs["records_count"], attrs["processed_count"], attrs["progress"]) == (
        total, total, 100.0)  # fmt: skip
    assert sql(service_app, "SELECT lease FROM exports WHERE id = :id", id=export_id) == [(None,)]
