"""Imports in the production setup: PostgreSQL, Redis, S3 over HTTP, `bulkport worker` processes.

Skipped with the reason when a service is unreachable; failures when REQUIRE_SERVICES=1.
The fixtures are in tests/support/services.py.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import signal
import threading
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx2 as httpx
import pytest
import redis

from bulk.broker import QUEUE
from bulk.dispatch import Dispatcher
from tests.support import factories
from tests.support.api import ApiClient, CheckedClient, make_org, open_app, sql
from tests.support.jobs import eventually, post_import, read_job, run_to_end
from tests.support.services import BUCKET, delete_namespace

pytestmark = pytest.mark.services


def queued(settings) -> int:
    """Messages waiting in the Redis queue of these settings' namespace."""
    client = redis.Redis.from_url(settings.redis_url)
    try:
        return client.llen(f"{settings.redis_namespace}:{QUEUE}")
    finally:
        client.close()


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


def test_import_through_redis_worker_with_s3_attachment(
    service_app, service_settings, worker, moto_endpoint
):
    w = worker()
    org = make_org(service_app, "acme")
    api = org.api
    category = factories.shipping_category(api)
    plist = factories.price_list(api)
    skus = [
        {"code": f"SVC{i}", "name": f"Shirt {i}", "shipping_category_id": category["id"]}
        for i in range(3)
    ]
    r = post_import(api, "skus", skus)
    assert r.status_code == 201, r.text
    sku_import = r.json()["data"]["id"]
    attrs = run_to_end(api, "imports", sku_import, [w])
    assert attrs["status"] == "completed", attrs
    assert (attrs["processed_count"], attrs["errors_count"]) == (3, 0), attrs

    csv_text = (
        "sku_code,amount_cents,price_tiers.type,price_tiers.name,price_tiers.up_to,"
        "price_tiers.price_amount_cents\r\n"
        "SVC0,1000,PriceVolumeTier,10 pack,10,900\r\n"
        "SVC0,1000,PriceVolumeTier,20 pack,20,800\r\n"
        "SVC1,2000,,,,\r\n"
    )
    r = post_import(api, "prices", csv_text, format="csv", parent_resource_id=plist["id"])
    assert r.status_code == 201, r.text
    price_import = r.json()["data"]["id"]
    attrs = run_to_end(api, "imports", price_import, [w])
    assert attrs["status"] == "completed", attrs
    assert (attrs["processed_count"], attrs["errors_count"]) == (2, 0), attrs  # 2 prices, 3 rows
    sku0 = api.get("/api/skus?filter[q][code_eq]=SVC0").json()["data"][0]
    body = api.get(f"/api/skus/{sku0['id']}/prices?include=price_tiers").json()
    assert [p["attributes"]["amount_cents"] for p in body["data"]] == [1000]
    assert sorted(t["attributes"]["name"] for t in body["included"]) == ["10 pack", "20 pack"]

    # The worker subprocess did the work: this process never started a dramatiq worker.
    assert (
        not service_app.state.dispatcher.in_process and service_app.state.dispatcher._worker is None
    )

    prefix = service_settings.storage_url.removeprefix(f"s3://{BUCKET}/")
    for import_id, ext, expected in (
        (sku_import, "json", json.dumps(skus).encode()),
        (price_import, "csv", csv_text.encode()),
    ):
        url = read_job(api, "imports", import_id)["attachment_url"]
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == moto_endpoint
        assert parts.path == f"/{BUCKET}/{prefix}/imports/{org.id}/{import_id}.{ext}.gz"
        query = parse_qs(parts.query)
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
        assert query["X-Amz-Expires"] == ["300"]

        download = httpx.get(url, timeout=10)
        assert download.status_code == 200, download.text
        data = gzip.decompress(download.content)
        if ext == "json":
            assert json.loads(data) == skus
        else:
            assert data == expected

        signature = query["X-Amz-Signature"][0]
        tampered = signature[:-1] + ("0" if signature[-1] != "0" else "1")
        refused = httpx.get(with_query(url, **{"X-Amz-Signature": tampered}), timeout=10)
        assert refused.status_code == 403
        assert b"SignatureDoesNotMatch" in refused.content
        longer = httpx.get(with_query(url, **{"X-Amz-Expires": "3600"}), timeout=10)
        assert longer.status_code == 403  # the expiry is part of what is signed

    # Deleting the import deletes its file: a presigned link handed out before serves nothing.
    url = read_job(api, "imports", sku_import)["attachment_url"]
    assert api.delete(f"/api/imports/{sku_import}").status_code == 204
    gone = httpx.get(url, timeout=10)
    assert gone.status_code == 404 and b"NoSuchKey" in gone.content


def test_uploaded_file_through_s3_and_a_redis_worker(service_app, service_settings, worker):
    # The server stores the gzipped file in S3; a worker process reads it back from there.
    w = worker()
    api = make_org(service_app, "acme").api
    rows = "Artikelnummer;Bezeichnung;Versand\r\nS3A;Grüner Tee;nein\r\nS3B;Kaffee;nein\r\n"
    text = rows.encode("cp1252")
    ship = {"to": "do_not_ship", "map": {"nein": True}}
    mapping = json.dumps({"Artikelnummer": "code", "Bezeichnung": "name", "Versand": ship})
    r = api.post(
        "/api/imports",
        files={"file": ("artikel.csv.gz", gzip.compress(text))},
        data={"resource_type": "skus", "mapping": mapping},
    )
    assert r.status_code == 201, r.text
    attrs = run_to_end(api, "imports", r.json()["data"]["id"], [w])
    assert (attrs["status"], attrs["inputs_size"], attrs["created_count"]) == (
        "completed", 2, 2,
    ), attrs["errors_log"]  # fmt: skip
    assert attrs["attachment_url"].startswith(service_settings.s3_endpoint_url)
    download = httpx.get(attrs["attachment_url"], timeout=10)
    assert download.status_code == 200 and gzip.decompress(download.content) == text
    names = {
        d["attributes"]["code"]: d["attributes"]["name"]
        for d in api.get("/api/skus").json()["data"]
    }
    assert names == {"S3A": "Grüner Tee", "S3B": "Kaffee"}


def test_twenty_concurrent_creates_admit_exactly_ten(service_app, service_settings):
    """No worker runs: every admitted import stays pending, so the limit of 10 is what decides."""
    org = make_org(service_app, "acme")
    inputs = [{"code": "CONC1", "name": "Shirt"}]
    barrier = threading.Barrier(20)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def post(_n: int) -> None:
        api = ApiClient(CheckedClient(service_app, base_url="http://testserver"), org.api.token)
        barrier.wait(timeout=10)
        r = post_import(api, "skus", inputs)
        with lock:
            results.append((r.status_code, r.json()))

    threads = [threading.Thread(target=post, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    codes = sorted(code for code, _ in results)
    assert codes == [201] * 10 + [422] * 10, (codes, [b for c, b in results if c != 201])
    for code, body in results:
        if code == 422:
            assert "too many imports pending or in progress" in json.dumps(body), body

    rows = sql(service_app, "SELECT status, count(*) FROM imports GROUP BY status")
    assert [tuple(r) for r in rows] == [("pending", 10)]
    assert queued(service_settings) == 10  # one message per admitted import, none for refusals

    # A worker's periodic sweep leaves them alone: each has its message in the queue.
    settings = dataclasses.replace(service_settings, job_stale_seconds=0)
    sweeper = Dispatcher(settings, service_app.state.engine)
    try:
        assert sweeper.recover(all_pending=False) == 0
        assert queued(service_settings) == 10
    finally:
        sweeper.stop()


def test_worker_with_two_processes(service_app, worker):
    api = make_org(service_app, "acme").api
    category = factories.shipping_category(api)

    def submit(n: int) -> str:
        inputs = [
            {"code": f"P{n}-{i}", "name": "Shirt", "shipping_category_id": category["id"]}
            for i in range(50)
        ]
        r = post_import(api, "skus", inputs)
        assert r.status_code == 201, r.text
        return r.json()["data"]["id"]

    ids = [submit(n) for n in range(4)]
    w = worker(processes=2)
    assert len(set(w.ready_pids())) == 2, w.log()
    for import_id in ids:
        attrs = run_to_end(api, "imports", import_id, [w])
        assert attrs["status"] == "completed", attrs
        assert attrs["processed_count"] == 50, attrs

    # A worker process that dies is replaced, and the pair keeps working.
    os.kill(int(w.ready_pids()[0]), signal.SIGKILL)
    eventually(lambda: len(w.ready_pids()) >= 3, 20, w.log)
    ids = [submit(n) for n in range(4, 8)]
    for import_id in ids:
        assert run_to_end(api, "imports", import_id, [w])["status"] == "completed"
    assert sql(service_app, "SELECT count(*) FROM skus")[0][0] == 400

    assert w.stop() == 0, w.log()  # SIGTERM stops both processes cleanly
    assert w.log().count("worker stopping") == 2, w.log()


def test_sigkilled_worker_is_taken_over_without_duplicates(service_app, worker):
    total = 10_000
    fast = {"BULKPORT_IMPORT_CHUNK_SIZE": "200", "BULKPORT_JOB_STALE_SECONDS": "2"}
    org = make_org(service_app, "acme")
    api = org.api
    category = factories.shipping_category(api)
    inputs = [
        {"code": f"K{i:05d}", "name": f"Shirt {i}", "shipping_category_id": category["id"]}
        for i in range(total)
    ]
    a = worker(**fast)
    r = post_import(api, "skus", inputs)
    assert r.status_code == 201, r.text
    import_id = r.json()["data"]["id"]

    eventually(lambda: read_job(api, "imports", import_id)["processed_count"] > 0, 30, a.tail)
    a.kill()
    at_kill = read_job(api, "imports", import_id)
    assert at_kill["status"] == "in_progress", at_kill
    assert 0 < at_kill["processed_count"] < total, at_kill
    assert at_kill["processed_count"] % 200 == 0, at_kill  # whole chunks only

    b = worker(**fast)
    attrs = run_to_end(api, "imports", import_id, [a, b], timeout=45)
    assert attrs["status"] == "completed", attrs
    assert attrs["processed_count"] == total, attrs
    assert attrs["errors_count"] == 0, attrs["errors_log"]
    assert attrs["warnings_count"] == 0, attrs["warnings_log"]
    rows, codes = sql(
        service_app,
        "SELECT count(*), count(DISTINCT code) FROM skus WHERE organization_id = :org",
        org=org.id,
    )[0]
    assert rows == codes == total
    assert sql(service_app, "SELECT count(*) FROM import_records")[0][0] == 0


def test_pending_import_without_message_is_recovered_on_worker_start(
    service_app, service_settings, worker
):
    api = make_org(service_app, "acme").api
    category = factories.shipping_category(api)
    inputs = [{"code": "LOST1", "name": "Shirt", "shipping_category_id": category["id"]}]
    r = post_import(api, "skus", inputs)
    assert r.status_code == 201, r.text
    import_id = r.json()["data"]["id"]
    assert queued(service_settings) == 1
    # Redis lost the message (flushed, restarted without persistence, ...).
    delete_namespace(service_settings.redis_url, service_settings.redis_namespace)
    assert queued(service_settings) == 0
    assert read_job(api, "imports", import_id)["status"] == "pending"

    w = worker()
    assert "1 jobs re-sent" in w.log(), w.log()
    attrs = run_to_end(api, "imports", import_id, [w])
    assert attrs["status"] == "completed", attrs
    assert attrs["processed_count"] == 1, attrs


def test_import_created_while_redis_is_down_is_sent_by_a_worker_sweep(service_settings, worker):
    """The API answers 201 when Redis is unreachable; a running worker's periodic sweep sends
    the import once it has been pending for BULKPORT_JOB_STALE_SECONDS with no message."""
    w = worker(BULKPORT_JOB_STALE_SECONDS="1")  # sweeps every second
    unreachable = dataclasses.replace(service_settings, redis_url="redis://127.0.0.1:1/0")
    with open_app(unreachable) as cut_off:
        api = make_org(cut_off, "acme").api
        category = factories.shipping_category(api)
        inputs = [{"code": "DOWN1", "name": "Shirt", "shipping_category_id": category["id"]}]
        r = post_import(api, "skus", inputs)
        assert r.status_code == 201, r.text
        import_id = r.json()["data"]["id"]
        assert queued(service_settings) == 0
        attrs = run_to_end(api, "imports", import_id, [w], timeout=20)
        assert attrs["status"] == "completed", attrs
        assert attrs["processed_count"] == 1, attrs
        assert "re-sent 1 jobs left behind" in w.log(), w.log()
