"""`X-Request-Id`: echoed or generated on every request, on its log lines, stored on the jobs
it creates (and on their log lines), and the error id of a 500."""

from __future__ import annotations

import logging
import re

import pytest

from app.jsonapi import endpoints
from core.request_id import RequestIdFilter
from tests.support import factories
from tests.support.api import BASE_URL, CheckedClient
from tests.support.jobs import post_import, run_to_end

GENERATED = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def logged(caplog):
    """Log records as the server's handlers see them: with the request id filter."""
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(RequestIdFilter())
    return caplog


def test_a_request_without_an_id_gets_a_new_one_on_its_response(api, anonymous):
    first = api.get("/api/skus").headers["X-Request-Id"]
    second = anonymous.get("/api/skus").headers["X-Request-Id"]  # a 401 too
    assert GENERATED.match(first) and GENERATED.match(second) and first != second


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("nightly-2026-12-04/chunk-7", True),
        ("x" * 200, True),
        ("x" * 201, False),  # too long
        ("a b", False),  # not printable without spaces
        ("caf\u00e9", False),  # not ASCII
    ],
)
def test_a_clients_id_is_echoed_when_acceptable_else_replaced(api, sent, kept):
    response = api.get("/api/skus", headers={"X-Request-Id": sent.encode("utf-8")})
    echoed = response.headers["X-Request-Id"]
    assert echoed == sent if kept else GENERATED.match(echoed), echoed


def test_every_log_line_of_a_request_carries_its_id(api, logged):
    api.get("/api/skus?page[size]=1", headers={"X-Request-Id": "req-logs-1"})
    access = [r for r in logged.records if r.name == "bulkport.access"]
    assert access and {r.request_id for r in access} == {"req-logs-1"}


def test_jobs_keep_the_id_of_the_request_that_created_them_on_their_log_lines(api, logged):
    headers = {"X-Request-Id": "req-import-1"}
    body = {"resource_type": "skus", "inputs": [{"code": "A"}], "format": "json"}
    created = api.post("/api/imports", json={"data": {"type": "imports", "attributes": body}},
                       headers=headers)  # fmt: skip
    assert created.status_code == 201, created.text
    import_id = created.json()["data"]["id"]
    assert created.json()["data"]["attributes"]["request_id"] == "req-import-1"
    attrs = run_to_end(api, "imports", import_id)
    assert attrs["request_id"] == "req-import-1"
    lines = [r for r in logged.records if r.name == "bulkport.jobs" and import_id in r.getMessage()]
    assert [r.getMessage() for r in lines] == [
        f"imports.run {import_id} started", f"imports.run {import_id} returned"]  # fmt: skip
    assert {r.request_id for r in lines} == {"req-import-1"}
    # read-only, and filterable: a nightly job finds what one run created
    found = api.get("/api/imports?filter[q][request_id_eq]=req-import-1").json()["data"]
    assert [d["id"] for d in found] == [import_id]


def test_exports_and_cleanups_store_the_request_id_too(api):
    factories.sku(api, code="A")
    for kind in ("exports", "cleanups"):
        body = {"data": {"type": kind, "attributes": {"resource_type": "skus"}}}
        job = api.post(f"/api/{kind}", json=body, headers={"X-Request-Id": f"req-{kind}"})
        assert job.status_code == 201, job.text
        assert job.json()["data"]["attributes"]["request_id"] == f"req-{kind}"
    unnamed = post_import(api, "skus", [{"code": "A"}]).json()["data"]
    assert GENERATED.match(unnamed["attributes"]["request_id"])


def test_the_request_id_cannot_be_written(api):
    response = post_import(api, "skus", [{"code": "A"}], request_id="mine")
    assert response.status_code == 400, response.text  # as every read-only attribute
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/request_id"


def test_a_500_gives_the_request_id_as_its_error_id(app, api, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(endpoints, "list_document", broken)
    client = CheckedClient(app, base_url=BASE_URL, raise_server_exceptions=False)
    response = client.get("/api/skus", headers=api.headers({"X-Request-Id": "req-500"}))
    assert response.status_code == 500
    assert response.headers["X-Request-Id"] == "req-500"
    (error,) = response.json()["errors"]
    assert error["meta"]["error_id"] == "req-500"
    assert [r.levelname for r in caplog.records if "req-500" in r.getMessage()] == ["ERROR"]
