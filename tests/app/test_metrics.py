"""GET /metrics: Prometheus' text format; counters that move with requests, imports, webhook
deliveries and rate-limit refusals; gauges read at scrape time; the token guard; several
processes added up through PROMETHEUS_MULTIPROC_DIR.

The counters of an app in this test process are this process's (prometheus-client's default
registry), shared by every app the tests build: each test compares a scrape before and after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx2 as httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from tests.support.api import BASE_URL, make_org, open_app
from tests.support.jobs import eventually, post_import, run_import
from tests.support.live_server import MEDIA, live_server
from tests.support.receiver import Receiver
from tests.support.services import AWS_ENV, make_settings, sqlite_url

Samples = dict[tuple[str, frozenset], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client, headers: dict[str, str] | None = None) -> Samples:
    response = client.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(response.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@contextmanager
def app_on(tmp_path, sqlite_template, jwt_pem, **env: str) -> Iterator:
    settings = make_settings(tmp_path, sqlite_url(sqlite_template, tmp_path), jwt_pem, **env)
    with open_app(settings) as app:
        yield app


def test_requests_are_counted_by_route_template_method_and_status(app, api):
    plain = TestClient(app, base_url=BASE_URL)
    before = scrape(plain)
    for record_id in ("nope1", "nope2"):
        assert api.get(f"/api/skus/{record_id}").status_code == 404
    assert api.get("/api/skus").status_code == 200
    assert plain.get("/no/such/path").status_code == 404
    assert plain.get("/docs/static/swagger-ui.css").status_code == 200  # a mounted folder
    after = scrape(plain)
    route = "/api/skus/{id}"
    assert moved(before, after, "bulkport_http_requests_total", route=route, method="GET",
                 status="404") == 2  # fmt: skip
    assert moved(before, after, "bulkport_http_requests_total", route="/api/skus", method="GET",
                 status="200") == 1  # fmt: skip
    assert moved(before, after, "bulkport_http_requests_total", route="unmatched", method="GET",
                 status="404") == 1  # fmt: skip
    assert moved(before, after, "bulkport_http_request_duration_seconds_count", route=route,
                 method="GET") == 2  # fmt: skip
    assert moved(before, after, "bulkport_http_requests_total", route="/docs/static",
                 method="GET", status="200") == 1  # fmt: skip
    assert not any("nope" in str(labels) or "css" in str(labels) for _, labels in after)


def test_an_import_counts_its_items_by_outcome_and_its_job_by_status(app, api):
    plain = TestClient(app, base_url=BASE_URL)
    before = scrape(plain)
    first = run_import(api, "tags", [{"name": "one"}, {"name": "two"}])
    second = run_import(api, "tags", [{"name": "one"}, {"name": "three"}, {"name": ""}],
                        skip_errors=True)  # fmt: skip
    assert (first["status"], second["status"]) == ("completed", "completed")
    assert second["errors_count"] == 1, second
    after = scrape(plain)
    items = "bulkport_import_items_total"
    assert moved(before, after, items, outcome="created") == 3
    assert moved(before, after, items, outcome="unchanged") == 1
    assert moved(before, after, items, outcome="errors") == 1
    assert moved(before, after, items, outcome="updated") == 0
    # read from this app's database at scrape time: exact, not moved
    assert value(after, "bulkport_jobs", type="imports", status="completed") == 2
    assert value(after, "bulkport_jobs", type="exports", status="pending") == 0  # listed, as 0
    # dramatiq's own, from the in-process worker
    assert moved(before, after, "dramatiq_messages_total", queue_name="bulkport",
                 actor_name="imports.run") == 2  # fmt: skip
    assert value(after, "bulkport_queue_messages", state="waiting") == 0
    assert value(after, "bulkport_workers") == 1


def test_a_preview_counts_no_item(app, api):
    plain = TestClient(app, base_url=BASE_URL)
    before = scrape(plain)
    previewed = run_import(api, "tags", [{"name": "one"}], preview=True)
    assert previewed["status"] == "previewed", previewed
    assert moved(before, scrape(plain), "bulkport_import_items_total", outcome="created") == 0


def test_webhook_deliveries_are_counted_by_outcome(tmp_path, sqlite_template, jwt_pem):
    with (
        Receiver() as receiver,
        app_on(
            tmp_path,
            sqlite_template,
            jwt_pem,
            BULKPORT_WEBHOOKS_ALLOW_PRIVATE="on",
            BULKPORT_WEBHOOKS_RETRY_SECONDS="0.2",
        ) as app,  # fmt: skip
    ):
        plain = TestClient(app, base_url=BASE_URL)
        api = make_org(app, "acme").api
        attrs = {"topic": "tags.create", "callback_url": receiver.url("/tags.create")}
        hook = api.post("/api/webhooks", json={"data": {"type": "webhooks", "attributes": attrs}})
        assert hook.status_code == 201, hook.text
        receiver.answers = [500]  # the first attempt fails, its retry is delivered
        before = scrape(plain)
        tag = {"data": {"type": "tags", "attributes": {"name": "hooked"}}}
        created = api.post("/api/tags", json=tag)
        assert created.status_code == 201, created.text
        eventually(lambda: len(receiver.of("tags.create")) >= 2, 20, lambda: receiver.topics())
        after = eventually(
            lambda: (s := scrape(plain))
            and value(s, "bulkport_webhook_deliveries_total", outcome="delivered")
            > value(before, "bulkport_webhook_deliveries_total", outcome="delivered")
            and s,
            20, lambda: "no delivery counted",
        )  # fmt: skip
    deliveries = "bulkport_webhook_deliveries_total"
    assert moved(before, after, deliveries, outcome="failed") == 1
    assert moved(before, after, deliveries, outcome="delivered") == 1


def test_rate_limit_refusals_are_counted_by_limit(tmp_path, sqlite_template, jwt_pem):
    with app_on(tmp_path, sqlite_template, jwt_pem, BULKPORT_RATE_LIMITS="on",
                BULKPORT_RATE_LIMIT_OAUTH="1/60") as app:  # fmt: skip
        plain = TestClient(app, base_url=BASE_URL)
        before = scrape(plain)
        form = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
        assert plain.post("/oauth/token", json=form).status_code == 401
        assert plain.post("/oauth/token", json=form).status_code == 429
        after = scrape(plain)
    refusals = "bulkport_rate_limit_refusals_total"
    assert moved(before, after, refusals, limit="oauth", per="ip") == 1
    assert moved(before, after, "bulkport_http_requests_total", route="/oauth/token",
                 method="POST", status="429") == 1  # fmt: skip


def test_with_a_metrics_token_a_scrape_needs_it(tmp_path, sqlite_template, jwt_pem):
    with app_on(tmp_path, sqlite_template, jwt_pem, BULKPORT_METRICS_TOKEN="s3cret-scrape") as app:
        plain = TestClient(app, base_url=BASE_URL)
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-scrape"}):
            refused = plain.get("/metrics", headers=headers)
            assert refused.status_code == 401, headers
            assert refused.headers["content-type"] == MEDIA
            (error,) = refused.json()["errors"]
            assert error["code"] == "UNAUTHORIZED" and "BULKPORT_METRICS_TOKEN" in error["detail"]
        assert value(scrape(plain, {"Authorization": "Bearer s3cret-scrape"}),
                     "bulkport_workers") == 1  # fmt: skip


@pytest.mark.services
def test_the_queue_depth_and_the_workers_in_redis(service_app):
    api = make_org(service_app, "acme").api
    plain = TestClient(service_app, base_url=BASE_URL)
    assert post_import(api, "tags", [{"name": "one"}]).status_code == 201  # no worker: it waits
    samples = scrape(plain)
    assert value(samples, "bulkport_queue_messages", state="waiting") == 1
    assert value(samples, "bulkport_workers") == 0
    assert value(samples, "bulkport_jobs", type="imports", status="pending") == 1


@pytest.mark.services
def test_one_scrape_adds_up_the_server_and_worker_processes(
    tmp_path, service_env, worker, moto_endpoint
):
    """`bulkport serve` and a `bulkport worker` write to one PROMETHEUS_MULTIPROC_DIR: the
    server's /metrics has what the worker process counted."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    shared = {**service_env, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    workers = worker(ready=False, **shared)  # starting while the server starts
    (tmp_path / "serve").mkdir()
    with live_server(tmp_path / "serve", **shared, **AWS_ENV) as server:
        workers.wait_ready()
        headers = {**server.headers(), "Content-Type": MEDIA}
        body = {"data": {"type": "imports", "attributes": {
            "resource_type": "tags", "inputs": [{"name": "one"}, {"name": "two"}]}}}  # fmt: skip
        created = httpx.post(f"{server.url}/api/imports", json=body, headers=headers)
        assert created.status_code == 201, created.text
        job_url = f"{server.url}/api/imports/{created.json()['data']['id']}"

        def completed():
            status = httpx.get(job_url, headers=server.headers()).json()["data"]["attributes"]
            return status["status"] == "completed"

        eventually(completed, 30, lambda: workers.tail())
        samples = parse(httpx.get(f"{server.url}/metrics").text)
    assert value(samples, "bulkport_import_items_total", outcome="created") == 2
    assert value(samples, "dramatiq_messages_total", queue_name="bulkport",
                 actor_name="imports.run") == 1  # fmt: skip
    assert value(samples, "bulkport_workers") == 1
    assert value(samples, "bulkport_http_requests_total", route="/api/imports", method="POST",
                 status="201") == 1  # fmt: skip
